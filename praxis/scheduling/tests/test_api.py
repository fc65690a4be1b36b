"""The scheduling API (issue 8 point 10; R-SCH-1..3, SPEC §13): a `from`/`to` range, booking with the clash
as 409 `double_booked`, one appointment with its history, reschedule, cancel and mark — each refusal a JSON
error with a code that changes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django_scopes import scopes_disabled

from praxis.scheduling.models import Appointment

from .factories import MONDAY, NOW, book_one, client_for, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _api(user) -> Client:
    client = Client()
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def _post(http, url, body):
    return http.post(url, data=json.dumps(body), content_type="application/json")


def _base(team) -> str:
    return f"/api/v1/workspaces/{team.workspace.slug}/appointments"


def _z(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def test_book_then_a_clash_is_409_naming_it(team):
    client = client_for(team, first_name="Zoë")
    http = _api(team.assistant)
    start = local(MONDAY, 10)
    body = {"client": client.pk, "practitioner": team.members["clinician"].pk, "start": start.isoformat(),
            "end": (start + dt.timedelta(minutes=50)).isoformat(), "kind": "video",
            "video_link": "https://meet.example/z"}
    created = _post(http, _base(team), body)
    assert created.status_code == 201
    [row] = created.json()
    assert row["start"] == _z(start) and row["status"] == "booked" and row["client"]["name"].startswith("Zoë")
    clash = _post(http, _base(team), {**body, "start": (start + dt.timedelta(minutes=30)).isoformat(),
                                      "end": (start + dt.timedelta(minutes=80)).isoformat()})
    assert clash.status_code == 409
    assert clash.json()["code"] == "double_booked" and "Zoë" in clash.json()["detail"]
    with scopes_disabled():
        assert Appointment.objects.count() == 1


@pytest.mark.parametrize(("change", "code"), [
    ({"start": "2026-10-05T10:00:00"}, "invalid_time"),  # no offset
    ({"kind": "teleport"}, None),  # schema: 422
    ({"weeks": 53}, None),
    ({"practitioner": 999999}, "invalid_practitioner"),
    ({"video_link": "javascript:alert(1)", "kind": "video"}, "invalid_link"),
])
def test_bad_bookings_are_refused_with_a_code_and_change_nothing(team, change, code):
    client = client_for(team)
    start = local(MONDAY, 10)
    body = {"client": client.pk, "practitioner": team.members["clinician"].pk, "start": start.isoformat(),
            "end": (start + dt.timedelta(minutes=50)).isoformat(), **change}
    response = _post(_api(team.owner), _base(team), body)
    assert response.status_code in (400, 422)
    if code:
        assert response.json()["code"] == code
    with scopes_disabled():
        assert not Appointment.objects.exists()


def test_the_range_lists_what_overlaps_it(team):
    client = client_for(team)
    inside = book_one(team, client, start=local(MONDAY, 10))
    book_one(team, client, start=local(MONDAY + dt.timedelta(days=9), 10))  # outside the week
    http = _api(team.staff)  # staff see the schedule (clients.view)
    week = http.get(_base(team), {"from": _z(local(MONDAY, 0)), "to": _z(local(MONDAY + dt.timedelta(days=7), 0))})
    assert week.status_code == 200 and [a["id"] for a in week.json()] == [inside.pk]
    assert http.get(_base(team), {"from": _z(local(MONDAY, 0)),
                                  "to": _z(local(MONDAY + dt.timedelta(days=94), 0))}).json()["code"] == "invalid_range"
    assert http.get(_base(team), {"from": "2026-10-05T00:00:00"}).json()["code"] == "invalid_range"


def test_detail_reschedule_cancel_and_mark(team):
    client = client_for(team)
    appointment = book_one(team, client, start=local(MONDAY, 10))
    http = _api(team.owner)
    url = f"{_base(team)}/{appointment.pk}"
    moved = _post(http, f"{url}/reschedule", {"start": local(MONDAY, 14).isoformat(),
                                              "end": local(MONDAY, 14, 50).isoformat(), "reason": "ziek"})
    assert moved.status_code == 200
    assert [c["kind"] for c in moved.json()["history"]] == ["booked", "rescheduled"]
    assert moved.json()["history"][1]["previous_start"] == _z(local(MONDAY, 10))
    early = _post(http, f"{url}/mark", {"status": "completed"})
    assert early.status_code == 400 and early.json()["code"] == "not_started"
    cancelled = _post(http, f"{url}/cancel", {"reason": "op verzoek"})
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["cancel_reason"] == "op verzoek"
    again = _post(http, f"{url}/cancel", {})
    assert again.status_code == 400 and again.json()["code"] == "not_booked"
    assert http.get(url).json()["history"][-1]["kind"] == "cancelled"


def test_staff_cannot_book_and_a_missing_appointment_is_404(team):
    client = client_for(team)
    start = local(MONDAY, 10)
    refused = _post(_api(team.staff), _base(team), {
        "client": client.pk, "practitioner": team.members["clinician"].pk, "start": start.isoformat(),
        "end": (start + dt.timedelta(minutes=50)).isoformat()})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert _api(team.owner).get(f"{_base(team)}/987654").status_code == 404


def test_dates_outside_the_calendar_are_refused_not_a_500(team):
    """Bad input gets a clear 4xx: a range or a booking near Python's date limits (year 1 or 9999)."""
    client = client_for(team)
    http = _api(team.owner)
    far = http.get(_base(team), {"from": "9999-12-31T23:00:00Z"})
    assert far.status_code == 400 and far.json()["code"] == "invalid_range"
    booking = _post(http, _base(team), {"client": client.pk, "practitioner": team.members["clinician"].pk,
                                         "start": "9999-12-01T10:00:00+00:00", "end": "9999-12-01T10:50:00+00:00",
                                         "weeks": 10})
    assert booking.status_code == 400 and booking.json()["code"] == "invalid_time"
    with scopes_disabled():
        assert not Appointment.objects.exists()
    for page in ("calendar/?date=9999-12-31", "calendar/practice/?date=0001-01-01"):
        assert http.get(f"/w/{team.workspace.slug}/{page}").status_code == 200
