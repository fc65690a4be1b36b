"""The site's own error pages (issue 6 point 14).

HTML requests get a designed page in the user's language, inside the site layout, with a way back; the
API keeps its JSON envelope `{"detail", "code"}` for the same errors (nothing under /api/ answers HTML).
The 500 page renders without the request context (no session, no database): whatever broke the request
may be what the context processors need.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(*, status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json(status=400, detail="Bad request.", code="bad_request")
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json(status=403, detail="Forbidden.", code="forbidden")
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json(status=404, detail="Not found.", code="not_found")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _json(status=500, detail="Internal server error.", code="server_error")
    # No RequestContext on purpose: no context processor, session or database is touched.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """`CSRF_FAILURE_VIEW`: usually a form left open until the session ended, or sent from another site."""
    if _is_api(request):
        return _json(status=403, detail="CSRF check failed.", code="csrf_failed")
    return render(request, "403_csrf.html", status=403)
