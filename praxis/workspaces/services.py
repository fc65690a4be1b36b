"""Writes for workspaces and memberships. Views, API handlers and commands call only these.

Every function takes the acting user (or the resolved `Access`) keyword-only, runs in one transaction,
writes its audit entries in that transaction and schedules e-mail after commit.
"""

import datetime as dt
import re
import secrets
from zoneinfo import ZoneInfo, available_timezones

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_scopes import scope

from praxis.accounts import twofactor
from praxis.accounts.models import Gender
from praxis.accounts.services import confirm_password
from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from praxis.core.lifecycle import LifecycleStatus, cancel_rows, restore_rows
from praxis.core.mail import send_templated_email, site_url
from praxis.core.transactions import service_transaction
from praxis.core.validation import check_max_length, check_plain_text

from . import licences, notices, policies
from .access import Access
from .models import BillingInterval, Membership, Tier, Workspace
from .roles import GRANTABLE, MEMBERS_MANAGE, WORKSPACE_EDIT, AccountType, Role

REAUTH_WINDOW = dt.timedelta(minutes=10)  # R-ROLE-5

ORGANISATION_FIELDS = (
    "name", "address", "phone", "email", "registration_number", "vat_id", "billing_address", "country",
    "time_zone", "language", "require_two_factor",
)  # fmt: skip


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "workspace"
    return f"{base}-{secrets.token_hex(3)}"


@service_transaction
def workspace_create(*, actor, name: str, tier: str, personal: bool = False,
                     billing_interval: str = BillingInterval.MONTHLY) -> Workspace:
    """Create a workspace with `actor` as its owner and billing contact (R-WS-1).

    A `practice` workspace starts a 14-day trial in which its seats cost nothing (R-BIL-9). The billing
    interval is chosen at creation; it and the anchor never change afterwards (R-BIL-2).
    """
    name = (name or "").strip()
    if not name:
        raise ServiceError("name_required", _("Enter a name for the workspace."), field="name")
    check_max_length(name, 200, field="name")
    check_plain_text(name, field="name")  # issue 6 point 25c
    if tier not in Tier.values:
        raise ServiceError("invalid_tier", _("Choose a valid tier."), field="tier")
    if billing_interval not in BillingInterval.values:
        raise ServiceError("invalid_interval", _("Choose monthly or annual billing."), field="billing_interval")
    if not personal and tier == Tier.TEAM and licences.effective_account_type(actor) == AccountType.FREE:
        # R-WS-1: a team pays for seats; its creator holds a paid (or the non-clinical support) account
        # type — or creates a `practice`, which starts with its own trial.
        raise ServiceError("paid_account_required", _("To create a team, upgrade your account type or create a "
                           "practice, which starts with a 14-day trial."), field="tier")
    now = clock.now()
    trial_end = now + dt.timedelta(days=licences.TRIAL_DAYS) if tier == Tier.PRACTICE else None
    time_zone = Workspace._meta.get_field("time_zone").default
    workspace = Workspace.objects.create(
        slug=_unique_slug(name),
        name=name,
        tier=tier,
        is_personal=personal,
        created_by=actor,
        language=actor.language,
        email=actor.email,
        time_zone=time_zone,
        billing_interval=billing_interval,
        # "Which day is it" is the practice's own day, not UTC's (R-BIL-2). A practice's first cycle
        # starts when its 14-day trial ends (R-BIL-9); the anchor never changes afterwards.
        billing_anchor=(trial_end or now).astimezone(ZoneInfo(time_zone)).date(),
        trial_ends_at=trial_end,
    )
    with scope(workspace=workspace):
        membership = Membership.objects.create(
            workspace=workspace,
            user=actor,
            role=Role.OWNER,
            account_type=licences.effective_account_type(actor),
        )
    audit.record(code="workspace.created", action="create", actor=actor, workspace=workspace, obj=workspace,
                 role=Role.OWNER, data={"name": name, "tier": tier, "personal": personal,
                                        "billing_interval": billing_interval})
    audit.record(code="member.added", action="create", actor=actor, workspace=workspace, obj=membership,
                 role=Role.OWNER, data={"role": Role.OWNER})
    return workspace


