"""R-BIL-11 / R-BIL-12 under real parallel transactions: ten billing runs at once issue exactly one
invoice per workspace cycle and per workspace-day, with gapless numbers and an intact audit chain.

Threads each get their own database connection (closed at the end of the thread). On PostgreSQL the
sequence row lock serialises issuers; on SQLite (WAL, IMMEDIATE transactions) writers queue. A deadlock
or "database is locked" is a bug and fails the test: errors are collected, not swallowed.
"""

import datetime as dt

import pytest
from django.db.models import Count

from praxis.audit.services import verify_chain
from praxis.billing import services
from praxis.billing.models import BalanceEntry, Invoice, InvoiceSequence
from praxis.billing.run import billing_run
from praxis.core.errors import Conflict
from praxis.testing import PASSWORD
from praxis.testing.concurrency import race
from praxis.testing.team import join
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

NOON = dt.time(11, 0, tzinfo=dt.UTC)
WORKSPACES = 20
RUNS = 10

# A transactional test ends with a flush, which also empties the plan catalogue of the data migration;
# `catalogue.plans()` restores the default catalogue when it finds the table empty.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("unscoped")]


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), NOON)





@pytest.fixture
def busy_month(time_machine):
    """20 team workspaces anchored 2026-11-01: each with a pro from the anchor and an essentials + a pro
    who joined 2026-11-16 (one proration day). A run on 2026-12-01 owes per workspace one cycle invoice
    (2026-12-01) and one proration invoice (2026-11-16)."""
    time_machine.move_to(at("2026-11-01"), tick=False)
    teams = []
    for i in range(WORKSPACES):
        owner = user_sign_up(email=f"owner{i}@race.test", password=PASSWORD)
        workspace = workspace_create(actor=owner, name=f"Practice {i}", tier="team")
        join(owner, workspace, f"anchor{i}@race.test")
        teams.append((owner, workspace))
    time_machine.move_to(at("2026-11-16"), tick=False)
    for i, (owner, workspace) in enumerate(teams):
        join(owner, workspace, f"mid{i}a@race.test", "essentials")
        join(owner, workspace, f"mid{i}b@race.test", "pro")
    time_machine.move_to(at("2026-12-01"), tick=False)
    return teams


def _assert_gapless(expected: int):
    numbers = sorted(Invoice.objects.with_scopes_disabled().values_list("number", flat=True))
    assert numbers == [f"2026-{n:06d}" for n in range(1, expected + 1)], numbers
    assert InvoiceSequence.objects.get(series="praxis", year=2026).last == expected


def test_ten_concurrent_billing_runs_issue_each_invoice_once(busy_month):
    results = race(lambda _i: billing_run(at=dt.date(2026, 12, 1)), RUNS)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == [], errors
    issued = [n for r in results for n in r.cycle_invoices + r.proration_invoices]
    # Per workspace: November's cycle (no run issued it: caught up), December's, and the proration day.
    assert len(issued) == len(set(issued)) == 3 * WORKSPACES  # each invoice reported by one run only

    per_cycle = (Invoice.objects.with_scopes_disabled().filter(kind="cycle").values("workspace_id", "period_start")
                 .annotate(n=Count("pk")))
    assert len(per_cycle) == 2 * WORKSPACES
    assert {(row["period_start"], row["n"]) for row in per_cycle} == {
        (dt.date(2026, 11, 1), 1), (dt.date(2026, 12, 1), 1)}
    per_day = (Invoice.objects.with_scopes_disabled().filter(kind="proration").values("workspace_id", "period_start")
               .annotate(n=Count("pk")))
    assert len(per_day) == WORKSPACES
    assert {(row["period_start"], row["n"]) for row in per_day} == {(dt.date(2026, 11, 16), 1)}

    # Exact amounts survive the race: December 29.00 + 2 × 59.00 = 147.00 (+30.87 VAT = 177.87); the
    # 2026-11-16 proration 14.50 + 29.50 = 44.00 (+9.24 = 53.24).
    assert set(Invoice.objects.with_scopes_disabled().filter(kind="cycle").values_list("subtotal_cents", "vat_cents", "total_cents")) == {
        (5900, 1239, 7139), (14700, 3087, 17787)}
    assert set(Invoice.objects.with_scopes_disabled().filter(kind="proration").values_list("subtotal_cents", "vat_cents",
                                                                   "total_cents")) == {(4400, 924, 5324)}
    _assert_gapless(3 * WORKSPACES)
    assert verify_chain() == []

    # And once more, alone: nothing new.
    again = billing_run(at=dt.date(2026, 12, 1))
    assert (again.cycle_invoices, again.proration_invoices) == ([], [])


