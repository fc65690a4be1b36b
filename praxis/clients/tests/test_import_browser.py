"""A client import in a real browser (R-CLI-9, issue 7 point 6): upload a small CSV, adjust the proposed
mapping (an unknown column mapped by hand, one to a custom field), run the dry run (the invalid row with
its line, column and reason), commit, watch the progress bar reach done and find the clients in the list.
Each step at 390 and 1280 px with no serious or critical axe-core violation."""

import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from django_scopes import scope, scopes_disabled

from praxis.clients import customfields
from praxis.clients.models import Client, ImportJob
from praxis.testing.pages import check_page, install_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)
CSV = ("Voornaam;Achternaam;Bijnaam;Geboortedatum;Verwijzer;Opmerking\r\n"
       "Zoë;Lefèvre;Zo;12-03-1985;Dr. Jansen;eerste\r\n"
       "Bram;de Vries;;31-02-1990;;tweede\r\n"
       "Fenna;Bakker;Fen;03-04-2001;Dr. Smit;derde\r\n").encode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _login(page, live_server, user) -> None:
    client = DjangoClient()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_upload_map_dry_run_commit_and_see_the_clients(page, live_server, workspace_with_team):
    from playwright.sync_api import expect

    team = workspace_with_team
    with scope(workspace=team.workspace):
        customfields.field_create(access=team.access("owner"), label="Huisarts", field_type="text",
                                  builtin_section="personal")
    install_axe(page.context)
    _login(page, live_server, team.owner)

    page.goto(f"/w/{team.workspace.slug}/clients/import/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import clients")
    assert not check_page(page, where="import-upload", widths=WIDTHS)
    page.get_by_label("CSV or XLSX file").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.get_by_role("button", name="Upload").click()

    # The proposed mapping: known headers mapped, the others listed as not mapped; adjust two by hand.
    expect(page.get_by_role("heading", level=1)).to_contain_text("clients.csv")
    main = page.locator("main")
    expect(main).to_contain_text("Not mapped:")
    expect(main).to_contain_text("Verwijzer")
    assert page.get_by_label("Voornaam").input_value() == "first_name"
    assert not check_page(page, where="import-mapping", widths=WIDTHS)
    page.get_by_label("Bijnaam").select_option("preferred_name")
    page.get_by_label("Verwijzer").select_option("custom.huisarts")  # a custom field
    page.get_by_role("button", name="Check the file (dry run)").click()

    # The dry run: 3 rows, 2 importable, the impossible date reported on its line and column.
    report = page.locator("section", has=page.get_by_role("heading", name="2. Dry run"))
    expect(report).to_contain_text("3 rows; 2 can be imported.")
    expect(report.get_by_role("row", name="3 Geboortedatum Enter a valid date, e.g. 31-12-1980.")).to_be_visible()
    assert page.get_by_label("Bijnaam").input_value() == "preferred_name"  # the adjusted mapping was kept
    assert not check_page(page, where="import-dry-run", widths=WIDTHS)
    with scopes_disabled():
        assert not Client.objects.filter(workspace=team.workspace).exists()  # a dry run imports nothing

    page.get_by_role("button", name="Import 2 clients").click()
    bar = page.locator("#import-bar")
    expect(bar).to_have_attribute("value", "100", timeout=15_000)
    expect(page.locator("#import-progress")).to_contain_text("2 clients imported.")
    assert not check_page(page, where="import-done", widths=WIDTHS)
    with scopes_disabled():
        job = ImportJob.objects.get(workspace=team.workspace)
        zoe = Client.objects.get(workspace=team.workspace, first_name="Zoë")
    assert job.status == ImportJob.Status.DONE and job.imported == 2
    assert (zoe.preferred_name, zoe.custom) == ("Zo", {"huisarts": "Dr. Jansen"})

    page.get_by_role("link", name="Go to the clients").click()
    listing = page.locator("main")
    expect(listing.get_by_role("link", name="Lefèvre", exact=False)).to_be_visible()
    expect(listing.get_by_role("link", name="Bakker", exact=False)).to_be_visible()
    expect(listing).not_to_contain_text("de Vries")
    assert not check_page(page, where="import-clients-list", widths=WIDTHS)

    # The import page lists the finished import; its page can be reopened.
    page.goto(f"/w/{team.workspace.slug}/clients/import/")
    recent = page.locator("section", has=page.get_by_role("heading", name="Recent imports"))
    expect(recent.get_by_role("row", name="clients.csv Imported 2", exact=False)).to_be_visible()
