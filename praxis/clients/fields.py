"""One validator per value type, shared by every write path (R-CLI-1, R-CLI-2): the HTML form, the API and
the import all call these functions, so the same input is refused with the same message everywhere.

Each validator takes the raw input (a string from a form or a file, or a JSON value from the API) and
returns the value to store, or raises `ServiceError` with a stable `code`, a translated message and the
`field` it concerns (`custom.<key>` for custom fields).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from praxis.core import clock
from praxis.core.errors import ServiceError
from praxis.core.validation import check_max_length, check_plain_text

from .models import CustomField, FieldType, Gender

# --- scalar normalisers --------------------------------------------------------------------------------


def clean_email(raw: Any, *, field: str = "email") -> str:
    """Trimmed and lower-cased; empty is allowed (required-ness is the caller's rule)."""
    value = _text(raw, field=field).strip().lower()
    if not value:
        return ""
    check_max_length(value, 254, field=field)
    try:
        _validate_email(value)
    except ValidationError:
        raise ServiceError("invalid_email", _("Enter a valid e-mail address."), field=field) from None
    return value


class _EmailValidator(EmailValidator):
    """Django's e-mail rule, remembering its verdict per domain: the addresses of an import share a few
    domains, and the domain check is most of the cost of checking one (R-CLI-9)."""

    # Django's own patterns, compiled here once: behind its lazy proxy (`_lazy_re_compile`) each match cost
    # more than the match itself.
    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)

    def validate_domain_part(self, domain_part: str) -> bool:
        return _domain_is_valid(domain_part)


@functools.lru_cache(maxsize=4096)
def _domain_is_valid(domain_part: str) -> bool:
    return EmailValidator.validate_domain_part(_validate_email, domain_part)


_validate_email = _EmailValidator()


# Every metadata pattern `phonenumbers` compiles is kept (its documented switch) instead of being looked up
# in the `re` module's cache for each of the ~10 patterns a number is checked against (R-CLI-9).
phonenumbers.enable_pattern_cache()


def clean_phone(raw: Any, *, country: str, field: str = "phone") -> str:
    """Any common notation ("06 12345678", "+31 6 1234 5678", "0031612345678") → E.164 ("+31612345678"),
    read against the workspace's country when the number has no country code."""
    value = _text(raw, field=field).strip()
    if not value:
        return ""
    if value.startswith("00"):
        value = "+" + value[2:]
    known = e164_number(value)
    if known is not None:  # already E.164: the number parse would give, without parsing it again
        if not phonenumbers.is_valid_number(known):
            raise ServiceError("invalid_phone", _("Enter a valid phone number, e.g. +31 6 12345678."), field=field)
        return value
    local = national_number(value, region=(country or "NL").upper())
    if local is not None and phonenumbers.is_valid_number(local):
        return f"+{local.country_code}{local.national_number}"
    try:
        number = phonenumbers.parse(value, (country or "NL").upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ServiceError("invalid_phone", _("Enter a valid phone number, e.g. +31 6 12345678."), field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_E164 = re.compile(r"\+([1-9]\d{6,14})")


def e164_number(value: str) -> phonenumbers.PhoneNumber | None:
    """The number a string already in E.164 form ("+31612345678") stands for — the very `PhoneNumber`
    `phonenumbers.parse` returns for it — built without parsing (the costly part of checking the phone
    numbers of a large import, R-CLI-9); `None` whenever parse could read it differently, and then the
    caller parses. Parse reads "+<digits>" as: the shortest known country code, then the national number,
    from which it strips a national prefix when the region's prefix pattern matches its start, keeping
    leading zeros aside (Italy). Those two cases are left to parse, so the result is the same number;
    validity is still decided by `phonenumbers.is_valid_number`."""
    match = _E164.fullmatch(value)
    if match is None:
        return None
    digits = match.group(1)
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    if national.startswith("0"):
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        code, phonenumbers.region_code_for_country_code(code))
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing
    if prefix and re.match(prefix, national):
        return None
    return phonenumbers.PhoneNumber(country_code=code, national_number=int(national))


_LOCAL = re.compile(r"[0-9][0-9 \-]{5,24}")


def national_number(value: str, *, region: str) -> phonenumbers.PhoneNumber | None:
    """The number a phone written in national notation ("06 12345678", "0612-345678") stands for in
    `region`, built without `phonenumbers.parse`, for the common case only: digits, spaces and dashes,
    a national prefix with nothing to transform, no international prefix, not starting with the
    region's country code. Parse strips such a prefix whenever what remains is a valid number — the
    caller uses the result only when `is_valid_number` says so, and parses in every other case, so the
    outcome is the one parse gives (checked by `test_import.py::test_national_fast_path_…`)."""
    if not _LOCAL.fullmatch(value):
        return None
    rules = _national_rules(region)
    if rules is None:
        return None
    country_code, code_digits, international_prefix, national_prefix = rules
    digits = value.replace(" ", "").replace("-", "")
    if digits.startswith(code_digits):
        return None  # parse may read the country code in it
    if international_prefix is not None and international_prefix.match(digits):
        return None  # parse reads an international call
    prefix = national_prefix.match(digits)
    if prefix is None or prefix.end() == 0 or any(group is not None for group in prefix.groups()):
        return None
    national = digits[prefix.end():]
    if not national or national.startswith("0") or len(national) > 17:
        return None
    return phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))


