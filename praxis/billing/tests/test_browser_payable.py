"""In a real browser (issue 6 point 3): the owner opens an issued invoice from the billing tab and finds how
to pay it — issuer, IBAN, BIC, reference, due date — on a phone (390 px) and a desktop, without the page
scrolling sideways."""

import datetime as dt

import pytest
from django_scopes import scope

from praxis.billing import terms
from praxis.billing.run import billing_run
from praxis.testing import PASSWORD
from praxis.workspaces import invitations
from praxis.workspaces.access import resolve_access
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_owner_finds_how_to_pay_an_invoice(page, time_machine, width):
    from playwright.sync_api import expect

    time_machine.move_to(dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC), tick=False)
    terms.issuer_set(actor=None, values={
        "legal_name": "Praxis Software B.V.", "address": "Keizersgracht 174\n1016 DW Amsterdam",
        "vat_id": "NL864321987B01", "account_holder": "Praxis Software B.V.", "iban": "NL91ABNA0417164300",
        "bic": "ABNANL2A"})
    owner = user_sign_up(email="eva@linde.test", password=PASSWORD, first_name="Eva", language="en")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    with scope(workspace=workspace):
        [(_inv, token)] = invitations.invitations_create(
            access=resolve_access(owner, workspace.slug), emails=["pro@linde.test"], role="clinician",
            account_type="pro", pay_for_user=True)
    invitations.invitation_accept(token=token, user=user_sign_up(email="pro@linde.test", password=PASSWORD))
    billing_run(at=dt.date(2026, 11, 1))
    time_machine.move_to(dt.datetime(2026, 11, 3, 11, 0, tzinfo=dt.UTC), tick=True)

    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(owner.email)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/w/{workspace.slug}/billing/")
    page.get_by_role("link", name="2026-000001", exact=True).click()

    expect(page.get_by_role("heading", name="Invoice 2026-000001")).to_be_visible()
    payment = page.locator("#payment")
    for text in ("NL91 ABNA 0417 1643 00", "ABNANL2A", "RF422026000001", "€ 71.39", "15 November 2026"):
        expect(payment).to_contain_text(text)
    expect(page.locator("#invoice-issuer")).to_contain_text("NL864321987B01")
    expect(page.locator("#invoice-status")).to_have_text("Open")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
