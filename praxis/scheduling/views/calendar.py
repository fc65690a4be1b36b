"""The calendar pages (R-SCH-1): a practitioner's day or week and the practice's day, in the workspace's
time zone; the practitioner's own calendar-feed address (R-SCH-5). Reads through `selectors`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from praxis.core.errors import ServiceError
from praxis.core.web import refuse
from praxis.workspaces.roles import CLIENTS_VIEW
from praxis.workspaces.web import workspace_view

from .. import policies, selectors, services, times


def _day(request, tz) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return times.today(tz)
    return day if times.is_calendar_day(day) else times.today(tz)


@require_GET
@workspace_view(CLIENTS_VIEW)
def calendar(request):
    """A practitioner's week (or day, `?view=day`): the member's own when they are a practitioner."""
    access = request.access
    tz = times.zone(access.workspace)
    practitioners = policies.practitioners(access.workspace)
    chosen = request.GET.get("practitioner", "")
    practitioner = next((m for m in practitioners if str(m.pk) == chosen), None)
    if practitioner is None:
        practitioner = next((m for m in practitioners if m.pk == access.membership.pk),
                            practitioners[0] if practitioners else None)
    view = "day" if request.GET.get("view") == "day" else "week"
    day = _day(request, tz)
    first = day if view == "day" else times.week_of(day)
    step = dt.timedelta(days=1 if view == "day" else 7)
    days = selectors.days(access, first, 1 if view == "day" else 7, practitioner=practitioner) if practitioner else []
    return render(request, "scheduling/calendar.html", {
        "workspace": access.workspace, "practitioners": practitioners, "practitioner": practitioner,
        "view": view, "days": days, "first": first, "last": first + step - dt.timedelta(days=1),
        "previous": first - step, "next": first + step, "today": times.today(tz),
        "may_book": policies.may_manage(access), "time_zone": access.workspace.time_zone,
        "is_practitioner": any(m.pk == access.membership.pk for m in practitioners),
    })


@require_GET
@workspace_view(CLIENTS_VIEW)
def practice_day(request):
    """Every practitioner's appointments of one day, side by side (stacked on a phone)."""
    access = request.access
    tz = times.zone(access.workspace)
    day = _day(request, tz)
    return render(request, "scheduling/practice_day.html", {
        "workspace": access.workspace, "day": day, "columns": selectors.practice_day(access, day),
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1), "today": times.today(tz),
        "may_book": policies.may_manage(access), "time_zone": access.workspace.time_zone,
    })


_SHOW_ONCE = "scheduling.feed_secret"


@workspace_view(CLIENTS_VIEW)
def feed_settings(request):
    """The member's calendar address: create (or replace) it, shown once; switch it off."""
    access = request.access
    if not policies.is_practitioner(access.membership):
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                if services.feed_revoke(access=access):
                    messages.success(request, _("Your calendar address no longer works."))
                return redirect("scheduling:feed", access.workspace.slug)
            # Shown once, on the page the redirect lands on (a reload does not make another address).
            request.session[_SHOW_ONCE] = services.feed_create(access=access)
        except ServiceError as exc:
            refuse(request, exc)
        return redirect("scheduling:feed", access.workspace.slug)
    secret = request.session.pop(_SHOW_ONCE, None)
    feed_url = request.build_absolute_uri(reverse("scheduling_feed:ics", args=[secret])) if secret else ""
    return render(request, "scheduling/feed.html", {
        "workspace": access.workspace, "feed": policies.live_feed(access.membership), "feed_url": feed_url,
    })


urlpatterns = [
    path("w/<slug:ws>/calendar/", calendar, name="calendar"),
    path("w/<slug:ws>/calendar/practice/", practice_day, name="practice_day"),
    path("w/<slug:ws>/calendar/feed/", feed_settings, name="feed"),
]
