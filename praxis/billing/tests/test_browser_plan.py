"""In a real browser (R-BIL-14, R-BIL-5, issue 6 point 1): what the invite form's cost panel shows before a
change is what the billing run then invoices for it, to the cent — on a cycle's first day after that cycle's
invoice was issued (the reported bug: the panel said "Nothing extra now" and the run then issued € 142.78),
and mid-cycle.

Screenshots at 1280 and 390 px of the invite form, the billing tab and the invoice page are written to
test-artifacts/screenshots/ (git-ignored) for a person to look at."""

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled

from praxis.billing.models import Invoice
from praxis.billing.run import billing_run
from praxis.testing import PASSWORD
from praxis.workspaces import invitations
from praxis.workspaces.access import resolve_access
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


def _shoot(page, name: str) -> None:
    """Full-page screenshots at a desktop and a phone width; the page must not scroll sideways on either."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"plan_{name}_{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


ONE_LINE = """els => els.map(el => { const range = document.createRange(); range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
  return tops.size; })"""


def _assert_on_one_line(page, selector: str) -> None:
    """Each element matching `selector` is laid out on one line (an amount or number that wraps reads wrong)."""
    lines = page.locator(selector).evaluate_all(ONE_LINE)
    assert lines and all(n == 1 for n in lines), f"{selector} wraps: {lines} lines"


def _practice_with_one_paid_seat(time_machine):
    """Praktijk De Linde, anchored on 2026-11-01, with one Pro seat the workspace pays (€ 71.39 a month incl.
    21 % VAT); the run on 2026-11-01 issued November's invoice."""
    time_machine.move_to(dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC), tick=False)
    owner = user_sign_up(email="eva@linde.test", password=PASSWORD, first_name="Eva", last_name="Linde",
                          language="en")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    with scope(workspace=workspace):
        [(_inv, token)] = invitations.invitations_create(
            access=resolve_access(owner, workspace.slug), emails=["anna@linde.test"], role="clinician",
            account_type="pro", pay_for_user=True)
    invitations.invitation_accept(token=token, user=user_sign_up(email="anna@linde.test", password=PASSWORD))
    billing_run(at=dt.date(2026, 11, 1))
    return owner, workspace


def _invoice(**filters) -> Invoice:
    with scopes_disabled():  # the test reads across the scope the pages enter
        return Invoice.objects.get(**filters)


def _log_in(page, owner) -> None:
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(owner.email)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _invite_pro(page, workspace, emails: list[str]) -> str:
    """Fill the invite form for Pro seats paid by the workspace; returns the cost panel's text."""
    from playwright.sync_api import expect

    page.goto(f"/w/{workspace.slug}/invitations/")
    page.get_by_label("E-mail addresses").fill("\n".join(emails))
    page.get_by_label("Account type").select_option("pro")
    expect(page.get_by_label("Pay for this user")).to_be_checked()
    panel = page.locator("#seat-cost")
    expect(panel).to_contain_text(f"Cost of {len(emails)} Pro seat")
    return panel


