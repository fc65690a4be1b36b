"""Custom fields in a real browser (R-CLI-2, issue 7 browser tests): the manager adds a text field "Huisarts"
in a new section "Verwijzing" on the "Client fields" settings page, then creates a client filling it in —
on a phone (390 px) and a laptop (1280 px), each page with no serious or critical axe-core violation and
no horizontal overflow. Drag and drop (fields.js) orders fields like the Up / Down buttons."""

import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from django_scopes import scope, scopes_disabled

from praxis.clients import customfields
from praxis.clients.models import Client, CustomField
from praxis.testing.pages import check_page, install_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, user) -> None:
    client = DjangoClient()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize("width", [390, 1280])
def test_manager_adds_huisarts_in_verwijzing_and_fills_it_in_for_a_new_client(width, page, live_server,
                                                                              workspace_with_team):
    from playwright.sync_api import expect

    team = workspace_with_team
    install_axe(page.context)
    page.set_viewport_size({"width": width, "height": 900})
    _login(page, live_server, team.owner)

    # From the workspace settings to its "Client fields" (the settings navigation).
    page.goto(f"/w/{team.workspace.slug}/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Client fields").click()
    expect(page.get_by_role("heading", name="Client fields", level=1)).to_be_visible()
    assert not check_page(page, where=f"client-fields-empty-{width}", widths=(width,))

    # A new section "Verwijzing".
    page.get_by_label("Section name").fill("Verwijzing")
    page.get_by_role("button", name="Add section").click()
    section = page.locator("section.field-place").filter(has=page.get_by_role("heading", name="Verwijzing"))
    expect(section).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("The section “Verwijzing” was added.")

    # "+ Add field" in that section opens the form in place (htmx); the section is chosen already.
    section.get_by_role("link", name="+ Add field to Verwijzing").click()
    form = section.locator("form.field-definition")
    expect(form).to_be_visible()
    expect(form.get_by_label("Section")).to_have_value(
        f"custom:{section.get_attribute('id').removeprefix('place-')}")
    assert not check_page(page, where=f"client-fields-adding-{width}", widths=(width,))
    form.get_by_label("Label").fill("Huisarts")
    form.get_by_label("Type").select_option("text")
    form.get_by_label("Help text").fill("Naam en praktijk van de huisarts")
    form.get_by_role("button", name="Add field").click()
    expect(page.get_by_role("status")).to_contain_text("The field “Huisarts” was added.")
    expect(section.locator(".field-row")).to_contain_text("Huisarts")
    assert not check_page(page, where=f"client-fields-{width}", widths=(width,))

    # + New client: the field is in its section, with its help text; filled in, it is stored.
    page.goto(f"/w/{team.workspace.slug}/clients/new/")
    fieldset = page.locator("fieldset.form-section").filter(has=page.locator("legend", has_text="Verwijzing"))
    expect(fieldset.get_by_text("Naam en praktijk van de huisarts")).to_be_visible()
    assert not check_page(page, where=f"new-client-with-huisarts-{width}", widths=(width,))
    page.get_by_label("First name").fill("Zoë")
    page.get_by_label("Last name").fill("Lefèvre")
    fieldset.get_by_label("Huisarts").fill("Dr. Bakker, De Linde")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lefèvre")
    # The new record opens on its Overview (appointments, SPEC §9); the fields are on the Personal tab.
    page.get_by_role("link", name="Personal", exact=True).click()
    verwijzing = page.locator("section.record-section").filter(has=page.get_by_role("heading", name="Verwijzing"))
    expect(verwijzing).to_contain_text("Dr. Bakker, De Linde")
    assert not check_page(page, where=f"record-with-huisarts-{width}", widths=(width,))
    with scopes_disabled():
        assert Client.objects.get(last_name="Lefèvre").custom == {"huisarts": "Dr. Bakker, De Linde"}


def test_drag_and_drop_orders_fields_like_the_buttons(page, live_server, workspace_with_team):
    from playwright.sync_api import expect

    team = workspace_with_team
    with scope(workspace=team.workspace):
        for label in ("Alfa", "Bravo", "Charlie"):
            customfields.field_create(access=team.access("owner"), label=label, field_type="text",
                                      builtin_section="personal")
    _login(page, live_server, team.owner)
    page.goto(f"/w/{team.workspace.slug}/settings/client-fields/")
    rows = page.locator("#place-personal .field-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("draggable", "true")  # fields.js ran
    rows.nth(2).drag_to(rows.first, target_position={"x": 10, "y": 2})
    expect(page.get_by_role("status")).to_contain_text("The field “Charlie” was moved.")
    expect(page.locator("#place-personal .field-row strong")).to_have_text(["Charlie", "Alfa", "Bravo"])
    with scopes_disabled():
        assert list(CustomField.objects.order_by("position").values_list("label", flat=True)) == [
            "Charlie", "Alfa", "Bravo"]


def test_edit_opens_in_place_and_saves_without_leaving_the_page(page, live_server, workspace_with_team):
    from playwright.sync_api import expect

    team = workspace_with_team
    with scope(workspace=team.workspace):
        customfields.field_create(access=team.access("owner"), label="Verzekeraar", field_type="single_select",
                                  builtin_section="care", choices=["CZ", "VGZ"])
    install_axe(page.context)
    _login(page, live_server, team.owner)
    page.goto(f"/w/{team.workspace.slug}/settings/client-fields/")
    url = page.url
    row = page.locator("#place-care .field-row").first
    row.get_by_role("link", name="Edit Verzekeraar").click()
    form = row.locator("form.field-definition")
    expect(form.get_by_label("Choices")).to_have_value("CZ\nVGZ")
    expect(row).not_to_have_attribute("draggable", "true")
    assert not check_page(page, where="client-fields-editing", widths=(390, 1280))
    form.get_by_label("Choices").fill("CZ\nVGZ\nMenzis")
    form.get_by_label("Required").check()
    form.get_by_role("button", name="Save field").click()
    expect(page.get_by_role("status")).to_contain_text("The field “Verzekeraar” was saved.")
    expect(page.locator("#place-care .field-row").first).to_contain_text("CZ, VGZ, Menzis")
    expect(page.locator("#place-care .field-row").first).to_contain_text("Required")
    assert page.url == url
