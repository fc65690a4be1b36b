"""Relationships of clients (R-CLI-4): every type, reciprocal types on both records from one row, links to a
client or an external contact, creating the other client / contact from the dialog, the four grants,
unlink, no relationship across workspaces (R-ROLE-4), who may change them (R-ROLE-3, R-WS-2), audit
(R-AUD-1) and a constant query count for the tab."""

import html as html_module
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from praxis.audit.models import AuditEvent
from praxis.clients import relationships as rel_services
from praxis.clients.models import Client, Contact, Relationship, RelationshipType
from praxis.core.errors import NotFound, PermissionDenied, ServiceError
from praxis.testing.team import build_team

from .factories import client_make

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
GRANTS = ("emergency_contact", "receives_information", "responsible_for_billing", "portal_access")


def logged_in(user) -> DjangoClient:
    browser = DjangoClient()
    browser.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return browser


def url(team, path: str = "") -> str:
    return f"/w/{team.workspace.slug}/clients/{path}"


def api(team, path: str) -> str:
    return f"/api/v1/workspaces/{team.workspace.slug}/{path}"


def send(browser, method: str, address: str, body=None):
    return browser.generic(method, address, data=json.dumps(body or {}), content_type="application/json")


def text_of(response) -> str:
    html = response.content.decode()
    main = html[html.find("<main"):] if "<main" in html else html
    return html_module.unescape(" ".join(re.sub(r"<[^>]+>", " ", main).split()))


def make(team, role="owner", **kwargs) -> Client:
    with scope(workspace=team.workspace):
        return client_make(team.access(role), **kwargs)


def link(team, client, *, role="owner", **kwargs) -> Relationship:
    with scope(workspace=team.workspace):
        return rel_services.relationship_create(access=team.access(role), client_id=client.pk, **kwargs)


def rows() -> list[Any]:
    with scopes_disabled():
        return list(Relationship.objects.order_by("pk").values())


def tab(team, user, client) -> str:
    return text_of(logged_in(user).get(url(team, f"{client.pk}/relationships/")))


def events(code: str):
    return AuditEvent.objects.filter(event_code=code)


@pytest.fixture
def family(team):
    """A minor, her mother and a third client."""
    return {
        "noor": make(team, first_name="Noor", last_name="Visser", date_of_birth="01-02-2016"),
        "eva": make(team, first_name="Eva", last_name="Visser", date_of_birth="05-06-1984"),
        "sam": make(team, first_name="Sam", last_name="De Boer"),
    }


@pytest.fixture
def other_team(make_user):
    return build_team(make_user, name="Praktijk Zuid", label="Zuid")


# --- types and reciprocity ----------------------------------------------------------------------------

EXPECTED_REVERSE = {
    "parent": "Child", "child": "Parent", "guardian": "Ward", "ward": "Guardian", "partner": "Partner",
    "sibling": "Sibling", "emergency_contact": "Is emergency contact for",
    "referring_professional": "Is referring professional for", "other": "Other",
}


@pytest.mark.parametrize("kind", [k.value for k in RelationshipType])
def test_every_type_shows_on_both_records_from_one_row_r_cli_4(kind, team, family):
    """R-CLI-4: one row per link; the linked client's record reads the reciprocal type."""
    noor, eva = family["noor"], family["eva"]
    link(team, noor, kind=kind, other_client_id=eva.pk)
    assert len(rows()) == 1
    on_noor = tab(team, team.owner, noor)
    on_eva = tab(team, team.owner, eva)
    assert f"Eva Visser {RelationshipType(kind).label}" in on_noor
    assert f"Noor Visser {EXPECTED_REVERSE[kind]}" in on_eva
    assert rel_services.RECIPROCAL[RelationshipType(kind)] in RelationshipType.values


def test_other_with_a_description_shows_the_description(team, family):
    link(team, family["noor"], kind="other", label="Oma", other_client_id=family["eva"].pk)
    assert "Eva Visser Oma" in tab(team, team.owner, family["noor"])


