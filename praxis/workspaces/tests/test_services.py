"""Workspace, invitation and membership services (SPEC §2, §4 R-BIL-7..10, §5, §6).

Services that touch Membership / Invitation run inside `scope(workspace=...)` as the views do; direct
assertions use `scopes_disabled()`. Every refusal test also proves that nothing changed.
"""

import base64
import datetime as dt
import hashlib

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.http import Http404
from django.test import RequestFactory
from django_scopes import scope, scopes_disabled

from praxis.accounts.models import User
from praxis.accounts.services import profile_update
from praxis.audit.models import AuditEvent
from praxis.core import clock
from praxis.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from praxis.workspaces import licences
from praxis.workspaces import services as ws_services
from praxis.workspaces.access import resolve_access, user_workspaces
from praxis.workspaces.invitations import (
    LinkState,
    contact_person_grant_access,
    invitation_accept,
    invitation_accept_new_user,
    invitation_inspect,
    invitation_resend,
    invitation_revoke,
    invitations_create,
)
from praxis.workspaces.models import Invitation, Licence, Membership, Workspace
from praxis.workspaces.services import (
    contact_person_add,
    member_change_role,
    members_cancel,
    members_restore,
    ownership_transfer,
    workspace_create,
    workspace_update,
)

from .factories import InvitationFactory, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2030, 3, 10, 9, 0, tzinfo=dt.UTC)


# --- helpers ---------------------------------------------------------------------------------------


def invite(team, emails, *, by="owner", role="clinician", account_type="pro", **kwargs):
    with scope(workspace=team.workspace):
        return invitations_create(access=team.access(by), emails=emails, role=role, account_type=account_type,
                                  **kwargs)


def cancel(team, *roles, by="admin"):
    with scope(workspace=team.workspace):
        return members_cancel(access=team.access(by), membership_ids=[team.members[r].pk for r in roles])


def restore(team, *roles, by="admin", pay_for_user=False):
    with scope(workspace=team.workspace):
        return members_restore(access=team.access(by), membership_ids=[team.members[r].pk for r in roles],
                               pay_for_user=pay_for_user)


def snapshot(workspace) -> dict:
    """Everything a workspace service could change, to prove a refused call changed nothing."""
    with scopes_disabled():
        return {
            "workspace": model_to_dict(Workspace.objects.get(pk=workspace.pk), exclude=["logo"]),
            "members": list(Membership.objects.filter(workspace=workspace).order_by("pk").values()),
            "invitations": list(Invitation.objects.filter(workspace=workspace).order_by("pk").values()),
            "licences": list(Licence.objects.order_by("pk").values()),
            "users": list(User.objects.order_by("pk").values()),
            "successful_audit_entries": AuditEvent.objects.filter(outcome="success").count(),
        }


def current(user) -> Licence:
    licence = licences.current_licence(user)
    assert licence is not None
    return licence


def active_owner_count(workspace) -> int:
    with scopes_disabled():
        return Membership.objects.filter(workspace=workspace, role="owner", status="active").count()


def logs_in(user, password) -> bool:
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request, email=user.email, password=password) == user


# --- invitations: creating (R-INV-1, R-INV-2, R-INV-5) -------------------------------------------------


def test_r_inv_1_bulk_invite_one_batch_three_mails_after_commit(
    workspace_with_team, mailoutbox, django_capture_on_commit_callbacks
):
    team = workspace_with_team
    with django_capture_on_commit_callbacks(execute=True):
        created = invite(team, "ann@example.test, BOB@example.test\ncarla@example.test", role="assistant",
                         account_type="essentials")
        assert mailoutbox == []  # STYLE 8: nothing leaves before the transaction commits
    assert len(created) == 3
    invitations = [inv for inv, _token in created]
    assert {inv.email for inv in invitations} == {"ann@example.test", "bob@example.test", "carla@example.test"}
    assert len({inv.batch for inv in invitations}) == 1
    assert {(inv.role, inv.account_type, inv.pay_for_user) for inv in invitations} == {("assistant", "essentials", True)}
    with scopes_disabled():
        assert Invitation.objects.filter(workspace=team.workspace, status="pending").count() == 3
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.test", "bob@example.test", "carla@example.test"]
    for invitation, token in created:
        [mail] = [m for m in mailoutbox if m.to == [invitation.email]]
        assert f"https://praxis.example/invite/{token}/" in mail.body
        assert team.workspace.name in mail.subject


def test_r_inv_2_token_is_stored_only_as_its_sha256(workspace_with_team, django_capture_on_commit_callbacks):
    team = workspace_with_team
    created = invite(team, ["dora@example.test", "emil@example.test"])
    tokens = [token for _inv, token in created]
    assert len(set(tokens)) == 2
    for invitation, token in created:
        with scopes_disabled():
            row = Invitation.objects.get(pk=invitation.pk)
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in repr(model_to_dict(row))
    # …and not in the audit log either.
    for event in AuditEvent.objects.all():
        assert not any(token in repr(model_to_dict(event)) for token in tokens)


