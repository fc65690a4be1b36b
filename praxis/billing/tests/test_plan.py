"""One plan of what is due (issue 6 point 1, R-BIL-14): the billing run issues the plan's drafts, and every
preview, cost panel and confirmation dialog only renders a plan, so what is shown is what is charged.

Unless stated otherwise: a `team` workspace created 2026-11-01 (the anchor), monthly, in the Netherlands
(21 % VAT), time zone Europe/Amsterdam; time moves to 11:00 UTC (12:00 in Amsterdam) of a day.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from praxis.billing.models import Invoice
from praxis.testing import PASSWORD
from praxis.workspaces import invitations
from praxis.workspaces.access import resolve_access
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]

NOON = dt.time(11, 0, tzinfo=dt.UTC)  # 12:00 in Amsterdam in winter
HTMX = {"HTTP_HX_REQUEST": "true"}


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), NOON)


def url(workspace, name: str, **kwargs) -> str:
    return reverse(f"billing:{name}", kwargs={"ws": workspace.slug, **kwargs})


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def join(owner, workspace, email, *, account_type="pro", pay_for_user=True, first_name=""):
    with scope(workspace=workspace):
        [(_inv, token)] = invitations.invitations_create(
            access=resolve_access(owner, workspace.slug), emails=[email], role="clinician",
            account_type=account_type, pay_for_user=pay_for_user)
    user = user_sign_up(email=email, password=PASSWORD, first_name=first_name or email.split("@")[0].title())
    return invitations.invitation_accept(token=token, user=user)


@pytest.fixture
def team(db, time_machine):
    time_machine.move_to(at("2026-11-01"), tick=False)
    owner = user_sign_up(email="owner@linde.test", password=PASSWORD, first_name="Eva", last_name="Linde")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    assert workspace.billing_anchor == dt.date(2026, 11, 1)
    return owner, workspace


# --- the bug seen: a cycle's first day, after that cycle's invoice was issued ----------------------------------


def test_seat_cost_on_a_cycle_start_after_its_invoice_is_the_full_cycle_proration(team, time_machine):
    """Issue 6 point 1 (R-BIL-5, R-BIL-14): on 2026-12-01 the December invoice is issued in the morning; two
    `pro` joiners that afternoon owe 31 of 31 days on the proration invoice of 2026-12-01 (118.00 + 24.78
    VAT = 142.78). The invite panel and the "pay for this member" dialog said "Nothing extra now"."""
    owner, workspace = team
    join(owner, workspace, "anker@linde.test")
    time_machine.move_to(at("2026-12-01"), tick=False)
    call_command("billing_run", at="2026-12-01", stdout=open("/dev/null", "w"))
    assert Invoice.objects.filter(workspace=workspace, kind="cycle", period_start=dt.date(2026, 12, 1)).exists()

    client = logged_in(owner)
    panel = client.get(url(workspace, "seat_cost"), {"account_type": "pro", "count": 2}, **HTMX).content.decode()
    assert "Nothing extra now" not in panel
    assert "€ 118.00 + VAT € 24.78 = € 142.78 (prorated to 31 December 2026)" in panel

    member = join(owner, workspace, "vrij@linde.test", account_type="free", pay_for_user=False, first_name="Vera")
    dialog = client.post(url(workspace, "member_subscribe", member_id=member.pk), {"account_type": "pro"},
                         **HTMX).content.decode()
    assert "Nothing extra now" not in dialog
    assert "€ 59.00 + VAT € 12.39 = € 71.39 (prorated to 31 December 2026)" in dialog

    join(owner, workspace, "een@linde.test")
    join(owner, workspace, "twee@linde.test")
    time_machine.move_to(at("2026-12-02"), tick=False)
    call_command("billing_run", at="2026-12-02", stdout=open("/dev/null", "w"))
    invoice = Invoice.objects.get(workspace=workspace, kind="proration", period_start=dt.date(2026, 12, 1))
    assert (invoice.subtotal_cents, invoice.vat_cents, invoice.total_cents) == (11800, 2478, 14278)


# --- issue 6 point 5 (part): a billing run for a future date needs --force -------------------------------------


def test_billing_run_for_a_future_date_refuses_without_force(team, time_machine):
    """Issue 6 point 5 (R-BIL-12): `billing_run --at` a date after today (praxis.core.clock) is refused with a
    clear message and issues nothing; with `--force` it runs; today and past dates need no flag."""
    from io import StringIO

    from django.core.management.base import CommandError

    owner, workspace = team
    join(owner, workspace, "anker@linde.test")
    time_machine.move_to(at("2026-11-20"), tick=False)
    with pytest.raises(CommandError, match=r"--at 2026-12-01 is after today \(2026-11-20\).*--force"):
        call_command("billing_run", at="2026-12-01", stdout=StringIO())
    assert not Invoice.objects.filter(workspace=workspace).exists()

    out = StringIO()
    call_command("billing_run", at="2026-11-20", stdout=out)  # today: the November invoice, caught up
    assert "1 cycle invoices" in out.getvalue()
    call_command("billing_run", at="2026-11-01", stdout=StringIO())  # the past: nothing new, no flag needed
    call_command("billing_run", at="2026-12-01", force=True, stdout=out)
    assert Invoice.objects.filter(workspace=workspace, kind="cycle", period_start=dt.date(2026, 12, 1)).exists()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("billing_run", at="tomorrow", stdout=StringIO())


# --- issue 6 point 8 (part): one "cycle already invoiced", one "seats on a date" ---------------------------------


def test_one_definition_of_cycle_invoiced_serves_ledger_plan_and_previews(team, time_machine, monkeypatch):
    """Issue 6 point 8: the seat ledger (does a seat added today owe a proration?), the plan (which cycles are
    due?) and the preview (which is the next cycle invoice?) all ask `seats.invoiced_cycle_starts`; a voided
    (credited) cycle invoice still counts as invoiced for all three. Replacing that one definition changes
    every answer at once — there is no second copy left to disagree."""
    from praxis.billing import plan, seats, services

    owner, workspace = team
    join(owner, workspace, "anker@linde.test")
    time_machine.move_to(at("2026-12-01"), tick=False)
    call_command("billing_run", at="2026-12-01", stdout=open("/dev/null", "w"))
    december = Invoice.objects.get(workspace=workspace, kind="cycle", period_start=dt.date(2026, 12, 1))
    services.invoice_credit(invoice_id=december.pk, actor=owner, reason="test")
    day = dt.date(2026, 12, 1)

    def answers():
        due = [(d.kind, d.period_start) for d in plan.plan_invoices(workspace, at=day)]
        return (seats.cycle_invoiced(workspace=workspace, start=day),
                seats.planned_start(workspace=workspace, account_type="pro", day=day).needs_proration,
                ("cycle", day) in due,
                plan.next_cycle_to_invoice(workspace=workspace, today=day))

    assert answers() == (True, True, False, dt.date(2027, 1, 1))
    monkeypatch.setattr(seats, "invoiced_cycle_starts",
                        lambda workspace_ids, start=None: {pk: set() for pk in workspace_ids})
    assert answers() == (False, False, True, day)


def test_one_definition_of_seats_on_a_date_serves_ledger_plan_and_previews(team, time_machine, monkeypatch):
    """Issue 6 point 8: `seats.seats_on`, the cycle lines of the plan (which the run issues) and the billing
    tab's preview all count seats with `seats.seats_from`."""
    from praxis.billing import plan, seats

    owner, workspace = team
    join(owner, workspace, "anker@linde.test")
    join(owner, workspace, "tweede@linde.test", account_type="essentials")
    day = dt.date(2026, 12, 1)

    def answers():
        [cycle] = [d for d in plan.plan_invoices(workspace, at=day) if d.period_start == day]
        preview = plan.preview_next_invoice(workspace=workspace, today=dt.date(2026, 11, 20))
        return (seats.seats_on(workspace=workspace, day=day), {line.account_type: line.quantity for line in cycle.lines},
                {line.account_type: line.quantity for line in preview.lines})

    assert answers() == ({"pro": 1, "essentials": 1}, {"pro": 1, "essentials": 1}, {"pro": 1, "essentials": 1})
    monkeypatch.setattr(seats, "seats_from", lambda deltas, day: {"pro": 7})
    assert answers() == ({"pro": 7}, {"pro": 7}, {"pro": 7})


