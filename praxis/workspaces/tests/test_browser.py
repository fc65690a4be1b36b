"""End-to-end browser tests of the workspace pages: the real Chromium, through the real UI.

Covers R-ACC-1 (log in with the form), R-INV-1 (bulk invite), R-INV-3 (sign up from the link, the address
read-only), R-INV-4 (a used link is dead), R-MEM-1 (cancel with confirmation, restore from the cancelled
list) and R-MEM-2 (the cancelled person loses the workspace at once but keeps their account).

Locators are role- and label-based on purpose: a control without an accessible name fails the test.
The live server runs in a thread of this process, so e-mails sent there (locmem backend, after commit)
land in `django.core.mail.outbox`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import Browser, BrowserContext, Page, expect

TIMEOUT_MS = 10_000
NEW_PASSWORD = "a long and unguessable passphrase"


@pytest.fixture(autouse=True)
def _timeouts(page: Page) -> Iterator[None]:
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for anything else in the session


@contextmanager
def second_person(browser: Browser, live_server) -> Iterator[Page]:
    """A fresh browser context (own cookies, nobody logged in) for another person."""
    context: BrowserContext = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, email: str, password: str) -> None:
    """R-ACC-1: through the login form, as a person would."""
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def expect_message(page: Page, text: str) -> None:
    """A flash message, announced (role=status). After an htmx swap an older message may still be shown."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def workspace_nav(page: Page):
    return page.get_by_role("navigation", name="Workspace")


def member_tabs(page: Page):
    return page.get_by_role("navigation", name="Membership status")


def invitation_paths(email: str) -> list[str]:
    """The invitation link(s) e-mailed to `email`, as paths on the live server."""
    prefix = re.escape(settings.PRAXIS_SITE_URL)
    paths = []
    for message in mail.outbox:
        if email in message.to:
            paths += re.findall(prefix + r"(/invite/[^/\s]+/)", str(message.body))
    return paths


