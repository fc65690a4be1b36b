"""Money: exact `Decimal` arithmetic with an ISO currency, stored as integer cents (R-BIL-1).

Rounding is ROUND_HALF_UP to the cent and happens only at named points (`round_cents`), never
implicitly. A Decimal column on SQLite is a float, so the database only ever sees integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

CENT = Decimal("0.01")


def round_cents(value: Decimal) -> Decimal:
    """Round to the cent, halves away from zero (ROUND_HALF_UP)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal) -> int:
    return int(round_cents(value) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}


def format_money(value: Decimal, currency: str = "EUR") -> str:
    """`€ 29.50`, localised in the active language, exactly two decimals (R-BIL-1). The one formatting of
    amounts, for billing pages and for texts outside billing (notifications, e-mails)."""
    symbol = SYMBOLS.get((currency or "EUR").upper(), (currency or "").upper())
    return f"{symbol} {number_format(round_cents(value), decimal_pos=2, force_grouping=True)}"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "EUR"

    def __post_init__(self):
        if isinstance(self.amount, float):
            raise TypeError("Money never takes a float")
        object.__setattr__(self, "amount", round_cents(Decimal(self.amount)))

    @classmethod
    def from_cents(cls, cents: int, currency: str = "EUR") -> Money:
        return cls(from_cents(cents), currency)

    @property
    def cents(self) -> int:
        return to_cents(self.amount)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.currency} {self.amount}"
