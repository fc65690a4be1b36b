"""The client list, "+ New client", the record page and its Personal tab in HTML (R-CLI-1, R-CLI-2, R-CLI-8,
R-MEM-1, R-MEM-4, R-AUD-1, R-ROLE-3; seeds 003 and 004)."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django_scopes import scope, scopes_disabled

from praxis.audit.models import AuditEvent
from praxis.clients import forms
from praxis.clients.fields import BUILTIN_FIELDS
from praxis.clients.models import Client, CustomField, CustomSection
from praxis.clients.views.records import PAGE_SIZE

from .factories import client_make, client_rows

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def url(team, path: str = "") -> str:
    return f"/w/{team.workspace.slug}/clients/{path}"


def logged_in(client, user):
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def text_of(response) -> str:
    """The visible text of a page's <main> (tags stripped), for "is this shown" assertions."""
    html = response.content.decode()
    main = html[html.find("<main"):] if "<main" in html else html
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def events(code: str):
    return AuditEvent.objects.filter(event_code=code)


def make(team, role="owner", **kwargs):
    with scope(workspace=team.workspace):
        return client_make(team.access(role), **kwargs)


def reload(client_obj) -> Client:
    with scopes_disabled():
        return Client.objects.get(pk=client_obj.pk)


def test_every_builtin_field_sits_in_exactly_one_section():
    names = [n for names in forms.BUILTIN_SECTION_FIELDS.values() for n in names if n not in forms.CARE_FIELDS]
    assert sorted(names) == sorted(BUILTIN_FIELDS) and len(names) == len(set(names))


def test_required_marks_come_from_the_validator():
    assert {n for n in BUILTIN_FIELDS if forms.builtin_required(n)} == {"first_name", "last_name"}


# --- the list -----------------------------------------------------------------------------------------

def test_list_shows_the_columns_r_cli_1(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen", preferred_name="Annie", email="Anna@Example.NL",
                phone="06 12345678", date_of_birth="03-04-1980", clinician_ids=[team.members["clinician"].pk],
                tag_names=["Wachtlijst"])
    response = logged_in(client, team.owner).get(url(team))
    assert response.status_code == 200
    html = response.content.decode()
    # The row links are the list's address + id: the record's route says so too.
    record = reverse("clients:record", kwargs={"ws": team.workspace.slug, "client_id": anna.pk})
    assert f'href="{record}"' in html and record == f"{url(team)}{anna.pk}/"
    text = text_of(response)
    assert "Annie (Anna) Jansen" in text
    assert "anna@example.nl" in text
    assert "+31 6 12345678" in text  # stored E.164, shown in international notation
    assert "Clara Clinician" in text and "Wachtlijst" in text
    assert "Active (1)" in text and "Cancelled (0)" in text


def test_empty_list_says_what_to_do(team, client):
    text = text_of(logged_in(client, team.owner).get(url(team)))
    assert "No clients yet" in text and "+ New client" in text
    try:
        reverse("clients:import", kwargs={"ws": team.workspace.slug})
    except NoReverseMatch:
        assert "Import" not in text  # the import page belongs to the import module: no dead link
    else:
        assert "Import" in text
    staff_text = text_of(logged_in(client, team.staff).get(url(team)))
    assert "No clients yet" in staff_text and "+ New client" not in staff_text


def test_search_is_audited_with_query_and_hits_r_aud_1(team, client):
    make(team, first_name="Zoë", last_name="de Vries")
    make(team, first_name="Piet", last_name="Müller")
    response = logged_in(client, team.clinician).get(url(team) + "?q=zoe")
    text = text_of(response)
    assert "Zoë de Vries" in text and "Müller" not in text and "1 client found" in text
    event = events("client.searched").get()
    assert event.query == "zoe" and event.data["hits"] == 1 and event.role == "clinician"
    logged_in(client, team.clinician).get(url(team))  # no query: no search entry
    assert events("client.searched").count() == 1


