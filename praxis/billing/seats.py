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

This module holds the one definition of "this cycle is already invoiced" (`invoiced_cycle_starts`,
`cycle_invoiced`) and of "the seats on a date" (`seats_from` over `seat_deltas`), used by the seat
ledger, the billing plan (`plan.py`) and so the run and every preview (issue 6 point 8). The rows a seat
change writes are built by `planned_start` / `planned_end` before they are saved, so the previews can hand
exactly those rows to the plan as hypothetical changes (R-BIL-14).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from praxis.accounts.models import User
from praxis.audit import services as audit
from praxis.core.money import to_cents
from praxis.workspaces import licences
from praxis.workspaces.licences import workspace_today
from praxis.workspaces.models import Workspace
from praxis.workspaces.ports import SelfPaidEnding

from . import catalogue
from .cycles import cycle_containing
from .models import BalanceEntry, Invoice, SeatChange
from .proration import prorate


def first_cycle_start(workspace) -> dt.date:
    return workspace.billing_anchor


def is_billable_day(workspace, day: dt.date) -> bool:
    return workspace.billing_anchor is not None and day >= workspace.billing_anchor


def cycle_of(workspace, day: dt.date) -> tuple[dt.date, dt.date]:
    return cycle_containing(workspace.billing_anchor, workspace.billing_interval, day)


# --- the one definition of "this cycle is already invoiced" and of "the seats on a date" (issue 6 point 8) ---


def invoiced_cycle_starts(workspace_ids, *, start: dt.date | None = None) -> dict[int, set[dt.date]]:
    """The cycles already invoiced, per workspace: a cycle is invoiced once its consolidated invoice exists
    (a later credit note does not make it due again: the invoice stays, void). One query for any number of
    workspaces; the billing plan, the previews and `cycle_invoiced` all read it here."""
    rows = Invoice.objects.filter(workspace_id__in=list(workspace_ids), kind=Invoice.Kind.CYCLE)
    if start is not None:
        rows = rows.filter(period_start=start)
    starts: dict[int, set[dt.date]] = {pk: set() for pk in workspace_ids}
    for workspace_id, period_start in rows.values_list("workspace_id", "period_start"):
        starts[workspace_id].add(period_start)
    return starts


def cycle_invoiced(*, workspace: Workspace, start: dt.date) -> bool:
    return start in invoiced_cycle_starts([workspace.pk], start=start)[workspace.pk]


SeatDelta = tuple[dt.date, str, int]  # (effective, account type, sum of the deltas of that day)


def seat_deltas(workspace_ids, *, through: dt.date) -> dict[int, list[SeatDelta]]:
    """The seat ledger up to `through`, summed per workspace, account type and day: one grouped query."""
    deltas: dict[int, list[SeatDelta]] = {pk: [] for pk in workspace_ids}
    rows = (SeatChange.objects.filter(workspace_id__in=list(workspace_ids), effective__lte=through)
            .values("workspace_id", "account_type", "effective").annotate(n=Sum("delta")))
    for row in rows:
        deltas[row["workspace_id"]].append((row["effective"], row["account_type"], row["n"]))
    return deltas


def seats_from(deltas: list[SeatDelta], day: dt.date) -> dict[str, int]:
    """Paid seats per account type on `day` (changes effective on `day` included), from ledger rows."""
    seats: dict[str, int] = {}
    for effective, account_type, n in deltas:
        if effective <= day:
            seats[account_type] = seats.get(account_type, 0) + n
    return {account_type: n for account_type, n in seats.items() if n}


def _charged_from(workspace, day: dt.date) -> bool:
    """Whether a change on `day` falls inside a cycle already charged: any day but the first, or the first
    when the cycle invoice has been issued (it counted the seats of that morning)."""
    if not is_billable_day(workspace, day):
        return False
    start = cycle_of(workspace, day)[0]
    return start != day or cycle_invoiced(workspace=workspace, start=start)


def seats_on(*, workspace: Workspace, day: dt.date) -> dict[str, int]:
    """Paid seats per account type on `day` (changes effective on `day` included)."""
    return seats_from(seat_deltas([workspace.pk], through=day)[workspace.pk], day)


def user_has_seat(*, workspace: Workspace, user: User, account_type: str, day: dt.date) -> bool:
    total = (SeatChange.objects.filter(workspace=workspace, user=user, account_type=account_type,
                                       effective__lte=day).aggregate(n=Sum("delta"))["n"])
    return bool(total and total > 0)


def balances_cents(workspace_ids) -> dict[int, int]:
    """The credit balance of each workspace (the sum of its balance ledger), in one grouped query."""
    balances = {pk: 0 for pk in workspace_ids}
    rows = (BalanceEntry.objects.filter(workspace_id__in=list(workspace_ids)).values("workspace_id")
            .annotate(s=Sum("amount_cents")).values_list("workspace_id", "s"))
    balances.update({pk: total or 0 for pk, total in rows})
    return balances


