"""Session lifetime and the user's interface language."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import logout
from django.utils import translation

from praxis.core import clock

SESSION_STARTED = "praxis_session_started"
REAUTHENTICATED = "praxis_reauthenticated"


def mark_authenticated(request) -> None:
    stamp = clock.now().isoformat()
    request.session[SESSION_STARTED] = stamp
    request.session[REAUTHENTICATED] = stamp


def mark_reauthenticated(request) -> None:
    """The user just proved their password again (R-ROLE-5); the session's 12-hour clock runs on."""
    request.session[REAUTHENTICATED] = clock.now().isoformat()


def reauthenticated_at(request) -> dt.datetime | None:
    value = request.session.get(REAUTHENTICATED)
    return dt.datetime.fromisoformat(value) if value else None


class SessionLifetimeMiddleware:
    """R-ACC-5: 12 hours in total (the 30 minutes idle are the session cookie's age, renewed per request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            if started is None:
                request.session[SESSION_STARTED] = clock.now().isoformat()
            elif clock.now() - dt.datetime.fromisoformat(started) > dt.timedelta(
                seconds=settings.SESSION_ABSOLUTE_LIFETIME
            ):
                logout(request)
        return self.get_response(request)


class UserLanguageMiddleware:
    """The logged-in user's chosen language wins over the browser's (R-ACC-4)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