def test_unknown_type_is_a_field_error_and_nothing_is_written(team, family):
    with pytest.raises(ServiceError) as refused:
        link(team, family["noor"], kind="aunt", other_client_id=family["eva"].pk)
    assert refused.value.field == "kind" and rows() == []


def test_a_client_is_linked_once_either_way_round_and_never_to_themselves(team, family):
    noor, eva = family["noor"], family["eva"]
    link(team, noor, kind="parent", other_client_id=eva.pk)
    for client, other in ((noor, eva), (eva, noor)):
        with pytest.raises(ServiceError) as refused:
            link(team, client, kind="sibling", other_client_id=other.pk)
        assert refused.value.code == "duplicate"
    with pytest.raises(ServiceError) as refused:
        link(team, noor, kind="sibling", other_client_id=noor.pk)
    assert refused.value.code == "self"
    assert len(rows()) == 1


def test_changing_the_type_from_the_far_side_stores_the_reciprocal(team, family):
    noor, eva = family["noor"], family["eva"]
    relationship = link(team, noor, kind="parent", other_client_id=eva.pk)
    with scope(workspace=team.workspace):
        # On Eva's record Noor is "child"; Eva says Noor is her ward → stored from Noor's side: guardian.
        rel_services.relationship_update(access=team.access("owner"), client_id=eva.pk,
                                         relationship_id=relationship.pk, kind="ward")
    [row] = rows()
    assert (row["client_id"], row["kind"]) == (noor.pk, "guardian")
    with scope(workspace=team.workspace):
        # A one-sided type from the far side turns the row round: Noor is Eva's emergency contact.
        rel_services.relationship_update(access=team.access("owner"), client_id=eva.pk,
                                         relationship_id=relationship.pk, kind="emergency_contact")
    [row] = rows()
    assert (row["client_id"], row["other_client_id"], row["kind"]) == (eva.pk, noor.pk, "emergency_contact")
    assert "Eva Visser Is emergency contact for" in tab(team, team.owner, noor)


def test_unchanged_far_side_type_keeps_a_one_sided_type(team, family):
    noor, eva = family["noor"], family["eva"]
    relationship = link(team, noor, kind="emergency_contact", other_client_id=eva.pk)
    with scope(workspace=team.workspace):
        rel_services.relationship_update(access=team.access("owner"), client_id=eva.pk,
                                         relationship_id=relationship.pk, kind="other",
                                         grants={"receives_information": True})
    [row] = rows()
    assert row["kind"] == "emergency_contact" and row["receives_information"] is True


# --- contacts and new clients -------------------------------------------------------------------------

def test_link_to_a_new_contact_and_to_an_existing_one(team, family):
    noor, sam = family["noor"], family["sam"]
    link(team, noor, kind="referring_professional",
         new_contact={"name": "Dr. Jansen", "organisation": "Huisartsenpraktijk De Linde",
                      "email": "Jansen@Example.NL", "phone": "030 123 4567"})
    with scopes_disabled():
        contact = Contact.objects.get()
    assert (contact.email, contact.phone) == ("jansen@example.nl", "+31301234567")
    link(team, sam, kind="referring_professional", contact_id=contact.pk)
    assert "Dr. Jansen Referring professional" in tab(team, team.owner, noor)
    assert "Huisartsenpraktijk De Linde" in tab(team, team.owner, sam)
    assert events("contact.created").count() == 1


def test_new_client_from_the_relationship_goes_through_client_create(team, family):
    """The new client passes the client service: normalised, audited, counted against the limit."""
    noor = family["noor"]
    link(team, noor, kind="parent", new_client={"first_name": "Bram", "last_name": "Visser",
                                                "date_of_birth": "1982-03-04", "email": "Bram@Example.NL",
                                                "phone": "06 12345678"})
    with scopes_disabled():
        bram = Client.objects.get(first_name="Bram")
    assert (bram.email, bram.phone, str(bram.date_of_birth)) == ("bram@example.nl", "+31612345678", "1982-03-04")
    assert events("client.created").filter(client_id=str(bram.pk)).count() == 1
    assert "Noor Visser Child" in tab(team, team.owner, bram)


