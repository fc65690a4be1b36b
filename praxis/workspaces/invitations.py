"""Invitations (SPEC §5, R-BIL-7): create in bulk, resend, revoke, inspect and accept.

Acceptance is race-free by construction: the pending invitation is claimed with a conditional UPDATE
(`status=pending` → `accepted`), so of two concurrent acceptances exactly one wins; the unique
(workspace, user) membership constraint is the second guard.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.errors import Conflict, NotFound, ServiceError
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.mail import send_templated_email, site_url
from praxis.core.tokens import hash_token, new_token
from praxis.core.transactions import service_transaction

from . import licences, notices, ports
from .access import Access
from .models import Invitation, Membership, Workspace
from .roles import MEMBERS_MANAGE, AccountType, Role
from .services import user_by_email
from .signup import user_sign_up


def _expiry(at: dt.datetime) -> dt.datetime:
    return at + dt.timedelta(days=settings.INVITATION_LIFETIME_DAYS)


def invitation_link(token: str) -> str:
    return site_url(f"/invite/{token}/")


def _send(invitation: Invitation, token: str, inviter) -> None:
    existing = user_by_email(invitation.email)
    send_templated_email(
        to=invitation.email,
        template="invitation",
        context={
            "workspace": invitation.workspace.name,
            "inviter": inviter.display_name if inviter else "",
            "link": invitation_link(token),
            "expires_at": invitation.expires_at,
        },
        language=existing.language if existing else invitation.workspace.language,
    )


def parse_emails(raw: str | list[str]) -> list[str]:
    """Split a textarea or list of addresses; lower-cased, de-duplicated, order kept."""
    if isinstance(raw, str):
        raw = raw.replace(",", "\n").replace(";", "\n").split()
    return list(dict.fromkeys(e.strip().lower() for e in raw if e and e.strip()))


@service_transaction
def invitations_create(*, access: Access, emails: list[str] | str, role: str, account_type: str,
                       pay_for_user: bool | None = None, pay_timing: str = Membership.PayTiming.NOW,
                       contact: Membership | None = None) -> list[tuple[Invitation, str]]:
    """Invite one or many addresses with one role and one account type (R-INV-1, R-BIL-7).

    All-or-nothing: one invalid or refused address names itself and nothing is created or sent.
    `pay_for_user` defaults to on for paid account types.
    """
    access.require(MEMBERS_MANAGE, code="invitation.created")
    addresses = parse_emails(emails)
    if not addresses:
        raise ServiceError("emails_required", _("Enter at least one e-mail address."), field="emails")
    if role not in Role.values or role == Role.OWNER:
        raise ServiceError("invalid_role", _("Choose a valid role."), field="role")
    if account_type not in AccountType.values:
        raise ServiceError("invalid_account_type", _("Choose a valid account type."), field="account_type")
    if role == Role.ADMIN and access.membership.role not in (Role.OWNER, Role.ADMIN):
        raise ServiceError("invalid_role", _("Only an admin can invite admins."), field="role")
    if pay_for_user is None:
        pay_for_user = ports.billing().is_paid(account_type=account_type)
    if pay_timing not in Membership.PayTiming.values:
        raise ServiceError("invalid_pay_timing", _("Choose when to start paying."), field="pay_timing")
    for address in addresses:
        try:
            if len(address) > 254:
                raise ValidationError("too long")
            validate_email(address)
        except ValidationError:
            raise ServiceError("invalid_email", _("“%(email)s” is not a valid e-mail address.") % {"email": address},
                               field="emails") from None
    for address in addresses:
        user = user_by_email(address)
        if user is not None:
            member = Membership.objects.filter(workspace=access.workspace, user=user).first()
            if member and member.status == LifecycleStatus.ACTIVE:
                raise Conflict("already_member", _("%(email)s is already a member of this workspace.")
                               % {"email": address}, field="emails")
            if member:
                raise Conflict("cancelled_member", _("%(email)s is a cancelled member: restore them from the "
                               "cancelled list instead.") % {"email": address}, field="emails")
        if pay_timing == Membership.PayTiming.AFTER_TRIAL and pay_for_user:
            if user is None or not licences.in_trial(user):
                raise ServiceError("not_in_trial", _("“Pay after trial” is only possible for people in a trial; "
                                   "%(email)s is not.") % {"email": address}, field="pay_timing")
        if Invitation.objects.filter(workspace=access.workspace, email__iexact=address,
                                     status=Invitation.Status.PENDING).exists():
            raise Conflict("already_invited", _("%(email)s already has a pending invitation: resend it instead.")
                           % {"email": address}, field="emails")
    batch = uuid.uuid4()
    now = clock.now()
    created = []
    for address in addresses:
        token, token_hash = new_token()
        invitation = _insert_invitation(
            address,
            workspace=access.workspace, role=role, account_type=account_type,
            pay_for_user=pay_for_user, pay_timing=pay_timing, token_hash=token_hash, created_at=now,
            sent_at=now, expires_at=_expiry(now), batch=batch, invited_by=access.user, contact=contact,
        )
        audit.record(code="invitation.created", action="create", actor=access.user, workspace=access.workspace,
                     obj=invitation, role=access.membership.role, permission=MEMBERS_MANAGE,
                     data={"email": address, "role": role, "account_type": account_type,
                           "pay_for_user": pay_for_user, "pay_timing": pay_timing})
        _send(invitation, token, access.user)
        created.append((invitation, token))
    return created


def _insert_invitation(address: str, **fields) -> Invitation:
    """Insert one pending invitation; a concurrent invitation of the same address loses cleanly.

    The check above is only for a friendly message: the partial unique constraint
    `invitation_one_pending` is the real guard (no check-then-act).
    """
    try:
        with transaction.atomic():
            return Invitation.objects.create(email=address, **fields)
    except IntegrityError:
        raise Conflict("already_invited", _("%(email)s already has a pending invitation: resend it instead.")
                       % {"email": address}, field="emails") from None


def _pending(access: Access, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
    if invitation is None or invitation.workspace_id != access.workspace.pk:
        raise NotFound("not_found", _("That invitation does not exist."))
    if invitation.status != Invitation.Status.PENDING:
        raise Conflict("not_pending", _("This invitation is no longer pending."))
    return invitation


@service_transaction
def invitation_resend(*, access: Access, invitation_id: int) -> tuple[Invitation, str]:
    """A new link; the old one stops working and the 30 days restart (R-INV-2)."""
    access.require(MEMBERS_MANAGE, code="invitation.resent")
    invitation = _pending(access, invitation_id)
    token, invitation.token_hash = new_token()
    invitation.sent_at = clock.now()
    invitation.expires_at = _expiry(invitation.sent_at)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    audit.record(code="invitation.resent", action="update", actor=access.user, workspace=access.workspace,
                 obj=invitation, role=access.membership.role, permission=MEMBERS_MANAGE)
    _send(invitation, token, access.user)
    return invitation, token


@service_transaction
def invitation_revoke(*, access: Access, invitation_id: int) -> Invitation:
    access.require(MEMBERS_MANAGE, code="invitation.revoked")
    invitation = _pending(access, invitation_id)
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    audit.record(code="invitation.revoked", action="update", actor=access.user, workspace=access.workspace,
                 obj=invitation, role=access.membership.role, permission=MEMBERS_MANAGE)
    return invitation


@service_transaction
def contact_person_grant_access(*, access: Access, membership_id: int, email: str) -> tuple[Invitation, str]:
    """Give a login-less contact person portal access by inviting their e-mail (R-INV-6)."""
    access.require(MEMBERS_MANAGE, code="contact.access_granted")
    contact = Membership.objects.filter(pk=membership_id).first()
    if contact is None or contact.workspace_id != access.workspace.pk or contact.user_id is not None:
        raise NotFound("not_found", _("That contact person does not exist."))
    [(invitation, token)] = invitations_create(
        access=access, emails=[email], role=contact.role, account_type=contact.account_type,
        pay_for_user=False, contact=contact,
    )
    return invitation, token


# --- the invitee's side -----------------------------------------------------------------------------

class LinkState:
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class InvitationLink:
    state: str
    invitation: Invitation | None = None

    @property
    def message(self) -> str:
        """What the person reads (R-INV-4). Never the workspace's data for a dead link."""
        if self.state == LinkState.EXPIRED:
            return _("This invitation has expired. Ask your administrator to send you a new invitation.")
        if self.state in (LinkState.USED, LinkState.REVOKED, LinkState.UNKNOWN):
            return _("This invitation link is no longer valid.")
        return ""


