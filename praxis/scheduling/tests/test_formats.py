"""Dates on the calendar pages as each language writes a weekday with its date (every user-facing date in
the locale's format)."""

import datetime as dt

import pytest
from django.utils import translation

from praxis.scheduling.templatetags.scheduling_tags import weekday_date

DAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(("language", "short", "long"), [
    ("de", "Montag, 7. Dezember", "Montag, 7. Dezember 2026"),
    ("nl", "maandag 7 december", "maandag 7 december 2026"),
    ("fr", "lundi 7 décembre", "lundi 7 décembre 2026"),
    ("en", "Monday 7 December", "Monday 7 December 2026"),
])
def test_weekday_date_in_each_language(language, short, long):
    with translation.override(language):
        assert weekday_date(DAY) == short
        assert weekday_date(DAY, "year") == long
