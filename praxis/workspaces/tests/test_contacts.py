"""Issue 6 point 18: contact persons (R-INV-6, seed 002 "Contactpersonen aanmaken / wijzigen") and the
names on one's own profile.

Every refusal also proves that nothing changed.
"""

import re

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from praxis.accounts.models import User
from praxis.audit.models import AuditEvent
from praxis.workspaces.models import Invitation, Membership
from praxis.workspaces.services import contact_person_add

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s/]+/invite/([A-Za-z0-9_\-]+)/")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def url(team, name, **kwargs):
    return reverse(f"workspaces:{name}", kwargs={"ws": team.workspace.slug, **kwargs})


def rows(workspace):
    with scopes_disabled():
        return {"members": list(Membership.objects.filter(workspace=workspace).order_by("pk").values()),
                "invitations": list(Invitation.objects.filter(workspace=workspace).order_by("pk").values())}


def test_point_18_portal_email_at_creation_sends_the_invitation(client, workspace_with_team, mailoutbox, committed):
    """Issue 6 point 18, R-INV-6: "Na het instellen van de autorisatierol kunt u het e-mailadres … invoeren …
    Klik op Aanmaken … De contactpersoon ontvangt nu een uitnodiging"."""
    team = workspace_with_team
    client.force_login(team.admin)
    mailoutbox.clear()
    with committed():
        response = client.post(url(team, "contact_add"), {"first_name": "Rita", "last_name": "Receptie",
                                                          "gender": "female", "role": "staff",
                                                          "email": "rita@example.test"}, follow=True)
    body = response.content.decode()
    assert "Rita Receptie was added as a contact person." in body
    assert "An invitation for portal access was sent to rita@example.test." in body
    with scopes_disabled():
        contact = Membership.objects.get(workspace=team.workspace, first_name="Rita")
        invitation = Invitation.objects.get(contact=contact)
    assert contact.user_id is None and invitation.status == "pending" and invitation.email == "rita@example.test"
    assert [m.to for m in mailoutbox] == [["rita@example.test"]]


def test_point_18_a_refused_portal_email_adds_nobody(client, workspace_with_team, mailoutbox, committed):
    team = workspace_with_team
    client.force_login(team.admin)
    before = rows(team.workspace)
    mailoutbox.clear()
    with committed():
        response = client.post(url(team, "contact_add"), {"first_name": "Dup", "last_name": "Licate",
                                                          "role": "staff", "email": team.clinician.email})
    assert response.status_code == 200
    assert response.context["add_form"].errors
    assert rows(team.workspace) == before and mailoutbox == []


def _contact(team, **kwargs):
    with scope(workspace=team.workspace):
        return contact_person_add(access=team.access("admin"), first_name=kwargs.get("first_name", "Kees"),
                                  last_name=kwargs.get("last_name", "Kassa"), gender="male", role="staff")


def test_point_18_edit_name_gender_and_portal_email(client, workspace_with_team, mailoutbox, committed):
    """Issue 6 point 18: name, gender and portal e-mail of a contact are editable; a new address ends the
    old invitation and invites the new one; the form comes filled with what is stored."""
    team = workspace_with_team
    contact = _contact(team)
    client.force_login(team.admin)
    page = client.get(url(team, "contact_edit", member_id=contact.pk)).content.decode()
    assert 'value="Kees"' in page and 'value="Kassa"' in page

    mailoutbox.clear()
    with committed():
        response = client.post(url(team, "contact_edit", member_id=contact.pk), {
            "first_name": "Kees", "last_name": "de Kassa", "gender": "other", "email": "kees@example.test"},
            follow=True)
    assert "The details of Kees de Kassa were saved." in response.content.decode()
    with scopes_disabled():
        contact.refresh_from_db()
        first = Invitation.objects.get(contact=contact, status="pending")
    assert (contact.last_name, contact.gender, first.email) == ("de Kassa", "other", "kees@example.test")
    assert [m.to for m in mailoutbox] == [["kees@example.test"]]
    assert 'value="kees@example.test"' in client.get(url(team, "contact_edit", member_id=contact.pk)).content.decode()

    mailoutbox.clear()
    with committed():
        client.post(url(team, "contact_edit", member_id=contact.pk), {
            "first_name": "Kees", "last_name": "de Kassa", "gender": "other", "email": "kees.k@example.test"})
    with scopes_disabled():
        first.refresh_from_db()
        second = Invitation.objects.get(contact=contact, status="pending")
    assert first.status == "revoked" and second.email == "kees.k@example.test"
    assert [m.to for m in mailoutbox] == [["kees.k@example.test"]]
    assert AuditEvent.objects.filter(event_code="contact.updated", object_id=str(contact.pk)).count() == 2


