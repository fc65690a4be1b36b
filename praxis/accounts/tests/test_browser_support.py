"""Issue 6 point 6 end to end, in Chromium: a practice manager signs up for the free Support account,
sets the password from the e-mailed link, creates a team (R-WS-1) and manages it without clinical
capabilities (R-ROLE-2)."""

import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import Page, expect

from praxis.accounts.models import User
from praxis.workspaces import licences
from praxis.workspaces.access import resolve_access
from praxis.workspaces.roles import CLIENTS_SENSITIVE, NOTES_WRITE

NEW_PASSWORD = "a long and unguessable passphrase"


@pytest.mark.browser
def test_point_6_practice_manager_signs_up_for_support_and_runs_a_team(page: Page, live_server):
    page.set_default_timeout(10_000)
    mail.outbox.clear()
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("E-mail address").fill("mara@example.org")
    page.get_by_label("First name").fill("Mara")
    page.get_by_label("Last name").fill("Manager")
    page.get_by_label(re.compile("I manage a practice")).check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Check your e-mail: we sent you a link to continue.")).to_be_visible()

    [message] = [m for m in mail.outbox if "mara@example.org" in m.to]
    link = re.search(re.escape(settings.PRAXIS_SITE_URL) + r"(/accounts/password/set/\S+/)", str(message.body))
    assert link is not None, "the welcome e-mail carries a password link"
    path = link.group(1)
    page.goto(f"{live_server.url}{path}")
    page.get_by_role("textbox", name="New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("textbox", name="Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password and log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"{live_server.url}/workspaces/")
    page.get_by_role("textbox", name="Name", exact=True).fill("Kliniek West")
    page.get_by_role("radio", name=re.compile(r"Team \(central billing\)")).check()
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_role("heading", name="Kliniek West", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Billing")).to_be_visible()  # runs the team's billing

    manager = User.objects.get(email="mara@example.org")
    licence = licences.current_licence(manager)
    assert licence is not None and licence.account_type == "support"
    in_workspace = re.search(r"/w/([^/]+)/", page.url)
    assert in_workspace is not None, page.url
    slug = in_workspace.group(1)
    capabilities = resolve_access(manager, slug).capabilities
    assert not {NOTES_WRITE, CLIENTS_SENSITIVE} & capabilities