def test_concurrent_runs_on_different_days_issue_each_invoice_once(busy_month):
    """Runs for 2026-11-17 (the proration day's invoice) and 2026-12-01 racing: still one of each."""
    days = [dt.date(2026, 11, 17), dt.date(2026, 12, 1)]
    results = race(lambda i: billing_run(at=days[i % 2]), RUNS)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == [], errors
    # 2026-11-17 also owes November's cycle invoice (the anchor seat): 3 invoices per workspace.
    assert Invoice.objects.with_scopes_disabled().filter(kind="cycle", period_start=dt.date(2026, 11, 1)).count() == WORKSPACES
    assert Invoice.objects.with_scopes_disabled().filter(kind="cycle", period_start=dt.date(2026, 12, 1)).count() == WORKSPACES
    assert Invoice.objects.with_scopes_disabled().filter(kind="proration").count() == WORKSPACES
    _assert_gapless(3 * WORKSPACES)
    assert verify_chain() == []


def _credit_race(busy_month):
    billing_run(at=dt.date(2026, 12, 1))
    owner, workspace = busy_month[0]
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="proration")

    def credit(_i):
        return services.invoice_credit(invoice_id=invoice.pk, actor=owner, reason="race").number

    return invoice, race(credit, 6)


def test_concurrent_credit_notes_for_one_invoice_issue_one(busy_month):
    """R-BIL-11: an operator double-clicking "credit": exactly one credit note, numbers stay gapless."""
    invoice, results = _credit_race(busy_month)
    numbers = [r for r in results if isinstance(r, str)]
    assert len(numbers) == 1, results
    assert Invoice.objects.with_scopes_disabled().filter(kind="credit_note", credited_invoice=invoice).count() == 1
    invoice.refresh_from_db()
    assert invoice.status == "void"
    _assert_gapless(3 * WORKSPACES + 1)
    assert verify_chain() == []


def test_concurrent_credit_notes_are_refused_with_a_conflict(busy_month, request):
    """The losers of the race get the service's `not_creditable` Conflict (a 409), not a crash."""
    _invoice, results = _credit_race(busy_month)
    refusals = [r for r in results if not isinstance(r, str)]
    assert len(refusals) == 5, results
    assert all(isinstance(r, Conflict) and r.code == "not_creditable" for r in refusals), refusals


# --- issue 6 point 19: concurrent runs spent one credit several times ---------------------------------------

CREDITED = 30
CREDIT_CENTS = 20000


@pytest.fixture
def credited_practices(time_machine):
    """30 team workspaces anchored 2026-08-01, each paying one `pro` seat (59.00 a month) from the anchor and
    holding a 200.00 credit; no billing run ran since, so on 2026-11-01 four monthly cycles are due."""
    time_machine.move_to(at("2026-08-01"), tick=False)
    workspaces = []
    for i in range(CREDITED):
        owner = user_sign_up(email=f"credit-owner{i}@race.test", password=PASSWORD)
        workspace = workspace_create(actor=owner, name=f"Credited {i}", tier="team")
        join(owner, workspace, f"credit-pro{i}@race.test")
        BalanceEntry.objects.create(workspace=workspace, amount_cents=CREDIT_CENTS, currency="EUR",
                                    reason="Goodwill credit")
        workspaces.append(workspace)
    time_machine.move_to(at("2026-11-01"), tick=False)
    return workspaces


def test_concurrent_billing_runs_spend_each_credit_once(credited_practices):
    """Issue 6 point 19 (R-BIL-6, R-BIL-12): ten runs at once used to apply the same 200.00 several times
    (balances down to −272.00). Now every invoice applies credit from the balance read under the workspace
    row lock: no balance is ever below zero, credit applied + remaining = credit granted, to the cent, and
    the invoices are still exactly one per cycle with gapless numbers."""
    results = race(lambda _i: billing_run(at=dt.date(2026, 11, 1)), RUNS)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == [], errors

    for workspace in credited_practices:
        running, lowest = 0, 0
        for amount in BalanceEntry.objects.filter(workspace=workspace).order_by("pk").values_list(
                "amount_cents", flat=True):
            running += amount
            lowest = min(lowest, running)
        assert lowest == 0, (workspace.name, lowest)
        invoices = Invoice.objects.filter(workspace=workspace, kind="cycle").order_by("period_start")
        applied = sum(invoice.credit_applied_cents for invoice in invoices)
        assert applied + running == CREDIT_CENTS, (workspace.name, applied, running)
        # August, September, October use 59.00 each; November the remaining 23.00 (36.00 + 7.56 VAT left).
        assert [(i.period_start, i.subtotal_cents, i.credit_applied_cents, i.total_cents) for i in invoices] == [
            (dt.date(2026, 8, 1), 5900, 5900, 0), (dt.date(2026, 9, 1), 5900, 5900, 0),
            (dt.date(2026, 10, 1), 5900, 5900, 0), (dt.date(2026, 11, 1), 5900, 2300, 4356)]
    per_cycle = Invoice.objects.values("workspace_id", "period_start").annotate(n=Count("pk"))
    assert len(per_cycle) == 4 * CREDITED and {row["n"] for row in per_cycle} == {1}
    _assert_gapless(4 * CREDITED)
    assert verify_chain() == []
