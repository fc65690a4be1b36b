"""Issue 6 point 25: the smaller findings of the security probe, each reproduced first.

(a) anonymous account flows refuse cross-site and non-JSON/non-form bodies; (b) the API sign-up takes the
referral code, not a user id; (c) control characters in names; (d) every operation documents its error
responses; (e) a JSON body must be an object.
"""

import json

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from praxis.accounts.models import User
from praxis.accounts.referrals import referral_code_for
from praxis.api.api import api
from praxis.billing.models import ChangeRequest
from praxis.workspaces.models import Membership, Workspace

from .test_api import assert_error, patch, post

ANONYMOUS_WRITES = ["/api/v1/auth/signup", "/api/v1/auth/password-reset", "/api/v1/auth/password-reset/confirm"]
EVIL = "https://evil.example"


# --- (a) cross-site posts to the anonymous flows -------------------------------------------------------------

@pytest.mark.parametrize("url", ANONYMOUS_WRITES)
def test_text_plain_bodies_are_refused_by_the_anonymous_api(url, db, django_capture_on_commit_callbacks):
    """Issue 6 point 25a: `text/plain` is what a foreign page can post without a CORS preflight; the
    anonymous routers had no CSRF check at all (django-ninja checks CSRF only inside cookie auth)."""
    body = json.dumps({"email": "victim@example.org", "token": "x", "password": "y" * 12})
    with django_capture_on_commit_callbacks() as callbacks:
        response = Client().post(url, body, content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")
    assert not callbacks


@pytest.mark.parametrize("url", ANONYMOUS_WRITES)
def test_cross_origin_posts_are_refused_by_the_anonymous_api(url, db, django_capture_on_commit_callbacks):
    body = json.dumps({"email": "victim@example.org", "token": "x", "password": "y" * 12})
    with django_capture_on_commit_callbacks() as callbacks:
        response = Client().post(url, body, content_type="application/json", HTTP_ORIGIN=EVIL)
    assert_error(response, 403, "cross_origin")
    assert not callbacks


def test_same_origin_and_originless_json_still_work_alike_for_known_and_unknown(db, make_user):
    """R-ACC-5 stays: the same 202 for a known and an unknown address."""
    make_user("known@example.org")
    answers = []
    for email in ("known@example.org", "unknown@example.org"):
        for headers in ({}, {"HTTP_ORIGIN": "http://testserver"}):
            response = post(Client(), "/api/v1/auth/password-reset", {"email": email}, **headers)
            answers.append((response.status_code, response.content))
    assert len(set(answers)) == 1 and answers[0][0] == 202


@pytest.mark.parametrize("url", ["/accounts/signup/", "/accounts/password/reset/"])
def test_html_signup_and_reset_need_the_form_encoding(url, db, mailoutbox, django_capture_on_commit_callbacks):
    """Issue 6 point 25a, HTML side: the form encoding is required (the CSRF check stays on top)."""
    with django_capture_on_commit_callbacks() as callbacks:
        response = Client().post(url, "email=victim@example.org&language=en", content_type="text/plain")
    assert response.status_code == 415
    assert not callbacks
    with django_capture_on_commit_callbacks(execute=True):
        ok = Client().post(url, {"email": "victim@example.org", "language": "en"})
    assert ok.status_code == 302


# --- (b) the API sign-up takes the referral code --------------------------------------------------------------

def test_api_signup_credits_the_referral_code_not_a_user_id(db, make_user, django_capture_on_commit_callbacks):
    """Issue 6 point 25b / R-BIL-16: a raw user id credits nobody; the personal code does."""
    referrer = make_user("referrer@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        post(Client(), "/api/v1/auth/signup", {"email": "by-id@example.org", "referral": referrer.pk})
        post(Client(), "/api/v1/auth/signup", {"email": "by-code@example.org",
                                               "referral_code": referral_code_for(referrer)})
    assert User.objects.get(email="by-id@example.org").referred_by is None
    assert User.objects.get(email="by-code@example.org").referred_by == referrer


# --- (c) control characters in names ---------------------------------------------------------------------------

CONTROL = ["Praktijk\x1bNoord", "Praktijk\x07", "Praktijk\nNoord", "Praktijk\tNoord", "\x7fPraktijk"]


def _counts():
    with scopes_disabled():
        return (Workspace.objects.count(), Membership.objects.count(), ChangeRequest.objects.count())


@pytest.mark.parametrize("name", CONTROL)
def test_control_characters_are_refused_in_names_through_the_api(name, workspace_with_team, api_client):
    """Issue 6 point 25c: workspace, contact-person and change-request names, with a clear message."""
    team = workspace_with_team
    client = api_client(team.owner)
    ws = team.workspace.slug
    before = _counts()
    for response in (
        post(client, "/api/v1/workspaces", {"name": name}),
        patch(client, f"/api/v1/workspaces/{ws}", {"name": name}),
        post(client, f"/api/v1/workspaces/{ws}/contacts", {"first_name": name, "last_name": "X"}),
        post(client, f"/api/v1/workspaces/{ws}/contacts", {"first_name": "X", "last_name": name}),
        post(client, f"/api/v1/workspaces/{ws}/billing/change-requests", {"subject": name, "agreed_to_costs": True}),
    ):
        assert response.status_code in (400, 422), response.content
        assert "control characters" in response.content.decode()
    assert _counts() == before
    with scopes_disabled():
        assert Workspace.objects.get(pk=team.workspace.pk).name == "Praktijk Noord"


@pytest.mark.parametrize("name", CONTROL)
def test_control_characters_are_refused_in_names_through_the_pages_and_services(name, workspace_with_team, client):
    from praxis.billing.services import change_request_create
    from praxis.core.errors import ServiceError
    from praxis.workspaces.services import contact_person_add, workspace_create

    team = workspace_with_team
    client.force_login(team.owner)
    ws = team.workspace.slug
    before = _counts()
    for url, data in (("/workspaces/", {"name": name, "tier": "team", "billing_interval": "monthly"}),
                      (f"/w/{ws}/contacts/new/", {"first_name": name, "last_name": "X", "role": "staff"}),
                      (f"/w/{ws}/billing/change-requests/", {"subject": name, "agreed_to_costs": "on"})):
        response = client.post(url, data, follow=True)
        assert "control characters" in response.content.decode(), url
    access = team.access("owner")
    with scope(workspace=team.workspace):
        for call in (lambda: workspace_create(actor=team.owner, name=name, tier="team"),
                     lambda: contact_person_add(access=access, first_name=name, last_name="X"),
                     lambda: change_request_create(access=access, subject=name, agreed_to_costs=True)):
            with pytest.raises(ServiceError) as refused:
                call()
            assert refused.value.code == "control_characters"
    assert _counts() == before


def test_multi_line_details_keep_their_line_breaks(workspace_with_team, api_client):
    team = workspace_with_team
    response = post(api_client(team.owner), f"/api/v1/workspaces/{team.workspace.slug}/billing/change-requests",
                    {"subject": "More seats", "details": "Line one\nLine two\tindented", "agreed_to_costs": True})
    assert response.status_code == 201, response.content


# --- (d) error responses in the OpenAPI schema -----------------------------------------------------------------

def test_every_operation_documents_its_error_responses(client, db):
    """Issue 6 point 25d: each operation lists its 4xx answers with the shared error schema."""
    schema = client.get("/api/v1/openapi.json").json()
    error_ref = "#/components/schemas/ErrorOut"
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) >= {"detail", "code", "field"}
    problems = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = {status for status in responses if status.startswith("4")}
            expected = set()
            if operation.get("security"):
                expected |= {"401", "403"}
            if "{" in path:
                expected |= {"404"}
            if method in ("post", "patch", "put", "delete"):
                expected |= {"400"}
            if operation.get("requestBody") or operation.get("parameters"):
                expected |= {"422"}
            if missing := expected - errors:
                problems.append(f"{method.upper()} {path}: no {sorted(missing)}")
            for status in errors:
                ref = responses[status]["content"]["application/json"]["schema"].get("$ref")
                if ref != error_ref:
                    problems.append(f"{method.upper()} {path} {status}: {ref}")
    assert not problems, "\n".join(problems)


# --- (e) a JSON body must be an object ----------------------------------------------------------------------------

def _body_operations():
    out = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            if operation.get("requestBody"):
                out.append((method.upper(), path))
    return out


@pytest.mark.parametrize("body", [[{"first_name": "Arr"}], [], "text", 5, None], ids=repr)
def test_a_json_body_that_is_not_an_object_is_refused(body, workspace_with_team, api_client):
    """Issue 6 point 25e: `PATCH /me` with a JSON array answered 200; every body operation refuses it."""
    team = workspace_with_team
    client = api_client(team.owner)
    before = User.objects.get(pk=team.owner.pk).first_name
    for method, path in _body_operations():
        url = path.replace("{ws}", team.workspace.slug).replace("{member_id}", str(team.members["clinician"].pk))
        url = url.replace("{token}", "x")
        response = getattr(client, method.lower())(url, data=json.dumps(body), content_type="application/json")
        assert_error(response, 400, "invalid_body")
    assert User.objects.get(pk=team.owner.pk).first_name == before