def test_r_inv_2_token_has_at_least_128_random_bits(workspace_with_team):
    created = invite(workspace_with_team, [f"p{i}@example.test" for i in range(5)])
    for _inv, token in created:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 == 256  # core.tokens: 32 random bytes (R-INV-2 asks for at least 128 bits)
    assert len({token for _inv, token in created}) == 5


def test_r_inv_1_one_invalid_address_refuses_the_whole_batch(
    workspace_with_team, mailoutbox, django_capture_on_commit_callbacks
):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ServiceError) as exc:
        invite(team, ["good@example.test", "not-an-address", "fine@example.test"])
    assert exc.value.code == "invalid_email"
    assert "not-an-address" in exc.value.message
    assert snapshot(team.workspace) == before
    assert mailoutbox == []


def test_r_inv_5_inviting_an_active_member_is_refused(workspace_with_team, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict) as exc:
        invite(team, ["new@example.test", team.clinician.email.upper()])
    assert exc.value.code == "already_member"
    assert team.clinician.email in exc.value.message
    assert snapshot(team.workspace) == before
    assert mailoutbox == []


def test_r_inv_5_inviting_a_cancelled_member_offers_restore(workspace_with_team):
    team = workspace_with_team
    cancel(team, "staff")
    before = snapshot(team.workspace)
    with pytest.raises(Conflict) as exc:
        invite(team, [team.staff.email], role="staff")
    assert exc.value.code == "cancelled_member"
    assert "restore" in exc.value.message
    assert snapshot(team.workspace) == before


def test_r_inv_5_already_pending_invitation_is_refused(workspace_with_team):
    team = workspace_with_team
    invite(team, ["pending@example.test"])
    before = snapshot(team.workspace)
    with pytest.raises(Conflict) as exc:
        invite(team, ["other@example.test", "Pending@Example.test"])
    assert exc.value.code == "already_invited"
    assert snapshot(team.workspace) == before


def test_r_inv_1_inviting_needs_members_manage(workspace_with_team):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with pytest.raises(PermissionDenied):
        invite(team, ["x@example.test"], by="clinician")
    assert snapshot(team.workspace) == before


# --- invitations: expiry, resend, revoke (R-INV-2, R-INV-4) --------------------------------------------


def test_r_inv_2_link_valid_until_exactly_30_days(workspace_with_team, time_machine, make_user):
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    [(invitation, token)] = invite(team, ["late@example.test"])
    assert invitation.expires_at == T0 + dt.timedelta(days=30)

    time_machine.move_to(T0 + dt.timedelta(days=30) - dt.timedelta(seconds=1), tick=False)
    assert invitation_inspect(token).state == LinkState.VALID

    time_machine.move_to(T0 + dt.timedelta(days=30), tick=False)
    link = invitation_inspect(token)
    assert link.state == LinkState.EXPIRED
    assert link.invitation is None  # R-INV-4: a dead link reveals nothing of the workspace
    late = make_user("late@example.test")
    with pytest.raises(Conflict) as exc:
        invitation_accept(token=token, user=late)
    assert exc.value.code == "invitation_expired"
    with scopes_disabled():
        assert not Membership.objects.filter(workspace=team.workspace, user=late).exists()


def test_r_inv_4_expired_link_tells_to_ask_the_administrator(workspace_with_team, time_machine):
    time_machine.move_to(T0, tick=False)
    [(_inv, token)] = invite(workspace_with_team, ["expired@example.test"])
    time_machine.move_to(T0 + dt.timedelta(days=31), tick=False)
    message = invitation_inspect(token).message
    assert "expired" in message
    assert "administrator" in message
    assert "no longer valid" not in message


@pytest.mark.parametrize(("fields", "state"), [
    ({"status": "accepted"}, LinkState.USED),
    ({"status": "revoked"}, LinkState.REVOKED),
    ({"created_at": T0 - dt.timedelta(days=90)}, LinkState.EXPIRED),
])
def test_r_inv_4_dead_links_reveal_nothing_of_the_workspace(time_machine, fields, state):
    time_machine.move_to(T0, tick=False)
    invitation = InvitationFactory(workspace=WorkspaceFactory(name="Secret Clinic"), **fields)
    link = invitation_inspect(invitation.token)
    assert link.state == state
    assert link.invitation is None
    assert "Secret Clinic" not in link.message
    assert invitation_inspect(invitation.token + "x").state == LinkState.UNKNOWN


def test_r_inv_2_resend_replaces_the_link_and_restarts_30_days(
    workspace_with_team, time_machine, mailoutbox, django_capture_on_commit_callbacks, make_user
):
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    [(invitation, old_token)] = invite(team, ["resend@example.test"])
    resent_at = T0 + dt.timedelta(days=20)
    time_machine.move_to(resent_at, tick=False)
    with scope(workspace=team.workspace), django_capture_on_commit_callbacks(execute=True):
        resent, new_token = invitation_resend(access=team.access("admin"), invitation_id=invitation.pk)

    assert new_token != old_token
    assert resent.pk == invitation.pk
    assert resent.expires_at == resent_at + dt.timedelta(days=30)
    old_link = invitation_inspect(old_token)
    assert old_link.state == LinkState.UNKNOWN
    assert "no longer valid" in old_link.message
    [mail] = mailoutbox
    assert mail.to == ["resend@example.test"]
    assert new_token in mail.body and old_token not in mail.body

    # The new link outlives the original 30 days…
    time_machine.move_to(T0 + dt.timedelta(days=45), tick=False)
    assert invitation_inspect(new_token).state == LinkState.VALID
    # …and expires 30 days after the resend.
    time_machine.move_to(resent_at + dt.timedelta(days=30), tick=False)
    assert invitation_inspect(new_token).state == LinkState.EXPIRED

    time_machine.move_to(T0 + dt.timedelta(days=21), tick=False)
    person = make_user("resend@example.test")
    with pytest.raises(Conflict):
        invitation_accept(token=old_token, user=person)
    member = invitation_accept(token=new_token, user=person)
    assert member.role == "clinician"


