"""The floor `bench_server` measures against (issue 10 point 11): `/_floor/…` is answered by bare endpoints
with no middleware, reading the rows the real endpoints read; everything else is Praxis itself."""

import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _call(application, path: str) -> tuple[str, dict[str, str], bytes]:
    """One request through a WSGI application, as gunicorn makes it — keeping the test's database
    connection open, as Django's test client does."""
    environ = RequestFactory().get(path).environ
    seen: dict = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()  # as a WSGI server does: request_finished, which resets the thread's URLconf
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"], body


def test_the_floor_reads_the_same_row_without_any_middleware(make_user):
    from praxis.core.benchfloor import application

    user = make_user(email="floor@example.test", first_name="Floor")
    status, headers, body = _call(application, f"/_floor/api/me?user={user.pk}")
    assert status.startswith("200")
    assert json.loads(body)["email"] == "floor@example.test"
    assert "Content-Security-Policy" not in headers and "X-Request-ID" not in headers  # no middleware ran


def test_everything_else_is_praxis_with_its_middleware():
    from praxis.core.benchfloor import application

    status, headers, _body = _call(application, "/healthz")
    assert status.startswith("200")
    assert "X-Request-ID" in headers


def test_a_floor_request_leaves_the_next_request_on_praxis_urls(make_user):
    from praxis.core.benchfloor import application

    user = make_user(email="after@example.test")
    _call(application, f"/_floor/api/me?user={user.pk}")
    assert reverse("workspaces:list")  # this thread resolves Praxis' URLs again (the floor's are gone)
