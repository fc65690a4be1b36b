"""Client record views: relationships (skeleton; filled by its owner)."""

from __future__ import annotations

from typing import Any

urlpatterns: list = []


def relationships_tab(request, client) -> dict[str, Any]:
    """Provider of the record's Relationships tab (registered in `praxis.clients.tabs`)."""
    return {}
