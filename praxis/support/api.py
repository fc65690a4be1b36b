"""Support API (SPEC §10, §13): `/api/v1/workspaces/{ws}/tickets` and what hangs off a ticket.

- `GET /{ws}/tickets`: one of the lists (`view` mine / open / all — all needs `tickets.view_all`, R-SUP-3),
  filtered by `status`, `kind`, `category`, `q` (in subjects), paginated; `POST` files a ticket (R-SUP-1);
- `GET /{ws}/tickets/{id}`; `POST /{ws}/tickets/{id}/reopen` (R-SUP-2);
- `GET`/`POST /{ws}/tickets/{id}/messages`: the thread without internal notes; posting answers (R-SUP-2);
- `GET`/`POST /{ws}/tickets/{id}/attachments` (multipart, field `file`), `GET …/attachments/{aid}` downloads;
- `GET`/`POST /{ws}/tickets/{id}/watchers`, `DELETE …/watchers/{wid}` (R-SUP-6);
- `GET /support/categories`: the operator's main categories in the caller's language;
- `POST /support/inbound`: a raw RFC 5322 reply by e-mail, for mail services (secret header, R-SUP-5).

Visibility is `praxis.support.policies` — the same answer as the pages: a colleague's ticket the caller
does not follow (without `tickets.view_all`) is the same 404 as a missing one.
"""

import hmac
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.security import APIKeyHeader

from praxis.api.scoping import paginate, workspace_endpoint
from praxis.core.errors import NotFound, ServiceError
from praxis.workspaces.roles import TICKETS_CREATE, TICKETS_VIEW_ALL, TICKETS_VIEW_OWN

from . import inbound, selectors, services
from .models import Attachment, Message, Ticket, Watcher
from .schemas import (
    AttachmentOut,
    CategoryOut,
    InboundOut,
    MessageIn,
    TicketDetailOut,
    TicketIn,
    TicketMessageOut,
    TicketPage,
    View,
    WatcherIn,
    WatcherOut,
)
from .schemas import Kind as KindParam
from .schemas import Status as StatusParam
from .views._common import download

router = Router(tags=["support"])


def _person(user) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user else None


def _ticket(ticket: Ticket, *, detail: bool = False) -> dict[str, Any]:
    out = {"id": ticket.pk, "reference": ticket.reference, "kind": ticket.kind,
           "category": {"id": ticket.category_id, "code": ticket.category.code, "name": ticket.category.name},
           "subject": ticket.subject, "status": ticket.status, "created_by": _person(ticket.created_by),
           "created_at": ticket.created_at, "updated_at": ticket.updated_at, "resolved_at": ticket.resolved_at}
    if detail:
        out.update(description=ticket.description, steps=ticket.steps, page_url=ticket.page_url,
                   reopen_until=services.reopen_deadline(ticket))
    return out


def _attachment(attachment: Attachment) -> dict[str, Any]:
    return {"id": attachment.pk, "name": attachment.original_name, "content_type": attachment.content_type,
            "size": attachment.size, "message": attachment.message_id, "created_at": attachment.created_at}


def _message(message: Message) -> dict[str, Any]:
    return {"id": message.pk, "author": _person(message.author), "from_operator": message.from_operator,
            "body": message.body, "via_email": message.via_email, "created_at": message.created_at,
            "attachments": [_attachment(a) for a in message.attachments.all()]}


def _watcher(watcher: Watcher) -> dict[str, Any]:
    user = watcher.membership.user
    return {"id": watcher.pk, "membership": watcher.membership_id, "name": user.display_name if user else ""}


def _view(request, ticket_id: int) -> selectors.TicketView:
    view = selectors.ticket_detail(access=request.access, ticket_id=ticket_id)
    if view is None:
        raise NotFound("not_found", _("Not found."))
    return view


@router.get("/{ws}/tickets", response=TicketPage)
@workspace_endpoint(TICKETS_VIEW_OWN)
def ticket_list(request, ws: str, view: View = "mine", status: StatusParam | None = None,
                kind: KindParam | None = None, category: int | None = None, q: str = "", page: int = 1,
                page_size: int = 25):
    """Latest activity first. `mine`: filed or followed by the caller; `open`: the open tickets the caller
    sees; `all`: every ticket of the workspace (needs `tickets.view_all`)."""
    if view == "all":
        request.access.require(TICKETS_VIEW_ALL)
    filters = selectors.TicketFilters(view=view, status=status or "", kind=kind or "", category=category,
                                      q=q[:100])
    result = paginate(selectors.tickets_list(access=request.access, filters=filters), page=page,
                      page_size=page_size)
    result["items"] = [_ticket(t) for t in result["items"]]
    return result


@router.post("/{ws}/tickets", response={201: TicketDetailOut})
@workspace_endpoint(TICKETS_CREATE)
def ticket_create(request, ws: str, payload: TicketIn):
    """File a ticket; attachments follow with `POST …/attachments`."""
    category_id: int | None
    if isinstance(payload.category, str):
        found = selectors.categories().filter(code=payload.category).first()
        category_id = found.pk if found else None
    else:
        category_id = payload.category
    ticket = services.ticket_create(access=request.access, kind=payload.kind, category_id=category_id,
                                    subject=payload.subject, description=payload.description, steps=payload.steps,
                                    page_url=payload.page_url)
    return Status(201, _ticket(ticket, detail=True))


