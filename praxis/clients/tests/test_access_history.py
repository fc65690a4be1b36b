"""Access history of a client record (R-AUD-1, R-AUD-3): every record open, search and export writes one
audit entry with the NEN 7513 fields, and the record's Access history tab (audit.view) lists exactly the
entries about this client, newest first, a page at a time, in constant queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from praxis.audit.models import AuditEvent
from praxis.clients import selectors
from praxis.clients.views.access import PAGE_SIZE

from .factories import client_make

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (History test)"
POINT = {"HTTP_USER_AGENT": UA, "REMOTE_ADDR": "198.51.100.4"}


def logged_in(client, user):
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def make(team, **kwargs):
    with scope(workspace=team.workspace):
        return client_make(team.access("owner"), **kwargs)


def assert_nen_7513(event, *, user, role, permission, client_id="", via="web"):
    """R-AUD-1: event code and action, time, outcome, user id, name and role, access point (IP, user agent,
    via), workspace, object, client, permission and source instance."""
    assert event.event_code and event.action in ("create", "read", "update", "delete", "execute")
    assert event.occurred_at is not None and event.outcome == "success"
    assert event.user == user and event.user_display == user.display_name and event.role == role
    assert (event.ip, event.user_agent, event.via) == ("198.51.100.4", UA, via)
    assert event.workspace_id is not None and event.object_type == "clients.client"
    assert event.client_id == str(client_id) and event.permission == permission
    assert event.source_instance and event.hash and event.prev_hash


def test_record_open_search_and_exports_each_write_one_entry_r_aud_1(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen")
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    browser = logged_in(client, team.clinician)
    ws = team.workspace.slug

    browser.get(f"/w/{ws}/clients/{anna.pk}/", **POINT)
    [viewed] = AuditEvent.objects.filter(event_code="client.viewed")
    assert_nen_7513(viewed, user=team.clinician, role="clinician", permission="clients.view", client_id=anna.pk)
    assert viewed.action == "read" and viewed.object_id == str(anna.pk)

    browser.get(f"/w/{ws}/clients/?q=jans", **POINT)
    [searched] = AuditEvent.objects.filter(event_code="client.searched")
    assert_nen_7513(searched, user=team.clinician, role="clinician", permission="clients.view")
    assert searched.query == "jans" and searched.data["hits"] == 1

    b"".join(browser.get(f"/w/{ws}/clients/export/", **POINT).streaming_content)
    [listed] = AuditEvent.objects.filter(event_code="clients.exported")
    assert_nen_7513(listed, user=team.clinician, role="clinician", permission="clients.view")
    [in_list] = AuditEvent.objects.filter(event_code="client.exported")  # each listed client's own entry
    assert_nen_7513(in_list, user=team.clinician, role="clinician", permission="clients.view", client_id=anna.pk)
    assert in_list.data == {"format": "csv", "list": True}

    browser.get(f"/w/{ws}/clients/{anna.pk}/export/?format=json", **POINT)
    exported = AuditEvent.objects.filter(event_code="client.exported").latest("pk")
    assert_nen_7513(exported, user=team.clinician, role="clinician", permission="clients.manage", client_id=anna.pk)

    api = f"/api/v1/workspaces/{ws}/clients/{anna.pk}"
    browser.get(api, **POINT)
    browser.get(f"/api/v1/workspaces/{ws}/clients?q=anna", **POINT)
    api_viewed = AuditEvent.objects.filter(event_code="client.viewed").latest("pk")
    assert_nen_7513(api_viewed, user=team.clinician, role="clinician", permission="clients.view",
                    client_id=anna.pk, via="api")
    api_search = AuditEvent.objects.filter(event_code="client.searched").latest("pk")
    assert api_search.query == "anna" and api_search.via == "api" and api_search.data["hits"] == 1
    new = list(AuditEvent.objects.filter(pk__gt=before).exclude(event_code="user.logged_in")
               .order_by("pk").values_list("event_code", "via"))
    # Exactly one entry per read, nothing else.
    assert new == [("client.viewed", "web"), ("client.searched", "web"), ("clients.exported", "web"),
                   ("client.exported", "web"), ("client.exported", "web"), ("client.viewed", "api"),
                   ("client.searched", "api")]


def _tab_rows(response) -> list[str]:
    html = response.content.decode()
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[1:]]


def test_access_tab_lists_exactly_the_entries_about_this_client_newest_first_r_aud_3(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen")
    other = make(team, first_name="Bert", last_name="Ander")
    ws = team.workspace.slug
    clinician = logged_in(client, team.clinician)
    clinician.get(f"/w/{ws}/clients/{anna.pk}/", **POINT)
    clinician.get(f"/w/{ws}/clients/{other.pk}/", **POINT)
    clinician.get(f"/w/{ws}/clients/{anna.pk}/export/?format=fhir", **POINT)
    clinician.get(f"/w/{ws}/clients/?q=anna", **POINT)  # a search names no single client

    owner = logged_in(client, team.owner)
    response = owner.get(f"/w/{ws}/clients/{anna.pk}/access/", **POINT)
    assert response.status_code == 200
    rows = _tab_rows(response)
    expected = list(AuditEvent.objects.filter(client_id=str(anna.pk)).order_by("-pk"))
    assert len(rows) == len(expected) == 4  # created, viewed, exported, and this very visit
    assert [e.event_code for e in expected] == ["client.viewed", "client.exported", "client.viewed", "client.created"]
    assert "Olivia Owner" in rows[0] and "Client record opened" in rows[0] and "Owner" in rows[0]
    assert "Clara Clinician" in rows[1] and "Client data exported" in rows[1] and "Clinician" in rows[1]
    assert "Web" in rows[1] and "Success" in rows[1]
    assert "Client created" in rows[3]
    assert not any("Bert" in row or "searched" in row for row in rows)
    assert list(selectors.access_history(anna)) == expected


def test_access_tab_needs_audit_view(team, client):
    """The tab is registered with audit.view (owner, admin): a clinician neither sees the tab nor opens it."""
    anna = make(team, first_name="Anna", last_name="Jansen")
    browser = logged_in(client, team.clinician)
    page = browser.get(f"/w/{team.workspace.slug}/clients/{anna.pk}/").content.decode()
    assert "Access history" not in page
    assert browser.get(f"/w/{team.workspace.slug}/clients/{anna.pk}/access/").status_code == 404
    assert "Access history" in logged_in(client, team.admin).get(f"/w/{team.workspace.slug}/clients/{anna.pk}/").content.decode()


def test_access_history_of_another_workspace_is_not_listed(team, client, make_user):
    """R-ROLE-4: the selector reads the client's own workspace only, even for a colliding client id."""
    from praxis.testing.team import build_team

    anna = make(team, first_name="Anna", last_name="Jansen")
    other = build_team(make_user, name="Andere Praktijk", label="B")
    with scope(workspace=other.workspace):
        client_make(other.access("owner"), first_name="Zelfde", last_name="Id")
    AuditEvent.objects.filter(workspace=other.workspace).update(client_id=str(anna.pk))
    assert {e.workspace_id for e in selectors.access_history(anna)} == {team.workspace.pk}


def test_access_tab_pages_newest_first_in_constant_queries(team, client):
    """R-AUD-3: a page of PAGE_SIZE entries costs what a page of 3 does (the actor is joined)."""
    anna = make(team, first_name="Anna", last_name="Jansen")
    owner = logged_in(client, team.owner)
    address = f"/w/{team.workspace.slug}/clients/{anna.pk}/access/"
    owner.get(address)  # warm-up

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner.get(address).status_code == 200
        return len(captured)

    small = queries()
    viewer = logged_in(client.__class__(), team.clinician)
    for _ in range(PAGE_SIZE + 5):
        viewer.get(f"/w/{team.workspace.slug}/clients/{anna.pk}/")
    large = queries()
    assert large == small
    first = owner.get(address).content.decode()
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = owner.get(address + "?page=2", headers={"HX-Request": "true"})
    assert second.status_code == 200 and 'rel="prev"' in second.content.decode()
    assert "<html" not in second.content.decode()  # the panel alone for htmx
    assert "Client created" in second.content.decode()  # the oldest entry is on the last page
