"""Appointments as FHIR R4 `Appointment` resources (issue 8 point 9), contributed to the client's FHIR
export (`praxis.clients.fhir.contribute`): the per-client Bundle and `export_fhir`'s `Appointment.ndjson`;
and, as plain JSON with their history, to the client's data export (`clients.exports.register_data_section`).

Status: booked → `booked`, completed → `fulfilled`, cancelled → `cancelled` (with `cancelationReason`),
no-show → `noshow`. Participants: the client as a reference to their Patient, the practitioner by name (the
export has no Practitioner resources). The type and the place are text (`appointmentType`, `description`):
Praxis has no coded service catalogue. Validated with `fhir.resources` (R4B, structurally R4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import translation
from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from praxis.clients import exports as client_exports
from praxis.clients import fhir as client_fhir

from .models import Appointment

STATUSES: dict[str, str] = {
    Appointment.Status.BOOKED: "booked",
    Appointment.Status.COMPLETED: "fulfilled",
    Appointment.Status.CANCELLED: "cancelled",
    Appointment.Status.NO_SHOW: "noshow",
}


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def appointment(a: Appointment, *, patient_reference: str) -> dict[str, Any]:
    with translation.override("en"):
        kind = str(a.get_kind_display())
    place = a.video_link or a.location
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(a.pk),
        "status": STATUSES[a.status],
        "appointmentType": {"text": kind},
        "start": _utc(a.start),
        "end": _utc(a.end),
        "minutesDuration": a.duration_minutes,
        "created": a.created_at.date().isoformat(),
        "participant": [
            {"actor": {"reference": patient_reference, "display": a.client.display_name},
             "required": "required", "status": "accepted"},
            {"actor": {"display": a.practitioner.display_name}, "required": "required", "status": "accepted"},
        ],
    }
    if place:
        resource["description"] = f"{kind}: {place}"
    if a.status == Appointment.Status.CANCELLED and a.cancel_reason:
        resource["cancelationReason"] = {"text": a.cancel_reason}
    return resource


def _rows(queryset):
    return queryset.select_related("client", "practitioner__user").order_by("start", "pk")


def of_client(client, patient_reference: str) -> Iterable[dict[str, Any]]:
    rows = _rows(Appointment.objects.filter(workspace_id=client.workspace_id, client=client))
    return [appointment(a, patient_reference=patient_reference) for a in rows]


def of_workspace(workspace, client_id: int | None) -> Iterator[dict[str, Any]]:
    rows = _rows(Appointment.objects.filter(workspace=workspace))
    if client_id is not None:
        rows = rows.filter(client_id=client_id)
    for a in rows.iterator(chunk_size=2000):
        yield appointment(a, patient_reference=f"Patient/{a.client_id}")


def export_rows(client) -> list[dict[str, Any]]:
    """The client's appointments in their JSON data export (GDPR art. 15): every one, with its history."""
    rows = _rows(Appointment.objects.filter(workspace_id=client.workspace_id, client=client)).prefetch_related("changes")
    return [{"id": a.pk, "start": _utc(a.start), "end": _utc(a.end), "kind": a.kind, "location": a.location,
             "video_link": a.video_link, "status": a.status, "practitioner": a.practitioner.display_name,
             "cancel_reason": a.cancel_reason,
             "history": [{"kind": c.kind, "at": _utc(c.at),
                          "previous_start": _utc(c.previous_start) if c.previous_start else None,
                          "previous_end": _utc(c.previous_end) if c.previous_end else None, "reason": c.reason}
                         for c in a.changes.all()]}
            for a in rows]


def register() -> None:
    client_fhir.contribute(client_fhir.Contribution("Appointment", FhirAppointment, of_client, of_workspace))
    client_exports.register_data_section("appointments", export_rows)