# --- the query budget: per chunk of workspaces and per invoice, never per seat ----------------------------------


def _queries_of_a_run_and_a_preview(time_machine, seats_each: int) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from praxis.billing import plan
    from praxis.billing.run import billing_run

    time_machine.move_to(at("2026-11-01"), tick=False)
    workspaces = []
    for i in range(2):
        owner = user_sign_up(email=f"budget{seats_each}-{i}@linde.test", password=PASSWORD)
        workspace = workspace_create(actor=owner, name=f"Budget {seats_each} {i}", tier="team")
        for n in range(seats_each):
            join(owner, workspace, f"b{seats_each}-{i}-{n}@linde.test")
        workspaces.append(workspace)
    time_machine.move_to(at("2026-11-16"), tick=False)
    for i, workspace in enumerate(workspaces):  # one proration day per workspace
        join(workspace.created_by, workspace, f"mid{seats_each}-{i}@linde.test", account_type="essentials")
    time_machine.move_to(at("2026-12-01"), tick=False)
    with CaptureQueriesContext(connection) as preview:
        plan.cost_of_new_seats(workspace=workspaces[0], account_type="pro", count=3 * seats_each, today=dt.date(2026, 12, 1))
        plan.preview_next_invoice(workspace=workspaces[0], today=dt.date(2026, 12, 1))
    with CaptureQueriesContext(connection) as run:
        report = billing_run(at=dt.date(2026, 12, 1))
    # per workspace: the November and December cycle invoices (caught up) and the 2026-11-16 proration
    assert (len(report.cycle_invoices), len(report.proration_invoices)) == (4, 2)
    return len(run), len(preview)


def test_billing_run_and_previews_cost_the_same_queries_for_1_and_6_seats(db, time_machine):
    """Issue 6 point 1: the plan reads a whole chunk of workspaces in four grouped queries; the run then
    costs a fixed number per invoice, and a preview a fixed number — never one per seat."""
    from praxis.billing.models import InvoiceSequence

    InvoiceSequence.objects.create(series="praxis", year=2026)  # both runs find the year's numbering row
    few = _queries_of_a_run_and_a_preview(time_machine, 1)
    many = _queries_of_a_run_and_a_preview(time_machine, 6)  # two more practices, six seats each
    assert many == few, (few, many)
