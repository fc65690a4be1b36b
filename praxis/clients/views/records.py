"""Client record views: records (skeleton; filled by its owner)."""

from __future__ import annotations

from typing import Any

urlpatterns: list = []


def personal_tab(request, client) -> dict[str, Any]:
    """Provider of the record's Personal tab (registered in `praxis.clients.tabs`)."""
    return {}


# --- temporary until the records views land: the list URL the navigation links to ---------------------
from django.shortcuts import render  # noqa: E402
from django.urls import path  # noqa: E402

from praxis.workspaces.roles import CLIENTS_VIEW  # noqa: E402
from praxis.workspaces.web import workspace_view  # noqa: E402


@workspace_view(CLIENTS_VIEW)
def client_list(request):
    return render(request, "clients/list.html", {"workspace": request.access.workspace})


urlpatterns = [path("w/<slug:ws>/clients/", client_list, name="list")]