def wrong_user_message(invitation: Invitation, user) -> str:
    """Empty when `user` is the invitee; otherwise what they are told (R-INV-3)."""
    if invitation.email.lower() == user.email.lower():
        return ""
    return _("This invitation was sent to %(email)s, but you are logged in as %(current)s. Log out and open "
             "the link again.") % {"email": invitation.email, "current": user.email}


def invitation_inspect(token: str) -> InvitationLink:
    with scopes_disabled():
        invitation = Invitation.objects.select_related("workspace").filter(token_hash=hash_token(token or "")).first()
    if invitation is None:
        return InvitationLink(LinkState.UNKNOWN)
    if invitation.status == Invitation.Status.ACCEPTED:
        return InvitationLink(LinkState.USED)
    if invitation.status == Invitation.Status.REVOKED:
        return InvitationLink(LinkState.REVOKED)
    if invitation.is_expired(clock.now()):
        return InvitationLink(LinkState.EXPIRED)
    return InvitationLink(LinkState.VALID, invitation)


def _claim(token: str) -> Invitation:
    """Atomically move a valid invitation from pending to accepted, or raise with the link's message."""
    link = invitation_inspect(token)
    if link.state != LinkState.VALID:
        raise Conflict(f"invitation_{link.state}", link.message)
    with scopes_disabled():
        claimed = Invitation.objects.filter(pk=link.invitation.pk, status=Invitation.Status.PENDING,
                                            token_hash=hash_token(token)).update(
            status=Invitation.Status.ACCEPTED, accepted_at=clock.now())
    if claimed != 1:
        raise Conflict("invitation_used", InvitationLink(LinkState.USED).message)
    return link.invitation


