"""Booking, rescheduling, cancelling and marking appointments (R-SCH-1 … R-SCH-3), and the
practitioners' calendar feeds (R-SCH-5). Every write is one transaction, checked by `policies`, kept in
the appointment's history and audited with the client it concerns (R-AUD-1), so it shows in the client's
access history.

No double booking (R-SCH-2): `_refuse_clash` names the clashing appointment before anything is written;
on PostgreSQL the exclusion constraint `appointment_no_double_booking` also refuses the booking that
raced past that check (its IntegrityError is turned into the same refusal), on SQLite the booking's
IMMEDIATE transaction holds the write lock from its first statement, so no other booking runs between
the check and the insert.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from praxis.audit import services as audit
from praxis.clients import policies as client_policies
from praxis.clients.models import Client
from praxis.core import clock
from praxis.core.errors import Conflict, NotFound, ServiceError
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.prepared import Prepared
from praxis.core.transactions import service_transaction
from praxis.workspaces.access import Access
from praxis.workspaces.models import Membership
from praxis.workspaces.roles import APPOINTMENTS_MANAGE

from . import policies, times
from .models import MAX_DURATION, Appointment, CalendarFeed, Change, feed_hash, overlapping

MAX_WEEKS = 52
Status = Appointment.Status


def _audit(code: str, action: str, *, access: Access, appointment: Appointment, data: dict | None = None) -> dict:
    return audit.entry(code=code, action=action, actor=access.user, workspace=access.workspace, obj=appointment,
                       client_id=appointment.client_id, role=access.membership.role,
                       permission=APPOINTMENTS_MANAGE, data=data or {})


def _when(appointment: Appointment, tz) -> str:
    start, end = times.local(appointment.start, tz), times.local(appointment.end, tz)
    return f"{formats.date_format(start, 'SHORT_DATE_FORMAT')} {start:%H:%M}–{end:%H:%M}"


# The practitioner's first booked appointment overlapping [start, end), other than `excluding` (0: none):
# every booking and rescheduling asks, so it is compiled once (`core.prepared`).
_CLASH = Prepared(
    lambda *, workspace_id, practitioner_id, start, end, excluding: Appointment.objects.filter(
        overlapping(start, end), workspace_id=workspace_id, practitioner_id=practitioner_id, status=Status.BOOKED)
    .exclude(pk=excluding).select_related("client").order_by("start", "pk")[:1],
    workspace_id=int, practitioner_id=int, start=dt.datetime, end=dt.datetime, excluding=int)


def _refuse_clash(access: Access, practitioner: Membership, start: dt.datetime, end: dt.datetime, *,
                  excluding: int | None = None) -> None:
    """R-SCH-2: refuse when the practitioner has a booked appointment overlapping [start, end), naming it.
    The clashing client is named only to a member who may open that client."""
    clash = _CLASH.first(workspace_id=access.workspace.pk, practitioner_id=practitioner.pk, start=start, end=end,
                         excluding=excluding or 0)
    if clash is None:
        return
    tz = times.zone(access.workspace)
    if client_policies.may_view_client(access, clash.client):
        message = _("%(practitioner)s already has an appointment then: %(when)s with %(client)s.") % {
            "practitioner": practitioner.display_name, "when": _when(clash, tz), "client": clash.client.display_name}
    else:
        message = _("%(practitioner)s already has an appointment then: %(when)s.") % {
            "practitioner": practitioner.display_name, "when": _when(clash, tz)}
    raise Conflict("double_booked", message, field="start")


def _check_times(start: dt.datetime, end: dt.datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ServiceError("invalid_time", _("Include the time zone with the time."), field="start")
    if not (times.is_calendar_day(start.date()) and times.is_calendar_day(end.date())):
        raise ServiceError("invalid_time", _("Choose a date between 1900 and 2200."), field="start")
    if end <= start:
        raise ServiceError("invalid_time", _("The appointment must end after it starts."), field="end")
    if end - start > MAX_DURATION:
        raise ServiceError("invalid_time", _("An appointment lasts at most 12 hours."), field="end")


def _check_place(kind: str, location: str, video_link: str) -> tuple[str, str]:
    if kind not in Appointment.Kind.values:
        raise ServiceError("invalid_kind", _("Choose in person, video call or phone call."), field="kind")
    location = " ".join((location or "").split())
    if len(location) > 200:
        raise ServiceError("invalid_location", _("The location is at most 200 characters."), field="location")
    video_link = (video_link or "").strip()
    if video_link:
        try:
            URLValidator(schemes=["https", "http"])(video_link)
        except ValidationError:
            raise ServiceError("invalid_link", _("Enter the video link as a web address (https://…)."),
                               field="video_link") from None
        if len(video_link) > 500:
            raise ServiceError("invalid_link", _("The video link is at most 500 characters."), field="video_link")
    if kind != Appointment.Kind.VIDEO:
        video_link = ""
    return location, video_link


def _practitioner(access: Access, practitioner_id: int | None) -> Membership:
    found = policies.practitioner(access.workspace, practitioner_id) if practitioner_id else None
    if found is None:
        raise ServiceError("invalid_practitioner", _("Choose a practitioner of this practice."), field="practitioner")
    return found


_CLIENT = Prepared(lambda *, workspace_id, client_id: Client.objects.filter(workspace_id=workspace_id, pk=client_id)[:1],
                   workspace_id=int, client_id=int)


def _client(access: Access, client_id: int) -> Client:
    """The client, if this member may open it (`clients.policies`), else the same 404 as a missing one."""
    client = _CLIENT.first(workspace_id=access.workspace.pk, client_id=client_id)
    if client is None or not client_policies.may_view_client(access, client):
        raise NotFound("not_found", _("Not found."))
    client.workspace = access.workspace
    return client


def _insert(appointment: Appointment, access: Access) -> None:
    """Save a booked appointment; on PostgreSQL a booking that raced past `_refuse_clash` meets the
    exclusion constraint, and is refused the same way."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        if "appointment_no_double_booking" not in str(exc):
            raise
        _refuse_clash(access, appointment.practitioner, appointment.start, appointment.end, excluding=appointment.pk)
        raise Conflict("double_booked", _("The practitioner already has an appointment then."), field="start") from exc


