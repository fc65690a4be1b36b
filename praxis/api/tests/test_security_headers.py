"""Every response Praxis renders carries the security headers of SPEC §11 (issue 10 point 2).

The crawl uses the two walkers that already enumerate the project's URL patterns, so a page or an API
operation added tomorrow is checked without anyone listing it:
- every route of the tenant-isolation walker (HTML and API, with practice A's own ids), as its owner by
  session and by bearer token and as an anonymous visitor, whatever the answer (200, redirect, 404, 405);
- every HTML page of every kind of visitor of the page walker (praxis/testing/pages.py), checked by the
  walker's own crawl with this module's `Recorder` (core/tests/test_pages_browser.py).

Each answer must have a Content-Security-Policy that allows scripts only from the site itself (no
`unsafe-inline`, no `unsafe-eval`) and no framing, `nosniff`, a Referrer-Policy, `X-Frame-Options: DENY`
and `Cache-Control: no-store` (pages, API answers, downloads and error pages may all carry personal data).
"""

from __future__ import annotations

import pytest
from django.test import Client

from .test_isolation import ROUTES, SKIPPED_PREFIXES, _values, tenant_ids, unmapped


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def header_problems(where: str, response) -> list[str]:
    problems = []
    policy = _directives(response.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    if scripts != ["'self'"]:
        problems.append(f"{where}: script-src {scripts!r}, expected only 'self'")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(f"{where}: frame-ancestors {policy.get('frame-ancestors')!r}")
    if policy.get("object-src") != ["'none'"]:
        problems.append(f"{where}: object-src {policy.get('object-src')!r}")
    expected = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
    for name, value in expected.items():
        if response.get(name) != value:
            problems.append(f"{where}: {name} {response.get(name)!r}, expected {value!r}")
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"{where}: Cache-Control {response.get('Cache-Control')!r}, expected no-store")
    return problems


class Recorder:
    """Checks the headers of every answer a test client receives."""

    def __init__(self):
        self.problems: list[str] = []
        self.seen = 0

    def install(self, monkeypatch) -> None:
        original = Client.request

        def request(client, **environ):
            response = original(client, **environ)
            self.seen += 1
            where = f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO')} ({response.status_code})"
            self.problems += header_problems(where, response)
            return response

        monkeypatch.setattr(Client, "request", request)


def test_every_route_answers_with_the_security_headers(api_tenants, api_client, monkeypatch):
    recorder = Recorder()
    recorder.install(monkeypatch)
    a = api_tenants.a
    ids = tenant_ids(a)
    visitors = {"session": api_client(a.owner), "token": api_client(token=a.owner_token_secret),
                "anonymous": api_client()}
    crawled = 0
    for route in ROUTES:
        if any(route.route.startswith(prefix) for prefix in SKIPPED_PREFIXES) or unmapped(route):
            continue
        for values in _values(route, ws=a.slug, ids=ids):
            url = route.url(values)
            for client in visitors.values():
                client.get(url)
                crawled += 1
    assert crawled > 200  # the whole project, not a handful
    assert recorder.seen == crawled
    assert not recorder.problems, "\n".join(recorder.problems[:40])


# Every page of every visitor of the page walker is checked by the walker's own crawl, with `Recorder`:
# core/tests/test_pages_browser.py::test_every_route_is_a_page_for_someone_or_allow_listed (one crawl
# instead of two — the CI budget).


def test_the_admin_and_static_files_keep_their_own_caching(client, settings):
    """Static files are public and long-cached by WhiteNoise; only what Praxis renders is no-store."""
    response = client.get("/static/praxis/praxis.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/me", "/does-not-exist/"])
def test_anonymous_answers_carry_the_headers(client, path):
    response = client.get(path)
    assert not header_problems(path, response)
