"""Session lifetime and the user's interface language."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import logout
from django.utils import translation

from praxis.core import clock

SESSION_STARTED = "praxis_session_started"
SESSION_RENEWED = "praxis_session_renewed"
REAUTHENTICATED = "praxis_reauthenticated"
# The idle timeout is renewed at most this often: a session is written once a minute, not on every request.
SESSION_RENEWAL_INTERVAL = dt.timedelta(minutes=1)


def mark_authenticated(request) -> None:
    stamp = clock.now().isoformat()
    request.session[SESSION_STARTED] = stamp
    request.session[REAUTHENTICATED] = stamp


def mark_reauthenticated(request) -> None:
    """The user just proved their password again (R-ROLE-5); the session's 12-hour clock runs on."""
    request.session[REAUTHENTICATED] = clock.now().isoformat()


SECOND_FACTOR = "praxis_second_factor"
PENDING_LOGIN = "praxis_pending_login"
# The code step must follow the password within this time, or the login starts again.
PENDING_LOGIN_LIFETIME = dt.timedelta(minutes=5)


def mark_second_factor(request) -> None:
    """A valid second-factor code was given in this session (R-ACC-1)."""
    request.session[SECOND_FACTOR] = clock.now().isoformat()


def forget_second_factor(request) -> None:
    request.session.pop(SECOND_FACTOR, None)


def end_pending_login(request) -> None:
    request.session.pop(PENDING_LOGIN, None)


def second_factor_verified(request) -> bool:
    return bool(getattr(request, "session", None) is not None and request.session.get(SECOND_FACTOR))


def start_pending_login(request, user, next_url: str | None) -> None:
    """The password was right and the user has a second factor: remember who, until the code step."""
    request.session[PENDING_LOGIN] = {"user": user.pk, "at": clock.now().isoformat(), "next": next_url or ""}


def pending_login(request) -> tuple[int, str] | None:
    """(user id, next url) of a password step less than five minutes ago, or None."""
    value = request.session.get(PENDING_LOGIN)
    if not value:
        return None
    if clock.now() - dt.datetime.fromisoformat(value["at"]) > PENDING_LOGIN_LIFETIME:
        request.session.pop(PENDING_LOGIN, None)
        return None
    return value["user"], value["next"]


def reauthenticated_at(request) -> dt.datetime | None:
    value = request.session.get(REAUTHENTICATED)
    return dt.datetime.fromisoformat(value) if value else None


def session_renewed_at_login(sender, request, user, **kwargs) -> None:
    """A new session starts its 12 hours and is renewed (every login path: `user_logged_in`), so the
    first request after logging in does not write it again."""
    if request is not None and hasattr(request, "session"):
        stamp = clock.now().isoformat()
        request.session[SESSION_STARTED] = stamp
        request.session[SESSION_RENEWED] = stamp


class SessionLifetimeMiddleware:
    """R-ACC-5: 30 minutes idle, 12 hours in total.

    The idle timeout is the session's age (`SESSION_COOKIE_AGE`), counted from its last save: both the
    stored session and the cookie expire 30 minutes after it. Saving it on every request would cost a
    write transaction per page and per API call, so it is renewed when the last renewal is a minute old
    or more. A session therefore ends between 29 and 30 minutes after the last request: never later
    than the rule allows.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = clock.now()
            started = request.session.get(SESSION_STARTED)
            if started is None:
                request.session[SESSION_STARTED] = now.isoformat()
            elif now - dt.datetime.fromisoformat(started) > dt.timedelta(seconds=settings.SESSION_ABSOLUTE_LIFETIME):
                logout(request)
                return self.get_response(request)
            renewed = request.session.get(SESSION_RENEWED)
            if renewed is None or now - dt.datetime.fromisoformat(renewed) >= SESSION_RENEWAL_INTERVAL:
                request.session[SESSION_RENEWED] = now.isoformat()  # modified: saved with a new expiry
        return self.get_response(request)


LINK_LANGUAGE = "praxis_link_language"


def _offered(language: str | None) -> str | None:
    return language if language in {code for code, _name in settings.LANGUAGES} else None


def activate_language(request, language: str | None = None, *, user=None, remember: bool = False) -> str:
    """Switch this request to `language` — or the user's own, or the browser's — so what comes next is in
    it, flash messages included (issue 6 point 16: a message created after logging in or out is shown on
    the next page, in that page's language). `remember` keeps it for the rest of an anonymous visit that
    started from an e-mail link (the login after an invitation)."""
    language = (_offered(language) or _offered(getattr(user, "language", None))
                or translation.get_language_from_request(request))
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if remember and hasattr(request, "session"):
        request.session[LINK_LANGUAGE] = language
    return language


class UserLanguageMiddleware:
    """The logged-in user's chosen language wins over the browser's (R-ACC-4). Before logging in, a page
    opened from an e-mail keeps the e-mail's language (`?lang=`, or the invitation's, issue 6 point 16)
    for the rest of the visit; otherwise the browser's (Accept-Language, by LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        elif link_language := _offered(request.GET.get("lang")):
            activate_language(request, link_language, remember=True)
        elif link_language := _offered(request.session.get(LINK_LANGUAGE) if hasattr(request, "session") else None):
            activate_language(request, link_language)
        return self.get_response(request)