def test_r_inv_2_revoke_ends_the_link(workspace_with_team, make_user):
    team = workspace_with_team
    [(invitation, token)] = invite(team, ["revoked@example.test"])
    with scope(workspace=team.workspace):
        revoked = invitation_revoke(access=team.access("assistant"), invitation_id=invitation.pk)
    assert revoked.status == Invitation.Status.REVOKED
    with scopes_disabled():
        assert Invitation.objects.get(pk=invitation.pk).status == "revoked"
    link = invitation_inspect(token)
    assert link.state == LinkState.REVOKED
    assert "no longer valid" in link.message
    assert link.invitation is None
    person = make_user("revoked@example.test")
    with pytest.raises(Conflict) as exc:
        invitation_accept(token=token, user=person)
    assert exc.value.code == "invitation_revoked"
    with scopes_disabled():
        assert not Membership.objects.filter(workspace=team.workspace, user=person).exists()


def test_r_inv_2_resend_and_revoke_need_members_manage(workspace_with_team):
    team = workspace_with_team
    [(invitation, _token)] = invite(team, ["guarded@example.test"])
    before = snapshot(team.workspace)
    with scope(workspace=team.workspace):
        with pytest.raises(PermissionDenied):
            invitation_resend(access=team.access("staff"), invitation_id=invitation.pk)
        with pytest.raises(PermissionDenied):
            invitation_revoke(access=team.access("clinician"), invitation_id=invitation.pk)
    assert snapshot(team.workspace) == before


def test_r_role_4_invitation_of_another_workspace_is_not_found(workspace_with_team, make_user):
    team = workspace_with_team
    [(invitation, _token)] = invite(team, ["mine@example.test"])
    stranger = make_user()
    elsewhere = workspace_create(actor=stranger, name="Elsewhere", tier="practice")
    with scope(workspace=elsewhere), pytest.raises(NotFound):
        invitation_revoke(access=resolve_access(stranger, elsewhere.slug), invitation_id=invitation.pk)
    with scopes_disabled():
        assert Invitation.objects.get(pk=invitation.pk).status == "pending"


# --- invitations: accepting (R-INV-3) -----------------------------------------------------------------


def test_r_inv_2_double_acceptance_second_is_refused(workspace_with_team, make_user):
    team = workspace_with_team
    person = make_user("twice@example.test")
    [(_inv, token)] = invite(team, [person.email])
    invitation_accept(token=token, user=person)
    with pytest.raises(Conflict) as exc:
        invitation_accept(token=token, user=person)
    assert exc.value.code == "invitation_used"
    assert invitation_inspect(token).state == LinkState.USED
    with scopes_disabled():
        assert Membership.objects.filter(workspace=team.workspace, user=person).count() == 1


def test_r_inv_3_logged_in_as_someone_else_is_told_so(workspace_with_team, make_user):
    team = workspace_with_team
    make_user("invited@example.test")
    intruder = make_user("intruder@example.test")
    [(invitation, token)] = invite(team, ["invited@example.test"])
    before = snapshot(team.workspace)
    with pytest.raises(Conflict) as exc:
        invitation_accept(token=token, user=intruder)
    assert exc.value.code == "wrong_user"
    assert "invited@example.test" in exc.value.message
    assert "intruder@example.test" in exc.value.message
    assert snapshot(team.workspace) == before
    assert invitation_inspect(token).state == LinkState.VALID


def test_r_inv_3_new_person_signs_up_from_the_link(workspace_with_team, password):
    team = workspace_with_team
    [(_inv, token)] = invite(team, ["Newbie@Example.test"], role="assistant")
    user, member = invitation_accept_new_user(token=token, password=password, first_name="Nina",
                                              last_name="New")
    assert user.email == "newbie@example.test"
    assert user.check_password(password)
    assert logs_in(user, password)
    with scopes_disabled():
        personal = Workspace.objects.get(memberships__user=user, is_personal=True)
        assert Membership.objects.get(workspace=personal, user=user).role == "owner"
        member = Membership.objects.get(pk=member.pk)
    assert member.workspace_id == team.workspace.pk
    assert member.role == "assistant"
    assert member.status == "active"
    assert invitation_inspect(token).state == LinkState.USED
    assert resolve_access(user, team.workspace.slug).membership.pk == member.pk


