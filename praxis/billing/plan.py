"""The billing plan (R-BIL-3, R-BIL-5, R-BIL-12, R-BIL-14, issue 6 point 1): the invoices due for a
workspace at a date, with their lines — the one place that decides what is owed.

`plan_invoices(workspace, at=…)` answers "which invoices would a billing run at `at` issue, and with which
lines and credit", from three facts only: the seat ledger (`SeatChange`), the invoices already issued and
the credit balance. The billing run (`run.billing_run`) issues exactly these drafts. Every preview, cost
panel and confirmation dialog renders a plan too: what a change costs is the plan *with* the change (the
unsaved ledger rows that the seat service would write, from `seats.planned_start` / `seats.planned_end`)
minus the plan without it (`charges_of`). So what is shown before a change and what is charged for it come
from the same code and cannot disagree.

The order of a plan is the order of issuing: first one proration invoice per day of pending mid-cycle
seats (R-BIL-5), then the consolidated invoice of every cycle due and not yet invoiced (R-BIL-3; several
after missed runs). Credit on the balance is used in that order. `issue()` re-reads the balance under the
workspace row lock and applies credit from what it reads there (issue 6 point 19), which is what the plan
assumed unless another run issued an invoice in between.

Reads are grouped: `read_ledgers` costs four queries for a whole chunk of workspaces, whatever the number
of seats; `drafts_due` is pure.
"""

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from praxis.accounts.models import User
from praxis.core.money import from_cents, to_cents
from praxis.workspaces.models import Workspace

from . import catalogue, seats
from .invoicing import Draft, DraftLine, draft_cycle_invoice, draft_proration_invoice
from .models import Invoice, SeatChange
from .seats import SeatDelta, cycle_of, planned_end, planned_start
from .vat import vat_amount, vat_rate

MAX_CATCH_UP = 24  # cycles; a run that was down longer than two years needs the operator anyway


@dataclass
class Ledger:
    """What billing knows of one workspace at a date, read once (see `read_ledgers`)."""

    deltas: list[SeatDelta]
    pending: list[SeatChange]  # +1 rows owing a proration, not yet on an invoice, effective before `at`
    invoiced_cycles: set[dt.date]
    balance_cents: int

    def seats_on(self, day: dt.date) -> dict[str, int]:
        return seats.seats_from(self.deltas, day)

    def cycle_invoiced(self, start: dt.date) -> bool:
        return start in self.invoiced_cycles

    def with_changes(self, changes: Iterable[SeatChange], *, credit_cents: int = 0, at: dt.date) -> "Ledger":
        """The ledger as it would be after writing `changes` (unsaved rows) and crediting `credit_cents`."""
        changes = list(changes)
        return replace(
            self,
            deltas=self.deltas + [(c.effective, c.account_type, c.delta) for c in changes if c.effective <= at],
            pending=sorted(self.pending + [c for c in changes if c.needs_proration and c.delta > 0
                                           and c.effective < at], key=lambda c: c.effective),
            balance_cents=self.balance_cents + credit_cents)


def read_ledgers(workspace_ids, *, at: dt.date) -> dict[int, Ledger]:
    """The ledgers of many workspaces in four queries (seats, pending prorations, invoiced cycles, balances)."""
    ids = list(workspace_ids)
    deltas = seats.seat_deltas(ids, through=at)
    pending: dict[int, list[SeatChange]] = {pk: [] for pk in ids}
    for change in (SeatChange.objects.filter(workspace_id__in=ids, needs_proration=True, invoice__isnull=True,
                                             effective__lt=at).order_by("workspace_id", "effective", "pk")):
        pending[change.workspace_id].append(change)
    invoiced = seats.invoiced_cycle_starts(ids)
    balances = seats.balances_cents(ids)
    return {pk: Ledger(deltas=deltas[pk], pending=pending[pk], invoiced_cycles=invoiced[pk],
                       balance_cents=balances[pk]) for pk in ids}


def read_ledger(*, workspace: Workspace, at: dt.date) -> Ledger:
    return read_ledgers([workspace.pk], at=at)[workspace.pk]


def cycles_due(*, workspace: Workspace, ledger: Ledger, at: dt.date) -> list[dt.date]:
    """Starts of the cycles not yet invoiced, from the last invoiced one up to the cycle containing `at`:
    normally one, more after missed runs."""
    if workspace.billing_anchor is None or at < workspace.billing_anchor:
        return []
    current = cycle_of(workspace, at)[0]
    start = cycle_of(workspace, max(ledger.invoiced_cycles))[1] if ledger.invoiced_cycles \
        else workspace.billing_anchor
    starts: list[dt.date] = []
    while start <= current and len(starts) < MAX_CATCH_UP:  # the next run goes on where this one stops
        if not ledger.cycle_invoiced(start):
            starts.append(start)
        start = cycle_of(workspace, start)[1]
    return starts


