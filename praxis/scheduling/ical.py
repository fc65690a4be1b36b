"""A practitioner's appointments as an iCalendar feed (RFC 5545, R-SCH-5), which calendar applications
subscribe to by its secret address.

What a feed carries is what a practitioner needs on their phone and no more, because it leaves Praxis
for whatever calendar service they use: the client's first name and the initial of their last name, the
type, the location or video link, and a link back to the appointment in Praxis (which asks for a login).
Never a date of birth, a national identifier or anything clinical. Times are UTC (`…Z`), so every
application shows them in its own zone correctly across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from icalendar import Calendar, Event

from praxis.core import clock

from .models import Appointment

PRODID = "-//Praxis//Appointments//EN"


def summary(appointment: Appointment) -> str:
    client = appointment.client
    initial = f" {client.last_name[:1]}." if client.last_name else ""
    return f"{client.preferred_name or client.first_name}{initial} – {appointment.get_kind_display()}"


def feed(appointments, *, name: str, language: str, base_url: str, url_of) -> bytes:
    """The VCALENDAR of `appointments`; `url_of(appointment)` is the appointment's path in Praxis."""
    stamp = clock.now().astimezone(dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", dt.timedelta(minutes=30), parameters={"VALUE": "DURATION"})
    with translation.override(language):
        for appointment in appointments:
            event = Event()
            event.add("uid", f"appointment-{appointment.pk}@{appointment.workspace_id}.praxis")
            event.add("dtstamp", stamp)
            event.add("dtstart", appointment.start.astimezone(dt.UTC))
            event.add("dtend", appointment.end.astimezone(dt.UTC))
            event.add("last-modified", appointment.updated_at.astimezone(dt.UTC))
            event.add("sequence", appointment.changes_count if hasattr(appointment, "changes_count") else 0)
            event.add("summary", summary(appointment))
            place = appointment.video_link or appointment.location
            if place:
                event.add("location", place)
            event.add("url", base_url + url_of(appointment))
            if appointment.status == Appointment.Status.CANCELLED:
                event.add("status", "CANCELLED")
            else:
                event.add("status", "CONFIRMED")
            if appointment.status in (Appointment.Status.NO_SHOW, Appointment.Status.COMPLETED):
                event.add("description", appointment.get_status_display())
            calendar.add_component(event)
    return calendar.to_ical()
