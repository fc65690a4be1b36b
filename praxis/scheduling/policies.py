"""Who sees and manages which appointment (R-SCH-1, R-ROLE-4, R-WS-2): one policy the calendar pages, the
client's Overview, the API and the calendar feed all ask.

- Appointments are seen by whoever may open their client (`clients.policies.visible_clients`): in a
  `team` workspace a clinician sees the appointments of the clients assigned to them, in a `practice`
  workspace everyone with `clients.view` sees every appointment. Staff and support accounts see the
  schedule (reception books and moves appointments) but nothing clinical: an appointment carries no
  clinical content.
- Booking, rescheduling, cancelling and marking need `appointments.manage` (owner, admin, assistant,
  clinician).
- A practitioner is an active member with a login who holds clinical capabilities (`notes.write`:
  owner, admin, clinician; never a `support` account, R-ROLE-2). In a `team` workspace the practitioner
  must be on the client's care team, or manage the team: they must be able to open the client they see.
"""

from __future__ import annotations

from django.db.models import QuerySet

from praxis.clients import policies as client_policies
from praxis.clients.models import Client
from praxis.core import clock
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.prepared import Prepared
from praxis.workspaces import licences
from praxis.workspaces.access import Access
from praxis.workspaces.models import Membership, Tier
from praxis.workspaces.roles import (
    APPOINTMENTS_MANAGE,
    CLIENTS_VIEW,
    MEMBERS_MANAGE,
    NOTES_WRITE,
    capabilities_for,
)

from .models import Appointment, CalendarFeed


def visible_appointments(access: Access) -> QuerySet[Appointment]:
    """The workspace's appointments this member may see (inside the workspace scope)."""
    appointments = Appointment.objects.filter(workspace=access.workspace)
    if not access.can(CLIENTS_VIEW):
        return appointments.none()
    if client_policies.sees_only_assigned(access):
        return appointments.filter(client__clinicians=access.membership)
    return appointments


def may_view(access: Access, appointment: Appointment) -> bool:
    return (appointment.workspace_id == access.workspace.pk
            and client_policies.may_view_client(access, appointment.client))


def may_manage(access: Access) -> bool:
    return access.can(APPOINTMENTS_MANAGE)


def may_book_for(access: Access, client: Client) -> bool:
    """Whether to offer booking for this client: `appointments.manage`, and an active client (the booking
    service refuses a cancelled one)."""
    return may_manage(access) and client.status == LifecycleStatus.ACTIVE


def _capabilities(membership: Membership) -> frozenset[str]:
    licence = licences.joined_licence(membership)
    account_type = licences.account_type_in_force(licence, clock.now())
    return capabilities_for(role=membership.role, grants=membership.grants or [], account_type=account_type)


def practitioners(workspace) -> list[Membership]:
    """The members who hold appointments, by name: active, with a login, clinical (see the module)."""
    members = licences.with_current_licence(
        Membership.objects.filter(workspace=workspace, status=LifecycleStatus.ACTIVE, user__isnull=False)
        .select_related("user"), "user")
    found = [m for m in members if NOTES_WRITE in _capabilities(m)]
    return sorted(found, key=lambda m: (m.display_name.casefold(), m.pk))


# One member of the workspace with its user's current licence (for the account type): the booking's
# check, compiled once (`core.prepared`; a booking is the hot path of scheduling).
_MEMBER = Prepared(
    lambda *, workspace_id, membership_id: licences.with_current_licence(
        Membership.objects.select_related("user").filter(workspace_id=workspace_id, pk=membership_id,
                                                         status=LifecycleStatus.ACTIVE, user__isnull=False), "user")[:1],
    workspace_id=int, membership_id=int)


def practitioner(workspace, membership_id: int) -> Membership | None:
    """The practitioner `membership_id` of the workspace (see `practitioners`), or None."""
    member = _MEMBER.first(workspace_id=workspace.pk, membership_id=membership_id)
    return member if member is not None and NOTES_WRITE in _capabilities(member) else None


def is_practitioner(membership: Membership) -> bool:
    return practitioner(membership.workspace, membership.pk) is not None


def practitioner_may_see(practitioner: Membership, client: Client) -> bool:
    """In a `team` workspace only a practitioner on the client's care team (or one who manages the team)
    may hold the client's appointment: they could not open the client otherwise (R-WS-2)."""
    if client.workspace.tier != Tier.TEAM or MEMBERS_MANAGE in _capabilities(practitioner):
        return True
    return client.clinicians.filter(pk=practitioner.pk).exists()


def may_manage_feed(access: Access, practitioner: Membership) -> bool:
    """A practitioner manages their own calendar address; nobody else sees its secret."""
    return practitioner.pk == access.membership.pk


def live_feed(practitioner: Membership) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).first()