@service_transaction
def book(*, access: Access, client_id: int, practitioner_id: int | None, start: dt.datetime, end: dt.datetime,
         kind: str = Appointment.Kind.IN_PERSON, location: str = "", video_link: str = "",
         weeks: int = 1) -> list[Appointment]:
    """Book an appointment (R-SCH-1), or a weekly series of `weeks` at the same local time — all or
    nothing: one clash refuses the whole series (R-SCH-2)."""
    access.require(APPOINTMENTS_MANAGE)
    client = _client(access, client_id)
    if client.status != LifecycleStatus.ACTIVE:
        raise ServiceError("client_cancelled", _("This client is cancelled: restore the client to book."))
    practitioner = _practitioner(access, practitioner_id)
    if not policies.practitioner_may_see(practitioner, client):
        raise ServiceError("not_care_team", _("%(name)s is not on this client's care team.") % {
            "name": practitioner.display_name}, field="practitioner")
    _check_times(start, end)
    location, video_link = _check_place(kind, location, video_link)
    if not 1 <= weeks <= MAX_WEEKS:
        raise ServiceError("invalid_weeks", _("A series has 1 to 52 weekly appointments."), field="weeks")
    if not times.is_calendar_day(start.date() + dt.timedelta(weeks=weeks)):
        raise ServiceError("invalid_time", _("Choose a date between 1900 and 2200."), field="start")
    tz = times.zone(access.workspace)
    first = times.local(start, tz)
    minutes = int((end - start).total_seconds() // 60)
    series = times.weekly(first.date(), first.time(), minutes, weeks, tz)
    now = clock.now()
    booked, entries = [], []
    for at, until in series:
        _refuse_clash(access, practitioner, at, until)
        appointment = Appointment(workspace=access.workspace, client=client, practitioner=practitioner, start=at,
                                  end=until, kind=kind, location=location, video_link=video_link,
                                  created_by=access.user, created_at=now, updated_at=now)
        _insert(appointment, access)
        booked.append(appointment)
        entries.append(_audit("appointment.booked", "create", access=access, appointment=appointment,
                              data={"practitioner": practitioner.pk, "kind": kind, "series": weeks}))
    Change.objects.bulk_create([Change(workspace=access.workspace, appointment=a, kind=Change.Kind.BOOKED, by=access.user,
                                       at=now) for a in booked])
    audit.record_many(entries)
    return booked


def _for_change(access: Access, appointment_id: int) -> Appointment:
    """The appointment to change, locked, if this member may see and manage it."""
    access.require(APPOINTMENTS_MANAGE)
    appointment = (policies.visible_appointments(access).select_for_update(of=("self",))
                   .select_related("client", "practitioner__user").filter(pk=appointment_id).first())
    if appointment is None:
        raise NotFound("not_found", _("Not found."))
    return appointment


@service_transaction
def reschedule(*, access: Access, appointment_id: int, start: dt.datetime, end: dt.datetime,
               practitioner_id: int | None = None, reason: str = "") -> Appointment:
    """Move a booked appointment (R-SCH-3): the earlier times (and practitioner) stay in its history."""
    appointment = _for_change(access, appointment_id)
    if not appointment.is_booked:
        raise ServiceError("not_booked", _("Only a booked appointment can be rescheduled."))
    _check_times(start, end)
    practitioner = appointment.practitioner
    if practitioner_id is not None and practitioner_id != practitioner.pk:
        practitioner = _practitioner(access, practitioner_id)
        if not policies.practitioner_may_see(practitioner, appointment.client):
            raise ServiceError("not_care_team", _("%(name)s is not on this client's care team.") % {
                "name": practitioner.display_name}, field="practitioner")
    if (start, end, practitioner.pk) == (appointment.start, appointment.end, appointment.practitioner_id):
        raise ServiceError("unchanged", _("Choose a new time or practitioner."), field="start")
    _refuse_clash(access, practitioner, start, end, excluding=appointment.pk)
    before = appointment.start
    change = Change(workspace=access.workspace, appointment=appointment, kind=Change.Kind.RESCHEDULED,
                    previous_start=appointment.start, previous_end=appointment.end,
                    previous_practitioner=appointment.practitioner, reason=_reason(reason), by=access.user)
    appointment.start, appointment.end, appointment.practitioner = start, end, practitioner
    appointment.updated_at = clock.now()
    try:
        with transaction.atomic():
            appointment.save(update_fields=["start", "end", "practitioner", "updated_at"])
    except IntegrityError as exc:
        if "appointment_no_double_booking" not in str(exc):
            raise
        _refuse_clash(access, practitioner, start, end, excluding=appointment.pk)
        raise Conflict("double_booked", _("The practitioner already has an appointment then."), field="start") from exc
    change.save()
    audit.record_many([_audit("appointment.rescheduled", "update", access=access, appointment=appointment,
                              data={"from": before.isoformat(), "to": start.isoformat(),
                                    "practitioner": practitioner.pk})])
    return appointment


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) > 300:
        raise ServiceError("invalid_reason", _("The reason is at most 300 characters."), field="reason")
    return reason


