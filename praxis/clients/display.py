"""How stored client values read on a page: phone numbers in their international notation, dates in the
reader's locale, custom values by type (R-CLI-1, R-CLI-2). Presentation only — what a member may see at
all is decided by `policies` before a value gets here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.utils import formats
from django.utils.translation import gettext as _

from .models import CustomField, FieldType


def phone(e164: str) -> str:
    """"+31612345678" → "+31 6 12345678"; anything unparsable is shown as stored."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def country(code: str) -> str:
    """A country code as its name in the reader's language ("NL" → "Nederland"); an unlisted code as is."""
    from praxis.workspaces.forms import COUNTRIES

    names = dict(COUNTRIES)
    return str(names[code.upper()]) if code and code.upper() in names else (code or "")


def date(value: dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return str(value)
    return formats.date_format(value, "DATE_FORMAT")


@dataclass(frozen=True)
class Value:
    """One value as a page shows it: its text, a link when it has one (mailto:, tel:), multi-line or not."""

    text: str
    href: str = ""
    multiline: bool = False


def custom_value(definition: CustomField, raw: Any) -> Value:
    kind = definition.field_type
    if kind == FieldType.CHECKBOX:
        return Value(_("Yes") if raw is True else _("No"))
    if raw is None or raw == "" or raw == []:
        return Value("")
    if kind == FieldType.MULTI_SELECT:
        return Value(", ".join(str(item) for item in raw) if isinstance(raw, list) else str(raw))
    if kind == FieldType.DATE:
        return Value(date(raw))
    if kind == FieldType.EMAIL:
        return Value(str(raw), href=f"mailto:{raw}")
    if kind == FieldType.PHONE:
        return Value(phone(str(raw)), href=f"tel:{raw}")
    if kind == FieldType.NUMBER:
        return Value(formats.number_format(raw) if isinstance(raw, str) and _is_number(raw) else str(raw))
    return Value(str(raw), multiline=kind == FieldType.LONG_TEXT)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