def drafts_due(*, workspace: Workspace, ledger: Ledger, at: dt.date, plans=None) -> list[Draft]:
    """The invoices a billing run at `at` issues for this workspace, in issuing order, credit threaded."""
    if workspace.billing_anchor is None or at < workspace.billing_anchor:
        return []
    plans = plans if plans is not None else catalogue.plans()
    balance = ledger.balance_cents
    drafts: list[Draft] = []
    by_day: dict[dt.date, list[SeatChange]] = {}
    for change in ledger.pending:
        by_day.setdefault(change.effective, []).append(change)
    for day, changes in sorted(by_day.items()):
        draft = draft_proration_invoice(workspace=workspace, day=day, changes=changes, plans=plans, balance=balance)
        drafts.append(draft)
        balance -= to_cents(draft.credit_applied)
    for start in cycles_due(workspace=workspace, ledger=ledger, at=at):
        draft = draft_cycle_invoice(workspace=workspace, cycle_start=start, seats=ledger.seats_on(start), plans=plans, balance=balance)
        if draft.lines:
            drafts.append(draft)
            balance -= to_cents(draft.credit_applied)
    return drafts


def plan_invoices(workspace, *, at: dt.date, changes: Iterable[SeatChange] = (), credit_cents: int = 0,
                  plans=None) -> list[Draft]:
    """The invoices due for `workspace` at `at`, optionally with hypothetical seat changes (unsaved rows as
    `seats.planned_start`/`planned_end` build them) and the credit they would add."""
    ledger = read_ledger(workspace=workspace, at=at)
    if changes or credit_cents:
        ledger = ledger.with_changes(changes, credit_cents=credit_cents, at=at)
    return drafts_due(workspace=workspace, ledger=ledger, at=at, plans=plans)


# --- what a change costs: the plan with it minus the plan without it -------------------------------------


@dataclass
class Charge:
    """What a change adds to one invoice of the plan (same fields as a `Draft`, so it renders like one):
    the lines it adds and the differences of subtotal, credit applied, VAT and total, to the cent."""

    kind: str
    period_start: dt.date
    period_end: dt.date
    currency: str
    vat_rate: Decimal
    lines: list[DraftLine] = field(default_factory=list)
    subtotal: Decimal = Decimal("0.00")
    credit_applied: Decimal = Decimal("0.00")
    vat: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")


def _key(draft) -> tuple[str, dt.date]:
    return (str(draft.kind), draft.period_start)


def _difference(after: Draft, before: Draft | None) -> Charge:
    old_lines: dict[tuple, int] = {}
    for line in before.lines if before else []:
        old_lines[(line.account_type, line.unit_price)] = line.quantity
    lines = []
    for line in after.lines:
        quantity = line.quantity - old_lines.pop((line.account_type, line.unit_price), 0)
        if quantity:
            lines.append(replace(line, quantity=quantity))
    for line in before.lines if before else []:
        if (line.account_type, line.unit_price) in old_lines:  # a line the change removes
            lines.append(replace(line, quantity=-line.quantity))

    def minus(name: str) -> Decimal:
        return getattr(after, name) - (getattr(before, name) if before else Decimal("0.00"))

    return Charge(kind=after.kind, period_start=after.period_start, period_end=after.period_end,
                  currency=after.currency, vat_rate=after.vat_rate, lines=lines, subtotal=minus("subtotal"),
                  credit_applied=minus("credit_applied"), vat=minus("vat"), total=minus("total"))


def charges_of(*, workspace: Workspace, changes: Iterable[SeatChange], credit_cents: int = 0, at: dt.date,
               plans=None) -> list[Charge]:
    """What `changes` add to the invoices due at `at`: one `Charge` per invoice that differs (created,
    grown or shrunk — an invoice the change removes shows as a negative charge). Four queries."""
    plans = plans if plans is not None else catalogue.plans()
    ledger = read_ledger(workspace=workspace, at=at)
    before = {_key(d): d for d in drafts_due(workspace=workspace, ledger=ledger, at=at, plans=plans)}
    after = drafts_due(workspace=workspace, ledger=ledger.with_changes(changes, credit_cents=credit_cents, at=at), at=at, plans=plans)
    charges = []
    for draft in after:
        charge = _difference(draft, before.pop(_key(draft), None))
        if charge.lines or charge.total or charge.credit_applied:
            charges.append(charge)
    for draft in before.values():
        empty = Draft(kind=draft.kind, period_start=draft.period_start, period_end=draft.period_end,
                      currency=draft.currency, vat_rate=draft.vat_rate)
        removed = _difference(empty, draft)
        removed.lines = [replace(line, quantity=-line.quantity) for line in draft.lines]
        charges.append(removed)
    return charges


def next_cycle_to_invoice(*, workspace: Workspace, today: dt.date) -> dt.date | None:
    """The start of the next cycle invoice: the first cycle during a trial, today's cycle on its first day
    until its invoice is issued, else the next cycle."""
    if workspace.billing_anchor is None:
        return None
    if today < workspace.billing_anchor:
        return workspace.billing_anchor
    start, end = cycle_of(workspace, today)
    return start if start == today and not seats.cycle_invoiced(workspace=workspace, start=start) else end


