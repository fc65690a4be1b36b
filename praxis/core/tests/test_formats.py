"""Issue 6 point 16: dates follow the locale, and English is European English — never US dates."""

import datetime as dt

import pytest
from django.utils import formats, translation

DAY = dt.date(2026, 11, 21)
MOMENT = dt.datetime(2026, 11, 21, 15, 23, tzinfo=dt.UTC)


@pytest.mark.parametrize(("language", "long", "short", "short_datetime"), [
    ("en", "21 November 2026", "2026-11-21", "2026-11-21 15:23"),
    ("nl", "21 november 2026", "21-11-2026", "21-11-2026 15:23"),
    ("fr", "21 novembre 2026", "21/11/2026", "21/11/2026 15:23"),
    ("de", "21. November 2026", "21.11.2026", "21.11.2026 15:23"),
])
def test_dates_in_each_language(language, long, short, short_datetime):
    with translation.override(language):
        assert formats.date_format(DAY, "DATE_FORMAT") == long
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == short
        assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == short_datetime


def test_english_accepts_iso_and_european_input_not_us():
    with translation.override("en"):
        assert "%Y-%m-%d" in formats.get_format("DATE_INPUT_FORMATS")
        assert "%m/%d/%Y" not in formats.get_format("DATE_INPUT_FORMATS")