@service_transaction
def workspace_update(*, access: Access, changes: dict) -> Workspace:
    """Edit organisation details (R-WS-4)."""
    access.require(WORKSPACE_EDIT, code="workspace.updated")
    workspace = Workspace.objects.select_for_update().get(pk=access.workspace.pk)
    changed = {}
    for field in ORGANISATION_FIELDS:
        if field in changes and changes[field] is not None and getattr(workspace, field) != changes[field]:
            changed[field] = changes[field]
            setattr(workspace, field, changes[field])
    if "name" in changed and not str(changed["name"]).strip():
        raise ServiceError("name_required", _("Enter a name for the workspace."), field="name")
    if "name" in changed:
        check_plain_text(str(changed["name"]), field="name")  # issue 6 point 25c
    if "time_zone" in changed and changed["time_zone"] not in available_timezones():
        raise ServiceError("invalid_time_zone", _("Choose a valid time zone."), field="time_zone")
    if changed.get("require_two_factor") and not twofactor.is_enrolled(access.user):
        # R-ACC-1: whoever requires it has it, so they are never the one locked out.
        raise ServiceError("two_factor_first", _("Turn on two-step verification for yourself first (Your "
                                                 "account → Two-step verification)."), field="require_two_factor")
    if "country" in changed and not re.fullmatch(r"[A-Z]{2}", str(changed["country"])):
        raise ServiceError("invalid_country", _("Choose a valid country."), field="country")
    if changed:
        try:
            workspace.full_clean(exclude=["logo", "created_by", "slug"])
        except ValidationError as exc:
            field, errors = next(iter(exc.message_dict.items()))
            raise ServiceError("invalid", " ".join(errors), field=field) from None
        workspace.save(update_fields=list(changed))
        audit.record(code="workspace.updated", action="update", actor=access.user, workspace=workspace,
                     obj=workspace, role=access.membership.role, permission=WORKSPACE_EDIT,
                     data={"fields": sorted(changed)})
    return workspace


def check_reauthentication(*, user, password: str | None, reauthenticated_at: dt.datetime | None,
                           refusal: dict | None = None) -> None:
    """R-ROLE-5: the acting user confirms with their password, or re-authenticated in the last 10 min.

    A wrong password is a refused attempt and is audited (`refusal`, R-AUD-1).
    """
    if password:
        confirm_password(user=user, password=password, field="password", refusal=refusal)
        return
    if reauthenticated_at and clock.now() - reauthenticated_at <= REAUTH_WINDOW:
        return
    raise ServiceError("password_required", _("Confirm this change with your password."), field="password")


@service_transaction
def ownership_transfer(*, access: Access, to_membership_id: int, password: str | None,
                       reauthenticated_at: dt.datetime | None = None) -> Membership:
    """The owner hands the workspace to an admin; the old owner becomes an admin (R-WS-5)."""
    # A refused transfer names the membership it was asked for (issue 6 point 23, R-AUD-1).
    refusal = {**access.refusal(code="workspace.ownership_transferred", permission="owner", action="update",
                                to_member=to_membership_id),
               "object_type": Membership._meta.label_lower, "object_id": to_membership_id}
    if not policies.may_transfer_ownership(access=access):
        raise PermissionDenied("owner_only", _("Only the owner can transfer ownership."),
                               audit={**refusal, "data": {**refusal["data"], "reason": "owner_only"}})
    check_reauthentication(user=access.user, password=password, reauthenticated_at=reauthenticated_at,
                           refusal={**refusal, "data": {**refusal["data"], "reason": "wrong_password"}})
    target = Membership.objects.select_for_update().filter(pk=to_membership_id).first()
    if target is None or target.workspace_id != access.workspace.pk:
        raise NotFound("not_found", _("That member does not exist."))
    if target.role != Role.ADMIN or target.status != LifecycleStatus.ACTIVE or target.user_id is None:
        raise ServiceError("not_admin", _("Ownership can only go to an active admin."), field="member",
                           audit={**refusal, "data": {**refusal["data"], "reason": "not_admin",
                                                      "target_role": target.role, "target_user": target.user_id}})
    old = Membership.objects.select_for_update().get(pk=access.membership.pk)
    old.role = Role.ADMIN
    old.save(update_fields=["role"])
    target.role = Role.OWNER
    target.save(update_fields=["role"])
    audit.record(code="workspace.ownership_transferred", action="update", actor=access.user,
                 workspace=access.workspace, obj=target, role=Role.OWNER, permission="owner",
                 data={"from": old.pk, "to": target.pk})
    return target