@service_transaction
def cancel(*, access: Access, appointment_id: int, reason: str = "") -> Appointment:
    """Cancel a booked appointment (R-SCH-3): the record stays, with who cancelled it, when and why; the
    practitioner's time is free again."""
    appointment = _for_change(access, appointment_id)
    if not appointment.is_booked:
        raise ServiceError("not_booked", _("Only a booked appointment can be cancelled."))
    now = clock.now()
    appointment.status, appointment.cancelled_at = Status.CANCELLED, now
    appointment.cancel_reason, appointment.updated_at = _reason(reason), now
    appointment.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    Change.objects.create(workspace=access.workspace, appointment=appointment, kind=Change.Kind.CANCELLED,
                          reason=appointment.cancel_reason, by=access.user, at=now)
    audit.record_many([_audit("appointment.cancelled", "update", access=access, appointment=appointment)])
    return appointment


MARKS: dict[str, str] = {Status.COMPLETED: Change.Kind.COMPLETED, Status.NO_SHOW: Change.Kind.NO_SHOW}


@service_transaction
def mark(*, access: Access, appointment_id: int, status: str) -> Appointment:
    """Mark a booked appointment that has begun as completed or as a no-show."""
    appointment = _for_change(access, appointment_id)
    if status not in MARKS:
        raise ServiceError("invalid_status", _("Mark an appointment as completed or as a no-show."), field="status")
    if not appointment.is_booked:
        raise ServiceError("not_booked", _("Only a booked appointment can be marked."))
    now = clock.now()
    if appointment.start > now:
        raise ServiceError("not_started", _("An appointment can be marked once it has begun."))
    appointment.status, appointment.updated_at = status, now
    appointment.save(update_fields=["status", "updated_at"])
    Change.objects.create(workspace=access.workspace, appointment=appointment, kind=MARKS[status], by=access.user, at=now)
    code = "appointment.completed" if status == Status.COMPLETED else "appointment.no_show"
    audit.record_many([_audit(code, "update", access=access, appointment=appointment)])
    return appointment


# --- calendar feeds (R-SCH-5) ----------------------------------------------------------------------------

@service_transaction
def feed_create(*, access: Access) -> str:
    """A new secret calendar address for the member (a practitioner); the one they had stops working.
    Returns the secret — shown once, stored only hashed."""
    practitioner = access.membership
    if not policies.is_practitioner(practitioner):
        raise ServiceError("not_practitioner", _("Only practitioners have a calendar feed."))
    # The member's row locked: two clicks at once make one live address, not a constraint error.
    Membership.objects.select_for_update().filter(pk=practitioner.pk).first()
    now = clock.now()
    CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).update(revoked_at=now)
    secret = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(workspace=access.workspace, practitioner=practitioner,
                                       secret_hash=feed_hash(secret), created_at=now)
    audit.record(code="calendar_feed.created", action="create", actor=access.user, workspace=access.workspace,
                 obj=feed, role=access.membership.role)
    return secret


@service_transaction
def feed_revoke(*, access: Access) -> bool:
    """Switch the member's calendar address off at once."""
    revoked = CalendarFeed.objects.filter(practitioner=access.membership, revoked_at__isnull=True).update(
        revoked_at=clock.now())
    if revoked:
        audit.record(code="calendar_feed.revoked", action="delete", actor=access.user, workspace=access.workspace,
                     object_type="scheduling.calendarfeed", role=access.membership.role)
    return bool(revoked)
