"""Scheduling URLs (namespace `scheduling`): the calendar pages and the appointments under the workspace.
The public calendar feed (`/calendar/<secret>.ics`) is namespace `scheduling_feed` (`feed_urls`)."""

from .views import appointments, calendar

app_name = "scheduling"

urlpatterns = [*calendar.urlpatterns, *appointments.urlpatterns]