def test_admin_invites_two_and_one_signs_up_from_the_link(page, browser, live_server, workspace_with_team,
                                                          password):
    """R-ACC-1, R-INV-1, R-INV-3, R-INV-4: bulk invite, sign-up from the link, the new member is listed."""
    team = workspace_with_team
    ws = team.workspace
    first, second = "nina.nieuw@example.test", "piet.later@example.test"
    mail.outbox.clear()

    # The admin logs in with the form and goes to the practice through the workspace switcher.
    log_in(page, team.admin.email, password)
    switcher = page.get_by_role("navigation", name="Workspaces")
    switcher.locator("summary").click()  # opens the list
    switcher.get_by_role("link", name=ws.name).click()
    expect(page.get_by_role("heading", name=ws.name, level=1)).to_be_visible()

    workspace_nav(page).get_by_role("link", name="Invitations").click()
    expect(page.get_by_role("heading", name="Invitations", level=1)).to_be_visible()
    page.get_by_label("E-mail addresses").fill(f"{first}\n{second}")
    page.get_by_label("Role").select_option("clinician")
    page.get_by_label("Account type").select_option("pro")
    expect(page.get_by_label("Pay for this user")).to_be_checked()
    page.get_by_role("button", name="Send invitations").click()

    expect_message(page, "Invitations sent to 2 addresses.")
    pending = page.get_by_role("region", name="Pending invitations")
    for address in (first, second):
        row = pending.get_by_role("row").filter(has=page.get_by_role("cell", name=address, exact=True))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Clinician")
        expect(row).to_contain_text("Pro")
        expect(row.get_by_role("button", name=f"Resend the invitation to {address}")).to_be_visible()
        expect(row.get_by_role("button", name=f"Revoke the invitation to {address}")).to_be_visible()

    [link] = invitation_paths(first)
    assert len(invitation_paths(second)) == 1

    # The invitee, in a browser of their own and not logged in, opens the link from the e-mail.
    with second_person(browser, live_server) as invitee:
        opened = invitee.goto(live_server.url + link)
        assert opened is not None and opened.status == 200
        expect(invitee.get_by_role("heading", name=f"Join {ws.name}", level=1)).to_be_visible()
        expect(invitee.get_by_text(first, exact=True)).to_be_visible()
        # The invited address is shown, not offered as an input (R-INV-3).
        expect(invitee.get_by_role("textbox", name=re.compile("e-mail", re.I))).to_have_count(0)
        expect(invitee.locator(f'input[value="{first}"]')).to_have_count(0)

        invitee.get_by_label("First name").fill("Nina")
        invitee.get_by_label("Last name").fill("Nieuw")
        invitee.get_by_role("textbox", name="Password", exact=True).fill(NEW_PASSWORD)
        invitee.get_by_label("Repeat password").fill(NEW_PASSWORD)
        with invitee.expect_response(lambda r: r.request.method == "POST") as posted:
            invitee.get_by_role("button", name="Create account and join").click()
        # The form posts back to the link; a refusal here (e.g. 403 from the CSRF Origin check) is the bug.
        answer = posted.value
        if answer.status != 302:
            text = re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(style|script)\b.*?</\1>", "", answer.text()))
            pytest.fail(
                f"Signing up from the invitation link answered {answer.status}, not a redirect "
                f"(request Origin: {answer.request.all_headers().get('origin')!r}, the link page's Referrer-Policy: "
                f"{opened.headers.get('referrer-policy')!r}): {' '.join(text.split())[:200]}"
            )

        expect(invitee).to_have_url(re.compile(rf"/w/{re.escape(ws.slug)}/$"))
        expect(invitee.get_by_role("heading", name=ws.name, level=1)).to_be_visible()
        expect_message(invitee, f"Welcome to {ws.name}.")
        expect(invitee.get_by_text("Your role:")).to_contain_text("Clinician")
        expect(invitee.get_by_role("link", name="Nina Nieuw")).to_be_visible()  # the user menu

        # The link is single-use (R-INV-2/R-INV-4): opened again it is dead and tells nothing more.
        response = invitee.goto(live_server.url + link)
        assert response is not None and response.status == 410
        expect(invitee.get_by_text("This invitation link is no longer valid.")).to_be_visible()
        expect(invitee.get_by_role("main")).not_to_contain_text(ws.name)

    # Back as the admin: the new member is listed, and only the other invitation is still pending.
    workspace_nav(page).get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    active = page.get_by_role("table", name="Active members")
    row = active.get_by_role("row").filter(has=page.get_by_role("link", name="Nina Nieuw"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(first)
    expect(row).to_contain_text("Clinician")
    expect(row).to_contain_text("Pro")
    expect(row.get_by_role("checkbox", name="Select Nina Nieuw")).not_to_be_checked()

    workspace_nav(page).get_by_role("link", name="Invitations").click()
    pending = page.get_by_role("region", name="Pending invitations")
    expect(pending.get_by_role("cell", name=second, exact=True)).to_be_visible()
    expect(pending.get_by_role("cell", name=first, exact=True)).to_have_count(0)


def test_admin_cancels_and_restores_a_member(page, browser, live_server, workspace_with_team, password):
    """R-MEM-1 (cancel with confirmation, cancelled tab, restore) and R-MEM-2 (access ends at once)."""
    team = workspace_with_team
    ws = team.workspace
    clara = team.clinician
    mail.outbox.clear()

    with second_person(browser, live_server) as clinician_page:
        # Clara is logged in and working in the practice.
        log_in(clinician_page, clara.email, password)
        response = clinician_page.goto(f"/w/{ws.slug}/")
        assert response is not None and response.status == 200

        log_in(page, team.admin.email, password)
        page.goto(f"/w/{ws.slug}/")
        workspace_nav(page).get_by_role("link", name="Members").click()
        active = page.get_by_role("table", name="Active members")
        expect(active.get_by_role("link", name="Clara Clinician")).to_be_visible()
        expect(member_tabs(page).get_by_role("link", name=re.compile(r"^Active \(5\)"))).to_have_attribute(
            "aria-current", "page")

        active.get_by_role("checkbox", name="Select Clara Clinician").check()
        page.get_by_role("button", name="Cancel membership…").click()

        dialog = page.get_by_role("dialog", name="Cancel the membership of 1 person?")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Clara Clinician")
        expect(dialog).to_contain_text(clara.email)
        expect(dialog.get_by_role("button", name="Keep them")).to_be_visible()
        dialog.get_by_role("button", name="Cancel membership", exact=True).click()

        expect_message(page, "The membership of 1 person was cancelled.")
        active = page.get_by_role("table", name="Active members")
        expect(active.get_by_role("link", name="Adam Admin")).to_be_visible()
        expect(active.get_by_role("link", name="Clara Clinician")).to_have_count(0)
        assert any(clara.email in m.to for m in mail.outbox), "R-MEM-1: the person is told by e-mail"
        with scopes_disabled():
            assert team.member("clinician").status == "cancelled"

        # R-MEM-2: Clara's open session loses the workspace at once (a 404, as for a stranger) ...
        response = clinician_page.goto(f"/w/{ws.slug}/members/")
        assert response is not None and response.status == 404
        response = clinician_page.goto(f"/w/{ws.slug}/")
        assert response is not None and response.status == 404
        # ... but she keeps her account and is still logged in (her personal workspace).
        response = clinician_page.goto("/")
        assert response is not None and response.status == 200
        expect(clinician_page.get_by_role("button", name="Log out")).to_be_visible()
        expect(clinician_page.get_by_role("heading", name=clara.display_name, level=1)).to_be_visible()

        # The admin finds her on the cancelled tab and restores her.
        member_tabs(page).get_by_role("link", name=re.compile(r"^Cancelled \(1\)")).click()
        cancelled = page.get_by_role("table", name="Cancelled members")
        expect(cancelled.get_by_role("link", name="Clara Clinician")).to_be_visible()
        expect(page).to_have_url(re.compile(r"status=cancelled"))
        cancelled.get_by_role("checkbox", name="Select Clara Clinician").check()
        expect(page.get_by_label("Pay for their seat again")).to_be_visible()
        page.get_by_role("button", name="Restore").click()

        expect_message(page, "The membership of 1 person was restored.")
        expect(page.get_by_text("No cancelled members.")).to_be_visible()
        member_tabs(page).get_by_role("link", name=re.compile(r"^Active \(5\)")).click()
        active = page.get_by_role("table", name="Active members")
        expect(active.get_by_role("link", name="Clara Clinician")).to_be_visible()
        with scopes_disabled():
            assert team.member("clinician").status == "active"

        # And Clara is back in.
        response = clinician_page.goto(f"/w/{ws.slug}/")
        assert response is not None and response.status == 200
        expect(clinician_page.get_by_role("heading", name=ws.name, level=1)).to_be_visible()


def test_refused_bulk_invite_names_the_address_and_keeps_the_input(page, workspace_with_team, password):
    """R-INV-1: all or nothing; the invalid address is named and the textarea keeps what was typed."""
    from praxis.workspaces.models import Invitation

    team = workspace_with_team
    ws = team.workspace
    typed = "good.one@example.test\nnot-an-address\nalso.good@example.test"
    mail.outbox.clear()

    log_in(page, team.admin.email, password)
    page.goto(f"/w/{ws.slug}/invitations/")
    page.get_by_label("E-mail addresses").fill(typed)
    page.get_by_role("button", name="Send invitations").click()

    emails = page.get_by_label("E-mail addresses")
    error = "“not-an-address” is not a valid e-mail address."
    expect(page.get_by_text(error)).to_be_visible()
    expect(emails).to_have_value(typed)
    expect(emails).to_have_attribute("aria-invalid", "true")
    expect(emails).to_have_accessible_description(re.compile(re.escape(error)))
    pending = page.get_by_role("region", name="Pending invitations")
    expect(pending.get_by_text("No pending invitations.")).to_be_visible()
    assert mail.outbox == []
    with scopes_disabled():
        assert not Invitation.objects.filter(workspace=ws, email__in=typed.split()).exists()