def test_r_inv_3_new_person_cannot_sign_up_from_a_dead_link(workspace_with_team, password):
    team = workspace_with_team
    [(invitation, token)] = invite(team, ["ghost@example.test"])
    with scope(workspace=team.workspace):
        invitation_revoke(access=team.access("owner"), invitation_id=invitation.pk)
    with pytest.raises(Conflict):
        invitation_accept_new_user(token=token, password=password)
    assert not User.objects.filter(email="ghost@example.test").exists()


def test_r_inv_3_existing_user_accepts_and_becomes_member(workspace_with_team, make_user):
    team = workspace_with_team
    person = make_user("existing@example.test")
    [(_inv, token)] = invite(team, [person.email], role="staff", account_type="essentials", pay_for_user=False)
    member = invitation_accept(token=token, user=person)
    with scopes_disabled():
        member = Membership.objects.get(pk=member.pk)
    assert (member.user_id, member.role, member.status) == (person.pk, "staff", "active")
    assert member.account_type == "essentials"
    assert member.pay_for_user is False
    assert current(person).payer_workspace_id is None  # still their own trial
    assert resolve_access(person, team.workspace.slug).membership.role == "staff"


def test_r_bil_7_pay_for_user_is_recorded_on_the_membership(workspace_with_team, make_user):
    team = workspace_with_team
    person = make_user()
    [(invitation, token)] = invite(team, [person.email], account_type="pro")
    assert invitation.pay_for_user is True  # default on for paid account types
    member = invitation_accept(token=token, user=person)
    with scopes_disabled():
        assert Membership.objects.get(pk=member.pk).pay_for_user is True
    assert current(person).payer_workspace_id == team.workspace.pk


def test_r_bil_7_free_user_invited_as_pro_is_paid_by_the_workspace(workspace_with_team, time_machine, make_user):
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    person = make_user()
    time_machine.move_to(T0 + dt.timedelta(days=15), tick=False)  # their own trial ran out: free
    assert licences.effective_account_type(person) == "free"
    [(_inv, token)] = invite(team, [person.email], account_type="pro", pay_for_user=True)
    invitation_accept(token=token, user=person)
    licence = current(person)
    assert (licence.account_type, licence.status, licence.payer_workspace_id) == ("pro", "active", team.workspace.pk)
    assert licences.effective_account_type(person) == "pro"
    assert Licence.objects.filter(user=person).exclude(status="ended").count() == 1


def test_r_bil_7_pay_after_trial_keeps_the_trial_until_its_end(workspace_with_team, time_machine, make_user):
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    person = make_user()
    trial_end = current(person).trial_ends_at
    assert trial_end == T0 + dt.timedelta(days=14)
    time_machine.move_to(T0 + dt.timedelta(days=3), tick=False)
    [(_inv, token)] = invite(team, [person.email], account_type="pro", pay_for_user=True,
                             pay_timing="after_trial")
    member = invitation_accept(token=token, user=person)
    licence = current(person)
    assert licence.status == "trialing"
    assert licence.trial_ends_at == trial_end
    assert (licence.account_type, licence.payer_workspace_id) == ("pro", team.workspace.pk)
    assert member.pay_timing == "after_trial"
    # After the trial the workspace pays: the person stays on pro, not free.
    time_machine.move_to(trial_end + dt.timedelta(days=1), tick=False)
    assert licences.effective_account_type(person) == "pro"


def test_r_bil_7_pay_now_ends_the_trial(workspace_with_team, time_machine, make_user):
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    person = make_user()
    [(_inv, token)] = invite(team, [person.email], account_type="pro", pay_for_user=True, pay_timing="now")
    invitation_accept(token=token, user=person)
    licence = current(person)
    assert (licence.status, licence.trial_ends_at, licence.payer_workspace_id) == ("active", None, team.workspace.pk)


def test_r_bil_7_pay_after_trial_only_for_people_in_a_trial(workspace_with_team, time_machine, make_user):
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    person = make_user()
    time_machine.move_to(T0 + dt.timedelta(days=20), tick=False)
    before = snapshot(team.workspace)
    with pytest.raises(ServiceError) as exc:
        invite(team, [person.email], pay_timing="after_trial")
    assert exc.value.code == "not_in_trial"
    assert person.email in exc.value.message
    with pytest.raises(ServiceError) as exc:
        invite(team, ["nobody-yet@example.test"], pay_timing="after_trial")
    assert exc.value.code == "not_in_trial"
    assert snapshot(team.workspace) == before


def test_r_inv_6_contact_person_gets_access_on_the_same_membership(workspace_with_team, make_user):
    team = workspace_with_team
    with scope(workspace=team.workspace):
        contact = contact_person_add(access=team.access("admin"), first_name="Kees", last_name="Contact",
                                     gender="male", role="clinician")
        assert contact.user_id is None and contact.is_contact_person
        invitation, token = contact_person_grant_access(access=team.access("admin"), membership_id=contact.pk,
                                                        email="kees@example.test")
    assert invitation.contact_id == contact.pk
    kees = make_user("kees@example.test")
    with scopes_disabled():
        members_before = Membership.objects.filter(workspace=team.workspace).count()
    member = invitation_accept(token=token, user=kees)
    assert member.pk == contact.pk
    with scopes_disabled():
        contact.refresh_from_db()
        assert Membership.objects.filter(workspace=team.workspace).count() == members_before
    assert (contact.user_id, contact.role, contact.status) == (kees.pk, "clinician", "active")
    assert contact.display_name == kees.display_name
    assert resolve_access(kees, team.workspace.slug).membership.pk == contact.pk