def _apply_licence(invitation: Invitation, user) -> bool:
    """R-BIL-7: the workspace starts paying for the invitee; returns whether it does."""
    if not invitation.pay_for_user:
        return False
    current = licences.current_licence(user)
    if current is not None and current.payer_workspace_id not in (None, invitation.workspace_id):
        return False  # R-WS-3: another workspace already pays for this person's seat.
    keep_trial = invitation.pay_timing == Membership.PayTiming.AFTER_TRIAL and licences.in_trial(user)
    # Before it ends: what their own subscription credits (only a self-payer has one: saves a query).
    ending = ports.self_paid_ending(user=user) if current and current.payer_workspace_id is None else None
    licences.licence_assign(user=user, account_type=invitation.account_type,
                            payer_workspace=invitation.workspace, actor=user, keep_trial=keep_trial)
    notices.subscription_replaced(user=user, workspace=invitation.workspace, ending=ending,
                                  account_type=invitation.account_type)
    return True


@service_transaction
def invitation_accept(*, token: str, user) -> Membership:
    """An existing, logged-in user accepts (R-INV-3). The address must be the invited one."""
    link = invitation_inspect(token)
    if link.state == LinkState.VALID and (message := wrong_user_message(link.invitation, user)):
        raise Conflict("wrong_user", message)
    invitation = _claim(token)
    workspace: Workspace = invitation.workspace
    with scope(workspace=workspace):
        if invitation.contact_id:
            member = Membership.objects.select_for_update().get(pk=invitation.contact_id)
            if Membership.objects.filter(workspace=workspace, user=user).exists():
                raise Conflict("already_member", _("You are already a member of this workspace."))
            member.user = user
            member.status = LifecycleStatus.ACTIVE
        else:
            member = Membership.objects.filter(workspace=workspace, user=user).first()
            if member is not None and member.status == LifecycleStatus.ACTIVE:
                raise Conflict("already_member", _("You are already a member of this workspace."))
            member = member or Membership(workspace=workspace, user=user)
            member.status = LifecycleStatus.ACTIVE
            member.cancelled_at = None
            member.cancelled_by = None
            member.role = invitation.role
        member.account_type = invitation.account_type
        member.pay_timing = invitation.pay_timing
        member.pay_for_user = _apply_licence(invitation, user)
        member.joined_at = clock.now()
        member.save()
    with scopes_disabled():
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
    audit.record(code="invitation.accepted", action="update", actor=user, workspace=workspace, obj=invitation,
                 role=member.role)
    audit.record(code="member.added", action="create", actor=user, workspace=workspace, obj=member,
                 role=member.role, data={"role": member.role, "account_type": member.account_type,
                                         "pay_for_user": member.pay_for_user, "pay_timing": member.pay_timing})
    notices.invitation_accepted(invitation=invitation, member=member)
    return member


@service_transaction
def invitation_accept_new_user(*, token: str, password: str, first_name: str = "", last_name: str = "",
                               language: str | None = None):
    """A new person signs up from the link with the invited address and sets a password (R-INV-3)."""
    link = invitation_inspect(token)
    if link.state != LinkState.VALID:
        raise Conflict(f"invitation_{link.state}", link.message)
    if user_by_email(link.invitation.email) is not None:
        raise Conflict("account_exists", _("An account with this address exists: log in to accept."))
    user = user_sign_up(email=link.invitation.email, password=password, first_name=first_name,
                        last_name=last_name, language=language or link.invitation.workspace.language)
    member = invitation_accept(token=token, user=user)
    return user, member
