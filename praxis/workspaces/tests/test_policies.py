"""The membership policy (issue 6 points 7 and 2): the role order as a table, and every refusal through the
HTML pages and the API is an audited 403 that changes nothing (R-AUD-1, R-ROLE-4, R-BIL-7, R-BIL-14).

The expected answers are written out here, not derived from `policies.py`, so a wrong order fails.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from praxis.api.tests.conftest import workspace_state
from praxis.audit.models import AuditEvent
from praxis.conftest import PASSWORD
from praxis.workspaces import policies
from praxis.workspaces.models import Invitation

pytestmark = pytest.mark.django_db

ROLES = ("owner", "admin", "assistant", "clinician", "staff")

# actor role → the target roles it manages (Sentry's RoleManager: at or below itself).
CAN_MANAGE = {
    "owner": {"owner", "admin", "assistant", "clinician", "staff"},
    "admin": {"admin", "assistant", "clinician", "staff"},
    "assistant": {"assistant", "clinician", "staff"},
    "clinician": {"clinician", "staff"},
    "staff": {"staff"},
}
# With the capabilities of the role (`members.manage`): whom a member may give a role to / manage.
ASSIGNABLE = {
    "owner": ["admin", "assistant", "clinician", "staff"],
    "admin": ["admin", "assistant", "clinician", "staff"],
    "assistant": ["assistant", "clinician", "staff"],
    "clinician": [],
    "staff": [],
}
COMMITS_MONEY = {"owner": True, "admin": True, "assistant": False, "clinician": False, "staff": False}


@pytest.mark.parametrize("actor", ROLES)
@pytest.mark.parametrize("target", ROLES)
def test_point_7_can_manage_table(actor, target):
    """Issue 6 point 7: the role order owner > admin > assistant > clinician > staff, every pair."""
    assert policies.can_manage(actor_role=actor, target_role=target) is (target in CAN_MANAGE[actor])


def test_point_7_unknown_roles_manage_nothing_and_are_managed_by_nobody():
    assert not policies.can_manage(actor_role="gold", target_role="staff")
    assert not policies.can_manage(actor_role="owner", target_role="gold")


@pytest.mark.parametrize("actor", ROLES)
def test_point_7_and_2_member_decisions_per_role(actor, workspace_with_team):
    """With real capabilities: whom each role may manage, which roles it may give, whether it commits money."""
    access = workspace_with_team.access(actor)
    assert policies.assignable_roles(access=access) == ASSIGNABLE[actor]
    for target in ROLES:
        expected = bool(ASSIGNABLE[actor]) and target in CAN_MANAGE[actor]
        assert policies.may_manage_member(access=access, target_role=target) is expected, target
    assert policies.may_commit_money(access=access) is COMMITS_MONEY[actor]


# --- refusals through HTML and the API: 403, audited, nothing changed ----------------------------------------

@pytest.fixture
def api_client():
    def _make(user) -> Client:
        client = Client()
        client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
        return client

    return _make


def _refused(user, **filters) -> int:
    return AuditEvent.objects.filter(user=user, outcome="refused", **filters).count()


def _html(client, team, name: str, **kwargs) -> str:
    return reverse(name, kwargs={"ws": team.workspace.slug, **kwargs})


def _api(team, rest: str) -> str:
    return f"/api/v1/workspaces/{team.workspace.slug}{rest}"


def _json(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _html_cases(team):
    members = team.members
    return {
        "assistant changes an admin's role": (
            "assistant", "workspaces:member_edit", {"member_id": members["admin"].pk},
            {"role": "staff", "password": PASSWORD}),
        "assistant makes someone admin": (
            "assistant", "workspaces:member_edit", {"member_id": members["staff"].pk},
            {"role": "admin", "password": PASSWORD}),
        "admin changes the owner's role": (
            "admin", "workspaces:member_edit", {"member_id": members["owner"].pk},
            {"role": "staff", "password": PASSWORD}),
        "assistant cancels an admin": (
            "assistant", "workspaces:members_cancel", {}, {"ids": [members["admin"].pk], "confirm": "1"}),
        "admin cancels the owner": (
            "admin", "workspaces:members_cancel", {}, {"ids": [members["owner"].pk], "confirm": "1"}),
        "assistant invites an admin": (
            "assistant", "workspaces:invitations", {},
            {"emails": "boss@example.test", "role": "admin", "account_type": "free"}),
        "assistant adds an admin contact person": (
            "assistant", "workspaces:contact_add", {}, {"first_name": "Bo", "last_name": "Baas", "role": "admin"}),
        "assistant invites a seat the workspace pays": (
            "assistant", "workspaces:invitations", {},
            {"emails": "paid@example.test", "role": "clinician", "account_type": "pro", "pay_for_user": "on",
             "pay_timing": "now"}),
    }


HTML_CASES = (
    "assistant changes an admin's role", "assistant makes someone admin", "admin changes the owner's role",
    "assistant cancels an admin", "admin cancels the owner", "assistant invites an admin",
    "assistant adds an admin contact person", "assistant invites a seat the workspace pays",
)


@pytest.mark.parametrize("case", HTML_CASES)
def test_point_7_and_2_html_refusals_are_audited_403s_that_change_nothing(case, client, workspace_with_team,
                                                                         django_capture_on_commit_callbacks,
                                                                         mailoutbox):
    """Before issue 6 these were form errors (200) or unaudited messages, or — for a paid seat — allowed."""
    team = workspace_with_team
    role, name, kwargs, body = _html_cases(team)[case]
    mailoutbox.clear()
    before, refused = workspace_state(team.workspace), _refused(team.users[role])
    client.force_login(team.users[role])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_html(client, team, name, **kwargs), body)
    assert response.status_code == 403
    assert _refused(team.users[role]) == refused + 1
    assert workspace_state(team.workspace) == before
    assert mailoutbox == []


def _api_cases(team):
    members = team.members
    return {
        "assistant changes an admin's role": (
            "assistant", "patch", f"/members/{members['admin'].pk}", {"role": "staff", "password": PASSWORD}),
        "assistant makes someone admin": (
            "assistant", "patch", f"/members/{members['staff'].pk}", {"role": "admin", "password": PASSWORD}),
        "admin changes the owner's role": (
            "admin", "patch", f"/members/{members['owner'].pk}", {"role": "staff", "password": PASSWORD}),
        "assistant cancels an admin": ("assistant", "post", "/members/cancel", {"ids": [members["admin"].pk]}),
        "admin cancels the owner": ("admin", "post", "/members/cancel", {"ids": [members["owner"].pk]}),
        "assistant invites an admin": (
            "assistant", "post", "/invitations", {"emails": ["boss@example.test"], "role": "admin",
                                                  "account_type": "free"}),
        "assistant adds an admin contact person": (
            "assistant", "post", "/contacts", {"first_name": "Bo", "last_name": "Baas", "role": "admin"}),
        "assistant invites a seat the workspace pays": (
            "assistant", "post", "/invitations", {"emails": ["paid@example.test"], "role": "clinician",
                                                  "account_type": "pro", "pay_for_user": True}),
        "assistant restores and pays for a seat": (
            "assistant", "post", "/members/restore", {"ids": [members["staff"].pk], "pay_for_user": True}),
    }


@pytest.mark.parametrize("case", [*HTML_CASES, "assistant restores and pays for a seat"])
def test_point_7_and_2_api_refusals_are_audited_403s_that_change_nothing(case, workspace_with_team, api_client,
                                                                        django_capture_on_commit_callbacks,
                                                                        mailoutbox):
    team = workspace_with_team
    role, method, rest, body = _api_cases(team)[case]
    mailoutbox.clear()
    before, refused = workspace_state(team.workspace), _refused(team.users[role])
    with django_capture_on_commit_callbacks(execute=True):
        response = _json(api_client(team.users[role]), method, _api(team, rest), body)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"
    assert _refused(team.users[role]) == refused + 1
    assert workspace_state(team.workspace) == before
    assert mailoutbox == []


# --- point 2: who may commit money -------------------------------------------------------------------------

def test_point_2_assistant_invite_form_shows_no_billing_figure_and_no_paid_seat(client, workspace_with_team):
    """Before: the assistant saw prices, the cost panel (with the workspace balance) and "Pay for this user"."""
    team = workspace_with_team
    client.force_login(team.assistant)
    page = client.get(_html(client, team, "workspaces:invitations")).content.decode()
    assert 'name="pay_for_user"' not in page and 'name="pay_timing"' not in page
    assert 'id="seat-cost"' not in page and "excluding VAT" not in page and "€" not in page
    assert "pay for it themselves" in page
    client.force_login(team.admin)
    page = client.get(_html(client, team, "workspaces:invitations")).content.decode()
    assert 'name="pay_for_user"' in page and 'id="seat-cost"' in page and "excluding VAT" in page


def test_point_2_cost_panel_and_api_seat_cost_agree(client, workspace_with_team, api_client):
    """The htmx cost panel (members.manage before) and the API seat-cost (billing.view) ask the same policy."""
    team = workspace_with_team
    html = reverse("billing:seat_cost", kwargs={"ws": team.workspace.slug})
    api = _api(team, "/billing/seat-cost?account_type=pro&count=2")
    for role in ROLES:
        client.force_login(team.users[role])
        refused = _refused(team.users[role])
        html_status = client.get(html, {"account_type": "pro", "invite": "1"}, HTTP_HX_REQUEST="true").status_code
        api_status = api_client(team.users[role]).get(api).status_code
        expected = 200 if COMMITS_MONEY[role] else 403
        assert (html_status, api_status) == (expected, expected), role
        assert _refused(team.users[role]) == refused + (0 if COMMITS_MONEY[role] else 2), role


def test_point_2_assistant_invites_people_who_pay_for_themselves(client, workspace_with_team, api_client):
    """Without billing.manage a paid account type is paid by the invitee (HTML and API alike); free and
    support accounts are invited as before."""
    team = workspace_with_team
    client.force_login(team.assistant)
    response = client.post(_html(client, team, "workspaces:invitations"),
                           {"emails": "self.payer@example.test", "role": "clinician", "account_type": "pro"})
    assert response.status_code == 302
    response = _json(api_client(team.assistant), "post", _api(team, "/invitations"),
                     {"emails": ["api.payer@example.test"], "role": "clinician", "account_type": "essentials"})
    assert response.status_code == 201, response.content
    response = _json(api_client(team.assistant), "post", _api(team, "/invitations"),
                     {"emails": ["helper@example.test"], "role": "staff", "account_type": "support",
                      "pay_for_user": True})
    assert response.status_code == 201, response.content
    with scopes_disabled():
        rows = dict(Invitation.objects.filter(workspace=team.workspace, invited_by=team.assistant)
                    .values_list("email", "pay_for_user"))
    assert rows == {"self.payer@example.test": False, "api.payer@example.test": False, "helper@example.test": True}


def test_point_7_member_edit_shows_the_policy_decision(client, workspace_with_team):
    """The template gets the decision (no role comparison in it): an assistant sees no form for an admin."""
    team = workspace_with_team
    client.force_login(team.assistant)
    response = client.get(_html(client, team, "workspaces:member_edit", member_id=team.members["admin"].pk))
    assert response.context["editable"] is False
    assert 'name="role"' not in response.content.decode()
    response = client.get(_html(client, team, "workspaces:member_edit", member_id=team.members["staff"].pk))
    page = response.content.decode()
    assert response.context["editable"] is True
    assert 'value="assistant"' in page and 'value="admin"' not in page


def test_point_7_members_list_offers_only_the_members_one_may_cancel(client, workspace_with_team):
    """The selection checkboxes follow the policy (before: every non-owner row, admins too for an assistant)."""
    team = workspace_with_team
    expected = {"owner": {"admin", "assistant", "clinician", "staff"},
                "admin": {"admin", "assistant", "clinician", "staff"},
                "assistant": {"assistant", "clinician", "staff"}}
    for viewer, selectable in expected.items():
        client.force_login(team.users[viewer])
        page = client.get(_html(client, team, "workspaces:members")).content.decode()
        shown = {role for role in ROLES if f'name="ids" value="{team.members[role].pk}"' in page}
        assert shown == selectable, viewer


def test_point_7_assistant_cannot_edit_an_admin_contact_person(client, workspace_with_team):
    """Contact persons follow the same role order: an admin-role contact is not the assistant's to edit."""
    from django_scopes import scope

    from praxis.workspaces.services import contact_person_add

    team = workspace_with_team
    with scope(workspace=team.workspace):
        contact = contact_person_add(access=team.access("owner"), first_name="Ada", last_name="Admin", role="admin")
    before, refused = workspace_state(team.workspace), _refused(team.assistant)
    client.force_login(team.assistant)
    response = client.post(_html(client, team, "workspaces:contact_edit", member_id=contact.pk),
                           {"first_name": "Changed", "last_name": "Admin", "gender": "", "email": ""})
    assert response.status_code == 403
    assert _refused(team.assistant) == refused + 1
    assert workspace_state(team.workspace) == before
