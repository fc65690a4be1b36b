"""Scheduling (SPEC §9): appointments of a client with a practitioner, their history, and each
practitioner's calendar feed.

Invariants:
- An appointment belongs to one workspace, like its client and its practitioner (a membership of that
  workspace); every row here carries the workspace and has a scoped manager (STYLE 1).
- Times are stored in UTC (`start`, `end`, `end > start`) and shown and entered in the workspace's time
  zone (R-SCH-1); `praxis.scheduling.times` is the one place that converts.
- A practitioner is never double-booked (R-SCH-2): two *booked* appointments of one practitioner never
  overlap. On PostgreSQL an exclusion constraint (`btree_gist`: practitioner `=`, `tstzrange(start, end)`
  `&&`, booked only) holds it whatever the code does; on SQLite the check runs in the booking's
  IMMEDIATE transaction, which holds the database's write lock from its BEGIN, so two bookings cannot
  both pass it. Half-open ranges: one appointment may end when the next begins.
- Status moves only through `praxis.scheduling.services`; nothing is deleted: a cancelled appointment
  is kept with who cancelled it and why, a rescheduled one keeps its earlier times in `Change` rows
  (R-SCH-3).
- A calendar feed's secret is stored only as its SHA-256 hash; revoking it ends the address at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from praxis.clients.models import Client
from praxis.core import clock
from praxis.workspaces.models import Membership, Workspace


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only ever compared inside the constraint


class PostgresOnlyExclusion(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL, nothing elsewhere: SQLite has no GiST; the same rule is the
    booking service's check inside its IMMEDIATE transaction (see the module docstring)."""

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if schema_editor.connection.vendor == "postgresql" else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if schema_editor.connection.vendor == "postgresql" else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if schema_editor.connection.vendor == "postgresql" else None

    def validate(self, *args, **kwargs):  # the database decides (and SQLite has no such operator)
        return None


# The longest an appointment lasts (the booking service refuses longer). It also bounds every range read:
# an appointment overlapping [a, b) starts after a − MAX_DURATION, so "start < b AND end > a" becomes a
# two-sided range on the start index instead of a scan of everything before b (`overlapping`).
MAX_DURATION = dt.timedelta(hours=12)


def overlapping(start: dt.datetime, end: dt.datetime) -> Q:
    """Appointments overlapping [start, end) (half-open), as an index can answer it."""
    return Q(start__lt=end, start__gt=start - MAX_DURATION, end__gt=start)


class Appointment(models.Model):
    """A client's appointment with a practitioner (R-SCH-1)."""

    class Kind(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video call")
        PHONE = "phone", _("Phone call")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", pgettext_lazy("appointment", "Cancelled")  # a client's "Cancelled" is another word
        NO_SHOW = "no_show", _("No-show")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="appointments")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments",
                               verbose_name=_("client"))
    practitioner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="appointments",
                                     verbose_name=_("practitioner"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.IN_PERSON)
    location = models.CharField(_("location"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.BOOKED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = ScopedManager(workspace="workspace")

    # Not columns: set by `selectors._localise` on the rows a page shows (local times, labels, address).
    local_start: dt.datetime
    local_end: dt.datetime
    time_label: str
    kind_label: str
    status_label: str
    url: str

    class Meta:
        ordering = ["start", "pk"]
        indexes = [
            # A practitioner's day or week, and the practice's day: a range of one workspace's starts.
            models.Index(fields=["workspace", "practitioner", "start"], name="appt_ws_practitioner_start"),
            models.Index(fields=["workspace", "start"], name="appt_ws_start"),
            # A client's Overview: their appointments, newest and upcoming.
            models.Index(fields=["client", "start"], name="appt_client_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appointment_ends_after_start"),
            PostgresOnlyExclusion(
                name="appointment_no_double_booking",
                expressions=[("practitioner", RangeOperators.EQUAL),
                             (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS)],
                condition=Q(status="booked"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_booked(self) -> bool:
        return self.status == self.Status.BOOKED

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class Change(models.Model):
    """One step of an appointment's history (R-SCH-3): booked, rescheduled (with the times it had),
    cancelled, completed, marked as a no-show."""

    class Kind(models.TextChoices):
        BOOKED = "booked", _("Booked")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        CANCELLED = "cancelled", pgettext_lazy("appointment", "Cancelled")
        COMPLETED = "completed", _("Marked as completed")
        NO_SHOW = "no_show", _("Marked as no-show")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    previous_start = models.DateTimeField(null=True, blank=True)
    previous_end = models.DateTimeField(null=True, blank=True)
    previous_practitioner = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT,
                                              related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(workspace="workspace")

    # Not columns: set by `selectors.history` (local times).
    local_at: dt.datetime
    local_previous_start: dt.datetime | None
    local_previous_end: dt.datetime | None

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


def feed_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A practitioner's iCalendar address (R-SCH-5): a secret only its hash of which is stored; at most
    one live feed per practitioner, revoked (kept, with the time) when replaced or switched off."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="calendar_feeds")
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practitioner"], condition=Q(revoked_at__isnull=True),
                                               name="calendar_feed_one_live_per_practitioner")]

    def __str__(self) -> str:
        return f"calendar feed of {self.practitioner_id}" + (" (revoked)" if self.revoked_at else "")
