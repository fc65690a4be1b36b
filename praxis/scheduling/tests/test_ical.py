"""A practitioner's calendar feed (R-SCH-5): `GET /calendar/<secret>.ics`, no login. Valid iCalendar
with UTC times equal to the stored ones, cancelled appointments marked CANCELLED, no more of the client
than a first name and an initial (nothing that identifies them further leaves Praxis), only this
practitioner's appointments, every read audited (R-AUD-1), a revoked or unknown secret a plain 404."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from icalendar import Calendar

from praxis.audit.models import AuditEvent
from praxis.scheduling import services
from praxis.scheduling.models import Appointment, CalendarFeed

from .factories import MONDAY, NOW, book_one, client_for, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def feed_secret(team, role: str = "clinician") -> str:
    with scope(workspace=team.workspace):
        return services.feed_create(access=team.access(role))


def fetch(secret: str):
    return Client().get(reverse("scheduling_feed:ics", args=[secret]))


def events_of(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    return list(calendar.walk("VEVENT"))


def test_the_feed_lists_the_practitioners_appointments_in_utc(team):
    anna = client_for(team, first_name="Anna", last_name="Jansen", date_of_birth=dt.date(1984, 3, 7))
    bram = client_for(team, first_name="Bram", last_name="Visser")
    first = book_one(team, anna, start=local(MONDAY, 10), minutes=50, location="Kamer 2")
    # across the DST change: 09:00 UTC, not 08:00
    second = book_one(team, bram, start=local(MONDAY + dt.timedelta(weeks=3), 10), minutes=45)
    cancelled = book_one(team, bram, start=local(MONDAY, 14))
    with scope(workspace=team.workspace):
        services.cancel(access=team.access("owner"), appointment_id=cancelled.pk, reason="Ill")
    others = book_one(team, anna, start=local(MONDAY, 10), practitioner="admin")  # another practitioner's
    events = events_of(fetch(feed_secret(team)))
    with scopes_disabled():
        stored = {a.pk: a for a in Appointment.objects.filter(pk__in=[first.pk, second.pk, cancelled.pk])}
    assert len(events) == 3
    by_uid = {}
    for event in events:
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS"):
            assert prop in event, prop
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.utcoffset() == dt.timedelta(0) and end.utcoffset() == dt.timedelta(0)
        assert event["DTSTART"].to_ical().endswith(b"Z") and event["DTEND"].to_ical().endswith(b"Z")
        assert event.decoded("DTSTAMP") == NOW
        by_uid[str(event["UID"])] = event
    assert len(by_uid) == 3  # UIDs are unique
    for pk, appointment in stored.items():
        [event] = [e for uid, e in by_uid.items() if uid.startswith(f"appointment-{pk}@")]
        assert event.decoded("DTSTART") == appointment.start
        assert event.decoded("DTEND") == appointment.end
        assert str(event["STATUS"]) == ("CANCELLED" if pk == cancelled.pk else "CONFIRMED")
    assert stored[second.pk].start == dt.datetime(2026, 10, 26, 9, 0, tzinfo=dt.UTC)
    assert not any(uid.startswith(f"appointment-{others.pk}@") for uid in by_uid)


def test_the_summary_has_first_name_and_initial_only(team):
    anna = client_for(team, first_name="Annabel", last_name="Vanderbroek", date_of_birth=dt.date(1984, 3, 7))
    book_one(team, anna, start=local(MONDAY, 10), location="Kamer 2")
    response = fetch(feed_secret(team))
    [event] = events_of(response)
    summary = str(event["SUMMARY"])
    assert summary.startswith("Annabel V.")
    body = response.content.decode()
    assert "Vanderbroek" not in body
    assert "1984" not in body and "19840307" not in body and "07-03-1984" not in body
    assert str(event["LOCATION"]) == "Kamer 2"


def test_each_read_is_audited_and_stamped(team):
    book_one(team, client_for(team), start=local(MONDAY, 10))
    secret = feed_secret(team)
    assert fetch(secret).status_code == 200
    assert fetch(secret).status_code == 200
    reads = AuditEvent.objects.filter(event_code="calendar_feed.read").order_by("pk")
    assert reads.count() == 2
    assert all(e.event_code == "calendar_feed.read" and e.user == team.clinician and e.workspace == team.workspace
               for e in reads)
    assert reads.last().data == {"appointments": 1}
    with scopes_disabled():
        assert CalendarFeed.objects.get(revoked_at__isnull=True).last_read_at == NOW


def test_revoked_replaced_and_unknown_secrets_are_404(team):
    book_one(team, client_for(team), start=local(MONDAY, 10))
    old = feed_secret(team)
    new = feed_secret(team)  # replacing revokes the old address
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200
    with scope(workspace=team.workspace):
        services.feed_revoke(access=team.access("clinician"))
    assert fetch(new).status_code == 404
    assert fetch("not-a-secret").status_code == 404
    assert AuditEvent.objects.filter(event_code="calendar_feed.read").count() == 1


def test_each_practitioner_sees_only_their_own(team):
    anna = client_for(team, first_name="Anna")
    mine = book_one(team, anna, start=local(MONDAY, 10), practitioner="clinician")
    theirs = book_one(team, anna, start=local(MONDAY, 12), practitioner="owner")
    clinician_uids = {str(e["UID"]) for e in events_of(fetch(feed_secret(team, "clinician")))}
    owner_uids = {str(e["UID"]) for e in events_of(fetch(feed_secret(team, "owner")))}
    assert clinician_uids == {f"appointment-{mine.pk}@{team.workspace.pk}.praxis"}
    assert owner_uids == {f"appointment-{theirs.pk}@{team.workspace.pk}.praxis"}


def test_a_rescheduled_appointment_has_a_higher_sequence(team):
    """A calendar application takes a moved event as an update only when its SEQUENCE went up."""
    appointment = book_one(team, client_for(team), start=local(MONDAY, 10))
    secret = feed_secret(team)
    [before] = events_of(fetch(secret))
    with scope(workspace=team.workspace):
        services.reschedule(access=team.access("owner"), appointment_id=appointment.pk, start=local(MONDAY, 12),
                            end=local(MONDAY, 12, 50))
    [after] = events_of(fetch(secret))
    assert after.decoded("DTSTART") == local(MONDAY, 12)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    with scope(workspace=team.workspace):
        services.cancel(access=team.access("owner"), appointment_id=appointment.pk)
    [cancelled] = events_of(fetch(secret))
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) > int(after["SEQUENCE"])


def test_the_feed_ends_when_its_owner_is_no_longer_a_practitioner(team):
    """R-ROLE-6: a role change takes effect at once — a member made `staff` holds no appointments, and the
    address they made stops listing client names."""
    from praxis.workspaces.models import Membership

    book_one(team, client_for(team), start=local(MONDAY, 10))
    secret = feed_secret(team)
    assert fetch(secret).status_code == 200
    with scope(workspace=team.workspace):
        Membership.objects.filter(pk=team.members["clinician"].pk).update(role="staff")
    assert fetch(secret).status_code == 404
