"""In a real browser (issue 8 point 5, seed 004 "Übersicht"): the assistant opens a client — the record
lands on its Overview — books an appointment with the clinician, is refused a clashing second one with
the clash named, reschedules it, and finds it in the clinician's week; the clinician sees it in the
practice's day. Every page at 390 and 1280 px passes the vendored axe-core check without overflow."""

import datetime as dt

import pytest
from django_scopes import scope, scopes_disabled

from praxis.clients.tests.factories import client_make
from praxis.core import clock
from praxis.scheduling import services, times
from praxis.scheduling.models import Appointment
from praxis.testing import pages as walker
from praxis.testing.team import build_team


def _next_monday() -> dt.date:
    today = clock.today()  # the live server runs on the real clock
    return today + dt.timedelta(days=7 - today.weekday() + 7)  # the Monday after next: always in the future


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_book_refuse_a_clash_reschedule_and_see_it_in_the_calendars(width, browser, live_server, make_user):
    from playwright.sync_api import expect

    team = build_team(make_user, label=f"Sched{width}")
    slug, clinician_member = team.workspace.slug, team.members["clinician"]
    monday = _next_monday()
    with scope(workspace=team.workspace):
        zoe = client_make(team.access("owner"), first_name="Zoë", last_name="Agenda",
                          clinician_ids=[clinician_member.pk])
        other = client_make(team.access("owner"), first_name="Bram", last_name="Bezet")
        start = times.to_utc(monday, dt.time(11, 0), times.zone(team.workspace))
        services.book(access=team.access("owner"), client_id=other.pk, practitioner_id=clinician_member.pk,
                      start=start, end=start + dt.timedelta(minutes=50))
    problems: list[str] = []

    def person(user):
        return walker.logged_in_page(browser, live_server, user, width=width)

    assistant_context, assistant = person(team.assistant)
    clinician_context, clinician = person(team.clinician)
    try:
        assistant.goto(f"/w/{slug}/clients/{zoe.pk}/")
        expect(assistant.get_by_role("heading", name="Upcoming appointments")).to_be_visible()
        problems += walker.check_page(assistant, where="record overview", widths=(width,))
        assistant.get_by_role("link", name="Book appointment").click()
        problems += walker.check_page(assistant, where="booking form", widths=(width,))
        assistant.get_by_label("Practitioner").select_option(label=clinician_member.display_name)
        assistant.get_by_label("Date").fill(monday.isoformat())
        assistant.get_by_label("Start time").fill("11:30")  # overlaps Bram's 11:00–11:50
        assistant.get_by_label("Duration").select_option("50")
        assistant.get_by_label("Location").fill("Kamer 2")
        assistant.get_by_role("button", name="Book appointment").click()
        expect(assistant.locator(".form-errors")).to_contain_text("already has an appointment then")
        expect(assistant.locator(".form-errors")).to_contain_text("Bram Bezet")
        problems += walker.check_page(assistant, where="booking refused", widths=(width,))
        assistant.get_by_label("Start time").fill("09:00")
        assistant.get_by_role("button", name="Book appointment").click()
        expect(assistant.get_by_text("Appointment booked")).to_be_visible()
        problems += walker.check_page(assistant, where="appointment", widths=(width,))
        with scopes_disabled():
            booked = Appointment.objects.get(client=zoe)
        assert booked.status == "booked" and booked.location == "Kamer 2"

        assistant.get_by_role("link", name="Reschedule").click()
        problems += walker.check_page(assistant, where="reschedule", widths=(width,))
        assistant.get_by_label("Start time").fill("14:00")
        assistant.get_by_label("Reason").fill("Op verzoek van de cliënt")
        assistant.get_by_role("button", name="Reschedule").click()
        expect(assistant.get_by_text("Appointment rescheduled.")).to_be_visible()
        expect(assistant.locator("#history-title + ol")).to_contain_text("Rescheduled")
        expect(assistant.locator("#history-title + ol")).to_contain_text("09:00")

        assistant.goto(f"/w/{slug}/calendar/?practitioner={clinician_member.pk}&date={monday.isoformat()}")
        expect(assistant.locator(".calendar-day").first).to_contain_text("14:00–14:50")
        expect(assistant.locator(".calendar-day").first).to_contain_text("Zoë Agenda")
        problems += walker.check_page(assistant, where="week", widths=(width,))

        clinician.goto(f"/w/{slug}/calendar/practice/?date={monday.isoformat()}")
        expect(clinician.get_by_text("14:00–14:50")).to_be_visible()
        problems += walker.check_page(clinician, where="practice day", widths=(width,))
        clinician.goto(f"/w/{slug}/calendar/feed/")
        clinician.get_by_role("button", name="Create my calendar address").click()
        expect(clinician.locator("#feed-address")).to_be_visible()
        assert clinician.locator("#feed-url").input_value().startswith(f"{live_server.url}/calendar/")
        problems += walker.check_page(clinician, where="calendar feed", widths=(width,))
    finally:
        assistant_context.close()
        clinician_context.close()
    with scopes_disabled():
        booked.refresh_from_db()
        assert booked.start == times.to_utc(monday, dt.time(14, 0), times.zone(team.workspace))
        assert list(booked.changes.values_list("kind", flat=True)) == ["booked", "rescheduled"]
    assert not problems, "\n".join(problems)
