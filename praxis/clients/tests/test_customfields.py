"""Custom client fields and sections (R-CLI-2): defining, ordering, required / sensitive, retiring and
restoring — through the "Client fields" settings page and the API — and every field type's values
validated the same way by the client form, the record's in-place section edit and the client API.

The per-type samples live in `field_samples.py` (the import tests use them too)."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from praxis.audit.models import AuditEvent
from praxis.clients import customfields
from praxis.clients.models import Client, CustomField, CustomSection, FieldType
from praxis.core.errors import PermissionDenied, ServiceError

from .factories import client_make
from .field_samples import SAMPLES, Sample

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


# --- helpers ------------------------------------------------------------------------------------------

def page_url(team, path: str = "") -> str:
    return f"/w/{team.workspace.slug}/settings/client-fields/{path}"


def clients_url(team, path: str = "") -> str:
    return f"/w/{team.workspace.slug}/clients/{path}"


def api(team, path: str) -> str:
    return f"/api/v1/workspaces/{team.workspace.slug}/{path}"


def logged_in(client, user):
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def send(client, method: str, address: str, body=None):
    return client.generic(method, address, data=json.dumps(body or {}), content_type="application/json")


def text_of(response) -> str:
    html = response.content.decode()
    main = html[html.find("<main"):] if "<main" in html else html
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def define(team, label: str, field_type: str = FieldType.TEXT, *, role: str = "owner", **kwargs) -> CustomField:
    kwargs.setdefault("builtin_section", None if "section_id" in kwargs else "personal")
    with scope(workspace=team.workspace):
        return customfields.field_create(access=team.access(role), label=label, field_type=field_type, **kwargs)


def define_sample(team, sample: Sample) -> CustomField:
    return define(team, sample.label, sample.field_type, **sample.definition)


def make_client(team, role="owner", **kwargs) -> Client:
    with scope(workspace=team.workspace):
        return client_make(team.access(role), **kwargs)


def reload(obj):
    with scopes_disabled():
        return type(obj).objects.get(pk=obj.pk)


def events(code: str):
    return AuditEvent.objects.filter(event_code=code)


def panel_of(response) -> str:
    """The settings page's panel (without the flash messages above it)."""
    html = response.content.decode()
    return html[html.find('id="fields-panel"'):]


def order_in(html: str, labels: list[str]) -> list[str]:
    return sorted(labels, key=lambda label: html.find(label))


# --- every type: valid and invalid, the same on every path (R-CLI-2) --------------------------------

def test_every_field_type_has_a_sample():
    assert [s.field_type for s in SAMPLES] == list(FieldType.values)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_valid_value_is_stored_the_same_through_form_and_api_r_cli_2(sample, team, client):
    """R-CLI-2: a value of each type is normalised by the one validator, whichever path writes it."""
    definition = define_sample(team, sample)
    assert definition.key == sample.key
    response = logged_in(client, team.owner).post(clients_url(team, "new/"), {
        "first_name": "Via", "last_name": "Formulier", f"custom.{sample.key}": sample.valid.raw})
    assert response.status_code == 302, text_of(response)
    with scopes_disabled():
        by_form = Client.objects.get(last_name="Formulier")
    assert by_form.custom[sample.key] == sample.valid.stored

    answer = send(client, "POST", api(team, "clients"),
                  {"first_name": "Via", "last_name": "Api", "custom": {sample.key: sample.valid.api}})
    assert answer.status_code == 201, answer.content
    assert answer.json()["custom"][sample.key] == sample.valid.stored
    with scopes_disabled():
        assert Client.objects.get(last_name="Api").custom[sample.key] == sample.valid.stored


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_invalid_value_is_refused_with_the_same_message_everywhere_r_cli_2(sample, team, client):
    """R-CLI-2: new-client form, in-place section edit, API create and API update refuse the same input
    with the same code and message, on the field `custom.<key>` — and write nothing."""
    define_sample(team, sample)
    browser = logged_in(client, team.owner)
    field_name = f"custom.{sample.key}"

    new = browser.post(clients_url(team, "new/"), {"first_name": "Fout", "last_name": "Formulier",
                                                   field_name: sample.invalid.raw})
    assert new.status_code == 200
    html = new.content.decode()
    error = re.search(r'id="id_custom\.' + re.escape(sample.key) + r'_error"><li>([^<]+)</li>', html)
    assert error and error.group(1) == sample.invalid.message.replace("'", "&#x27;")

    existing = make_client(team, first_name="Bestaand", last_name="Cliënt",
                           custom={sample.key: sample.valid.api})
    section = browser.post(clients_url(team, f"{existing.pk}/sections/personal/edit/"),
                           {"first_name": "Bestaand", "last_name": "Cliënt", field_name: sample.invalid.raw},
                           headers=HTMX)
    assert section.status_code == 200 and sample.invalid.message in section.content.decode()
    assert reload(existing).custom[sample.key] == sample.valid.stored

    created = send(browser, "POST", api(team, "clients"),
                   {"first_name": "Fout", "last_name": "Api", "custom": {sample.key: sample.invalid.api}})
    assert created.status_code == 400
    assert created.json() == {"detail": sample.invalid.message, "code": sample.invalid.code, "field": field_name}
    updated = send(browser, "PATCH", api(team, f"clients/{existing.pk}"), {"custom": {sample.key: sample.invalid.api}})
    assert updated.status_code == 400 and updated.json()["detail"] == sample.invalid.message
    with scopes_disabled():
        assert not Client.objects.filter(last_name__in=["Formulier", "Api"]).exists()
    assert reload(existing).custom[sample.key] == sample.valid.stored


