"""Billing cycles (R-BIL-2): monthly on the anchor's day of month (clamped to the month's last day),
annual on the anchor's date (29 February → 28 February in other years). Pure date arithmetic."""

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from praxis.billing.cycles import ANNUAL, MONTHLY, cycle_containing, cycle_start, next_cycle_start

# Timing is not the property under test, and test machines are busy.
no_deadline = hypothesis_settings(deadline=None)


def d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


# --- monthly ---------------------------------------------------------------------------------------

def test_monthly_anchor_31_january_clamps_to_the_end_of_february_and_returns_to_31_march():
    anchor = d("2027-01-31")
    starts = [cycle_start(anchor, MONTHLY, i) for i in range(15)]
    assert starts == [d(x) for x in (
        "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30", "2027-07-31",
        "2027-08-31", "2027-09-30", "2027-10-31", "2027-11-30", "2027-12-31", "2028-01-31",
        "2028-02-29",  # leap year
        "2028-03-31")]


def test_monthly_anchor_31_january_cycles_containing_february_days():
    anchor = d("2027-01-31")
    assert cycle_containing(anchor, MONTHLY, d("2027-02-27")) == (d("2027-01-31"), d("2027-02-28"))
    assert cycle_containing(anchor, MONTHLY, d("2027-02-28")) == (d("2027-02-28"), d("2027-03-31"))
    assert cycle_containing(anchor, MONTHLY, d("2027-03-30")) == (d("2027-02-28"), d("2027-03-31"))
    assert cycle_containing(anchor, MONTHLY, d("2028-02-28")) == (d("2028-01-31"), d("2028-02-29"))
    assert cycle_containing(anchor, MONTHLY, d("2028-02-29")) == (d("2028-02-29"), d("2028-03-31"))
    # February 2027 is a 28-day cycle, March 2027 one of 31 days.
    start, end = cycle_containing(anchor, MONTHLY, d("2027-02-01"))
    assert (end - start).days == 28


def test_monthly_anchor_30th():
    anchor = d("2026-11-30")
    assert [cycle_start(anchor, MONTHLY, i) for i in range(5)] == [
        d("2026-11-30"), d("2026-12-30"), d("2027-01-30"), d("2027-02-28"), d("2027-03-30")]
    assert cycle_start(anchor, MONTHLY, 15) == d("2028-02-29")
    assert cycle_containing(anchor, MONTHLY, d("2027-03-01")) == (d("2027-02-28"), d("2027-03-30"))
    assert cycle_containing(anchor, MONTHLY, d("2027-03-30")) == (d("2027-03-30"), d("2027-04-30"))


def test_monthly_anchor_on_the_first_is_calendar_months():
    anchor = d("2026-11-01")
    assert cycle_containing(anchor, MONTHLY, d("2026-11-16")) == (d("2026-11-01"), d("2026-12-01"))
    assert cycle_containing(anchor, MONTHLY, d("2026-12-31")) == (d("2026-12-01"), d("2027-01-01"))
    assert next_cycle_start(anchor, MONTHLY, d("2026-11-01")) == d("2026-12-01")
    assert next_cycle_start(anchor, MONTHLY, d("2026-11-30")) == d("2026-12-01")
    assert next_cycle_start(anchor, MONTHLY, d("2026-12-01")) == d("2027-01-01")


def test_days_before_the_anchor_belong_to_earlier_cycles():
    anchor = d("2027-01-31")
    assert cycle_start(anchor, MONTHLY, -1) == d("2026-12-31")
    assert cycle_start(anchor, MONTHLY, -2) == d("2026-11-30")
    assert cycle_containing(anchor, MONTHLY, d("2027-01-30")) == (d("2026-12-31"), d("2027-01-31"))


# --- annual ----------------------------------------------------------------------------------------

def test_annual_anchor_29_february():
    anchor = d("2028-02-29")
    assert [cycle_start(anchor, ANNUAL, i) for i in range(5)] == [
        d("2028-02-29"), d("2029-02-28"), d("2030-02-28"), d("2031-02-28"), d("2032-02-29")]
    assert cycle_containing(anchor, ANNUAL, d("2029-02-27")) == (d("2028-02-29"), d("2029-02-28"))
    assert cycle_containing(anchor, ANNUAL, d("2029-02-28")) == (d("2029-02-28"), d("2030-02-28"))
    assert cycle_containing(anchor, ANNUAL, d("2029-03-01")) == (d("2029-02-28"), d("2030-02-28"))
    assert next_cycle_start(anchor, ANNUAL, d("2031-12-31")) == d("2032-02-29")
    # 2028-02-29 .. 2029-02-28 has 365 days; 2031-02-28 .. 2032-02-29 has 366.
    assert (d("2029-02-28") - d("2028-02-29")).days == 365
    start, end = cycle_containing(anchor, ANNUAL, d("2031-06-01"))
    assert (end - start).days == 366


