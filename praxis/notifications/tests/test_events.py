"""Issue 6 point 4 — nothing changes silently: each event sends its e-mail (in the recipient's language,
after commit) and creates the same in-app notification; the accept page warns a self-paying invitee with
the exact credit the acceptance then writes (R-BIL-7, R-BIL-6, R-BIL-10, R-MEM-3)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils.formats import date_format
from django_scopes import scope, scopes_disabled

from praxis.accounts.services import profile_update
from praxis.billing import services as billing
from praxis.notifications import kinds
from praxis.notifications.models import Notification
from praxis.testing.billing import balance_cents
from praxis.workspaces import licences
from praxis.workspaces.access import resolve_access
from praxis.workspaces.invitations import invitation_accept, invitations_create
from praxis.workspaces.services import members_cancel, workspace_create


def _invite(access, email: str, **kwargs) -> str:
    with scope(workspace=access.workspace):
        [(_invitation, token)] = invitations_create(access=access, emails=[email], role="clinician", **kwargs)
    return token


def _only(user) -> Notification:
    [notification] = Notification.objects.for_user(user)
    return notification


@pytest.fixture
def self_payer(make_user, time_machine):
    """Sol pays for their own `essentials` from 1 November (the cycle invoice issued), and on 16 November
    the owner of Praktijk Zuid invites them as `pro`, paid by the workspace."""
    time_machine.move_to(dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC), tick=False)
    sol = make_user(first_name="Sol", last_name="Solo")
    billing.subscription_start(user=sol, account_type="essentials")
    call_command("billing_run", at="2026-11-02", force=True)  # the next day's run, simulated (issue 6 point 5)
    time_machine.move_to(dt.datetime(2026, 11, 16, 11, 0, tzinfo=dt.UTC), tick=False)
    owner = make_user(first_name="Otto", last_name="Owner")
    workspace = workspace_create(actor=owner, name="Praktijk Zuid", tier="practice")
    token = _invite(resolve_access(owner, workspace.slug), sol.email, account_type="pro")
    assert licences.pays_for_self(sol)
    return sol, owner, workspace, token


def test_accept_page_warns_a_self_payer_with_the_exact_credit_they_then_get(client, self_payer, mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    """Point 4, R-BIL-7: before accepting, the page says the own subscription ends, the workspace pays, and
    the credit (29.00 × 15/30 = 14.50); accepting credits exactly that and e-mails it."""
    sol, _owner, workspace, token = self_payer
    client.force_login(sol)
    page = client.get(f"/invite/{token}/").content.decode()
    assert 'id="self-paid-ending"' in page
    assert "You pay for your own Essentials subscription." in page
    assert "your own subscription ends today and Praktijk Zuid pays for your account from then on" in page
    assert "The unused rest of your subscription, € 14.50, is credited to your personal balance" in page

    personal = licences.personal_workspace(sol)
    before = balance_cents(workspace=personal)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/invite/{token}/")
    assert response.status_code == 302
    assert balance_cents(workspace=personal) - before == 1450  # the figure the page showed
    assert licences.current_licence(sol).payer_workspace_id == workspace.pk

    [mail] = [m for m in mailoutbox if m.to == [sol.email]]
    assert mail.subject == "Your own subscription has ended: Praktijk Zuid now pays for your account"
    assert "Your own Essentials subscription has ended: Praktijk Zuid pays for your account from now on." in mail.body
    assert "The unused rest, € 14.50, was credited to your personal balance." in mail.body
    notification = _only(sol)
    assert (notification.kind, notification.workspace_id) == ("subscription.replaced", workspace.pk)
    assert notification.parameters["credit_cents"] == 1450
    assert kinds.text_of(notification) in mail.body  # the bell and the e-mail say the same


def test_accept_page_says_so_when_nothing_is_credited(client, make_user, time_machine):
    """Point 4, R-BIL-7: subscribed on the cycle's first day before its invoice, nothing was charged yet —
    the page says there is no credit instead of showing € 0.00."""
    time_machine.move_to(dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC), tick=False)
    sol = make_user(first_name="Sol")
    billing.subscription_start(user=sol, account_type="essentials")
    owner = make_user()
    workspace = workspace_create(actor=owner, name="Praktijk Zuid", tier="practice")
    token = _invite(resolve_access(owner, workspace.slug), sol.email, account_type="pro")
    client.force_login(sol)
    page = client.get(f"/invite/{token}/").content.decode()
    assert 'id="self-paid-ending"' in page
    assert "Nothing of your subscription is left unused, so there is no credit." in page
    assert "€ 0.00" not in page


def test_accept_page_has_no_warning_for_someone_who_does_not_pay_for_themselves(client, workspace_with_team,
                                                                                make_user):
    """Point 4: a user on a trial or `free` is told nothing about an ending subscription."""
    team = workspace_with_team
    newcomer = make_user()
    token = _invite(team.access("admin"), newcomer.email, account_type="pro")
    client.force_login(newcomer)
    page = client.get(f"/invite/{token}/").content.decode()
    assert 'id="self-paid-ending"' not in page
    assert "Accept the invitation" in page


def test_accept_page_warning_only_when_the_workspace_pays(client, self_payer, make_user):
    """Point 4: an invitation without "pay for this user" does not end the own subscription: no warning."""
    sol, owner, workspace, _token = self_payer
    other = workspace_create(actor=owner, name="Praktijk West", tier="practice")
    token = _invite(resolve_access(owner, other.slug), sol.email, account_type="pro", pay_for_user=False)
    client.force_login(sol)
    assert 'id="self-paid-ending"' not in client.get(f"/invite/{token}/").content.decode()


def test_inviter_is_told_in_their_language_when_the_invitation_is_accepted(workspace_with_team, make_user,
                                                                           mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    """Point 4: the inviter (here the admin, in Dutch) gets an e-mail and a notification linking to the
    members list."""
    team = workspace_with_team
    profile_update(user=team.admin, changes={"language": "nl"})
    nina = make_user(first_name="Nina", last_name="Nieuw")
    token = _invite(team.access("admin"), nina.email, account_type="free")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_accept(token=token, user=nina)
    [mail] = mailoutbox
    assert mail.to == [team.admin.email]
    assert "Nina Nieuw" in mail.subject and team.workspace.name in mail.subject
    assert mail.body.startswith("Hallo Adam Admin,")  # rendered in the recipient's language
    assert f"/w/{team.workspace.slug}/members/" in mail.body
    notification = _only(team.admin)
    assert notification.kind == "invitation.accepted"
    assert kinds.link_of(notification) == f"/w/{team.workspace.slug}/members/"
    assert "text" not in notification.parameters  # rendered at display time, not stored


def test_member_in_a_trial_is_told_until_when_they_keep_the_type(workspace_with_team, make_user, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    """Point 4, R-BIL-10: in a trial (*pay after trial*) the member keeps the type until the trial ends —
    the e-mail and the notification say until when."""
    team = workspace_with_team
    tina = make_user(first_name="Tina", last_name="Trial")
    token = _invite(team.access("admin"), tina.email, account_type="pro", pay_timing="after_trial")
    invitation_accept(token=token, user=tina)
    trial_end = licences.current_licence(tina).trial_ends_at
    with scopes_disabled():
        member = team.workspace.memberships.get(user=tina)
    with scope(workspace=team.workspace), django_capture_on_commit_callbacks(execute=True):
        billing.member_unsubscribe(access=team.access("admin"), membership_id=member.pk)
    [mail] = [m for m in mailoutbox if m.to == [tina.email]]
    assert mail.subject == f"{team.workspace.name} no longer pays for your account"
    notification = _only(tina)
    local_end = trial_end.astimezone(ZoneInfo(team.workspace.time_zone)).date()
    assert (notification.kind, notification.parameters["until"]) == ("seat.stopped", local_end.isoformat())
    assert f"You keep it until your trial ends on {date_format(local_end, 'DATE_FORMAT')}" in mail.body
    assert kinds.text_of(notification) in mail.body


def test_member_is_told_when_a_paid_seat_stops_at_once(workspace_with_team, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    """Point 4, R-BIL-10: a paid seat stops at once: Free from now on."""
    team = workspace_with_team
    with scope(workspace=team.workspace), django_capture_on_commit_callbacks(execute=True):
        billing.member_unsubscribe(access=team.access("admin"), membership_id=team.members["staff"].pk)
    [mail] = mailoutbox
    assert mail.to == [team.staff.email]
    assert (f"{team.workspace.name} no longer pays for your Pro account: you have a Free account from now on."
            in mail.body)
    notification = _only(team.staff)
    assert notification.parameters["until"] is None
    assert kinds.link_of(notification) == f"/w/{team.workspace.slug}/"


def test_member_is_told_when_their_account_type_changes(workspace_with_team, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    """Point 4, R-BIL-6: an upgrade or downgrade is told to the member, old and new type named."""
    team = workspace_with_team
    profile_update(user=team.staff, changes={"language": "nl"})
    with scope(workspace=team.workspace), django_capture_on_commit_callbacks(execute=True):
        billing.member_change_account_type(access=team.access("owner"), membership_id=team.members["staff"].pk,
                                           account_type="essentials")
    [mail] = mailoutbox
    assert mail.to == [team.staff.email]
    assert mail.body.startswith("Hallo Stan Staff,")
    notification = _only(team.staff)
    assert (notification.kind, notification.parameters["old"], notification.parameters["new"]) == (
        "seat.changed", "pro", "essentials")


def test_cancelled_member_is_told_their_paid_seat_ended(workspace_with_team, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    """Point 4, R-MEM-3: cancelling a member ends the seat the workspace paid: the one cancellation e-mail
    says so (in their language), and the notification links to their workspaces (the cancelled one is
    closed to them)."""
    team = workspace_with_team
    with scope(workspace=team.workspace), django_capture_on_commit_callbacks(execute=True):
        members_cancel(access=team.access("admin"), membership_ids=[team.members["clinician"].pk])
    [mail] = mailoutbox
    assert mail.to == [team.clinician.email]
    assert mail.subject == f"Your membership of {team.workspace.name} was cancelled"
    notification = _only(team.clinician)
    assert notification.kind == "seat.stopped" and notification.parameters["cancelled"] is True
    assert (f"{team.workspace.name} no longer pays for your Pro account: you have a Free account from now on."
            in mail.body)
    assert kinds.text_of(notification) in mail.body
    assert kinds.link_of(notification) == "/workspaces/"


def test_cancelling_a_member_the_workspace_does_not_pay_tells_nothing_about_seats(
        workspace_with_team, make_user, mailoutbox, django_capture_on_commit_callbacks):
    team = workspace_with_team
    frank = make_user()
    invitation_accept(token=_invite(team.access("admin"), frank.email, account_type="free"), user=frank)
    with scopes_disabled():
        member = team.workspace.memberships.get(user=frank)
    with scope(workspace=team.workspace), django_capture_on_commit_callbacks(execute=True):
        members_cancel(access=team.access("admin"), membership_ids=[member.pk])
    [mail] = mailoutbox
    assert mail.subject == f"Your membership of {team.workspace.name} was cancelled"
    assert "no longer pays" not in mail.body
    assert not Notification.objects.for_user(frank).exists()
