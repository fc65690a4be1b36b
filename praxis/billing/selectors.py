"""Reads for the billing tab and the billing API (R-BIL-14: only `billing.view` reaches them)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum

from praxis.core import clock
from praxis.core.lifecycle import LifecycleStatus
from praxis.workspaces import licences
from praxis.workspaces import selectors as workspace_selectors
from praxis.workspaces.models import Licence, Membership
from praxis.workspaces.roles import AccountType, account_type_label

from . import catalogue
from .models import ChangeRequest, Invoice, SeatChange
from .plan import next_cycle_to_invoice
from .seats import balance_cents, workspace_today


def invoices(*, workspace):
    return Invoice.objects.filter(workspace=workspace).order_by("-issued_at", "-pk")


def invoice_get(*, workspace, invoice_id: int) -> Invoice | None:
    return Invoice.objects.filter(workspace=workspace, pk=invoice_id).prefetch_related("lines").first()


def change_requests(*, workspace):
    # `-pk` breaks ties of `created_at`, so pages never repeat or skip a request.
    return (ChangeRequest.objects.filter(workspace=workspace).select_related("requested_by")
            .order_by("-created_at", "-pk"))


@dataclass
class SeatRow:
    account_type: str
    quantity: int
    user_ids: list[int]


def seats_by_type(*, workspace, day) -> list[SeatRow]:
    """Who the workspace pays for on `day`, per account type, in one query."""
    rows = (SeatChange.objects.filter(workspace=workspace, effective__lte=day)
            .values("account_type", "user_id").annotate(n=Sum("delta")))
    by_type: dict[str, list[int]] = {}
    for row in rows:
        if row["n"] > 0:
            by_type.setdefault(row["account_type"], []).append(row["user_id"])
    return [SeatRow(t, len(ids), sorted(ids)) for t, ids in sorted(by_type.items())]


@dataclass
class BillingSummary:
    interval: str
    anchor: object
    next_billing_date: object
    in_trial_until: object
    balance_cents: int
    currency: str


def billing_summary(*, workspace, at=None) -> BillingSummary:
    today = workspace_today(workspace, at)
    anchor = workspace.billing_anchor
    next_date = next_cycle_to_invoice(workspace=workspace, today=today)
    return BillingSummary(interval=workspace.billing_interval, anchor=anchor, next_billing_date=next_date,
                          in_trial_until=workspace.trial_ends_at if anchor and today < anchor else None,
                          balance_cents=balance_cents(workspace=workspace), currency=workspace.currency)


# --- who pays for whom (R-WS-3, R-BIL-7, R-BIL-8) ---------------------------------------------------


class Payer:
    WORKSPACE = "workspace"  # this workspace pays (R-BIL-7)
    SELF = "self"  # the member pays their own subscription (R-BIL-8: consent needed to take over)
    TRIAL = "trial"  # the member's own free trial (R-BIL-9)
    OTHER = "other"  # another workspace pays: which one is that workspace's business
    NOBODY = "nobody"  # a free account type


@dataclass
class MemberBilling:
    member: Membership
    licence: Licence | None
    account_type: str
    payer: str
    trial_until: dt.datetime | None = None  # a trial still running
    standing: licences.Standing | None = None
    type_form: object = None  # set by the view for the actions the admin may take
    own_form: object = None  # the admin's own row: every account type (issue 6 point 6)
    subscribe_form: object = None

    @property
    def account_type_label(self) -> str:
        return account_type_label(self.account_type)

    @property
    def ends_at(self) -> dt.datetime | None:
        return self.licence.ends_at if self.licence else None


def payer_kind(licence: Licence | None, workspace, account_type: str, plans) -> str:
    """Who pays for the account type in force: the member's licence names the payer (R-WS-3)."""
    if licence is None:
        return Payer.NOBODY
    if licence.payer_workspace_id == workspace.pk:
        return Payer.WORKSPACE
    if licence.payer_workspace_id is not None:
        return Payer.OTHER
    if licence.trial_running(clock.now()) and account_type != AccountType.FREE:
        return Payer.TRIAL
    if licence.status == Licence.Status.ACTIVE and catalogue.is_paid(account_type, catalogue=plans):
        return Payer.SELF
    return Payer.NOBODY


def running_trial_end(licence: Licence | None, now: dt.datetime) -> dt.datetime | None:
    return licence.trial_ends_at if licence is not None and licence.trial_running(now) else None


def member_billing(*, workspace) -> list[MemberBilling]:
    """Active members with a login, their account type in force and who pays — three queries for any
    number of members (members with users, their current licences, the catalogue)."""
    members = list(workspace_selectors.members_list(workspace=workspace, status=LifecycleStatus.ACTIVE)
                   .filter(user__isnull=False))
    current = licences.current_licences(user_ids=[m.user_id for m in members if m.user_id is not None])
    plans = catalogue.plans()
    now = clock.now()
    rows = []
    for member in members:
        licence = current.get(member.user_id) if member.user_id is not None else None  # user__isnull=False
        # The same standing the members list shows (issue 6 point 5): one answer for "which account type".
        shown = licences.standing(licence, now)
        rows.append(MemberBilling(member=member, licence=licence, account_type=shown.account_type,
                                  payer=payer_kind(licence, workspace, shown.account_type, plans),
                                  trial_until=shown.trial_until, standing=shown))
    return rows
