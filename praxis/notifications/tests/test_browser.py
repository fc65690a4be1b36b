"""Issue 6 point 4 end to end in Chromium: an inviter sends an invitation, the invitee accepts, the inviter
sees the bell count 1, opens the list and marks the notification read (htmx)."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from playwright.sync_api import Page, expect

from praxis.workspaces.tests.test_browser import (
    NEW_PASSWORD,
    expect_message,
    invitation_paths,
    log_in,
    second_person,
    workspace_nav,
)


def bell(page: Page):
    return page.get_by_role("link", name=re.compile(r"^Notifications: \d+ unread$"))


def test_inviter_sees_the_accepted_invitation_in_the_bell_and_marks_it_read(page, browser, live_server,
                                                                           workspace_with_team, password):
    team = workspace_with_team
    ws = team.workspace
    newcomer = "nora.nieuw@example.test"
    mail.outbox.clear()

    log_in(page, team.admin.email, password)
    page.goto(f"/w/{ws.slug}/")
    expect(bell(page)).to_have_accessible_name("Notifications: 0 unread")
    workspace_nav(page).get_by_role("link", name="Invitations").click()
    page.get_by_label("E-mail addresses").fill(newcomer)
    page.get_by_label("Role").select_option("clinician")
    page.get_by_label("Account type").select_option("pro")
    page.get_by_role("button", name="Send invitations").click()
    expect_message(page, "Invitation sent to 1 address.")
    [link] = invitation_paths(newcomer)

    with second_person(browser, live_server) as invitee:
        invitee.goto(live_server.url + link)
        invitee.get_by_label("First name").fill("Nora")
        invitee.get_by_label("Last name").fill("Nieuw")
        invitee.get_by_role("textbox", name="Password", exact=True).fill(NEW_PASSWORD)
        invitee.get_by_label("Repeat password").fill(NEW_PASSWORD)
        invitee.get_by_role("button", name="Create account and join").click()
        expect_message(invitee, f"Welcome to {ws.name}.")

    # The inviter's next page shows it in the bell; the list says what happened and links there.
    page.reload()
    expect(bell(page)).to_have_accessible_name("Notifications: 1 unread")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    bell(page).click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    entries = page.get_by_role("region", name="Your notifications, newest first")
    entry = entries.get_by_role("link", name=f"Nora Nieuw accepted your invitation to {ws.name}.")
    expect(entry).to_have_attribute("href", f"/w/{ws.slug}/members/")
    assert any(m.to == [team.admin.email] for m in mail.outbox)  # and the e-mail of the same event

    entries.get_by_role("button", name="Mark as read").click()
    expect(entries.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(bell(page)).to_have_accessible_name("Notifications: 0 unread")  # swapped out of band
    expect(page.get_by_test_id("unread-count")).to_have_count(0)

    entry = page.get_by_role("region", name="Your notifications, newest first").get_by_role(
        "link", name=f"Nora Nieuw accepted your invitation to {ws.name}.")
    entry.click()
    expect(page).to_have_url(re.compile(rf"/w/{re.escape(ws.slug)}/members/$"))
    expect(page.get_by_role("table", name="Active members").get_by_role("link", name="Nora Nieuw")).to_be_visible()


def test_self_payer_is_warned_with_the_credit_before_accepting_and_told_after(page, live_server, make_user,
                                                                             password, time_machine):
    """Point 4, R-BIL-7: the accept page names the credit (29.00 × 15/30 = € 14.50) before the click; after
    it the bell shows the ended subscription with the same figure."""
    from django.core.management import call_command
    from django_scopes import scope

    from praxis.billing.services import subscription_start
    from praxis.workspaces.access import resolve_access
    from praxis.workspaces.invitations import invitations_create
    from praxis.workspaces.services import workspace_create

    time_machine.move_to(dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC), tick=False)
    sol = make_user("sol@example.test", first_name="Sol", last_name="Solo")
    subscription_start(user=sol, account_type="essentials")
    call_command("billing_run", at="2026-11-02", force=True)  # the next day's run, simulated (issue 6 point 5)
    time_machine.move_to(dt.datetime(2026, 11, 16, 11, 0, tzinfo=dt.UTC), tick=True)
    owner = make_user(first_name="Otto", last_name="Owner")
    workspace = workspace_create(actor=owner, name="Praktijk Zuid", tier="practice")
    with scope(workspace=workspace):
        [(_invitation, token)] = invitations_create(access=resolve_access(owner, workspace.slug),
                                                    emails=[sol.email], role="clinician", account_type="pro")

    log_in(page, sol.email, password)
    page.goto(f"/invite/{token}/")
    warning = page.get_by_role("note")
    expect(warning).to_contain_text("You pay for your own Essentials subscription.")
    expect(warning).to_contain_text("The unused rest of your subscription, € 14.50, is credited to your personal "
                                    "balance")
    page.get_by_role("button", name="Accept the invitation").click()
    expect_message(page, "Welcome to Praktijk Zuid.")
    expect(bell(page)).to_have_accessible_name("Notifications: 1 unread")
    bell(page).click()
    expect(page.get_by_role("region", name="Your notifications, newest first")).to_contain_text(
        "The unused rest, € 14.50, was credited to your personal balance.")
