"""Clients API: fields (skeleton; filled by its owner)."""

from ninja import Router

router = Router(tags=["clients"])