def test_invalid_new_client_leaves_nothing_half_written(team, family):
    with scopes_disabled():
        before = Client.objects.count()
    with pytest.raises(ServiceError) as refused:
        link(team, family["noor"], kind="parent", new_client={"first_name": "Bram", "last_name": "Visser",
                                                              "email": "geen-adres"})
    assert refused.value.field == "new_client.email"
    with scopes_disabled():
        assert not Client.objects.filter(first_name="Bram").exists()
        assert Client.objects.count() == before
    assert rows() == []


def test_new_client_counts_against_the_client_limit(team, family):
    """SPEC §4 through `client_create`: a free account's 11th active client is refused from the dialog
    too, and the relationship is not written."""
    from praxis.workspaces import licences

    from .factories import client_rows

    licences.licence_assign(user=team.owner, account_type="free", payer_workspace=None, actor=team.owner)
    client_rows(team.workspace, 7)  # + the family's three: 10
    response = logged_in(team.owner).post(url(team, f"{family['noor'].pk}/relationships/new/"),
                                          {"kind": "parent", "target": "new_client",
                                           "new_client.first_name": "Elf", "new_client.last_name": "De Elfde"})
    assert response.status_code == 200 and "allows 10 active clients" in text_of(response)
    assert rows() == []
    with scopes_disabled():
        assert not Client.objects.filter(first_name="Elf").exists()


# --- grants and unlink --------------------------------------------------------------------------------

def test_the_four_grants_are_stored_and_shown(team, family):
    noor, eva = family["noor"], family["eva"]
    relationship = link(team, noor, kind="parent", other_client_id=eva.pk,
                        grants={"portal_access": True, "responsible_for_billing": True})
    text = tab(team, team.owner, noor)
    assert "Responsible for billing" in text and "Portal access on the client's behalf" in text
    assert "May receive information" not in text
    with scope(workspace=team.workspace):
        rel_services.relationship_update(access=team.access("owner"), client_id=noor.pk,
                                         relationship_id=relationship.pk,
                                         grants={name: True for name in GRANTS})
    [row] = rows()
    assert all(row[name] for name in GRANTS)
    # On the parent's record the grants read as hers for her daughter.
    assert "Eva Visser for Noor Visser Emergency contact, May receive information" in tab(team, team.owner, eva)
    event = events("relationship.updated").get()
    assert event.data["fields"] == ["emergency_contact", "receives_information"]
    assert event.client_id == str(noor.pk)


def test_grants_must_be_booleans(team, family):
    with pytest.raises(ServiceError) as refused:
        link(team, family["noor"], kind="parent", other_client_id=family["eva"].pk, grants={"portal_access": "ja"})
    assert refused.value.field == "portal_access" and rows() == []


def test_unlink_removes_only_the_relationship_and_is_audited(team, family):
    noor, eva = family["noor"], family["eva"]
    relationship = link(team, noor, kind="parent", other_client_id=eva.pk)
    contact_rel = link(team, noor, kind="other", new_contact={"name": "Opa Piet"})
    with scope(workspace=team.workspace):
        rel_services.relationship_delete(access=team.access("owner"), client_id=eva.pk,
                                         relationship_id=relationship.pk)
        rel_services.relationship_delete(access=team.access("owner"), client_id=noor.pk,
                                         relationship_id=contact_rel.pk)
    assert rows() == []
    with scopes_disabled():
        assert Client.objects.filter(pk__in=[noor.pk, eva.pk], status="active").count() == 2
        assert Contact.objects.filter(name="Opa Piet").exists()
    assert events("relationship.deleted").count() == 2
    assert events("relationship.created").count() == 2


