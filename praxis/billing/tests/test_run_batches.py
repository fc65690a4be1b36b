"""The billing run in batches (issue 10 point 12, R-BIL-12): several workspaces' invoices per transaction,
each numbered gaplessly and audited; a failure rolls back only its batch, the run goes on, and the next run
issues what failed — with the next numbers, nothing twice."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from praxis.audit.services import verify_chain
from praxis.billing import run as billing
from praxis.billing.models import Invoice, InvoiceSequence
from praxis.testing import PASSWORD
from praxis.testing.team import join
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]

NOON = dt.time(11, 0, tzinfo=dt.UTC)
PRACTICES = 6


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), NOON)


@pytest.fixture
def practices(time_machine):
    """Six team workspaces anchored 2026-11-01, each with one paid member: on 2026-12-01 each owes the
    cycle invoices of November and December."""
    time_machine.move_to(at("2026-11-01"), tick=False)
    made = []
    for i in range(PRACTICES):
        owner = user_sign_up(email=f"owner{i}@batch.test", password=PASSWORD)
        workspace = workspace_create(actor=owner, name=f"Practice {i}", tier="team")
        join(owner, workspace, f"member{i}@batch.test")
        made.append(workspace)
    time_machine.move_to(at("2026-12-01"), tick=False)
    return made


def _invoiced() -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for workspace_id, number in Invoice.objects.with_scopes_disabled().filter(kind="cycle").order_by("number") \
            .values_list("workspace_id", "number"):
        found.setdefault(workspace_id, []).append(number)
    return found


def _failing_for(workspace, real):
    def issue(*, workspace, draft, **kwargs):
        if workspace.pk == failing.pk:
            raise RuntimeError("the payment provider's client library blew up")
        return real(workspace=workspace, draft=draft, **kwargs)

    failing = workspace
    return issue


def _all_numbers() -> list[str]:
    return sorted(Invoice.objects.with_scopes_disabled().values_list("number", flat=True))


def test_a_failure_rolls_back_only_its_batch_and_the_next_run_issues_it(practices, monkeypatch):
    monkeypatch.setattr(billing, "BATCH", 2)
    monkeypatch.setattr(billing, "issue", _failing_for(practices[3], billing.issue))
    report = billing.billing_run(at=dt.date(2026, 12, 1))

    failed = set(report.failed_workspaces)
    assert practices[3].pk in failed and len(failed) == 2  # its batch: it and one neighbour
    invoiced = _invoiced()
    assert not failed & set(invoiced)  # the neighbour's invoice was rolled back with it
    assert {ws.pk for ws in practices} - failed <= set(invoiced)  # every other batch was issued
    issued = len(_all_numbers())
    assert _all_numbers() == [f"2026-{n:06d}" for n in range(1, issued + 1)]  # the rollback took no number
    assert InvoiceSequence.objects.get(series="praxis", year=2026).last == issued
    assert verify_chain() == []

    monkeypatch.undo()
    again = billing.billing_run(at=dt.date(2026, 12, 1))
    assert again.failed_workspaces == []
    assert {Invoice.objects.with_scopes_disabled().get(number=n).workspace_id for n in again.cycle_invoices} == failed
    assert sorted(again.cycle_invoices) == [f"2026-{n:06d}" for n in range(issued + 1, issued + 1 + len(again.cycle_invoices))]
    cycles = list(Invoice.objects.with_scopes_disabled().filter(kind="cycle").values_list("workspace_id", "period_start"))
    assert len(cycles) == len(set(cycles))  # nothing twice
    assert len({period for ws, period in cycles if ws == practices[3].pk}) == len(
        {period for ws, period in cycles if ws == practices[0].pk})  # the failed one caught up
    assert verify_chain() == []


def test_the_command_reports_failed_workspaces_and_exits_non_zero(practices, monkeypatch):
    monkeypatch.setattr(billing, "issue", _failing_for(practices[0], billing.issue))
    with pytest.raises(CommandError, match="workspaces failed and were rolled back"):
        call_command("billing_run", "--at", "2026-12-01", stdout=__import__("io").StringIO())
    assert practices[0].pk not in _invoiced()


def test_batches_issue_exactly_what_one_invoice_per_transaction_issued(practices, monkeypatch):
    """The same invoices, numbers and amounts whatever the batch size: one per transaction (the run
    before batches) and four workspaces per transaction."""
    def issued_with(batch: int) -> list[tuple[int, str, int]]:
        monkeypatch.setattr(billing, "BATCH", batch)
        report = billing.billing_run(at=dt.date(2026, 12, 1))
        assert report.failed_workspaces == []
        rows = list(Invoice.objects.with_scopes_disabled().order_by("number")
                    .values_list("workspace_id", "number", "total_cents"))
        return rows

    from django.db import transaction

    with transaction.atomic():
        one_by_one = issued_with(1)
        transaction.set_rollback(True)
    in_batches = issued_with(4)
    assert in_batches == one_by_one and len(in_batches) >= PRACTICES
    assert billing.billing_run(at=dt.date(2026, 12, 1)).cycle_invoices == []  # idempotent


def test_a_batch_spends_a_credit_balance_once_across_its_invoices_and_writes_their_lines_and_entries(practices):
    """The batch reads the balances once under its locks (`invoicing.IssueBatch`): two invoices of one
    workspace in one batch share its credit — the second gets only what the first left — and every invoice
    of the batch has its lines and its `invoice.issued` entry, written when the batch closes."""
    from praxis.audit.models import AuditEvent
    from praxis.billing.models import BalanceEntry, InvoiceLine
    from praxis.billing.seats import balance_cents

    rich = practices[0]
    credit = 8000  # € 80: more than one month of one pro seat (€ 59, € 71.39 with VAT), less than two
    BalanceEntry.objects.with_scopes_disabled().create(workspace=rich, amount_cents=credit, currency="EUR",
                                                       reason="Goodwill")
    report = billing.billing_run(at=dt.date(2026, 12, 1))
    assert report.failed_workspaces == []

    mine = list(Invoice.objects.with_scopes_disabled().filter(workspace=rich).order_by("number"))
    assert len(mine) == 2
    applied = [invoice.credit_applied_cents for invoice in mine]
    assert 0 < applied[0] < credit and applied[1] == credit - applied[0]  # the rest, not the credit again
    assert balance_cents(workspace=rich) == 0  # spent once, exactly
    every = list(Invoice.objects.with_scopes_disabled().order_by("number"))
    for invoice in every:
        lines = InvoiceLine.objects.filter(invoice=invoice)
        assert lines.exists() and sum(line.amount_cents for line in lines) == invoice.subtotal_cents
    entries = AuditEvent.objects.filter(event_code="invoice.issued")
    assert sorted(e.data["number"] for e in entries) == [invoice.number for invoice in every]
    assert verify_chain() == []
