"""The billing run (R-BIL-12): issue what is due at a date, exactly once, however often it runs.

What is due is the billing plan (`plan.drafts_due`, issue 6 point 1): for every workspace with seats, one
proration invoice per day for seats that started mid-cycle on days that have ended (R-BIL-5: seats added
the same day share one invoice), then the consolidated invoice of every cycle due and not yet issued
(R-BIL-3; the current one, and any a stopped run missed). The run issues exactly the plan's drafts, in
its order, so the previews that render the same plan show what is charged (R-BIL-14).

Invoices are issued in batches (issue 10 point 12): the invoices of `BATCH` workspaces share one
transaction, each in its own savepoint (`invoicing.issue`), still numbered gaplessly and audited one by
one. A commit per batch instead of per invoice is what makes a run over 10 000 practices short. A
concurrent run that got there first makes the unique constraint refuse the second invoice: its savepoint
rolls back, it is skipped, the batch goes on. Any other failure rolls back its whole batch — numbers,
credit, audit entries and e-mails of that batch included, so nothing is half-issued and no number is lost —
is logged and reported, and the run goes on with the next batch; running it again issues what failed. Credit is applied from the balance read under the
workspace row lock inside that transaction (`invoicing.issue`, issue 6 point 19), never from the plan's
earlier read, so parallel runs cannot spend one credit twice.

Queries are per chunk of workspaces (the plan's four reads) and per invoice, never per seat.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from praxis.workspaces.models import Workspace

from . import catalogue
from .invoicing import IssueBatch, issue
from .models import Invoice, SeatChange
from .payments import collect_after_commit
from .plan import drafts_due, read_ledgers

CHUNK = 500  # workspaces whose plans are read together
BATCH = 50  # workspaces whose invoices are issued in one transaction

log = logging.getLogger("praxis.billing")


@dataclass
class RunReport:
    at: dt.date
    cycle_invoices: list[str] = field(default_factory=list)
    proration_invoices: list[str] = field(default_factory=list)
    skipped_concurrent: int = 0
    workspaces_seen: int = 0
    failed_workspaces: list[int] = field(default_factory=list)  # of batches rolled back; issued on a rerun


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
        ledgers = read_ledgers(workspaces, at=at)
        batch_items = list(workspaces.items())
        for start in range(0, len(batch_items), BATCH):
            batch = batch_items[start : start + BATCH]
            try:
                issued = _issue_batch(batch, ledgers=ledgers, at=at, plans=plans, report=report)
            except Exception:  # the batch is rolled back as a whole; the run goes on (logged, reported)
                log.exception("billing run: batch of workspaces %s rolled back", [pk for pk, _ws in batch])
                report.failed_workspaces += [pk for pk, _ws in batch]
                continue
            for invoice, kind in issued:
                collect_after_commit(invoice)
                (report.cycle_invoices if kind == Invoice.Kind.CYCLE else report.proration_invoices).append(
                    invoice.number)
    return report


def _issue_batch(batch, *, ledgers, at: dt.date, plans, report: RunReport) -> list[tuple[Invoice, str]]:
    """Issue every draft due of these workspaces in one transaction; (invoice, kind) in the plan's order."""
    issued: list[tuple[Invoice, str]] = []
    skipped = 0
    due = [(workspace, draft) for pk, workspace in batch
           for draft in drafts_due(workspace=workspace, ledger=ledgers[pk], at=at, plans=plans)]
    if not due:
        return issued
    with transaction.atomic():
        issuing = IssueBatch.open({workspace.pk for workspace, _draft in due})
        for workspace, draft in due:
            try:
                invoice = issue(workspace=workspace, draft=draft, batch=issuing)  # its own savepoint
            except IntegrityError:  # a concurrent run issued this one first
                skipped += 1
                continue
            issued.append((invoice, draft.kind))
        issuing.close()  # the lines and audit entries of what was issued, before the batch commits
    report.skipped_concurrent += skipped  # counted once the batch has committed
    return issued
