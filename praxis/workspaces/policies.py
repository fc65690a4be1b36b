"""The membership policy: who may manage whom, and who may commit the workspace's money (issue 6 points 7, 2).

One definition per rule, asked by the services, the forms, the views, the templates (through the view's
context) and the API alike — never "only admins manage admins" written by hand (STYLE 3, 4).

Roles form an order (Sentry's `RoleManager`): owner > admin > assistant > clinician > staff. A role
manages the roles at or below it (`can_manage`): an assistant manages the team, not the people who
manage the workspace; an admin manages admins but not the owner (whose role changes only by transfer,
R-WS-5). Capabilities still decide *whether* someone manages members at all (`members.manage`); the order
decides *whom*.

Paid seats are a billing decision (R-BIL-7): only `billing.manage` lets an invitation or a restore make
the workspace pay, and only it shows billing figures (prices, cost panel, balance) — `may_commit_money`
is the one answer for the form, the htmx cost panel, the API and the services.

Every `require_*` raises `PermissionDenied` carrying its audit entry (R-AUD-1): a 403, never a 400.
"""

from django.utils.translation import gettext as _

from praxis.core.errors import PermissionDenied

from .access import Access
from .roles import AUDIT_VIEW, BILLING_MANAGE, MEMBERS_MANAGE, Role

# Most powerful first (the order `Role` is declared in).
ROLE_ORDER: tuple[str, ...] = (Role.OWNER, Role.ADMIN, Role.ASSISTANT, Role.CLINICIAN, Role.STAFF)


def role_rank(role: str) -> int:
    """Higher is more powerful; an unknown role ranks below every real one."""
    return len(ROLE_ORDER) - ROLE_ORDER.index(role) if role in ROLE_ORDER else 0


def can_manage(*, actor_role: str, target_role: str) -> bool:
    """Whether a member of `actor_role` may manage (change, cancel, restore, invite, assign) `target_role`."""
    return role_rank(actor_role) > 0 and role_rank(actor_role) >= role_rank(target_role) > 0


def assignable_roles(*, access: Access) -> list[str]:
    """The roles this member may give to someone (by invitation, role change or as a contact person).
    The owner role is never given, only transferred (R-WS-5)."""
    if not access.can(MEMBERS_MANAGE):
        return []
    return [role for role in ROLE_ORDER
            if role != Role.OWNER and can_manage(actor_role=access.membership.role, target_role=role)]


def may_manage_member(*, access: Access, target_role: str) -> bool:
    return access.can(MEMBERS_MANAGE) and can_manage(actor_role=access.membership.role, target_role=target_role)


def may_cancel_member(*, access: Access, target_role: str) -> bool:
    """Whether this member may select someone of `target_role` to cancel or restore; never the owner (R-WS-5)."""
    return target_role != Role.OWNER and may_manage_member(access=access, target_role=target_role)


def may_assign_role(*, access: Access, role: str) -> bool:
    return role in assignable_roles(access=access)


def require_manage_member(*, access: Access, target_role: str, code: str, **data) -> None:
    """Refuse (403, audited) unless this member may manage someone of `target_role`."""
    if not may_manage_member(access=access, target_role=target_role):
        message = (_("Only the owner can change the owner's membership.") if target_role == Role.OWNER
                   else _("Only an admin can change or cancel an admin."))
        raise PermissionDenied(
            "forbidden", message,
            audit=access.refusal(code=code, permission=MEMBERS_MANAGE, action="update",
                                 reason="role_order", target_role=target_role, **data),
        )


def require_assign_role(*, access: Access, role: str, code: str, **data) -> None:
    """Refuse (403, audited) giving `role` when this member may not; `role` must be a valid, non-owner role
    (the services check that first, with its own validation message)."""
    if not may_assign_role(access=access, role=role):
        raise PermissionDenied(
            "forbidden", _("Only an admin can give someone the admin role."),
            audit=access.refusal(code=code, permission=MEMBERS_MANAGE, action="create",
                                 reason="role_order", role_asked=role, **data),
        )


def may_transfer_ownership(*, access: Access) -> bool:
    """Only the owner hands the workspace on (R-WS-5)."""
    return access.membership.role == Role.OWNER


# --- money (issue 6 point 2, R-BIL-7, R-BIL-14) -----------------------------------------------------


def may_commit_money(*, access: Access) -> bool:
    """Whether this member may make the workspace pay for a seat, and so see what seats cost and the
    workspace's balance. One answer for the invite form, the cost panel, the API and the services."""
    return access.can(BILLING_MANAGE)


def require_commit_money(*, access: Access, code: str, **data) -> None:
    """Refuse (403, audited) a paid-by-the-workspace seat or a billing figure without `billing.manage`."""
    if not may_commit_money(access=access):
        raise PermissionDenied(
            "forbidden",
            _("Only someone who manages billing can make the workspace pay for a seat or see its costs."),
            audit=access.refusal(code=code, permission=BILLING_MANAGE, reason="billing_manage_required", **data),
        )


# --- the second factor (R-ACC-1, issue 10 point 1) ---------------------------------------------------------

SECOND_FACTOR_WORKSPACE = "workspace_requires"
SECOND_FACTOR_AUDIT_LOG = "audit_log"


def second_factor_unmet(*, user, workspace, capability: str | None, session_verified: bool | None) -> str | None:
    """Why this request may not go on without a second factor, or None — one answer for pages and API.

    Needed for reading the audit log (`audit.view`, NEN 7513 §8) in every workspace, and for everything in
    a workspace whose admin requires it. `session_verified`: for a browser session, whether a code was
    given in it; None for an API token, which meets the rule when its user has a confirmed device."""
    from praxis.accounts import twofactor

    if capability == AUDIT_VIEW:
        reason = SECOND_FACTOR_AUDIT_LOG
    elif workspace.require_two_factor:
        reason = SECOND_FACTOR_WORKSPACE
    else:
        return None
    met = session_verified if session_verified is not None else twofactor.is_enrolled(user)
    return None if met else reason


def second_factor_message(reason: str) -> str:
    if reason == SECOND_FACTOR_AUDIT_LOG:
        return _("Reading the audit log needs two-step verification.")
    return _("This workspace requires two-step verification.")