def _managed_member(access: Access, membership_id: int, *, for_update: bool = True) -> Membership:
    qs = Membership.objects.select_related("user")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    member = qs.filter(pk=membership_id).first()
    if member is None or member.workspace_id != access.workspace.pk:
        raise NotFound("not_found", _("That member does not exist."))
    # The role order (issue 6 point 7): an assistant manages the team, not the people who manage it.
    policies.require_manage_member(access=access, target_role=member.role, code="member.managed", member=member.pk)
    return member


@service_transaction
def member_change_role(*, access: Access, membership_id: int, role: str, grants: list[str] | None = None,
                       password: str | None = None, reauthenticated_at: dt.datetime | None = None) -> Membership:
    """Change a member's role and extra grants (R-ROLE-1, R-ROLE-5). Owner changes go through transfer."""
    access.require(MEMBERS_MANAGE, code="member.role_changed")
    member = _managed_member(access, membership_id)
    if role not in Role.values or role == Role.OWNER:
        raise ServiceError("invalid_role", _("Choose a valid role."), field="role")
    if member.role == Role.OWNER:
        raise ServiceError("owner_role", _("The owner's role changes only by transferring ownership."))
    grants = sorted(set(grants if grants is not None else member.grants))
    for grant in grants:
        if grant not in GRANTABLE:
            raise ServiceError("invalid_grant", _("This capability cannot be granted."), field="grants")
    policies.require_assign_role(access=access, role=role, code="member.role_changed", member=membership_id)
    refusal = access.refusal(code="member.role_changed", permission=MEMBERS_MANAGE, action="update",
                             member=membership_id)
    check_reauthentication(user=access.user, password=password, reauthenticated_at=reauthenticated_at,
                           refusal={**refusal, "data": {"member": membership_id, "reason": "wrong_password"}})
    before = {"role": member.role, "grants": member.grants}
    member.role = role
    member.grants = grants
    member.save(update_fields=["role", "grants"])
    audit.record(code="member.role_changed", action="update", actor=access.user, workspace=access.workspace,
                 obj=member, role=access.membership.role, permission=MEMBERS_MANAGE,
                 data={"before": before, "after": {"role": role, "grants": grants}})
    return member


def _notify_member(member: Membership, template: str, workspace: Workspace, seat=None) -> None:
    user = member.user
    if user is None:
        return
    send_templated_email(
        to=user.email,
        template=template,
        context={"name": user.display_name, "workspace": workspace.name, "login_url": site_url("/"),
                 "seat_message": notices.message(seat)},  # the paid seat that ended with it (issue 6 point 4)
        language=user.language,
    )


