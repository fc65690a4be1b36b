"""The floor `manage.py bench_server` measures Praxis against (issue 10 point 11): bare endpoints that read
the same rows as `/api/v1/me`, the members list API and the members page, served by the same gunicorn
processes with the same settings and database connections — but with no middleware, no authentication,
no workspace resolution, no audit: what a Django request that reads those rows cannot beat.

Used only as the WSGI application of the benchmark server (`gunicorn praxis.core.benchfloor:application`):
`/_floor/…` goes to the bare handler, everything else to Praxis itself. A deployment serves `praxis.wsgi`,
which knows nothing of this module.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praxis.settings.production")
praxis_application = get_wsgi_application()  # sets Django up: the imports below need its apps loaded

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from ninja import NinjaAPI  # noqa: E402

from praxis.accounts.models import User  # noqa: E402
from praxis.workspaces.models import Membership  # noqa: E402
from praxis.workspaces.views.team import MEMBERS_PER_PAGE  # noqa: E402

PREFIX = "/_floor/"
MEMBER_COLUMNS = ("id", "first_name", "last_name", "role", "status", "user__email", "user__first_name",
                  "user__last_name")

floor_api = NinjaAPI(urls_namespace="floor", docs_url=None, openapi_url=None)


@floor_api.get("/me")
def floor_me(request, user: int):
    """The row `/api/v1/me` answers with."""
    return User.objects.filter(pk=user).values("id", "email", "first_name", "last_name", "phone", "gender",
                                               "language").first()


def _members(workspace: int, count: int = 50) -> list[dict]:
    with scopes_disabled():
        return list(Membership.objects.filter(workspace_id=workspace, status="active")
                    .order_by("last_name", "first_name", "id").values(*MEMBER_COLUMNS)[:count])


@floor_api.get("/members")
def floor_members(request, workspace: int):
    """The page of 50 members the members list API answers with."""
    return {"items": _members(workspace)}


PAGE = engines["django"].from_string(
    "<!doctype html><html lang=en><title>Members</title><table>{% for m in members %}<tr><td>{{ m.first_name }} "
    "{{ m.last_name }}</td><td>{{ m.user__email }}</td><td>{{ m.role }}</td><td>{{ m.status }}</td></tr>"
    "{% endfor %}</table></html>")


def floor_members_page(request: HttpRequest) -> HttpResponse:
    """The members page's rows (as many as it shows) rendered by a template, without the page around them."""
    return HttpResponse(PAGE.render({"members": _members(int(request.GET["workspace"]), MEMBERS_PER_PAGE)}))


urlpatterns = [
    path("_floor/api/", floor_api.urls),
    path("_floor/members.html", floor_members_page),
]


class FloorHandler(WSGIHandler):
    """A Django handler with no middleware that resolves against this module's URLs."""

    def load_middleware(self, is_async: bool = False) -> None:
        with override_settings(MIDDLEWARE=[]):
            super().load_middleware(is_async)

    def get_response(self, request):
        request.urlconf = __name__
        return super().get_response(request)


floor_application = FloorHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith(PREFIX):
        return floor_application(environ, start_response)
    return praxis_application(environ, start_response)