@functools.lru_cache(maxsize=256)
def _national_rules(region: str) -> tuple[int, str, re.Pattern[str] | None, re.Pattern[str]] | None:
    """What `national_number` reads from a region's metadata, its patterns compiled: (country code, the
    same as text, the international prefix, the national prefix for parsing); `None` when the region has
    no metadata, no national prefix or one with a transform rule (left to parse)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if (metadata is None or metadata.country_code is None or metadata.national_prefix_transform_rule
            or not metadata.national_prefix_for_parsing):
        return None
    international = re.compile(metadata.international_prefix) if metadata.international_prefix else None
    return (metadata.country_code, str(metadata.country_code), international,
            re.compile(metadata.national_prefix_for_parsing))


# Day first everywhere Praxis is sold; month first only where the country writes it so (ambiguous input
# such as 03/04/2020 follows the workspace's country, R-CLI-9).
MONTH_FIRST_COUNTRIES = {"US", "PH", "FM", "MH", "PW"}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(raw: Any, *, country: str = "NL", field: str = "date_of_birth") -> dt.date | None:
    """dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy, yyyy-mm-dd, a `date`/`datetime` (an XLSX date cell) or an Excel
    serial number; an impossible date ("31-02-2020") is refused."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _excel_serial(raw, field=field)
    value = _text(raw, field=field).strip()
    if not value:
        return None
    if value.isdigit() and 4 < len(value) <= 6:  # an Excel serial that arrived as text
        return _excel_serial(int(value), field=field)
    value = value.split("T")[0].split(" ")[0]
    match = _ISO.match(value)
    try:
        if match:
            year, month, day = (int(g) for g in match.groups())
        elif match := _DMY.match(value):
            first, second, year = (int(g) for g in match.groups())
            day, month = (second, first) if (country or "").upper() in MONTH_FIRST_COUNTRIES else (first, second)
        else:
            raise ValueError
        return dt.date(year, month, day)
    except ValueError:
        raise ServiceError("invalid_date", _("Enter a valid date, e.g. 31-12-1980."), field=field) from None


def _excel_serial(serial: float, *, field: str) -> dt.date:
    if not 1 <= serial < 2958466:  # Excel's range: 1900-01-01 … 9999-12-31
        raise ServiceError("invalid_date", _("Enter a valid date, e.g. 31-12-1980."), field=field)
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))


def clean_date_of_birth(raw: Any, *, country: str, today: dt.date | None = None,
                        field: str = "date_of_birth") -> dt.date | None:
    value = parse_date(raw, country=country, field=field)
    if value is not None:
        today = today or clock.now().date()
        if value > today:
            raise ServiceError("date_in_future", _("The date of birth cannot be in the future."), field=field)
        if value.year < 1880:
            raise ServiceError("invalid_date", _("Enter a valid date, e.g. 31-12-1980."), field=field)
    return value


