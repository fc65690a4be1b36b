"""Reads of the support portal (R-SUP-3, R-SUP-4, R-SUP-5). Every customer-side list starts from
`policies.visible_tickets`, so the pages, the API and the home page show the same tickets; the operator's
reads are the console's own (every workspace, scopes disabled, ticket rows only).

Lists are ordered by (updated_at, id) descending over an index that starts with the workspace (or the
status, for the operator's queue), and read one page with its count: a constant number of queries whatever
the number of tickets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django_scopes import scope

from praxis.core import clock
from praxis.core.prepared import Prepared
from praxis.workspaces.access import Access
from praxis.workspaces.models import LifecycleStatus, Membership

from . import policies
from .models import Attachment, Category, Message, SalesRequest, Ticket, Watcher

VIEWS = ("mine", "open", "all")


@dataclass(frozen=True)
class TicketFilters:
    view: str = "mine"  # mine (filed or followed), open, all (with tickets.view_all)
    status: str = ""
    kind: str = ""
    category: int | None = None
    q: str = ""


def categories() -> QuerySet[Category]:
    """The categories a ticket can be filed in (retired ones stay on their tickets)."""
    return Category.objects.filter(active=True)


# Categories belong to the deployment, not to a workspace: a lookup `Prepared` may compile once.
_CATEGORY = Prepared(lambda *, pk: categories().filter(pk=pk)[:1], pk=int)


def category(pk: int) -> Category | None:
    """The category of `categories()` with this id, or None — on every ticket filed, so compiled once."""
    return _CATEGORY.first(pk=pk)


def _by_kind_and_category(tickets: QuerySet[Ticket], *, kind: str, category: int | None) -> QuerySet[Ticket]:
    if kind in Ticket.Kind.values:
        tickets = tickets.filter(kind=kind)
    return tickets.filter(category_id=category) if category else tickets


def _filtered(tickets: QuerySet[Ticket], filters: TicketFilters) -> QuerySet[Ticket]:
    if filters.status in Ticket.Status.values:
        tickets = tickets.filter(status=filters.status)
    tickets = _by_kind_and_category(tickets, kind=filters.kind, category=filters.category)
    if filters.q.strip():
        tickets = tickets.filter(subject__icontains=filters.q.strip()[:100])
    return tickets


def tickets_list(*, access: Access, filters: TicketFilters) -> QuerySet[Ticket]:
    """One of the three lists (R-SUP-3), filtered; "all" only with `tickets.view_all`."""
    visible = policies.visible_tickets(access)
    if filters.view == "mine":
        follows = Exists(Watcher.objects.filter(ticket=OuterRef("pk"), membership=access.membership))
        from django.db.models import Q

        tickets = visible.filter(Q(created_by=access.user) | follows)
    elif filters.view == "open":
        tickets = visible.filter(is_open=True)
    else:
        tickets = visible if policies.sees_all(access) else visible.none()
    return (_filtered(tickets, filters).select_related("category", "created_by")
            .order_by("-updated_at", "-pk"))


def awaiting_answer(*, access: Access, limit: int = 10) -> list[Ticket]:
    """The member's own and followed tickets waiting for their answer (R-SUP-4), oldest wait first."""
    return list(tickets_list(access=access, filters=TicketFilters(view="mine", status=Ticket.Status.AWAITING_CUSTOMER))
                .order_by("updated_at", "pk")[:limit])


def recent_history(*, access: Access, limit: int = 8) -> list[Ticket]:
    """Their latest tickets in any other status (R-SUP-4)."""
    return list(tickets_list(access=access, filters=TicketFilters(view="mine"))
                .exclude(status=Ticket.Status.AWAITING_CUSTOMER)[:limit])


@dataclass
class TicketView:
    ticket: Ticket
    messages: list[Message]
    attachments: list[Attachment]  # of the ticket itself (each message carries its own)
    watchers: list[Watcher]
    colleagues: list[Membership]  # who could be added as a follower


