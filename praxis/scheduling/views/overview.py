"""The client record's Overview tab (R-CLI-3, seed 004 "Übersicht"): the client's upcoming appointments
with "Book appointment", and their past ones with what can be done about them (reschedule a booked one,
mark it). It is the record's first tab, where a click on a client lands. Actions of later apps (create
an invoice, add a note) join when those apps exist; none is shown before."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from praxis.clients import tabs
from praxis.workspaces.roles import CLIENTS_VIEW

from .. import policies, selectors


def overview_tab(request, client) -> dict[str, Any]:
    return {"appointments": selectors.for_client(request.access, client),
            "may_book": policies.may_book_for(request.access, client),
            "may_manage_appointments": policies.may_manage(request.access)}


def portal_section(client) -> dict[str, Any] | None:
    """The portal's "Upcoming appointments" (R-CLI-11): the client's own, with the practitioner, time and
    place (the video link to join); nothing when there are none."""
    upcoming = selectors.for_portal(client)
    return {"appointments": upcoming} if upcoming else None


def register_tab() -> None:
    tabs.register(tabs.Tab("overview", _("Overview"), "scheduling/tabs/overview.html", overview_tab,
                           capability=CLIENTS_VIEW, order=10))
    tabs.register_portal_section(tabs.PortalSection("appointments", "scheduling/portal_appointments.html",
                                                    portal_section, order=10))
