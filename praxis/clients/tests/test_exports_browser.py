"""The export buttons and the Access history tab in a real browser (R-CLI-10, R-AUD-3): the CSV button
of the list downloads the list as filtered, the record's quick action downloads the client's JSON, and
the Access history tab lists who opened and exported the record — at 390 and 1280 px, with no serious
or critical axe-core violation."""

import json

import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from django_scopes import scope

from praxis.testing.pages import check_page, install_axe

from .factories import client_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (390, 1280)


def _login(page, live_server, user) -> None:
    client = DjangoClient()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_export_buttons_and_access_history_tab(page, live_server, workspace_with_team):
    from playwright.sync_api import expect

    team = workspace_with_team
    with scope(workspace=team.workspace):
        zoe = client_make(team.access("owner"), first_name="Zoë", last_name="Lefèvre", email="zoe@example.test")
        client_make(team.access("owner"), first_name="Bram", last_name="de Vries")
    install_axe(page.context)
    _login(page, live_server, team.owner)
    ws = team.workspace.slug

    page.goto(f"/w/{ws}/clients/?q=zoe")
    button = page.get_by_role("link", name="Export these clients as CSV")
    expect(button).to_be_visible()
    assert not check_page(page, where="clients-export-button", widths=WIDTHS)
    with page.expect_download() as download:
        button.click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert "Lefèvre" in text and "de Vries" not in text

    page.goto(f"/w/{ws}/clients/{zoe.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export data (JSON)").click()
    data = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert data["client"]["last_name"] == "Lefèvre"
    assert not check_page(page, where="client-record-export", widths=WIDTHS)

    page.get_by_role("link", name="Access history").click()
    panel = page.locator("#tab-access")
    expect(panel).to_contain_text("Client data exported")
    expect(panel).to_contain_text("Client record opened")
    expect(panel).to_contain_text("Olivia Owner")
    assert page.url.endswith(f"/clients/{zoe.pk}/access/")
    assert not check_page(page, where="client-access-history", widths=WIDTHS)