def ticket_detail(*, access: Access, ticket_id: int) -> TicketView | None:
    """The ticket as the customer side sees it — never an internal note — or None (the 404)."""
    ticket = (Ticket.objects.filter(workspace=access.workspace, pk=ticket_id)
              .select_related("category", "created_by").first())
    if ticket is None or not policies.may_view(access, ticket):
        return None
    return _thread(ticket, policies.customer_messages(ticket), with_colleagues=True)


def _thread(ticket: Ticket, messages: QuerySet[Message], *, with_colleagues: bool) -> TicketView:
    messages = messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
    own = list(Attachment.objects.filter(ticket=ticket, message__isnull=True))
    watchers = list(Watcher.objects.filter(ticket=ticket).select_related("membership__user").order_by("pk"))
    colleagues: list[Membership] = []
    if with_colleagues:
        taken = {w.membership_id for w in watchers}
        colleagues = [m for m in Membership.objects.filter(workspace_id=ticket.workspace_id,
                                                            status=LifecycleStatus.ACTIVE, user__isnull=False)
                      .select_related("user").order_by("user__first_name", "user__last_name", "pk")
                      if m.pk not in taken and m.user_id != ticket.created_by_id]
    return TicketView(ticket=ticket, messages=list(messages), attachments=own, watchers=watchers,
                      colleagues=colleagues)


def attachment_for(*, access: Access, attachment_id: int) -> Attachment | None:
    """A file the member may download: of a ticket they see, never of an internal note."""
    attachment = (Attachment.objects.filter(workspace=access.workspace, pk=attachment_id)
                  .select_related("ticket", "message").first())
    if attachment is None or (attachment.message is not None and attachment.message.internal):
        return None
    return attachment if policies.may_view(access, attachment.ticket) else None


# --- the operator console ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConsoleFilters:
    status: str = "open"  # "open" (new, in progress, awaiting customer), "" (all) or one status
    kind: str = ""
    category: int | None = None
    workspace: str = ""  # slug
    assignee: str = ""  # "", "me", "none" or a user id
    age: str = ""  # "", "1d", "7d", "30d": not answered for longer than that
    q: str = ""


AGES = {"1d": dt.timedelta(days=1), "7d": dt.timedelta(days=7), "30d": dt.timedelta(days=30)}


def console_tickets(*, operator, filters: ConsoleFilters) -> QuerySet[Ticket]:
    tickets = Ticket.objects.with_scopes_disabled().all()
    if filters.status == "open":
        tickets = tickets.filter(is_open=True)
    elif filters.status in Ticket.Status.values:
        tickets = tickets.filter(status=filters.status)
    tickets = _by_kind_and_category(tickets, kind=filters.kind, category=filters.category)
    if filters.workspace:
        tickets = tickets.filter(workspace__slug=filters.workspace)
    if filters.assignee == "me":
        tickets = tickets.filter(assignee=operator)
    elif filters.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        tickets = tickets.filter(assignee_id=int(filters.assignee))
    if filters.age in AGES:
        tickets = tickets.filter(updated_at__lte=clock.now() - AGES[filters.age])
    if filters.q.strip():
        q = filters.q.strip()[:100]
        ref = q.upper().removeprefix("T-")
        tickets = tickets.filter(pk=int(ref)) if ref.isdigit() else tickets.filter(subject__icontains=q)
    return tickets.select_related("workspace", "category", "assignee", "created_by").order_by("-updated_at", "-pk")


def console_ticket(*, ticket_id: int) -> TicketView | None:
    ticket = (Ticket.objects.with_scopes_disabled().filter(pk=ticket_id)
              .select_related("workspace", "category", "assignee", "created_by").first())
    if ticket is None:
        return None
    with scope(workspace=ticket.workspace):  # the rows of the thread are read in the ticket's workspace
        return _thread(ticket, Message.objects.filter(ticket=ticket), with_colleagues=False)


def console_attachment(*, attachment_id: int) -> Attachment | None:
    return Attachment.objects.with_scopes_disabled().filter(pk=attachment_id).first()


def operators() -> list:
    from praxis.accounts.models import User

    return list(User.objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name", "pk"))


def sales_requests(*, status: str = "") -> QuerySet[SalesRequest]:
    requests = SalesRequest.objects.select_related("workspace", "requested_by")
    return requests.filter(status=status) if status in SalesRequest.Status.values else requests
