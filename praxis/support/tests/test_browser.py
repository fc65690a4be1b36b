"""In a real browser (issue 9, seed 002): a clinician files a bug report with a screenshot; the operator
answers in the console and sets "awaiting customer"; the clinician sees it first on the home page, answers,
and the ticket is back "in progress" — at 390 and 1280 px, every page passing the vendored axe-core check."""

import pytest
from django_scopes import scopes_disabled

from praxis.support.models import Message, Ticket
from praxis.testing import pages as walker
from praxis.testing.team import build_team

from .factories import PNG, category, make_operator


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_a_bug_report_answered_by_the_operator_and_by_the_clinician(width, browser, live_server, make_user,
                                                                      tmp_path):
    from playwright.sync_api import expect

    team = build_team(make_user, label=f"Support{width}")
    category()
    operator = make_operator(make_user, first_name="Olaf")
    slug = team.workspace.slug
    screenshot = tmp_path / "export-error.png"
    screenshot.write_bytes(PNG)
    problems: list[str] = []

    def person(user):
        return walker.logged_in_page(browser, live_server, user, width=width)

    clinician_context, clinician = person(team.clinician)
    operator_context, console = person(operator)
    try:
        # The clinician files a bug report from the Support page.
        clinician.goto(f"/w/{slug}/support/")
        problems += walker.check_page(clinician, where="support page", widths=(width,))
        clinician.get_by_role("link", name="Bug report").click()
        expect(clinician.locator("#no-patient-data")).to_contain_text("Please do not include patient data.")
        problems += walker.check_page(clinician, where="new bug report", widths=(width,))
        clinician.get_by_label("Main category").select_option(label="Technical")
        clinician.get_by_label("Subject").fill("Export gives an error")
        clinician.get_by_label("Description").fill("Exporting the client list shows an error page.")
        clinician.get_by_role("button", name="Send ticket").click()
        # The steps and the page are asked for: refused, with the message on the field.
        expect(clinician.get_by_text("This field is required.").first).to_be_visible()
        clinician.get_by_label("Steps to reproduce").fill("1. Clients\n2. Export as CSV")
        clinician.get_by_label("Page it happened on").fill(f"/w/{slug}/clients/")
        clinician.get_by_label("Attachments").set_input_files(str(screenshot))
        clinician.get_by_role("button", name="Send ticket").click()
        expect(clinician.get_by_role("heading", name="Export gives an error", level=1)).to_be_visible()
        expect(clinician.get_by_role("link", name="export-error.png")).to_be_visible()
        with scopes_disabled():
            ticket = Ticket.objects.get()
            assert (ticket.kind, ticket.status, ticket.attachments.count()) == ("bug", "new", 1)

        # The operator finds it in the console, writes an internal note, then answers and asks for more.
        console.goto("/console/tickets/")
        problems += walker.check_page(console, where="console list", widths=(width,))
        console.get_by_role("link", name="Export gives an error").click()
        expect(console.get_by_role("heading", name="Export gives an error")).to_be_visible()
        console.get_by_label("Message").fill("Only on Excel exports, it seems.")
        console.get_by_label("Internal note (the customer never sees it)").check()
        console.get_by_role("button", name="Send").click()
        expect(console.get_by_text("Internal note added.")).to_be_visible()
        console.get_by_label("Message").fill("Thank you. Which browser do you use?")
        console.get_by_label("Then set the status to").select_option("awaiting_customer")
        console.get_by_role("button", name="Send").click()
        expect(console.get_by_text("Reply sent to the customer.")).to_be_visible()
        problems += walker.check_page(console, where="console ticket", widths=(width,))

        # The clinician sees it first on the home page, opens it and answers.
        clinician.goto(f"/w/{slug}/")
        awaiting = clinician.locator("#tickets-awaiting")
        expect(awaiting.get_by_role("link", name="Export gives an error")).to_be_visible()
        problems += walker.check_page(clinician, where="home", widths=(width,))
        awaiting.get_by_role("link", name="Export gives an error").click()
        expect(clinician.locator("#awaiting-you")).to_be_visible()
        expect(clinician.get_by_text("Which browser do you use?")).to_be_visible()
        expect(clinician.get_by_text("Only on Excel exports")).to_have_count(0)  # the internal note
        clinician.get_by_label("Your answer").fill("Firefox 140 on Windows")
        clinician.get_by_role("button", name="Send answer").click()
        expect(clinician.get_by_text("Your answer was sent.")).to_be_visible()
        expect(clinician.locator(".page-header .badge")).to_have_text("In progress")
        problems += walker.check_page(clinician, where="ticket after the answer", widths=(width,))
    finally:
        clinician_context.close()
        operator_context.close()
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    with scopes_disabled():
        assert list(Message.objects.filter(ticket=ticket).values_list("internal", "from_operator")) == [
            (True, True), (False, True), (False, False)]
    assert not problems, "\n".join(problems)