def empty_cycle_draft(*, workspace: Workspace, start: dt.date) -> Draft:
    """A cycle invoice without lines: what the preview shows when no paid seat is due on `start`."""
    end = cycle_of(workspace, start)[1]
    return Draft(kind=Invoice.Kind.CYCLE, period_start=start, period_end=end, currency=workspace.currency,
                 vat_rate=vat_rate(workspace.country), available_credit=from_cents(0))


# --- the previews: each renders a plan (R-BIL-14) -------------------------------------------------------


def preview_next_invoice(*, workspace: Workspace, today: dt.date) -> Draft | None:
    """The next cycle invoice as the plan at its start has it: with today's seats (and those already
    scheduled), after the pending proration invoices and any missed cycles have used their credit."""
    start = next_cycle_to_invoice(workspace=workspace, today=today)
    if start is None:
        return None
    for draft in plan_invoices(workspace, at=start):
        if draft.kind == Invoice.Kind.CYCLE and draft.period_start == start:
            return draft
    return empty_cycle_draft(workspace=workspace, start=start)


@dataclass
class SeatCost:
    """What a seat change made today costs, read off the plan at the next run (tomorrow): `now` is what it
    adds to the proration invoices that run issues (today's, and the credit it frees for pending earlier
    ones), `cycle` what it adds to cycle invoices not yet issued (today's, on a cycle's first day; the
    next one, on a cycle's last day or a trial's); `per_cycle` the list price of the new seats per cycle."""

    now: Charge | None
    cycle: Charge | None
    per_cycle: Decimal
    per_cycle_vat: Decimal
    interval: str
    charges: list[Charge] = field(default_factory=list)  # one per invoice the change alters

    @property
    def per_cycle_total(self) -> Decimal:
        """The list price per cycle including VAT, so the panel's figures add up where it is read."""
        return self.per_cycle + self.per_cycle_vat


def _total(charges: list[Charge]) -> Charge | None:
    """Several invoices' charges as one: lines side by side, amounts summed (each already to the cent)."""
    if not charges:
        return None
    first = charges[0]
    return Charge(kind=first.kind, period_start=min(c.period_start for c in charges),
                  period_end=max(c.period_end for c in charges), currency=first.currency, vat_rate=first.vat_rate,
                  lines=[line for c in charges for line in c.lines],
                  subtotal=sum((c.subtotal for c in charges), Decimal("0.00")),
                  credit_applied=sum((c.credit_applied for c in charges), Decimal("0.00")),
                  vat=sum((c.vat for c in charges), Decimal("0.00")),
                  total=sum((c.total for c in charges), Decimal("0.00")))


def _seat_cost(workspace, *, changes: list[SeatChange], credit_cents: int, per_cycle: Decimal,
               today: dt.date) -> SeatCost:
    # The horizon is the next run, tomorrow: it issues today's proration invoice (R-BIL-5: for days that
    # ended) and today's cycle invoice if it is not issued yet.
    charges = charges_of(workspace=workspace, changes=changes, credit_cents=credit_cents, at=today + dt.timedelta(days=1))
    return SeatCost(now=_total([c for c in charges if c.kind == Invoice.Kind.PRORATION]),
                    cycle=_total([c for c in charges if c.kind == Invoice.Kind.CYCLE]), per_cycle=per_cycle,
                    per_cycle_vat=vat_amount(per_cycle, vat_rate(workspace.country)),
                    interval=workspace.billing_interval, charges=charges)


def cost_of_new_seats(*, workspace: Workspace, account_type: str, count: int, today: dt.date) -> SeatCost:
    """What `count` new seats of `account_type` starting today cost: the plan with the rows `seat_start`
    would write minus the plan without them."""
    first = planned_start(workspace=workspace, account_type=account_type, day=today)
    # n new seats are n rows alike: one read of the ledger decides them all (no query per seat)
    changes = [copy.copy(first) for _ in range(count)] if first is not None else []
    per_cycle = catalogue.price(account_type, workspace.billing_interval) * count
    return _seat_cost(workspace, changes=changes, credit_cents=0, per_cycle=per_cycle, today=today)


def cost_of_type_change(*, workspace: Workspace, user: User, old_type: str, new_type: str, today: dt.date) -> SeatCost:
    """An up- or downgrade today: the old seat ends (its unused rest credited) and a new one starts."""
    ending = planned_end(workspace=workspace, user=user, account_type=old_type, day=today)
    start = planned_start(workspace=workspace, account_type=new_type, day=today, user=user)
    changes = [c for c in (ending.change, start) if c is not None]
    per_cycle = catalogue.price(new_type, workspace.billing_interval)
    return _seat_cost(workspace, changes=changes, credit_cents=ending.credit_cents, per_cycle=per_cycle,
                      today=today)