def test_r_inv_6_grant_access_to_a_member_with_a_login_is_not_found(workspace_with_team):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with scope(workspace=team.workspace), pytest.raises(NotFound):
        contact_person_grant_access(access=team.access("admin"), membership_id=team.members["staff"].pk,
                                    email="takeover@example.test")
    assert snapshot(team.workspace) == before


# --- membership lifecycle (§6) ------------------------------------------------------------------------


def test_r_mem_1_cancel_several_notifies_each_in_their_language(workspace_with_team, monkeypatch):
    team = workspace_with_team
    profile_update(user=team.staff, changes={"language": "nl"})
    sent = []
    monkeypatch.setattr(ws_services, "send_templated_email", lambda **kwargs: sent.append(kwargs))
    changed = cancel(team, "clinician", "staff")
    assert {m.pk for m in changed} == {team.members["clinician"].pk, team.members["staff"].pk}
    for role in ("clinician", "staff"):
        member = team.member(role)
        assert member.status == "cancelled"
        assert member.cancelled_by_id == team.admin.pk
    assert sorted((m["to"], m["language"], m["template"]) for m in sent) == sorted([
        (team.clinician.email, "en", "membership_cancelled"),
        (team.staff.email, "nl", "membership_cancelled"),
    ])


def test_r_mem_1_cancel_sends_mail_after_commit(workspace_with_team, mailoutbox,
                                                django_capture_on_commit_callbacks):
    team = workspace_with_team
    with django_capture_on_commit_callbacks(execute=True):
        cancel(team, "staff")
    [mail] = mailoutbox
    assert mail.to == [team.staff.email]
    assert team.workspace.name in mail.subject


def test_r_ws_5_owner_cannot_be_cancelled_and_nothing_else_changes(
    workspace_with_team, mailoutbox, django_capture_on_commit_callbacks
):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict) as exc:
        cancel(team, "staff", "owner", "clinician", by="owner")
    assert exc.value.code == "owner_cannot_be_cancelled"
    # Issue 6 point 7: for an admin the owner is above them in the role order — a 403 before the rule.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        cancel(team, "staff", "owner", "clinician", by="admin")
    assert snapshot(team.workspace) == before
    assert mailoutbox == []


def test_r_mem_2_cancelled_person_keeps_account_and_other_workspaces(workspace_with_team, password, make_user):
    team = workspace_with_team
    cancel(team, "clinician")
    with pytest.raises(Http404):
        resolve_access(team.clinician, team.workspace.slug)
    [personal] = user_workspaces(team.clinician)
    assert personal.is_personal
    assert resolve_access(team.clinician, personal.slug).membership.role == "owner"
    assert logs_in(User.objects.get(pk=team.clinician.pk), password)
    # …and can join another workspace.
    other_owner = make_user()
    other = workspace_create(actor=other_owner, name="Second Practice", tier="practice")
    with scope(workspace=other):
        [(_inv, token)] = invitations_create(access=resolve_access(other_owner, other.slug),
                                             emails=[team.clinician.email], role="clinician",
                                             account_type="pro", pay_for_user=False)
    invitation_accept(token=token, user=team.clinician)
    assert resolve_access(team.clinician, other.slug).membership.role == "clinician"


def test_r_mem_4_cancelling_deletes_nothing(workspace_with_team):
    team = workspace_with_team
    entries_about_staff = AuditEvent.objects.filter(user=team.staff).count()
    assert entries_about_staff == 9  # exactly what the fixture wrote about them (issue 6 point 12)
    cancel(team, "staff")
    member = team.member("staff")
    assert member.pk == team.members["staff"].pk
    assert (member.status, member.role, member.user_id) == ("cancelled", "staff", team.staff.pk)
    assert member.cancelled_at is not None
    assert AuditEvent.objects.filter(user=team.staff).count() == entries_about_staff
    assert User.objects.filter(pk=team.staff.pk, is_active=True).exists()


def test_r_mem_3_paid_seat_ends_at_cancel_and_restore_can_pay_again(workspace_with_team):
    team = workspace_with_team
    assert current(team.clinician).payer_workspace_id == team.workspace.pk
    cancel(team, "clinician")
    licence = current(team.clinician)
    assert (licence.account_type, licence.payer_workspace_id) == ("free", None)
    assert licences.effective_account_type(team.clinician) == "free"

    [restored] = restore(team, "clinician", pay_for_user=True)
    licence = current(team.clinician)
    assert (licence.account_type, licence.status, licence.payer_workspace_id) == ("pro", "active", team.workspace.pk)
    member = team.member("clinician")
    assert (member.status, member.pay_for_user) == ("active", True)
    assert "notes.write" in team.access("clinician").capabilities


