"""Who sees which ticket (R-SUP-3, R-SUP-5, R-SUP-6): one policy that the pages, the API, the home page
and every e-mail ask.

A member with `tickets.view_all` (owner, admin, "staff+") sees every ticket of the workspace; anyone else
with `tickets.view_own` sees the tickets they filed and the ones they follow. Everyone else, and every
other workspace, gets the same 404 as for a ticket that does not exist (R-ROLE-4). Internal notes are the
operator's only: no customer-side reader ever gets them. Operators (`User.is_staff`) see every ticket of
every workspace in the console — the ticket, never the workspace's client data.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from praxis.workspaces.access import Access
from praxis.workspaces.roles import TICKETS_CREATE, TICKETS_VIEW_ALL, TICKETS_VIEW_OWN

from .models import Message, Ticket, Watcher


def may_file(access: Access) -> bool:
    return access.can(TICKETS_CREATE)


def sees_all(access: Access) -> bool:
    return access.can(TICKETS_VIEW_ALL)


def _follows(access: Access):
    return Exists(Watcher.objects.filter(ticket=OuterRef("pk"), membership=access.membership))


def visible_tickets(access: Access) -> QuerySet[Ticket]:
    """The workspace's tickets this member may see (inside the workspace scope)."""
    tickets = Ticket.objects.filter(workspace=access.workspace)
    if sees_all(access):
        return tickets
    if not access.can(TICKETS_VIEW_OWN):
        return tickets.none()
    return tickets.filter(Q(created_by=access.user) | _follows(access))


def may_view(access: Access, ticket: Ticket) -> bool:
    if ticket.workspace_id != access.workspace.pk:
        return False
    if sees_all(access):
        return True
    if not access.can(TICKETS_VIEW_OWN):
        return False
    return ticket.created_by_id == access.user.pk or Watcher.objects.filter(
        ticket=ticket, membership=access.membership).exists()


def customer_messages(ticket: Ticket) -> QuerySet[Message]:
    """The thread as the customer side may read it: never an internal note."""
    return Message.objects.filter(ticket=ticket, internal=False)


def is_operator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)
