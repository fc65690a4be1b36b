"""Real error pages (issue 6 point 14): designed, translated, inside the layout, with a way back; JSON
under /api/; DEBUG off unless PRAXIS_DEBUG=1; dead invitation links say what to do next (R-INV-4)."""

import datetime as dt
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import translation
from django_scopes import scope

import praxis.urls
from praxis.core import clock
from praxis.core.error_views import server_error
from praxis.workspaces.invitations import invitation_accept, invitation_revoke, invitations_create
from praxis.workspaces.services import members_cancel


def _boom(request) -> HttpResponse:
    raise RuntimeError("boom")


# This module doubles as a URLconf for the 500 tests: the project's routes plus one that fails.
urlpatterns = [path("boom/", _boom), path("api/v1/boom/", _boom), *praxis.urls.urlpatterns]
handler400 = praxis.urls.handler400
handler403 = praxis.urls.handler403
handler404 = praxis.urls.handler404
handler500 = praxis.urls.handler500


def _body(response) -> str:
    return response.content.decode()


def _settings_value(expression: str, **environ: str) -> str:
    """`expression` evaluated in a fresh interpreter that imports the base settings with `environ`."""
    env = {k: v for k, v in os.environ.items() if k != "PRAXIS_DEBUG"} | environ
    code = f"import praxis.settings.base as s; print({expression})"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                          cwd=settings.BASE_DIR).stdout.strip()


def test_debug_is_off_unless_asked_for_and_static_files_are_served_by_whitenoise():
    """Point 14: `make run` (base settings, no PRAXIS_DEBUG) serves with DEBUG off; PRAXIS_DEBUG=1 stays."""
    assert _settings_value("s.DEBUG") == "False"
    assert _settings_value("s.DEBUG", PRAXIS_DEBUG="1") == "True"
    assert _settings_value("'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE") == "True"
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    assert "collectstatic --noinput" in makefile.split("\nrun:")[1].split("\n\n")[0]


def test_cancelled_member_sees_a_designed_translated_404_with_a_way_back(client, workspace_with_team):
    """Point 14: a cancelled member opening their old practice gets the site's 404 in their language."""
    team = workspace_with_team
    clinician = team.clinician
    clinician.language = "nl"
    clinician.save(update_fields=["language"])
    client.force_login(clinician, backend="praxis.accounts.sessions.AccountBackend")
    assert client.get(f"/w/{team.workspace.slug}/").status_code == 200  # the practice worked in last
    with scope(workspace=team.workspace):
        members_cancel(access=team.access("owner"), membership_ids=[team.members["clinician"].pk])

    response = client.get(f"/w/{team.workspace.slug}/")

    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
    body = _body(response)
    assert '<html lang="nl">' in body
    assert "Uitloggen" in body  # the layout, in Dutch
    assert 'href="/workspaces/"' in body and 'href="/"' in body  # the way back
    assert team.workspace.name not in body  # nothing about the practice (R-ROLE-4)
    # The way back leads somewhere that works, not to the same 404 (the old practice was the last one).
    assert client.get("/", follow=True).status_code == 200


def test_missing_capability_answers_the_designed_403(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.staff, backend="praxis.accounts.sessions.AccountBackend")

    response = client.get(f"/w/{team.workspace.slug}/billing/")

    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403.html", "base.html"]
    assert 'href="/workspaces/"' in _body(response)


def test_csrf_failure_shows_the_sites_page_in_the_browsers_language(db):
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "nl"})

    response = client.post("/accounts/login/", {"email": "a@example.test", "password": "x"})

    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403_csrf.html", "base.html"]
    body = _body(response)
    assert '<html lang="nl">' in body and "Inloggen" in body
    assert 'href="/accounts/login/"' in body


def test_unknown_page_answers_the_designed_404_for_anonymous_visitors(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert 'href="/accounts/login/"' in _body(response)


@pytest.mark.urls("praxis.core.tests.test_error_pages")
def test_a_crash_answers_the_self_contained_500_page(db):
    client = Client(raise_request_exception=False, headers={"Accept-Language": "de"})

    response = client.get("/boom/")

    assert response.status_code == 500
    body = _body(response)
    assert '<html lang="de">' in body
    assert "/static/praxis/praxis.css" in body and 'class="card error-page"' in body
    assert "Traceback" not in body and "RuntimeError" not in body


def test_the_500_page_renders_without_database_or_request_context():
    """No `db` fixture: any query would raise, so the page provably needs no database."""
    request = RequestFactory().get("/anything/")  # no session, no user
    with translation.override("fr"):
        response = server_error(request)
    assert response.status_code == 500
    assert '<html lang="fr">' in _body(response)


@pytest.mark.urls("praxis.core.tests.test_error_pages")
def test_the_api_keeps_its_json_errors(db, client):
    """No HTML error page under /api/: unknown route, crash and CSRF failure answer {"detail","code"}."""
    response = client.get("/api/v1/no-such-route")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}

    crashing = Client(raise_request_exception=False)
    response = crashing.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}


def _invite(team, email):
    with scope(workspace=team.workspace):
        [(invitation, token)] = invitations_create(access=team.access("owner"), emails=[email], role="staff",
                                                   account_type="free")
    return invitation, token


def test_dead_invitation_links_say_what_to_do_next(client, workspace_with_team, make_user):
    """R-INV-4, point 14: used/revoked → "no longer valid" + log in if accepted, else ask for a new one;
    expired → ask the administrator; each page offers the way on (log in)."""
    team = workspace_with_team
    used_user = make_user("used@example.test")
    _inv, used = _invite(team, used_user.email)
    invitation_accept(token=used, user=used_user)
    revoked_invitation, revoked = _invite(team, "revoked@example.test")
    with scope(workspace=team.workspace):
        invitation_revoke(access=team.access("owner"), invitation_id=revoked_invitation.pk)
    _inv, expiring = _invite(team, "late@example.test")

    for token in (used, revoked):
        body = _body(client.get(f"/invite/{token}/"))
        assert "This invitation link is no longer valid." in body
        assert "If you have already accepted it, log in" in body
        assert "ask your administrator to send you a new invitation" in body
        assert 'href="/accounts/login/"' in body
    with time_machine.travel(clock.now() + dt.timedelta(days=31), tick=False):
        response = client.get(f"/invite/{expiring}/")
    body = _body(response)
    assert "Ask your administrator to send you a new invitation." in body
    assert "If you have already accepted it" not in body
    assert 'href="/accounts/login/"' in body
