"""Proration (R-BIL-4): the one formula for every mid-cycle change, charges and credits alike."""

import datetime as dt
from decimal import Decimal

from praxis.core.money import round_cents


def prorate(price: Decimal, start: dt.date, end: dt.date, d: dt.date) -> Decimal:
    """The part of `price` for the days from `d` to the end of the cycle `[start, end)`.

    `remaining = (end - d).days`, `length = (end - start).days`,
    `amount = round_half_up(price * remaining / length, 2)`.
    Example: cycle 2026-11-01..2026-12-01, 59.00, d = 2026-11-16 → 59.00 × 15/30 = 29.50.
    """
    if not start <= d <= end:
        raise ValueError(f"{d} is outside the cycle {start}..{end}")
    length = (end - start).days
    if length <= 0:
        raise ValueError("a cycle has at least one day")
    remaining = (end - d).days
    return round_cents(Decimal(price) * remaining / length)
