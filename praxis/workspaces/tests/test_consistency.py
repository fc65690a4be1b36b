"""Issue 6 points 5 and 8: one answer for what a person is shown with, wherever it is shown.

- the members list and the billing tab render a member's account type through one function
  (`licences.standing`) and one template component;
- a cancelled member has no seat paid by the workspace (R-MEM-3);
- a trial date in the past is said as "ended", with what happens now (R-BIL-9);
- counts of pending invitations count only links that still work (R-INV-2);
- "trial running" has one definition, `Licence.trial_running(at)`.
"""

import datetime as dt
import pathlib
import re

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from praxis.workspaces import licences, selectors
from praxis.workspaces.invitations import invitation_accept, invitations_create
from praxis.workspaces.models import Invitation, Licence, Workspace
from praxis.workspaces.services import members_cancel, workspace_create

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 7, 9, 0, tzinfo=dt.UTC)


def _row(html: str, needle: str) -> str:
    """The text of the table row that mentions `needle`, tags stripped and whitespace collapsed."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        if needle in row:
            return " ".join(re.sub(r"<[^>]+>", " ", row).split())
    raise AssertionError(f"no row with {needle!r}")


def _members_url(workspace, status=""):
    url = reverse("workspaces:members", kwargs={"ws": workspace.slug})
    return f"{url}?status={status}" if status else url


# --- point 8: one definition of "trial running" ------------------------------------------------------


def test_point_8_trial_running_is_one_licence_method():
    """Issue 6 point 8: `Licence.trial_running(at)` — on until the exact end, off for other statuses."""
    end = T0 + dt.timedelta(days=14)
    trial = Licence(status=Licence.Status.TRIALING, trial_ends_at=end, account_type="pro")
    assert trial.trial_running(end - dt.timedelta(seconds=1))
    assert not trial.trial_running(end)
    assert not Licence(status=Licence.Status.ACTIVE, trial_ends_at=end, account_type="pro").trial_running(T0)
    assert not Licence(status=Licence.Status.TRIALING, trial_ends_at=None, account_type="pro").trial_running(T0)


def test_point_8_in_trial_and_account_type_in_force_agree_with_the_method(make_user, time_machine):
    time_machine.move_to(T0, tick=False)
    user = make_user()
    licence = licences.current_licence(user)
    for moment in (T0, licence.trial_ends_at - dt.timedelta(seconds=1), licence.trial_ends_at):
        assert licences.in_trial(user, moment) == licence.trial_running(moment)
        assert (licences.account_type_in_force(licence, moment) == "pro") == licence.trial_running(moment)
        assert (licences.standing(licence, moment).trial_until is not None) == licence.trial_running(moment)


# --- point 5: members list and billing tab say the same -------------------------------------------


def test_point_5_members_list_shows_the_account_type_the_billing_tab_shows(client, workspace_with_team, make_user,
                                                                            time_machine):
    """Issue 6 point 5: invited as `free` while in their own Pro trial, the members list used to say "Free"
    (the invitation's type stored on the membership) where the billing tab said "Pro (trial until …)"."""
    team = workspace_with_team
    person = make_user(first_name="Tess", last_name="Trial")
    with scope(workspace=team.workspace):
        [(_inv, token)] = invitations_create(access=team.access("owner"), emails=[person.email], role="staff",
                                             account_type="free", pay_for_user=False)
    invitation_accept(token=token, user=person)
    client.force_login(team.owner)
    members_row = _row(client.get(_members_url(team.workspace)).content.decode(), person.email)
    billing_row = _row(client.get(reverse("billing:overview", kwargs={"ws": team.workspace.slug})).content.decode(),
                       person.email)
    assert "Pro" in members_row and "trial until" in members_row
    assert "Free" not in members_row
    shown = re.search(r"Pro \(trial until [^)]*\)", billing_row).group(0)
    assert shown in members_row


def test_point_5_cancelled_member_is_not_paid_by_the_workspace(client, workspace_with_team):
    """Issue 6 point 5, R-MEM-3: a cancelled member has no seat paid by the workspace."""
    team = workspace_with_team
    clinician = team.members["clinician"]
    client.force_login(team.owner)
    active_row = _row(client.get(_members_url(team.workspace)).content.decode(), team.clinician.email)
    assert " yes " in f" {active_row} "
    with scope(workspace=team.workspace):
        members_cancel(access=team.access("owner"), membership_ids=[clinician.pk])
    with scopes_disabled():
        clinician.refresh_from_db()
        # The old flag may stay on the row (restore reads it); the page must not show it as a paid seat.
        assert clinician.status == "cancelled"
    row = _row(client.get(_members_url(team.workspace, "cancelled")).content.decode(), team.clinician.email)
    assert " yes " not in f" {row} "
    assert " no " in f" {row} "


def test_point_5_standing_of_a_cancelled_member_names_no_payer(workspace_with_team):
    team = workspace_with_team
    with scope(workspace=team.workspace):
        members_cancel(access=team.access("owner"), membership_ids=[team.members["staff"].pk])
    with scopes_disabled():
        staff = team.member("staff")
        standing = licences.member_standings(members=[staff])[staff.pk]
    assert standing.payer_workspace_id is None


# --- point 5: the dashboard after the trial -----------------------------------------------------------


def _dashboard(client, workspace) -> str:
    return client.get(reverse("workspaces:dashboard", kwargs={"ws": workspace.slug})).content.decode()


def test_point_5_dashboard_says_the_practice_trial_ended_and_what_happens_now(client, make_user, time_machine):
    """Issue 6 point 5: on 1 December the dashboard said "The trial runs until 21 November 2026"."""
    time_machine.move_to(dt.datetime(2026, 11, 7, 9, 0, tzinfo=dt.UTC), tick=False)
    owner = make_user(first_name="Olga", last_name="Owner")
    workspace = workspace_create(actor=owner, name="Praktijk Zuid", tier="practice")
    client.force_login(owner)
    body = _dashboard(client, workspace)
    assert "The trial runs until" in body

    time_machine.move_to(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    client.force_login(owner)  # the 12-hour session of 7 November is long over (R-ACC-5)
    body = _dashboard(client, workspace)
    assert "The trial runs until" not in body
    assert "The trial ended on 21 November 2026." in body
    assert "first billing cycle started" in body
    assert reverse("billing:overview", kwargs={"ws": workspace.slug}) in body  # the next step: pay


def test_point_5_dashboard_says_the_own_trial_ended_and_the_account_is_free(client, make_user, time_machine):
    time_machine.move_to(T0, tick=False)
    user = make_user()
    personal = Workspace.objects.get(created_by=user, is_personal=True)
    client.force_login(user)
    assert "trial runs until" in _dashboard(client, personal)
    time_machine.move_to(T0 + dt.timedelta(days=20), tick=False)
    client.force_login(user)
    body = _dashboard(client, personal)
    assert "Your trial ended on 21 November 2026." in body
    assert "Your account type is now Free." in body
    assert reverse("billing:own_subscription") in body


# --- point 5: live invitations only -------------------------------------------------------------------


def test_point_5_pending_count_leaves_out_expired_invitations(client, workspace_with_team, time_machine):
    """Issue 6 point 5, R-INV-2: an expired link is listed (it can be resent) but not counted as pending."""
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    with scope(workspace=team.workspace):
        invitations_create(access=team.access("owner"), emails=["old@example.test"], role="staff",
                           account_type="free", pay_for_user=False)
    time_machine.move_to(T0 + dt.timedelta(days=31), tick=False)
    with scope(workspace=team.workspace):
        invitations_create(access=team.access("owner"), emails=["new@example.test"], role="staff",
                           account_type="free", pay_for_user=False)
        assert selectors.invitations_pending_count(workspace=team.workspace) == 1
        assert selectors.invitations_pending(workspace=team.workspace).count() == 2  # still listed
    with scopes_disabled():
        assert Invitation.objects.filter(workspace=team.workspace, status="pending").count() == 2
    client.force_login(team.owner)
    body = _dashboard(client, team.workspace)
    assert re.search(r"Pending invitations</dt><dd>1</dd>", body)


# --- point 16: the German name of the `practice` tier ----------------------------------------------


def test_point_16_german_practice_tier_is_not_the_product_name():
    """Issue 6 point 16: "Praxis" is the product; the tier has its own msgctxt so the translator can say
    "Gemeinschaftspraxis" (until then German shows the English source, never "Praxis (…)")."""
    from django.utils import translation

    from praxis.workspaces.models import Tier

    source = (pathlib.Path(__file__).parents[1] / "models.py").read_text()
    assert re.search(r'PRACTICE = "practice", pgettext_lazy\(\s*"workspace tier:', source)  # the msgctxt
    with translation.override("de"):
        assert not str(Tier.PRACTICE.label).startswith("Praxis")


def test_point_5_api_member_list_says_what_the_members_page_says(client, workspace_with_team, make_user):
    """The API answers like the page: account type in force and no workspace-paid seat once cancelled."""
    team = workspace_with_team
    person = make_user()
    with scope(workspace=team.workspace):
        [(_inv, token)] = invitations_create(access=team.access("owner"), emails=[person.email], role="staff",
                                             account_type="free", pay_for_user=False)
        members_cancel(access=team.access("owner"), membership_ids=[team.members["staff"].pk])
    invitation_accept(token=token, user=person)
    client.force_login(team.owner)
    base = f"/api/v1/workspaces/{team.workspace.slug}/members"
    active = {m["email"]: m for m in client.get(base).json()["items"]}
    assert active[person.email]["account_type"] == "pro" and active[person.email]["trial_until"]
    cancelled = {m["email"]: m for m in client.get(base + "?status=cancelled").json()["items"]}
    assert cancelled[team.staff.email]["pay_for_user"] is False