@router.get("/{ws}/tickets/{int:ticket_id}", response=TicketDetailOut)
@workspace_endpoint(TICKETS_VIEW_OWN)
def ticket_detail(request, ws: str, ticket_id: int):
    return _ticket(_view(request, ticket_id).ticket, detail=True)


@router.post("/{ws}/tickets/{int:ticket_id}/reopen", response=TicketDetailOut)
@workspace_endpoint(TICKETS_VIEW_OWN)
def ticket_reopen(request, ws: str, ticket_id: int):
    """Reopen a resolved ticket within 14 days of its resolution."""
    services.ticket_reopen(access=request.access, ticket_id=ticket_id)
    return _ticket(_view(request, ticket_id).ticket, detail=True)


@router.get("/{ws}/tickets/{int:ticket_id}/messages", response=list[TicketMessageOut])
@workspace_endpoint(TICKETS_VIEW_OWN)
def message_list(request, ws: str, ticket_id: int):
    """The thread, oldest first; internal notes of the operator are never included."""
    return [_message(m) for m in _view(request, ticket_id).messages]


@router.post("/{ws}/tickets/{int:ticket_id}/messages", response={201: TicketMessageOut})
@workspace_endpoint(TICKETS_VIEW_OWN)
def message_create(request, ws: str, ticket_id: int, payload: MessageIn):
    """Answer: "awaiting customer" (and "resolved", within 14 days) goes back to "in progress"."""
    message = services.ticket_reply(access=request.access, ticket_id=ticket_id, body=payload.body)
    return Status(201, _message(message))


@router.get("/{ws}/tickets/{int:ticket_id}/attachments", response=list[AttachmentOut])
@workspace_endpoint(TICKETS_VIEW_OWN)
def attachment_list(request, ws: str, ticket_id: int):
    """The ticket's files and those of its (public) messages."""
    view = _view(request, ticket_id)
    files = [*view.attachments, *(a for m in view.messages for a in m.attachments.all())]
    return [_attachment(a) for a in sorted(files, key=lambda a: a.pk)]


@router.post("/{ws}/tickets/{int:ticket_id}/attachments", response={201: AttachmentOut})
@workspace_endpoint(TICKETS_VIEW_OWN)
def attachment_create(request, ws: str, ticket_id: int):
    """Multipart, field `file`: PDF, PNG, JPEG, Word, Excel or text, decided by the content."""
    _view(request, ticket_id)  # a ticket the caller does not see is a 404 before anything else
    file = request.FILES.get("file")
    if file is None:
        raise ServiceError("file_required", _("Choose a file."), field="file")
    return Status(201, _attachment(services.attachment_add(access=request.access, ticket_id=ticket_id, file=file)))


@router.get("/{ws}/tickets/{int:ticket_id}/attachments/{int:attachment_id}")
@workspace_endpoint(TICKETS_VIEW_OWN)
def attachment_download(request, ws: str, ticket_id: int, attachment_id: int):
    found = selectors.attachment_for(access=request.access, attachment_id=attachment_id)
    if found is None or found.ticket_id != ticket_id:
        raise Http404
    return download(found)


@router.get("/{ws}/tickets/{int:ticket_id}/watchers", response=list[WatcherOut])
@workspace_endpoint(TICKETS_VIEW_OWN)
def watcher_list(request, ws: str, ticket_id: int):
    return [_watcher(w) for w in _view(request, ticket_id).watchers]


@router.post("/{ws}/tickets/{int:ticket_id}/watchers", response={201: WatcherOut})
@workspace_endpoint(TICKETS_VIEW_OWN)
def watcher_create(request, ws: str, ticket_id: int, payload: WatcherIn):
    """Add a colleague (a membership id of this workspace) as a follower."""
    watcher = services.watcher_add(access=request.access, ticket_id=ticket_id, membership_id=payload.membership)
    return Status(201, _watcher(watcher))


@router.delete("/{ws}/tickets/{int:ticket_id}/watchers/{int:watcher_id}", response={204: None})
@workspace_endpoint(TICKETS_VIEW_OWN)
def watcher_delete(request, ws: str, ticket_id: int, watcher_id: int):
    services.watcher_remove(access=request.access, ticket_id=ticket_id, watcher_id=watcher_id)
    return Status(204, None)


# --- outside workspaces -----------------------------------------------------------------------------------

support_router = Router(tags=["support"])


@support_router.get("/categories", response=list[CategoryOut])
def category_list(request):
    """The main categories a ticket can be filed in, in the caller's language."""
    return [{"id": c.pk, "code": c.code, "name": c.name} for c in selectors.categories()]


class InboundSecret(APIKeyHeader):
    """A mail service posting replies proves itself with the deployment's inbound secret."""

    param_name = "X-Praxis-Inbound-Secret"

    def authenticate(self, request, key):
        secret = settings.PRAXIS_SUPPORT_INBOUND_SECRET
        if secret and key and hmac.compare_digest(key.encode(), secret.encode()):
            return True
        return None


inbound_router = Router(tags=["support"], auth=InboundSecret())


@inbound_router.post("/inbound", response={202: InboundOut})
def inbound_reply(request):
    """The raw RFC 5322 message as the body (`message/rfc822`). Filed under the ticket its reply address
    names when the sender is the person it was issued to and still sees the ticket; 404 otherwise."""
    message = inbound.reply_receive(raw=request.body)
    return Status(202, {"ticket": message.ticket_id, "message": message.pk})
