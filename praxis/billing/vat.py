"""VAT (R-BIL-1): once per invoice, on its subtotal, at the rate of the workspace's country."""

from decimal import Decimal

from django.conf import settings

from praxis.core.money import round_cents


def vat_rate(country: str) -> Decimal:
    rates = settings.PRAXIS_VAT_RATES
    return Decimal(rates.get((country or "").upper(), settings.PRAXIS_VAT_DEFAULT_RATE))


def vat_amount(subtotal: Decimal, rate: Decimal) -> Decimal:
    return round_cents(subtotal * rate / 100)
