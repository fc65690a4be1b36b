"""Ports: what the kernel asks of a domain app without importing it (STYLE layout; issue 6 point 9).

A domain app registers its implementation in its `AppConfig.ready()`; without one the kernel gets the
neutral answer (no billing installed: nobody pays for themselves, so no credit).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SelfPaidEnding:
    """What ending a user's own subscription today credits to their personal balance (R-BIL-7)."""

    account_type: str
    credit_cents: int
    currency: str


_self_paid_ending: Callable[..., SelfPaidEnding | None] | None = None


def register_self_paid_ending(func: Callable[..., SelfPaidEnding | None]) -> None:
    global _self_paid_ending
    _self_paid_ending = func


def self_paid_ending(*, user) -> SelfPaidEnding | None:
    """`None` unless `user` pays their own subscription; billing computes the credit (the same function
    the accept page shows and the seat ledger credits)."""
    return _self_paid_ending(user=user) if _self_paid_ending is not None else None
