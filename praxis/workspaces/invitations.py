"""Invitations (SPEC §5, R-BIL-7): create in bulk, resend, revoke, inspect and accept.

Acceptance is race-free by construction: the pending invitation is claimed with a conditional UPDATE
(`status=pending` → `accepted`), so of two concurrent acceptances exactly one wins; the unique
(workspace, user) membership constraint is the second guard.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from praxis.audit import services as audit
from praxis.core import clock, ratelimits
from praxis.core.errors import Conflict, NotFound, ServiceError
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.mail import send_templated_email, site_url
from praxis.core.tokens import hash_token, new_token
from praxis.core.transactions import service_transaction

from . import licences, notices, policies, ports
from .access import Access
from .models import Invitation, Membership, Workspace
from .roles import MEMBERS_MANAGE, AccountType, Role
from .services import user_by_email
from .signup import user_sign_up


def _expiry(at: dt.datetime) -> dt.datetime:
    return at + dt.timedelta(days=settings.INVITATION_LIFETIME_DAYS)


def invitation_link(token: str) -> str:
    return site_url(f"/invite/{token}/")


def _send(invitation: Invitation, token: str, inviter, *, invitee) -> None:
    """Mail the link in the language of the invitee's account (`invitee`, None when they have none yet),
    else the workspace's."""
    send_templated_email(
        to=invitation.email,
        template="invitation",
        context={
            "workspace": invitation.workspace.name,
            "inviter": inviter.display_name if inviter else "",
            "link": invitation_link(token),
            "expires_at": invitation.expires_at,
        },
        language=invitee.language if invitee else invitation.workspace.language,
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
    policies.require_assign_role(access=access, role=role, code="invitation.created", emails=len(addresses))
    paid = ports.billing().is_paid(account_type=account_type)
    if pay_for_user is None:
        # Paid seats are a billing decision (issue 6 point 2): without `billing.manage` the invitee pays.
        pay_for_user = paid and policies.may_commit_money(access=access)
    if pay_for_user and paid:
        policies.require_commit_money(access=access, code="invitation.created", account_type=account_type,
                                      emails=len(addresses))
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
    # One read each of users, memberships, licences and pending invitations for the whole batch, one insert
    # and one audit append: the same queries for 1 address as for 20 (issue 6 point 11). The checks still
    # run address by address, so the first refused address names itself.
    users = _users_by_email(addresses)
    members = _members_by_email(access.workspace, addresses)
    after_trial = pay_timing == Membership.PayTiming.AFTER_TRIAL and pay_for_user
    current = licences.current_licences(user_ids=[u.pk for u in users.values()]) if after_trial else {}
    pending = set(
        Invitation.objects.filter(workspace=access.workspace, status=Invitation.Status.PENDING)
        .annotate(email_lower=Lower("email")).filter(email_lower__in=addresses).values_list("email_lower", flat=True)
    )
    now = clock.now()
    for address in addresses:
        member = members.get(address)
        if member and member.status == LifecycleStatus.ACTIVE:
            raise Conflict("already_member", _("%(email)s is already a member of this workspace.")
                           % {"email": address}, field="emails")
        if member:
            raise Conflict("cancelled_member", _("%(email)s is a cancelled member: restore them from the "
                           "cancelled list instead.") % {"email": address}, field="emails")
        if after_trial:
            user = users.get(address)
            licence = current.get(user.pk) if user is not None else None
            if licence is None or not licence.trial_running(now):
                raise ServiceError("not_in_trial", _("“Pay after trial” is only possible for people in a trial; "
                                   "%(email)s is not.") % {"email": address}, field="pay_timing")
        if address in pending:
            raise Conflict("already_invited", _("%(email)s already has a pending invitation: resend it instead.")
                           % {"email": address}, field="emails")
    ratelimits.check("invitation", addresses=addresses)  # issue 10 point 3: after every other refusal
    batch = uuid.uuid4()
    tokens = {}
    rows = []
    for address in addresses:
        tokens[address], token_hash = new_token()
        rows.append(Invitation(
            email=address, workspace=access.workspace, role=role, account_type=account_type,
            pay_for_user=pay_for_user, pay_timing=pay_timing, token_hash=token_hash, created_at=now,
            sent_at=now, expires_at=_expiry(now), batch=batch, invited_by=access.user, contact=contact,
        ))
    invitations = _insert_invitations(access.workspace, rows)
    audit.record_many([
        {"code": "invitation.created", "action": "create", "actor": access.user, "workspace": access.workspace,
         "obj": invitation, "role": access.membership.role, "permission": MEMBERS_MANAGE,
         "data": {"email": invitation.email, "role": role, "account_type": account_type,
                  "pay_for_user": pay_for_user, "pay_timing": pay_timing}}
        for invitation in invitations
    ])
    created = []
    for invitation in invitations:
        token = tokens[invitation.email]
        _send(invitation, token, access.user, invitee=users.get(invitation.email))
        created.append((invitation, token))
    return created


def _users_by_email(addresses: list[str]) -> dict:
    """The existing accounts of lower-cased `addresses`, in one query."""
    qs = get_user_model().objects.annotate(email_lower=Lower("email")).filter(email_lower__in=addresses)
    return {user.email_lower: user for user in qs}


def _members_by_email(workspace: Workspace, addresses: list[str]) -> dict[str, Membership]:
    """This workspace's memberships (any status) of the accounts with these addresses, in one query."""
    qs = (Membership.objects.filter(workspace=workspace, user__isnull=False)
          .annotate(email_lower=Lower("user__email")).filter(email_lower__in=addresses))
    return {member.email_lower: member for member in qs}


def _insert_invitations(workspace: Workspace, rows: list[Invitation]) -> list[Invitation]:
    """Insert the batch's pending invitations; a concurrent invitation of one of the addresses makes the
    whole batch lose cleanly, naming that address.

    The check above is only for a friendly message: the partial unique constraint
    `invitation_one_pending` is the real guard (no check-then-act).
    """
    try:
        with transaction.atomic():
            return Invitation.objects.bulk_create(rows)
    except IntegrityError:
        taken = (Invitation.objects.filter(workspace=workspace, status=Invitation.Status.PENDING)
                 .annotate(email_lower=Lower("email"))
                 .filter(email_lower__in=[row.email for row in rows]).values_list("email_lower", flat=True).first())
        raise Conflict("already_invited", _("%(email)s already has a pending invitation: resend it instead.")
                       % {"email": taken or rows[0].email}, field="emails") from None


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
    ratelimits.check("invitation", addresses=[invitation.email])
    token, invitation.token_hash = new_token()
    invitation.sent_at = clock.now()
    invitation.expires_at = _expiry(invitation.sent_at)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    audit.record(code="invitation.resent", action="update", actor=access.user, workspace=access.workspace,
                 obj=invitation, role=access.membership.role, permission=MEMBERS_MANAGE)
    _send(invitation, token, access.user, invitee=user_by_email(invitation.email))
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


def _claim(link: InvitationLink, token: str, user) -> Invitation:
    """Atomically move a valid invitation from pending to accepted by `user`, or raise with the link's
    message. `link` is the token read once by the caller; the conditional UPDATE re-checks it in the database."""
    if link.state != LinkState.VALID:
        raise Conflict(f"invitation_{link.state}", link.message)
    invitation = link.invitation
    assert invitation is not None  # invitation_inspect() gives every VALID link its invitation
    with scopes_disabled():
        claimed = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING,
                                            token_hash=hash_token(token)).update(
            status=Invitation.Status.ACCEPTED, accepted_at=clock.now(), accepted_by=user)
    if claimed != 1:
        raise Conflict("invitation_used", InvitationLink(LinkState.USED).message)
    return invitation


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
def invitation_accept(*, token: str, user, link: InvitationLink | None = None) -> Membership:
    """An existing, logged-in user accepts (R-INV-3). The address must be the invited one.

    The token is read once (`link`, passed in by a caller that already read it); issue 6 point 11.
    """
    link = link or invitation_inspect(token)
    if link.state == LinkState.VALID and link.invitation is not None and (
            message := wrong_user_message(link.invitation, user)):
        raise Conflict("wrong_user", message)
    invitation = _claim(link, token, user)
    workspace: Workspace = invitation.workspace
    with scope(workspace=workspace):
        if invitation.contact_id:
            member = Membership.objects.select_for_update().get(pk=invitation.contact_id)
            if Membership.objects.filter(workspace=workspace, user=user).exists():
                raise Conflict("already_member", _("You are already a member of this workspace."))
            member.user = user
            member.status = LifecycleStatus.ACTIVE
        else:
            existing = Membership.objects.filter(workspace=workspace, user=user).first()
            if existing is not None and existing.status == LifecycleStatus.ACTIVE:
                raise Conflict("already_member", _("You are already a member of this workspace."))
            member = existing or Membership(workspace=workspace, user=user)
            member.status = LifecycleStatus.ACTIVE
            member.cancelled_at = None
            member.cancelled_by = None
            member.role = invitation.role
        member.account_type = invitation.account_type
        member.pay_timing = invitation.pay_timing
        member.pay_for_user = _apply_licence(invitation, user)
        member.joined_at = clock.now()
        member.save()
    audit.record_many([
        {"code": "invitation.accepted", "action": "update", "actor": user, "workspace": workspace,
         "obj": invitation, "role": member.role},
        {"code": "member.added", "action": "create", "actor": user, "workspace": workspace, "obj": member,
         "role": member.role, "data": {"role": member.role, "account_type": member.account_type,
                                       "pay_for_user": member.pay_for_user, "pay_timing": member.pay_timing}},
    ])
    notices.invitation_accepted(invitation=invitation, member=member)
    return member


@service_transaction
def invitation_accept_new_user(*, token: str, password: str, first_name: str = "", last_name: str = "",
                               language: str | None = None):
    """A new person signs up from the link with the invited address and sets a password (R-INV-3)."""
    link = invitation_inspect(token)
    if link.state != LinkState.VALID:
        raise Conflict(f"invitation_{link.state}", link.message)
    invitation = link.invitation
    assert invitation is not None  # invitation_inspect() gives every VALID link its invitation
    if user_by_email(invitation.email) is not None:
        raise Conflict("account_exists", _("An account with this address exists: log in to accept."))
    user = user_sign_up(email=invitation.email, password=password, first_name=first_name,
                        last_name=last_name, language=language or invitation.workspace.language)
    member = invitation_accept(token=token, user=user, link=link)
    return user, member
