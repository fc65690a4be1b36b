"""In a real browser (R-BIL-5, R-BIL-14): an admin adds a paid member mid-cycle, sees what it costs
before sending, the member joins, and the prorated invoice the billing run issues is on the billing tab."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from praxis.testing import PASSWORD
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_adds_a_paid_member_and_sees_the_preview_and_the_invoice(page, browser, live_server, settings,
                                                                        time_machine):
    from playwright.sync_api import expect

    # The workspace was created on 2026-11-01 (its anchor); today is 2026-11-16 (time keeps ticking, so the
    # browser's own waits work).
    time_machine.move_to(dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC), tick=False)
    owner = user_sign_up(email="eva@linde.test", password=PASSWORD, first_name="Eva", last_name="Linde")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    time_machine.move_to(dt.datetime(2026, 11, 16, 11, 0, tzinfo=dt.UTC), tick=True)

    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(owner.email)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"/w/{workspace.slug}/invitations/")
    page.get_by_label("E-mail addresses").fill("pieter@linde.test")
    page.get_by_label("Account type").select_option("pro")
    panel = page.locator("#seat-cost")
    # Before sending: 59.00 × 15/30 = 29.50 now (+ 21 % VAT 6.20), then 59.00 a month.
    expect(panel).to_contain_text("€ 29.50")
    expect(panel).to_contain_text("€ 6.20")
    expect(panel).to_contain_text("€ 59.00")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("status")).to_contain_text("1")

    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invite/" in line).strip()
    invitee = browser.new_context(base_url=live_server.url).new_page()
    invitee.goto(link.replace(settings.PRAXIS_SITE_URL, live_server.url))
    invitee.get_by_label("First name").fill("Pieter")
    invitee.get_by_label("Last name").fill("Jansen")
    invitee.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    invitee.get_by_role("textbox", name="Repeat password", exact=True).fill(PASSWORD)
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.get_by_role("heading", name="Praktijk De Linde")).to_be_visible()

    call_command("billing_run", at="2026-11-17", force=True)

    page.goto(f"/w/{workspace.slug}/billing/")
    invoices = page.locator("#invoices")
    expect(invoices).to_contain_text("2026-000001")
    expect(invoices).to_contain_text("€ 35.70")
    # From the next cycle on, the seat is on the consolidated invoice: 59.00 + 12.39 VAT.
    expect(page.locator("#next-invoice")).to_contain_text("€ 71.39")
