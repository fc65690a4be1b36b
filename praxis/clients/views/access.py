"""Client record views: access (skeleton; filled by its owner)."""

from __future__ import annotations

from typing import Any

urlpatterns: list = []


def access_tab(request, client) -> dict[str, Any]:
    """Provider of the record's Access history tab (registered in `praxis.clients.tabs`)."""
    return {}
