"""Template helpers for billing pages: money and billing periods.

Amounts are stored as integer cents (`money`) and computed as `Decimal` euros in drafts (`amount`); both
render the same way, localised, with exactly two decimals and the currency: `€ 29.50` (R-BIL-1). Never
through a float.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

from praxis.billing.bank import format_iban
from praxis.core.money import format_money, from_cents

register = template.Library()


@register.filter
def money(cents, currency: str = "EUR") -> str:
    """Integer cents → `€ 29.50`. Anything that is not a whole number of cents renders empty."""
    if cents is None or cents == "" or isinstance(cents, float | bool):
        return ""
    try:
        return format_money(from_cents(int(cents)), currency)
    except (TypeError, ValueError):
        return ""


@register.filter
def amount(value, currency: str = "EUR") -> str:
    """A `Decimal` amount in euros (a draft's subtotal, VAT, total) → `€ 29.50`."""
    if value is None or value == "" or isinstance(value, float | bool):
        return ""
    try:
        return format_money(Decimal(value), currency)
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def last_day(end: dt.date | None) -> dt.date | None:
    """The last day of a period stored half-open `[start, end)`: what people read as "until"."""
    return end - dt.timedelta(days=1) if end else end


@register.filter
def percent(rate) -> str:
    """A VAT rate such as `Decimal("21.00")` → `21`, `Decimal("5.50")` → `5.5` (localised)."""
    if rate is None or rate == "":
        return ""
    value = Decimal(rate).normalize()
    exponent = value.as_tuple().exponent  # an int for every finite Decimal; 'n'/'N'/'F' for NaN and infinity
    decimals = max(-exponent, 0) if isinstance(exponent, int) else 0
    return number_format(value, decimal_pos=decimals)


@register.filter
def plan_price(plan, interval: str = "monthly") -> str:
    """A catalogue plan's price for a billing interval, formatted (`€ 59.00`)."""
    return format_money(from_cents(plan.price_cents(interval)), "EUR") if plan is not None else ""


@register.filter
def iban(value: str) -> str:
    """`NL91ABNA0417164300` → `NL91 ABNA 0417 1643 00` (printed as people read it)."""
    return format_iban(value or "")