def test_checkbox_api_refuses_what_is_not_yes_or_no():
    """The API may send any JSON for a checkbox; text that is neither yes nor no is refused (R-CLI-2)."""
    definition = CustomField(key="toestemming", label="Toestemming", field_type=FieldType.CHECKBOX)
    from praxis.clients.fields import clean_custom_value

    with pytest.raises(ServiceError) as caught:
        clean_custom_value(definition, "misschien", country="NL")
    assert caught.value.code == "invalid_boolean" and caught.value.field == "custom.toestemming"


def test_required_field_is_required_on_create_but_not_on_a_partial_update_r_cli_2(team, client):
    define(team, "Verwijzer", required=True)
    existing = make_client(team, first_name="Al", last_name="Er", custom={"verwijzer": "Dr. Bakker"})
    browser = logged_in(client, team.owner)
    html = browser.get(clients_url(team, "new/")).content.decode()
    assert re.search(r'<label for="id_custom.verwijzer">Verwijzer<span class="required"', html)
    form = browser.post(clients_url(team, "new/"), {"first_name": "Zonder", "last_name": "Verwijzer"})
    assert form.status_code == 200 and "This field is required." in text_of(form)
    answer = send(browser, "POST", api(team, "clients"), {"first_name": "Zonder", "last_name": "Verwijzer"})
    assert answer.status_code == 400
    assert answer.json() == {"detail": "This field is required.", "code": "required", "field": "custom.verwijzer"}
    # A PATCH that does not send the field leaves it as it is.
    assert send(browser, "PATCH", api(team, f"clients/{existing.pk}"), {"city": "Utrecht"}).status_code == 200
    with scopes_disabled():
        assert not Client.objects.filter(last_name="Verwijzer").exists()


# --- sensitive fields (R-ROLE-3) ----------------------------------------------------------------------

def test_sensitive_field_is_absent_for_staff_in_html_and_api_r_role_3(team, client):
    define(team, "Diagnose", sensitive=True)
    define(team, "Huisarts")
    anna = make_client(team, first_name="Anna", last_name="Jansen",
                       custom={"diagnose": "F41.1 paniekstoornis", "huisarts": "Dr. Bakker"})
    staff = logged_in(client, team.staff)
    record = staff.get(clients_url(team, f"{anna.pk}/personal/")).content.decode()
    assert "Dr. Bakker" in record
    assert "Diagnose" not in record and "F41.1" not in record
    detail = staff.get(api(team, f"clients/{anna.pk}")).json()
    assert detail["custom"] == {"huisarts": "Dr. Bakker"}  # absent, not null
    definitions = staff.get(api(team, "custom-fields")).json()["items"]
    assert [d["key"] for d in definitions] == ["huisarts"]

    clinician = logged_in(client, team.clinician)
    assert "F41.1" in clinician.get(clients_url(team, f"{anna.pk}/personal/")).content.decode()
    assert clinician.get(api(team, f"clients/{anna.pk}")).json()["custom"]["diagnose"] == "F41.1 paniekstoornis"


