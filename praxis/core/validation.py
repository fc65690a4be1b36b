"""Small input checks shared by services (so the HTML form, the API and imports refuse alike)."""

from django.utils.translation import gettext as _

from .errors import ServiceError


def check_max_length(value: str, limit: int, *, field: str) -> str:
    if value is not None and len(value) > limit:
        raise ServiceError("too_long", _("At most %(limit)d characters.") % {"limit": limit}, field=field)
    return value
