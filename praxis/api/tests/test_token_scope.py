"""Issue 6 point 22 (SPEC §13): a personal access token opens its own workspace's endpoints only.

Outside them it may read `/me` (GET) and nothing else: account changes (profile, login e-mail, password,
tokens, creating workspaces, the own subscription) need the logged-in session. Every write endpoint
outside `/workspaces/{ws}/…` is found in the OpenAPI schema, so a new one is covered without listing it.
"""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django_scopes import scopes_disabled

from praxis.api.api import api
from praxis.audit.models import AuditEvent

# Anonymous flows (no token involved) and the mail service's inbound endpoint, which has its own secret
# and answers 401 to anything else (support/tests/test_api.py).
PUBLIC_PREFIXES = ("/api/v1/auth/", "/api/v1/invitations/", "/api/v1/support/inbound")


def account_writes() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "{ws}" in path or path.startswith(PUBLIC_PREFIXES):
            continue
        out.extend((method.upper(), path) for method in operations if method in ("post", "patch", "put", "delete"))
    return out


def test_the_sweep_knows_the_account_endpoints():
    writes = set(account_writes())
    assert {("PATCH", "/api/v1/me"), ("POST", "/api/v1/me/email"), ("POST", "/api/v1/me/password"),
            ("POST", "/api/v1/workspaces"), ("POST", "/api/v1/me/tokens")} <= writes


def _state() -> dict:
    from praxis.api.models import ApiToken
    from praxis.workspaces.models import Licence, Workspace

    with scopes_disabled():
        return {
            "users": [model_to_dict(u) for u in get_user_model().objects.order_by("pk")],
            "workspaces": list(Workspace.objects.order_by("pk").values()),
            # `last_used_at` moves with authenticated calls (once a minute), refused or not.
            "tokens": list(ApiToken.objects.order_by("pk").values(*[f.name for f in ApiToken._meta.concrete_fields
                                                                     if f.name != "last_used_at"])),
            "licences": list(Licence.objects.order_by("pk").values()),
        }


BODIES = {
    "/api/v1/me": {"first_name": "Token", "last_name": "Changed"},
    "/api/v1/me/email": {"email": "taken-over@example.org", "current_password": "correct horse battery staple"},
    "/api/v1/me/password": {"current_password": "correct horse battery staple",
                            "new_password": "a brand new long passphrase"},
    "/api/v1/workspaces": {"name": "Made by a token", "tier": "team"},
    "/api/v1/me/tokens": {"name": "minted", "workspace": "x"},
    "/api/v1/me/subscription": {"account_type": "pro"},
}


@pytest.mark.parametrize(("method", "path"), account_writes())
def test_a_workspace_token_cannot_change_the_account(method, path, api_tenants, api_client):
    """Issue 6 point 22: refused with 403 `session_required`, audited as a refused token call, nothing
    changed — with the right password in the body, too."""
    a = api_tenants.a
    client = api_client(token=a.owner_token_secret)
    body = BODIES.get(path, {})
    if "{ws}" not in path:
        body = {**body, "workspace": a.slug} if path == "/api/v1/me/tokens" else body
    url = re.sub(r"{\w+}", str(a.owner_token.pk), path)
    before = _state()
    audited_before = AuditEvent.objects.filter(outcome="refused", via="token").count()

    response = getattr(client, method.lower())(url, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "session_required"
    assert response.json()["detail"]
    assert _state() == before
    event = AuditEvent.objects.filter(outcome="refused", via="token").order_by("-id").first()
    assert AuditEvent.objects.filter(outcome="refused", via="token").count() == audited_before + 1
    assert event.user_id == a.owner.pk
    assert event.data["path"] == url and event.data["method"] == method


def test_a_token_still_reads_me_and_works_in_its_workspace(api_tenants, api_client):
    a = api_tenants.a
    client = api_client(token=a.owner_token_secret)
    assert client.get("/api/v1/me").json()["email"] == a.owner.email
    assert client.get(f"/api/v1/workspaces/{a.slug}").status_code == 200
    response = client.patch(f"/api/v1/workspaces/{a.slug}", data=json.dumps({"phone": "+31201234567"}),
                            content_type="application/json")
    assert response.status_code == 200, response.content


def test_the_session_may_still_change_the_account(api_tenants, api_client):
    a = api_tenants.a
    client = api_client(a.owner)
    response = client.patch("/api/v1/me", data=json.dumps({"first_name": "Sessie"}), content_type="application/json")
    assert response.status_code == 200
    assert client.post("/api/v1/workspaces", data=json.dumps({"name": "Via de sessie", "tier": "team"}),
                       content_type="application/json").status_code == 201