def test_a_member_without_clients_sensitive_cannot_write_a_sensitive_field_r_role_3(team, client):
    """The assistant manages clients but may not see sensitive fields: sending one is an audited 403."""
    define(team, "Diagnose", sensitive=True)
    anna = make_client(team, first_name="Anna", last_name="Jansen", custom={"diagnose": "F41"})
    answer = send(logged_in(client, team.assistant), "PATCH", api(team, f"clients/{anna.pk}"),
                  {"custom": {"diagnose": "Overschreven"}})
    assert answer.status_code == 403
    assert reload(anna).custom == {"diagnose": "F41"}


# --- defining fields: keys, labels, choices, types -------------------------------------------------

def test_key_comes_from_the_label_and_is_never_reused_r_cli_2(team):
    first = define(team, "Naam huisarts")
    assert first.key == "naam_huisarts"
    with pytest.raises(ServiceError) as caught:
        define(team, "naam HUISARTS")
    assert caught.value.code == "duplicate_label" and caught.value.field == "label"
    with scope(workspace=team.workspace):
        customfields.field_retire(access=team.access("owner"), field_id=first.pk)
    again = define(team, "Naam huisarts")
    assert again.key == "naam_huisarts_2"  # the retired field keeps its key and its values
    assert define(team, "First name").key == "first_name_2"  # never a built-in field's name
    assert define(team, "1e contact").key == "f_1e_contact"


def test_select_types_need_choices_and_other_types_store_none(team, client):
    for kind in (FieldType.SINGLE_SELECT, FieldType.MULTI_SELECT):
        with pytest.raises(ServiceError) as caught:
            define(team, f"Keuze {kind}", kind, choices=["  ", ""])
        assert caught.value.code == "choices_missing"
    choice = define(team, "Verzekeraar", FieldType.SINGLE_SELECT, choices=["CZ", " VGZ ", "cz", "Menzis"])
    assert choice.choices == ["CZ", "VGZ", "Menzis"]
    assert define(team, "Vrij", FieldType.TEXT, choices=["genegeerd"]).choices == []
    answer = send(logged_in(client, team.owner), "POST", api(team, "custom-fields"),
                  {"label": "Dagen", "field_type": "multi_select", "builtin_section": "care"})
    assert answer.status_code == 400 and answer.json()["code"] == "choices_missing"
    assert answer.json()["field"] == "choices"


def test_type_of_a_field_with_values_cannot_change(team, client):
    sessies = define(team, "Sessies", FieldType.TEXT)
    make_client(team, custom={"sessies": "12"})
    browser = logged_in(client, team.owner)
    answer = send(browser, "PATCH", api(team, f"custom-fields/{sessies.pk}"), {"field_type": "number"})
    assert answer.status_code == 400 and answer.json()["code"] == "type_in_use"
    assert answer.json()["detail"] == ("1 client has a value for this field, so its type cannot change. Retire it "
                                       "and add a new field instead.")
    assert reload(sessies).field_type == FieldType.TEXT
    empty = define(team, "Leeg", FieldType.TEXT)
    assert send(browser, "PATCH", api(team, f"custom-fields/{empty.pk}"),
                {"field_type": "number"}).json()["field_type"] == "number"


def test_a_chosen_choice_cannot_be_removed(team):
    colour = define(team, "Kleur", FieldType.MULTI_SELECT, choices=["Rood", "Groen"])
    make_client(team, custom={"kleur": ["Groen"]})
    with scope(workspace=team.workspace), pytest.raises(ServiceError) as caught:
        customfields.field_update(access=team.access("owner"), field_id=colour.pk, choices=["Rood"])
    assert caught.value.code == "choice_in_use"
    with scope(workspace=team.workspace):
        updated = customfields.field_update(access=team.access("owner"), field_id=colour.pk,
                                            choices="Groen\nRood\nBlauw", label="Kleuren", help_text="Meer mag")
    assert updated.choices == ["Groen", "Rood", "Blauw"] and updated.key == "kleur"
    assert events("custom_field.updated").get().data["fields"] == ["label", "choices", "help_text"]


