"""Client record views: portal (skeleton; filled by its owner)."""

from __future__ import annotations

urlpatterns: list = []