def clean_name(raw: Any, *, field: str, required: bool, limit: int = 150) -> str:
    value = " ".join(_text(raw, field=field).split())
    if required and not value:
        raise ServiceError("required", _("This field is required."), field=field)
    check_max_length(value, limit, field=field)
    return value


def clean_line(raw: Any, *, field: str, limit: int) -> str:
    value = _text(raw, field=field).strip()
    check_max_length(value, limit, field=field)
    check_plain_text(value, field=field)
    return value


def clean_choice(raw: Any, *, field: str, choices: Iterable[str]) -> str:
    value = _text(raw, field=field).strip()
    if value and value not in set(choices):
        raise ServiceError("invalid_choice", _("Select a valid choice."), field=field)
    return value


def clean_gender(raw: Any, *, field: str = "gender") -> str:
    return clean_choice(raw, field=field, choices=Gender.values)


def clean_language(raw: Any, *, field: str = "language") -> str:
    return clean_choice(raw, field=field, choices=[code for code, _name in settings.LANGUAGES])


def clean_country(raw: Any, *, field: str = "country") -> str:
    value = _text(raw, field=field).strip().upper()
    if value and not re.fullmatch(r"[A-Z]{2}", value):
        raise ServiceError("invalid_country", _("Enter a two-letter country code, e.g. NL."), field=field)
    return value


def _text(raw: Any, *, field: str) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise ServiceError("invalid", _("Enter text."), field=field)
    value = str(raw)
    check_plain_text(value, field=field, multiline=True)
    return value


# --- the built-in client fields (R-CLI-1) -------------------------------------------------------------

# name → (section, cleaner). The order is the order of the record's sections and of the new-client form.
BUILTIN_FIELDS = (
    "first_name", "last_name", "preferred_name", "date_of_birth", "gender", "national_id",
    "email", "phone", "language", "street", "postal_code", "city", "country",
)  # fmt: skip
SENSITIVE_BUILTIN_FIELDS = frozenset({"national_id"})  # R-CLI-1, R-ROLE-3


def clean_builtin(name: str, raw: Any, *, country: str) -> Any:
    """Validate one built-in client field by name; the one place its rule lives."""
    match name:
        case "first_name" | "last_name":
            return clean_name(raw, field=name, required=True)
        case "preferred_name":
            return clean_name(raw, field=name, required=False)
        case "date_of_birth":
            return clean_date_of_birth(raw, country=country)
        case "gender":
            return clean_gender(raw)
        case "email":
            return clean_email(raw)
        case "phone":
            return clean_phone(raw, country=country)
        case "language":
            return clean_language(raw)
        case "country":
            return clean_country(raw)
        case "national_id":
            return clean_line(raw, field=name, limit=32)
        case "street" | "city":
            return clean_line(raw, field=name, limit=200 if name == "street" else 100)
        case "postal_code":
            return clean_line(raw, field=name, limit=16).upper()
    raise KeyError(name)


