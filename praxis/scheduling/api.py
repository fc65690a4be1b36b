"""Scheduling API (SPEC §9, §13): `/api/v1/workspaces/{ws}/appointments`.

- `GET /{ws}/appointments?from=…&to=…` (ISO datetimes; at most 93 days; `practitioner`, `client`
  filters): the visible appointments overlapping the range, by start;
- `POST /{ws}/appointments`: book (a weekly series with `weeks`), 201 with the booked appointments; a
  clash is 409 `double_booked`, naming the clashing appointment (R-SCH-2);
- `GET /{ws}/appointments/{id}`: one appointment with its history (R-SCH-3);
- `POST /{ws}/appointments/{id}/reschedule`, `/cancel`, `/mark`.

Visibility is `praxis.scheduling.policies`, the same answer as the pages.
"""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from praxis.api.scoping import workspace_endpoint
from praxis.core import clock
from praxis.core.errors import NotFound, ServiceError
from praxis.core.validation import MAX_DB_INT
from praxis.workspaces.roles import APPOINTMENTS_MANAGE, CLIENTS_VIEW

from . import policies, selectors, services, times
from .models import Appointment
from .schemas import AppointmentDetailOut, AppointmentIn, AppointmentOut, CancelIn, MarkIn, RescheduleIn

router = Router(tags=["scheduling"])

MAX_RANGE = dt.timedelta(days=93)


def _appointment(a: Appointment) -> dict[str, Any]:
    return {"id": a.pk, "client": {"id": a.client_id, "name": a.client.display_name},
            "practitioner": {"id": a.practitioner_id, "name": a.practitioner.display_name},
            "start": a.start, "end": a.end, "kind": a.kind, "location": a.location, "video_link": a.video_link,
            "status": a.status, "cancel_reason": a.cancel_reason, "created_at": a.created_at,
            "updated_at": a.updated_at}


def _detail(request, appointment_id: int) -> dict[str, Any]:
    found = selectors.get(request.access, appointment_id)
    if found is None:
        raise NotFound("not_found", _("Not found."))
    history = [{"kind": c.kind, "at": c.at, "by": {"id": c.by_id, "name": c.by.display_name} if c.by else None,
                "previous_start": c.previous_start, "previous_end": c.previous_end,
                "previous_practitioner": c.previous_practitioner_id, "reason": c.reason}
               for c in selectors.history(found)]
    return {**_appointment(found), "history": history}


class RangeQuery(Schema):
    from_: dt.datetime | None = Field(None, alias="from", description="Default: now")
    to: dt.datetime | None = Field(None, description="Default: 7 days after `from`; at most 93 days after it")
    # Bounded like every id (a larger one overflows the database's integer before it can be "not found").
    practitioner: int | None = Field(None, ge=1, le=MAX_DB_INT)
    client: int | None = Field(None, ge=1, le=MAX_DB_INT)


@router.get("/{ws}/appointments", response=list[AppointmentOut])
@workspace_endpoint(CLIENTS_VIEW)
def appointment_list(request, ws: str, filters: Query[RangeQuery]):
    start = filters.from_ or clock.now()
    if not times.is_calendar_day(start.date()) or (filters.to and not times.is_calendar_day(filters.to.date())):
        raise ServiceError("invalid_range", _("Choose a date between 1900 and 2200."), field="from")
    end = filters.to or start + dt.timedelta(days=7)
    if start.tzinfo is None or end.tzinfo is None:
        raise ServiceError("invalid_range", _("Include the time zone with the times."), field="from")
    if end <= start or end - start > MAX_RANGE:
        raise ServiceError("invalid_range", _("Ask for a range of at most 93 days, `to` after `from`."), field="to")
    practitioner = None
    if filters.practitioner is not None:
        practitioner = policies.practitioner(request.access.workspace, filters.practitioner)
        if practitioner is None:
            return []
    rows = selectors.in_range(request.access, start, end, practitioner=practitioner, client_id=filters.client)
    return [_appointment(a) for a in rows]


@router.post("/{ws}/appointments", response={201: list[AppointmentOut]})
@workspace_endpoint(APPOINTMENTS_MANAGE)
def appointment_create(request, ws: str, payload: AppointmentIn):
    booked = services.book(access=request.access, client_id=payload.client, practitioner_id=payload.practitioner,
                           start=payload.start, end=payload.end, kind=payload.kind, location=payload.location,
                           video_link=payload.video_link, weeks=payload.weeks)
    return Status(201, [_appointment(a) for a in booked])  # the booked rows carry their client and practitioner


@router.get("/{ws}/appointments/{int:appointment_id}", response=AppointmentDetailOut)
@workspace_endpoint(CLIENTS_VIEW)
def appointment_detail(request, ws: str, appointment_id: int):
    return _detail(request, appointment_id)


@router.post("/{ws}/appointments/{int:appointment_id}/reschedule", response=AppointmentDetailOut)
@workspace_endpoint(APPOINTMENTS_MANAGE)
def appointment_reschedule(request, ws: str, appointment_id: int, payload: RescheduleIn):
    services.reschedule(access=request.access, appointment_id=appointment_id, start=payload.start, end=payload.end,
                        practitioner_id=payload.practitioner, reason=payload.reason)
    return _detail(request, appointment_id)


@router.post("/{ws}/appointments/{int:appointment_id}/cancel", response=AppointmentDetailOut)
@workspace_endpoint(APPOINTMENTS_MANAGE)
def appointment_cancel(request, ws: str, appointment_id: int, payload: CancelIn):
    services.cancel(access=request.access, appointment_id=appointment_id, reason=payload.reason)
    return _detail(request, appointment_id)


@router.post("/{ws}/appointments/{int:appointment_id}/mark", response=AppointmentDetailOut)
@workspace_endpoint(APPOINTMENTS_MANAGE)
def appointment_mark(request, ws: str, appointment_id: int, payload: MarkIn):
    """Mark a booked appointment that has begun as completed or as a no-show."""
    services.mark(access=request.access, appointment_id=appointment_id, status=payload.status)
    return _detail(request, appointment_id)
