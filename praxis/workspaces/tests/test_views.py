"""The workspace pages through HTTP: members, invitations, contact persons, settings, the invitation link
and the audit log (SPEC §2, §3, §5, §6, R-AUD-2).

Every refusal test also proves that nothing changed (a snapshot of the tenant's rows before and after).
Direct database reads use `scopes_disabled()`; the views themselves run inside the workspace scope.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from praxis.accounts.models import User
from praxis.audit.models import AuditEvent
from praxis.core import clock
from praxis.workspaces.access import resolve_access
from praxis.workspaces.invitations import invitation_accept, invitations_create
from praxis.workspaces.models import Invitation, Membership, Workspace
from praxis.workspaces.services import contact_person_add, workspace_create

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(https?://[^\s/]+)/invite/([A-Za-z0-9_\-]+)/")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the after-commit hooks (e-mail) of the block as a real commit would;
    a refused request's hooks are rolled back with its transaction, so `mailoutbox == []` means
    something."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def ws_url(team, name: str, **kwargs) -> str:
    return reverse(f"workspaces:{name}", kwargs={"ws": team.workspace.slug, **kwargs})


def invite_url(token: str) -> str:
    return reverse("workspaces:invite", kwargs={"token": token})


def snapshot(workspace) -> dict:
    """Every membership and invitation row of the workspace, to prove a refused request changed nothing."""
    with scopes_disabled():
        return {
            "members": list(Membership.objects.filter(workspace=workspace).order_by("pk").values()),
            "invitations": list(Invitation.objects.filter(workspace=workspace).order_by("pk").values()),
            "workspace": Workspace.objects.filter(pk=workspace.pk).values().get(),
        }


def member(pk: int) -> Membership:
    with scopes_disabled():
        return Membership.objects.select_related("user").get(pk=pk)


def token_from(mail) -> str:
    match = LINK.search(mail.body)
    assert match, mail.body
    return match.group(2)


def invite(team, emails, *, role="clinician", account_type="pro", by="owner", **kwargs):
    with scope(workspace=team.workspace):
        return invitations_create(access=team.access(by), emails=emails, role=role, account_type=account_type,
                                  **kwargs)


def text(response) -> str:
    return response.content.decode()


# --- home and the workspace list --------------------------------------------------------------------


def test_home_sends_anonymous_visitors_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


def test_home_returns_to_last_workspace_else_shared_else_personal(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.clinician)
    personal = Workspace.objects.get(is_personal=True, created_by=team.clinician)
    # A fresh login goes to the practice the clinician works in, not to their personal workspace.
    assert client.get("/").url == ws_url(team, "dashboard")

    client.get(reverse("workspaces:dashboard", kwargs={"ws": personal.slug}))  # remembered as current
    assert client.get("/").url == reverse("workspaces:dashboard", kwargs={"ws": personal.slug})

    with scope(workspace=team.workspace):
        from praxis.workspaces.services import members_cancel

        members_cancel(access=team.access("owner"), membership_ids=[team.members["clinician"].pk])
    assert client.get("/").url == reverse("workspaces:dashboard", kwargs={"ws": personal.slug})


def test_workspace_list_shows_roles_and_creates_a_workspace(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.staff)
    response = client.get(reverse("workspaces:list"))
    assert response.status_code == 200
    assert "Praktijk Noord" in text(response)

    response = client.post(reverse("workspaces:list"), {"name": "Fysio Zuid", "tier": "practice",
                                                        "billing_interval": "annual"})
    created = Workspace.objects.get(name="Fysio Zuid")
    assert response.url == reverse("workspaces:dashboard", kwargs={"ws": created.slug})
    assert created.billing_interval == "annual"
    assert resolve_access(team.staff, created.slug).membership.role == "owner"

    response = client.post(reverse("workspaces:list"), {"name": "  ", "tier": "practice",
                                                        "billing_interval": "monthly"})
    assert response.status_code == 200
    assert Workspace.objects.filter(created_by=team.staff, is_personal=False).count() == 1


# --- every page renders for an allowed member; refusals change nothing -------------------------------

PAGES = [
    ("owner", "dashboard"), ("staff", "dashboard"), ("owner", "settings"), ("admin", "settings"),
    ("owner", "members"), ("staff", "members"), ("clinician", "contacts"), ("assistant", "contacts"),
    ("assistant", "invitations"), ("owner", "invitations"),
]  # fmt: skip


@pytest.mark.parametrize(("role", "page_name"), PAGES)
def test_pages_render_for_allowed_members(client, workspace_with_team, role, page_name):
    team = workspace_with_team
    client.force_login(team.users[role])
    response = client.get(ws_url(team, page_name))
    assert response.status_code == 200
    assert team.workspace.name in text(response)


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_audit_log_renders_for_audit_view(client, workspace_with_team, role):
    team = workspace_with_team
    client.force_login(team.users[role])
    response = client.get(reverse("audit:list", kwargs={"ws": team.workspace.slug}))
    assert response.status_code == 200
    assert "invitation.accepted" in text(response)


def test_member_edit_renders_for_a_manager(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.assistant)
    response = client.get(ws_url(team, "member_edit", member_id=team.members["staff"].pk))
    assert response.status_code == 200
    assert "Stan" in text(response)


def test_nav_shows_links_by_capability(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.staff)
    body = text(client.get(ws_url(team, "dashboard")))
    assert ws_url(team, "members") in body
    assert ws_url(team, "invitations") not in body
    assert ws_url(team, "settings") not in body
    client.force_login(team.owner)
    body = text(client.get(ws_url(team, "dashboard")))
    assert ws_url(team, "invitations") in body and ws_url(team, "settings") in body
    assert reverse("audit:list", kwargs={"ws": team.workspace.slug}) in body


def _manage_requests(team):
    staff_id = team.members["staff"].pk
    [(invitation, _token)] = invite(team, ["pending@example.test"])
    contact = _contact(team)
    return [
        ("get", ws_url(team, "invitations"), {}),
        ("post", ws_url(team, "invitations"), {"emails": "x@example.test", "role": "staff", "account_type": "free",
                                               "pay_timing": "now"}),
        ("get", ws_url(team, "member_edit", member_id=staff_id), {}),
        ("post", ws_url(team, "member_edit", member_id=staff_id), {"role": "admin", "password": "correct horse "
                                                                   "battery staple"}),
        ("post", ws_url(team, "members_cancel"), {"ids": [staff_id], "confirm": "1"}),
        ("post", ws_url(team, "members_restore"), {"ids": [staff_id]}),
        ("post", ws_url(team, "invitation_resend", invitation_id=invitation.pk), {}),
        ("post", ws_url(team, "invitation_revoke", invitation_id=invitation.pk), {}),
        ("post", ws_url(team, "contact_add"), {"first_name": "Eve", "last_name": "Extra", "role": "staff"}),
        ("post", ws_url(team, "contact_access", member_id=contact.pk), {"email": "eve@example.test"}),
    ]


@pytest.mark.parametrize("role", ["clinician", "staff"])
def test_members_manage_pages_refuse_clinician_and_staff(client, workspace_with_team, mailoutbox, committed,
                                                         role):
    team = workspace_with_team
    requests = _manage_requests(team)
    mailoutbox.clear()
    before = snapshot(team.workspace)
    client.force_login(team.users[role])
    for method, url, data in requests:
        with committed():
            response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
    assert snapshot(team.workspace) == before
    assert mailoutbox == []
    with scopes_disabled():
        assert AuditEvent.objects.filter(workspace=team.workspace, outcome="refused",
                                         user=team.users[role]).count() == len(requests)


@pytest.mark.parametrize("role", ["assistant", "clinician"])
def test_settings_refuse_members_without_workspace_edit(client, workspace_with_team, role):
    team = workspace_with_team
    before = snapshot(team.workspace)
    client.force_login(team.users[role])
    assert client.get(ws_url(team, "settings")).status_code == 403
    assert client.post(ws_url(team, "settings"), {"name": "Hijacked", "country": "NL", "time_zone": "UTC",
                                            "language": "en"}).status_code == 403
    assert snapshot(team.workspace) == before


def test_audit_log_refuses_members_without_audit_view(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.assistant)
    assert client.get(reverse("audit:list", kwargs={"ws": team.workspace.slug})).status_code == 403


def test_anonymous_and_other_workspaces_get_no_workspace_page(client, workspace_with_team, make_user):
    team = workspace_with_team
    response = client.get(ws_url(team, "members"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    client.force_login(make_user())
    for name in ("dashboard", "members", "contacts", "invitations", "settings"):
        assert client.get(ws_url(team, name)).status_code == 404, name
    assert client.get(reverse("audit:list", kwargs={"ws": team.workspace.slug})).status_code == 404


def test_another_workspaces_member_answers_404(client, workspace_with_team, make_user):
    """R-ROLE-4: a member id of another workspace is a 404 on every member page, and nothing changes."""
    team = workspace_with_team
    outsider = make_user()
    other = workspace_create(actor=outsider, name="Elsewhere", tier="team")
    with scopes_disabled():
        foreign = Membership.objects.get(workspace=other, user=outsider)
    before, before_other = snapshot(team.workspace), snapshot(other)
    client.force_login(team.owner)
    assert client.get(ws_url(team, "member_edit", member_id=foreign.pk)).status_code == 404
    assert client.post(ws_url(team, "member_edit", member_id=foreign.pk),
                       {"role": "staff", "password": "correct horse battery staple"}).status_code == 404
    assert client.post(ws_url(team, "members_cancel"), {"ids": [foreign.pk]}).status_code == 404
    assert client.post(ws_url(team, "members_cancel"), {"ids": [foreign.pk], "confirm": "1"}).status_code == 404
    assert client.post(ws_url(team, "members_restore"), {"ids": [foreign.pk]}).status_code == 404
    assert client.post(ws_url(team, "contact_access", member_id=foreign.pk),
                       {"email": "x@example.test"}).status_code == 404
    assert snapshot(team.workspace) == before and snapshot(other) == before_other


# --- invitations ------------------------------------------------------------------------------------


def test_bulk_invite_sends_one_link_per_address(client, workspace_with_team, mailoutbox, committed):
    team = workspace_with_team
    mailoutbox.clear()
    client.force_login(team.admin)
    with committed():
        response = client.post(ws_url(team, "invitations"), {
            "emails": "new.one@example.test\nnew.two@example.test", "role": "clinician",
            "account_type": "essentials", "pay_for_user": "on", "pay_timing": "now",
        }, follow=True)
    assert "Invitations sent to 2 addresses" in text(response)
    assert sorted(m.to[0] for m in mailoutbox) == ["new.one@example.test", "new.two@example.test"]
    for mail in mailoutbox:
        match = LINK.search(mail.body)
        assert match and match.group(0).startswith(settings.PRAXIS_SITE_URL + "/invite/")
        assert settings.PRAXIS_SITE_URL == "https://praxis.example"
    with scopes_disabled():
        rows = Invitation.objects.filter(workspace=team.workspace, status="pending")
        assert {(i.email, i.role, i.account_type, i.pay_for_user) for i in rows} == {
            ("new.one@example.test", "clinician", "essentials", True),
            ("new.two@example.test", "clinician", "essentials", True),
        }
    assert "new.two@example.test" in text(client.get(ws_url(team, "invitations")))


def test_refused_batch_names_the_address_and_keeps_the_textarea(client, workspace_with_team, mailoutbox,
                                                                committed):
    team = workspace_with_team
    mailoutbox.clear()
    before = snapshot(team.workspace)
    client.force_login(team.owner)
    typed = f"fresh@example.test\n{team.clinician.email}"
    with committed():
        response = client.post(ws_url(team, "invitations"), {
            "emails": typed, "role": "staff", "account_type": "free", "pay_timing": "now",
        })
    assert response.status_code == 200
    body = text(response)
    assert f"{team.clinician.email} is already a member of this workspace." in body
    assert "fresh@example.test" in body  # the textarea keeps what was typed
    assert snapshot(team.workspace) == before
    assert mailoutbox == []


def test_invite_form_defaults_to_paying_for_the_user(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.owner)
    form = client.get(ws_url(team, "invitations")).context["form"]
    assert form["pay_for_user"].value() is True
    assert form["account_type"].value() == "essentials"


def test_resend_issues_a_new_link_and_returns_the_partial_for_htmx(client, workspace_with_team, mailoutbox,
                                                                   committed):
    team = workspace_with_team
    [(invitation, old_token)] = invite(team, ["later@example.test"])
    mailoutbox.clear()
    client.force_login(team.assistant)
    with committed():
        response = client.post(ws_url(team, "invitation_resend", invitation_id=invitation.pk), **HTMX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<section class="card" id="pending"')  # the partial, not the page
    assert "A new invitation link was sent to later@example.test" in body
    [mail] = mailoutbox
    new_token = token_from(mail)
    assert new_token != old_token
    client.logout()
    assert client.get(invite_url(old_token)).status_code == 410
    assert client.get(invite_url(new_token)).status_code == 200


def test_revoke_ends_the_link_without_js(client, workspace_with_team):
    team = workspace_with_team
    [(invitation, token)] = invite(team, ["gone@example.test"])
    client.force_login(team.owner)
    response = client.post(ws_url(team, "invitation_revoke", invitation_id=invitation.pk), follow=True)
    assert "The invitation for gone@example.test was revoked." in text(response)
    with scopes_disabled():
        assert Invitation.objects.get(pk=invitation.pk).status == "revoked"
    client.logout()
    response = client.get(invite_url(token))
    assert response.status_code == 410
    assert "no longer valid" in text(response)


# --- the invitation link ----------------------------------------------------------------------------


def test_new_user_accepts_through_the_form_and_cannot_change_the_address(client, workspace_with_team,
                                                                         mailoutbox):
    team = workspace_with_team
    [(_invitation, token)] = invite(team, ["newbie@example.test"], role="staff", account_type="essentials")
    response = client.get(invite_url(token))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    body = text(response)
    assert "newbie@example.test" in body and team.workspace.name in body
    assert 'name="email"' not in body  # shown, not editable

    response = client.post(invite_url(token), {
        "email": "attacker@example.test", "first_name": "Nina", "last_name": "New",
        "password": "a long enough passphrase", "password_repeat": "a long enough passphrase",
    })
    assert response.status_code == 302
    assert response.url == ws_url(team, "dashboard")
    assert not User.objects.filter(email="attacker@example.test").exists()
    user = User.objects.get(email="newbie@example.test")
    assert user.first_name == "Nina"
    access = resolve_access(user, team.workspace.slug)
    assert access.membership.role == "staff"
    assert client.get(ws_url(team, "dashboard")).status_code == 200  # logged in
    assert client.get(invite_url(token)).status_code == 410  # single use


def test_sign_up_form_errors_keep_the_invitation_pending(client, workspace_with_team):
    team = workspace_with_team
    [(invitation, token)] = invite(team, ["typo@example.test"])
    response = client.post(invite_url(token), {"first_name": "T", "last_name": "Y", "password": "short",
                                               "password_repeat": "short"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    response = client.post(invite_url(token), {"first_name": "T", "last_name": "Y",
                                               "password": "a long enough passphrase",
                                               "password_repeat": "another long passphrase"})
    assert response.context["form"].errors["password_repeat"]
    assert not User.objects.filter(email="typo@example.test").exists()
    with scopes_disabled():
        assert Invitation.objects.get(pk=invitation.pk).status == "pending"


def test_existing_user_is_asked_to_log_in_then_accepts(client, workspace_with_team, make_user):
    team = workspace_with_team
    existing = make_user("known@example.test")
    [(_invitation, token)] = invite(team, [existing.email], role="assistant")
    response = client.get(invite_url(token))
    assert response.context["state"] == "login"
    assert response.context["login_url"] == reverse("accounts:login") + f"?next=%2Finvite%2F{token}%2F"
    assert response.context.get("form") is None

    client.force_login(existing)
    response = client.get(invite_url(token))
    assert response.context["state"] == "accept"
    response = client.post(invite_url(token))
    assert response.url == ws_url(team, "dashboard")
    assert resolve_access(existing, team.workspace.slug).membership.role == "assistant"


def test_logged_in_as_someone_else_is_told_so_and_nothing_happens(client, workspace_with_team):
    team = workspace_with_team
    [(invitation, token)] = invite(team, ["intended@example.test"])
    client.force_login(team.staff)
    response = client.get(invite_url(token))
    assert response.status_code == 200
    body = text(response)
    assert f"but you are logged in as {team.staff.email}" in body
    assert reverse("accounts:logout") in body
    before = snapshot(team.workspace)
    client.post(invite_url(token))
    assert snapshot(team.workspace) == before
    with scopes_disabled():
        assert Invitation.objects.get(pk=invitation.pk).status == "pending"


def test_expired_link_says_ask_for_a_new_one_and_reveals_nothing(client, workspace_with_team):
    team = workspace_with_team
    [(_invitation, token)] = invite(team, ["late@example.test"])
    with time_machine.travel(clock.now() + dt.timedelta(days=31), tick=False):
        response = client.get(invite_url(token))
    assert response.status_code == 410
    body = text(response)
    assert "This invitation has expired. Ask your administrator to send you a new invitation." in body
    assert team.workspace.name not in body and "late@example.test" not in body
    assert response["Referrer-Policy"] == "same-origin"


def test_used_revoked_and_unknown_links_are_no_longer_valid(client, workspace_with_team, make_user):
    team = workspace_with_team
    used_user = make_user("used@example.test")
    [(_i, used)] = invite(team, [used_user.email])
    invitation_accept(token=used, user=used_user)
    [(revoked_invitation, revoked)] = invite(team, ["revoked@example.test"])
    with scope(workspace=team.workspace):
        from praxis.workspaces.invitations import invitation_revoke

        invitation_revoke(access=team.access("owner"), invitation_id=revoked_invitation.pk)
    for token in (used, revoked, "not-a-real-token"):
        response = client.get(invite_url(token))
        assert response.status_code == 410
        body = text(response)
        assert "This invitation link is no longer valid." in body
        assert team.workspace.name not in body
        # A POST to a dead link creates nothing either.
        client.post(invite_url(token), {"first_name": "X", "last_name": "Y", "password": "a long enough passphrase",
                                        "password_repeat": "a long enough passphrase"})
    assert not User.objects.filter(email="revoked@example.test").exists()


# --- members: cancel, restore, roles ----------------------------------------------------------------


def test_bulk_cancel_confirms_then_cancels_and_bulk_restore_brings_back(client, workspace_with_team, mailoutbox,
                                                                        committed):
    team = workspace_with_team
    ids = [team.members["clinician"].pk, team.members["staff"].pk]
    mailoutbox.clear()
    client.force_login(team.assistant)

    response = client.post(ws_url(team, "members_cancel"), {"ids": ids})
    assert response.status_code == 200  # the confirmation step
    body = text(response)
    assert "Clara Clinician" in body and "Stan Staff" in body and 'name="confirm"' in body
    assert all(member(pk).status == "active" for pk in ids)

    with committed():
        response = client.post(ws_url(team, "members_cancel"), {"ids": ids, "confirm": "1"}, follow=True)
    assert "The memberships of 2 people were cancelled." in text(response)
    assert all(member(pk).status == "cancelled" for pk in ids)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([team.clinician.email, team.staff.email])

    cancelled_page = client.get(ws_url(team, "members") + "?status=cancelled")
    assert [m.pk for m in cancelled_page.context["members"]] == ids
    assert "Stan Staff" not in text(client.get(ws_url(team, "members")))

    # Issue 6 point 2: paying for their seats again is a billing decision, refused (403) for the assistant.
    response = client.post(ws_url(team, "members_restore"), {"ids": ids, "pay_for_user": "on"})
    assert response.status_code == 403
    assert all(member(pk).status == "cancelled" for pk in ids)
    client.force_login(team.owner)
    response = client.post(ws_url(team, "members_restore"), {"ids": ids, "pay_for_user": "on"}, follow=True)
    assert "The memberships of 2 people were restored." in text(response)
    assert all(member(pk).status == "active" for pk in ids)
    assert all(member(pk).pay_for_user for pk in ids)


def test_cancel_confirmation_comes_as_a_dialog_for_htmx(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.owner)
    response = client.post(ws_url(team, "members_cancel"), {"ids": [team.members["staff"].pk]}, **HTMX)
    body = text(response).strip()
    assert body.startswith("<dialog") and 'formmethod="dialog"' in body
    assert member(team.members["staff"].pk).status == "active"


def test_htmx_gets_the_panel_for_tabs_and_a_dialog_for_an_empty_selection(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.owner)
    client.post(ws_url(team, "members_cancel"), {"ids": [team.members["staff"].pk], "confirm": "1"})
    body = text(client.get(ws_url(team, "members") + "?status=cancelled", **HTMX)).strip()
    assert body.startswith('<div id="member-panel">') and "Stan Staff" in body
    # After a history cache miss htmx asks for the whole page again.
    body = text(client.get(ws_url(team, "members"), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX))
    assert body.lstrip().startswith("<!doctype html>")
    body = text(client.post(ws_url(team, "members_cancel"), {}, **HTMX)).strip()
    assert body.startswith("<dialog") and "Select at least one member." in body


def test_restore_through_htmx_returns_the_member_panel(client, workspace_with_team):
    team = workspace_with_team
    staff_id = team.members["staff"].pk
    client.force_login(team.owner)
    client.post(ws_url(team, "members_cancel"), {"ids": [staff_id], "confirm": "1"})
    response = client.post(ws_url(team, "members_restore"), {"ids": [staff_id]}, **HTMX)
    body = text(response).strip()
    assert body.startswith('<div id="member-panel">')
    assert "The membership of 1 person was restored." in body
    assert member(staff_id).status == "active"


def test_owner_cannot_be_cancelled(client, workspace_with_team, mailoutbox, committed):
    team = workspace_with_team
    mailoutbox.clear()
    before = snapshot(team.workspace)
    client.force_login(team.owner)
    body = text(client.get(ws_url(team, "members")))
    assert f'value="{team.members["owner"].pk}"' not in body  # no checkbox for the owner
    assert f'value="{team.members["staff"].pk}"' in body
    with committed():
        response = client.post(ws_url(team, "members_cancel"),
                               {"ids": [team.members["owner"].pk, team.members["staff"].pk], "confirm": "1"},
                               follow=True)
    assert "The owner cannot be cancelled." in text(response)
    client.force_login(team.admin)  # issue 6 point 7: above an admin in the role order — an audited 403
    with committed():
        response = client.post(ws_url(team, "members_cancel"),
                               {"ids": [team.members["owner"].pk, team.members["staff"].pk], "confirm": "1"})
    assert response.status_code == 403
    assert snapshot(team.workspace) == before
    assert mailoutbox == []


def test_empty_selection_is_refused_with_a_message(client, workspace_with_team):
    team = workspace_with_team
    before = snapshot(team.workspace)
    client.force_login(team.owner)
    response = client.post(ws_url(team, "members_cancel"), {"confirm": "1"}, follow=True)
    assert "Select at least one member." in text(response)
    response = client.post(ws_url(team, "members_restore"), {}, follow=True)
    assert "Select at least one member." in text(response)
    assert snapshot(team.workspace) == before


def test_cancelled_member_loses_the_workspace_at_once_but_keeps_their_own(client, workspace_with_team):
    """R-MEM-2, R-ROLE-6: the very next request is refused; the personal workspace still works."""
    team = workspace_with_team
    client.force_login(team.clinician)
    assert client.get(ws_url(team, "members")).status_code == 200
    personal = Workspace.objects.get(is_personal=True, created_by=team.clinician)

    owner_client = client.__class__()
    owner_client.force_login(team.owner)
    owner_client.post(ws_url(team, "members_cancel"), {"ids": [team.members["clinician"].pk], "confirm": "1"})

    assert client.get(ws_url(team, "members")).status_code == 404
    assert client.get(ws_url(team, "dashboard")).status_code == 404
    assert client.get(reverse("workspaces:dashboard", kwargs={"ws": personal.slug})).status_code == 200
    assert "Praktijk Noord" not in text(client.get(reverse("workspaces:list")))


def test_role_change_needs_the_password_unless_recently_confirmed(client, workspace_with_team):
    team = workspace_with_team
    staff_id = team.members["staff"].pk
    url = ws_url(team, "member_edit", member_id=staff_id)
    client.force_login(team.admin)
    before = snapshot(team.workspace)

    response = client.post(url, {"role": "clinician"})
    assert response.context["form"].errors["password"] == ["Confirm this change with your password."]
    response = client.post(url, {"role": "clinician", "password": "not my password at all"})
    assert response.context["form"].errors["password"] == ["The password is not correct."]
    assert snapshot(team.workspace) == before

    response = client.post(url, {"role": "clinician", "staff_plus": "on", "password": "correct horse battery staple"})
    assert response.status_code == 302
    changed = member(staff_id)
    assert (changed.role, changed.grants) == ("clinician", ["tickets.view_all"])

    # Within 10 minutes of that confirmation no password is needed (R-ROLE-5) ...
    with time_machine.travel(clock.now() + dt.timedelta(minutes=9), tick=False):
        response = client.post(url, {"role": "assistant"})
    assert response.status_code == 302
    assert (member(staff_id).role, member(staff_id).grants) == ("assistant", [])
    # ... after that it is again.
    with time_machine.travel(clock.now() + dt.timedelta(minutes=11), tick=False):
        response = client.post(url, {"role": "staff"})
    assert response.status_code == 200
    assert member(staff_id).role == "assistant"


def test_role_change_takes_effect_on_the_next_request(client, workspace_with_team):
    """R-ROLE-6: the staff member gets `members.manage` the moment they become an assistant."""
    team = workspace_with_team
    staff_client = client.__class__()
    staff_client.force_login(team.staff)
    assert staff_client.get(ws_url(team, "invitations")).status_code == 403
    client.force_login(team.owner)
    client.post(ws_url(team, "member_edit", member_id=team.members["staff"].pk),
                {"role": "assistant", "password": "correct horse battery staple"})
    assert staff_client.get(ws_url(team, "invitations")).status_code == 200


def test_owner_role_is_not_editable_and_assistant_cannot_make_admins(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.assistant)
    owner_id = team.members["owner"].pk
    before = snapshot(team.workspace)
    assert "transfers ownership" in text(client.get(ws_url(team, "member_edit", member_id=owner_id)))
    # Issue 6 point 7: refusals are audited 403s, not form errors.
    response = client.post(ws_url(team, "member_edit", member_id=owner_id),
                           {"role": "staff", "password": "correct horse battery staple"})
    assert response.status_code == 403
    response = client.post(ws_url(team, "member_edit", member_id=team.members["staff"].pk),
                           {"role": "admin", "password": "correct horse battery staple"})
    assert response.status_code == 403
    assert snapshot(team.workspace) == before


# --- members list: query budget ---------------------------------------------------------------------


def _members_page_queries(client, team) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ws_url(team, "members"))
    assert response.status_code == 200
    return len(queries)


def test_members_list_costs_the_same_queries_for_3_and_30_members(client, workspace_with_team, make_user):
    team = workspace_with_team
    client.force_login(team.owner)
    _members_page_queries(client, team)  # warm-up: the first visit remembers the workspace in the session
    few = _members_page_queries(client, team)  # 5 members
    owner_access = team.access("owner")
    with scope(workspace=team.workspace):
        for n in range(13):
            contact_person_add(access=owner_access, first_name="Contact", last_name=f"{n}")
    emails = [make_user(first_name="Many", last_name=str(n)).email for n in range(12)]
    for (_inv, token), email in zip(invite(team, emails, role="staff", account_type="free"), emails, strict=True):
        invitation_accept(token=token, user=User.objects.get(email=email))
    with scopes_disabled():
        assert Membership.objects.filter(workspace=team.workspace).count() == 30
    many = _members_page_queries(client, team)
    assert many == few


def test_contacts_and_audit_pages_have_a_fixed_query_budget(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.owner)
    audit_url = reverse("audit:list", kwargs={"ws": team.workspace.slug})

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count(ws_url(team, "contacts"))  # warm-up: the first visit remembers the workspace in the session
    contacts_before, audit_before = count(ws_url(team, "contacts")), count(audit_url)
    with scope(workspace=team.workspace):
        for n in range(10):
            contact_person_add(access=team.access("owner"), first_name="C", last_name=str(n))
    assert count(ws_url(team, "contacts")) == contacts_before
    assert count(audit_url) == audit_before


# --- contact persons --------------------------------------------------------------------------------


def _contact(team, **kwargs):
    with scope(workspace=team.workspace):
        return contact_person_add(access=team.access("owner"), first_name=kwargs.get("first_name", "Carla"),
                                  last_name=kwargs.get("last_name", "Contact"), gender="female",
                                  role=kwargs.get("role", "staff"))


def test_contacts_show_a_tick_in_the_role_column(client, workspace_with_team):
    team = workspace_with_team
    with scope(workspace=team.workspace):
        from praxis.workspaces.services import member_change_role

        member_change_role(access=team.access("owner"), membership_id=team.members["staff"].pk, role="staff",
                           grants=["tickets.view_all"], password="correct horse battery staple")
    _contact(team)
    client.force_login(team.clinician)
    response = client.get(ws_url(team, "contacts"))
    rows = {row["member"].display_name: row for row in response.context["rows"]}
    assert len(rows) == 6
    assert rows["Olivia Owner"]["roles"] == [True, False, False, False, False]
    assert rows["Clara Clinician"]["roles"] == [False, False, False, True, False]
    assert rows["Stan Staff"]["staff_plus"] is True and rows["Clara Clinician"]["staff_plus"] is False
    assert rows["Carla Contact"]["email"] is None
    body = text(response)
    assert "no portal access" in body
    assert "Give portal access" not in body  # a clinician cannot manage members
    assert response.context["role_columns"] == ["Owner", "Admin", "Assistant", "Clinician", "Staff"]


def test_contact_person_add_then_portal_access_sends_an_invitation(client, workspace_with_team, mailoutbox,
                                                                   committed):
    team = workspace_with_team
    mailoutbox.clear()
    client.force_login(team.assistant)
    response = client.post(ws_url(team, "contact_add"), {"first_name": "Rita", "last_name": "Reception",
                                                         "gender": "female", "role": "staff"}, follow=True)
    assert "Rita Reception was added as a contact person." in text(response)
    with scopes_disabled():
        contact = Membership.objects.get(workspace=team.workspace, last_name="Reception")
    assert contact.user_id is None and contact.gender == "female"
    assert mailoutbox == []

    with committed():
        response = client.post(ws_url(team, "contact_access", member_id=contact.pk),
                               {"email": "rita@example.test"}, follow=True)
    assert "An invitation for portal access was sent to rita@example.test." in text(response)
    [mail] = mailoutbox
    assert mail.to == ["rita@example.test"]
    token = token_from(mail)

    client.logout()
    client.post(invite_url(token), {"first_name": "Rita", "last_name": "Reception",
                                    "password": "a long enough passphrase",
                                    "password_repeat": "a long enough passphrase"})
    linked = member(contact.pk)
    assert linked.user.email == "rita@example.test" and linked.role == "staff"


def test_contact_add_and_access_errors_are_shown_on_the_form(client, workspace_with_team, mailoutbox,
                                                             committed):
    team = workspace_with_team
    contact = _contact(team)
    mailoutbox.clear()
    before = snapshot(team.workspace)
    client.force_login(team.owner)
    response = client.post(ws_url(team, "contact_add"), {"first_name": "", "last_name": "", "role": "staff"})
    assert response.status_code == 200
    assert response.context["add_form"].errors["first_name"] == ["Enter a first or last name."]
    with committed():
        response = client.post(ws_url(team, "contact_access", member_id=contact.pk), {"email": team.staff.email})
    assert response.status_code == 200
    assert "already a member" in text(response)
    # A member who already has a login is not a contact person to give access to.
    response = client.post(ws_url(team, "contact_access", member_id=team.members["staff"].pk),
                           {"email": "x@example.test"})
    assert response.status_code == 404
    assert snapshot(team.workspace) == before
    assert mailoutbox == []


# --- settings and ownership -------------------------------------------------------------------------


def test_admin_edits_organisation_details(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.admin)
    response = client.get(ws_url(team, "settings"))
    assert response.context["transfer_form"] is None  # only the owner transfers ownership
    response = client.post(ws_url(team, "settings"), {
        "name": "Praktijk Noord BV", "address": "Dorpsstraat 1", "phone": "+31 20 123 4567",
        "email": "info@noord.example", "registration_number": "12345678", "vat_id": "NL123456789B01",
        "billing_address": "", "country": "BE", "time_zone": "Europe/Brussels", "language": "nl",
    })
    assert response.status_code == 302
    workspace = Workspace.objects.get(pk=team.workspace.pk)
    assert (workspace.name, workspace.country, workspace.time_zone, workspace.vat_id) == (
        "Praktijk Noord BV", "BE", "Europe/Brussels", "NL123456789B01")
    response = client.post(ws_url(team, "settings"), {"name": "", "country": "XX", "time_zone": "Mars/Base",
                                                      "language": "nl"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "country", "time_zone"}
    assert Workspace.objects.get(pk=team.workspace.pk).name == "Praktijk Noord BV"


def test_owner_transfers_ownership_to_an_admin_with_password(client, workspace_with_team):
    team = workspace_with_team
    admin_id, owner_id = team.members["admin"].pk, team.members["owner"].pk
    client.force_login(team.owner)
    form = client.get(ws_url(team, "settings")).context["transfer_form"]
    assert [pk for pk, _label in form.fields["member"].choices] == [admin_id]

    before = snapshot(team.workspace)
    response = client.post(ws_url(team, "transfer"), {"member": admin_id, "password": "wrong password here"})
    assert response.context["transfer_form"].errors["password"] == ["The password is not correct."]
    response = client.post(ws_url(team, "transfer"), {"member": team.members["staff"].pk,
                                                      "password": "correct horse battery staple"})
    assert response.context["transfer_form"].errors["member"]  # only active admins are offered
    assert snapshot(team.workspace) == before

    response = client.post(ws_url(team, "transfer"), {"member": admin_id, "password": "correct horse battery staple"})
    assert response.url == ws_url(team, "dashboard")
    assert (member(admin_id).role, member(owner_id).role) == ("owner", "admin")


def test_admin_cannot_transfer_ownership(client, workspace_with_team):
    team = workspace_with_team
    before = snapshot(team.workspace)
    client.force_login(team.admin)
    response = client.post(ws_url(team, "transfer"), {"member": team.members["admin"].pk,
                                                      "password": "correct horse battery staple"}, follow=True)
    assert response.status_code == 403  # issue 6 point 7: an audited 403, no longer a message
    assert snapshot(team.workspace) == before


# --- audit log --------------------------------------------------------------------------------------


def test_audit_log_filters_by_code_user_and_period(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.owner)
    url = reverse("audit:list", kwargs={"ws": team.workspace.slug})
    with scopes_disabled():
        total = AuditEvent.objects.filter(workspace=team.workspace).count()
    response = client.get(url)
    assert len(response.context["page"].object_list) == min(total, 50)

    events = client.get(url, {"code": "invitation.accepted"}).context["page"].object_list
    assert len(events) == 4 and {e.event_code for e in events} == {"invitation.accepted"}

    events = client.get(url, {"user": team.staff.pk}).context["page"].object_list
    assert events and {e.user_id for e in events} == {team.staff.pk}

    # Days are the practice's days (Europe/Amsterdam), not UTC ones.
    today = clock.now().astimezone(ZoneInfo(team.workspace.time_zone)).date()
    # All of today's: the 26 entries of the set-up and the three reads of the log above (audit.viewed, point 23).
    assert len(client.get(url, {"date_from": today, "date_to": today}).context["page"].object_list) == 29
    tomorrow = today + dt.timedelta(days=1)
    assert len(client.get(url, {"date_from": tomorrow}).context["page"].object_list) == 0
    assert len(client.get(url, {"date_to": today - dt.timedelta(days=1)}).context["page"].object_list) == 0

    with scopes_disabled():
        other = Workspace.objects.get(is_personal=True, created_by=team.owner)
    events = client.get(url).context["page"].object_list
    assert all(e.workspace_id == team.workspace.pk for e in events) and other.pk != team.workspace.pk


def test_audit_period_uses_the_workspace_time_zone(client, workspace_with_team):
    """23:30 UTC on 2 March is already 3 March in Amsterdam: the entry belongs to the 3rd."""
    team = workspace_with_team
    from praxis.audit import services as audit

    with time_machine.travel(dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC), tick=False):
        audit.record(code="test.late_evening", action="execute", actor=team.owner, workspace=team.workspace)
    client.force_login(team.owner)
    url = reverse("audit:list", kwargs={"ws": team.workspace.slug})
    on_3rd = client.get(url, {"code": "test.late", "date_from": "2026-03-03", "date_to": "2026-03-03"})
    on_2nd = client.get(url, {"code": "test.late", "date_from": "2026-03-02", "date_to": "2026-03-02"})
    assert len(on_3rd.context["page"].object_list) == 1
    assert len(on_2nd.context["page"].object_list) == 0


def test_audit_log_pages_by_50_and_keeps_the_filter(client, workspace_with_team):
    team = workspace_with_team
    from praxis.audit import services as audit

    for n in range(60):
        audit.record(code="test.bulk", action="execute", actor=team.owner, workspace=team.workspace,
                     data={"n": n})
    client.force_login(team.owner)
    url = reverse("audit:list", kwargs={"ws": team.workspace.slug})
    first = client.get(url, {"code": "test.bulk"})
    assert len(first.context["page"].object_list) == 50
    assert [e.data["n"] for e in first.context["page"].object_list][:2] == [59, 58]  # newest first
    assert "?code=test.bulk&amp;page=2" in text(first)
    second = client.get(url, {"code": "test.bulk", "page": 2})
    assert [e.data["n"] for e in second.context["page"].object_list] == list(range(9, -1, -1))


# --- in a real browser ------------------------------------------------------------------------------


def _browser_login(page, live_server, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.mark.browser
def test_bulk_cancel_confirms_in_a_modal_dialog(page, live_server, workspace_with_team):
    from playwright.sync_api import expect

    team = workspace_with_team
    staff_id = team.members["staff"].pk
    _browser_login(page, live_server, team.owner)
    page.goto(ws_url(team, "members"))
    page.get_by_label("Select Stan Staff").check()
    page.get_by_role("button", name="Cancel membership…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Stan Staff")
    page.keyboard.press("Escape")  # a modal dialog closes with Esc; nothing happened
    expect(dialog).to_be_hidden()
    assert member(staff_id).status == "active"

    page.get_by_role("button", name="Cancel membership…").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel membership", exact=True).click()
    expect(page.get_by_text("The membership of 1 person was cancelled.")).to_be_visible()
    assert member(staff_id).status == "cancelled"

    page.get_by_role("link", name=re.compile("Cancelled")).click()
    page.get_by_label("Select Stan Staff").check()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("The membership of 1 person was restored.")).to_be_visible()
    assert member(staff_id).status == "active"


@pytest.mark.browser
def test_invite_form_keeps_pay_for_user_in_step_with_the_account_type(page, live_server, workspace_with_team):
    from playwright.sync_api import expect

    team = workspace_with_team
    _browser_login(page, live_server, team.owner)
    page.goto(ws_url(team, "invitations"))
    pay = page.get_by_label("Pay for this user")
    expect(pay).to_be_checked()
    page.get_by_label("Account type").select_option("free")
    expect(pay).not_to_be_checked()
    page.get_by_label("Account type").select_option("pro")
    expect(pay).to_be_checked()
