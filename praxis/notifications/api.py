"""`/api/v1/me/notifications`: the caller's own notifications (never anyone else's).

A workspace token (SPEC §13) reads only the notifications of its workspace; marking them read is a
change to the account, so it needs the logged-in session (issue 6 point 22).
"""

from django.utils.translation import gettext as _
from ninja import Router

from praxis.core.errors import PermissionDenied

from . import kinds, selectors, services
from .models import Notification
from .schemas import MarkedOut, NotificationOut, NotificationsOut

router = Router(tags=["me"])


def _out(n: Notification) -> dict:
    return {"id": n.pk, "kind": n.kind, "text": kinds.text_of(n), "link": kinds.link_of(n),
            "workspace": n.workspace.slug if n.workspace else None, "created_at": n.created_at,
            "read_at": n.read_at}


def _session_only(request) -> None:
    if getattr(request, "api_token", None) is not None:
        raise PermissionDenied("session_required", _("Mark notifications read from a logged-in session."))


@router.get("/notifications", response=NotificationsOut)
def notifications(request, unread: bool = False):
    """Your newest notifications (50), each with its text in your language and a link."""
    token = getattr(request, "api_token", None)
    workspace = token.workspace if token is not None else None
    rows = selectors.notifications_for(user=request.auth, workspace=workspace, unread_only=unread)
    items = [_out(n) for n in rows]
    return {"unread": selectors.unread_count(user=request.auth, workspace=workspace), "items": items}


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def notification_read(request, notification_id: int):
    _session_only(request)
    return _out(services.mark_read(user=request.auth, notification_id=notification_id))


@router.post("/notifications/read-all", response=MarkedOut)
def notifications_read_all(request):
    _session_only(request)
    return {"marked": services.mark_all_read(user=request.auth)}
