"""The public side of a calendar feed (R-SCH-5): `GET /calendar/<secret>.ics`, no login — the secret
is the authorisation, looked up by its hash. An unknown or revoked secret is a plain 404. Each read is
audited (the feed carries client names out of Praxis, R-AUD-1) and stamps `last_read_at`."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET
from django_scopes import scopes_disabled

from praxis.audit import services as audit
from praxis.core import clock

from .. import ical, policies, selectors
from ..models import CalendarFeed, feed_hash

HISTORY_DAYS = 90  # past appointments a feed still lists


@require_GET
def ics(request, token: str):
    with scopes_disabled():  # the secret names the workspace; nothing else is read outside it
        feed = (CalendarFeed.objects.filter(secret_hash=feed_hash(token), revoked_at__isnull=True)
                .select_related("practitioner__user", "practitioner__workspace").first())
        # Only while its owner is still a practitioner here (active, clinical): a role or account-type
        # change ends what the address shows, like any permission (R-ROLE-6).
        if feed is None or policies.practitioner(feed.practitioner.workspace, feed.practitioner_id) is None:
            raise Http404
        practitioner = feed.practitioner
        now = clock.now()
        since = now - dt.timedelta(days=HISTORY_DAYS)
        appointments = list(selectors.feed_appointments(practitioner, since=since))
        workspace = practitioner.workspace
        body = ical.feed(appointments, name=f"{workspace.name} – {practitioner.display_name}",
                         language=(practitioner.user.language if practitioner.user else "") or workspace.language,
                         base_url=request.build_absolute_uri("/")[:-1],
                         url_of=lambda a: reverse("scheduling:appointment", args=[workspace.slug, a.pk]))
        CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
        audit.record(code="calendar_feed.read", action="read", actor=practitioner.user, workspace=workspace,
                     obj=feed, role=practitioner.role, data={"appointments": len(appointments)})
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="praxis.ics"'
    return response


urlpatterns = [path("calendar/<str:token>.ics", ics, name="ics")]
