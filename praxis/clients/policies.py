"""Who may see and do what with client records: the one policy every path asks (R-ROLE-3, R-WS-2).

HTML views, the API, search, exports, imports and e-mails all call these functions; none decides on its
own. Two questions, as in Wagtail's permission policies and NetBox's `restrict()`:

- *which clients may this member list* — `visible_clients(access)`, a queryset;
- *may this member do X to this client / see this field / open this tab* — the `may_*` functions.

Rules:
- `clients.view` lists clients and their contact details. In a `team` workspace members share nothing
  but billing (R-WS-2): a member who does not manage the team (`members.manage`: owner, admin, assistant)
  lists and opens only the clients assigned to them. In a `practice` workspace everyone with
  `clients.view` sees all clients.
- `clients.sensitive` is needed for the national identifier, sensitive custom fields and sensitive tabs;
  `support` accounts never have it (R-ROLE-2, enforced in `workspaces.roles.capabilities_for`). Without
  it those values are not sent at all — absent from HTML, API, exports and search (R-ROLE-3).
- `clients.manage` creates, edits, imports and links clients; cancelling and restoring them is
  `members.manage` (SPEC §3: "cancel/restore clients and staff").
- `workspace.edit` defines custom fields and sections; `audit.view` reads a record's access history.
- Exports (R-CLI-10): the client list as CSV is a read of the list — `clients.view`, the clients of
  `visible_clients` and the fields of `visible_builtin_fields` / `visible_custom_fields`. A per-client
  data export (a GDPR access request, JSON or FHIR) hands over a whole record: it needs a member who may
  open the record and handles records (`clients.manage`; there is no separate export capability in the
  SPEC §3 matrix), with the same sensitive filter; its access history part needs `audit.view`.
- The portal (R-CLI-11) is not a membership: a client user opens only the active records that are
  theirs (`Client.user`) or that they act for (an accepted invitation on the client's behalf through a
  relationship that still has `portal_access`) — `portal_clients(user)`. They are no member, so every
  staff URL of the workspace answers them 404 (`workspaces.access.resolve_access`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from praxis.core.lifecycle import LifecycleStatus
from praxis.workspaces.models import Tier
from praxis.workspaces.roles import (
    AUDIT_VIEW,
    CLIENTS_MANAGE,
    CLIENTS_SENSITIVE,
    CLIENTS_VIEW,
    MEMBERS_MANAGE,
    WORKSPACE_EDIT,
)

from .fields import BUILTIN_FIELDS, SENSITIVE_BUILTIN_FIELDS
from .models import Client, ClientInvitation, CustomField, Relationship

if TYPE_CHECKING:
    from praxis.workspaces.access import Access


def sees_only_assigned(access: Access) -> bool:
    """R-WS-2: in a `team` workspace a member who does not manage the team sees only their own clients."""
    return access.workspace.tier == Tier.TEAM and not access.can(MEMBERS_MANAGE)


def visible_clients(access: Access) -> QuerySet[Client]:
    """Every client this member may list and open, of both statuses."""
    if not access.can(CLIENTS_VIEW):
        return Client.objects.none()
    clients = Client.objects.filter(workspace=access.workspace)
    if sees_only_assigned(access):
        clients = clients.filter(clinicians=access.membership)
    return clients


def may_view_client(access: Access, client: Client) -> bool:
    if client.workspace_id != access.workspace.pk or not access.can(CLIENTS_VIEW):
        return False
    if sees_only_assigned(access):
        # Iterating uses the care team a selector prefetched (no query on the record page).
        return any(m.pk == access.membership.pk for m in client.clinicians.all())
    return True


def may_manage_clients(access: Access) -> bool:
    return access.can(CLIENTS_MANAGE)


def may_edit_relationships(access: Access) -> bool:
    """R-CLI-4: linking, changing and unlinking relationships (and adding external contacts) is editing
    the client: `clients.manage`."""
    return access.can(CLIENTS_MANAGE)


def linkable_clients(access: Access) -> QuerySet[Client]:
    """The clients this member may link a client to: only those they may open themselves (a clinician
    of a `team` workspace links only clients assigned to them), never another workspace's."""
    return visible_clients(access)


