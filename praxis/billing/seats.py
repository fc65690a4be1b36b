"""The seat ledger (R-BIL-5, R-BIL-6, R-BIL-7): who a workspace pays for, from when to when.

Rules, independent of when the billing run happens to run:
- a paid seat that starts on a cycle's first day is on that cycle's consolidated invoice — unless that
  invoice was already issued, then it owes the whole cycle on the day's proration invoice;
- a paid seat that starts on any other day owes the prorated rest of its cycle, charged on the proration
  invoice of that day (`needs_proration`), and is on the consolidated invoice from the next cycle on;
- a paid seat that ends gets the prorated unused rest of what was charged as a credit on the workspace
  balance at once (on a cycle's first day: the whole cycle if its invoice already charged it); the
  credit is deducted from the next invoices;
- a seat scheduled to start later (*pay after trial*) and cancelled before it starts costs nothing;
- before a workspace's first cycle (a `practice` trial, R-BIL-9) seats cost nothing.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum

from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.money import to_cents
from praxis.workspaces import licences
from praxis.workspaces.ports import SelfPaidEnding

from . import catalogue
from .cycles import cycle_containing
from .models import BalanceEntry, SeatChange
from .proration import prorate


def workspace_today(workspace, at: dt.datetime | None = None) -> dt.date:
    """Which day it is where the practice is (STYLE 11)."""
    return (at or clock.now()).astimezone(ZoneInfo(workspace.time_zone or "UTC")).date()


def first_cycle_start(workspace) -> dt.date:
    return workspace.billing_anchor


def is_billable_day(workspace, day: dt.date) -> bool:
    return workspace.billing_anchor is not None and day >= workspace.billing_anchor


def cycle_of(workspace, day: dt.date) -> tuple[dt.date, dt.date]:
    return cycle_containing(workspace.billing_anchor, workspace.billing_interval, day)


def cycle_invoiced(workspace, start: dt.date) -> bool:
    from .models import Invoice

    return Invoice.objects.filter(workspace=workspace, kind=Invoice.Kind.CYCLE, period_start=start).exists()


def _charged_from(workspace, day: dt.date) -> bool:
    """Whether a change on `day` falls inside a cycle already charged: any day but the first, or the first
    when the cycle invoice has been issued (it counted the seats of that morning)."""
    if not is_billable_day(workspace, day):
        return False
    start = cycle_of(workspace, day)[0]
    return start != day or cycle_invoiced(workspace, start)


def seats_on(workspace, day: dt.date) -> dict[str, int]:
    """Paid seats per account type on `day` (changes effective on `day` included)."""
    rows = (SeatChange.objects.filter(workspace=workspace, effective__lte=day)
            .values("account_type").annotate(n=Sum("delta")))
    return {row["account_type"]: row["n"] for row in rows if row["n"]}


def user_has_seat(workspace, user, account_type: str, day: dt.date) -> bool:
    total = (SeatChange.objects.filter(workspace=workspace, user=user, account_type=account_type,
                                       effective__lte=day).aggregate(n=Sum("delta"))["n"])
    return bool(total and total > 0)


def balance_cents(workspace) -> int:
    return BalanceEntry.objects.filter(workspace=workspace).aggregate(s=Sum("amount_cents"))["s"] or 0


def credit_for_ending(workspace, account_type: str, day: dt.date) -> tuple[Decimal, dt.date | None]:
    """What a seat ending on `day` gets back: the prorated unused rest of its charged cycle, and that
    cycle's end. The confirmation dialog shows exactly this (R-BIL-14)."""
    if not _charged_from(workspace, day):
        return Decimal("0.00"), None
    start, end = cycle_of(workspace, day)
    return prorate(catalogue.price(account_type, workspace.billing_interval), start, end, day), end


def _ending_credit_cents(workspace, account_type: str, day: dt.date) -> tuple[int, dt.date | None]:
    """The credit, in cents, that `seat_end` writes to the balance: shared with `self_paid_ending`, so
    what the invitee is told before accepting is what they get (issue 6 point 4)."""
    amount, end = credit_for_ending(workspace, account_type, day)
    return to_cents(amount), end


def self_paid_ending(*, user) -> SelfPaidEnding | None:
    """What ending `user`'s own subscription today credits to their personal balance (R-BIL-7), or `None`
    when they do not pay for themselves. The accept page shows it (billing_tags) and the acceptance
    reports it (workspaces.ports), both computed here; `seat_end` credits the same figure."""
    if not licences.pays_for_self(user):
        return None
    licence = licences.current_licence(user)
    personal = licences.personal_workspace(user)
    if personal is None:
        return None
    day = workspace_today(personal)
    credit = 0
    if user_has_seat(personal, user, licence.account_type, day):
        credit, _end = _ending_credit_cents(personal, licence.account_type, day)
    return SelfPaidEnding(account_type=licence.account_type, credit_cents=credit, currency=personal.currency)


def seat_start(*, workspace, user, account_type: str, day: dt.date, reason: str, actor) -> SeatChange | None:
    """A paid seat starts on `day`. Free account types take no seat."""
    if not catalogue.is_paid(account_type):
        return None
    needs_proration = _charged_from(workspace, day)
    change = SeatChange.objects.create(workspace=workspace, user=user, account_type=account_type, delta=1,
                                       effective=day, reason=reason, needs_proration=needs_proration)
    audit.record(code="seat.added", action="create", actor=actor, workspace=workspace, obj=change,
                 data={"user": user.pk, "account_type": account_type, "effective": day.isoformat(),
                       "prorated": needs_proration})
    return change


def seat_end(*, workspace, user, account_type: str, day: dt.date, reason: str, actor) -> SeatChange | None:
    """A paid seat ends on `day`: access to paid features ends now; the unused rest becomes credit.

    A seat scheduled to start later (*pay after trial*) is cancelled on its start date instead, so it
    never counts and costs nothing.
    """
    scheduled = (SeatChange.objects.filter(workspace=workspace, user=user, account_type=account_type, delta=1,
                                           effective__gt=day).order_by("-effective").first())
    if scheduled is not None and not user_has_seat(workspace, user, account_type, scheduled.effective - dt.timedelta(1)):
        change = SeatChange.objects.create(workspace=workspace, user=user, account_type=account_type, delta=-1,
                                           effective=scheduled.effective, reason=reason)
        # It never starts, so it owes nothing: the pending charge of the scheduled start is dropped.
        SeatChange.objects.filter(pk=scheduled.pk, invoice__isnull=True).update(needs_proration=False)
        audit.record(code="seat.removed", action="update", actor=actor, workspace=workspace, obj=change,
                     data={"user": user.pk, "account_type": account_type, "effective": change.effective.isoformat(),
                           "credit_cents": 0, "scheduled": True})
        return change
    if not user_has_seat(workspace, user, account_type, day):
        return None
    change = SeatChange.objects.create(workspace=workspace, user=user, account_type=account_type, delta=-1,
                                       effective=day, reason=reason)
    credit, end = _ending_credit_cents(workspace, account_type, day)
    if credit:
        BalanceEntry.objects.create(
            workspace=workspace, amount_cents=credit, currency=workspace.currency,
            reason=f"Unused {account_type} seat {day.isoformat()}–{end.isoformat()}")
    audit.record(code="seat.removed", action="update", actor=actor, workspace=workspace, obj=change,
                 data={"user": user.pk, "account_type": account_type, "effective": day.isoformat(),
                       "credit_cents": credit})
    return change


