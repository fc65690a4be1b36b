"""Billing cycles (R-BIL-2): pure date arithmetic, no database.

A workspace has one anchor date and one interval. Monthly cycles start on the anchor's day of month,
clamped to the month's last day (anchor 31 January → 28/29 February, 31 March); annual cycles start on
the anchor's date (29 February → 28 February in other years).
"""

import calendar
import datetime as dt

MONTHLY = "monthly"
ANNUAL = "annual"


def _clamped(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def cycle_start(anchor: dt.date, interval: str, index: int) -> dt.date:
    """The start of cycle number `index` (0 = the cycle that starts on the anchor; negative before it)."""
    if interval == ANNUAL:
        return _clamped(anchor.year + index, anchor.month, anchor.day)
    months = anchor.month - 1 + index
    return _clamped(anchor.year + months // 12, months % 12 + 1, anchor.day)


def cycle_containing(anchor: dt.date, interval: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """`[start, end)` of the cycle that contains `day`."""
    if interval == ANNUAL:
        index = day.year - anchor.year
    else:
        index = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    # The estimate is off by at most one cycle (the day may fall before this month's clamped start).
    while cycle_start(anchor, interval, index) > day:
        index -= 1
    while cycle_start(anchor, interval, index + 1) <= day:
        index += 1
    return cycle_start(anchor, interval, index), cycle_start(anchor, interval, index + 1)


def next_cycle_start(anchor: dt.date, interval: str, day: dt.date) -> dt.date:
    return cycle_containing(anchor, interval, day)[1]