def test_every_write_is_audited_r_aud_1(team):
    access = team.access("owner")
    with scope(workspace=team.workspace):
        section = customfields.section_create(access=access, name="Verwijzing")
        other = customfields.section_create(access=access, name="Zorgverzekering")
        customfields.section_rename(access=access, section_id=section.pk, name="Verwijzer")
        customfields.section_move(access=access, section_id=other.pk, direction="up")
        definition = customfields.field_create(access=access, label="Huisarts", field_type="text",
                                               section_id=section.pk)
        customfields.field_create(access=access, label="Praktijk", field_type="text", section_id=section.pk)
        customfields.field_update(access=access, field_id=definition.pk, required=True)
        customfields.field_move(access=access, field_id=definition.pk, direction="down")
        customfields.field_retire(access=access, field_id=definition.pk)
        customfields.field_restore(access=access, field_id=definition.pk)
        customfields.section_retire(access=access, section_id=section.pk)
        customfields.section_restore(access=access, section_id=section.pk)
    for code, count in (("custom_section.created", 2), ("custom_section.updated", 1), ("custom_section.moved", 1),
                        ("custom_field.created", 2), ("custom_field.updated", 1), ("custom_field.moved", 1),
                        ("custom_field.retired", 1), ("custom_field.restored", 1), ("custom_section.retired", 1),
                        ("custom_section.restored", 1)):
        rows = events(code)
        assert rows.count() == count, code
        assert all(e.user_id == team.owner.pk and e.role == "owner" and e.permission == "workspace.edit"
                   for e in rows), code
    assert events("custom_field.created").order_by("id").first().data == {"key": "huisarts", "label": "Huisarts", "type": "text"}


# --- ordering (R-CLI-2) -------------------------------------------------------------------------------

def test_up_and_down_buttons_order_fields_without_javascript(team, client):
    a, b, c = (define(team, label) for label in ("Alfa", "Bravo", "Charlie"))
    browser = logged_in(client, team.owner)
    response = browser.post(page_url(team, f"{c.pk}/move/"), {"direction": "up"})
    assert response.status_code == 302 and response["Location"] == page_url(team) + f"#field-{c.pk}"
    browser.post(page_url(team, f"{a.pk}/move/"), {"direction": "down"})
    assert [reload(x).position for x in (a, b, c)] == [1, 2, 0]  # Charlie, Alfa, Bravo
    page = panel_of(browser.get(page_url(team)))
    assert order_in(page, ["Alfa", "Bravo", "Charlie"]) == ["Charlie", "Alfa", "Bravo"]
    new_form = browser.get(clients_url(team, "new/")).content.decode()
    assert order_in(new_form, ['name="custom.alfa"', 'name="custom.bravo"', 'name="custom.charlie"']) == [
        'name="custom.charlie"', 'name="custom.alfa"', 'name="custom.bravo"']
    # The first has no Up button, the last no Down button.
    first_row = re.search(rf'<li class="field-row" id="field-{c.pk}".*?</li>', page, re.S).group(0)
    assert ">Up<" not in first_row and ">Down<" in first_row


