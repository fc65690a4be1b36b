"""Who may do what in which workspace, resolved once per request (R-ROLE-4, R-ROLE-6).

`resolve_access()` turns (user, workspace slug) into an `Access` or raises Http404 — the same 404 for a
workspace that does not exist and one the user is not an active member of. `Access.require()` checks a
capability and audits a refusal.
"""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from praxis.accounts.models import User
from praxis.core import clock
from praxis.core.errors import PermissionDenied
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.prepared import Prepared

from . import licences
from .models import Membership, Workspace
from .roles import capabilities_for


@dataclass(frozen=True)
class Access:
    user: User
    workspace: Workspace
    membership: Membership
    capabilities: frozenset[str]

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def require(self, capability: str, *, code: str = "") -> None:
        """Raise `PermissionDenied` (carrying its audit entry, R-AUD-1) unless the capability is held."""
        if capability not in self.capabilities:
            raise PermissionDenied(
                "forbidden", _("You do not have permission to do this."),
                audit=self.refusal(code=code or "permission.refused", permission=capability),
            )

    def refusal(self, *, code: str, permission: str, action: str = "execute", **data) -> dict:
        """The audit entry of a refused attempt by this member."""
        return {"code": code, "action": action, "actor": self.user, "workspace": self.workspace,
                "outcome": "refused", "role": self.membership.role, "permission": permission,
                "data": data}


# The member's row in the workspace, its workspace and the current licence of its user: compiled once
# (`core.prepared`), the tenant named by the slug in the query itself.
_ACTIVE_MEMBERSHIP = Prepared(
    lambda *, slug, user_id: licences.with_current_licence(Membership.objects.select_related("workspace"), "user")
    .filter(workspace__slug=slug, user_id=user_id, status=LifecycleStatus.ACTIVE).order_by("pk")[:1],
    slug=str, user_id=int)


def resolve_access(user: User, workspace_slug: str) -> Access:
    """The member's access to the workspace: membership, workspace and the user's current licence (for
    the account type) in ONE query — this runs on every workspace page and API call, and on this stack
    each ORM query costs about a millisecond of Python before the database sees it (issue 10 point 11)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    membership = _ACTIVE_MEMBERSHIP.first(slug=workspace_slug, user_id=user.pk)
    if membership is None:
        raise Http404
    account_type = licences.account_type_in_force(licences.joined_licence(membership), clock.now())
    caps = capabilities_for(role=membership.role, grants=membership.grants or [], account_type=account_type)
    return Access(user=user, workspace=membership.workspace, membership=membership, capabilities=caps)


# The switcher's workspaces, on every page: compiled once too.
_USER_WORKSPACES = Prepared(
    lambda *, user_id: Workspace.objects.filter(memberships__user_id=user_id,
                                                memberships__status=LifecycleStatus.ACTIVE)
    .order_by("-is_personal", "name", "pk"),
    user_id=int)


def user_workspaces(user) -> list[Workspace]:
    """The workspaces the user is an active member of, personal first."""
    return _USER_WORKSPACES(user_id=user.pk)
