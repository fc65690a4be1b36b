"""The billing tab, its member actions, the invite dialog's cost preview and the operator console
(SPEC §4: R-BIL-8, R-BIL-14, R-BIL-15, R-BIL-16), through HTTP.

Amounts are written out in euros. Every refusal test also proves that nothing changed. Dates are fixed
with time-machine: a `team` workspace created on 2026-11-01 bills monthly from that anchor, in the
Netherlands (21 % VAT), exactly as in `test_scenarios.py`.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_scopes import scope, scopes_disabled

from praxis.accounts.referrals import referral_code_for, referrals_of
from praxis.billing import services as billing_services
from praxis.billing.models import BalanceEntry, ChangeRequest, Invoice, SeatChange
from praxis.billing.templatetags.billing_tags import amount, money
from praxis.core.errors import ServiceError
from praxis.testing import PASSWORD
from praxis.testing.billing import balance_cents, seats_on
from praxis.testing.team import join as shared_join
from praxis.workspaces import licences
from praxis.workspaces.access import resolve_access
from praxis.workspaces.models import Licence, Membership
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

pytestmark = pytest.mark.django_db

NOON = dt.time(11, 0, tzinfo=dt.UTC)  # 12:00 in Amsterdam in winter
HTMX = {"HTTP_HX_REQUEST": "true"}


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), NOON)


def url(workspace, name: str, **kwargs) -> str:
    return reverse(f"billing:{name}", kwargs={"ws": workspace.slug, **kwargs})


def text(response) -> str:
    return response.content.decode()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def join(owner, workspace, email, **kwargs):
    """The shared `praxis.testing.team.join`, naming the person after their address (as these pages show)."""
    kwargs.setdefault("first_name", email.split("@")[0].title())
    return shared_join(owner, workspace, email, **kwargs)


def billing_state(workspace) -> dict:
    """Everything billing keeps for a workspace, plus its members' licences: refusals change none of it."""
    with scopes_disabled():
        users = list(Membership.objects.filter(workspace=workspace).values_list("user_id", flat=True))
        return {
            "seats": list(SeatChange.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk").values()),
            "balance": list(BalanceEntry.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk").values()),
            "invoices": list(Invoice.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk").values()),
            "requests": list(ChangeRequest.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk").values()),
            "licences": list(Licence.objects.filter(user_id__in=users).order_by("pk").values()),
            "members": list(Membership.objects.filter(workspace=workspace).order_by("pk").values()),
        }


@pytest.fixture
def team(db, time_machine):
    """A `team` workspace created 2026-11-01 (anchor), monthly, in the Netherlands (21 % VAT)."""
    time_machine.move_to(at("2026-11-01"), tick=False)
    owner = user_sign_up(email="owner@linde.test", password=PASSWORD, first_name="Eva", last_name="Linde")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    assert workspace.billing_anchor == dt.date(2026, 11, 1)
    return owner, workspace


# --- money formatting --------------------------------------------------------------------------------------


def test_money_filters_format_cents_and_decimals_with_two_places():
    from decimal import Decimal

    assert money(2950) == "€ 29.50"
    assert money(-3997) == "€ -39.97"
    assert money(123456) == "€ 1,234.56"
    assert money(5, "CHF") == "CHF 0.05"
    assert money(None) == "" and money(1.5) == ""
    assert amount(Decimal("88.5")) == "€ 88.50"
    with translation.override("nl"):
        assert money(2950) == "€ 29,50"
        assert money(123456) == "€ 1.234,56"


# --- who sees the tab (R-BIL-14) ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_billing_tab_renders_for_owner_and_admin(workspace_with_team, role):
    team = workspace_with_team
    response = logged_in(team.users[role]).get(url(team.workspace, "overview"))
    assert response.status_code == 200
    page = text(response)
    assert "Praktijk Noord" in page
    assert "Next billing date" in page and "Credit balance" in page and "€ 0.00" in page
    # A practice in its 14-day trial: its seats are listed, they cost nothing until the first cycle.
    assert "Trial" in page and "seats cost nothing until then" in page
    assert re.search(r"<td>Pro</td>\s*<td class=\"num\">4</td>", page)
    for name in ("Adam Admin", "Asha Assistant", "Clara Clinician", "Stan Staff"):
        assert name in page
    assert f'href="{url(team.workspace, "overview")}"' in page  # the nav link
    assert "Who the workspace pays for" in page and "Request a change" in page


@pytest.mark.parametrize("role", ["assistant", "clinician", "staff"])
def test_billing_tab_is_forbidden_without_billing_view(workspace_with_team, role):
    team = workspace_with_team
    client = logged_in(team.users[role])
    before = billing_state(team.workspace)
    assert client.get(url(team.workspace, "overview")).status_code == 403
    assert client.post(url(team.workspace, "change_request_create"),
                       {"subject": "More", "agreed_to_costs": "on"}).status_code == 403
    member = team.members["staff"]
    for name in ("member_subscribe", "member_account_type", "member_unsubscribe"):
        assert client.post(url(team.workspace, name, member_id=member.pk),
                           {"account_type": "essentials", "confirm": "1"}).status_code == 403
    assert billing_state(team.workspace) == before
    dashboard = text(client.get(reverse("workspaces:dashboard", kwargs={"ws": team.workspace.slug})))
    assert url(team.workspace, "overview") not in dashboard


def test_billing_tab_of_another_workspace_is_missing(workspace_with_team, team):
    """R-ROLE-4: another practice's owner gets the same 404 as for a workspace that does not exist."""
    practice = workspace_with_team
    owner, workspace = team
    client = logged_in(owner)
    before = billing_state(practice.workspace)
    assert client.get(url(practice.workspace, "overview")).status_code == 404
    assert client.get(reverse("billing:overview", kwargs={"ws": "no-such-workspace"})).status_code == 404
    assert client.post(url(practice.workspace, "change_request_create"),
                       {"subject": "Mine now", "agreed_to_costs": "on"}).status_code == 404
    # The other practice's member under one's own slug: as missing as a wrong id.
    assert client.post(url(workspace, "member_subscribe", member_id=practice.members["staff"].pk),
                       {"account_type": "pro", "confirm": "1"}).status_code == 404
    assert billing_state(practice.workspace) == before


def test_anonymous_visitors_are_sent_to_log_in(team):
    _owner, workspace = team
    response = Client().get(url(workspace, "overview"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


# --- the preview is the invoice (R-BIL-14) --------------------------------------------------------------------


def test_preview_on_the_tab_is_what_the_billing_run_issues(team, time_machine):
    """A `pro` joins on 2026-11-16 (paid by the workspace): on 2026-11-20 the tab previews the 2026-12-01
    invoice at 59.00 + 12.39 VAT = 71.39, and the billing run of 2026-12-01 issues exactly that."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "pieter@linde.test", first_name="Pieter")
    call_command("billing_run", at="2026-11-17", force=True)  # the proration invoice of 2026-11-16 (29.50 + VAT)

    time_machine.move_to(at("2026-11-20"), tick=False)
    page = text(logged_in(owner).get(url(workspace, "overview")))
    preview_total = re.search(r'id="next-invoice-total"><strong>([^<]+)</strong>', page).group(1)
    assert preview_total == "€ 71.39"
    assert "Pro seats, 2026-12-01 – 2026-12-31" in page
    assert "1 December 2026" in page  # next billing date

    call_command("billing_run", at="2026-12-01", force=True)
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle", period_start=dt.date(2026, 12, 1))
    assert money(invoice.total_cents, invoice.currency) == preview_total
    page = text(logged_in(owner).get(url(workspace, "overview")))
    assert invoice.number in page and "Cycle invoice" in page and "Open" in page
    assert url(workspace, "invoice_pdf", invoice_id=invoice.pk) in page


def test_invoice_list_is_paginated(team, time_machine, monkeypatch):
    from praxis.billing import views

    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "pieter@linde.test")
    call_command("billing_run", at="2026-12-01", force=True)  # the proration invoice, then the December invoice
    first, second = Invoice.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk")
    monkeypatch.setattr(views, "INVOICES_PER_PAGE", 1)
    client = logged_in(owner)
    page = text(client.get(url(workspace, "overview")))
    assert "Page 1 of 2" in page and second.number in page and first.number not in page
    page = text(client.get(url(workspace, "overview"), {"page": 2}))
    assert "Page 2 of 2" in page and first.number in page and second.number not in page


def test_preview_with_a_credit_is_what_the_billing_run_issues(team, time_machine):
    """R-BIL-6 credit on the balance: a `pro` on the December cycle leaves on 2026-12-11 (39.97 credit);
    the preview of the January invoice deducts it exactly as the run does (59.00 − 39.97 → 23.03)."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    leaving = join(owner, workspace, "leaving@linde.test")
    join(owner, workspace, "staying@linde.test")
    call_command("billing_run", at="2026-12-01", force=True)

    time_machine.move_to(at("2026-12-11"), tick=False)
    from praxis.workspaces.services import members_cancel

    with scope(workspace=workspace):
        members_cancel(access=resolve_access(owner, workspace.slug), membership_ids=[leaving.pk])
    page = text(logged_in(owner).get(url(workspace, "overview")))
    assert "€ 39.97" in page  # the balance
    preview_total = re.search(r'id="next-invoice-total"><strong>([^<]+)</strong>', page).group(1)
    assert preview_total == "€ 23.03"

    call_command("billing_run", at="2027-01-01", force=True)
    january = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle", period_start=dt.date(2027, 1, 1))
    assert money(january.total_cents) == preview_total


# --- subscription change requests (R-BIL-15) ---------------------------------------------------------------------


def test_change_request_needs_the_agreement_then_is_listed_as_new(team):
    owner, workspace = team
    client = logged_in(owner)

    response = client.post(url(workspace, "change_request_create"), {"subject": "Annual billing", "details": "Please"})
    assert response.status_code == 200
    assert response.context["change_form"].errors == {
        "agreed_to_costs": ["Confirm that you agree to the extra costs."]}
    assert not ChangeRequest.objects.with_scopes_disabled().filter(workspace=workspace).exists()

    response = client.post(url(workspace, "change_request_create"), {"subject": " ", "agreed_to_costs": "on"})
    assert response.context["change_form"].errors == {"subject": ["Enter a subject."]}
    assert not ChangeRequest.objects.with_scopes_disabled().filter(workspace=workspace).exists()

    response = client.post(url(workspace, "change_request_create"),
                           {"subject": "Annual billing", "details": "From January", "agreed_to_costs": "on"})
    assert response.status_code == 302
    [request] = ChangeRequest.objects.with_scopes_disabled().filter(workspace=workspace)
    assert (request.subject, request.details, request.agreed_to_costs, request.requested_by) == (
        "Annual billing", "From January", True, owner)
    page = text(client.get(response.url))
    assert "Your request was sent." in page
    assert re.search(r"Annual billing.*?<span class=\"badge\">New</span>", page, re.S)


def test_change_request_form_has_a_label_on_every_input(team):
    owner, workspace = team
    page = text(logged_in(owner).get(url(workspace, "overview")))
    for field in ("subject", "details", "agreed_to_costs"):
        assert f'<label for="id_{field}">' in page
    assert "I agree to the extra costs" in page


# --- paying for members (R-BIL-6, R-BIL-7, R-BIL-8, R-BIL-10) ----------------------------------------------------


def test_member_subscribe_shows_the_cost_then_pays(team, time_machine):
    """A free member on 2026-11-16: essentials costs 14.50 + 3.05 VAT now (prorated to 30 November) and
    29.00 + 6.09 VAT per month; confirming makes the workspace pay and adds the seat."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    member = join(owner, workspace, "vrij@linde.test", account_type="free", pay_for_user=False, first_name="Vera")
    client = logged_in(owner)
    page = text(client.get(url(workspace, "overview")))
    assert "Pay for this member" in page
    assert f'<label for="id_subscribe_{member.pk}_account_type" class="visually-hidden">' in page

    before = billing_state(workspace)
    confirm = client.post(url(workspace, "member_subscribe", member_id=member.pk), {"account_type": "essentials"})
    assert confirm.status_code == 200
    body = text(confirm)
    assert "Pay for Vera as Essentials?" in body
    assert "€ 14.50 + VAT € 3.05 = € 17.55 (prorated to 30 November 2026)" in body
    assert "Per month" in body and "€ 29.00 + VAT € 6.09" in body
    assert billing_state(workspace) == before  # only shown, nothing done

    dialog = client.post(url(workspace, "member_subscribe", member_id=member.pk), {"account_type": "essentials"},
                         **HTMX)
    assert text(dialog).lstrip().startswith("<dialog")

    done = client.post(url(workspace, "member_subscribe", member_id=member.pk),
                       {"account_type": "essentials", "confirm": "1"})
    assert done.status_code == 302
    assert "The workspace now pays for Vera (Essentials)." in text(client.get(done.url))
    licence = licences.current_licence(member.user)
    assert (licence.account_type, licence.payer_workspace_id) == ("essentials", workspace.pk)
    assert seats_on(workspace=workspace, day=dt.date(2026, 11, 16)) == {"essentials": 1}


def test_member_subscribe_is_refused_for_a_member_who_pays_for_themselves(team, time_machine):
    """R-BIL-8: the admin cannot switch a self-payer to "paid by workspace"; the refusal is shown and
    nothing changes."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    member = join(owner, workspace, "zelf@linde.test", account_type="free", pay_for_user=False, first_name="Sam")
    billing_services.subscription_start(user=member.user, account_type="pro")
    assert licences.pays_for_self(member.user)
    client = logged_in(owner)

    page = text(client.get(url(workspace, "overview")))
    assert "They pay for their own subscription" in page
    assert url(workspace, "member_subscribe", member_id=member.pk) not in page

    before = billing_state(workspace)
    step_one = text(client.post(url(workspace, "member_subscribe", member_id=member.pk), {"account_type": "pro"}))
    assert "Sam pays for their own subscription." in step_one and 'name="confirm"' not in step_one

    response = client.post(url(workspace, "member_subscribe", member_id=member.pk),
                           {"account_type": "pro", "confirm": "1"}, follow=True)
    assert "Sam pays for their own subscription; they must cancel it before the workspace can pay." in text(response)
    assert billing_state(workspace) == before
    assert licences.pays_for_self(member.user)


def test_member_account_type_change_and_stop_paying(team, time_machine):
    """A `pro` paid by the workspace since the cycle start, on 2026-11-16: down to essentials costs
    14.50 now, paid by the 29.50 credit for the pro seat's rest; then "stop paying" credits 14.50 more and
    the member is Free at once (R-BIL-10)."""
    owner, workspace = team
    member = join(owner, workspace, "pro@linde.test", first_name="Paula")  # 2026-11-01: on the cycle invoice
    time_machine.move_to(at("2026-11-16"), tick=False)
    client = logged_in(owner)
    page = text(client.get(url(workspace, "overview")))
    assert "Change account type" in page and "Stop paying" in page and "This workspace" in page

    confirm = text(client.post(url(workspace, "member_account_type", member_id=member.pk),
                               {"account_type": "essentials"}))
    assert "Change Paula to Essentials?" in confirm
    # Issue 6 point 1: the dialog renders the plan, so it shows what the proration invoice of the day will
    # say — the 29.50 credit of the pro seat pays the 14.50 essentials charge (it said "14.50 + VAT 3.05").
    assert "€ 14.50 − credit € 14.50 + VAT € 0.00 = € 0.00 (prorated to 30 November 2026)" in confirm
    assert "The unused rest of the current seat, € 29.50, is credited" in confirm

    same = text(client.post(url(workspace, "member_account_type", member_id=member.pk), {"account_type": "pro"}))
    assert "Paula already has this account type." in same and 'name="confirm"' not in same

    client.post(url(workspace, "member_account_type", member_id=member.pk),
                {"account_type": "essentials", "confirm": "1"})
    assert licences.current_licence(member.user).account_type == "essentials"
    assert balance_cents(workspace=workspace) == 2950

    confirm = text(client.post(url(workspace, "member_unsubscribe", member_id=member.pk)))
    assert "Stop paying for Paula?" in confirm and "The unused rest of the seat, € 14.50, is credited" in confirm
    response = client.post(url(workspace, "member_unsubscribe", member_id=member.pk), {"confirm": "1"}, follow=True)
    assert "The workspace no longer pays for Paula." in text(response)
    assert licences.effective_account_type(member.user) == "free"
    assert balance_cents(workspace=workspace) == 2950 + 1450
    assert seats_on(workspace=workspace, day=dt.date(2026, 11, 16)) == {}
    with scopes_disabled():  # the members page shows the membership's account type: it follows
        assert Membership.objects.values_list("account_type", "pay_for_user").get(pk=member.pk) == ("free", False)
    page = text(client.get(url(workspace, "overview")))
    assert re.search(r"Paula .*?</td>\s*<td>Free</td>", page, re.S)


def test_a_workspace_does_not_pay_for_a_free_account(team, time_machine):
    """Paying for `free` is refused by the service (HTML and API alike): it would only lock the member out
    of subscribing themselves. Stopping to pay is "Stop paying"."""
    owner, workspace = team
    paid = join(owner, workspace, "pro@linde.test")
    unpaid = join(owner, workspace, "vrij@linde.test", account_type="free", pay_for_user=False)
    before = billing_state(workspace)
    with scope(workspace=workspace):
        access = resolve_access(owner, workspace.slug)
        with pytest.raises(ServiceError) as refused:
            billing_services.member_subscribe(access=access, membership_id=unpaid.pk, account_type="free")
        assert refused.value.code == "free_not_payable"
        with pytest.raises(ServiceError) as refused:
            billing_services.member_change_account_type(access=access, membership_id=paid.pk, account_type="free")
        assert refused.value.code == "free_not_payable"
    response = logged_in(owner).post(url(workspace, "member_account_type", member_id=paid.pk),
                                     {"account_type": "free", "confirm": "1"}, follow=True)
    assert "Select a valid choice." in text(response)
    assert billing_state(workspace) == before


def test_member_actions_on_a_member_without_login_or_unknown_answer_404(team):
    from praxis.workspaces.services import contact_person_add

    owner, workspace = team
    with scope(workspace=workspace):
        contact = contact_person_add(access=resolve_access(owner, workspace.slug), first_name="Kees",
                                     last_name="Contact")
    client = logged_in(owner)
    before = billing_state(workspace)
    for member_id in (contact.pk, 999999):
        for name in ("member_subscribe", "member_account_type", "member_unsubscribe"):
            response = client.post(url(workspace, name, member_id=member_id), {"account_type": "pro", "confirm": "1"})
            assert response.status_code == 404
    assert client.get(url(workspace, "member_subscribe", member_id=contact.pk)).status_code == 405
    assert billing_state(workspace) == before


# --- the invite dialog's cost preview (R-BIL-14) -----------------------------------------------------------------


def test_seat_cost_shows_the_exact_prorated_amount(team, time_machine):
    """Anchor 2026-11-01, today 2026-11-16, two `pro` seats: 2 × 29.50 = 59.00 + 12.39 VAT now, and
    118.00 + 24.78 VAT per month — the same the proration invoice then charges."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    client = logged_in(owner)
    panel = text(client.get(url(workspace, "seat_cost"), {"account_type": "pro", "count": 2}, **HTMX))
    assert "Cost of 2 Pro seats" in panel
    assert "€ 59.00 + VAT € 12.39 = € 71.39 (prorated to 30 November 2026)" in panel
    assert "Per month" in panel and "€ 118.00 + VAT € 24.78" in panel

    # The dialog sends its own fields: three addresses, the box "pay for this user" ticked.
    panel = text(client.get(url(workspace, "seat_cost"), {
        "account_type": "pro", "emails": "a@x.test, b@x.test\nc@x.test", "pay_for_user": "on", "invite": "1"}))
    assert "Cost of 3 Pro seats" in panel and "€ 88.50 + VAT € 18.59" in panel and "€ 177.00 + VAT € 37.17" in panel
    # … unticked: the box is absent from the request, and the workspace pays nothing.
    panel = text(client.get(url(workspace, "seat_cost"), {"account_type": "pro", "emails": "a@x.test", "invite": "1"}))
    assert "The workspace pays nothing" in panel
    panel = text(client.get(url(workspace, "seat_cost"), {"account_type": "free"}))
    assert "Free is free" in panel
    panel = text(client.get(url(workspace, "seat_cost"), {"account_type": "gold"}))
    assert "Choose an account type" in panel

    # Inviting two really charges what was shown.
    join(owner, workspace, "een@linde.test")
    join(owner, workspace, "twee@linde.test")
    call_command("billing_run", at="2026-11-17", force=True)
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="proration")
    assert (invoice.subtotal_cents, invoice.vat_cents) == (5900, 1239)


def test_seat_cost_in_a_practice_trial_is_nothing_now(workspace_with_team):
    team = workspace_with_team
    panel = text(logged_in(team.admin).get(url(team.workspace, "seat_cost"), {"account_type": "pro"}))
    assert "Nothing now: the workspace is in its trial until" in panel
    assert "€ 59.00 + VAT € 12.39" in panel


@pytest.mark.parametrize("role", ["clinician", "staff"])
def test_seat_cost_needs_members_manage(workspace_with_team, role):
    team = workspace_with_team
    response = logged_in(team.users[role]).get(url(team.workspace, "seat_cost"), {"account_type": "pro"})
    assert response.status_code == 403


def test_invitations_page_shows_prices_and_the_cost_panel(team):
    owner, workspace = team
    page = text(logged_in(owner).get(reverse("workspaces:invitations", kwargs={"ws": workspace.slug})))
    assert "Per person and month, excluding VAT:" in page
    assert "Essentials: € 29.00" in page and "Pro: € 59.00" in page
    assert f'hx-get="{url(workspace, "seat_cost")}"' in page


# --- invoice PDFs --------------------------------------------------------------------------------------------------


def test_invoice_pdf_is_a_download_and_only_for_its_workspace(team, time_machine, workspace_with_team):
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "pieter@linde.test")
    call_command("billing_run", at="2026-11-17", force=True)
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace)
    time_machine.move_to(at("2026-11-17"), tick=False)

    response = logged_in(owner).get(url(workspace, "invoice_pdf", invoice_id=invoice.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="invoice-{invoice.number}.pdf"'
    assert response.content.startswith(b"%PDF")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]

    practice = workspace_with_team
    other_owner = logged_in(practice.owner)
    assert other_owner.get(url(practice.workspace, "invoice_pdf", invoice_id=invoice.pk)).status_code == 404
    assert other_owner.get(url(workspace, "invoice_pdf", invoice_id=invoice.pk)).status_code == 404
    assert logged_in(practice.owner).get(url(practice.workspace, "invoice_pdf", invoice_id=0)).status_code == 404


# --- query budget (STYLE 13) -----------------------------------------------------------------------------------------


def test_billing_tab_costs_the_same_queries_for_3_and_20_paid_members(team, time_machine, django_assert_num_queries):
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    people = iter(range(100))

    def add(n):
        for _ in range(n):
            i = next(people)
            join(owner, workspace, f"lid{i}@linde.test", account_type="pro" if i % 2 else "essentials")

    add(3)
    call_command("billing_run", at="2026-11-17", force=True)  # an invoice in the list
    with scope(workspace=workspace):
        billing_services.change_request_create(access=resolve_access(owner, workspace.slug), subject="More",
                                               agreed_to_costs=True)
    client = logged_in(owner)
    client.get(url(workspace, "overview"))  # warm-up
    with CaptureQueriesContext(connection) as small:
        response = client.get(url(workspace, "overview"))
    assert response.content.decode().count(">Stop paying</button>") == 3

    add(17)
    with django_assert_num_queries(len(small)):
        response = client.get(url(workspace, "overview"))
    assert response.content.decode().count(">Stop paying</button>") == 20


# --- referrals (R-BIL-16) -------------------------------------------------------------------------------------------


def test_referral_code_is_made_once_and_unique(make_user):
    ada, bob = make_user(first_name="Ada"), make_user(first_name="Bob")
    code = referral_code_for(ada)
    assert re.fullmatch(r"[A-Za-z0-9_-]{8}", code)
    assert referral_code_for(get_user_model().objects.get(pk=ada.pk)) == code
    assert referral_code_for(bob) != code


def test_referral_link_and_the_people_who_signed_up_through_it(make_user, django_capture_on_commit_callbacks):
    ada = make_user(first_name="Ada", last_name="Lovelace")
    client = logged_in(ada)
    page = text(client.get(reverse("accounts:profile")))
    code = get_user_model().objects.get(pk=ada.pk).referral_code
    assert f"/accounts/signup/?ref={code}" in page

    with django_capture_on_commit_callbacks(execute=True):  # the sign-up runs as a task
        Client().post(reverse("accounts:signup"), {"email": "grace@example.test", "first_name": "Grace",
                                                   "last_name": "Hopper", "language": "en", "ref": code})
    grace = get_user_model().objects.get(email="grace@example.test")
    assert grace.referred_by == ada
    assert list(referrals_of(ada)) == [grace]
    page = text(client.get(reverse("accounts:profile")))
    assert "Grace Hopper" in page and "grace@example.test" not in page


# --- the operator console ------------------------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser(email="operator@praxis.test", password=PASSWORD)


def test_operator_marks_an_invoice_paid_and_issues_a_credit_note(team, time_machine, operator):
    owner, workspace = team
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "pieter@linde.test")
    call_command("billing_run", at="2026-11-17", force=True)
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace)
    client = logged_in(operator)
    changelist = reverse("admin:billing_invoice_changelist")

    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).status_code == 200
    client.post(changelist, {"action": "mark_paid", "_selected_action": [invoice.pk]})
    invoice.refresh_from_db()
    assert (invoice.status, invoice.provider_reference) == ("paid", "manual")

    client.post(changelist, {"action": "issue_credit_note", "_selected_action": [invoice.pk]})
    invoice.refresh_from_db()
    note = Invoice.objects.with_scopes_disabled().get(credited_invoice=invoice)
    assert (invoice.status, note.kind, note.total_cents) == ("void", "credit_note", -invoice.total_cents)


def test_operator_answers_a_change_request(team, operator):
    owner, workspace = team
    with scope(workspace=workspace):
        request = billing_services.change_request_create(access=resolve_access(owner, workspace.slug),
                                                         subject="Annual billing", agreed_to_costs=True)
    client = logged_in(operator)
    assert "Annual billing" in text(client.get(reverse("admin:billing_changerequest_changelist")))
    client.post(reverse("admin:billing_changerequest_change", args=[request.pk]),
                {"status": "done", "operator_note": "From January on."})
    request.refresh_from_db()
    assert (request.status, request.operator_note, request.subject) == ("done", "From January on.", "Annual billing")
    page = text(logged_in(owner).get(url(workspace, "overview")))
    assert "From January on." in page and "Done" in page


def test_operator_console_pages_render(operator):
    client = logged_in(operator)
    for model in ("plan", "invoice", "changerequest", "seatchange", "balanceentry"):
        assert client.get(reverse(f"admin:billing_{model}_changelist")).status_code == 200
    from praxis.billing.models import Plan

    pro = Plan.objects.get(account_type="pro")
    page = text(client.get(reverse("admin:billing_plan_change", args=[pro.pk])))
    assert "In cents, excluding VAT" in page
    assert client.post(reverse("admin:billing_plan_delete", args=[pro.pk])).status_code == 403


def test_preview_with_credit_and_a_pending_proration_is_what_is_charged(team, time_machine):
    """On 2026-11-16 one `pro` leaves (29.50 credit) and another joins (29.50 owed, invoiced on 2026-11-17,
    paid with the credit). The December invoice is then 59.00 + 12.39 = 71.39 without credit."""
    from praxis.workspaces.services import members_cancel

    owner, workspace = team
    leaving = join(owner, workspace, "leaving@linde.test")  # 2026-11-01: on the cycle invoice
    call_command("billing_run", at="2026-11-01", force=True)
    time_machine.move_to(at("2026-11-16"), tick=False)
    with scope(workspace=workspace):
        members_cancel(access=resolve_access(owner, workspace.slug), membership_ids=[leaving.pk])
    join(owner, workspace, "joining@linde.test")
    page = text(logged_in(owner).get(url(workspace, "overview")))
    preview_total = re.search(r'id="next-invoice-total"><strong>([^<]+)</strong>', page).group(1)

    call_command("billing_run", at="2026-11-17", force=True)
    call_command("billing_run", at="2026-12-01", force=True)
    december = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle", period_start=dt.date(2026, 12, 1))
    assert money(december.total_cents) == "€ 71.39"
    assert preview_total == "€ 71.39"


# --- in a real browser: the invite dialog's cost panel follows the form (htmx) ----------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_invite_dialog_cost_panel_follows_the_form(page, workspace_with_team, password):
    """R-BIL-14 "before sending": the panel recounts when addresses, account type or the "pay for this user"
    box change. The practice is in its trial, so nothing is due now; the per-month price is."""
    from playwright.sync_api import expect

    team = workspace_with_team
    page.set_default_timeout(10_000)
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(team.admin.email)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"/w/{team.workspace.slug}/invitations/")
    panel = page.locator("#seat-cost")
    expect(panel).to_contain_text("Cost of one Essentials seat")  # loaded by htmx, replacing the price list
    expect(panel).to_contain_text("Nothing now: the workspace is in its trial until")
    expect(panel).to_contain_text("€ 29.00 + VAT € 6.09")

    page.get_by_label("E-mail addresses").fill("a@example.test\nb@example.test, c@example.test")
    page.get_by_label("Account type").select_option("pro")
    expect(panel).to_contain_text("Cost of 3 Pro seats")
    expect(panel).to_contain_text("€ 177.00 + VAT € 37.17")

    page.get_by_label("Pay for this user").uncheck()
    expect(panel).to_contain_text("The workspace pays nothing")
    page.get_by_label("Pay for this user").check()
    page.get_by_label("Pay after trial").check()
    expect(panel).to_contain_text("each seat is charged from the end of the person's trial")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_stop_paying_is_confirmed_in_a_dialog(page, workspace_with_team, password):
    from playwright.sync_api import expect

    team = workspace_with_team
    page.set_default_timeout(10_000)
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(team.owner.email)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"/w/{team.workspace.slug}/")
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Billing").click()
    expect(page.get_by_role("heading", name="Billing", level=1)).to_be_visible()
    page.get_by_role("button", name="Stop paying for Stan Staff").click()
    dialog = page.get_by_role("dialog", name="Stop paying for Stan Staff?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Their paid features end at once")
    dialog.get_by_role("button", name="Keep it as it is").click()
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Stop paying for Stan Staff").click()
    page.get_by_role("dialog").get_by_role("button", name="Stop paying").click()
    expect(page.get_by_role("status").filter(has_text="The workspace no longer pays for Stan Staff.")).to_be_visible()
    assert licences.effective_account_type(team.staff) == "free"


def test_r_bil_15_change_request_reaches_the_operator_by_e_mail(workspace_with_team, settings, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    from praxis.billing.services import change_request_create

    team = workspace_with_team
    settings.PRAXIS_OPERATOR_EMAIL = "operator@praxis.example"
    with scope(workspace=team.workspace), django_capture_on_commit_callbacks(execute=True):
        change_request_create(access=team.access("admin"), subject="Annual billing", details="From January",
                              agreed_to_costs=True)
    [message] = mailoutbox
    assert message.to == ["operator@praxis.example"]
    assert "Annual billing" in message.subject and team.workspace.name in message.subject
    assert "From January" in message.body and "/operator/billing/changerequest/" in message.body