def _accept_all(browser, live_server, settings, count: int) -> None:
    from playwright.sync_api import expect

    links = [next(line for line in message.body.splitlines() if "/invite/" in line).strip()
             for message in mail.outbox[-count:]]
    for n, link in enumerate(links):
        invitee = browser.new_context(base_url=live_server.url).new_page()
        invitee.goto(link.replace(settings.PRAXIS_SITE_URL, live_server.url))
        invitee.get_by_label("First name").fill(f"Joiner{n}")
        invitee.get_by_label("Last name").fill("Jansen")
        invitee.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
        invitee.get_by_role("textbox", name="Repeat password", exact=True).fill(PASSWORD)
        invitee.get_by_role("button", name="Create account and join").click()
        expect(invitee.get_by_role("heading", name="Praktijk De Linde")).to_be_visible()
        invitee.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_first_day_of_a_cycle_after_its_run_the_panel_shows_what_is_invoiced(page, browser, live_server,
                                                                             settings, time_machine):
    """Issue 6 point 1 (R-BIL-14, R-BIL-5): on 2026-12-01, after December's cycle invoice was issued, two
    Pro joiners paid by the workspace cost a full-cycle proration now: 2 × 59.00 × 31/31 = 118.00 + 21 % VAT
    24.78 = 142.78 — shown in the invite panel; paying for a free member as Pro costs 59.00 + 12.39 = 71.39
    in the confirmation dialog; the next run invoices exactly the sum, 214.17, on one proration invoice."""
    from playwright.sync_api import expect

    owner, workspace = _practice_with_one_paid_seat(time_machine)
    time_machine.move_to(dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC), tick=False)
    billing_run(at=dt.date(2026, 12, 1))
    with scope(workspace=workspace):
        [(_inv, token)] = invitations.invitations_create(
            access=resolve_access(owner, workspace.slug), emails=["vera@linde.test"], role="clinician",
            account_type="free", pay_for_user=False)
    invitations.invitation_accept(token=token, user=user_sign_up(email="vera@linde.test", password=PASSWORD,
                                                                first_name="Vera", last_name="Vos"))
    december = _invoice(workspace=workspace, kind=Invoice.Kind.CYCLE, period_start=dt.date(2026, 12, 1))
    assert december.total_cents == 7139
    time_machine.move_to(dt.datetime(2026, 12, 1, 11, 0, tzinfo=dt.UTC), tick=True)

    _log_in(page, owner)
    panel = _invite_pro(page, workspace, ["joris@linde.test", "femke@linde.test"])
    expect(panel).not_to_contain_text("Nothing extra now")
    expect(panel).to_contain_text("€ 118.00")
    expect(panel).to_contain_text("€ 24.78")
    expect(panel).to_contain_text("€ 142.78")
    _shoot(page, "invite_first_day")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("status")).to_contain_text("2")

    _accept_all(browser, live_server, settings, 2)

    page.goto(f"/w/{workspace.slug}/billing/")
    expect(page.locator("#invoices")).to_contain_text(december.number)
    # From January on, the three Pro seats are on the consolidated invoice: 177.00 + 37.17 VAT.
    expect(page.locator("#next-invoice")).to_contain_text("€ 214.17")
    _shoot(page, "billing_first_day_before_run")

    # The "pay for this member" dialog for Vera (free) as Pro: one full-cycle seat, 59.00 + 12.39 = 71.39.
    page.get_by_label("Account type to pay for Vera Vos").select_option("pro")
    page.get_by_role("button", name="Pay for this member").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("€ 59.00 + VAT € 12.39 = € 71.39")
    expect(dialog).not_to_contain_text("Nothing extra now")
    _shoot(page, "pay_for_member_dialog")
    dialog.get_by_role("button", name="Pay for this member").click()
    expect(page.locator("#next-invoice")).to_contain_text("€ 285.56")  # 4 × 59.00 = 236.00 + 49.56 VAT

    billing_run(at=dt.date(2026, 12, 2))
    proration = _invoice(workspace=workspace, kind=Invoice.Kind.PRORATION)
    # What the panel (142.78) and the dialog (71.39) showed, on one proration invoice of 2026-12-01.
    assert (proration.subtotal_cents, proration.vat_cents, proration.total_cents) == (17700, 3717, 21417)
    assert proration.total_cents == 14278 + 7139

    page.goto(f"/w/{workspace.slug}/billing/")
    expect(page.locator("#invoices")).to_contain_text(proration.number)
    expect(page.locator("#invoices")).to_contain_text("€ 214.17")
    _shoot(page, "billing_first_day_after_run")
    # On a phone the invoices table scrolls inside its card; its amounts, numbers and dates do not break.
    page.set_viewport_size({"width": 390, "height": 900})
    for selector in ("#invoices td.num", "#invoices tbody td:first-child", "#next-invoice td.num"):
        _assert_on_one_line(page, selector)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name=proration.number, exact=True).click()
    expect(page.get_by_role("heading", name=f"Invoice {proration.number}")).to_be_visible()
    expect(page.locator("main")).to_contain_text("€ 214.17")
    expect(page.locator("main")).to_contain_text("31 of 31 days")
    _shoot(page, "invoice_first_day")
    # On a phone the invoice's total is on screen, not scrolled away inside the lines table.
    page.set_viewport_size({"width": 390, "height": 900})
    wrap = page.locator("#invoice-lines ~ .table-wrap").bounding_box()
    total = page.locator(".table-wrap tfoot td.num").last.bounding_box()
    widths = page.locator(".table-wrap thead th").evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
    assert total["x"] + total["width"] <= wrap["x"] + wrap["width"], (total, wrap, widths)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_mid_cycle_join_the_panel_shows_what_is_invoiced(page, browser, live_server, settings, time_machine):
    """Issue 6 point 1 (R-BIL-14, R-BIL-4, R-BIL-5): on 2026-12-10 one Pro joiner costs
    59.00 × 22/31 = 41.87 + 21 % VAT 8.79 = 50.66 now; the run on 2026-12-11 invoices exactly that."""
    from playwright.sync_api import expect

    owner, workspace = _practice_with_one_paid_seat(time_machine)
    time_machine.move_to(dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC), tick=False)
    billing_run(at=dt.date(2026, 12, 1))
    time_machine.move_to(dt.datetime(2026, 12, 10, 11, 0, tzinfo=dt.UTC), tick=True)

    _log_in(page, owner)
    panel = _invite_pro(page, workspace, ["joris@linde.test"])
    for text in ("€ 41.87", "€ 8.79", "€ 59.00"):
        expect(panel).to_contain_text(text)
    _shoot(page, "invite_mid_cycle")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("status")).to_contain_text("1")
    _accept_all(browser, live_server, settings, 1)

    billing_run(at=dt.date(2026, 12, 11))
    proration = _invoice(workspace=workspace, kind=Invoice.Kind.PRORATION)
    assert (proration.subtotal_cents, proration.vat_cents, proration.total_cents) == (4187, 879, 5066)
    page.goto(f"/w/{workspace.slug}/billing/")
    expect(page.locator("#invoices")).to_contain_text("€ 50.66")
    page.get_by_role("link", name=proration.number, exact=True).click()
    expect(page.locator("main")).to_contain_text("€ 50.66")