# --- across workspaces (R-ROLE-4) ---------------------------------------------------------------------

def test_another_workspaces_client_or_contact_is_not_found(team, other_team, family):
    theirs = make(other_team, first_name="Vreemd", last_name="Ander")
    their_contact = link(other_team, theirs, kind="other", new_contact={"name": "Hun Contact"}).contact
    for kwargs in ({"other_client_id": theirs.pk}, {"contact_id": their_contact.pk},
                   {"other_client_id": 99_999_999}):
        with pytest.raises(NotFound):
            link(team, family["noor"], kind="sibling", **kwargs)
    with pytest.raises(NotFound):  # and their client as the client
        link(team, theirs, kind="sibling", other_client_id=family["noor"].pk)
    with scopes_disabled():
        assert Relationship.objects.filter(workspace=team.workspace).count() == 0


def test_cross_workspace_html_and_api_answer_404_and_change_nothing(team, other_team, family):
    theirs = make(other_team, first_name="Vreemd", last_name="Ander")
    their_rel = link(other_team, theirs, kind="other", new_contact={"name": "Hun Contact"})
    noor = family["noor"]
    own_rel = link(team, noor, kind="parent", other_client_id=family["eva"].pk)
    before = rows()
    browser = logged_in(team.owner)
    html = {
        f"{theirs.pk}/relationships/new/": {"kind": "parent", "target": "client", "other_client": noor.pk},
        f"{noor.pk}/relationships/new/": {"kind": "parent", "target": "client", "other_client": theirs.pk},
        f"{noor.pk}/relationships/{their_rel.pk}/edit/": {"kind": "sibling"},
        f"{noor.pk}/relationships/{their_rel.pk}/delete/": {},
        f"{theirs.pk}/relationships/{own_rel.pk}/delete/": {},
    }
    statuses = {}
    for path, body in html.items():
        response = browser.post(url(team, path), body)
        statuses[path] = response.status_code
        if response.status_code == 200:  # a form error on our own page, naming nothing of theirs
            assert "Vreemd" not in response.content.decode()
    assert statuses[f"{theirs.pk}/relationships/new/"] == 404
    assert statuses[f"{noor.pk}/relationships/{their_rel.pk}/edit/"] == 404
    assert statuses[f"{noor.pk}/relationships/{their_rel.pk}/delete/"] == 404
    assert statuses[f"{theirs.pk}/relationships/{own_rel.pk}/delete/"] == 404
    assert browser.post(url(team, f"{noor.pk}/relationships/new/"),
                        {"kind": "parent", "target": "client", "other_client": theirs.pk}).status_code == 404
    apis = [
        ("POST", f"clients/{noor.pk}/relationships", {"kind": "sibling", "other_client": theirs.pk}),
        ("POST", f"clients/{noor.pk}/relationships", {"kind": "other", "contact": their_rel.contact_id}),
        ("GET", f"clients/{theirs.pk}/relationships", None),
        ("PATCH", f"clients/{noor.pk}/relationships/{their_rel.pk}", {"kind": "sibling"}),
        ("DELETE", f"clients/{noor.pk}/relationships/{their_rel.pk}", None),
        ("DELETE", f"clients/{theirs.pk}/relationships/{own_rel.pk}", None),
    ]
    for method, path, body in apis:
        response = send(browser, method, api(team, path), body)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["code"] == "not_found"
    assert rows() == before


# --- who may change relationships -----------------------------------------------------------------------

