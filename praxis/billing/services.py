"""Writes of the billing app that people trigger (SPEC §4): account types of members, individual
subscriptions, subscription change requests, invoice corrections.

Each takes the resolved `Access` (or the acting user for personal subscriptions), checks the capability,
runs in one transaction and writes its audit entries. Seats follow licences (`workspaces.licences`).
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.errors import Conflict, NotFound, ServiceError
from praxis.core.mail import send_templated_email, site_url
from praxis.core.transactions import service_transaction
from praxis.core.validation import check_max_length, check_plain_text
from praxis.workspaces import licences, notices
from praxis.workspaces.access import Access
from praxis.workspaces.models import Licence, Membership
from praxis.workspaces.roles import BILLING_MANAGE, AccountType

from . import catalogue
from .invoicing import credit_note
from .models import ChangeRequest, Invoice


def _member(access: Access, membership_id: int) -> Membership:
    member = Membership.objects.select_related("user").filter(pk=membership_id).first()
    if member is None or member.workspace_id != access.workspace.pk:
        raise NotFound("not_found", _("That member does not exist."))
    if member.user_id is None or not member.is_active:
        raise ServiceError("no_login", _("Only active members with a login hold an account type."))
    return member


def _check_type(account_type: str) -> None:
    if account_type not in AccountType.values:
        raise ServiceError("invalid_account_type", _("Choose a valid account type."), field="account_type")


def _check_payable(account_type: str) -> None:
    """A workspace pays for an account type, never for `free`: "paying" for free would only lock the member
    out of subscribing themselves (`subscription_start` refuses while a workspace pays). Stopping to pay is
    `member_unsubscribe`."""
    if account_type == AccountType.FREE:
        raise ServiceError("free_not_payable", _("A workspace does not pay for a Free account: choose another "
                                                 "account type, or stop paying for the member."),
                           field="account_type")


@service_transaction
def member_subscribe(*, access: Access, membership_id: int, account_type: str) -> Licence:
    """The workspace starts paying for a member (R-BIL-7) — not for one who pays for themselves (R-BIL-8:
    they cancel their own subscription first; that is their consent)."""
    access.require(BILLING_MANAGE, code="member.subscribed")
    _check_type(account_type)
    _check_payable(account_type)
    member = _member(access, membership_id)
    current = licences.current_licence(member.user)
    if licences.pays_for_self(member.user):
        raise Conflict("pays_for_self", _("%(name)s pays for their own subscription; they must cancel it "
                                          "before the workspace can pay.") % {"name": member.display_name})
    if current is not None and current.payer_workspace_id not in (None, access.workspace.pk):
        raise Conflict("paid_elsewhere", _("Another workspace already pays for %(name)s.")
                       % {"name": member.display_name})
    if current is not None and current.payer_workspace_id == access.workspace.pk and current.ends_at is None:
        raise Conflict("already_paid", _("This workspace already pays for %(name)s; change the account type "
                                         "instead.") % {"name": member.display_name})
    licence = licences.licence_assign(user=member.user, account_type=account_type,
                                      payer_workspace=access.workspace, actor=access.user)
    Membership.objects.filter(pk=member.pk).update(pay_for_user=True, account_type=account_type)
    return licence


@service_transaction
def member_change_account_type(*, access: Access, membership_id: int, account_type: str) -> Licence:
    """Upgrade or downgrade a member the workspace pays for (R-BIL-6): a prorated credit for the old type
    and a prorated charge for the new one, both from today."""
    access.require(BILLING_MANAGE, code="member.account_type_changed")
    _check_type(account_type)
    _check_payable(account_type)
    member = _member(access, membership_id)
    current = licences.current_licence(member.user)
    if current is None or current.payer_workspace_id != access.workspace.pk:
        raise Conflict("not_paid_by_workspace", _("This workspace does not pay for %(name)s.")
                       % {"name": member.display_name})
    if current.account_type == account_type:
        raise ServiceError("unchanged", _("%(name)s already has this account type.") % {"name": member.display_name},
                           field="account_type")
    licence = licences.licence_assign(user=member.user, account_type=account_type,
                                      payer_workspace=access.workspace, actor=access.user)
    Membership.objects.filter(pk=member.pk).update(account_type=account_type)
    notices.seat_changed(member=member, workspace=access.workspace, old=current.account_type, new=account_type,
                         actor=access.user)
    return licence


@service_transaction
def member_unsubscribe(*, access: Access, membership_id: int) -> Licence | None:
    """Stop paying for a member (R-BIL-10): in a trial they keep access until it ends; when paid, paid
    features end at once (account type `free`) and the unused rest is credited."""
    access.require(BILLING_MANAGE, code="member.unsubscribed")
    member = _member(access, membership_id)
    licence = licences.licence_end_paid_by(user=member.user, workspace=access.workspace, actor=access.user)
    if licence is None:
        raise Conflict("not_paid_by_workspace", _("This workspace does not pay for %(name)s.")
                       % {"name": member.display_name})
    changes: dict[str, object] = {"pay_for_user": False}
    if licence.account_type == AccountType.FREE:  # paid features ended at once (not a trial running out)
        changes["account_type"] = AccountType.FREE
    Membership.objects.filter(pk=member.pk).update(**changes)
    notices.seat_stopped(member=member, workspace=access.workspace, licence=licence,
                         account_type=member.account_type, actor=access.user)
    return licence


@service_transaction
def own_account_type_unpaid(*, access: Access, account_type: str) -> Licence:
    """The acting member gives themself an account type nobody pays for — `free`, or the non-clinical
    `support` of a practice manager (issue 6 point 6, R-ROLE-2) — from their own row of the billing tab.

    Their own choice is their consent (R-BIL-8), so a seat this workspace paid ends today (its unused rest
    credited, R-BIL-6) and a subscription of their own ends likewise. Paid types go through
    `member_subscribe` / `member_change_account_type`, which show the cost first."""
    access.require(BILLING_MANAGE, code="member.own_account_type_changed")
    _check_type(account_type)
    if catalogue.is_paid(account_type):
        raise ServiceError("paid_type", _("A paid account type is paid for by the workspace: use “Pay for this "
                                          "member”."), field="account_type")
    member = _member(access, access.membership.pk)
    current = licences.current_licence(member.user)
    if current is not None and current.payer_workspace_id not in (None, access.workspace.pk):
        raise Conflict("paid_elsewhere", _("Another workspace pays for your account; ask its administrator."))
    if licences.account_type_in_force(current, clock.now()) == account_type and (
            current is None or current.payer_workspace_id is None):
        raise ServiceError("unchanged", _("You already have this account type."), field="account_type")
    licence = licences.licence_assign(user=member.user, account_type=account_type, payer_workspace=None,
                                      actor=access.user)
    Membership.objects.filter(pk=member.pk).update(account_type=account_type, pay_for_user=False)
    return licence


@service_transaction
def subscription_start(*, user, account_type: str) -> Licence:
    """A solo user pays for their own account type, billed through their personal workspace."""
    _check_type(account_type)
    if not catalogue.is_paid(account_type):
        raise ServiceError("not_paid", _("Choose a paid account type."), field="account_type")
    current = licences.current_licence(user)
    if current is not None and current.payer_workspace_id is not None and current.ends_at is None:
        raise Conflict("paid_by_workspace", _("A workspace pays for your account; ask its administrator."))
    return licences.licence_assign(user=user, account_type=account_type, payer_workspace=None, actor=user)


@service_transaction
def subscription_support(*, user) -> Licence:
    """A user turns their own account into the free, non-clinical Support account of a practice manager
    (issue 6 point 6, seed 001: "converti en compte Support gratuit avant de commencer la création de
    l'équipe"). A subscription of their own ends (its unused rest credited); while a workspace pays for
    them, its administrator decides."""
    current = licences.current_licence(user)
    if current is not None and current.payer_workspace_id is not None and current.ends_at is None:
        raise Conflict("paid_by_workspace", _("A workspace pays for your account; ask its administrator."))
    if current is not None and current.account_type == AccountType.SUPPORT:
        raise ServiceError("unchanged", _("You already have a Support account."), field="account_type")
    return licences.licence_assign(user=user, account_type=AccountType.SUPPORT, payer_workspace=None, actor=user)


@service_transaction
def subscription_cancel(*, user) -> Licence:
    """A user ends their own subscription (the consent of R-BIL-8): `free` from now, the unused rest
    credited to their personal balance."""
    current = licences.current_licence(user)
    if current is None or current.payer_workspace_id is not None or not catalogue.is_paid(current.account_type):
        raise Conflict("no_subscription", _("You have no subscription of your own to cancel."))
    return licences.licence_assign(user=user, account_type=AccountType.FREE, payer_workspace=None, actor=user)


@service_transaction
def change_request_create(*, access: Access, subject: str, details: str = "", agreed_to_costs: bool) -> ChangeRequest:
    """A subscription change request to the operator (R-BIL-15): subject and the cost agreement required."""
    access.require(BILLING_MANAGE, code="change_request.created")
    subject = (subject or "").strip()
    if not subject:
        raise ServiceError("subject_required", _("Enter a subject."), field="subject")
    check_max_length(subject, 200, field="subject")
    check_plain_text(subject, field="subject")  # issue 6 point 25c; `details` may span lines
    check_plain_text(details, field="details", multiline=True)
    if not agreed_to_costs:
        raise ServiceError("agreement_required", _("Confirm that you agree to the extra costs."),
                           field="agreed_to_costs")
    request = ChangeRequest.objects.create(workspace=access.workspace, requested_by=access.user, subject=subject,
                                           details=(details or "").strip(), agreed_to_costs=True)
    audit.record(code="change_request.created", action="create", actor=access.user, workspace=access.workspace,
                 obj=request, role=access.membership.role, permission=BILLING_MANAGE)
    if settings.PRAXIS_OPERATOR_EMAIL:  # it reaches the operator (R-BIL-15): listed in the console, and mailed
        send_templated_email(
            to=settings.PRAXIS_OPERATOR_EMAIL, template="change_request_operator", language=settings.LANGUAGE_CODE,
            context={"workspace": access.workspace.name, "subject": subject, "details": request.details,
                     "requested_by": access.user.display_name,
                     "link": site_url(f"/operator/billing/changerequest/{request.pk}/change/")})
    return request


@service_transaction
@scopes_disabled()  # an operator's service: it finds the invoice by id in any workspace (issue 6 point 10)
def invoice_credit(*, invoice_id: int, actor, reason: str) -> Invoice:
    """The operator corrects an issued invoice with a credit note (R-BIL-11)."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound("not_found", _("That invoice does not exist."))
    if invoice.kind == Invoice.Kind.CREDIT_NOTE or invoice.status == Invoice.Status.VOID:
        raise Conflict("not_creditable", _("Only an issued invoice that is not void can be credited."))
    return credit_note(invoice=invoice, actor=actor, reason=reason)


def today_for(access: Access):
    from .seats import workspace_today

    return workspace_today(access.workspace, clock.now())
