"""Query-count budgets for the API's lists (STYLE item 13): 25 rows cost exactly the queries 3 rows cost.

Each test warms up with one request (session, caches), counts the queries of the small list, grows the
list through the services and asserts the same count for the large one — an N+1 anywhere in a handler or
a schema resolver (e.g. `MemberOut.email` reading `obj.user`) makes the large count grow.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

SMALL, LARGE = 3, 25


def _count(client, url: str, expected_items: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    assert _items(response) == expected_items
    return len(queries)


def _items(response) -> int:
    payload = json.loads(response.content)
    return len(payload["items"] if isinstance(payload, dict) else payload)


def _assert_flat(client, url, grow, django_assert_num_queries):
    client.get(url)  # warm-up
    small = _count(client, url, SMALL)
    grow(LARGE - SMALL)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert _items(response) == LARGE


@pytest.fixture
def owner_setup(make_user):
    """An owner with a fresh practice workspace (only the owner is a member)."""
    from praxis.workspaces.access import resolve_access
    from praxis.workspaces.services import workspace_create

    owner = make_user(first_name="Quinten", last_name="Query")
    workspace = workspace_create(actor=owner, name="Praktijk Tellen", tier="practice")
    return owner, workspace, lambda: resolve_access(owner, workspace.slug)


def test_members_list(owner_setup, make_user, api_client, django_assert_num_queries):
    """Members with logins (select_related user) and contact persons mixed."""
    from praxis.testing.team import join
    from praxis.workspaces.services import contact_person_add

    owner, workspace, access = owner_setup

    def add_members(n: int) -> None:
        for i in range(n):
            if i % 2:
                with scope(workspace=workspace):
                    contact_person_add(access=access(), first_name=f"Contact{i}", last_name="Persoon")
                continue
            join(owner, workspace, make_user(first_name=f"Lid{i}"), "free", role="clinician")

    add_members(SMALL - 1)  # + the owner
    client = api_client(owner)
    _assert_flat(client, f"/api/v1/workspaces/{workspace.slug}/members", add_members, django_assert_num_queries)


def test_invitations_list(owner_setup, api_client, django_assert_num_queries):
    from praxis.workspaces.invitations import invitations_create

    owner, workspace, access = owner_setup
    batches = iter(range(1000))

    def invite(n: int) -> None:
        batch = next(batches)
        with scope(workspace=workspace):
            invitations_create(access=access(), emails=[f"invitee{batch}-{i}@example.test" for i in range(n)],
                               role="staff", account_type="free")

    invite(SMALL)
    client = api_client(owner)
    _assert_flat(client, f"/api/v1/workspaces/{workspace.slug}/invitations", invite, django_assert_num_queries)


def test_audit_list(owner_setup, api_client, django_assert_num_queries):
    """Audit entries of one kind (contact persons added), filtered by code so the count is exact."""
    from praxis.workspaces.services import contact_person_add

    owner, workspace, access = owner_setup

    def add_contacts(n: int) -> None:
        for i in range(n):
            with scope(workspace=workspace):
                contact_person_add(access=access(), first_name=f"Spoor{i}", last_name="Audit")

    add_contacts(SMALL)
    client = api_client(owner)
    _assert_flat(client, f"/api/v1/workspaces/{workspace.slug}/audit?code=contact.added", add_contacts,
                 django_assert_num_queries)


def test_workspaces_list(make_user, api_client, django_assert_num_queries):
    from praxis.workspaces.services import workspace_create

    user = make_user()  # has a personal workspace

    def create(n: int) -> None:
        for i in range(n):
            workspace_create(actor=user, name=f"Vestiging {i}", tier="team")

    create(SMALL - 1)
    _assert_flat(api_client(user), "/api/v1/workspaces", create, django_assert_num_queries)


def test_my_tokens_list(owner_setup, make_user, api_client, django_assert_num_queries):
    """Tokens show their workspace's slug: one query, however many tokens and workspaces."""
    from praxis.api.services import token_create
    from praxis.workspaces.services import workspace_create

    owner, workspace, _access = owner_setup
    counter = iter(range(1000))

    def mint(n: int) -> None:
        for _ in range(n):
            i = next(counter)
            target = workspace if i % 2 else workspace_create(actor=owner, name=f"Werkplek {i}", tier="team")
            token_create(user=owner, workspace_slug=target.slug, name=f"token {i}")

    mint(SMALL)
    _assert_flat(api_client(owner), "/api/v1/me/tokens", mint, django_assert_num_queries)