# --- custom fields (R-CLI-2) --------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "y", "on", "ja", "oui", "x", "✓"}
_FALSE = {"0", "false", "no", "n", "off", "nee", "non", "nein", ""}


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def clean_custom_value(definition: CustomField, raw: Any, *, country: str) -> Any:
    """The stored JSON value of one custom field, or `ServiceError` on `custom.<key>`.

    Stored forms: text → str; number → str of a Decimal (exact, no float); date → "YYYY-MM-DD";
    single select → one of the choices; multi select → list of choices in definition order;
    checkbox → bool; e-mail → lower-cased; phone → E.164. Empty input stores nothing (`None`).
    """
    field = f"custom.{definition.key}"
    kind = definition.field_type
    if kind == FieldType.CHECKBOX:
        value: Any = _boolean(raw, field=field)
    elif kind == FieldType.MULTI_SELECT:
        value = _multi(definition, raw, field=field)
    elif isinstance(raw, list | dict):
        raise ServiceError("invalid", _("Enter text."), field=field)
    elif kind == FieldType.TEXT:
        value = clean_line(raw, field=field, limit=500) or None
    elif kind == FieldType.LONG_TEXT:
        value = _text(raw, field=field).strip() or None
        check_max_length(value or "", 10000, field=field)
    elif kind == FieldType.NUMBER:
        value = _number(raw, field=field)
    elif kind == FieldType.DATE:
        parsed = parse_date(raw, country=country, field=field)
        value = parsed.isoformat() if parsed else None
    elif kind == FieldType.SINGLE_SELECT:
        text = _text(raw, field=field).strip()
        value = _match_choice(definition, text, field=field) if text else None
    elif kind == FieldType.EMAIL:
        value = clean_email(raw, field=field) or None
    elif kind == FieldType.PHONE:
        value = clean_phone(raw, country=country, field=field) or None
    else:  # pragma: no cover - the model's choices are exhaustive
        raise ServiceError("invalid", _("Unknown field type."), field=field)
    if definition.required and is_empty(value) and kind != FieldType.CHECKBOX:
        raise ServiceError("required", _("This field is required."), field=field)
    if definition.required and kind == FieldType.CHECKBOX and value is not True:
        raise ServiceError("required", _("This box must be ticked."), field=field)
    return value


def _boolean(raw: Any, *, field: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None:
        return False
    text = _text(raw, field=field).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ServiceError("invalid_boolean", _("Enter yes or no."), field=field)


def _number(raw: Any, *, field: str) -> str | None:
    if isinstance(raw, bool):
        raise ServiceError("invalid_number", _("Enter a number."), field=field)
    text = _text(raw, field=field).strip().replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:  # European decimal comma: "72,5"
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ServiceError("invalid_number", _("Enter a number."), field=field) from None
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise ServiceError("invalid_number", _("Enter a number."), field=field)
    return format(number.normalize(), "f") if number == number.to_integral() else format(number, "f")


def _match_choice(definition: CustomField, text: str, *, field: str) -> str:
    """A choice matched exactly, else case-insensitively (an import may write "yes" for "Yes")."""
    options = [str(option) for option in definition.choices or []]
    if text in options:
        return text
    folded = {option.casefold(): option for option in options}
    if text.casefold() in folded:
        return folded[text.casefold()]
    raise ServiceError("invalid_choice", _("Select a valid choice."), field=field)


def _multi(definition: CustomField, raw: Any, *, field: str) -> list[str]:
    if raw is None or raw == "":
        items: list[Any] = []
    elif isinstance(raw, list | tuple):
        items = list(raw)
    elif isinstance(raw, str):
        items = [part for part in re.split(r"[;,|]", raw)]
    else:
        raise ServiceError("invalid_choice", _("Select a valid choice."), field=field)
    chosen = set()
    for item in items:
        if not isinstance(item, str):
            raise ServiceError("invalid_choice", _("Select a valid choice."), field=field)
        if item.strip():
            chosen.add(_match_choice(definition, item.strip(), field=field))
    return [option for option in definition.choices if option in chosen]


def clean_custom_values(definitions: Iterable[CustomField], raw: dict[str, Any], *, country: str,
                        current: dict[str, Any] | None = None, partial: bool = False) -> dict[str, Any]:
    """The new `Client.custom` after applying `raw` (keyed by field key) for the given live definitions.

    Values of fields not in `definitions` (retired ones, or ones the actor may not see) are kept from
    `current` untouched. With `partial`, fields absent from `raw` keep their value and are not checked for
    required-ness (an API PATCH); otherwise every definition is validated (a form or an import row).
    Unknown keys are refused, so a typo is not silently dropped.
    """
    known = {definition.key: definition for definition in definitions}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ServiceError("unknown_field", _("There is no custom field “%(key)s”.") % {"key": unknown[0]},
                           field=f"custom.{unknown[0]}")
    result = dict(current or {})
    for key, definition in known.items():
        if partial and key not in raw:
            continue
        value = clean_custom_value(definition, raw.get(key), country=country)
        if is_empty(value) and definition.field_type != FieldType.CHECKBOX:
            result.pop(key, None)
        else:
            result[key] = value
    return result
