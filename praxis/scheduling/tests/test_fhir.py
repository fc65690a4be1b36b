"""Appointments in the client's FHIR export (issue 8 point 9): the per-client Bundle and `export_fhir`'s
`Appointment.ndjson` carry them as R4 `Appointment` resources that validate with `fhir.resources`."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django_scopes import scope
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle

from praxis.clients import services as client_services
from praxis.clients.tests.factories import client_make
from praxis.scheduling import services

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def booked(team):
    """A client with a completed, a cancelled and a booked appointment; another client with one."""
    access = team.access("owner")
    practitioner = team.members["clinician"].pk
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False), scope(workspace=team.workspace):
        own = client_make(access, first_name="Zoë", last_name="Fhir")
        other = client_make(access, first_name="Ander", last_name="Fhir")
        first = NOW - dt.timedelta(days=7)
        [done] = services.book(access=access, client_id=own.pk, practitioner_id=practitioner, start=first,
                               end=first + dt.timedelta(minutes=50), kind="in_person", location="Kamer 2")
        [gone] = services.book(access=access, client_id=own.pk, practitioner_id=practitioner,
                               start=first + dt.timedelta(days=1), end=first + dt.timedelta(days=1, minutes=50))
        services.cancel(access=access, appointment_id=gone.pk, reason="ziek")
        [coming] = services.book(access=access, client_id=own.pk, practitioner_id=practitioner,
                                 start=NOW + dt.timedelta(days=2), end=NOW + dt.timedelta(days=2, minutes=45),
                                 kind="video", video_link="https://meet.example/z")
        services.book(access=access, client_id=other.pk, practitioner_id=practitioner,
                      start=NOW + dt.timedelta(days=3), end=NOW + dt.timedelta(days=3, minutes=50))
    with time_machine.travel(NOW, tick=False), scope(workspace=team.workspace):
        services.mark(access=access, appointment_id=done.pk, status="completed")
    return own, other, {"done": done, "gone": gone, "coming": coming}


def test_the_client_bundle_carries_their_appointments(team, booked):
    own, _other, by_name = booked
    with scope(workspace=team.workspace):
        data = client_services.client_export(access=team.access("owner"), client_id=own.pk, fmt="fhir")
    Bundle.model_validate(data)
    appointments = {e["resource"]["id"]: e["resource"] for e in data["entry"]
                    if e["resource"]["resourceType"] == "Appointment"}
    assert set(appointments) == {str(a.pk) for a in by_name.values()}
    assert appointments[str(by_name["done"].pk)]["status"] == "fulfilled"
    assert appointments[str(by_name["gone"].pk)]["status"] == "cancelled"
    assert appointments[str(by_name["gone"].pk)]["cancelationReason"] == {"text": "ziek"}
    coming = appointments[str(by_name["coming"].pk)]
    assert coming["status"] == "booked" and coming["minutesDuration"] == 45
    assert coming["start"] == (NOW + dt.timedelta(days=2)).isoformat().replace("+00:00", "Z")
    patient_url = next(e["fullUrl"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient")
    assert coming["participant"][0]["actor"]["reference"] == patient_url
    assert coming["description"] == "Video call: https://meet.example/z"


def test_export_fhir_writes_every_appointment_once(team, booked, tmp_path):
    own, other, _ = booked
    call_command("export_fhir", team.workspace.slug, "--out", str(tmp_path), stdout=io.StringIO())
    lines = [json.loads(line) for line in (tmp_path / "Appointment.ndjson").read_text().splitlines()]
    assert len(lines) == 4
    for resource in lines:
        FhirAppointment.model_validate(resource)
    assert sorted(r["participant"][0]["actor"]["reference"] for r in lines) == sorted(
        [f"Patient/{own.pk}"] * 3 + [f"Patient/{other.pk}"])
    one = tmp_path / "one"
    call_command("export_fhir", team.workspace.slug, "--client", str(other.pk), "--out", str(one),
                 stdout=io.StringIO())
    assert len((one / "Appointment.ndjson").read_text().splitlines()) == 1


def test_the_json_data_export_lists_the_clients_appointments_with_history(team, booked):
    """GDPR art. 15 (R-CLI-10): everything Praxis holds about the client, their appointments included."""
    own, _other, by_name = booked
    with scope(workspace=team.workspace):
        data = client_services.client_export(access=team.access("owner"), client_id=own.pk, fmt="json")
    rows = {row["id"]: row for row in data["appointments"]}
    assert set(rows) == {a.pk for a in by_name.values()}
    gone = rows[by_name["gone"].pk]
    assert gone["status"] == "cancelled" and gone["cancel_reason"] == "ziek"
    assert [c["kind"] for c in gone["history"]] == ["booked", "cancelled"]
