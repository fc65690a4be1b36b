"""Workspace-local times (R-SCH-1): appointments are stored in UTC and entered and shown in the
workspace's time zone. The one place that converts, so a day, a week and a form agree across
daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from praxis.core import clock

# The days a calendar shows and a booking may fall on: far enough either way for any practice, and clear of
# Python's date limits (a week view or a weekly series near year 9999 would overflow).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


def is_calendar_day(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


class NoSuchLocalTime(ValueError):
    """A wall-clock time that does not exist in the zone (the hour skipped when clocks go forward)."""


def zone(workspace) -> ZoneInfo:
    return ZoneInfo(workspace.time_zone or "UTC")


def to_utc(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of a wall-clock time on a day in `tz`. The hour skipped in spring does not exist
    (refused); of the hour that happens twice in autumn, the first is meant (before the change)."""
    local = dt.datetime.combine(day, at).replace(tzinfo=tz, fold=0)
    instant = local.astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NoSuchLocalTime(local.isoformat())
    return instant


def local(instant: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return instant.astimezone(tz)


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants a local day starts and ends (23 or 25 hours on the days clocks change)."""
    start = dt.datetime.combine(day, dt.time.min).replace(tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min).replace(tzinfo=tz).astimezone(dt.UTC)
    return start, end


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week the day is in (ISO weeks, as in every country Praxis serves)."""
    return day - dt.timedelta(days=day.weekday())


def today(tz: ZoneInfo) -> dt.date:
    return clock.now().astimezone(tz).date()


def weekly(day: dt.date, at: dt.time, minutes: int, weeks: int, tz: ZoneInfo) -> list[tuple[dt.datetime, dt.datetime]]:
    """A weekly series at the same wall-clock time: (start, end) in UTC for each week. Across a
    daylight-saving change the local time stays, so the UTC time moves by the hour."""
    series = []
    for week in range(weeks):
        start = to_utc(day + dt.timedelta(weeks=week), at, tz)
        series.append((start, start + dt.timedelta(minutes=minutes)))
    return series