def test_staff_see_relationships_but_cannot_change_them_and_nothing_changes(team, family):
    noor, eva = family["noor"], family["eva"]
    relationship = link(team, noor, kind="parent", other_client_id=eva.pk)
    before = rows()
    page = logged_in(team.staff).get(url(team, f"{noor.pk}/relationships/")).content.decode()
    assert "Eva Visser" in page and "relationships/new/" not in page and "/delete/" not in page
    browser = logged_in(team.staff)
    assert browser.get(url(team, f"{noor.pk}/relationships/new/")).status_code == 403
    assert browser.post(url(team, f"{noor.pk}/relationships/new/"),
                        {"kind": "sibling", "target": "new_contact", "new_contact.name": "X"}).status_code == 403
    assert browser.post(url(team, f"{noor.pk}/relationships/{relationship.pk}/edit/"),
                        {"kind": "sibling", "portal_access": "on"}).status_code == 403
    assert browser.post(url(team, f"{noor.pk}/relationships/{relationship.pk}/delete/")).status_code == 403
    assert send(browser, "POST", api(team, f"clients/{noor.pk}/relationships"),
                {"kind": "sibling", "other_client": family["sam"].pk}).status_code == 403
    assert send(browser, "PATCH", api(team, f"clients/{noor.pk}/relationships/{relationship.pk}"),
                {"portal_access": True}).status_code == 403
    assert send(browser, "DELETE", api(team, f"clients/{noor.pk}/relationships/{relationship.pk}")).status_code == 403
    assert send(browser, "POST", api(team, "client-contacts"), {"name": "X"}).status_code == 403
    assert rows() == before
    with scopes_disabled():
        assert not Contact.objects.exists()
    # Every refusal is an audited 403 (R-AUD-1).
    assert events("permission.refused").filter(outcome="refused", user=team.staff).count() >= 8
    with scope(workspace=team.workspace), pytest.raises(PermissionDenied):
        rel_services.relationship_delete(access=team.access("staff"), client_id=noor.pk,
                                         relationship_id=relationship.pk)


def test_team_clinician_links_only_clients_they_can_see_r_ws_2(make_user):
    team = build_team(make_user, tier="team", label="Team")
    clinician = team.members["clinician"]
    mine = make(team, first_name="Mira", last_name="Toegewezen", clinician_ids=[clinician.pk])
    other = make(team, first_name="Otto", last_name="Nietvanjou")
    with scope(workspace=team.workspace), pytest.raises(NotFound):
        rel_services.relationship_create(access=team.access("clinician"), client_id=mine.pk, kind="sibling",
                                         other_client_id=other.pk)
    assert rows() == []
    # The search of the dialog does not offer Otto either.
    found = logged_in(team.clinician).get(url(team, f"{mine.pk}/relationships/search/?q=otto"), headers=HTMX)
    assert "Otto" not in found.content.decode()
    # A link the owner made shows on Mira's record, without a link to Otto's record.
    link(team, mine, kind="sibling", other_client_id=other.pk)
    page = logged_in(team.clinician).get(url(team, f"{mine.pk}/relationships/")).content.decode()
    assert "Otto Nietvanjou" in page and f"/clients/{other.pk}/" not in page
    # A new client made from the dialog is assigned to the clinician, so they keep seeing them.
    with scope(workspace=team.workspace):
        created = rel_services.relationship_create(access=team.access("clinician"), client_id=mine.pk,
                                                   kind="parent",
                                                   new_client={"first_name": "Nieuw", "last_name": "Ouder"})
        assert list(created.other_client.clinicians.all()) == [clinician]


# --- HTML: the dialog and the no-JavaScript page ------------------------------------------------------

