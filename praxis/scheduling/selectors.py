"""Reading appointments: a practitioner's day or week, the practice's day, a client's upcoming and past
appointments, one appointment with its history — each in a fixed number of queries, whatever the number
of appointments (pinned by tests). Visibility is `policies.visible_appointments`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from praxis.clients.models import Client
from praxis.core import clock
from praxis.workspaces.access import Access
from praxis.workspaces.models import Membership

from . import policies, times
from .models import Appointment, Change


def _with_people(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return appointments.select_related("client", "practitioner__user")


def in_range(access: Access, start: dt.datetime, end: dt.datetime, *, practitioner: Membership | None = None,
             client_id: int | None = None, include_cancelled: bool = True) -> QuerySet[Appointment]:
    """Visible appointments overlapping [start, end), by start."""
    appointments = policies.visible_appointments(access).filter(start__lt=end, end__gt=start)
    if practitioner is not None:
        appointments = appointments.filter(practitioner=practitioner)
    if client_id is not None:
        appointments = appointments.filter(client_id=client_id)
    if not include_cancelled:
        appointments = appointments.exclude(status=Appointment.Status.CANCELLED)
    return _with_people(appointments).order_by("start", "pk")


@dataclass
class Day:
    date: dt.date
    appointments: list[Appointment] = field(default_factory=list)
    is_today: bool = False


def _localise(appointments, tz) -> list[Appointment]:
    rows = list(appointments)
    for a in rows:
        a.local_start, a.local_end = times.local(a.start, tz), times.local(a.end, tz)
    return rows


def days(access: Access, first: dt.date, count: int, *, practitioner: Membership | None) -> list[Day]:
    """`count` local days from `first`, each with its appointments (one query for them all)."""
    tz = times.zone(access.workspace)
    start, _ = times.day_bounds(first, tz)
    _, end = times.day_bounds(first + dt.timedelta(days=count - 1), tz)
    today = times.today(tz)
    result = [Day(date=first + dt.timedelta(days=i), is_today=first + dt.timedelta(days=i) == today)
              for i in range(count)]
    by_date = {d.date: d for d in result}
    for a in _localise(in_range(access, start, end, practitioner=practitioner), tz):
        day = by_date.get(a.local_start.date()) or result[0]  # one that began the evening before: the first day
        day.appointments.append(a)
    return result


@dataclass
class Column:
    practitioner: Membership
    appointments: list[Appointment] = field(default_factory=list)


def practice_day(access: Access, day: dt.date) -> list[Column]:
    """The practice's day: one column per practitioner (by name), each with their appointments."""
    tz = times.zone(access.workspace)
    start, end = times.day_bounds(day, tz)
    columns = {m.pk: Column(practitioner=m) for m in policies.practitioners(access.workspace)}
    for a in _localise(in_range(access, start, end), tz):
        column = columns.get(a.practitioner_id)
        if column is None:  # a former practitioner's appointment still shows, under their name
            column = columns[a.practitioner_id] = Column(practitioner=a.practitioner)
        column.appointments.append(a)
    return list(columns.values())


@dataclass
class ClientAppointments:
    upcoming: list[Appointment]
    past: list[Appointment]


def for_client(access: Access, client: Client, *, past_limit: int = 20) -> ClientAppointments:
    """A client's Overview (R-CLI-3): every upcoming booked appointment, and the latest past ones."""
    tz = times.zone(access.workspace)
    now = clock.now()
    base = _with_people(policies.visible_appointments(access).filter(client=client))
    upcoming = _localise(base.filter(end__gt=now, status=Appointment.Status.BOOKED).order_by("start", "pk")[:100], tz)
    past = _localise(base.exclude(end__gt=now, status=Appointment.Status.BOOKED).order_by("-start", "-pk")[:past_limit], tz)
    return ClientAppointments(upcoming=upcoming, past=past)


def get(access: Access, appointment_id: int) -> Appointment | None:
    appointment = _with_people(policies.visible_appointments(access)).filter(pk=appointment_id).first()
    if appointment is not None:
        tz = times.zone(access.workspace)
        appointment.local_start, appointment.local_end = times.local(appointment.start, tz), times.local(appointment.end, tz)
    return appointment


def history(appointment: Appointment) -> list[Change]:
    tz = times.zone(appointment.workspace)
    changes = list(Change.objects.filter(appointment=appointment).select_related("by", "previous_practitioner__user"))
    for c in changes:
        c.local_at = times.local(c.at, tz)
        c.local_previous_start = times.local(c.previous_start, tz) if c.previous_start else None
        c.local_previous_end = times.local(c.previous_end, tz) if c.previous_end else None
    return changes


def feed_appointments(practitioner: Membership, *, since: dt.datetime) -> QuerySet[Appointment]:
    """What a practitioner's calendar feed lists: their appointments from `since` on, cancelled ones
    included (so a calendar application removes them: STATUS:CANCELLED)."""
    return (Appointment.objects.filter(workspace=practitioner.workspace, practitioner=practitioner, end__gte=since)
            .select_related("client").order_by("start", "pk"))
