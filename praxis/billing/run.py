"""The billing run (R-BIL-12): issue what is due at a date, exactly once, however often it runs.

What is due is the billing plan (`plan.drafts_due`, issue 6 point 1): for every workspace with seats, one
proration invoice per day for seats that started mid-cycle on days that have ended (R-BIL-5: seats added
the same day share one invoice), then the consolidated invoice of every cycle due and not yet issued
(R-BIL-3; the current one, and any a stopped run missed). The run issues exactly the plan's drafts, in
its order, so the previews that render the same plan show what is charged (R-BIL-14).

Each invoice is issued in its own transaction; a concurrent run that got there first makes the unique
constraint refuse the second, which is skipped. Credit is applied from the balance read under the
workspace row lock inside that transaction (`invoicing.issue`, issue 6 point 19), never from the plan's
earlier read, so parallel runs cannot spend one credit twice.

Queries are per chunk of workspaces (the plan's four reads) and per invoice, never per seat.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError
from django_scopes import scopes_disabled

from praxis.workspaces.models import Workspace

from . import catalogue
from .invoicing import issue
from .models import Invoice, SeatChange
from .payments import collect_after_commit
from .plan import drafts_due, read_ledgers

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
        ledgers = read_ledgers(workspaces, at=at)
        for pk, workspace in workspaces.items():
            for draft in drafts_due(workspace=workspace, ledger=ledgers[pk], at=at, plans=plans):
                try:
                    invoice = issue(workspace=workspace, draft=draft)
                except IntegrityError:  # a concurrent run issued this one first
                    report.skipped_concurrent += 1
                    continue
                collect_after_commit(invoice)
                if draft.kind == Invoice.Kind.CYCLE:
                    report.cycle_invoices.append(invoice.number)
                else:
                    report.proration_invoices.append(invoice.number)
    return report