def test_point_18_edit_refuses_blank_names_and_members_without_manage(client, workspace_with_team):
    team = workspace_with_team
    contact = _contact(team)
    client.force_login(team.admin)
    before = rows(team.workspace)
    response = client.post(url(team, "contact_edit", member_id=contact.pk),
                           {"first_name": " ", "last_name": "", "gender": "", "email": ""})
    assert response.status_code == 200
    assert "Enter a first or last name." in response.content.decode()
    assert rows(team.workspace) == before

    client.force_login(team.staff)
    assert client.post(url(team, "contact_edit", member_id=contact.pk),
                       {"first_name": "X", "last_name": "Y"}).status_code == 403
    assert rows(team.workspace) == before


def test_point_18_a_member_with_a_login_is_edited_on_their_own_profile(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.admin)
    response = client.get(url(team, "contact_edit", member_id=team.members["staff"].pk))
    assert response.status_code == 302
    assert response["Location"] == url(team, "member_edit", member_id=team.members["staff"].pk)


def test_point_18_invitee_of_a_contact_finds_their_names_filled_in(client, workspace_with_team, mailoutbox,
                                                                   committed):
    """Issue 6 point 16 (last part): the invitee is not asked to retype names the inviter entered; the
    fields stay editable."""
    team = workspace_with_team
    client.force_login(team.admin)
    mailoutbox.clear()
    with committed():
        client.post(url(team, "contact_add"), {"first_name": "Rita", "last_name": "Receptie", "role": "staff",
                                               "email": "rita@example.test"})
    token = LINK.search(mailoutbox[0].body).group(1)
    client.logout()
    page = client.get(reverse("workspaces:invite", kwargs={"token": token})).content.decode()
    assert re.search(r'name="first_name"[^>]*value="Rita"|value="Rita"[^>]*name="first_name"', page)
    assert re.search(r'name="last_name"[^>]*value="Receptie"|value="Receptie"[^>]*name="last_name"', page)
    assert "readonly" not in page.split('name="first_name"')[1].split(">")[0]


# --- one's own profile ---------------------------------------------------------------------------


def test_point_18_profile_names_cannot_be_blanked(client, make_user):
    """Issue 6 point 18: changing the phone (or emptying a name field) never wipes a required name."""
    user = make_user(first_name="Ada", last_name="Lovelace")
    client.force_login(user)
    response = client.post("/accounts/profile/", {"first_name": "", "last_name": "Lovelace",
                                                  "phone": "+31 20 123 4567", "language": "en"})
    assert response.status_code == 200
    assert "Enter your first name." in response.content.decode()
    user = User.objects.get(pk=user.pk)
    assert (user.first_name, user.phone) == ("Ada", "")  # nothing changed

    response = client.post("/accounts/profile/", {"first_name": "Ada", "last_name": "Lovelace",
                                                  "phone": "+31 20 123 4567", "language": "en"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).phone == "+31201234567"


def test_point_5_contacts_mark_an_expired_portal_invitation(client, workspace_with_team, time_machine):
    import datetime as dt

    from praxis.core import clock
    from praxis.workspaces.contacts import contact_person_create

    team = workspace_with_team
    with scope(workspace=team.workspace):
        contact_person_create(access=team.access("admin"), first_name="Old", last_name="Link", role="staff",
                              email="old.link@example.test")
    time_machine.move_to(clock.now() + dt.timedelta(days=31), tick=False)
    client.force_login(team.admin)
    body = client.get(url(team, "contacts")).content.decode()
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S) if "old.link@example.test" in r)
    assert 'class="badge">expired<' in row
