"""The billing run (R-BIL-12): issue what is due at a date, exactly once, however often it runs.

For every workspace with seats: the consolidated invoice of the cycle that contains the date (R-BIL-3),
and one proration invoice per day for seats that started mid-cycle on days that have ended (R-BIL-5:
seats added the same day share one invoice). Each invoice is issued in its own transaction; a
concurrent run that got there first makes the unique constraint refuse the second, which is skipped.

Queries are per chunk of workspaces and per invoice, never per seat.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.db.models import Max, Sum
from django_scopes import scopes_disabled

from praxis.workspaces.models import Workspace

from . import catalogue
from .invoicing import draft_cycle_invoice, draft_proration_invoice, issue
from .models import BalanceEntry, Invoice, SeatChange
from .payments import collect_after_commit
from .seats import cycle_of

CHUNK = 500


@dataclass
class RunReport:
    at: dt.date
    cycle_invoices: list[str] = field(default_factory=list)
    proration_invoices: list[str] = field(default_factory=list)
    skipped_concurrent: int = 0
    workspaces_seen: int = 0


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


@scopes_disabled()  # the run reads and writes every workspace's ledger in batches, by design (point 10)
def billing_run(*, at: dt.date) -> RunReport:
    report = RunReport(at=at)
    plans = catalogue.plans()
    paid_types = [code for code, plan in plans.items() if plan.is_paid]
    workspace_ids = sorted(set(
        SeatChange.objects.filter(account_type__in=paid_types, effective__lte=at)
        .values_list("workspace_id", flat=True).distinct()))
    for chunk in _chunks(workspace_ids):
        workspaces = {ws.pk: ws for ws in Workspace.objects.filter(pk__in=chunk, billing_anchor__lte=at)}
        report.workspaces_seen += len(workspaces)
        # Earlier charges first: the days' proration invoices use the credit before the new cycle does,
        # which is also the order the preview assumes (R-BIL-14).
        _issue_proration_invoices(workspaces, at=at, plans=plans, report=report)
        _issue_cycle_invoices(workspaces, at=at, plans=plans, report=report)
    return report


MAX_CATCH_UP = 24  # cycles; a run that was down longer than two years needs the operator anyway


def _cycle_starts(workspace, *, since: dt.date, at: dt.date) -> list[dt.date]:
    """Cycle starts from `since` up to the cycle containing `at`: normally one, more after missed runs."""
    current = cycle_of(workspace, at)[0]
    starts, start = [], max(since, workspace.billing_anchor)
    start = cycle_of(workspace, start)[0]
    while start <= current and len(starts) < MAX_CATCH_UP:
        starts.append(start)
        start = cycle_of(workspace, start)[1]
    return starts[-MAX_CATCH_UP:]


def _issue_cycle_invoices(workspaces: dict, *, at, plans, report) -> None:
    """The consolidated invoice of every cycle due and not yet issued — the current one, and any a
    stopped billing run missed (each cycle is still issued exactly once: the unique constraint)."""
    last_end = dict(Invoice.objects.filter(workspace_id__in=workspaces, kind=Invoice.Kind.CYCLE)
                    .values("workspace_id").annotate(m=Max("period_end")).values_list("workspace_id", "m"))
    due = {pk: _cycle_starts(ws, since=last_end.get(pk) or ws.billing_anchor, at=at)
           for pk, ws in workspaces.items()}
    due = {pk: starts for pk, starts in due.items() if starts}
    if not due:
        return
    # Seat counts per workspace, account type and day of change, from one grouped query; summed per start.
    changes: dict[int, list[tuple[dt.date, str, int]]] = defaultdict(list)
    rows = (SeatChange.objects.filter(workspace_id__in=due, effective__lte=max(max(s) for s in due.values()))
            .values("workspace_id", "account_type", "effective").annotate(n=Sum("delta")))
    for row in rows:
        changes[row["workspace_id"]].append((row["effective"], row["account_type"], row["n"]))
    balances = dict(BalanceEntry.objects.filter(workspace_id__in=due).values("workspace_id")
                    .annotate(s=Sum("amount_cents")).values_list("workspace_id", "s"))
    for pk, starts in due.items():
        workspace = workspaces[pk]
        for start in starts:
            seats: dict[str, int] = defaultdict(int)
            for effective, account_type, n in changes[pk]:
                if effective <= start:
                    seats[account_type] += n
            draft = draft_cycle_invoice(workspace, start, seats=dict(seats), plans=plans,
                                        balance=balances.get(pk, 0))
            if not draft.lines:
                continue
            try:
                invoice = issue(workspace, draft)
            except IntegrityError:
                report.skipped_concurrent += 1
                continue
            balances[pk] = balances.get(pk, 0) - invoice.credit_applied_cents
            collect_after_commit(invoice)
            report.cycle_invoices.append(invoice.number)


def _issue_proration_invoices(workspaces: dict, *, at, plans, report) -> None:
    pending = (SeatChange.objects.filter(workspace_id__in=workspaces, needs_proration=True, invoice__isnull=True,
                                         effective__lt=at).order_by("workspace_id", "effective", "pk"))
    groups: dict[tuple[int, dt.date], list[SeatChange]] = defaultdict(list)
    for change in pending:
        groups[(change.workspace_id, change.effective)].append(change)
    if not groups:
        return
    balances = dict(BalanceEntry.objects.filter(workspace_id__in={k[0] for k in groups}).values("workspace_id")
                    .annotate(s=Sum("amount_cents")).values_list("workspace_id", "s"))
    for (pk, day), changes in groups.items():
        workspace = workspaces[pk]
        draft = draft_proration_invoice(workspace, day, changes, plans=plans, balance=balances.get(pk, 0))
        try:
            invoice = issue(workspace, draft)
        except IntegrityError:
            report.skipped_concurrent += 1
            continue
        balances[pk] = balances.get(pk, 0) - invoice.credit_applied_cents
        collect_after_commit(invoice)
        report.proration_invoices.append(invoice.number)