def balance_cents(*, workspace: Workspace) -> int:
    return balances_cents([workspace.pk])[workspace.pk]


def credit_for_ending(*, workspace: Workspace, account_type: str, day: dt.date) -> tuple[Decimal, dt.date | None]:
    """What a seat ending on `day` gets back: the prorated unused rest of its charged cycle, and that
    cycle's end. The confirmation dialog shows exactly this (R-BIL-14)."""
    if not _charged_from(workspace, day):
        return Decimal("0.00"), None
    start, end = cycle_of(workspace, day)
    return prorate(catalogue.price(account_type, workspace.billing_interval), start, end, day), end


def planned_start(*, workspace, account_type: str, day: dt.date, user=None,
                  reason: str = SeatChange.Reason.JOINED) -> SeatChange | None:
    """The ledger row a paid seat starting on `day` writes, unsaved: `seat_start` saves it, the previews
    hand it to the billing plan as a hypothetical change (R-BIL-14). Free account types take no seat."""
    if not catalogue.is_paid(account_type):
        return None
    return SeatChange(workspace=workspace, user=user, account_type=account_type, delta=1, effective=day,
                      reason=reason, needs_proration=_charged_from(workspace, day))


@dataclass
class PlannedEnd:
    """What ending a paid seat on `day` writes: the -1 row (unsaved) and the credit of its unused rest."""

    change: SeatChange | None
    credit: Decimal = Decimal("0.00")
    until: dt.date | None = None

    @property
    def credit_cents(self) -> int:
        return to_cents(self.credit)


def planned_end(*, workspace, user, account_type: str, day: dt.date, reason: str = SeatChange.Reason.LEFT
                ) -> PlannedEnd:
    """The ending of a seat the user holds on `day`, as `seat_end` writes it and the dialogs show it."""
    if not user_has_seat(workspace=workspace, user=user, account_type=account_type, day=day):
        return PlannedEnd(change=None)
    amount, until = credit_for_ending(workspace=workspace, account_type=account_type, day=day)
    return PlannedEnd(change=SeatChange(workspace=workspace, user=user, account_type=account_type, delta=-1,
                                        effective=day, reason=reason), credit=amount, until=until)


def self_paid_ending(*, user) -> SelfPaidEnding | None:
    """What ending `user`'s own subscription today credits to their personal balance (R-BIL-7), or `None`
    when they do not pay for themselves. The accept page shows it (billing_tags) and the acceptance
    reports it (workspaces.ports), both computed here with `planned_end`, which `seat_end` writes from, so
    what the invitee is told before accepting is what they get (issue 6 point 4)."""
    if not licences.pays_for_self(user):
        return None
    licence = licences.current_licence(user)
    personal = licences.personal_workspace(user)
    if licence is None or personal is None:  # pays_for_self() already implies a current licence
        return None
    ending = planned_end(workspace=personal, user=user, account_type=licence.account_type,
                         day=workspace_today(personal))
    return SelfPaidEnding(account_type=licence.account_type, credit_cents=ending.credit_cents,
                          currency=personal.currency)


def seat_start(*, workspace, user, account_type: str, day: dt.date, reason: str, actor) -> SeatChange | None:
    """A paid seat starts on `day`. Free account types take no seat."""
    change = planned_start(workspace=workspace, account_type=account_type, day=day, user=user, reason=reason)
    if change is None:
        return None
    needs_proration = change.needs_proration
    change.save()
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
    if scheduled is not None and not user_has_seat(workspace=workspace, user=user, account_type=account_type, day=scheduled.effective - dt.timedelta(1)):
        change = SeatChange.objects.create(workspace=workspace, user=user, account_type=account_type, delta=-1,
                                           effective=scheduled.effective, reason=reason)
        # It never starts, so it owes nothing: the pending charge of the scheduled start is dropped.
        SeatChange.objects.filter(pk=scheduled.pk, invoice__isnull=True).update(needs_proration=False)
        audit.record(code="seat.removed", action="update", actor=actor, workspace=workspace, obj=change,
                     data={"user": user.pk, "account_type": account_type, "effective": change.effective.isoformat(),
                           "credit_cents": 0, "scheduled": True})
        return change
    planned = planned_end(workspace=workspace, user=user, account_type=account_type, day=day, reason=reason)
    if planned.change is None:
        return None
    change = planned.change
    change.save()
    credit = planned.credit_cents
    if credit:
        assert planned.until is not None  # a credit exists only for a charged cycle, and that has an end
        BalanceEntry.objects.create(
            workspace=workspace, amount_cents=credit, currency=workspace.currency,
            reason=f"Unused {account_type} seat {day.isoformat()}–{planned.until.isoformat()}")
    audit.record(code="seat.removed", action="update", actor=actor, workspace=workspace, obj=change,
                 data={"user": user.pk, "account_type": account_type, "effective": day.isoformat(),
                       "credit_cents": credit})
    return change


