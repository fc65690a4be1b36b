"""Date and time formats per language (issue 6 point 16), found through `FORMAT_MODULE_PATH`.

Praxis is a European product: English pages show "21 November 2026" and ISO short dates (2026-11-21),
never the US "Nov. 21, 2026" / "11/21/2026" of Django's `en` locale; times are 24-hour everywhere.
Settings not defined here (number separators, input formats) fall back to Django's locale files, and
ISO input (YYYY-MM-DD) is always accepted.
"""
