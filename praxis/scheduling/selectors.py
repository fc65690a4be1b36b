"""Reading appointments: a practitioner's day or week, the practice's day, a client's upcoming and past
appointments, one appointment with its history — each in a fixed number of queries, whatever the number
of appointments (pinned by tests). Visibility is `policies.visible_appointments`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from praxis.clients.models import Client
from praxis.core import clock
from praxis.workspaces.access import Access
from praxis.workspaces.models import Membership

from . import policies, times
from .models import Appointment, Change, overlapping

# What every list shows of the people: their names. Reading only these columns of the client, the
# membership and its user halves the cost of building 200 rows (a practitioner's full week).
_PEOPLE_COLUMNS = ("client__workspace_id", "client__first_name", "client__last_name", "client__preferred_name",
                   "client__status", "practitioner__workspace_id", "practitioner__user_id",
                   "practitioner__first_name", "practitioner__last_name", "practitioner__status",
                   "practitioner__user__first_name", "practitioner__user__last_name", "practitioner__user__email")
_OWN_COLUMNS = tuple(f.name for f in Appointment._meta.concrete_fields)


def _with_people(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return appointments.select_related("client", "practitioner__user").only(*_OWN_COLUMNS, *_PEOPLE_COLUMNS)


def in_range(access: Access, start: dt.datetime, end: dt.datetime, *, practitioner: Membership | None = None,
             client_id: int | None = None, include_cancelled: bool = True) -> QuerySet[Appointment]:
    """Visible appointments overlapping [start, end), by start."""
    appointments = policies.visible_appointments(access).filter(overlapping(start, end))
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


def _localise(appointments, tz, slug: str) -> list[Appointment]:
    """The rows, each with its local times, the labels a list shows and its address, made once per list:
    on a week of 200 appointments a template's `time` filter, `get_…_display` (a translation lookup each)
    and `{% url %}` per row cost more than the rest of the page (`bench_scheduling`)."""
    rows = list(appointments)
    kinds = {value: str(label) for value, label in Appointment.Kind.choices}
    statuses = {value: str(label) for value, label in Appointment.Status.choices}
    prefix = reverse("scheduling:appointment", args=[slug, 0]).removesuffix("0/")
    for a in rows:
        a.local_start, a.local_end = times.local(a.start, tz), times.local(a.end, tz)
        a.time_label = f"{a.local_start:%H:%M}\u2013{a.local_end:%H:%M}"
        a.kind_label, a.status_label = kinds[a.kind], statuses[a.status]
        a.url = f"{prefix}{a.pk}/"
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
    for a in _localise(in_range(access, start, end, practitioner=practitioner), tz, access.workspace.slug):
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
    for a in _localise(in_range(access, start, end), tz, access.workspace.slug):
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
    """A client's Overview (R-CLI-3): the appointments still to come or under way (a cancelled one with its
    badge, so the practice sees it was called off), then the latest past ones — ended, or already marked
    completed or no-show."""
    tz = times.zone(access.workspace)
    now = clock.now()
    base = _with_people(policies.visible_appointments(access).filter(client=client))
    marked = (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW)
    upcoming = _localise(base.filter(end__gt=now).exclude(status__in=marked).order_by("start", "pk")[:100], tz,
                         access.workspace.slug)
    past = _localise(base.filter(Q(end__lte=now) | Q(status__in=marked)).order_by("-start", "-pk")[:past_limit], tz,
                     access.workspace.slug)
    return ClientAppointments(upcoming=upcoming, past=past)


def for_portal(client: Client) -> list[Appointment]:
    """A client's own upcoming booked appointments, as their portal shows them (R-CLI-11): the portal's
    reader is the client (or who acts for them), so it is their record that decides, not a member's view."""
    tz = times.zone(client.workspace)
    rows = _with_people(Appointment.objects.filter(workspace=client.workspace, client=client, end__gt=clock.now(),
                                                   status=Appointment.Status.BOOKED)).order_by("start", "pk")[:50]
    return _localise(rows, tz, client.workspace.slug)


def get(access: Access, appointment_id: int) -> Appointment | None:
    found = _localise(_with_people(policies.visible_appointments(access)).filter(pk=appointment_id)[:1],
                      times.zone(access.workspace), access.workspace.slug)
    return found[0] if found else None


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
            .select_related("client").annotate(changes_count=Count("changes")).order_by("start", "pk"))
