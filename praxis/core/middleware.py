import json
from urllib.parse import unquote_to_bytes

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django_scopes import scopes_disabled

from . import validation
from .errors import RateLimited


class PrivateResponseMiddleware:
    """`Cache-Control: no-store` on every response Praxis renders itself: pages, API answers, downloads and
    error pages all may carry personal or health data, and no browser, proxy or shared cache may keep them
    (SPEC §11). Static files never reach this middleware: WhiteNoise, above it, answers those with their
    own long-lived caching headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


class RateLimitedMiddleware:
    """A view that met a rate limit (`core.ratelimits`, raised through `core.web.form_error`) answers with the
    429 page in the user's language and `Retry-After`; the API answers in its own exception handler."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        response = render(request, "429.html", {"message": exception.message}, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response


class OperatorConsoleMiddleware:
    """The operator console (Django admin at /operator/) works across all workspaces by design:
    tenant scopes are lifted there, and only there, for staff users."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/operator/") and getattr(request.user, "is_staff", False):
            with scopes_disabled():
                return self.get_response(request)
        return self.get_response(request)


class BadInputMiddleware:
    """Refuse, before any view runs, input no database column can hold (issue 6 point 21).

    A JSON body that is not an object (an array, a string, a number) is refused with `invalid_body`.
    NUL bytes and lone surrogates in query strings, form fields or JSON bodies made PostgreSQL fail with a
    500; integers beyond 64 bits in a path (`/members/99999999999999999999/`) or a JSON body made SQLite
    fail with an OverflowError. Checked once here instead of in every form and schema: the answer is a
    clear 400 (a page, or `{"detail", "code", "field"}` under /api/), a path id out of range is the same
    404 as a missing object — and nothing has changed.
    """

    API_PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._query_and_form_problem(request) or self._json_problem(request)
        if problem is not None:
            return self._refuse(request, *problem)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in [*view_args, *view_kwargs.values()]:
            if isinstance(value, int) and not isinstance(value, bool) and validation.out_of_range_id(value):
                return self._not_found(request)
            if isinstance(value, str) and validation.unstorable_text(value):
                return self._not_found(request)
        return None

    # -- finding the problem ---------------------------------------------------------------------------

    def _query_and_form_problem(self, request):
        # Django decodes broken UTF-8 (a lone surrogate sent as %ED%A0%80) into U+FFFD silently; refuse it.
        if _invalid_utf8(request.META.get("QUERY_STRING", "").encode("iso-8859-1", errors="replace")):
            return "invalid_characters", None
        sources = [request.GET]
        content_type = request.content_type or ""
        if request.method == "POST" and content_type == "application/x-www-form-urlencoded":
            if _invalid_utf8(request.body):
                return "invalid_characters", None
        if request.method == "POST" and content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sources.append(request.POST)
        for source in sources:
            for key, values in source.lists():
                if validation.unstorable_text(key) or any(validation.unstorable_text(v) for v in values):
                    return "invalid_characters", key
        if validation.unstorable_text(request.path):
            return "invalid_characters", None
        return None

    def _json_problem(self, request):
        if not request.path.startswith(self.API_PREFIX) or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if (request.content_type or "").startswith("multipart/"):
            return None
        if not request.body.strip():
            return None
        try:
            data = json.loads(request.body)
        except RecursionError:
            return "too_deep", None  # issue 10 point 5: [[[[… nested deeper than the parser goes
        except (ValueError, UnicodeDecodeError):
            return None  # not JSON: the API answers that itself
        if not isinstance(data, dict) and request.method in ("POST", "PUT", "PATCH"):
            return "invalid_body", None  # every operation takes an object (issue 6 point 25e)
        return _walk(data, None)

    # -- answering -------------------------------------------------------------------------------------

    def _refuse(self, request, code: str, field):
        message = {"invalid_characters": validation.UNSTORABLE_MESSAGE, "invalid_body": validation.NOT_AN_OBJECT_MESSAGE,
                   "too_deep": validation.TOO_DEEP_MESSAGE}.get(code, validation.OUT_OF_RANGE_MESSAGE)
        if request.path.startswith(self.API_PREFIX):
            body: dict[str, str | None] = {"detail": str(message), "code": code}
            if field:
                body["field"] = field if not validation.unstorable_text(field) else None
            return JsonResponse(body, status=400)
        return render(request, "core/bad_input.html", {"message": message}, status=400)

    def _not_found(self, request):
        if request.path.startswith(self.API_PREFIX):
            return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
        raise Http404


def _invalid_utf8(raw: bytes) -> bool:
    """Whether a query string or form body holds a percent-encoded sequence that is not valid UTF-8."""
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return True
    return False


def _walk(data, field, depth: int = 0):
    """The first unstorable string or out-of-range integer in a JSON document, as (code, field); a
    document nested deeper than any Praxis schema (`validation.MAX_JSON_DEPTH`) is refused as a whole."""
    if depth > validation.MAX_JSON_DEPTH:
        return "too_deep", None
    if isinstance(data, str):
        return ("invalid_characters", field) if validation.unstorable_text(data) else None
    if isinstance(data, bool) or data is None or isinstance(data, float):
        return None
    if isinstance(data, int):
        return ("number_out_of_range", field) if validation.out_of_range_id(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            if validation.unstorable_text(key):
                return "invalid_characters", None
            found = _walk(value, field or key, depth + 1)
            if found:
                return found
        return None
    if isinstance(data, list):
        for value in data:
            found = _walk(value, field, depth + 1)
            if found:
                return found
    return None
