# Minimal stub for django-scopes (ships no types). ScopedManager builds its
# manager class at runtime; to the type checker it is a plain Manager plus the
# escape hatch the code uses. Issue 6 point 11.
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models

class ScopedManager(models.Manager[Any]):
    def __init__(self, **scopes: str) -> None: ...
    def with_scopes_disabled(self) -> models.QuerySet[Any]: ...

@contextmanager
def scope(**scope_kwargs: Any) -> Iterator[None]: ...
@contextmanager
def scopes_disabled() -> Iterator[None]: ...
def get_scope() -> dict[str, Any]: ...
