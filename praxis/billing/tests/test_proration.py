"""Proration (R-BIL-4): `prorate(price, start, end, d)` over real cycles of `praxis.billing.cycles`.

`remaining = (end - d).days`, `length = (end - start).days`,
`amount = round_half_up(price * remaining / length, 2)`. Pure functions: no database.
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from praxis.billing.cycles import ANNUAL, MONTHLY, cycle_start
from praxis.billing.proration import prorate

# Timing is not the property under test, and test machines are busy.
no_deadline = hypothesis_settings(deadline=None)

CENT = Decimal("0.01")

prices = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("10000.00"), places=2,
                     allow_nan=False, allow_infinity=False)

# Anchors anywhere, with the awkward ones (29–31, leap days, year ends) drawn often.
AWKWARD_ANCHORS = [
    dt.date(2027, 1, 31), dt.date(2026, 1, 30), dt.date(2026, 1, 29), dt.date(2028, 2, 29), dt.date(2024, 2, 29),
    dt.date(2026, 8, 31), dt.date(2026, 12, 31), dt.date(2026, 3, 31), dt.date(2026, 11, 1), dt.date(2027, 2, 28),
]
anchors = st.one_of(st.sampled_from(AWKWARD_ANCHORS),
                    st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)))


@st.composite
def cycles(draw):
    """`(start, end)` of a real cycle: a random anchor, interval and cycle index (incl. before the anchor)."""
    anchor = draw(anchors)
    interval = draw(st.sampled_from([MONTHLY, ANNUAL]))
    index = draw(st.integers(min_value=-30, max_value=120) if interval == MONTHLY
                 else st.integers(min_value=-3, max_value=10))
    return cycle_start(anchor, interval, index), cycle_start(anchor, interval, index + 1)


@st.composite
def cycles_with_day(draw):
    """A cycle and a day `d` with `start <= d <= end`."""
    start, end = draw(cycles())
    d = start + dt.timedelta(days=draw(st.integers(min_value=0, max_value=(end - start).days)))
    return start, end, d


def exact_half_up(price: Decimal, start: dt.date, end: dt.date, d: dt.date) -> Decimal:
    """Oracle with exact rational arithmetic: price × remaining / length, halves away from zero."""
    value = Fraction(price) * (end - d).days / (end - start).days
    cents = (value * 100 + Fraction(1, 2)).__floor__()  # value >= 0 here
    return (Decimal(cents) / 100).quantize(CENT)


# --- the spec's example and hand-checked amounts ------------------------------------------------------

def test_spec_example_pro_joining_halfway_through_november():
    """SPEC R-BIL-4: cycle 2026-11-01..2026-12-01, 59.00, join 2026-11-16 → 59.00 × 15/30 = 29.50."""
    assert prorate(Decimal("59.00"), dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2026, 11, 16)) == \
        Decimal("29.50")


@pytest.mark.parametrize(("price", "start", "end", "d", "expected"), [
    # essentials 29.00 × 15/30
    ("29.00", "2026-11-01", "2026-12-01", "2026-11-16", "14.50"),
    # pro 59.00 × 21/31 = 39.967… (test_scenarios' leaver)
    ("59.00", "2026-12-01", "2027-01-01", "2026-12-11", "39.97"),
    # pro 59.00 × 11/30 = 21.633… (pay after trial, trial ends 2026-11-20)
    ("59.00", "2026-11-01", "2026-12-01", "2026-11-20", "21.63"),
    # annual pro 590.00 × 350/365 = 565.753…
    ("590.00", "2026-11-01", "2027-11-01", "2026-11-16", "565.75"),
    # annual over a leap year: 590.00 × 305/366 = 491.666…
    ("590.00", "2027-11-01", "2028-11-01", "2028-01-01", "491.67"),
    # February of a leap year, anchor 31: 2028-01-31..2028-02-29 has 29 days; 59.00 × 1/29 = 2.034…
    ("59.00", "2028-01-31", "2028-02-29", "2028-02-28", "2.03"),
])
def test_hand_checked_amounts(price, start, end, d, expected):
    args = [dt.date.fromisoformat(x) for x in (start, end, d)]
    assert prorate(Decimal(price), *args) == Decimal(expected)


def test_round_half_up_on_exact_halves():
    """0.01 × 1/2 = 0.005 → 0.01 and 0.05 × 15/30 = 0.025 → 0.03 (banker's rounding would give 0.00 and
    0.02)."""
    two_day_cycle = (dt.date(2026, 11, 1), dt.date(2026, 11, 3))
    assert prorate(Decimal("0.01"), *two_day_cycle, dt.date(2026, 11, 2)) == Decimal("0.01")
    november = (dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert prorate(Decimal("0.01"), *november, dt.date(2026, 11, 16)) == Decimal("0.01")
    assert prorate(Decimal("0.05"), *november, dt.date(2026, 11, 16)) == Decimal("0.03")
    # 12.25 × 1/2 = 6.125 → 6.13
    assert prorate(Decimal("12.25"), *two_day_cycle, dt.date(2026, 11, 2)) == Decimal("6.13")


def test_result_has_exactly_two_places():
    amount = prorate(Decimal("59"), dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2026, 11, 16))
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize("d", ["2026-10-31", "2026-12-02", "2025-11-16"])
def test_refuses_a_day_outside_the_cycle(d):
    with pytest.raises(ValueError):
        prorate(Decimal("59.00"), dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date.fromisoformat(d))


def test_refuses_an_empty_or_reversed_cycle():
    day = dt.date(2026, 11, 1)
    with pytest.raises(ValueError):
        prorate(Decimal("59.00"), day, day, day)
    with pytest.raises(ValueError):
        prorate(Decimal("59.00"), dt.date(2026, 12, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 16))


# --- properties over random prices, real cycles and days ----------------------------------------------

@no_deadline
@given(prices, cycles_with_day())
@example(Decimal("0.01"), (dt.date(2026, 11, 1), dt.date(2026, 11, 3), dt.date(2026, 11, 2)))
def test_never_negative_never_above_the_price_and_exactly_the_formula(price, cycle):
    start, end, d = cycle
    amount = prorate(price, start, end, d)
    assert Decimal("0.00") <= amount <= price
    assert amount == exact_half_up(price, start, end, d)
    assert amount.as_tuple().exponent == -2


@no_deadline
@given(prices, cycles())
def test_whole_cycle_at_the_start_and_nothing_at_the_end(price, cycle):
    start, end = cycle
    assert prorate(price, start, end, start) == price
    assert prorate(price, start, end, end) == Decimal("0.00")


@no_deadline
@given(prices, cycles_with_day(), st.integers(min_value=0, max_value=400))
def test_a_later_day_never_costs_more(price, cycle, later):
    start, end, d = cycle
    d2 = min(end, d + dt.timedelta(days=later))
    assert prorate(price, start, end, d2) <= prorate(price, start, end, d)


@no_deadline
@given(prices, cycles_with_day())
def test_adjacent_parts_add_up_to_the_whole(price, cycle):
    """Split a cycle at any day `m`. Charging the first part as price − prorate(m) (what is left after the
    credit given back at `m`) and the second as prorate(m) adds up to the price; rounding each part's
    exact share independently (ROUND_HALF_UP) stays within one cent of the price."""
    start, end, m = cycle
    second = prorate(price, start, end, m)
    first = price - second
    assert first >= 0
    assert abs(first + second - price) <= CENT
    length = (end - start).days
    first_alone = _share(price, (m - start).days, length)
    assert first_alone == exact_share(price, (m - start).days, length)
    assert abs(first_alone + second - price) <= CENT


def exact_share(price: Decimal, days: int, length: int) -> Decimal:
    value = Fraction(price) * days / length
    return (Decimal((value * 100 + Fraction(1, 2)).__floor__()) / 100).quantize(CENT)


def _share(price: Decimal, days: int, length: int) -> Decimal:
    """`days` out of `length`, through prorate itself (a cycle of `length` days, `days` remaining)."""
    start = dt.date(2000, 1, 1)
    return prorate(price, start, start + dt.timedelta(days=length), start + dt.timedelta(days=length - days))


@no_deadline
@given(prices, cycles_with_day(), st.sampled_from(["0.50", "1.00", "2.00"]))
def test_proportional_in_the_price_up_to_rounding(price, cycle, factor):
    """Twice the price prorates to twice the amount, within rounding (a cent per doubling)."""
    start, end, d = cycle
    scaled = prorate(price * Decimal(factor), start, end, d)
    assert abs(scaled - prorate(price, start, end, d) * Decimal(factor)) <= CENT
