"""Client record views: exports (skeleton; filled by its owner)."""

from __future__ import annotations

urlpatterns: list = []
