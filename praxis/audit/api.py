"""API for the audit log (R-AUD-2): `audit.view` lists it, filtered by user, event code and period."""

import datetime as dt

from ninja import Router, Schema

from praxis.api.scoping import paginate, workspace_endpoint
from praxis.workspaces.roles import AUDIT_VIEW

from .models import AuditEvent

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    seq: int
    occurred_at: dt.datetime
    event_code: str
    action: str
    outcome: str
    user_id: int | None
    user_display: str
    role: str
    ip: str
    via: str
    object_type: str
    object_id: str
    client_id: str
    permission: str
    data: dict


class AuditPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AuditEventOut]


@router.get("/{ws}/audit", response=AuditPage)
@workspace_endpoint(AUDIT_VIEW)
def audit_list(request, ws: str, user: int | None = None, code: str = "", client: str = "", since: dt.date | None = None,
               until: dt.date | None = None, page: int = 1, page_size: int = 50):
    qs = AuditEvent.objects.filter(workspace=request.access.workspace)
    if user:
        qs = qs.filter(user_id=user)
    if code:
        qs = qs.filter(event_code__startswith=code)
    if client:
        qs = qs.filter(client_id=client)
    if since:
        qs = qs.filter(occurred_at__date__gte=since)
    if until:
        qs = qs.filter(occurred_at__date__lte=until)
    return paginate(qs.order_by("-seq"), page=page, page_size=page_size)