def test_r_mem_3_restore_without_paying_leaves_the_person_free(workspace_with_team):
    team = workspace_with_team
    cancel(team, "clinician")
    restore(team, "clinician", pay_for_user=False)
    assert current(team.clinician).account_type == "free"
    member = team.member("clinician")
    assert (member.status, member.pay_for_user) == ("active", False)
    assert team.access("clinician").membership.pk == member.pk


def test_r_bil_8_restore_cannot_take_over_a_self_paid_subscription(workspace_with_team):
    team = workspace_with_team
    cancel(team, "clinician")
    licences.licence_assign(user=team.clinician, account_type="pro", payer_workspace=None, actor=team.clinician)
    assert licences.pays_for_self(team.clinician)
    before = snapshot(team.workspace)
    with pytest.raises(Conflict) as exc:
        restore(team, "clinician", pay_for_user=True)
    assert exc.value.code == "pays_for_self"
    assert snapshot(team.workspace) == before
    assert team.member("clinician").status == "cancelled"


def test_r_mem_1_cancel_needs_members_manage_and_changes_nothing(workspace_with_team, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        cancel(team, "staff", by="clinician")
    assert snapshot(team.workspace) == before
    assert mailoutbox == []


def test_r_aud_1_refused_cancel_is_audited(workspace_with_team):
    team = workspace_with_team
    with pytest.raises(PermissionDenied):
        cancel(team, "staff", by="clinician")
    entry = AuditEvent.objects.filter(outcome="refused").first()
    assert entry is not None
    assert (entry.event_code, entry.user_id, entry.permission) == ("member.cancelled", team.clinician.pk,
                                                                   "members.manage")


def test_r_role_4_cancelling_a_member_of_another_workspace_is_not_found(workspace_with_team, make_user):
    team = workspace_with_team
    stranger = make_user()
    elsewhere = workspace_create(actor=stranger, name="Elsewhere", tier="team")
    before = snapshot(team.workspace)
    with scope(workspace=elsewhere), pytest.raises(NotFound):
        members_cancel(access=resolve_access(stranger, elsewhere.slug),
                       membership_ids=[team.members["staff"].pk])
    assert snapshot(team.workspace) == before


# --- workspaces (§2) ----------------------------------------------------------------------------------


def test_r_ws_1_creator_becomes_owner(make_user):
    user = make_user()
    workspace = workspace_create(actor=user, name="  Fysio Zuid ", tier="team")
    assert workspace.name == "Fysio Zuid"
    with scopes_disabled():
        [member] = Membership.objects.filter(workspace=workspace)
    assert (member.user_id, member.role, member.status) == (user.pk, "owner", "active")
    assert resolve_access(user, workspace.slug).capabilities >= {"billing.manage", "members.manage"}


def test_r_bil_9_practice_tier_starts_a_14_day_trial_team_does_not(make_user, time_machine):
    time_machine.move_to(T0, tick=False)
    user = make_user()
    practice = workspace_create(actor=user, name="Practice", tier="practice")
    team = workspace_create(actor=user, name="Team", tier="team")
    assert practice.trial_ends_at == T0 + dt.timedelta(days=14)
    assert team.trial_ends_at is None


def test_r_bil_2_billing_anchor_is_the_creation_date_or_the_practice_trial_end(make_user, time_machine):
    """R-BIL-2 / R-BIL-9: a team's cycles start on its creation day; a practice's first cycle starts
    when its 14-day trial ends."""
    time_machine.move_to(T0, tick=False)
    user = make_user()
    team = workspace_create(actor=user, name="team", tier="team")
    assert team.billing_anchor == T0.date() == clock.today()
    practice = workspace_create(actor=user, name="practice", tier="practice")
    assert practice.billing_anchor == T0.date() + dt.timedelta(days=14)


def test_r_bil_2_billing_anchor_is_the_local_date_of_the_workspace(make_user, time_machine):
    moment = dt.datetime(2030, 2, 28, 23, 30, tzinfo=dt.UTC)  # 1 March 00:30 in Europe/Amsterdam
    time_machine.move_to(moment, tick=False)
    user = make_user()
    workspace = workspace_create(actor=user, name="Night owls", tier="team")
    assert workspace.time_zone == "Europe/Amsterdam"
    assert workspace.billing_anchor == dt.date(2030, 3, 1)


def test_r_ws_1_workspace_create_validates_name_and_tier(make_user):
    user = make_user()
    count = Workspace.objects.count()
    with pytest.raises(ServiceError) as exc:
        workspace_create(actor=user, name="   ", tier="team")
    assert exc.value.code == "name_required"
    with pytest.raises(ServiceError) as exc:
        workspace_create(actor=user, name="X", tier="enterprise")
    assert exc.value.code == "invalid_tier"
    assert Workspace.objects.count() == count


def test_r_bil_9_new_user_gets_pro_trial_and_personal_workspace(make_user, time_machine):
    time_machine.move_to(T0, tick=False)
    user = make_user(first_name="Pia", last_name="Person")
    licence = current(user)
    assert (licence.account_type, licence.status, licence.payer_workspace_id) == ("pro", "trialing", None)
    assert licence.trial_ends_at == T0 + dt.timedelta(days=14)
    assert licences.in_trial(user)
    [workspace] = user_workspaces(user)
    assert workspace.is_personal and workspace.tier == "team"
    assert workspace.name == "Pia Person"
    assert resolve_access(user, workspace.slug).membership.role == "owner"
    time_machine.move_to(T0 + dt.timedelta(days=14), tick=False)
    assert licences.effective_account_type(user) == "free"


def test_factories_build_users_through_the_service():
    user = UserFactory()
    assert current(user).status == "trialing"
    assert len(user_workspaces(user)) == 1


def test_r_ws_5_ownership_transfer_to_an_active_admin(workspace_with_team, password):
    team = workspace_with_team
    with scope(workspace=team.workspace):
        new_owner = ownership_transfer(access=team.access("owner"), to_membership_id=team.members["admin"].pk,
                                       password=password)
    assert new_owner.user_id == team.admin.pk
    assert team.member("admin").role == "owner"
    assert team.member("owner").role == "admin"
    assert active_owner_count(team.workspace) == 1
    assert team.access("admin").membership.role == "owner"
    entry = AuditEvent.objects.filter(event_code="workspace.ownership_transferred", outcome="success").get()
    assert (entry.user_id, entry.object_id) == (team.owner.pk, str(team.members["admin"].pk))


def test_r_ws_5_ownership_transfer_only_by_the_owner(workspace_with_team, password):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with scope(workspace=team.workspace), pytest.raises(PermissionDenied):
        ownership_transfer(access=team.access("admin"), to_membership_id=team.members["admin"].pk,
                           password=password)
    assert snapshot(team.workspace) == before


@pytest.mark.parametrize("target", ["assistant", "clinician", "staff", "owner"])
def test_r_ws_5_ownership_goes_only_to_an_admin(workspace_with_team, password, target):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with scope(workspace=team.workspace), pytest.raises(ServiceError) as exc:
        ownership_transfer(access=team.access("owner"), to_membership_id=team.members[target].pk,
                           password=password)
    assert exc.value.code == "not_admin"
    assert snapshot(team.workspace) == before


def test_r_ws_5_ownership_not_to_a_cancelled_admin(workspace_with_team, password):
    team = workspace_with_team
    cancel(team, "admin", by="owner")
    before = snapshot(team.workspace)
    with scope(workspace=team.workspace), pytest.raises(ServiceError) as exc:
        ownership_transfer(access=team.access("owner"), to_membership_id=team.members["admin"].pk,
                           password=password)
    assert exc.value.code == "not_admin"
    assert snapshot(team.workspace) == before


@pytest.mark.parametrize(("given_password", "code"), [("wrong password here", "wrong_password"),
                                                      (None, "password_required")])
def test_r_ws_5_ownership_transfer_requires_the_password(workspace_with_team, given_password, code):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with scope(workspace=team.workspace), pytest.raises(ServiceError) as exc:
        ownership_transfer(access=team.access("owner"), to_membership_id=team.members["admin"].pk,
                           password=given_password)
    assert exc.value.code == code
    assert snapshot(team.workspace) == before


def test_r_ws_5_database_allows_only_one_active_owner(workspace_with_team, make_user):
    team = workspace_with_team
    intruder = make_user()
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(workspace=team.workspace, user=intruder, role="owner")
    assert active_owner_count(team.workspace) == 1
    # The constraint is partial: a cancelled former owner next to the active one is fine.
    MembershipFactory(workspace=team.workspace, user=intruder, role="owner", status="cancelled")
    assert active_owner_count(team.workspace) == 1


def test_r_ws_4_workspace_update_by_admin(workspace_with_team):
    team = workspace_with_team
    updated = workspace_update(access=team.access("admin"),
                               changes={"name": "Praktijk Noord BV", "phone": "+31201234567", "vat_id": "NL1"})
    fresh = Workspace.objects.get(pk=team.workspace.pk)
    assert (fresh.name, fresh.phone, fresh.vat_id) == ("Praktijk Noord BV", "+31201234567", "NL1")
    assert updated.name == fresh.name
    entry = AuditEvent.objects.filter(event_code="workspace.updated").get()
    assert (entry.action, entry.outcome, entry.user_id, entry.workspace_id) == (
        "update", "success", team.admin.pk, team.workspace.pk)
    assert entry.data == {"fields": ["name", "phone", "vat_id"]}


def test_r_ws_4_workspace_update_by_clinician_is_refused(workspace_with_team):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with pytest.raises(PermissionDenied):
        workspace_update(access=team.access("clinician"), changes={"name": "Hijacked"})
    assert snapshot(team.workspace) == before


def test_r_ws_4_workspace_update_refuses_an_empty_name(workspace_with_team):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with pytest.raises(ServiceError) as exc:
        workspace_update(access=team.access("owner"), changes={"name": "  ", "phone": "+31201234567"})
    assert exc.value.code == "name_required"
    assert snapshot(team.workspace) == before


# --- role changes (R-ROLE-5) ----------------------------------------------------------------------------


def change_role(team, role_of_target, new_role, *, by="admin", **kwargs):
    with scope(workspace=team.workspace):
        return member_change_role(access=team.access(by), membership_id=team.members[role_of_target].pk,
                                  role=new_role, **kwargs)


def test_r_role_5_change_with_password(workspace_with_team, password):
    team = workspace_with_team
    member = change_role(team, "staff", "assistant", password=password)
    assert member.role == "assistant"
    assert team.member("staff").role == "assistant"
    entry = AuditEvent.objects.filter(event_code="member.role_changed").get()
    assert entry.data == {"before": {"role": "staff", "grants": []},
                          "after": {"role": "assistant", "grants": []}}


@pytest.mark.parametrize(("elapsed", "allowed"), [
    (dt.timedelta(minutes=9, seconds=59), True),
    (dt.timedelta(minutes=10), True),
    (dt.timedelta(minutes=10, seconds=1), False),
])
def test_r_role_5_recent_reauthentication_counts_for_10_minutes(workspace_with_team, time_machine, elapsed,
                                                                 allowed):
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    reauthenticated_at = clock.now()
    time_machine.move_to(T0 + elapsed, tick=False)
    if allowed:
        change_role(team, "staff", "clinician", reauthenticated_at=reauthenticated_at)
        assert team.member("staff").role == "clinician"
    else:
        before = snapshot(team.workspace)
        with pytest.raises(ServiceError) as exc:
            change_role(team, "staff", "clinician", reauthenticated_at=reauthenticated_at)
        assert exc.value.code == "password_required"
        assert snapshot(team.workspace) == before


@pytest.mark.parametrize(("kwargs", "code"), [
    ({}, "password_required"),
    ({"password": "not my password at all"}, "wrong_password"),
])
def test_r_role_5_change_without_valid_confirmation_is_refused(workspace_with_team, kwargs, code):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with pytest.raises(ServiceError) as exc:
        change_role(team, "staff", "clinician", **kwargs)
    assert exc.value.code == code
    assert snapshot(team.workspace) == before


def test_r_role_5_wrong_password_is_not_rescued_by_a_recent_reauthentication(workspace_with_team):
    team = workspace_with_team
    with pytest.raises(ServiceError) as exc:
        change_role(team, "staff", "clinician", password="not my password at all",
                    reauthenticated_at=clock.now())
    assert exc.value.code == "wrong_password"
    assert team.member("staff").role == "staff"


def test_r_ws_5_nobody_can_be_made_owner_by_a_role_change(workspace_with_team, password):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with pytest.raises(ServiceError) as exc:
        change_role(team, "admin", "owner", by="owner", password=password)
    assert exc.value.code == "invalid_role"
    with pytest.raises(ServiceError) as exc:
        change_role(team, "owner", "staff", by="owner", password=password)
    assert exc.value.code == "owner_role"
    with pytest.raises(PermissionDenied):  # issue 6 point 7: an admin does not manage the owner
        change_role(team, "owner", "staff", by="admin", password=password)
    assert snapshot(team.workspace) == before
    assert active_owner_count(team.workspace) == 1


def test_r_role_1_only_grantable_capabilities_can_be_granted(workspace_with_team, password):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with pytest.raises(ServiceError) as exc:
        change_role(team, "staff", "staff", grants=["billing.manage"], password=password)
    assert exc.value.code == "invalid_grant"
    assert snapshot(team.workspace) == before


def test_r_role_5_assistant_cannot_make_an_admin(workspace_with_team, password):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with pytest.raises(PermissionDenied):
        change_role(team, "staff", "admin", by="assistant", password=password)
    assert snapshot(team.workspace) == before


def test_r_role_5_clinician_cannot_change_roles(workspace_with_team, password):
    team = workspace_with_team
    before = snapshot(team.workspace)
    with pytest.raises(PermissionDenied):
        change_role(team, "staff", "clinician", by="clinician", password=password)
    assert snapshot(team.workspace) == before


def test_r_ws_1_a_free_user_creates_a_practice_but_not_a_team(make_user, time_machine):
    """R-WS-1: creating a `team` needs a paid (or support) account type; a `practice` starts its trial."""
    from praxis.core.errors import ServiceError

    time_machine.move_to(T0, tick=False)
    user = make_user()
    assert workspace_create(actor=user, name="During my trial", tier="team").tier == "team"
    time_machine.move_to(T0 + dt.timedelta(days=15), tick=False)  # the 14-day pro trial is over: free
    with pytest.raises(ServiceError) as refused:
        workspace_create(actor=user, name="Team after trial", tier="team")
    assert refused.value.code == "paid_account_required"
    assert workspace_create(actor=user, name="Practice after trial", tier="practice").trial_ends_at is not None


def test_r_bil_2_the_billing_interval_is_chosen_at_creation(make_user):
    from praxis.core.errors import ServiceError

    user = make_user()
    assert workspace_create(actor=user, name="Yearly", tier="team", billing_interval="annual").billing_interval == "annual"
    assert workspace_create(actor=user, name="Monthly", tier="team").billing_interval == "monthly"
    with pytest.raises(ServiceError) as refused:
        workspace_create(actor=user, name="Weekly", tier="team", billing_interval="weekly")
    assert refused.value.code == "invalid_interval"