def test_dialog_opens_searches_and_links_an_existing_client(team, family):
    noor, eva = family["noor"], family["eva"]
    browser = logged_in(team.clinician)
    dialog = browser.get(url(team, f"{noor.pk}/relationships/new/"), headers=HTMX).content.decode()
    assert dialog.lstrip().startswith("<dialog") and "<html" not in dialog
    found = browser.get(url(team, f"{noor.pk}/relationships/search/?q=visser"), headers=HTMX).content.decode()
    assert f'value="{eva.pk}"' in found and f'value="{noor.pk}"' not in found  # never the client herself
    response = browser.post(url(team, f"{noor.pk}/relationships/new/"),
                            {"kind": "parent", "target": "client", "q": "visser", "other_client": eva.pk,
                             "portal_access": "on"}, headers=HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#record-panel"
    body = response.content.decode()
    assert 'id="record-panel"' in body and "Eva Visser" in body and 'id="dialog-slot" hx-swap-oob' in body
    [row] = rows()
    assert (row["kind"], row["other_client_id"], row["portal_access"]) == ("parent", eva.pk, True)


def test_without_javascript_search_then_create_a_new_client(team, family):
    noor = family["noor"]
    browser = logged_in(team.owner)
    page = browser.get(url(team, f"{noor.pk}/relationships/new/"))
    assert "<html" in page.content.decode() and "Add a relationship of Noor Visser" in text_of(page)
    searched = browser.post(url(team, f"{noor.pk}/relationships/new/"),
                            {"kind": "", "target": "client", "q": "eva", "action": "search"})
    assert searched.status_code == 200 and "Eva Visser" in text_of(searched) and rows() == []
    assert "errorlist" not in searched.content.decode()  # a look-up, not a refused save
    assert 'value="eva"' in searched.content.decode()  # what was typed stays
    bad = browser.post(url(team, f"{noor.pk}/relationships/new/"),
                       {"kind": "parent", "target": "new_client", "new_client.first_name": "Bram",
                        "new_client.last_name": "", "new_client.date_of_birth": "31-02-1980"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode() and rows() == []
    done = browser.post(url(team, f"{noor.pk}/relationships/new/"),
                        {"kind": "parent", "target": "new_client", "new_client.first_name": "Bram",
                         "new_client.last_name": "Visser", "new_client.date_of_birth": "04-03-1982",
                         "receives_information": "on"})
    assert done.status_code == 302 and done["Location"].endswith(f"/clients/{noor.pk}/relationships/")
    assert "Bram Visser Parent" in text_of(browser.get(done["Location"]))


def test_choosing_no_client_is_a_form_error(team, family):
    response = logged_in(team.owner).post(url(team, f"{family['noor'].pk}/relationships/new/"),
                                          {"kind": "parent", "target": "client", "q": ""})
    assert response.status_code == 200 and "Find the client and choose them from the list." in text_of(response)
    assert rows() == []


def test_edit_and_unlink_pages(team, family):
    noor, eva = family["noor"], family["eva"]
    relationship = link(team, noor, kind="parent", other_client_id=eva.pk)
    browser = logged_in(team.owner)
    edit = url(team, f"{eva.pk}/relationships/{relationship.pk}/edit/")
    form = browser.get(edit).content.decode()
    assert 'value="child" selected' in form  # the type as Eva's record reads it
    assert browser.post(edit, {"kind": "child", "emergency_contact": "on"}).status_code == 302
    [row] = rows()
    assert (row["kind"], row["emergency_contact"]) == ("parent", True)
    delete = url(team, f"{noor.pk}/relationships/{relationship.pk}/delete/")
    assert "Unlink Eva Visser?" in text_of(browser.get(delete))
    dialog = browser.get(delete, headers=HTMX).content.decode()
    assert dialog.lstrip().startswith("<dialog")
    assert browser.post(delete, headers=HTMX)["HX-Retarget"] == "#record-panel"
    assert rows() == []


# --- API ----------------------------------------------------------------------------------------------

def test_api_lists_creates_updates_and_deletes(team, family):
    noor, eva = family["noor"], family["eva"]
    browser = logged_in(team.owner)
    created = send(browser, "POST", api(team, f"clients/{noor.pk}/relationships"),
                   {"kind": "parent", "other_client": eva.pk, "portal_access": True})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "parent" and body["other_client"]["id"] == eva.pk and body["portal_access"] is True
    from_eva = send(browser, "GET", api(team, f"clients/{eva.pk}/relationships")).json()
    assert [(r["id"], r["kind"], r["stored_kind"], r["other_client"]["id"]) for r in from_eva] == [
        (body["id"], "child", "parent", noor.pk)]
    patched = send(browser, "PATCH", api(team, f"clients/{eva.pk}/relationships/{body['id']}"),
                   {"receives_information": True})
    assert patched.status_code == 200 and patched.json()["receives_information"] is True
    assert patched.json()["portal_access"] is True  # not sent: unchanged
    contact = send(browser, "POST", api(team, "client-contacts"),
                   {"name": "Dr. Jansen", "phone": "030 123 4567"})
    assert contact.status_code == 201 and contact.json()["phone"] == "+31301234567"
    assert [c["name"] for c in send(browser, "GET", api(team, "client-contacts")).json()] == ["Dr. Jansen"]
    with_contact = send(browser, "POST", api(team, f"clients/{noor.pk}/relationships"),
                        {"kind": "referring_professional", "contact": contact.json()["id"]})
    assert with_contact.json()["contact"]["name"] == "Dr. Jansen"
    new_client = send(browser, "POST", api(team, f"clients/{noor.pk}/relationships"),
                      {"kind": "sibling", "new_client": {"first_name": "Lotte", "last_name": "Visser"}})
    assert new_client.status_code == 201 and new_client.json()["other_client"]["first_name"] == "Lotte"
    assert send(browser, "DELETE", api(team, f"clients/{noor.pk}/relationships/{body['id']}")).status_code == 204
    assert len(rows()) == 2


def test_api_bad_input_is_a_json_error_and_changes_nothing(team, family):
    noor = family["noor"]
    browser = logged_in(team.owner)
    cases = [
        ({"kind": "sibling", "new_client": {"first_name": "X", "last_name": "Y", "email": "nope"}},
         "invalid_email", "new_client.email"),
        ({"kind": "sibling", "new_contact": {"name": "  "}}, "required", "new_contact.name"),
        ({"kind": "sibling"}, "one_other_end", "other"),
        ({"kind": "sibling", "other_client": noor.pk}, "self", "other_client"),
    ]
    for body, code, field in cases:
        response = send(browser, "POST", api(team, f"clients/{noor.pk}/relationships"), body)
        assert response.status_code == 400, response.content
        assert (response.json()["code"], response.json()["field"]) == (code, field)
        assert response.json()["detail"]
    assert send(browser, "POST", api(team, f"clients/{noor.pk}/relationships"),
                {"kind": "aunt", "other_client": family["eva"].pk}).status_code == 422
    assert rows() == []
    with scopes_disabled():
        assert not Contact.objects.exists() and not Client.objects.filter(first_name="X").exists()


# --- query count ---------------------------------------------------------------------------------------

def _tab_queries(browser, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(address).status_code == 200
    return len(captured)


def test_tab_costs_the_same_queries_for_1_and_10_relationships(team, family):
    """Issue 7 performance: the Relationships tab in a constant number of queries (no N+1 over the other
    ends, clients or contacts, from either side)."""
    noor = family["noor"]
    link(team, noor, kind="parent", other_client_id=family["eva"].pk)
    browser = logged_in(team.owner)
    address = url(team, f"{noor.pk}/relationships/")
    browser.get(address)  # warm-up (session, caches)
    one = _tab_queries(browser, address)
    kinds = ["sibling", "partner", "guardian", "ward", "other", "emergency_contact", "referring_professional"]
    for i, kind in enumerate(kinds):
        other = make(team, first_name=f"Familie{i}", last_name="Visser")
        if i % 2:
            link(team, other, kind=kind, other_client_id=noor.pk)  # stored from the other side
        else:
            link(team, noor, kind=kind, other_client_id=other.pk)
    link(team, noor, kind="other", new_contact={"name": "Opa Piet"})
    link(team, noor, kind="referring_professional", new_contact={"name": "Dr. Jansen", "organisation": "GGZ"})
    assert len(rows()) == 10
    ten = _tab_queries(browser, address)
    assert one == ten
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(address)
    text = text_of(response)
    assert "Opa Piet" in text and "Familie6 Visser" in text
    assert len(captured) == ten
