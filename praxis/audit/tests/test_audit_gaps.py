"""Audit gaps found by the probe (issue 6 point 23, R-AUD-1), each reproduced first:

- reading the audit log (page and API) was not recorded, only its export;
- validation and conflict refusals of services were not recorded;
- refused ownership transfers named no object;
- cross-tenant / unknown-object 404s were not logged — now they are, and the caller still learns nothing.
"""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from praxis.audit.models import AuditEvent
from praxis.conftest import PASSWORD
from praxis.core.errors import Conflict, PermissionDenied, ServiceError
from praxis.core.transactions import service_transaction
from praxis.workspaces.invitations import invitations_create
from praxis.workspaces.services import ownership_transfer, workspace_create

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def _api(team, rest: str) -> str:
    return f"/api/v1/workspaces/{team.workspace.slug}{rest}"


def _entries(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


# --- reading the log -----------------------------------------------------------------------------------

def test_point_23_reading_the_audit_page_is_recorded(workspace_with_team):
    team = workspace_with_team
    url = reverse("audit:list", kwargs={"ws": team.workspace.slug})
    response = _client(team.admin).get(url, {"code": "member."})
    assert response.status_code == 200
    [entry] = _entries(event_code="audit.viewed")
    assert (entry.user, entry.workspace_id, entry.action, entry.outcome, entry.permission) == (
        team.admin, team.workspace.pk, "read", "success", "audit.view")
    assert entry.data == {"code": "member.", "page": 1}
    # The page shows the log as it was before this read.
    assert entry.seq not in [e.seq for e in response.context["page"].object_list]


def test_point_23_reading_the_audit_api_is_recorded(workspace_with_team):
    team = workspace_with_team
    response = _client(team.owner).get(_api(team, "/audit?code=invitation&page=1&page_size=5"))
    assert response.status_code == 200
    [entry] = _entries(event_code="audit.viewed")
    assert (entry.user, entry.workspace_id, entry.action, entry.via) == (team.owner, team.workspace.pk, "read", "api")
    assert entry.data == {"code": "invitation", "page": 1}
    assert entry.seq not in [item["seq"] for item in response.json()["items"]]


# --- validation and conflict refusals of services --------------------------------------------------------

def test_point_23_a_validation_refusal_is_recorded_without_the_input(workspace_with_team):
    team = workspace_with_team
    with scope(workspace=team.workspace), pytest.raises(ServiceError):
        invitations_create(access=team.access("admin"), emails="good@example.test, not-an-address",
                           role="staff", account_type="free")
    [entry] = _entries(outcome="refused", event_code="workspaces.invitations_create")
    assert (entry.user, entry.workspace_id, entry.role) == (team.admin, team.workspace.pk, "admin")
    assert entry.data == {"reason": "invalid_email", "status": 400, "field": "emails"}
    assert "not-an-address" not in json.dumps(entry.data) and "good@example.test" not in json.dumps(entry.data)


def test_point_23_a_conflict_refusal_is_recorded_through_the_api(workspace_with_team):
    team = workspace_with_team
    response = _client(team.admin).post(_api(team, "/invitations"), json.dumps(
        {"emails": [team.clinician.email], "role": "staff", "account_type": "free"}), content_type="application/json")
    assert response.status_code == 409
    [entry] = _entries(outcome="refused", event_code="workspaces.invitations_create")
    assert entry.data == {"reason": "already_member", "status": 409, "field": "emails"}
    assert team.clinician.email not in json.dumps(entry.data)


def test_point_23_a_refusal_without_workspace_names_the_actor(make_user):
    owner = make_user()
    with pytest.raises(ServiceError):
        workspace_create(actor=owner, name="  ", tier="practice")
    [entry] = _entries(outcome="refused")
    assert (entry.event_code, entry.user, entry.workspace_id, entry.data) == (
        "workspaces.workspace_create", owner, None, {"reason": "name_required", "status": 400, "field": "name"})


def test_point_23_a_django_validation_error_is_recorded_once(make_user):
    actor = make_user()

    @service_transaction
    def inner(*, actor):
        raise ValidationError({"name": ["secret health detail"]})

    @service_transaction
    def outer(*, actor):
        inner(actor=actor)

    with pytest.raises(ValidationError):
        outer(actor=actor)
    [entry] = _entries(outcome="refused")
    assert entry.event_code.endswith(".outer")
    assert entry.data == {"reason": "invalid", "status": 400, "field": "name"}
    assert "secret" not in json.dumps(entry.data)


def test_point_23_a_refusal_with_its_own_entry_is_not_recorded_twice(workspace_with_team):
    team = workspace_with_team
    with scope(workspace=team.workspace), pytest.raises(PermissionDenied):
        invitations_create(access=team.access("assistant"), emails="x@example.test", role="admin",
                           account_type="free")
    assert [e.event_code for e in _entries(outcome="refused")] == ["invitation.created"]


# --- refused ownership transfers name the object ------------------------------------------------------

def test_point_23_refused_ownership_transfers_name_the_membership(workspace_with_team):
    team = workspace_with_team
    admin_member, staff_member = team.members["admin"], team.members["staff"]
    with scope(workspace=team.workspace):
        with pytest.raises(PermissionDenied):  # not the owner
            ownership_transfer(access=team.access("admin"), to_membership_id=admin_member.pk, password=PASSWORD)
        with pytest.raises(ServiceError):  # wrong password
            ownership_transfer(access=team.access("owner"), to_membership_id=admin_member.pk, password="nope nope")
        with pytest.raises(ServiceError):  # not an admin
            ownership_transfer(access=team.access("owner"), to_membership_id=staff_member.pk, password=PASSWORD)
    entries = _entries(outcome="refused", event_code="workspace.ownership_transferred")
    assert [(e.object_type, e.object_id, e.data["reason"]) for e in entries] == [
        ("workspaces.membership", str(admin_member.pk), "owner_only"),
        ("workspaces.membership", str(admin_member.pk), "wrong_password"),
        ("workspaces.membership", str(staff_member.pk), "not_admin"),
    ]
    assert entries[2].data["target_role"] == "staff"


# --- 404s are refused access attempts, and reveal nothing ------------------------------------------------

@pytest.fixture
def other_team(make_user):
    """A second practice with one member besides its owner."""
    from praxis.workspaces.access import resolve_access
    from praxis.workspaces.invitations import invitation_accept

    owner = make_user()
    workspace = workspace_create(actor=owner, name="Andere Praktijk", tier="practice")
    user = make_user()
    with scope(workspace=workspace):
        [(_inv, token)] = invitations_create(access=resolve_access(owner, workspace.slug), emails=[user.email],
                                             role="staff", account_type="free")
    member = invitation_accept(token=token, user=user)
    return workspace, member


def test_point_23_api_cross_tenant_404_is_logged_and_looks_like_a_missing_one(workspace_with_team, other_team):
    team = workspace_with_team
    _workspace, foreign = other_team
    client = _client(team.admin)
    foreign_response = client.get(_api(team, f"/members/{foreign.pk}"))
    missing_response = client.get(_api(team, "/members/99999999"))
    assert foreign_response.status_code == missing_response.status_code == 404
    assert foreign_response.json() == missing_response.json()
    entries = _entries(event_code="access.not_found")
    assert [(e.user, e.workspace_id, e.outcome, e.data["asked"]["member_id"]) for e in entries] == [
        (team.admin, team.workspace.pk, "refused", str(foreign.pk)),
        (team.admin, team.workspace.pk, "refused", "99999999"),
    ]
    assert entries[0].data["path"] == _api(team, f"/members/{foreign.pk}")
    assert (entries[0].object_type, entries[0].object_id) == ("", "")  # the foreign row is not named


def test_point_23_api_unknown_workspace_404_is_logged(workspace_with_team, other_team):
    team = workspace_with_team
    workspace, _member = other_team
    response = _client(team.admin).get(f"/api/v1/workspaces/{workspace.slug}/members")
    assert response.status_code == 404
    [entry] = _entries(event_code="access.not_found")
    assert (entry.user, entry.workspace_id, entry.data["asked"]["ws"]) == (team.admin, None, workspace.slug)


def test_point_23_api_service_not_found_is_logged(workspace_with_team, other_team):
    """A foreign id sent to a service (in the body) is a 404 from the service, logged at the API edge."""
    team = workspace_with_team
    _workspace, foreign = other_team
    response = _client(team.owner).post(_api(team, "/ownership"), json.dumps(
        {"member_id": foreign.pk, "password": PASSWORD}), content_type="application/json")
    assert response.status_code == 404
    [entry] = _entries(event_code="access.not_found")
    assert entry.data["path"] == _api(team, "/ownership")
    assert not _entries(outcome="refused", event_code="workspaces.ownership_transfer")  # logged once


def _without_csrf(response) -> str:
    """The page without its per-request CSRF tokens (masked anew on every response)."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", response.content.decode())


def test_point_23_page_cross_tenant_404_is_logged(workspace_with_team, other_team):
    team = workspace_with_team
    workspace, foreign = other_team
    client = _client(team.admin)
    foreign_response = client.get(reverse("workspaces:member_edit",
                                          kwargs={"ws": team.workspace.slug, "member_id": foreign.pk}))
    missing_response = client.get(reverse("workspaces:member_edit",
                                          kwargs={"ws": team.workspace.slug, "member_id": 99999999}))
    assert foreign_response.status_code == missing_response.status_code == 404
    assert _without_csrf(foreign_response) == _without_csrf(missing_response)
    assert client.get(reverse("workspaces:members", kwargs={"ws": workspace.slug})).status_code == 404
    entries = _entries(event_code="access.not_found")
    assert [(e.workspace_id, e.data["asked"]) for e in entries] == [
        (team.workspace.pk, {"ws": team.workspace.slug, "member_id": str(foreign.pk)}),
        (team.workspace.pk, {"ws": team.workspace.slug, "member_id": "99999999"}),
        (None, {"ws": workspace.slug}),
    ]
    assert all(e.user == team.admin and e.outcome == "refused" and e.via == "web" for e in entries)


def test_point_23_conflict_is_still_a_conflict(workspace_with_team):
    """Recording does not change what the caller gets: the same exception, nothing written but the entry."""
    team = workspace_with_team
    from praxis.workspaces.services import members_cancel

    with scope(workspace=team.workspace), pytest.raises(Conflict):
        members_cancel(access=team.access("owner"), membership_ids=[team.members["owner"].pk])
    assert [e.data["reason"] for e in _entries(outcome="refused")] == ["owner_cannot_be_cancelled"]
