"""The scheduling pages through the HTML (R-SCH-1 … R-SCH-3, R-CLI-3): the calendar week and day, the
practice's day, one appointment, booking, rescheduling, cancelling and marking, the client's Overview
tab, who may open what, and the query counts of the lists (constant whatever the number of
appointments)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from praxis.scheduling.models import Appointment, Change
from praxis.testing.team import build_team

from .factories import MONDAY, NOW, book_one, client_for, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def browser(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def text_of(response) -> str:
    html = response.content.decode()
    main = html[html.find("<main"):] if "<main" in html else html
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def ws(team, path: str) -> str:
    return f"/w/{team.workspace.slug}/{path}"


def reloaded(appointment) -> Appointment:
    with scopes_disabled():
        return Appointment.objects.get(pk=appointment.pk)


def booking_data(team, *, date: str = "2026-10-06", start_time: str = "10:00", **extra) -> dict:
    return {"practitioner": team.members["clinician"].pk, "date": date, "start_time": start_time,
            "duration": "50", "kind": "in_person", "location": "Kamer 2", "video_link": "", "weeks": "1", **extra}


# --- the calendar pages ---------------------------------------------------------------------------------------

def test_calendar_week_and_day_show_the_practitioners_appointments_in_local_time(team):
    anna = client_for(team, first_name="Anna", last_name="Jansen")
    bram = client_for(team, first_name="Bram", last_name="Visser")
    book_one(team, anna, start=local(MONDAY, 10), minutes=50)
    book_one(team, bram, start=local(MONDAY + dt.timedelta(days=2), 15), minutes=30)
    book_one(team, bram, start=local(MONDAY, 11), practitioner="admin")  # not Clara's
    page = browser(team.clinician).get(ws(team, "calendar/?date=2026-10-07"))
    assert page.status_code == 200
    text = text_of(page)
    assert "10:00–10:50" in text and "Anna Jansen" in text  # 08:00 UTC shown as 10:00 Amsterdam
    assert "15:00–15:30" in text and "Bram Visser" in text
    assert "11:00" not in text
    day = text_of(browser(team.clinician).get(ws(team, "calendar/?view=day&date=2026-10-05")))
    assert "10:00–10:50" in day and "Anna Jansen" in day and "Bram Visser" not in day
    # another practitioner's week, chosen
    admin_week = text_of(browser(team.clinician).get(
        ws(team, f"calendar/?date=2026-10-05&practitioner={team.members['admin'].pk}")))
    assert "11:00–11:50" in admin_week and "Anna Jansen" not in admin_week


def test_practice_day_shows_every_practitioner(team):
    anna = client_for(team, first_name="Anna", last_name="Jansen")
    bram = client_for(team, first_name="Bram", last_name="Visser")
    book_one(team, anna, start=local(MONDAY, 10), practitioner="clinician")
    book_one(team, bram, start=local(MONDAY, 10), practitioner="admin")
    book_one(team, bram, start=local(MONDAY + dt.timedelta(days=1), 10), practitioner="owner")  # another day
    page = browser(team.staff).get(ws(team, "calendar/practice/?date=2026-10-05"))
    assert page.status_code == 200
    text = text_of(page)
    for name in ("Clara Clinician", "Adam Admin", "Olivia Owner", "Anna Jansen", "Bram Visser"):
        assert name in text, name
    assert text.count("10:00–10:50") == 2
    assert "Asha Assistant" not in text and "Stan Staff" not in text  # not practitioners


def test_appointment_page_shows_its_history(team):
    anna = client_for(team, first_name="Anna", last_name="Jansen")
    appointment = book_one(team, anna, start=local(MONDAY, 10), location="Kamer 2")
    page = browser(team.owner).get(ws(team, f"appointments/{appointment.pk}/"))
    assert page.status_code == 200
    text = text_of(page)
    assert "Anna Jansen" in text and "Clara Clinician" in text and "Kamer 2" in text and "10:00" in text
    assert "Booked" in text
    assert "Reschedule" in text


# --- booking, rescheduling, cancelling, marking -------------------------------------------------------------

def test_booking_flow_books_and_redirects(team):
    anna = client_for(team, first_name="Anna", last_name="Jansen")
    owner = browser(team.owner)
    address = ws(team, f"appointments/new/?client={anna.pk}")
    form = owner.get(address)
    assert form.status_code == 200 and "Anna Jansen" in text_of(form)
    response = owner.post(address, booking_data(team))
    with scopes_disabled():
        [appointment] = Appointment.objects.all()
    assert response.status_code == 302
    assert response["Location"] == ws(team, f"appointments/{appointment.pk}/")
    assert (appointment.client_id, appointment.practitioner_id, appointment.start, appointment.location) == (
        anna.pk, team.members["clinician"].pk, local(dt.date(2026, 10, 6), 10), "Kamer 2")
    assert appointment.end - appointment.start == dt.timedelta(minutes=50)
    landed = owner.get(response["Location"])
    assert "Appointment booked" in landed.content.decode()


def test_choosing_the_client_first(team):
    client_for(team, first_name="Zoë", last_name="Findme")
    page = browser(team.owner).get(ws(team, "appointments/new/?q=Findme"))
    assert page.status_code == 200 and "Findme" in text_of(page)


def test_a_clash_shows_on_the_form_and_books_nothing(team):
    anna = client_for(team, first_name="Anna", last_name="Jansen")
    bram = client_for(team, first_name="Bram", last_name="Visser")
    book_one(team, anna, start=local(dt.date(2026, 10, 6), 10))
    response = browser(team.owner).post(ws(team, f"appointments/new/?client={bram.pk}"),
                                        booking_data(team, start_time="10:30"))
    assert response.status_code == 200
    text = text_of(response)
    assert "already has an appointment then" in text and "Anna Jansen" in text and "10:00" in text
    with scopes_disabled():
        assert Appointment.objects.count() == 1
        assert not Appointment.objects.filter(client=bram).exists()


def test_a_nonexistent_time_shows_on_the_form(team):
    anna = client_for(team)
    response = browser(team.owner).post(ws(team, f"appointments/new/?client={anna.pk}"),
                                        booking_data(team, date="2027-03-28", start_time="02:30"))
    assert response.status_code == 200
    assert "This time does not exist on that day" in text_of(response)
    with scopes_disabled():
        assert not Appointment.objects.exists()


def test_reschedule_post_moves_and_keeps_history(team):
    anna = client_for(team)
    appointment = book_one(team, anna, start=local(MONDAY, 10))
    owner = browser(team.owner)
    address = ws(team, f"appointments/{appointment.pk}/reschedule/")
    assert owner.get(address).status_code == 200
    response = owner.post(address, {"practitioner": team.members["clinician"].pk, "date": "2026-10-08",
                                    "start_time": "16:00", "duration": "50", "reason": "Asked"})
    assert response.status_code == 302 and response["Location"] == ws(team, f"appointments/{appointment.pk}/")
    assert reloaded(appointment).start == local(dt.date(2026, 10, 8), 16)
    with scopes_disabled():
        change = Change.objects.get(appointment=appointment, kind="rescheduled")
    assert change.previous_start == local(MONDAY, 10) and change.reason == "Asked"
    page = text_of(owner.get(response["Location"]))
    assert "Rescheduled" in page


def test_cancel_post_keeps_the_record(team):
    appointment = book_one(team, client_for(team), start=local(MONDAY, 10))
    response = browser(team.assistant).post(ws(team, f"appointments/{appointment.pk}/cancel/"), {"reason": "Ill"})
    assert response.status_code == 302 and response["Location"] == ws(team, f"appointments/{appointment.pk}/")
    stored = reloaded(appointment)
    assert (stored.status, stored.cancel_reason) == ("cancelled", "Ill")
    assert browser(team.assistant).get(ws(team, f"appointments/{appointment.pk}/")).status_code == 200


def test_mark_post_after_the_start(team):
    appointment = book_one(team, client_for(team), start=local(MONDAY, 10))
    clara = browser(team.clinician)
    address = ws(team, f"appointments/{appointment.pk}/mark/")
    early = clara.post(address, {"status": "completed"})
    assert early.status_code == 302 and reloaded(appointment).status == "booked"
    with time_machine.travel(local(MONDAY, 11), tick=False):  # a new login: the first one has idled out
        response = browser(team.clinician).post(address, {"status": "no_show", "next": "client"})
    assert response.status_code == 302
    assert response["Location"] == ws(team, f"clients/{appointment.client_id}/")
    assert reloaded(appointment).status == "no_show"


# --- the client's Overview tab (R-CLI-3) ------------------------------------------------------------------------

def test_the_records_first_tab_is_overview_with_upcoming_appointments(team):
    anna = client_for(team, first_name="Anna", last_name="Jansen")
    book_one(team, anna, start=local(MONDAY, 10))
    with time_machine.travel(NOW - dt.timedelta(days=7), tick=False):
        past = book_one(team, anna, start=local(MONDAY - dt.timedelta(days=7), 10))
    response = browser(team.owner).get(ws(team, f"clients/{anna.pk}/"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page">Overview</a>' in html
    text = text_of(response)
    assert "Upcoming appointments" in text and "Past appointments" in text and "Book appointment" in text
    assert text.index("Upcoming appointments") < text.index("Past appointments")
    assert f"/appointments/{past.pk}/mark/" in html  # a past booked one can be marked from here


# --- who may open what ------------------------------------------------------------------------------------------

def test_staff_see_the_calendar_but_cannot_book(team):
    anna = client_for(team)
    appointment = book_one(team, anna, start=local(MONDAY, 10))
    staff = browser(team.staff)
    assert staff.get(ws(team, "calendar/")).status_code == 200
    assert staff.get(ws(team, "calendar/practice/")).status_code == 200
    assert staff.get(ws(team, f"appointments/{appointment.pk}/")).status_code == 200
    assert staff.get(ws(team, f"appointments/new/?client={anna.pk}")).status_code == 403
    assert staff.post(ws(team, f"appointments/new/?client={anna.pk}"), booking_data(team)).status_code == 403
    assert staff.post(ws(team, f"appointments/{appointment.pk}/cancel/"), {}).status_code == 403
    assert reloaded(appointment).status == "booked"
    with scopes_disabled():
        assert Appointment.objects.count() == 1


def test_another_workspaces_appointment_is_404(team, make_user):
    other = build_team(make_user, name="Praktijk Zuid", label="Z")
    theirs = book_one(other, client_for(other, first_name="Zelda", last_name="Zuid"), start=local(MONDAY, 10))
    owner = browser(team.owner)
    for suffix, method in (("", "get"), ("reschedule/", "get"), ("cancel/", "post"), ("mark/", "post")):
        response = getattr(owner, method)(ws(team, f"appointments/{theirs.pk}/{suffix}"), {"status": "completed"}
                                          if method == "post" else None)
        assert response.status_code == 404, suffix
        assert b"Zelda" not in response.content
    assert reloaded(theirs).status == "booked"


# --- query counts (constant whatever the number of appointments) -------------------------------------------------

def _fill(team, count: int, *, offset: int = 0) -> None:
    """`count` appointments spread over the week of MONDAY, each with its own client."""
    for i in range(offset, offset + count):
        day = MONDAY + dt.timedelta(days=i % 5)
        book_one(team, client_for(team, first_name=f"Week{i}"), start=local(day, 8 + (i // 5) % 10, 0),
                 minutes=50, practitioner="clinician")


def _count(browser_, address: str) -> int:
    browser_.get(address)  # warm-up (compiled queries, session)
    with CaptureQueriesContext(connection) as queries:
        assert browser_.get(address).status_code == 200
    return len(queries)


def test_week_page_queries_stay_constant(team):
    clara = browser(team.clinician)
    address = ws(team, "calendar/?date=2026-10-05")
    _fill(team, 5)
    small = _count(clara, address)
    _fill(team, 20, offset=5)
    large = _count(clara, address)
    assert text_of(clara.get(address)).count("–") >= 25
    # Pinned: the week page costs the same queries for 5 and 25 appointments; keep this constant.
    assert (small, large) == (WEEK_QUERIES, WEEK_QUERIES)


def test_practice_day_queries_stay_constant(team):
    owner = browser(team.owner)
    address = ws(team, "calendar/practice/?date=2026-10-05")
    for i in range(5):
        book_one(team, client_for(team), start=local(MONDAY, 8 + i), practitioner=("clinician", "admin")[i % 2])
    small = _count(owner, address)
    for i in range(20):
        book_one(team, client_for(team), start=local(MONDAY, 8 + i // 3, (i % 3) * 20), minutes=20,
                 practitioner=("clinician", "admin", "owner")[i % 3] if i >= 15 else "owner")
    large = _count(owner, address)
    # Pinned: the practice day costs the same queries for 5 and 25 appointments; keep this constant.
    assert (small, large) == (PRACTICE_DAY_QUERIES, PRACTICE_DAY_QUERIES)


def test_overview_tab_queries_stay_constant(team):
    anna = client_for(team, first_name="Anna")
    owner = browser(team.owner)
    address = ws(team, f"clients/{anna.pk}/")

    def grow(count: int, offset: int) -> None:
        for i in range(offset, offset + count):
            start = local(MONDAY + dt.timedelta(days=i - 12), 10)
            with time_machine.travel(start - dt.timedelta(hours=1), tick=False):
                book_one(team, anna, start=start, practitioner=("clinician", "admin")[i % 2])

    grow(5, 0)
    small = _count(owner, address)
    grow(20, 5)
    large = _count(owner, address)
    assert "Past appointments" in text_of(owner.get(address))
    # Pinned: the Overview tab costs the same queries for 5 and 25 appointments; keep this constant.
    # PostgreSQL adds one: the audit chain's advisory lock for the record's `client.viewed` entry.
    expected = OVERVIEW_QUERIES + (1 if connection.vendor == "postgresql" else 0)
    assert (small, large) == (expected, expected)


# Measured (SQLite; PostgreSQL the same but for the audit lock noted above); a change means a page grew a query.
WEEK_QUERIES = 9
PRACTICE_DAY_QUERIES = 9
OVERVIEW_QUERIES = 16