def may_cancel_clients(access: Access) -> bool:
    return access.can(MEMBERS_MANAGE)


def may_see_sensitive(access: Access) -> bool:
    return access.can(CLIENTS_SENSITIVE)


def may_edit_fields(access: Access) -> bool:
    """Define, order and retire custom fields and sections (R-CLI-2)."""
    return access.can(WORKSPACE_EDIT)


def may_view_access_history(access: Access) -> bool:
    return access.can(AUDIT_VIEW)


def may_export_clients(access: Access) -> bool:
    """The client list as CSV (R-CLI-10): whoever may list clients, with what they may see."""
    return access.can(CLIENTS_VIEW)


def may_export_client(access: Access, client: Client) -> bool:
    """One client's data export for a GDPR access request, JSON or FHIR (R-CLI-10)."""
    return access.can(CLIENTS_MANAGE) and may_view_client(access, client)


def visible_builtin_fields(access: Access) -> tuple[str, ...]:
    """The built-in client fields this member may receive, in record order."""
    if may_see_sensitive(access):
        return BUILTIN_FIELDS
    return tuple(name for name in BUILTIN_FIELDS if name not in SENSITIVE_BUILTIN_FIELDS)


def visible_custom_fields(access: Access, definitions: Iterable[CustomField]) -> list[CustomField]:
    """The custom-field definitions whose values this member may receive (sensitive ones need
    `clients.sensitive`)."""
    sensitive_ok = may_see_sensitive(access)
    return [d for d in definitions if sensitive_ok or not d.sensitive]


def visible_custom_values(access: Access, client: Client, definitions: Iterable[CustomField]) -> dict:
    """The client's custom values this member may receive — the others are absent, not null."""
    keys = {d.key for d in visible_custom_fields(access, definitions)}
    return {key: value for key, value in (client.custom or {}).items() if key in keys}


def may_see_tab(access: Access, *, capability: str | None, sensitive: bool) -> bool:
    """A record tab is shown when the member holds its capability and, for a sensitive tab,
    `clients.sensitive` (R-ROLE-3: not rendered at all otherwise)."""
    if capability and not access.can(capability):
        return False
    return not sensitive or may_see_sensitive(access)


# --- the client portal (R-CLI-11) ---------------------------------------------------------------------

def portal_clients(user, *, workspace=None) -> QuerySet[Client]:
    """The client records `user` may open in the portal: their own and those they act for, active only —
    cancelling a client ends portal access at once, restoring reopens it (R-MEM-1, R-MEM-2)."""
    if not getattr(user, "is_authenticated", False):
        return Client.objects.none()
    own, acting = portal_client_parts(user, workspace=workspace)
    return own | acting


def portal_client_parts(user, *, workspace=None) -> tuple[QuerySet[Client], QuerySet[Client]]:
    """`portal_clients` as its two halves: the user's own records, and those they act for through an
    accepted invitation on the client's behalf whose relationship still has `portal_access`."""
    grants = ClientInvitation.objects.filter(accepted_by=user, status=ClientInvitation.Status.ACCEPTED,
                                             on_behalf=True, relationship__portal_access=True)
    clients = Client.objects.filter(status=LifecycleStatus.ACTIVE)
    if workspace is not None:
        clients = clients.filter(workspace=workspace)
        grants = grants.filter(workspace=workspace)
    return clients.filter(user=user), clients.filter(pk__in=grants.values("client_id"))


def portal_role(user, client: Client) -> str:
    """How the portal user stands to the record, for the audit's role field (NEN 7513)."""
    return "client" if client.user_id == user.pk else "representative"


def may_invite_to_portal(access: Access, client: Client) -> bool:
    """The quick action "Invite to portal": a member who manages clients, for an active client with an
    e-mail address and no portal login yet."""
    return (may_manage_clients(access) and client.status == LifecycleStatus.ACTIVE and bool(client.email)
            and client.user_id is None)


def may_invite_on_behalf(access: Access, client: Client, relationship: Relationship, email: str) -> bool:
    """Invite the other end of a relationship with `portal_access` (a parent) on the client's behalf."""
    return (may_manage_clients(access) and client.status == LifecycleStatus.ACTIVE
            and relationship.portal_access and bool(email))
