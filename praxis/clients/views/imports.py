"""Client record views: imports (skeleton; filled by its owner)."""

from __future__ import annotations

urlpatterns: list = []
