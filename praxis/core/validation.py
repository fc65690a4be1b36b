"""Small input checks shared by services, forms, API schemas and the request guard, so every entry point
(the HTML form, the API, imports) refuses the same input with the same message.

- `check_max_length`: a length limit as a `ServiceError` on the field.
- `unstorable_text` / `check_storable`: NUL bytes and lone surrogates can never be stored (PostgreSQL
  refuses both, SQLite keeps garbage) — `praxis.core.middleware.BadInputMiddleware` refuses any request
  carrying them before a view runs (issue 6 point 21).
- `out_of_range_id`: integers the database cannot hold (ids are signed 64-bit), refused the same way.
- `check_plain_text` / `plain_text_validator`: names are one line of text — no control characters
  (tab and newline only where multi-line text is allowed), issue 6 point 25c.
"""

import re
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator

from .errors import ServiceError

# The largest value of a signed 64-bit integer, the widest id column (BigAutoField) of both databases.
MAX_DB_INT = 2**63 - 1


def check_max_length(value: str, limit: int, *, field: str) -> str:
    if value is not None and len(value) > limit:
        raise ServiceError("too_long", _("At most %(limit)d characters.") % {"limit": limit}, field=field)
    return value


def unstorable_text(value: str) -> bool:
    """True when the text holds a NUL byte or a lone surrogate (e.g. "\\ud800" from JSON)."""
    return "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value)


UNSTORABLE_MESSAGE = gettext_lazy("The input contains characters that cannot be stored (such as a NUL byte). "
                                  "Remove them and try again.")
OUT_OF_RANGE_MESSAGE = gettext_lazy("A number in the request is too large.")
NOT_AN_OBJECT_MESSAGE = gettext_lazy("The request body must be a JSON object.")
TOO_DEEP_MESSAGE = gettext_lazy("The request body is nested too deeply.")
# No Praxis schema nests deeper than a few levels (an object in a list in an object); 32 leaves room.
MAX_JSON_DEPTH = 32
CONTROL_MESSAGE = gettext_lazy("Remove the control characters (such as a tab or line break) from this text.")


def out_of_range_id(value: int) -> bool:
    return not -MAX_DB_INT <= value <= MAX_DB_INT


# Unicode categories Cc (U+0000–U+001F, U+007F–U+009F) and Cs (surrogates) as one regex: the import
# checks every cell with it, so a per-character `unicodedata.category` loop was its slowest step.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _has_control_characters(value: str, *, multiline: bool) -> bool:
    return (_CONTROL_MULTILINE if multiline else _CONTROL).search(value) is not None


def check_plain_text(value: str | None, *, field: str, multiline: bool = False) -> str | None:
    """Refuse control characters in a name (issue 6 point 25c) as a `ServiceError` on `field`."""
    if isinstance(value, str) and _has_control_characters(value, multiline=multiline):
        raise ServiceError("control_characters", str(CONTROL_MESSAGE), field=field)
    return value


def plain_text_validator(value) -> None:
    """The same rule as a Django validator, for form and model fields."""
    if isinstance(value, str) and _has_control_characters(value, multiline=False):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


def plain_text(value: str) -> str:
    """The same rule for pydantic / django-ninja schemas (see `PlainText`)."""
    if isinstance(value, str) and _has_control_characters(value, multiline=False):
        raise ValueError(str(CONTROL_MESSAGE))
    return value


# A one-line name in an API schema: `name: PlainText = Field(max_length=200)`.
PlainText = Annotated[str, AfterValidator(plain_text)]
