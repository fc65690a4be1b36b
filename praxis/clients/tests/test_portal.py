"""Client portal access (R-CLI-11; R-AUD-1, R-AUD-3, R-MEM-1, R-ROLE-4, R-INV-3, R-INV-4; seed 003).

Invite → accept → the portal shows the client's own details only; another client's data is never
visible; every staff URL of the workspace answers 404 to a client user; a cancelled client cannot open
the portal (and a restored one can again); a staff member elsewhere who is also a client switches to
the portal like to a workspace; the e-mail is in the client's language; invitation, acceptance and the
portal's reads are audited; a relationship with portal access is invited on the client's behalf.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled

from praxis.audit.models import AuditEvent
from praxis.clients import portal
from praxis.clients.models import Client, ClientInvitation, Contact, Relationship
from praxis.clients.services import clients_cancel, clients_restore
from praxis.testing import PASSWORD
from praxis.testing import pages as walker

from .factories import client_make

pytestmark = pytest.mark.django_db


def make(team, **kwargs) -> Client:
    with scope(workspace=team.workspace):
        return client_make(team.access("owner"), **kwargs)


def logged_in(client, user):
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def text_of(response) -> str:
    import html as html_lib

    html = html_lib.unescape(response.content.decode())
    main = html[html.find("<main"):] if "<main" in html else html
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def reload(obj: Client) -> Client:
    with scopes_disabled():
        return Client.objects.get(pk=obj.pk)


def invite_link(message) -> str:
    [path] = re.findall(r"https?://[^/\s]+(/portal/invite/[^/\s]+/)", str(message.body))
    return path


def invite(team, client_obj, *, relationship_id=None) -> str:
    with scope(workspace=team.workspace):
        _inv, token = portal.portal_invitation_create(access=team.access("owner"), client_id=client_obj.pk,
                                                      relationship_id=relationship_id)
    return token


def accept_new(token, first_name="Zoë"):
    user, _client = portal.portal_invitation_accept_new_user(token=token, password=PASSWORD,
                                                             first_name=first_name, last_name="Client")
    return user


def portal_url(team, path: str = "") -> str:
    return f"/w/{team.workspace.slug}/portal/{path}"


# --- invite → accept → the portal -----------------------------------------------------------------------

def test_invite_from_the_record_accept_as_new_person_and_see_only_own_details(team, client,
                                                                             django_capture_on_commit_callbacks):
    """R-CLI-11: the quick action invites by e-mail; the link signs a new person up (a user only, no
    membership); the portal shows their details and access history, and nothing of another client."""
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test",
               phone="0612345678", national_id="123456782")
    other = make(team, first_name="Bram", last_name="Anderman", email="bram@example.test")
    staff = logged_in(client, team.owner)
    record = staff.get(f"/w/{team.workspace.slug}/clients/{zoe.pk}/")
    assert "Invite to portal" in text_of(record)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = staff.post(f"/w/{team.workspace.slug}/clients/{zoe.pk}/portal-invite/", follow=True)
    assert "A portal invitation was sent to zoe.visser@example.test." in text_of(done)
    [message] = mail.outbox
    assert message.to == ["zoe.visser@example.test"] and team.workspace.name in message.subject
    link = invite_link(message)

    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Create your account" in text_of(page)
    answer = client.post(link, {"first_name": "Zoë", "last_name": "Visser", "password": PASSWORD,
                                "password_repeat": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == portal_url(team)
    zoe = reload(zoe)
    assert zoe.user is not None and zoe.user.email == "zoe.visser@example.test"
    with scopes_disabled():
        assert not zoe.user.memberships.exists()  # a client is no member of any workspace

    home = client.get(portal_url(team), follow=True)
    assert home.redirect_chain[-1][0] == portal_url(team, f"{zoe.pk}/")
    shown = text_of(home)
    assert "Zoë Visser" in shown and "123456782" in shown and "Access history" in shown
    assert "Client record opened" in shown  # the owner opened the record above (R-AUD-3)
    assert "Bram" not in shown and "Anderman" not in shown
    assert client.get(portal_url(team, f"{other.pk}/")).status_code == 404
    assert client.get(portal_url(team, f"{other.pk}/download/")).status_code == 404
    # The link works once (R-INV-4).
    assert client.get(link).status_code == 410


def test_download_is_the_clients_own_data_as_json(team, client):
    """R-CLI-11 / R-CLI-10: the download holds the client's data, with the access history."""
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test", city="Utrecht")
    user = accept_new(invite(team, zoe))
    response = logged_in(client, user).get(portal_url(team, f"{zoe.pk}/download/"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    own = data["client"]
    assert own["first_name"] == "Zoë" and own["city"] == "Utrecht" and own["email"] == "zoe.visser@example.test"
    assert "withheld" not in data  # the client's own data, in full (GDPR art. 15)
    assert [row["event"] for row in data["access_history"]][-2:] == ["client.portal_invited", "client.created"]


def test_audit_entries_for_invitation_acceptance_and_portal_reads_r_aud_1(team, client):
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    user = accept_new(invite(team, zoe))
    browser = logged_in(client, user)
    browser.get(portal_url(team, f"{zoe.pk}/"))
    browser.get(portal_url(team, f"{zoe.pk}/download/"))
    rows = list(AuditEvent.objects.filter(client_id=str(zoe.pk)).order_by("seq")
                .values_list("event_code", "user_id", "role", "workspace_id", "action"))
    assert rows[1:] == [
        ("client.portal_invited", team.owner.pk, "owner", team.workspace.pk, "create"),
        ("client.portal_joined", user.pk, "client", team.workspace.pk, "update"),
        ("client.portal_viewed", user.pk, "client", team.workspace.pk, "read"),
        ("client.portal_downloaded", user.pk, "client", team.workspace.pk, "read"),
    ]


def test_invitation_email_is_in_the_clients_language(team, monkeypatch, django_capture_on_commit_callbacks):
    """R-CLI-11: the e-mail speaks the client's language (else the workspace's)."""
    from praxis.core import mail as core_mail

    languages = []
    render = core_mail.render_email
    monkeypatch.setattr(core_mail, "render_email", lambda template, context, language:
                        languages.append((template, language)) or render(template, context, language))
    greta = make(team, first_name="Greta", last_name="Deutsch", email="greta@example.test", language="de")
    plain = make(team, first_name="Piet", last_name="Plain", email="piet@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        invite(team, greta)
        invite(team, plain)
    assert languages == [("portal_invitation", "de"), ("portal_invitation", team.workspace.language)]
    with scopes_disabled():
        assert ClientInvitation.objects.get(client=greta).language == "de"


def test_invite_is_offered_and_allowed_only_when_it_makes_sense(team, client):
    """The quick action shows for members who manage clients, for a client with an e-mail and no portal
    login yet; sending it anyway is refused with a message, and staff get an audited 403."""
    no_email = make(team, first_name="Zonder", last_name="Mail")
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    owner = logged_in(client, team.owner)
    assert "Invite to portal" not in text_of(owner.get(f"/w/{team.workspace.slug}/clients/{no_email.pk}/"))
    refused = owner.post(f"/w/{team.workspace.slug}/clients/{no_email.pk}/portal-invite/", follow=True)
    assert "Add the client's e-mail address first." in text_of(refused)
    accept_new(invite(team, zoe))
    assert "Invite to portal" not in text_of(owner.get(f"/w/{team.workspace.slug}/clients/{zoe.pk}/"))
    again = owner.post(f"/w/{team.workspace.slug}/clients/{zoe.pk}/portal-invite/", follow=True)
    assert "This client already has portal access." in text_of(again)

    staff = logged_in(client, team.staff)
    other = make(team, first_name="Ander", last_name="Mens", email="ander@example.test")
    assert "Invite to portal" not in text_of(staff.get(f"/w/{team.workspace.slug}/clients/{other.pk}/"))
    assert staff.post(f"/w/{team.workspace.slug}/clients/{other.pk}/portal-invite/").status_code == 403
    with scopes_disabled():
        assert not ClientInvitation.objects.filter(client=other).exists()
    assert AuditEvent.objects.filter(event_code="permission.refused", outcome="refused", user=team.staff,
                                     permission="clients.manage").count() == 1


def test_inviting_again_replaces_the_pending_link(team, client):
    """R-INV-2 as for staff: a new link; the old one stops working."""
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    old, new = invite(team, zoe), invite(team, zoe)
    assert client.get(f"/portal/invite/{old}/").status_code == 410
    assert client.get(f"/portal/invite/{new}/").status_code == 200


def test_record_lists_a_pending_invitation_which_can_be_sent_again_or_revoked_r_cli_11(team, client):
    """The record shows each pending portal invitation with "Send again" (a new link; the old one dies)
    and "Revoke" (the link dies, the row is kept, an audit entry names the client)."""
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    first = invite(team, zoe)
    browser = logged_in(client, team.owner)
    record = f"/w/{team.workspace.slug}/clients/{zoe.pk}/"
    page = text_of(browser.get(record))
    assert "Portal invitation to zoe.visser@example.test" in page and "Send again" in page and "Revoke" in page

    assert browser.post(f"{record}portal-invite/").status_code == 302  # "Send again"
    assert client.get(f"/portal/invite/{first}/").status_code == 410
    with scopes_disabled():
        [pending] = ClientInvitation.objects.filter(client=zoe, status=ClientInvitation.Status.PENDING)
    response = browser.post(f"{record}portal-invite/{pending.pk}/revoke/", follow=True)
    assert "was withdrawn" in text_of(response) and "Send again" not in text_of(response)
    with scopes_disabled():
        assert ClientInvitation.objects.get(pk=pending.pk).status == ClientInvitation.Status.REVOKED
        assert ClientInvitation.objects.filter(client=zoe).count() == 2  # nothing deleted (R-MEM-4)
    [entry] = AuditEvent.objects.filter(event_code="client.portal_invitation_revoked")
    assert entry.client_id == str(zoe.pk) and entry.user == team.owner and entry.outcome == "success"
    again = browser.post(f"{record}portal-invite/{pending.pk}/revoke/", follow=True)
    assert "already been answered or withdrawn" in text_of(again)


def test_revoking_needs_clients_manage_and_the_clients_own_invitation(team, client):
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    bert = make(team, first_name="Bert", last_name="Visser", email="bert.visser@example.test")
    invite(team, zoe)
    with scopes_disabled():
        invitation = ClientInvitation.objects.get(client=zoe)
    owner = logged_in(client, team.owner)
    # Another client's address for the invitation: the same 404 as a missing one.
    assert owner.post(f"/w/{team.workspace.slug}/clients/{bert.pk}/portal-invite/{invitation.pk}/revoke/"
                      ).status_code == 404
    # A member without `clients.manage` (staff): an audited 403.
    response = logged_in(client, team.users["staff"]).post(
        f"/w/{team.workspace.slug}/clients/{zoe.pk}/portal-invite/{invitation.pk}/revoke/")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(user=team.users["staff"], outcome="refused", permission="clients.manage").exists()
    with scopes_disabled():
        assert ClientInvitation.objects.get(pk=invitation.pk).status == ClientInvitation.Status.PENDING


def test_an_existing_user_logs_in_and_the_wrong_user_is_told(team, client, make_user):
    """R-INV-3: someone with an account logs in first; another logged-in person cannot take the link."""
    existing = make_user("zoe.visser@example.test")
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    token = invite(team, zoe)
    assert "Log in to accept" in text_of(client.get(f"/portal/invite/{token}/"))
    intruder = logged_in(client, team.staff)
    page = intruder.get(f"/portal/invite/{token}/")
    assert "This invitation was sent to zoe.visser@example.test" in text_of(page)
    intruder.post(f"/portal/invite/{token}/")
    assert reload(zoe).user_id is None
    answer = logged_in(client, existing).post(f"/portal/invite/{token}/")
    assert answer.status_code == 302 and reload(zoe).user_id == existing.pk


# --- who sees what ----------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)  # the world's e-mails are sent on commit
def test_every_staff_url_of_the_workspace_answers_404_to_a_client_user(team, make_user):
    """R-CLI-11, R-ROLE-4: walking every HTML route of the workspace as the "client" visitor of the page
    walker, every staff page is a 404 — only the portal's own routes answer."""
    world = walker.build_world(team, make_user)
    browser = walker.django_client(world.visitors["client"])
    answered = {}
    for route in walker.html_routes():
        if not route.route.startswith("w/<slug:ws>/") or route.unmapped():
            continue
        status = browser.get(route.url(world)).status_code
        if status == 405:  # a POST-only action: sent as one, it must not reveal the workspace either
            status = browser.post(route.url(world)).status_code
        answered[route.name] = status
    portal_routes = {name: status for name, status in answered.items() if name in walker.PORTAL_ONLY}
    staff_routes = {name: status for name, status in answered.items() if name not in walker.PORTAL_ONLY}
    assert portal_routes == {"clients:portal": 302, "clients:portal_record": 200, "clients:portal_download": 200}
    assert len(staff_routes) > 20 and set(staff_routes.values()) == {404}, staff_routes
    # The API of the workspace too.
    for path in ("", "/clients", f"/clients/{world.client.pk}", "/members"):
        response = browser.get(f"/api/v1/workspaces/{world.slug}{path}")
        assert response.status_code == 404, (path, response.status_code)


def test_a_cancelled_client_cannot_open_the_portal_and_a_restored_one_can_r_mem_1(
        team, client, django_capture_on_commit_callbacks):
    """Seed 003: cancelling ends portal access (with the client_cancelled e-mail), restoring reopens it."""
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    user = accept_new(invite(team, zoe))
    browser = logged_in(client, user)
    assert browser.get(portal_url(team, f"{zoe.pk}/")).status_code == 200
    mail.outbox.clear()
    with scope(workspace=team.workspace), django_capture_on_commit_callbacks(execute=True):
        clients_cancel(access=team.access("owner"), client_ids=[zoe.pk])
    assert [m.to for m in mail.outbox] == [["zoe.visser@example.test"]]
    assert "portal has ended" in mail.outbox[0].body
    assert browser.get(portal_url(team)).status_code == 404
    assert browser.get(portal_url(team, f"{zoe.pk}/download/")).status_code == 404
    assert browser.get("/api/v1/me/client-records").json()["items"] == []
    assert AuditEvent.objects.filter(event_code="access.not_found", user=user).exists()
    with scope(workspace=team.workspace), django_capture_on_commit_callbacks(execute=True):
        clients_restore(access=team.access("owner"), client_ids=[zoe.pk])
    assert browser.get(portal_url(team, f"{zoe.pk}/")).status_code == 200


def test_a_cancelled_client_cannot_accept_an_invitation(team):
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    token = invite(team, zoe)
    with scope(workspace=team.workspace):
        clients_cancel(access=team.access("owner"), client_ids=[zoe.pk])
    from praxis.core.errors import Conflict

    with pytest.raises(Conflict) as refused:
        accept_new(token)
    assert refused.value.code == "client_cancelled"
    assert reload(zoe).user_id is None
    from praxis.accounts.models import User

    assert not User.objects.filter(email="zoe.visser@example.test").exists()  # all or nothing


def test_a_staff_member_elsewhere_who_is_a_client_switches_like_any_workspace(team, client, make_user):
    """R-CLI-11: the portal is one more entry of the workspace switcher; the staff pages of the portal's
    workspace stay closed to them, their own workspace stays theirs."""
    from praxis.workspaces.services import workspace_create

    other_owner = make_user(first_name="Olga", last_name="Eigenaar")
    elsewhere = workspace_create(actor=other_owner, name="Praktijk Elders", tier="practice")
    with scopes_disabled():
        from praxis.workspaces.access import resolve_access

        access = resolve_access(other_owner, elsewhere.slug)
    with scope(workspace=elsewhere):
        record = client_make(access, first_name="Stan", last_name="Staff", email=team.staff.email)
        _inv, token = portal.portal_invitation_create(access=access, client_id=record.pk)
    browser = logged_in(client, team.staff)
    assert browser.post(f"/portal/invite/{token}/").status_code == 302

    dashboard = browser.get(f"/w/{team.workspace.slug}/").content.decode()
    assert f'href="/w/{elsewhere.slug}/portal/"' in dashboard
    assert "Praktijk Elders (client portal)" in dashboard
    page = browser.get(f"/w/{elsewhere.slug}/portal/{record.pk}/")
    assert page.status_code == 200 and 'aria-current="page">Praktijk Elders (client portal)' in page.content.decode()
    assert f'href="/w/{team.workspace.slug}/"' in page.content.decode()  # the way back to their workspace
    assert browser.get(f"/w/{elsewhere.slug}/").status_code == 404
    assert browser.get(f"/w/{elsewhere.slug}/clients/").status_code == 404
    listing = browser.get("/workspaces/").content.decode()  # "Your workspaces" lists the portal too
    assert "Client portals" in listing and f'href="/w/{elsewhere.slug}/portal/"' in listing
    # `/` takes them back to where they worked last: the portal, then their workspace.
    assert browser.get("/")["Location"] == f"/w/{elsewhere.slug}/portal/"
    browser.get(f"/w/{team.workspace.slug}/")
    assert browser.get("/")["Location"] == f"/w/{team.workspace.slug}/"


def test_a_client_only_user_goes_home_to_the_portal(team, client):
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    user = accept_new(invite(team, zoe))
    assert logged_in(client, user).get("/")["Location"] == portal_url(team)


# --- on the client's behalf (R-CLI-4 portal_access grant) -----------------------------------------------

def test_a_parent_with_portal_access_is_invited_on_the_childs_behalf(team, client,
                                                                    django_capture_on_commit_callbacks):
    """A relationship with portal_access=True can be invited on the client's behalf; the grant ends when
    the relationship's portal access is taken away."""
    child = make(team, first_name="Mila", last_name="Kind", date_of_birth="01-01-2016", language="fr")
    sibling = make(team, first_name="Noor", last_name="Kind", date_of_birth="01-01-2018")
    with scope(workspace=team.workspace):
        mother = Contact.objects.create(workspace=team.workspace, name="Marie Kind", email="marie@example.test")
        rel = Relationship.objects.create(workspace=team.workspace, client=child, contact=mother, kind="parent",
                                          portal_access=True)
    staff = logged_in(client, team.owner)
    record = text_of(staff.get(f"/w/{team.workspace.slug}/clients/{child.pk}/"))
    assert "Invite Marie Kind to the portal" in record and "Invite to portal" not in record  # no own e-mail
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/w/{team.workspace.slug}/clients/{child.pk}/portal-invite/", {"relationship": rel.pk})
    [message] = mail.outbox
    assert message.to == ["marie@example.test"]
    client.logout()
    client.post(invite_link(message), {"first_name": "Marie", "last_name": "Kind", "password": PASSWORD,
                                       "password_repeat": PASSWORD})
    assert reload(child).user_id is None  # the child's own login stays free
    page = client.get(portal_url(team, f"{child.pk}/"))
    from django.utils import translation

    with translation.override("fr"):  # invited in the child's language, the parent's new login speaks it
        on_behalf = translation.gettext("On behalf of this client")
    assert page.status_code == 200 and on_behalf in text_of(page) and on_behalf != "On behalf of this client"
    assert client.get(portal_url(team, f"{sibling.pk}/")).status_code == 404
    joined = AuditEvent.objects.get(event_code="client.portal_joined")
    assert joined.role == "representative" and joined.client_id == str(child.pk)

    with scope(workspace=team.workspace):
        Relationship.objects.filter(pk=rel.pk).update(portal_access=False)
    assert client.get(portal_url(team, f"{child.pk}/")).status_code == 404


def test_a_representative_is_told_in_their_language_when_the_client_is_cancelled_and_restored_r_mem_1(
        team, django_capture_on_commit_callbacks):
    """Someone using the portal on a client's behalf (a parent) loses it with the client's cancellation
    and gets it back with the restore — and is e-mailed both times, in their own language."""
    from django.utils import translation

    from praxis.accounts.models import User

    child = make(team, first_name="Mila", last_name="Kind", date_of_birth="01-01-2016", language="fr")
    with scope(workspace=team.workspace):
        mother = Contact.objects.create(workspace=team.workspace, name="Marie Kind", email="marie@example.test")
        rel = Relationship.objects.create(workspace=team.workspace, client=child, contact=mother, kind="parent",
                                          portal_access=True)
    token = invite(team, child, relationship_id=rel.pk)
    marie = accept_new(token, first_name="Marie")
    User.objects.filter(pk=marie.pk).update(language="de")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(workspace=team.workspace):
        clients_cancel(access=team.access("owner"), client_ids=[child.pk])
    [cancelled] = mail.outbox
    with translation.override("de"):
        ended = translation.gettext("Your portal access for %(client)s at %(workspace)s has ended")
    assert ended != "Your portal access for %(client)s at %(workspace)s has ended"  # translated
    assert cancelled.to == ["marie@example.test"]
    assert cancelled.subject == ended % {"client": "Mila Kind", "workspace": team.workspace.name}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(workspace=team.workspace):
        clients_restore(access=team.access("owner"), client_ids=[child.pk])
    [restored] = mail.outbox
    assert restored.to == ["marie@example.test"] and "Mila Kind" in restored.subject


def test_on_behalf_needs_a_relationship_with_portal_access(team):
    from praxis.core.errors import ServiceError

    child = make(team, first_name="Mila", last_name="Kind")
    with scope(workspace=team.workspace):
        gp = Contact.objects.create(workspace=team.workspace, name="Dr. Huis", email="gp@example.test")
        rel = Relationship.objects.create(workspace=team.workspace, client=child, contact=gp,
                                          kind="referring_professional")
    with pytest.raises(ServiceError) as refused:
        invite(team, child, relationship_id=rel.pk)
    assert refused.value.code == "invalid_relationship"


# --- the API ------------------------------------------------------------------------------------------

def test_api_lists_only_the_callers_own_records(team, client):
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test")
    other = make(team, first_name="Bram", last_name="Anderman", email="bram@example.test")
    user = accept_new(invite(team, zoe))
    browser = logged_in(client, user)
    listed = browser.get("/api/v1/me/client-records").json()
    assert listed["count"] == 1
    [item] = listed["items"]
    assert item["id"] == zoe.pk and item["own"] is True and item["workspace"] == team.workspace.slug
    detail = browser.get(f"/api/v1/me/client-records/{zoe.pk}").json()
    assert detail["first_name"] == "Zoë" and detail["access_history"][0]["code"] == "client.portal_viewed"
    assert browser.get(f"/api/v1/me/client-records/{zoe.pk}/data").json()["client"]["email"] == "zoe.visser@example.test"
    for path in (f"/api/v1/me/client-records/{other.pk}", f"/api/v1/me/client-records/{other.pk}/data"):
        response = browser.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    # A staff member who is nobody's client has no portal records.
    assert logged_in(client, team.owner).get("/api/v1/me/client-records").json() == {"items": [], "count": 0}


# --- the browser ---------------------------------------------------------------------------------------

def test_accept_and_portal_in_the_browser_at_390_and_1280_with_axe(team, page, live_server):
    """R-CLI-11: a new person accepts through the sign-up form and lands on their portal; both pages fit
    390 and 1280 px and pass axe (serious/critical)."""
    from playwright.sync_api import expect

    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser@example.test", phone="0612345678")
    token = invite(team, zoe)
    walker.install_axe(page.context)
    page.goto(f"{live_server.url}/portal/invite/{token}/?lang=en")
    problems = walker.check_page(page, where="portal invite", widths=(390, 1280))
    page.get_by_label("First name").fill("Zoë")
    page.get_by_label("Last name").fill("Visser")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password_repeat]").fill(PASSWORD)
    page.get_by_role("button", name="Create account and open the portal").click()
    expect(page.get_by_role("heading", name="Zoë Visser", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Access history")).to_be_visible()
    expect(page.get_by_role("link", name="Download my data (JSON)")).to_be_visible()
    problems += walker.check_page(page, where="portal record", widths=(390, 1280))
    assert not problems, "\n".join(problems)
    assert reload(zoe).user_id is not None


def test_pending_invitation_row_fits_every_width_passes_axe_and_revokes_in_the_browser(team, page, live_server):
    """The record's pending portal invitation (R-CLI-11), in Dutch (the owner's language), at 390, 768 and
    1280 px with axe; "Revoke" withdraws it and the row goes."""
    from django.utils import translation
    from playwright.sync_api import expect

    from praxis.accounts.models import User

    User.objects.filter(pk=team.owner.pk).update(language="nl")
    zoe = make(team, first_name="Zoë", last_name="Visser", email="zoe.visser.met.een.lang.adres@example.test")
    invite(team, zoe)
    with translation.override("nl"):
        pending, revoke = translation.gettext("Pending portal invitations"), translation.gettext("Revoke")
        withdrawn = translation.gettext("The portal invitation to %(email)s was withdrawn; its link no longer works.")
    walker.install_axe(page.context)
    page.context.add_cookies([walker.session_cookie(team.owner, live_server.url)])
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/clients/{zoe.pk}/")
    expect(page.get_by_role("list", name=pending)).to_be_visible()
    problems = walker.check_page(page, where="record with pending invitation", widths=(390, 768, 1280))
    assert not problems, "\n".join(problems)
    page.get_by_role("button", name=revoke).click()
    expect(page.get_by_text(withdrawn % {"email": zoe.email})).to_be_visible()
    expect(page.get_by_role("list", name=pending)).to_have_count(0)


def test_someone_acting_for_two_clients_chooses_on_the_portals_start(team, client):
    """A parent of two children (and a client themself) sees the three records to choose from, and
    only those."""
    parent = make(team, first_name="Marie", last_name="Kind", email="marie@example.test")
    kids = [make(team, first_name=name, last_name="Kind") for name in ("Mila", "Noor")]
    stranger = make(team, first_name="Vreemd", last_name="Ander")
    with scope(workspace=team.workspace):
        rels = [Relationship.objects.create(workspace=team.workspace, client=kid, other_client=parent,
                                            kind="parent", portal_access=True) for kid in kids]
    user = accept_new(invite(team, parent), first_name="Marie")
    for kid, rel in zip(kids, rels, strict=True):
        with scope(workspace=team.workspace):
            _inv, token = portal.portal_invitation_create(access=team.access("owner"), client_id=kid.pk,
                                                          relationship_id=rel.pk)
        portal.portal_invitation_accept(token=token, user=user)
    page = logged_in(client, user).get(portal_url(team))
    assert page.status_code == 200
    shown = text_of(page)
    assert "Marie Kind (you)" in shown and "Mila Kind" in shown and "Noor Kind" in shown
    assert "Vreemd" not in shown
    assert client.get(portal_url(team, f"{stranger.pk}/")).status_code == 404
