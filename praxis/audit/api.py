"""API for the audit log (R-AUD-2): `audit.view` lists it, filtered by user, event code and period."""

import datetime as dt

from ninja import Router, Schema

from praxis.api.scoping import paginate, workspace_endpoint
from praxis.workspaces.roles import AUDIT_VIEW

from .selectors import audit_events
from .services import record

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    seq: int  # gapless within `chain` (the workspace's chain; -1: entries from before chains existed)
    chain: int
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
    """The workspace's audit log, newest first; `since`/`until` are days in the workspace's time zone.
    Reading it is itself recorded (R-AUD-1, issue 6 point 23) — after the page is read, so the entry is
    not on the page it records."""
    access = request.access
    events = audit_events(workspace=access.workspace, user_id=user, code=code, client_id=client,
                          date_from=since, date_to=until)
    result = paginate(events, page=page, page_size=page_size)
    filters = {"user": user, "code": code, "client": client, "since": since, "until": until}
    record(code="audit.viewed", action="read", actor=access.user, workspace=access.workspace,
           role=access.membership.role, permission=AUDIT_VIEW,
           data={**{k: str(v) for k, v in filters.items() if v}, "page": result["page"]})
    return result
