"""Clients API: imports (skeleton; filled by its owner)."""

from ninja import Router

router = Router(tags=["clients"])
