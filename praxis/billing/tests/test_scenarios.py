"""Scenario tests of SPEC §4 with the exact euro amounts written out (R-BIL-3 … R-BIL-10)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_scopes import scope

from praxis.billing.models import BalanceEntry, Invoice
from praxis.testing import PASSWORD
from praxis.testing.billing import balance_cents
from praxis.testing.team import join
from praxis.workspaces.access import resolve_access
from praxis.workspaces.services import members_cancel, workspace_create
from praxis.workspaces.signup import user_sign_up

NOON = dt.time(11, 0, tzinfo=dt.UTC)  # 12:00 in Amsterdam in winter


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), NOON)


def euros(cents: int) -> Decimal:
    return Decimal(cents) / 100


@pytest.fixture
def team(db, time_machine):
    """A `team` workspace created 2026-11-01 (anchor), monthly, in the Netherlands (21 % VAT)."""
    time_machine.move_to(at("2026-11-01"), tick=False)
    owner = user_sign_up(email="owner@linde.test", password=PASSWORD, first_name="Eva")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    assert workspace.billing_anchor == dt.date(2026, 11, 1)
    return owner, workspace



def test_r_bil_5_mid_cycle_join_is_prorated_then_consolidated(team, time_machine):
    """Anchor 2026-11-01 monthly; a `pro` joins 2026-11-16 → a separate invoice of 29.50 + 21 % VAT 6.20
    = 35.70; the 2026-12-01 cycle invoice has the seat at 59.00."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "pieter@linde.test")

    call_command("billing_run", at="2026-11-17", force=True)
    proration = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="proration")
    assert (euros(proration.subtotal_cents), euros(proration.vat_cents), euros(proration.total_cents)) == (
        Decimal("29.50"), Decimal("6.20"), Decimal("35.70"))
    [line] = proration.lines.all()
    assert (line.quantity, euros(line.unit_price_cents), line.period_start, line.period_end) == (
        1, Decimal("29.50"), dt.date(2026, 11, 16), dt.date(2026, 12, 1))
    assert "2026-11-16" in line.description and "2026-11-30" in line.description

    call_command("billing_run", at="2026-12-01", force=True)
    cycle = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle")
    [line] = cycle.lines.all()
    assert (line.account_type, line.quantity, euros(line.unit_price_cents)) == ("pro", 1, Decimal("59.00"))
    assert (euros(cycle.subtotal_cents), euros(cycle.vat_cents), euros(cycle.total_cents)) == (
        Decimal("59.00"), Decimal("12.39"), Decimal("71.39"))
    assert (cycle.period_start, cycle.period_end) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))


def test_r_bil_12_running_twice_issues_nothing_new(team, time_machine):
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "pieter@linde.test")
    for _ in range(3):
        call_command("billing_run", at="2026-12-01", force=True)
    assert Invoice.objects.with_scopes_disabled().filter(workspace=workspace, kind="cycle").count() == 1
    assert Invoice.objects.with_scopes_disabled().filter(workspace=workspace, kind="proration").count() == 1
    numbers = sorted(Invoice.objects.with_scopes_disabled().values_list("number", flat=True))
    assert numbers == ["2026-000001", "2026-000002"]


def test_r_bil_5_seats_joining_the_same_day_share_one_proration_invoice(team, time_machine):
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "a@linde.test")
    join(owner, workspace, "b@linde.test")
    join(owner, workspace, "c@linde.test", account_type="essentials")
    call_command("billing_run", at="2026-11-17", force=True)
    [invoice] = Invoice.objects.with_scopes_disabled().filter(workspace=workspace, kind="proration")
    lines = {line.account_type: (line.quantity, euros(line.unit_price_cents)) for line in invoice.lines.all()}
    # essentials 29.00 × 15/30 = 14.50
    assert lines == {"pro": (2, Decimal("29.50")), "essentials": (1, Decimal("14.50"))}
    assert euros(invoice.subtotal_cents) == Decimal("73.50")
    assert euros(invoice.vat_cents) == Decimal("15.44")  # 73.50 × 21 % = 15.435 → 15.44 (half up)
    assert euros(invoice.total_cents) == Decimal("88.94")


def test_r_bil_6_cancelled_seat_becomes_credit_deducted_from_the_next_invoice(team, time_machine):
    """A `pro` on the 2026-12-01 cycle leaves on 2026-12-11: 59.00 × 21/31 = 39.97 credit, deducted from
    the 2027-01-01 invoice of the remaining seat (59.00 − 39.97 = 19.03, VAT 4.00, total 23.03)."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    leaving = join(owner, workspace, "leaving@linde.test")
    join(owner, workspace, "staying@linde.test")
    call_command("billing_run", at="2026-12-01", force=True)

    time_machine.move_to(at("2026-12-11"), tick=False)
    with scope(workspace=workspace):
        members_cancel(access=resolve_access(owner, workspace.slug), membership_ids=[leaving.pk])
    assert balance_cents(workspace=workspace) == 3997

    call_command("billing_run", at="2027-01-01", force=True)
    january = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle", period_start=dt.date(2027, 1, 1))
    assert [(line.quantity, line.unit_price_cents) for line in january.lines.all()] == [(1, 5900)]
    assert (january.subtotal_cents, january.credit_applied_cents, january.vat_cents, january.total_cents) == (
        5900, 3997, 400, 2303)
    assert balance_cents(workspace=workspace) == 0
    assert BalanceEntry.objects.with_scopes_disabled().filter(workspace=workspace, invoice=january).get().amount_cents == -3997
