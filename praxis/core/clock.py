"""The only source of "now" in Praxis.

Billing, expiry and audit all ask this module, so tests can move time with `time-machine` and every rule
that depends on a date can be tested at any date.
"""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current moment, timezone-aware, in UTC."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in UTC."""
    return now().date()