def test_drag_and_drop_moves_a_field_to_a_position_in_another_section(team, client):
    """What fields.js posts on a drop: the position and the section (as `place`)."""
    with scope(workspace=team.workspace):
        section = customfields.section_create(access=team.access("owner"), name="Verwijzing")
    a, b = define(team, "Alfa"), define(team, "Bravo")
    x = define(team, "Xray", section_id=section.pk)
    response = logged_in(client, team.owner).post(page_url(team, f"{b.pk}/move/"),
                                                  {"position": "0", "place": f"custom:{section.pk}"}, headers=HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#fields-panel"
    assert response.content.decode().lstrip().startswith('<div id="fields-panel"')
    b, a, x = reload(b), reload(a), reload(x)
    assert (b.section_id, b.builtin_section, b.position) == (section.pk, "", 0)
    assert x.position == 1 and a.position == 0


def test_sections_are_ordered_after_the_builtin_ones(team, client):
    browser = logged_in(client, team.owner)
    for name in ("Verwijzing", "Zorgverzekering"):
        assert browser.post(page_url(team, "sections/new/"), {"name": name}).status_code == 302
    with scopes_disabled():
        second = CustomSection.objects.get(name="Zorgverzekering")
    define(team, "Polis", section_id=second.pk)
    browser.post(page_url(team, f"sections/{second.pk}/move/"), {"direction": "up"})
    page = panel_of(browser.get(page_url(team)))
    assert order_in(page, ["Care team", "Verwijzing", "Zorgverzekering"]) == ["Care team", "Zorgverzekering",
                                                                              "Verwijzing"]
    anna = make_client(team, first_name="Anna", last_name="Jansen", custom={"polis": "P-1"})
    record = browser.get(clients_url(team, f"{anna.pk}/personal/")).content.decode()
    assert order_in(record, ["Care team", "Zorgverzekering"]) == ["Care team", "Zorgverzekering"]
    duplicate = browser.post(page_url(team, "sections/new/"), {"name": "address"})
    assert duplicate.status_code == 200 and "There is already a section “address”." in text_of(duplicate)


# --- retire and restore (R-CLI-2) ---------------------------------------------------------------------

def test_retired_field_keeps_its_values_and_restore_shows_them_again(team, client):
    huisarts = define(team, "Huisarts", required=True)
    anna = make_client(team, first_name="Anna", last_name="Jansen", custom={"huisarts": "Dr. Bakker"})
    browser = logged_in(client, team.owner)
    assert browser.post(page_url(team, f"{huisarts.pk}/retire/")).status_code == 302
    assert reload(anna).custom == {"huisarts": "Dr. Bakker"}  # kept
    assert "Dr. Bakker" not in browser.get(clients_url(team, f"{anna.pk}/personal/")).content.decode()
    assert "huisarts" not in browser.get(api(team, f"clients/{anna.pk}")).json()["custom"]
    # A retired field is not validated: its required-ness no longer stops a new client.
    assert send(browser, "POST", api(team, "clients"), {"first_name": "Nieuw", "last_name": "Zonder"}).status_code == 201
    assert 'name="custom.huisarts"' not in browser.get(clients_url(team, "new/")).content.decode()
    retired = text_of(browser.get(page_url(team)))
    assert "Retired" in retired and "Huisarts" in retired

    assert browser.post(page_url(team, f"{huisarts.pk}/restore/")).status_code == 302
    assert "Dr. Bakker" in browser.get(clients_url(team, f"{anna.pk}/personal/")).content.decode()
    assert browser.get(api(team, f"clients/{anna.pk}")).json()["custom"] == {"huisarts": "Dr. Bakker"}


def test_retired_section_hides_its_fields_and_restores_them(team, client):
    browser = logged_in(client, team.owner)
    with scope(workspace=team.workspace):
        section = customfields.section_create(access=team.access("owner"), name="Verwijzing")
    define(team, "Huisarts", section_id=section.pk, required=True)
    anna = make_client(team, first_name="Anna", last_name="Jansen", custom={"huisarts": "Dr. Bakker"})
    assert send(browser, "DELETE", api(team, f"custom-field-sections/{section.pk}")).json()["retired"] is True
    record = browser.get(clients_url(team, f"{anna.pk}/personal/")).content.decode()
    assert "Verwijzing" not in record and "Dr. Bakker" not in record
    assert send(browser, "POST", api(team, "clients"), {"first_name": "Nieuw", "last_name": "Zonder"}).status_code == 201
    listed = browser.get(api(team, "custom-fields")).json()["items"]
    assert listed == []
    retired = text_of(browser.get(page_url(team)))
    assert "Verwijzing Section 1 field" in retired
    assert send(browser, "POST", api(team, f"custom-field-sections/{section.pk}/restore")).status_code == 200
    assert "Dr. Bakker" in browser.get(clients_url(team, f"{anna.pk}/personal/")).content.decode()
    assert reload(anna).custom == {"huisarts": "Dr. Bakker"}


def test_restoring_a_field_whose_label_is_taken_again_is_refused(team, client):
    first = define(team, "Huisarts")
    with scope(workspace=team.workspace):
        customfields.field_retire(access=team.access("owner"), field_id=first.pk)
    define(team, "Huisarts")
    answer = send(logged_in(client, team.owner), "POST", api(team, f"custom-fields/{first.pk}/restore"))
    assert answer.status_code == 400 and answer.json()["code"] == "duplicate_label"
    assert reload(first).retired_at is not None


# --- the settings page and its forms ------------------------------------------------------------------

def test_settings_nav_links_the_client_fields_for_workspace_edit(team, client):
    owner = logged_in(client, team.owner)
    settings_page = owner.get(f"/w/{team.workspace.slug}/settings/").content.decode()
    assert f'href="{page_url(team)}"' in settings_page and "Client fields" in settings_page
    page = owner.get(page_url(team))
    assert page.status_code == 200
    assert re.search(r'<a href="[^"]+/settings/"[^>]*aria-current="page">Settings', page.content.decode())


def test_add_edit_a_field_through_the_page(team, client):
    browser = logged_in(client, team.owner)
    form = browser.get(page_url(team, "new/?place=builtin:contact"))
    assert form.status_code == 200 and 'name="label"' in form.content.decode()
    inline = browser.get(page_url(team, "new/?place=builtin:contact"), headers=HTMX).content.decode()
    assert inline.lstrip().startswith("<form") and "<html" not in inline
    bad = browser.post(page_url(team, "new/"), {"label": "Dagen", "field_type": "multi_select",
                                                "place": "builtin:care", "choices": ""})
    assert bad.status_code == 200 and "A select field needs at least one choice, one per line." in text_of(bad)
    made = browser.post(page_url(team, "new/"), {"label": "Dagen", "field_type": "multi_select",
                                                 "place": "builtin:care", "choices": "ma\nwo\nvr",
                                                 "required": "on", "help_text": "Vaste dagen"}, follow=True)
    assert "The field “Dagen” was added." in text_of(made)
    with scopes_disabled():
        dagen = CustomField.objects.get(key="dagen")
    assert (dagen.builtin_section, dagen.choices, dagen.required, dagen.sensitive) == ("care", ["ma", "wo", "vr"],
                                                                                       True, False)
    edit = browser.get(page_url(team, f"{dagen.pk}/"), headers=HTMX).content.decode()
    assert 'value="Dagen"' in edit and "ma\nwo\nvr" in edit
    saved = browser.post(page_url(team, f"{dagen.pk}/"), {"label": "Vaste dagen", "field_type": "multi_select",
                                                           "choices": "ma\nwo\nvr\nza", "sensitive": "on"},
                         headers=HTMX)
    assert saved["HX-Retarget"] == "#fields-panel" and "The field “Vaste dagen” was saved." in saved.content.decode()
    dagen = reload(dagen)
    assert (dagen.label, dagen.choices, dagen.required, dagen.sensitive) == ("Vaste dagen", ["ma", "wo", "vr", "za"],
                                                                             False, True)


def test_clinician_without_workspace_edit_gets_403_and_nothing_changes(team, client):
    """R-CLI-2, SPEC §3: only `workspace.edit` (owner, admin) defines fields; refusals are audited."""
    existing = define(team, "Huisarts")
    before = list(CustomField.objects.with_scopes_disabled().values())
    clinician = logged_in(client, team.clinician)
    assert clinician.get(page_url(team)).status_code == 403
    assert clinician.post(page_url(team, "new/"), {"label": "X", "field_type": "text",
                                                   "place": "builtin:personal"}).status_code == 403
    assert clinician.post(page_url(team, f"{existing.pk}/retire/")).status_code == 403
    assert send(clinician, "POST", api(team, "custom-fields"),
                {"label": "X", "field_type": "text", "builtin_section": "personal"}).status_code == 403
    assert send(clinician, "DELETE", api(team, f"custom-fields/{existing.pk}")).status_code == 403
    assert send(clinician, "POST", api(team, "custom-field-sections"), {"name": "X"}).status_code == 403
    assert clinician.get(api(team, "custom-fields?include_retired=true")).status_code == 403
    assert list(CustomField.objects.with_scopes_disabled().values()) == before
    assert not CustomSection.objects.with_scopes_disabled().exists()
    assert AuditEvent.objects.filter(outcome="refused", user=team.clinician).count() >= 6
    settings_nav = clinician.get(clients_url(team)).content.decode()
    assert page_url(team) not in settings_nav
    with scope(workspace=team.workspace), pytest.raises(PermissionDenied):
        customfields.section_create(access=team.access("clinician"), name="Stiekem")


def test_fields_page_costs_the_same_queries_for_3_and_30_fields(team, client, django_assert_num_queries):
    """The settings page reads its sections and fields once, whatever their number."""
    browser = logged_in(client, team.owner)
    with scope(workspace=team.workspace):
        section = customfields.section_create(access=team.access("owner"), name="Verwijzing")
    for i in range(3):
        define(team, f"Veld {i}", **({"section_id": section.pk} if i % 2 else {}))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(page_url(team)).status_code == 200
        return len(queries)

    browser.get(page_url(team))  # warm-up
    small = count()
    # The request's own: session, user, membership with its workspace and licence (one query), workspaces,
    # the portal's workspaces (its two halves, each a compiled lookup), the bell's count; the page's: the
    # sections and the fields with their sections. (No session save: R-ACC-5's renewal writes it at most
    # once a minute.)
    assert small == 9
    for i in range(3, 30):
        define(team, f"Veld {i}", FieldType.SINGLE_SELECT, choices=["a", "b"],
               **({"section_id": section.pk} if i % 2 else {}))
    with scope(workspace=team.workspace):
        customfields.field_retire(access=team.access("owner"), field_id=CustomField.objects.first().pk)
        other = customfields.section_create(access=team.access("owner"), name="Oud")
        define(team, "In oud", section_id=other.pk)
        customfields.section_retire(access=team.access("owner"), section_id=other.pk)
    assert count() == small
    with django_assert_num_queries(small):
        browser.get(page_url(team))


def test_another_workspaces_section_answers_like_a_missing_one_r_role_4(team, client, make_user):
    """A field defined in A cannot be put in B's section (by the form, the API or a move): 404, nothing
    changes (the isolation walker covers B's ids in the URL)."""
    from praxis.testing.team import build_team

    other = build_team(make_user, name="Praktijk Zuid", label="Z")
    with scope(workspace=other.workspace):
        theirs = customfields.section_create(access=other.access("owner"), name="Van hen")
    mine = define(team, "Huisarts")
    browser = logged_in(client, team.owner)
    before = list(CustomField.objects.with_scopes_disabled().order_by("pk").values())
    assert browser.post(page_url(team, "new/"), {"label": "Indringer", "field_type": "text",
                                                 "place": f"custom:{theirs.pk}"}).status_code == 404
    assert send(browser, "POST", api(team, "custom-fields"),
                {"label": "Indringer", "field_type": "text", "section_id": theirs.pk}).status_code == 404
    assert send(browser, "POST", api(team, f"custom-fields/{mine.pk}/move"),
                {"section_id": theirs.pk}).status_code == 404
    assert browser.post(page_url(team, f"{mine.pk}/move/"), {"place": f"custom:{theirs.pk}"}).status_code == 404
    assert list(CustomField.objects.with_scopes_disabled().order_by("pk").values()) == before


def test_a_required_sensitive_field_does_not_stop_a_member_who_cannot_see_it_r_role_3(team, client):
    """The assistant manages clients without `clients.sensitive`: the required sensitive field is not in
    their form, so it is not asked of them either (a clinician must fill it in)."""
    define(team, "Diagnose", required=True, sensitive=True)
    assistant = logged_in(client, team.assistant)
    form = assistant.get(clients_url(team, "new/")).content.decode()
    assert "custom.diagnose" not in form and "Diagnose" not in form
    assert assistant.post(clients_url(team, "new/"), {"first_name": "Door", "last_name": "Assistent"}).status_code == 302
    clinician = logged_in(client, team.clinician)
    refused = clinician.post(clients_url(team, "new/"), {"first_name": "Door", "last_name": "Clinicus"})
    assert refused.status_code == 200 and "This field is required." in text_of(refused)


def test_sections_and_moves_through_the_api(team, client):
    browser = logged_in(client, team.owner)
    section = send(browser, "POST", api(team, "custom-field-sections"), {"name": "Verwijzing"})
    assert section.status_code == 201 and section.json()["position"] == 0
    second = send(browser, "POST", api(team, "custom-field-sections"), {"name": "Zorgverzekering"}).json()
    section_id = section.json()["id"]
    renamed = send(browser, "PATCH", api(team, f"custom-field-sections/{section_id}"), {"name": "Doorverwijzing"})
    assert renamed.json()["name"] == "Doorverwijzing"
    assert send(browser, "PATCH", api(team, f"custom-field-sections/{second['id']}"),
                {"name": "doorverwijzing"}).json()["code"] == "duplicate_name"
    moved = send(browser, "POST", api(team, f"custom-field-sections/{section_id}/move"), {"direction": "down"})
    assert moved.json()["position"] == 1
    assert [s["name"] for s in browser.get(api(team, "custom-field-sections")).json()["items"]] == [
        "Zorgverzekering", "Doorverwijzing"]
    created = send(browser, "POST", api(team, "custom-fields"),
                   {"label": "Polis", "field_type": "text", "section_id": second["id"], "help_text": "Nummer"})
    assert created.status_code == 201
    assert created.json() | {"id": 0} == {"id": 0, "key": "polis", "label": "Polis", "field_type": "text",
                                          "section_id": second["id"], "builtin_section": "", "required": False,
                                          "sensitive": False, "choices": [], "help_text": "Nummer", "position": 0,
                                          "retired": False}
    field_id = created.json()["id"]
    define(team, "Eerder", builtin_section="care")
    to_care = send(browser, "POST", api(team, f"custom-fields/{field_id}/move"),
                   {"builtin_section": "care", "position": 0})
    assert (to_care.json()["builtin_section"], to_care.json()["section_id"], to_care.json()["position"]) == (
        "care", None, 0)
    both = send(browser, "POST", api(team, f"custom-fields/{field_id}/move"),
                {"builtin_section": "care", "section_id": second["id"]})
    assert both.status_code == 400 and both.json()["code"] == "invalid_section"
    nowhere = send(browser, "POST", api(team, f"custom-fields/{field_id}/move"), {})
    assert nowhere.status_code == 400 and nowhere.json()["code"] == "invalid_move"
    retired = send(browser, "DELETE", api(team, f"custom-fields/{field_id}"))
    assert retired.json()["retired"] is True
    with_retired = browser.get(api(team, "custom-fields?include_retired=true")).json()["items"]
    assert {(d["key"], d["retired"]) for d in with_retired} == {("polis", True), ("eerder", False)}
    assert "polis" not in [d["key"] for d in browser.get(api(team, "custom-fields")).json()["items"]]


def test_section_rename_in_place_and_without_javascript(team, client):
    with scope(workspace=team.workspace):
        section = customfields.section_create(access=team.access("owner"), name="Verwijzing")
    browser = logged_in(client, team.owner)
    inline = browser.get(page_url(team, f"sections/{section.pk}/"), headers=HTMX).content.decode()
    assert inline.lstrip().startswith("<form") and 'value="Verwijzing"' in inline
    full = browser.get(page_url(team, f"sections/{section.pk}/"))
    assert full.status_code == 200 and "<html" in full.content.decode() and 'value="Verwijzing"' in full.content.decode()
    empty = browser.post(page_url(team, f"sections/{section.pk}/"), {"name": "  "}, headers=HTMX)
    assert "This field is required." in empty.content.decode()
    done = browser.post(page_url(team, f"sections/{section.pk}/"), {"name": "Doorverwijzing"})
    assert done.status_code == 302 and reload(section).name == "Doorverwijzing"


def test_a_retired_section_cannot_take_a_new_field_and_says_so_on_the_section_input(team, client):
    with scope(workspace=team.workspace):
        section = customfields.section_create(access=team.access("owner"), name="Oud")
        customfields.section_retire(access=team.access("owner"), section_id=section.pk)
    response = logged_in(client, team.owner).post(page_url(team, "new/"), {
        "label": "Huisarts", "field_type": "text", "place": f"custom:{section.pk}"})
    assert response.status_code == 200
    assert re.search(r'id="id_new_place_error"><li>That section is retired; restore it first.</li>',
                     response.content.decode())
    assert not CustomField.objects.with_scopes_disabled().exists()
