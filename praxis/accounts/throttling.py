"""What django-axes counts login failures by (issue 6 point 20, R-ACC-1).

Axes keys its failure records on the username it is given. The login address is case-insensitive and
trimmed (`UserManager.normalize_email`), so axes must count it in the same normalised form — otherwise
`EVA@…` is a fresh address for the throttle while it logs in as `eva@…`. `AXES_USERNAME_CALLABLE` points
here, so every path that asks axes (the login form, anything calling `authenticate(request, email=…)`)
counts the same spelling.
"""

from django.conf import settings

from .models import User


def normalize_login(value) -> str:
    """The address as the User model stores it: trimmed and lower-cased."""
    return User.objects.normalize_email(value if isinstance(value, str) else "")


def axes_username(request, credentials: dict | None = None) -> str:
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field) is not None:
        return normalize_login(credentials.get(field))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalize_login(data.get(field))
