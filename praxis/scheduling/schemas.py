"""API schemas of scheduling: input and output kept apart (STYLE, API). Times are ISO 8601 with their
offset (stored and answered in UTC)."""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import BaseModel, Field

from praxis.core.validation import PlainText

Kind = Literal["in_person", "video", "phone"]
Status = Literal["booked", "completed", "cancelled", "no_show"]


class PersonOut(BaseModel):
    id: int
    name: str


class AppointmentOut(BaseModel):
    """An appointment as the lists answer it, from the dicts of `api._appointment` — a plain pydantic model,
    not a ninja `Schema` (whose per-attribute getter costs ~4× for a week of 200 rows)."""

    id: int
    client: PersonOut
    practitioner: PersonOut = Field(description="The practitioner's membership")
    start: dt.datetime
    end: dt.datetime
    kind: Kind
    location: str
    video_link: str
    status: Status
    cancel_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ChangeOut(BaseModel):
    kind: Literal["booked", "rescheduled", "cancelled", "completed", "no_show"]
    at: dt.datetime
    by: PersonOut | None
    previous_start: dt.datetime | None
    previous_end: dt.datetime | None
    previous_practitioner: int | None
    reason: str


class AppointmentDetailOut(AppointmentOut):
    history: list[ChangeOut]


class AppointmentIn(Schema):
    client: int
    practitioner: int = Field(description="The practitioner's membership id")
    start: dt.datetime = Field(description="With its offset, e.g. 2026-12-09T10:00:00+01:00")
    end: dt.datetime
    kind: Kind = "in_person"
    location: PlainText = Field("", max_length=200)
    video_link: PlainText = Field("", max_length=500)
    weeks: int = Field(1, ge=1, le=52, description="More than 1 books the same local time every week")


class RescheduleIn(Schema):
    start: dt.datetime
    end: dt.datetime
    practitioner: int | None = None
    reason: PlainText = Field("", max_length=300)


class CancelIn(Schema):
    reason: PlainText = Field("", max_length=300)


class MarkIn(Schema):
    status: Literal["completed", "no_show"]
