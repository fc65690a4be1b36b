"""The client list and record in a real browser (issue 7 browser tests; R-CLI-1, R-CLI-8, R-ROLE-3, seed 004):
an owner searches "zoe" and finds Zoë, edits one section of her record in place (only that section is
swapped and saved), and a staff member opens the same record and sees no national identifier. Each page
at 390, 768 and 1280 px with no serious or critical axe-core violation."""

import time

import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from django_scopes import scope, scopes_disabled

from praxis.clients.models import Client
from praxis.testing.pages import check_page, install_axe

from .factories import client_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, user) -> None:
    client = DjangoClient()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _stored_once_written(client_id: int, *, city: str, seconds: float = 5.0) -> Client:
    """The stored client, read again for a few seconds until the server's write is visible to this
    thread: the page shows "Saved." from the server's own read, and the test's connection (a separate one
    on PostgreSQL, a shared one on in-memory SQLite) may lag that by a moment under a loaded CI machine."""
    deadline = time.monotonic() + seconds
    while True:
        with scopes_disabled():
            stored = Client.objects.get(pk=client_id)
        if stored.city == city or time.monotonic() > deadline:
            return stored
        time.sleep(0.1)


def _what_the_database_holds(zoe: Client) -> str:
    """What to print when the write is not there: every client of the workspace and the audit trail of
    this one, so a failure on CI says whether the save reached the database, and on which row."""
    from praxis.audit.models import AuditEvent

    with scopes_disabled():
        rows = list(Client.objects.values_list("pk", "workspace_id", "last_name", "city"))
        codes = list(AuditEvent.objects.filter(client_id=str(zoe.pk)).order_by("pk").values_list("event_code", flat=True))
    return f"clients={rows} audit for client {zoe.pk}={codes}"


def test_search_zoe_edit_a_section_in_place_and_staff_sees_no_national_id(page, browser, live_server,
                                                                           workspace_with_team):
    from playwright.sync_api import expect

    team = workspace_with_team
    owner_access = team.access("owner")
    with scope(workspace=team.workspace):
        zoe = client_make(owner_access, first_name="Zoë", last_name="Lefèvre", national_id="123456782",
                          email="zoe@example.test", phone="0612345678", city="Utrecht")
        client_make(owner_access, first_name="Bram", last_name="de Vries")
    install_axe(page.context)
    _login(page, live_server, team.owner)

    # Search: "zoe" finds "Zoë" and not the other client (R-CLI-8).
    page.goto(f"/w/{team.workspace.slug}/clients/")
    page.get_by_role("searchbox").fill("zoe")
    page.get_by_role("searchbox").press("Enter")
    results = page.locator("main")
    expect(results.get_by_role("link", name="Lefèvre", exact=False)).to_be_visible()
    expect(results).not_to_contain_text("de Vries")
    assert not check_page(page, where="clients-search")

    # The record: header, then sections; Edit on the address section swaps only that section (htmx).
    results.get_by_role("link", name="Lefèvre", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lefèvre")
    expect(page.locator("main")).to_contain_text("123456782")  # the owner may see the national identifier
    assert not check_page(page, where="client-record-owner")
    url_before = page.url
    address = page.locator("#section-address")
    address.get_by_role("link", name="Edit").click()
    page.get_by_label("City").fill("Amersfoort")
    page.locator("#section-address").get_by_role("button", name="Save").click()
    expect(page.locator("#section-address")).to_contain_text("Amersfoort")
    expect(page.locator("#section-address")).to_contain_text("Saved.")
    assert page.url == url_before  # edited in place: no navigation
    expect(page.locator("#section-contact")).to_contain_text("zoe@example.test")  # other sections untouched
    stored = _stored_once_written(zoe.pk, city="Amersfoort")
    assert stored.city == "Amersfoort" and stored.email == "zoe@example.test", _what_the_database_holds(zoe)

    # Staff (clients.view, no clients.sensitive) opens the same record: no national identifier (R-ROLE-3).
    staff_page = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    install_axe(staff_page.context)
    _login(staff_page, live_server, team.users["staff"])
    staff_page.goto(f"/w/{team.workspace.slug}/clients/{zoe.pk}/")
    expect(staff_page.get_by_role("heading", level=1)).to_contain_text("Lefèvre")
    expect(staff_page.locator("main")).to_contain_text("zoe@example.test")
    assert "123456782" not in staff_page.content()
    assert "National identifier" not in staff_page.locator("main").inner_text()
    assert not check_page(staff_page, where="client-record-staff")
    staff_page.context.close()
