"""Reads of the audit log (R-AUD-2).

`AuditEvent` is not scope-managed (entries outside any workspace exist, e.g. sign-up), so every read here
filters by workspace explicitly. A period is given in days of the workspace's own time zone: "the 3rd"
means the 3rd where the practice is, not in UTC.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from .models import AuditEvent


def _day_start(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def audit_events(*, workspace, user_id: int | None = None, code: str = "", client_id: str = "",
                 date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet[AuditEvent]:
    """A workspace's entries, newest first, optionally by user, event code (part of it), client and
    period (both days included)."""
    qs = AuditEvent.objects.filter(workspace=workspace).select_related("user").order_by("-id")
    if user_id:
        qs = qs.filter(user_id=user_id)
    if client_id:
        qs = qs.filter(client_id=str(client_id))
    if code:
        qs = qs.filter(event_code__icontains=code.strip())
    tz = ZoneInfo(workspace.time_zone or "UTC")
    if date_from:
        qs = qs.filter(occurred_at__gte=_day_start(date_from, tz))
    if date_to:
        qs = qs.filter(occurred_at__lt=_day_start(date_to + dt.timedelta(days=1), tz))
    return qs
