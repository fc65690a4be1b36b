"""Money and VAT (R-BIL-1): Decimal with 2 places and a currency, never float; ROUND_HALF_UP to the cent;
VAT once per invoice on its subtotal, at the workspace country's rate."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from praxis.billing.invoicing import Draft, DraftLine, draft_cycle_invoice, issue
from praxis.billing.models import Invoice
from praxis.billing.vat import vat_amount, vat_rate
from praxis.core.money import Money, from_cents, round_cents, to_cents

# Timing is not the property under test, and test machines are busy.
no_deadline = hypothesis_settings(deadline=None)

pytestmark = pytest.mark.usefixtures("unscoped")


# --- Money -----------------------------------------------------------------------------------------

def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(2.675)
    with pytest.raises(TypeError):
        Money(0.1, "EUR")

def test_money_takes_decimals_ints_and_strings():
    assert Money(Decimal("59")).amount == Decimal("59.00")
    assert Money(59).amount == Decimal("59.00")
    assert Money("29.5").amount == Decimal("29.50")
    assert Money(Decimal("1")).amount.as_tuple().exponent == -2


@pytest.mark.parametrize(("raw", "rounded"), [
    ("2.675", "2.68"),     # float 2.675 is 2.67499…; Decimal is exact and rounds half up
    ("-2.675", "-2.68"),   # halves away from zero
    ("2.665", "2.67"),     # banker's rounding would give 2.66
    ("0.005", "0.01"),
    ("-0.005", "-0.01"),
    ("2.674999", "2.67"),
    ("0.004", "0.00"),
])
def test_round_half_up_at_cents(raw, rounded):
    assert Money(Decimal(raw)).amount == Decimal(rounded)
    assert round_cents(Decimal(raw)) == Decimal(rounded)


@no_deadline
@given(st.integers(min_value=-10**12, max_value=10**12))
def test_cents_round_trip(cents):
    money = Money.from_cents(cents, "EUR")
    assert money.cents == cents
    assert to_cents(from_cents(cents)) == cents
    assert money.amount.as_tuple().exponent == -2


def test_arithmetic_keeps_the_currency_and_refuses_a_mismatch():
    assert Money(Decimal("29.50")) + Money(Decimal("6.20")) == Money(Decimal("35.70"))
    assert Money(Decimal("59.00")) - Money(Decimal("39.97")) == Money(Decimal("19.03"))
    assert -Money(Decimal("1.50"), "USD") == Money(Decimal("-1.50"), "USD")
    assert str(Money(Decimal("35.7"))) == "EUR 35.70"
    with pytest.raises(ValueError):
        Money(Decimal("1.00"), "EUR") + Money(Decimal("1.00"), "USD")
    with pytest.raises(ValueError):
        Money(Decimal("1.00"), "EUR") - Money(Decimal("1.00"), "GBP")


@no_deadline
@given(st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=4,
                   allow_nan=False, allow_infinity=False))
def test_rounding_is_symmetric_around_zero(value):
    assert round_cents(-value) == -round_cents(value)


# --- VAT rates -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("country", "rate"), [("NL", "21"), ("BE", "21"), ("FR", "20"), ("DE", "19"),
                                              ("nl", "21"), ("de", "19")])
def test_vat_rates_of_the_spec(country, rate):
    assert vat_rate(country) == Decimal(rate)


def test_other_countries_use_the_configurable_default(settings):
    settings.PRAXIS_VAT_DEFAULT_RATE = "18.50"
    assert vat_rate("US") == Decimal("18.50")
    assert vat_rate("") == Decimal("18.50")
    assert vat_rate("NL") == Decimal("21")  # listed countries are unaffected
    settings.PRAXIS_VAT_RATES = {**settings.PRAXIS_VAT_RATES, "IT": "22.00"}
    assert vat_rate("IT") == Decimal("22.00")


def test_vat_amount_rounds_half_up():
    assert vat_amount(Decimal("73.50"), Decimal("21")) == Decimal("15.44")  # 15.435
    assert vat_amount(Decimal("29.50"), Decimal("21")) == Decimal("6.20")   # 6.195
    assert vat_amount(Decimal("-29.50"), Decimal("21")) == Decimal("-6.20")
    assert vat_amount(Decimal("0.00"), Decimal("19")) == Decimal("0.00")


# --- VAT once per invoice --------------------------------------------------------------------------

@pytest.fixture
def workspace(db, make_user):
    from praxis.workspaces.services import workspace_create

    return workspace_create(actor=make_user(), name="Praktijk VAT", tier="team")


def _line(amount: str, account_type: str) -> DraftLine:
    return DraftLine(description=f"{account_type} {amount}", account_type=account_type, quantity=1,
                     unit_price=Decimal(amount), period_start=dt.date(2026, 11, 16),
                     period_end=dt.date(2026, 12, 1))


def test_vat_is_computed_once_on_the_subtotal_not_per_line(workspace):
    """Lines 29.50, 14.50 and 0.50 at 21 %: per line 6.195→6.20, 3.045→3.05, 0.105→0.11 = 9.36; on the
    subtotal 44.50 × 21 % = 9.345 → 9.35. The invoice says 9.35."""
    draft = Draft(kind=Invoice.Kind.PRORATION, period_start=dt.date(2026, 11, 16), period_end=dt.date(2026, 12, 1),
                  currency="EUR", vat_rate=vat_rate("NL"),
                  lines=[_line("29.50", "pro"), _line("14.50", "essentials"), _line("0.50", "pro")])
    per_line = sum(vat_amount(line.amount, draft.vat_rate) for line in draft.lines)
    assert per_line == Decimal("9.36")
    assert (draft.subtotal, draft.vat, draft.total) == (Decimal("44.50"), Decimal("9.35"), Decimal("53.85"))

    invoice = issue(workspace=workspace, draft=draft)
    invoice.refresh_from_db()
    assert (invoice.subtotal_cents, invoice.vat_cents, invoice.total_cents) == (4450, 935, 5385)
    assert invoice.vat_rate == Decimal("21.00")
    assert sorted(line.amount_cents for line in invoice.lines.all()) == [50, 1450, 2950]


def test_vat_is_taken_from_the_workspace_country(workspace):
    from praxis.workspaces.models import Workspace

    for country, rate, vat in [("FR", "20", "11.80"), ("DE", "19", "11.21"), ("BE", "21", "12.39")]:
        Workspace.objects.filter(pk=workspace.pk).update(country=country)
        workspace.refresh_from_db()
        draft = draft_cycle_invoice(workspace=workspace, cycle_start=workspace.billing_anchor, seats={"pro": 1}, balance=0)
        assert (draft.vat_rate, draft.subtotal, draft.vat) == (Decimal(rate), Decimal("59.00"), Decimal(vat))