def test_annual_anchor_in_november_has_365_or_366_days():
    anchor = d("2026-11-01")
    assert cycle_containing(anchor, ANNUAL, d("2026-11-16")) == (d("2026-11-01"), d("2027-11-01"))
    assert cycle_containing(anchor, ANNUAL, d("2028-01-01")) == (d("2027-11-01"), d("2028-11-01"))
    assert (d("2027-11-01") - d("2026-11-01")).days == 365
    assert (d("2028-11-01") - d("2027-11-01")).days == 366


# --- properties ------------------------------------------------------------------------------------

AWKWARD = [d("2027-01-31"), d("2026-01-30"), d("2026-01-29"), d("2028-02-29"), d("2026-08-31"),
           d("2026-12-31"), d("2026-11-01"), d("2027-02-28"), d("2032-02-29")]
anchors = st.one_of(st.sampled_from(AWKWARD), st.dates(min_value=d("2024-01-01"), max_value=d("2034-12-31")))
days = st.dates(min_value=d("2026-01-01"), max_value=d("2032-12-31"))
intervals = st.sampled_from([MONTHLY, ANNUAL])


@no_deadline
@given(anchors, intervals, days)
def test_the_cycle_containing_a_day_contains_it(anchor, interval, day):
    start, end = cycle_containing(anchor, interval, day)
    assert start <= day < end
    assert next_cycle_start(anchor, interval, day) == end


@no_deadline
@given(anchors, intervals, days)
def test_consecutive_cycles_tile_the_calendar(anchor, interval, day):
    """No gap and no overlap: the cycle after ends where the next begins, the one before ends at start."""
    start, end = cycle_containing(anchor, interval, day)
    assert cycle_containing(anchor, interval, end)[0] == end
    assert cycle_containing(anchor, interval, start - dt.timedelta(days=1))[1] == start
    assert cycle_containing(anchor, interval, start) == (start, end)
    assert cycle_containing(anchor, interval, end - dt.timedelta(days=1)) == (start, end)


@no_deadline
@given(anchors, intervals, days)
def test_cycle_starts_follow_the_anchor(anchor, interval, day):
    start, end = cycle_containing(anchor, interval, day)
    for s in (start, end):
        last = calendar.monthrange(s.year, s.month)[1]
        assert s.day == min(anchor.day, last)
        if interval == ANNUAL:
            assert s.month == anchor.month
    if interval == MONTHLY:
        # the exact length: the rest of the start's month plus the end's day in the next one
        assert (end - start).days == calendar.monthrange(start.year, start.month)[1] - start.day + end.day
        assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1
    else:
        assert (end - start).days in (365, 366)
        assert end.year - start.year == 1


@no_deadline
@given(anchors, intervals)
def test_cycle_zero_starts_on_the_anchor(anchor, interval):
    assert cycle_start(anchor, interval, 0) == anchor
    assert cycle_containing(anchor, interval, anchor)[0] == anchor


def test_walking_cycles_covers_every_day_exactly_once():
    """Exhaustive for a few awkward anchors: walking from cycle to cycle over 2026–2032 hits every day."""
    for anchor in AWKWARD:
        for interval in (MONTHLY, ANNUAL):
            day, covered = d("2026-01-01"), 0
            start, end = cycle_containing(anchor, interval, day)
            covered += (end - day).days
            while end <= d("2032-12-31"):
                start, end = cycle_containing(anchor, interval, end)
                covered += (end - start).days
            assert covered == (end - d("2026-01-01")).days


@pytest.mark.parametrize("interval", [MONTHLY, ANNUAL])
def test_every_day_of_2026_to_2032_maps_to_a_cycle_through_the_anchor_day(interval):
    anchor = d("2027-01-31")
    day = d("2026-01-01")
    previous = None
    while day <= d("2032-12-31"):
        start, end = cycle_containing(anchor, interval, day)
        assert start <= day < end
        if previous is not None and previous != (start, end):
            assert previous[1] == start  # the next cycle starts where the last ended
        previous = (start, end)
        day += dt.timedelta(days=1)
