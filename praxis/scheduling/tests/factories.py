"""Appointments for tests, made through `services.book` (so the history, the audit and the clash check
are real), and the workspace-local times they are written in (Europe/Amsterdam, the default zone)."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from django_scopes import scope

from praxis.clients.tests.factories import client_make
from praxis.scheduling import services, times

AMS = ZoneInfo("Europe/Amsterdam")
# "Now" of the tests: Monday 5 October 2026, 08:00 in Amsterdam (CEST, UTC+2).
NOW = dt.datetime(2026, 10, 5, 6, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 10, 5)

_names = itertools.count(1)


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """The UTC instant of a wall-clock time in Amsterdam."""
    return times.to_utc(day, dt.time(hh, mm), AMS)


def client_for(team, *, role: str = "owner", first_name: str = "", last_name: str = "Jansen", **values):
    with scope(workspace=team.workspace):
        return client_make(team.access(role), first_name=first_name or f"Anna{next(_names)}", last_name=last_name,
                           **values)


def book(team, client, *, start: dt.datetime, minutes: int = 50, practitioner: str = "clinician",
         role: str = "owner", weeks: int = 1, **options):
    """Book `client` with `team.members[practitioner]` at `start`; returns the list `services.book` does."""
    with scope(workspace=team.workspace):
        return services.book(access=team.access(role), client_id=client.pk,
                             practitioner_id=team.members[practitioner].pk, start=start,
                             end=start + dt.timedelta(minutes=minutes), weeks=weeks, **options)


def book_one(team, client, **kwargs):
    [appointment] = book(team, client, **kwargs)
    return appointment