def test_filters_by_clinician_and_tag(team, client):
    clinician = team.members["clinician"].pk
    make(team, first_name="Mine", last_name="A", clinician_ids=[clinician])
    make(team, first_name="Tagged", last_name="B", tag_names=["Groep"])
    make(team, first_name="Neither", last_name="C")
    page = logged_in(client, team.owner)
    assert [n for n in ("Mine", "Tagged", "Neither") if n in text_of(page.get(url(team) + f"?clinician={clinician}"))] == ["Mine"]
    with scope(workspace=team.workspace):
        tag = team.workspace.client_tags.get(name="Groep")
    assert [n for n in ("Mine", "Tagged", "Neither") if n in text_of(page.get(url(team) + f"?tag={tag.pk}"))] == ["Tagged"]
    assert "Neither" in text_of(page.get(url(team) + "?clinician=nonsense"))  # a bad filter is ignored


def test_keyset_pages_are_stable_and_complete_r_cli_8(team, client):
    """Next / previous by cursor: every client once, in name order, and back again."""
    client_rows(team.workspace, 2 * PAGE_SIZE + 7)
    browser = logged_in(client, team.owner)
    seen, pages, next_url = [], [], url(team)
    while next_url:
        response = browser.get(next_url)
        html = response.content.decode()
        names = re.findall(r">(Bulk\d{6}) Rij<", html)
        pages.append((next_url, names))
        seen += names
        found = re.search(r'rel="next" href="([^"]+)"', html)
        next_url = url(team) + found.group(1).replace("&amp;", "&") if found else None
    assert [len(names) for _u, names in pages] == [PAGE_SIZE, PAGE_SIZE, 7]
    assert seen == sorted(seen) and len(set(seen)) == len(seen) == 2 * PAGE_SIZE + 7
    html = browser.get(pages[-1][0]).content.decode()
    previous = re.search(r'rel="prev" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert re.findall(r">(Bulk\d{6}) Rij<", browser.get(url(team) + previous).content.decode()) == pages[1][1]
    assert 'rel="prev"' not in browser.get(url(team)).content.decode()


def test_keyset_cursor_never_holds_a_name(team, client):
    client_rows(team.workspace, PAGE_SIZE + 1)
    html = logged_in(client, team.owner).get(url(team)).content.decode()
    link = re.search(r'rel="next" href="([^"]+)"', html).group(1)
    assert re.fullmatch(r"\?after=\d+", link)


def _list_queries(browser, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(address).status_code == 200
    return len(queries)


def test_list_costs_the_same_queries_for_5_and_50_clients(team, client):
    """A page of 50 in a constant number of queries (issue 7 performance): care team, tags and counts
    are read once per page, whatever the number of rows; the same with a search and a filter."""
    tag_names = ["Wachtlijst", "Groep"]
    clinicians = [team.members["clinician"].pk, team.members["owner"].pk]

    def add(n):
        for i in range(n):
            make(team, first_name=f"Query{i}", last_name="Teller", phone="0612345678", date_of_birth="01-01-1990",
                 clinician_ids=clinicians, tag_names=tag_names)

    browser = logged_in(client, team.owner)
    add(5)
    addresses = [url(team), url(team) + "?q=teller", url(team) + f"?clinician={clinicians[0]}"]
    browser.get(addresses[0])  # warm-up (session, caches)
    small = [_list_queries(browser, a) for a in addresses]
    add(45)
    large = [_list_queries(browser, a) for a in addresses]
    assert small == large
    # On PostgreSQL a search reads its page inside `selectors.search_plan` (savepoint, two settings).
    assert max(large) <= (24 if connection.vendor == "postgresql" else 20), large


def test_htmx_tab_switch_swaps_only_the_panel(team, client):
    make(team, first_name="Weg", last_name="Gegaan")
    browser = logged_in(client, team.owner)
    panel = browser.get(url(team) + "?status=cancelled", headers=HTMX).content.decode()
    assert panel.lstrip().startswith('<div id="client-panel">') and "<html" not in panel
    assert "No cancelled clients" in panel


# --- cancel and restore (seed 003, R-MEM-1, R-MEM-4) -------------------------------------------------

def test_bulk_cancel_confirms_first_then_cancels_r_mem_1(team, client):
    a, b = make(team, first_name="Eerste", last_name="A"), make(team, first_name="Tweede", last_name="B")
    browser = logged_in(client, team.assistant)  # members.manage

    dialog = browser.post(url(team) + "cancel/", {"ids": [a.pk, b.pk]}, headers=HTMX).content.decode()
    assert "<dialog" in dialog and "Cancel 2 clients?" in dialog
    page = browser.post(url(team) + "cancel/", {"ids": [a.pk, b.pk]})
    assert page.status_code == 200 and "Cancel 2 clients?" in text_of(page)
    assert reload(a).status == "active"  # nothing happens before the confirmation

    done = browser.post(url(team) + "cancel/", {"ids": [a.pk, b.pk], "confirm": "1"}, follow=True)
    assert "2 clients were cancelled." in text_of(done)
    assert {reload(a).status, reload(b).status} == {"cancelled"}
    assert events("client.cancelled").count() == 2
    cancelled = text_of(browser.get(url(team) + "?status=cancelled"))
    assert "Eerste A" in cancelled and "Active (0)" in cancelled and "Cancelled (2)" in cancelled

    restored = browser.post(url(team) + "restore/", {"ids": [a.pk]}, follow=True)
    assert "1 client was restored." in text_of(restored)
    assert reload(a).status == "active" and reload(b).status == "cancelled"
    assert events("client.restored").count() == 1
    with scopes_disabled():
        assert Client.objects.count() == 2  # nothing is deleted (R-MEM-4)


def test_cancel_from_the_record_returns_to_the_record(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen")
    browser = logged_in(client, team.owner)
    response = browser.post(url(team) + "cancel/", {"ids": [anna.pk], "confirm": "1", "return_to": "record"})
    assert response.status_code == 302 and response["Location"] == url(team) + f"{anna.pk}/"
    record = text_of(browser.get(response["Location"]))
    assert "Cancelled" in record and "Restore client" in record


def test_cancel_needs_members_manage_and_changes_nothing(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen")
    response = logged_in(client, team.clinician).post(url(team) + "cancel/", {"ids": [anna.pk], "confirm": "1"})
    assert response.status_code == 403
    assert reload(anna).status == "active"
    assert "Cancel client" not in text_of(client.get(url(team) + f"{anna.pk}/"))
    assert 'name="ids"' not in client.get(url(team)).content.decode()  # no checkboxes


def test_portal_client_is_emailed_in_their_language_on_cancel_and_restore(team, client, make_user, monkeypatch,
                                                                           django_capture_on_commit_callbacks):
    """R-MEM-1: a client with portal access is told, in their language; one without gets nothing."""
    from praxis.core import mail as core_mail

    languages = []
    render = core_mail.render_email
    monkeypatch.setattr(core_mail, "render_email",
                        lambda template, context, language: languages.append((template, language))
                        or render(template, context, language))
    portal_user = make_user("portal.client@example.test", language="en")
    with_portal = make(team, first_name="Greta", last_name="Portaal", language="de")
    without = make(team, first_name="Geen", last_name="Portaal", email="geen.portaal@example.test")
    with scopes_disabled():
        Client.objects.filter(pk=with_portal.pk).update(user=portal_user)
    browser = logged_in(client, team.owner)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(url(team) + "cancel/", {"ids": [with_portal.pk, without.pk], "confirm": "1"})
    assert [m.to for m in mail.outbox] == [["portal.client@example.test"]]
    assert languages == [("client_cancelled", "de")]
    assert "Greta" in mail.outbox[0].body and team.workspace.name in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(url(team) + "restore/", {"ids": [with_portal.pk, without.pk]})
    assert [m.to for m in mail.outbox] == [["portal.client@example.test"]] * 2
    assert languages[-1] == ("client_restored", "de")


# --- + New client (R-CLI-1, R-CLI-2) -----------------------------------------------------------------

@pytest.fixture
def custom_fields(team):
    """One custom field of every type: in a built-in section and in a custom section; one sensitive."""
    workspace = team.workspace
    with scope(workspace=workspace):
        referral = CustomSection.objects.create(workspace=workspace, name="Verwijzing", position=1)
        insurance = CustomSection.objects.create(workspace=workspace, name="Zorgverzekering", position=2)
        specs = [
            ("verwijzer", "Verwijzer", "text", referral, "", {}),
            ("toelichting", "Toelichting", "long_text", referral, "", {}),
            ("sessies", "Aantal sessies", "number", referral, "", {}),
            ("verwezen_op", "Verwezen op", "date", referral, "", {}),
            ("verzekeraar", "Verzekeraar", "single_select", insurance, "", {"choices": ["VGZ", "CZ", "Menzis"]}),
            ("dagen", "Voorkeursdagen", "multi_select", insurance, "", {"choices": ["ma", "di", "wo"]}),
            ("toestemming", "Toestemming gegeven", "checkbox", None, "care", {}),
            ("werk_email", "E-mail werk", "email", None, "contact", {}),
            ("mobiel_2", "Tweede telefoon", "phone", None, "contact", {}),
            ("diagnose", "Diagnosecode", "text", None, "personal", {"sensitive": True}),
            ("polis", "Polisnummer", "text", insurance, "", {"required": True}),
        ]
        for position, (key, label, kind, section, builtin, extra) in enumerate(specs):
            CustomField.objects.create(workspace=workspace, key=key, label=label, field_type=kind, section=section,
                                       builtin_section=builtin, position=position, **extra)
    return {"referral": referral, "insurance": insurance}


def test_new_client_form_renders_every_type_and_marks_required(team, client, custom_fields):
    html = logged_in(client, team.clinician).get(url(team) + "new/").content.decode()
    assert re.search(r'<label for="id_first_name">First name<span class="required"', html)
    assert not re.search(r'<label for="id_preferred_name">Preferred name<span class="required"', html)
    assert re.search(r'<label for="id_custom.polis">Polisnummer<span class="required"', html)
    assert 'type="date" name="date_of_birth"' in html
    assert '<textarea name="custom.toelichting"' in html
    assert 'type="number" name="custom.sessies"' in html and 'step="any"' in html
    assert 'type="date" name="custom.verwezen_op"' in html
    assert '<select name="custom.verzekeraar"' in html and '<option value="CZ">CZ</option>' in html
    assert html.count('type="checkbox" name="custom.dagen"') == 3
    assert 'type="checkbox" name="custom.toestemming"' in html
    assert 'type="email" name="custom.werk_email"' in html and 'type="tel" name="custom.mobiel_2"' in html
    assert 'name="national_id"' in html and 'name="custom.diagnose"' in html  # a clinician is clinical
    assert "<legend>Verwijzing</legend>" in html and "<legend>Zorgverzekering</legend>" in html
    # The form's own member is pre-selected as clinician.
    assert re.search(rf'<input type="checkbox" name="clinicians" value="{team.members["clinician"].pk}"[^>]*checked', html)


def test_new_client_without_clients_sensitive_has_no_sensitive_inputs_r_role_3(team, client, custom_fields):
    html = logged_in(client, team.assistant).get(url(team) + "new/").content.decode()
    for hidden in ("national_id", "National identifier", "custom.diagnose", "Diagnosecode"):
        assert hidden not in html
    assert logged_in(client, team.staff).get(url(team) + "new/").status_code == 403


def test_new_client_is_created_normalised_r_cli_1(team, client, custom_fields):
    response = logged_in(client, team.clinician).post(url(team) + "new/", {
        "first_name": " Zoë ", "last_name": "de Vries", "email": " Zoe@Example.NL ", "phone": "06 12345678",
        "date_of_birth": "2015-04-03", "national_id": "123456782", "tags": "Wachtlijst, groep ,",
        "clinicians": [team.members["clinician"].pk],
        "custom.verwijzer": "Dr. Bakker", "custom.sessies": "12", "custom.verzekeraar": "CZ",
        "custom.dagen": ["ma", "wo"], "custom.toestemming": "on", "custom.polis": "P-1", "custom.diagnose": "F41",
    })
    with scopes_disabled():
        created = Client.objects.get()
    assert response.status_code == 302 and response["Location"] == url(team) + f"{created.pk}/"
    assert (created.first_name, created.email, created.phone) == ("Zoë", "zoe@example.nl", "+31612345678")
    assert created.date_of_birth == dt.date(2015, 4, 3) and created.national_id == "123456782"
    assert created.custom == {"verwijzer": "Dr. Bakker", "sessies": "12", "verzekeraar": "CZ", "dagen": ["ma", "wo"],
                              "toestemming": True, "polis": "P-1", "diagnose": "F41"}
    with scopes_disabled():
        assert sorted(t.name for t in created.tags.all()) == ["Wachtlijst", "groep"]
        assert [m.pk for m in created.clinicians.all()] == [team.members["clinician"].pk]
    assert events("client.created").count() == 1


@time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
@pytest.mark.parametrize(("posted", "field", "message"), [
    ({"first_name": ""}, "first_name", "This field is required."),
    ({"phone": "12"}, "phone", "Enter a valid phone number"),
    ({"email": "not-an-address"}, "email", "Enter a valid e-mail address."),
    ({"date_of_birth": "2026-03-03"}, "date_of_birth", "The date of birth cannot be in the future."),
    ({"custom.sessies": "twaalf"}, "custom.sessies", "Enter a number."),
    ({"custom.verzekeraar": "Onbekend"}, "custom.verzekeraar", "Select a valid choice."),
    ({"custom.polis": ""}, "custom.polis", "This field is required."),
    ({"custom.werk_email": "x@"}, "custom.werk_email", "Enter a valid e-mail address."),
])
def test_new_client_errors_are_the_validators_and_shown_on_their_field(team, client, custom_fields, posted, field,
                                                                       message):
    data = {"first_name": "Anna", "last_name": "Jansen", "custom.polis": "P-1", **posted}
    response = logged_in(client, team.owner).post(url(team) + "new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(rf'<ul class="errorlist" id="id_{re.escape(field)}_error"><li>([^<]+)</li>', html)
    assert error and message in error.group(1), html[html.find("<form"):][:3000]
    with scopes_disabled():
        assert not Client.objects.exists()


def test_client_limit_is_told_before_and_on_create(team, client):
    """SPEC §4: a free account holds 10 active clients; the page says so, and refuses the 11th."""
    from praxis.workspaces import licences

    licences.licence_assign(user=team.owner, account_type="free", payer_workspace=None, actor=team.owner)
    client_rows(team.workspace, 10)
    browser = logged_in(client, team.owner)
    assert "allows 10 active clients" in text_of(browser.get(url(team) + "new/"))
    response = browser.post(url(team) + "new/", {"first_name": "Elf", "last_name": "De Elfde"})
    assert response.status_code == 200
    assert "allows 10 active clients" in text_of(response)
    with scopes_disabled():
        assert Client.objects.count() == 10


# --- the record page (seed 004) ----------------------------------------------------------------------

@time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
def test_record_header_and_tabs(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen", date_of_birth="03-04-1980")
    response = logged_in(client, team.owner).get(url(team) + f"{anna.pk}/")
    text = text_of(response)
    assert "Anna Jansen" in text and "45 years old" in text and "Active" in text and "Cancel client…" in text
    html = response.content.decode()
    # The record opens on its first tab: Overview (SPEC §9, seed 004 "Übersicht"), before Personal.
    assert 'aria-current="page">Overview</a>' in html and "Upcoming appointments" in text
    assert html.find(">Overview</a>") < html.find(">Personal</a>")
    from praxis.clients import tabs

    for tab in tabs.tabs_for(team.access("owner")):
        assert f'{url(team)}{anna.pk}/{tab.key}/' in html
    assert "coming soon" not in text.lower()  # no placeholder tabs ("Upcoming appointments" is real)


def test_opening_the_record_is_audited_once_per_page_view_r_aud_1(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen")
    browser = logged_in(client, team.clinician)
    browser.get(url(team) + f"{anna.pk}/")
    assert events("client.viewed").count() == 1
    edit = url(team) + f"{anna.pk}/sections/address/edit/"
    assert browser.get(edit, headers=HTMX).status_code == 200
    assert browser.post(edit, {"street": "Dorpsstraat 1", "postal_code": "1234 ab", "city": "Utrecht",
                               "country": "nl"}, headers=HTMX).status_code == 200
    assert browser.get(url(team) + f"{anna.pk}/sections/address/", headers=HTMX).status_code == 200
    assert events("client.viewed").count() == 1  # the in-place edit is not another view
    browser.get(url(team) + f"{anna.pk}/personal/", headers=HTMX)  # a tab switch is a view
    viewed = list(events("client.viewed").order_by("id"))
    assert len(viewed) == 2 and {e.client_id for e in viewed} == {str(anna.pk)}
    assert (viewed[0].role, viewed[0].permission, viewed[0].action) == ("clinician", "clients.view", "read")


def test_missing_foreign_and_unknown_tab_answer_404(team, client, make_user):
    from praxis.testing.team import build_team

    other = build_team(make_user, name="Andere Praktijk", label="B")
    theirs = make(other, first_name="Niet", last_name="Van Jou")
    anna = make(team, first_name="Anna", last_name="Jansen")
    browser = logged_in(client, team.owner)
    assert browser.get(url(team) + f"{theirs.pk}/").status_code == 404
    assert browser.get(url(team) + f"{anna.pk}/nonsense/").status_code == 404
    assert browser.get(url(team) + f"{anna.pk}/sections/nonsense/edit/").status_code == 404
    assert not events("client.viewed").exists()


def test_personal_tab_shows_sections_in_order_with_their_fields(team, client, custom_fields):
    anna = make(team, first_name="Anna", last_name="Jansen", phone="0612345678",
                custom={"verwijzer": "Dr. Bakker", "verzekeraar": "VGZ", "polis": "P-9", "toestemming": True,
                        "dagen": ["ma", "di"], "verwezen_op": "2024-02-01"})
    text = text_of(logged_in(client, team.owner).get(url(team) + f"{anna.pk}/personal/"))
    order = ["Personal details", "Contact details", "Address", "Care team", "Verwijzing", "Zorgverzekering"]
    positions = [text.find(title) for title in order]
    assert -1 not in positions and positions == sorted(positions)
    for shown in ("Dr. Bakker", "VGZ", "P-9", "ma, di", "1 February 2024", "+31 6 12345678",
                  "Toestemming gegeven Yes"):
        assert shown in text
    # A custom field in a built-in section sits in that section.
    assert text.find("Personal details") < text.find("Diagnosecode") < text.find("Contact details")


# --- editing one section in place (seed 004) ---------------------------------------------------------

def test_section_edit_saves_only_its_own_fields(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen", email="anna@example.nl", city="Utrecht",
                national_id="123456782")
    edit = url(team) + f"{anna.pk}/sections/personal/edit/"
    response = logged_in(client, team.clinician).post(edit, {
        "first_name": "Annemarie", "last_name": "Jansen", "preferred_name": "", "date_of_birth": "",
        "gender": "female", "national_id": "123456782",
        "email": "hacked@example.nl", "city": "Elders", "clinicians": [], "tags": "nieuw",  # not this section's
    }, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    section_html = html.split('<div class="page-header record-header"')[0]  # the header's quick actions are forms
    assert 'id="section-personal"' in section_html and "Annemarie" in section_html and "<form" not in section_html
    assert 'id="record-header" hx-swap-oob="true"' in html and "Annemarie Jansen" in html
    fresh = reload(anna)
    assert (fresh.first_name, fresh.gender) == ("Annemarie", "female")
    assert (fresh.email, fresh.city) == ("anna@example.nl", "Utrecht")
    with scopes_disabled():
        assert not fresh.tags.exists()
    updated = events("client.updated").get()
    assert updated.data == {"fields": ["first_name", "gender"]}
    assert "Annemarie" not in str(updated.data)  # names of fields, never values (R-AUD-1)


def test_section_edit_errors_are_shown_in_place_and_change_nothing(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen", phone="0612345678")
    edit = url(team) + f"{anna.pk}/sections/contact/edit/"
    response = logged_in(client, team.owner).post(edit, {"email": "new@example.nl", "phone": "123"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card record-section editing" id="section-contact"')
    assert re.search(r'id="id_phone_error"><li>Enter a valid phone number', html)
    assert 'value="123"' in html  # what was typed stays
    assert reload(anna).email == "" and reload(anna).phone == "+31612345678"
    assert not events("client.updated").exists()


def test_custom_section_edit_maps_errors_to_the_custom_input(team, client, custom_fields):
    anna = make(team, first_name="Anna", last_name="Jansen", custom={"polis": "P-1"})
    key = f"custom-{custom_fields['insurance'].pk}"
    edit = url(team) + f"{anna.pk}/sections/{key}/edit/"
    browser = logged_in(client, team.owner)
    form = browser.get(edit, headers=HTMX).content.decode()
    assert 'name="custom.verzekeraar"' in form and 'name="custom.verwijzer"' not in form
    bad = browser.post(edit, {"custom.verzekeraar": "VGZ", "custom.polis": ""}, headers=HTMX).content.decode()
    assert re.search(r'id="id_custom.polis_error"><li>This field is required.', bad)
    good = browser.post(edit, {"custom.verzekeraar": "VGZ", "custom.dagen": ["wo"], "custom.polis": "P-2"},
                        headers=HTMX)
    assert "VGZ" in good.content.decode()
    # Only this section's values changed; the checkbox of the care team kept the False stored at creation.
    assert reload(anna).custom == {"polis": "P-2", "verzekeraar": "VGZ", "dagen": ["wo"], "toestemming": False}
    assert events("client.updated").get().data == {
        "fields": ["custom.dagen", "custom.polis", "custom.verzekeraar"]}


def test_care_team_section_sets_clinicians_and_tags(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen", tag_names=["oud"])
    edit = url(team) + f"{anna.pk}/sections/care/edit/"
    browser = logged_in(client, team.owner)
    assert 'value="oud"' in browser.get(edit, headers=HTMX).content.decode()
    browser.post(edit, {"clinicians": [team.members["clinician"].pk], "tags": "nieuw, Groep"}, headers=HTMX)
    with scopes_disabled():
        fresh = Client.objects.get(pk=anna.pk)
        assert [m.pk for m in fresh.clinicians.all()] == [team.members["clinician"].pk]
        assert sorted(t.name for t in fresh.tags.all()) == ["Groep", "nieuw"]
    bad = browser.post(edit, {"clinicians": [team.members["staff"].pk]}, headers=HTMX).content.decode()
    assert "Select clinicians of this workspace." in bad


def test_cancel_swaps_back_the_read_only_section(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen")
    section = logged_in(client, team.owner).get(url(team) + f"{anna.pk}/sections/address/", headers=HTMX)
    html = section.content.decode()
    assert html.lstrip().startswith('<section class="card record-section" id="section-address"')
    assert "<html" not in html and "Edit" in html


def test_section_edit_works_without_htmx(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen")
    edit = url(team) + f"{anna.pk}/sections/address/edit/"
    browser = logged_in(client, team.owner)
    page = browser.get(edit)
    html = page.content.decode()
    assert "<html" in html and 'name="street"' in html and 'id="section-personal"' in html
    bad = browser.post(edit, {"country": "Netherlands"})
    assert "<html" in bad.content.decode() and "Enter a two-letter country code" in bad.content.decode()
    done = browser.post(edit, {"street": "Dorpsstraat 1", "postal_code": "1234 ab", "city": "Utrecht",
                               "country": "nl"})
    assert done.status_code == 302 and done["Location"].endswith(f"/{anna.pk}/#section-address")
    fresh = reload(anna)
    assert (fresh.postal_code, fresh.country) == ("1234 AB", "NL")
    assert "Address saved." in text_of(browser.get(done["Location"]))
    assert browser.get(url(team) + f"{anna.pk}/sections/address/").status_code == 200  # a full page too


def test_editing_needs_clients_manage(team, client):
    anna = make(team, first_name="Anna", last_name="Jansen")
    browser = logged_in(client, team.staff)
    page = browser.get(url(team) + f"{anna.pk}/").content.decode()
    assert "sections/personal/edit/" not in page
    assert browser.get(url(team) + f"{anna.pk}/sections/personal/edit/", headers=HTMX).status_code == 403
    response = browser.post(url(team) + f"{anna.pk}/sections/personal/edit/",
                            {"first_name": "Gewijzigd", "last_name": "Jansen"}, headers=HTMX)
    assert response.status_code == 403 and reload(anna).first_name == "Anna"


def test_record_costs_the_same_queries_whatever_its_size(team, client):
    """The record page in a constant number of queries: more custom fields, sections, tags and
    clinicians cost no query more (issue 7 performance)."""
    workspace = team.workspace
    anna = make(team, first_name="Anna", last_name="Jansen")
    browser = logged_in(client, team.owner)
    # The Personal tab, where the custom fields and sections are (the record opens on Overview: its
    # appointments are pinned in test_overview_costs_the_same_queries_whatever_the_appointments).
    address = url(team) + f"{anna.pk}/personal/"
    browser.get(address)  # warm-up

    def grow(n: int, start: int) -> None:
        with scope(workspace=workspace):
            section = CustomSection.objects.create(workspace=workspace, name=f"Sectie {start}", position=start)
            for i in range(start, start + n):
                CustomField.objects.create(workspace=workspace, key=f"veld{i}", label=f"Veld {i}", field_type="text",
                                           section=section if i % 2 else None, builtin_section="" if i % 2 else "contact")
            values = {f"veld{i}": f"waarde {i}" for i in range(start, start + n)}
            from praxis.clients import services

            services.client_update(access=team.access("owner"), client_id=anna.pk, custom=values,
                                   tag_names=[f"tag{i}" for i in range(start + n)],
                                   clinician_ids=[team.members[r].pk for r in ("owner", "admin", "clinician")][:1 + start // 4])

    grow(1, 0)
    with CaptureQueriesContext(connection) as small:
        assert browser.get(address).status_code == 200
    grow(12, 4)
    with CaptureQueriesContext(connection) as large:
        response = browser.get(address)
    assert "waarde 15" in response.content.decode()
    assert len(small) == len(large), [q["sql"][:90] for q in large.captured_queries]
    assert len(large) <= 25


def test_overview_costs_the_same_queries_whatever_the_appointments(team, client):
    """The record's first tab, Overview (SPEC §9), lists the client's upcoming and past appointments in a
    fixed number of queries: ten appointments cost no query more than one."""
    from praxis.core import clock
    from praxis.scheduling import services as scheduling

    anna = make(team, first_name="Anna", last_name="Jansen")
    browser = logged_in(client, team.owner)
    address = url(team) + f"{anna.pk}/"
    browser.get(address)  # warm-up
    first = clock.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=3)

    def book(days: range) -> None:
        with scope(workspace=team.workspace):
            for day in days:
                start = first + dt.timedelta(days=day)
                scheduling.book(access=team.access("owner"), client_id=anna.pk,
                                practitioner_id=team.members["clinician" if day % 2 else "admin"].pk,
                                start=start, end=start + dt.timedelta(minutes=50))

    book(range(0, 1))
    with CaptureQueriesContext(connection) as small:
        assert browser.get(address).status_code == 200
    book(range(1, 10))
    with CaptureQueriesContext(connection) as large:
        response = browser.get(address)
    html = response.content.decode()
    assert "Upcoming appointments" in html and "Past appointments" in html
    assert len(small) == len(large), [q["sql"][:90] for q in large.captured_queries]
    assert len(large) <= 25


def test_record_names_the_country_in_the_readers_language_r_cli_1(team, client):
    from django.utils import translation

    from praxis.clients import display

    luc = make(team, first_name="Luc", last_name="Peeters", country="BE", city="Gent")
    text = text_of(logged_in(client, team.owner).get(url(team) + f"{luc.pk}/personal/"))
    assert "Belgium" in text
    with translation.override("nl"):
        assert display.country("be") == "België"
    assert display.country("XK") == "XK" and display.country("") == ""
