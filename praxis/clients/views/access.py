"""The client record's Access history tab (R-AUD-1, R-AUD-3): every audit entry about this client —
who opened, changed or exported the record, when, with what role, via which access point, on whose
behalf and with what outcome — newest first, a page at a time, in a constant number of queries.

The tab is registered in `praxis.clients.tabs` with capability `audit.view`; opening it is itself a view
of the record (`views.records.client_record` logs it), so the newest entry is the reader's own visit.
The entries come from `selectors.access_history`, which the client's portal reuses.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

from .. import selectors

urlpatterns: list = []

PAGE_SIZE = 50

# The access point of an entry (`AuditEvent.via`, set by `praxis.audit.context`), in the reader's words.
VIA_LABELS = {
    "web": _("Web"),
    "api": _("API"),
    "token": _("API token"),
    "command": _("Command"),
    "system": _("System"),
}


def via_label(via: str) -> str:
    label = VIA_LABELS.get(via)
    return str(label) if label is not None else via


def history_page(events, number) -> Any:
    """One page of an access history (a `Paginator` page: one count and one slice), rows read at once
    with their `via_display`, so a page costs two queries whatever its entries."""
    page = Paginator(events, PAGE_SIZE).get_page(number)
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.via_display = via_label(event.via)
    return page


def access_tab(request, client) -> dict[str, Any]:
    """Provider of the record's Access history tab (registered in `praxis.clients.tabs`)."""
    return {"history": history_page(selectors.access_history(client), request.GET.get("page"))}