@service_transaction
def members_cancel(*, access: Access, membership_ids: list[int]) -> list[Membership]:
    """Cancel several memberships at once (R-MEM-1). The owner cannot be cancelled (R-WS-5).

    The person loses access at their next request (R-MEM-2) and keeps their account; a seat this
    workspace paid for ends (R-MEM-3); nothing is deleted (R-MEM-4).
    """
    access.require(MEMBERS_MANAGE, code="member.cancelled")
    members = [_managed_member(access, pk) for pk in dict.fromkeys(membership_ids)]
    if not members:
        raise ServiceError("nothing_selected", _("Select at least one member."))
    for member in members:
        if member.role == Role.OWNER:
            raise Conflict("owner_cannot_be_cancelled", _("The owner cannot be cancelled."))
    changed = cancel_rows(members, actor=access.user)
    for member in changed:
        seat = None
        if member.user_id:
            licence = licences.licence_end_paid_by(user=member.user, workspace=access.workspace, actor=access.user)
            seat = notices.seat_stopped(member=member, workspace=access.workspace, licence=licence,
                                        account_type=member.account_type, actor=access.user, cancelled=True)
        audit.record(code="member.cancelled", action="update", actor=access.user, workspace=access.workspace,
                     obj=member, role=access.membership.role, permission=MEMBERS_MANAGE)
        _notify_member(member, "membership_cancelled", access.workspace, seat=seat)
    return changed


@service_transaction
def members_restore(*, access: Access, membership_ids: list[int], pay_for_user: bool = False) -> list[Membership]:
    """Restore cancelled memberships (R-MEM-1); optionally pay for their seat again (R-MEM-3, R-BIL-8)."""
    access.require(MEMBERS_MANAGE, code="member.restored")
    if pay_for_user:  # paying for a seat is a billing decision (issue 6 point 2)
        policies.require_commit_money(access=access, code="member.restored", members=list(membership_ids))
    members = [_managed_member(access, pk) for pk in dict.fromkeys(membership_ids)]
    if not members:
        raise ServiceError("nothing_selected", _("Select at least one member."))
    changed = restore_rows(members)
    for member in changed:
        paid = False
        if pay_for_user and member.user_id and member.account_type != AccountType.FREE:
            if licences.pays_for_self(member.user):
                # R-BIL-8: consent — they cancel their own subscription first.
                raise Conflict("pays_for_self", _("%(name)s pays for their own subscription; they must cancel it "
                                                  "before the workspace can pay.") % {"name": member.display_name})
            current = licences.current_licence(member.user)
            if current is None or current.payer_workspace_id in (None, access.workspace.pk):
                licences.licence_assign(user=member.user, account_type=member.account_type,
                                        payer_workspace=access.workspace, actor=access.user)
                paid = True
        member.pay_for_user = paid
        member.save(update_fields=["pay_for_user"])
        audit.record(code="member.restored", action="update", actor=access.user, workspace=access.workspace,
                     obj=member, role=access.membership.role, permission=MEMBERS_MANAGE,
                     data={"pay_for_user": paid})
        _notify_member(member, "membership_restored", access.workspace)
    return changed


@service_transaction
def contact_person_add(*, access: Access, first_name: str, last_name: str, gender: str = "",
                       role: str = Role.STAFF) -> Membership:
    """Add a staff member without a login (R-INV-6)."""
    access.require(MEMBERS_MANAGE, code="contact.added")
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not first_name and not last_name:
        raise ServiceError("name_required", _("Enter a first or last name."), field="first_name")
    check_max_length(first_name, 150, field="first_name")
    check_max_length(last_name, 150, field="last_name")
    check_plain_text(first_name, field="first_name")  # issue 6 point 25c
    check_plain_text(last_name, field="last_name")
    if (gender or "") not in Gender.values:
        raise ServiceError("invalid_gender", _("Choose a valid option."), field="gender")
    if role not in Role.values or role == Role.OWNER:
        raise ServiceError("invalid_role", _("Choose a valid role."), field="role")
    policies.require_assign_role(access=access, role=role, code="contact.added")
    member = Membership.objects.create(workspace=access.workspace, user=None, role=role,
                                       first_name=first_name, last_name=last_name, gender=gender or "")
    audit.record(code="contact.added", action="create", actor=access.user, workspace=access.workspace,
                 obj=member, role=access.membership.role, permission=MEMBERS_MANAGE, data={"role": role})
    return member


def user_by_email(email: str):
    return get_user_model().objects.filter(email__iexact=(email or "").strip()).first()
