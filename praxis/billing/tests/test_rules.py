"""One scenario per billing rule (SPEC §4, R-BIL-6 … R-BIL-12), with the exact euro amounts written out.

Unless stated otherwise: a `team` workspace created 2026-11-01 (the anchor), monthly, in the Netherlands
(21 % VAT), time zone Europe/Amsterdam; time moves to 11:00 UTC (12:00 in Amsterdam) of a day. The billing
run is called directly so its report can be checked.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scope, scopes_disabled

from praxis.billing import catalogue, services
from praxis.billing.models import BalanceEntry, Invoice, SeatChange
from praxis.billing.run import billing_run
from praxis.core.errors import Conflict, ServiceError
from praxis.testing import PASSWORD
from praxis.testing.billing import balance_cents, seats_on
from praxis.testing.team import join
from praxis.workspaces import invitations, licences
from praxis.workspaces.access import resolve_access
from praxis.workspaces.models import Licence, Membership, Workspace
from praxis.workspaces.services import members_cancel, workspace_create
from praxis.workspaces.signup import user_sign_up

NOON = dt.time(11, 0, tzinfo=dt.UTC)  # 12:00 in Amsterdam in winter


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), NOON)


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def amounts(invoice: Invoice) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(subtotal, credit applied, VAT, total) in euros."""
    return (euros(invoice.subtotal_cents), euros(invoice.credit_applied_cents), euros(invoice.vat_cents),
            euros(invoice.total_cents))


def lines(invoice: Invoice) -> list[tuple[str, int, Decimal]]:
    return [(line.account_type, line.quantity, euros(line.unit_price_cents)) for line in invoice.lines.all()]


def run(day: str):
    return billing_run(at=d(day))


def personal_workspace(user) -> Workspace:
    return Workspace.objects.get(is_personal=True, created_by=user)


@pytest.fixture
def team(db, time_machine):
    """A `team` workspace created 2026-11-01 (anchor), monthly, in the Netherlands (21 % VAT)."""
    time_machine.move_to(at("2026-11-01"), tick=False)
    owner = user_sign_up(email="owner@linde.test", password=PASSWORD, first_name="Eva")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    assert (workspace.billing_anchor, workspace.billing_interval, workspace.country) == (
        d("2026-11-01"), "monthly", "NL")
    return owner, workspace


def invite(owner, workspace, email, account_type="pro", **options) -> str:
    with scope(workspace=workspace):
        [(_invitation, token)] = invitations.invitations_create(
            access=resolve_access(owner, workspace.slug), emails=[email], role="clinician",
            account_type=account_type, **options)
    return token



def member_of(workspace, user) -> Membership:
    with scopes_disabled():
        return Membership.objects.select_related("user").get(workspace=workspace, user=user)


def as_admin(owner, workspace, fn, **kwargs):
    with scope(workspace=workspace):
        return fn(access=resolve_access(owner, workspace.slug), **kwargs)


def proration_invoice(workspace, day: str) -> Invoice:
    return Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="proration", period_start=d(day))


def cycle_invoice(workspace, day: str) -> Invoice:
    return Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle", period_start=d(day))


# --- R-BIL-6: upgrades, downgrades and removals -----------------------------------------------------

def test_r_bil_6_upgrade_essentials_to_pro_is_a_credit_plus_a_prorated_charge(team, time_machine):
    """Essentials paid since 2026-11-01, upgraded on 2026-11-16: credit 29.00 × 15/30 = 14.50, charge
    59.00 × 15/30 = 29.50 on the next day's run; the credit is deducted: 15.00 + VAT 3.15 = 18.15."""
    owner, workspace = team
    member = join(owner, workspace, "eli@linde.test", "essentials")
    run("2026-11-01")
    november = cycle_invoice(workspace, "2026-11-01")
    assert lines(november) == [("essentials", 1, Decimal("29.00"))]
    assert amounts(november) == (Decimal("29.00"), Decimal("0.00"), Decimal("6.09"), Decimal("35.09"))

    time_machine.move_to(at("2026-11-16"), tick=False)
    licence = as_admin(owner, workspace, services.member_change_account_type, membership_id=member.pk,
                       account_type="pro")
    assert (licence.account_type, licence.payer_workspace_id, licence.status) == ("pro", workspace.pk, "active")
    assert member_of(workspace, member.user).account_type == "pro"
    assert balance_cents(workspace=workspace) == 1450
    assert seats_on(workspace=workspace, day=d("2026-11-16")) == {"pro": 1}

    report = run("2026-11-17")
    assert len(report.proration_invoices) == 1 and not report.cycle_invoices
    proration = proration_invoice(workspace, "2026-11-16")
    assert lines(proration) == [("pro", 1, Decimal("29.50"))]
    assert amounts(proration) == (Decimal("29.50"), Decimal("14.50"), Decimal("3.15"), Decimal("18.15"))
    assert balance_cents(workspace=workspace) == 0

    run("2026-12-01")
    assert lines(cycle_invoice(workspace, "2026-12-01")) == [("pro", 1, Decimal("59.00"))]


def test_r_bil_6_downgrade_pro_to_essentials(team, time_machine):
    """Pro paid since 2026-11-01, downgraded 2026-11-16: credit 29.50, charge 14.50 (fully covered by the
    credit: total 0.00); the remaining 15.00 is deducted from December: 29.00 − 15.00 = 14.00 + 2.94."""
    owner, workspace = team
    member = join(owner, workspace, "eli@linde.test", "pro")
    run("2026-11-01")
    assert lines(cycle_invoice(workspace, "2026-11-01")) == [("pro", 1, Decimal("59.00"))]

    time_machine.move_to(at("2026-11-16"), tick=False)
    as_admin(owner, workspace, services.member_change_account_type, membership_id=member.pk,
             account_type="essentials")
    assert balance_cents(workspace=workspace) == 2950

    run("2026-11-17")
    proration = proration_invoice(workspace, "2026-11-16")
    assert lines(proration) == [("essentials", 1, Decimal("14.50"))]
    assert amounts(proration) == (Decimal("14.50"), Decimal("14.50"), Decimal("0.00"), Decimal("0.00"))
    assert balance_cents(workspace=workspace) == 1500

    run("2026-12-01")
    december = cycle_invoice(workspace, "2026-12-01")
    assert lines(december) == [("essentials", 1, Decimal("29.00"))]
    assert amounts(december) == (Decimal("29.00"), Decimal("15.00"), Decimal("2.94"), Decimal("16.94"))
    assert balance_cents(workspace=workspace) == 0


def test_r_bil_6_changing_to_the_same_type_or_for_an_unpaid_member_is_refused(team, time_machine):
    owner, workspace = team
    member = join(owner, workspace, "eli@linde.test", "pro")
    with pytest.raises(ServiceError) as exc:
        as_admin(owner, workspace, services.member_change_account_type, membership_id=member.pk,
                 account_type="pro")
    assert exc.value.code == "unchanged"
    unpaid = join(owner, workspace, "free@linde.test", "free")
    with pytest.raises(Conflict) as exc:
        as_admin(owner, workspace, services.member_change_account_type, membership_id=unpaid.pk,
                 account_type="pro")
    assert exc.value.code == "not_paid_by_workspace"


def test_r_bil_6_removal_on_the_cycles_first_day_gives_no_credit_and_no_charge(team, time_machine):
    """Pro paid for November, cancelled on 2026-12-01 before that day's run: no credit (November was used
    in full) and no December invoice."""
    owner, workspace = team
    member = join(owner, workspace, "eli@linde.test", "pro")
    run("2026-11-01")
    time_machine.move_to(at("2026-12-01"), tick=False)
    as_admin(owner, workspace, members_cancel, membership_ids=[member.pk])
    assert balance_cents(workspace=workspace) == 0
    assert not BalanceEntry.objects.with_scopes_disabled().filter(workspace=workspace).exists()
    assert seats_on(workspace=workspace, day=d("2026-12-01")) == {}
    report = run("2026-12-01")
    assert not report.cycle_invoices
    assert not Invoice.objects.with_scopes_disabled().filter(workspace=workspace, period_start=d("2026-12-01")).exists()


def test_r_bil_6_removal_mid_cycle_is_a_credit(team, time_machine):
    owner, workspace = team
    member = join(owner, workspace, "eli@linde.test", "pro")
    run("2026-11-01")
    time_machine.move_to(at("2026-11-21"), tick=False)
    as_admin(owner, workspace, members_cancel, membership_ids=[member.pk])
    assert balance_cents(workspace=workspace) == 1967  # 59.00 × 10/30 = 19.666… → 19.67
    assert licences.effective_account_type(member.user) == "free"


def test_r_bil_6_removal_on_the_first_day_after_the_cycle_invoice_credits_the_whole_cycle(team, time_machine):
    owner, workspace = team
    member = join(owner, workspace, "eli@linde.test", "pro")
    time_machine.move_to(at("2026-12-01"), tick=False)
    run("2026-12-01")  # the scheduled run comes first: December is invoiced with the seat
    assert lines(cycle_invoice(workspace, "2026-12-01")) == [("pro", 1, Decimal("59.00"))]
    as_admin(owner, workspace, members_cancel, membership_ids=[member.pk])
    assert balance_cents(workspace=workspace) == 5900  # 59.00 × 31/31: the unused remainder is the whole cycle


def test_r_bil_5_seat_added_on_the_first_day_after_the_cycle_invoice_is_charged(team, time_machine):
    owner, workspace = team
    join(owner, workspace, "early@linde.test", "pro")
    time_machine.move_to(at("2026-12-01"), tick=False)
    run("2026-12-01")
    join(owner, workspace, "late@linde.test", "pro")  # same day, after the run
    run("2026-12-02")
    charged = sum(line.quantity for inv in Invoice.objects.with_scopes_disabled().filter(workspace=workspace, period_end=d("2027-01-01"))
                  for line in inv.lines.all())
    assert charged == 2


# --- R-BIL-7: accepting an invitation that pays for the user ----------------------------------------

def test_r_bil_7a_free_user_invited_as_pro_is_upgraded_and_paid_by_the_workspace(team, time_machine):
    owner, workspace = team
    user = user_sign_up(email="fenna@linde.test", password=PASSWORD)  # 2026-11-01, trial until 11-15
    time_machine.move_to(at("2026-11-16"), tick=False)
    assert licences.effective_account_type(user) == "free"
    token = invite(owner, workspace, user.email, "pro")  # "pay for this user" defaults to on for pro
    member = invitations.invitation_accept(token=token, user=user)

    assert (member.pay_for_user, member.account_type) == (True, "pro")
    licence = licences.current_licence(user)
    assert (licence.account_type, licence.payer_workspace_id, licence.status) == ("pro", workspace.pk, "active")
    assert licences.effective_account_type(user) == "pro"
    [seat] = SeatChange.objects.with_scopes_disabled().filter(workspace=workspace, user=user)
    assert (seat.account_type, seat.delta, seat.effective, seat.needs_proration) == ("pro", 1, d("2026-11-16"), True)

    run("2026-11-17")
    proration = proration_invoice(workspace, "2026-11-16")
    assert amounts(proration) == (Decimal("29.50"), Decimal("0.00"), Decimal("6.20"), Decimal("35.70"))


def test_r_bil_7b_self_payer_is_credited_on_their_personal_balance_and_the_team_pays(team, time_machine):
    """Pays pro for themselves since 2026-11-01 (personal workspace, anchor 2026-11-01), accepts the
    team's invitation on 2026-11-16: own subscription ends, 59.00 × 15/30 = 29.50 credit on the personal
    balance; the team pays from 2026-11-16 (29.50 prorated, then 59.00 from December)."""
    owner, workspace = team
    user = user_sign_up(email="sam@linde.test", password=PASSWORD)
    personal = personal_workspace(user)
    assert personal.billing_anchor == d("2026-11-01")
    services.subscription_start(user=user, account_type="pro")
    assert licences.pays_for_self(user)
    run("2026-11-01")
    assert lines(cycle_invoice(personal, "2026-11-01")) == [("pro", 1, Decimal("59.00"))]

    time_machine.move_to(at("2026-11-16"), tick=False)
    token = invite(owner, workspace, user.email, "pro")
    member = invitations.invitation_accept(token=token, user=user)

    assert member.pay_for_user is True
    assert not licences.pays_for_self(user)
    assert licences.current_licence(user).payer_workspace_id == workspace.pk
    assert balance_cents(workspace=personal) == 2950
    assert balance_cents(workspace=workspace) == 0
    assert seats_on(workspace=personal, day=d("2026-11-16")) == {}
    assert seats_on(workspace=workspace, day=d("2026-11-16")) == {"pro": 1}

    run("2026-11-17")
    assert amounts(proration_invoice(workspace, "2026-11-16"))[0] == Decimal("29.50")
    assert not Invoice.objects.with_scopes_disabled().filter(workspace=personal, kind="proration").exists()
    run("2026-12-01")
    assert lines(cycle_invoice(workspace, "2026-12-01")) == [("pro", 1, Decimal("59.00"))]
    assert not Invoice.objects.with_scopes_disabled().filter(workspace=personal, period_start=d("2026-12-01")).exists()
    assert balance_cents(workspace=personal) == 2950  # kept for a later subscription of their own


def test_r_bil_7c_trial_user_pay_now_is_charged_prorated_now(team, time_machine):
    owner, workspace = team
    time_machine.move_to(at("2026-11-06"), tick=False)
    user = user_sign_up(email="tess@linde.test", password=PASSWORD)  # trial until 2026-11-20
    time_machine.move_to(at("2026-11-16"), tick=False)
    assert licences.in_trial(user)
    token = invite(owner, workspace, user.email, "pro", pay_timing="now")
    invitations.invitation_accept(token=token, user=user)

    licence = licences.current_licence(user)
    assert (licence.status, licence.trial_ends_at, licence.payer_workspace_id) == ("active", None, workspace.pk)
    assert not licences.in_trial(user)
    run("2026-11-17")
    proration = proration_invoice(workspace, "2026-11-16")
    assert lines(proration) == [("pro", 1, Decimal("29.50"))]
    assert amounts(proration) == (Decimal("29.50"), Decimal("0.00"), Decimal("6.20"), Decimal("35.70"))


def test_r_bil_7d_trial_user_pay_after_trial_is_charged_from_the_trial_end(team, time_machine):
    """Own pro trial from 2026-11-06 to 2026-11-20; accepted on 11-16 with *pay after trial*: nothing
    until 11-20, then 59.00 × 11/30 = 21.63 + VAT 4.54 = 26.17, and 59.00 from December."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-06"), tick=False)
    user = user_sign_up(email="tess@linde.test", password=PASSWORD)
    time_machine.move_to(at("2026-11-16"), tick=False)
    token = invite(owner, workspace, user.email, "pro", pay_timing="after_trial")
    member = invitations.invitation_accept(token=token, user=user)

    assert (member.pay_for_user, member.pay_timing) == (True, "after_trial")
    licence = licences.current_licence(user)
    assert (licence.status, licence.trial_ends_at, licence.payer_workspace_id) == (
        "trialing", at("2026-11-20"), workspace.pk)
    assert seats_on(workspace=workspace, day=d("2026-11-19")) == {}
    assert seats_on(workspace=workspace, day=d("2026-11-20")) == {"pro": 1}

    for day in ("2026-11-17", "2026-11-19", "2026-11-20"):
        report = run(day)
        assert not report.proration_invoices and not report.cycle_invoices, day
    assert not Invoice.objects.with_scopes_disabled().filter(workspace=workspace).exists()

    time_machine.move_to(at("2026-11-21"), tick=False)
    assert licences.effective_account_type(user) == "pro"  # paid by the team after the trial
    run("2026-11-21")
    proration = proration_invoice(workspace, "2026-11-20")
    assert lines(proration) == [("pro", 1, Decimal("21.63"))]
    assert amounts(proration) == (Decimal("21.63"), Decimal("0.00"), Decimal("4.54"), Decimal("26.17"))
    assert (proration.period_start, proration.period_end) == (d("2026-11-20"), d("2026-12-01"))
    assert "11 of 30 days" in proration.lines.get().description

    run("2026-12-01")
    assert lines(cycle_invoice(workspace, "2026-12-01")) == [("pro", 1, Decimal("59.00"))]


def test_r_bil_7_pay_after_trial_is_only_offered_to_users_in_a_trial(team, time_machine):
    owner, workspace = team
    user = user_sign_up(email="late@linde.test", password=PASSWORD)
    time_machine.move_to(at("2026-11-16"), tick=False)  # the trial ended 2026-11-15
    with pytest.raises(ServiceError) as exc:
        invite(owner, workspace, user.email, "pro", pay_timing="after_trial")
    assert exc.value.code == "not_in_trial"
    with pytest.raises(ServiceError) as exc:
        invite(owner, workspace, "nobody-yet@linde.test", "pro", pay_timing="after_trial")
    assert exc.value.code == "not_in_trial"


def test_r_bil_7d_member_paid_after_trial_can_be_unsubscribed_later(team, time_machine):
    """The *pay after trial* licence stays `trialing` after the trial; unsubscribing on 2026-11-25 still
    ends the seat with a credit of 59.00 × 6/30 = 11.80 and December has no seat."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-06"), tick=False)
    user = user_sign_up(email="tess@linde.test", password=PASSWORD)
    time_machine.move_to(at("2026-11-16"), tick=False)
    token = invite(owner, workspace, user.email, "pro", pay_timing="after_trial")
    member = invitations.invitation_accept(token=token, user=user)
    time_machine.move_to(at("2026-11-25"), tick=False)
    run("2026-11-25")  # 21.63 for 11-20 .. 11-30
    as_admin(owner, workspace, services.member_unsubscribe, membership_id=member.pk)
    assert licences.effective_account_type(user) == "free"
    assert seats_on(workspace=workspace, day=d("2026-11-25")) == {}
    assert balance_cents(workspace=workspace) == 1180  # 59.00 × 6/30
    run("2026-12-01")
    assert not Invoice.objects.with_scopes_disabled().filter(workspace=workspace, kind="cycle", period_start=d("2026-12-01")).exists()


def test_r_bil_6_changing_the_type_during_pay_after_trial_leaves_one_seat(team, time_machine):
    """Changing the type of a member whose seat is scheduled for the trial's end cancels that scheduled
    seat: one seat (essentials, prorated from today: 29.00 × 14/30 = 13.53), not two, and only it is
    charged."""
    owner, workspace = team
    time_machine.move_to(at("2026-11-06"), tick=False)
    user = user_sign_up(email="tess@linde.test", password=PASSWORD)
    time_machine.move_to(at("2026-11-16"), tick=False)
    token = invite(owner, workspace, user.email, "pro", pay_timing="after_trial")
    member = invitations.invitation_accept(token=token, user=user)
    time_machine.move_to(at("2026-11-17"), tick=False)
    as_admin(owner, workspace, services.member_change_account_type, membership_id=member.pk,
             account_type="essentials")
    assert seats_on(workspace=workspace, day=d("2026-11-17")) == {"essentials": 1}
    assert seats_on(workspace=workspace, day=d("2026-12-01")) == {"essentials": 1}
    run("2026-11-21")
    assert [lines(invoice) for invoice in Invoice.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk")] == [
        [("essentials", 1, Decimal("13.53"))]]  # 29.00 × 14/30 = 13.533…


# --- R-BIL-8: consent before the workspace pays for a self-payer ------------------------------------

def test_r_bil_8_admin_cannot_take_over_a_self_payer_until_they_cancel(team, time_machine):
    owner, workspace = team
    user = user_sign_up(email="sam@linde.test", password=PASSWORD)
    services.subscription_start(user=user, account_type="pro")
    time_machine.move_to(at("2026-11-16"), tick=False)
    token = invite(owner, workspace, user.email, "pro", pay_for_user=False)
    member = invitations.invitation_accept(token=token, user=user)
    assert member.pay_for_user is False
    assert licences.pays_for_self(user)

    with pytest.raises(Conflict) as exc:
        as_admin(owner, workspace, services.member_subscribe, membership_id=member.pk, account_type="pro")
    assert exc.value.code == "pays_for_self"
    assert licences.pays_for_self(user)
    assert seats_on(workspace=workspace, day=d("2026-11-16")) == {}

    services.subscription_cancel(user=user)  # their consent
    assert balance_cents(workspace=personal_workspace(user)) == 2950
    assert licences.effective_account_type(user) == "free"
    licence = as_admin(owner, workspace, services.member_subscribe, membership_id=member.pk, account_type="pro")
    assert (licence.account_type, licence.payer_workspace_id) == ("pro", workspace.pk)
    assert member_of(workspace, user).pay_for_user is True
    assert seats_on(workspace=workspace, day=d("2026-11-16")) == {"pro": 1}
    run("2026-11-17")
    assert amounts(proration_invoice(workspace, "2026-11-16"))[0] == Decimal("29.50")


def test_r_bil_8_a_user_paid_by_a_workspace_cannot_start_an_own_subscription(team, time_machine):
    owner, workspace = team
    member = join(owner, workspace, "eli@linde.test", "pro")
    with pytest.raises(Conflict) as exc:
        services.subscription_start(user=member.user, account_type="essentials")
    assert exc.value.code == "paid_by_workspace"
    with pytest.raises(Conflict) as exc:
        services.subscription_cancel(user=member.user)
    assert exc.value.code == "no_subscription"


# --- R-BIL-9: trials ---------------------------------------------------------------------------------

def test_r_bil_9_practice_seats_are_free_during_its_trial_first_invoice_at_the_trial_end(db, time_machine):
    """A `practice` created 2026-11-01 12:00 (Amsterdam) has a trial to 2026-11-15: the anchor. A pro who
    joins on 11-03 costs nothing until then; the first cycle invoice (11-15 .. 12-15) has the seat at
    59.00 and no proration invoice. A pro joining 11-20 pays 59.00 × 25/30 = 49.17."""
    time_machine.move_to(at("2026-11-01"), tick=False)
    owner = user_sign_up(email="owner@noord.test", password=PASSWORD)
    workspace = workspace_create(actor=owner, name="Praktijk Noord", tier="practice")
    assert (workspace.trial_ends_at, workspace.billing_anchor) == (at("2026-11-15"), d("2026-11-15"))

    time_machine.move_to(at("2026-11-03"), tick=False)
    join(owner, workspace, "early@noord.test", "pro")
    [seat] = SeatChange.objects.with_scopes_disabled().filter(workspace=workspace)
    assert seat.needs_proration is False

    for day in range(1, 15):
        report = run(f"2026-11-{day:02d}")
        assert not report.cycle_invoices and not report.proration_invoices
    assert not Invoice.objects.with_scopes_disabled().filter(workspace=workspace).exists()

    time_machine.move_to(at("2026-11-15"), tick=False)
    report = run("2026-11-15")
    assert len(report.cycle_invoices) == 1 and not report.proration_invoices
    first = cycle_invoice(workspace, "2026-11-15")
    assert (first.period_start, first.period_end) == (d("2026-11-15"), d("2026-12-15"))
    assert lines(first) == [("pro", 1, Decimal("59.00"))]
    assert amounts(first) == (Decimal("59.00"), Decimal("0.00"), Decimal("12.39"), Decimal("71.39"))

    time_machine.move_to(at("2026-11-20"), tick=False)
    join(owner, workspace, "later@noord.test", "pro")
    run("2026-11-21")
    assert amounts(proration_invoice(workspace, "2026-11-20")) == (
        Decimal("49.17"), Decimal("0.00"), Decimal("10.33"), Decimal("59.50"))


def test_r_bil_9_new_users_get_a_14_day_pro_trial_that_costs_nothing(db, time_machine):
    time_machine.move_to(at("2026-11-01"), tick=False)
    user = user_sign_up(email="new@noord.test", password=PASSWORD)
    licence = licences.current_licence(user)
    assert (licence.account_type, licence.status, licence.payer_workspace_id) == ("pro", "trialing", None)
    assert licence.trial_ends_at == at("2026-11-15")
    assert licences.in_trial(user)
    assert licences.effective_account_type(user, at("2026-11-15") - dt.timedelta(minutes=1)) == "pro"
    assert licences.effective_account_type(user, at("2026-11-15")) == "free"
    assert not SeatChange.objects.with_scopes_disabled().filter(user=user).exists()
    run("2026-11-01")
    run("2026-12-01")
    assert not Invoice.objects.with_scopes_disabled().exists()


# --- R-BIL-10: an admin cancels a member's subscription ---------------------------------------------

def _pay_after_trial_member(owner, workspace, time_machine) -> Membership:
    time_machine.move_to(at("2026-11-06"), tick=False)
    user = user_sign_up(email="tess@linde.test", password=PASSWORD)  # trial until 2026-11-20
    time_machine.move_to(at("2026-11-16"), tick=False)
    token = invite(owner, workspace, user.email, "pro", pay_timing="after_trial")
    return invitations.invitation_accept(token=token, user=user)


def test_r_bil_10_cancelled_in_a_trial_keeps_pro_until_the_trial_ends(team, time_machine):
    owner, workspace = team
    member = _pay_after_trial_member(owner, workspace, time_machine)
    time_machine.move_to(at("2026-11-17"), tick=False)
    licence = as_admin(owner, workspace, services.member_unsubscribe, membership_id=member.pk)
    assert licence.ends_at == at("2026-11-20")
    assert member_of(workspace, member.user).pay_for_user is False
    assert licences.effective_account_type(member.user) == "pro"
    assert licences.effective_account_type(member.user, at("2026-11-20") - dt.timedelta(seconds=1)) == "pro"
    assert licences.effective_account_type(member.user, at("2026-11-20")) == "free"
    assert seats_on(workspace=workspace, day=d("2026-11-20")) == {}


def test_r_bil_10_cancelled_in_a_trial_is_never_charged(team, time_machine):
    owner, workspace = team
    member = _pay_after_trial_member(owner, workspace, time_machine)
    time_machine.move_to(at("2026-11-17"), tick=False)
    as_admin(owner, workspace, services.member_unsubscribe, membership_id=member.pk)
    assert balance_cents(workspace=workspace) == 0
    for day in ("2026-11-21", "2026-12-01"):
        time_machine.move_to(at(day), tick=False)
        run(day)
    assert not Invoice.objects.with_scopes_disabled().filter(workspace=workspace).exists()
    assert balance_cents(workspace=workspace) == 0


def test_r_bil_10_cancelled_in_a_trial_nets_to_nothing(team, time_machine):
    """What the code does today (see the xfail above): whatever is issued for the cancelled trial seat is
    fully offset, so the workspace pays 0.00 in total."""
    owner, workspace = team
    member = _pay_after_trial_member(owner, workspace, time_machine)
    time_machine.move_to(at("2026-11-17"), tick=False)
    as_admin(owner, workspace, services.member_unsubscribe, membership_id=member.pk)
    for day in ("2026-11-21", "2026-12-01"):
        time_machine.move_to(at(day), tick=False)
        run(day)
    invoices = Invoice.objects.with_scopes_disabled().filter(workspace=workspace)
    assert sum(invoice.total_cents for invoice in invoices) == 0
    assert balance_cents(workspace=workspace) == 0


def test_r_bil_10_cancelled_when_paid_is_free_at_once_with_a_credit(team, time_machine):
    owner, workspace = team
    member = join(owner, workspace, "eli@linde.test", "pro")
    run("2026-11-01")
    time_machine.move_to(at("2026-11-16"), tick=False)
    assert licences.effective_account_type(member.user) == "pro"
    as_admin(owner, workspace, services.member_unsubscribe, membership_id=member.pk)
    assert licences.effective_account_type(member.user) == "free"
    licence = licences.current_licence(member.user)
    assert (licence.account_type, licence.payer_workspace_id) == ("free", None)
    assert member_of(workspace, member.user).pay_for_user is False
    assert balance_cents(workspace=workspace) == 2950
    assert seats_on(workspace=workspace, day=d("2026-11-16")) == {}
    run("2026-12-01")
    assert not Invoice.objects.with_scopes_disabled().filter(workspace=workspace, period_start=d("2026-12-01")).exists()
    with pytest.raises(Conflict) as exc:
        as_admin(owner, workspace, services.member_unsubscribe, membership_id=member.pk)
    assert exc.value.code == "not_paid_by_workspace"


# --- R-BIL-11: credit notes --------------------------------------------------------------------------

def test_r_bil_11_credit_note_negates_voids_and_returns_applied_credit(team, time_machine):
    """November: essentials 29.00 + pro 59.00 = 88.00 + 18.48 = 106.48 (#1). On 11-16 the essentials
    member leaves (credit 14.50) and a pro joins: 29.50 − 14.50 credit = 15.00 + 3.15 = 18.15 (#2).
    Crediting #2 gives #3 (−18.15, the 14.50 back on the balance); crediting #1 gives #4 (−106.48)."""
    owner, workspace = team
    operator = user_sign_up(email="operator@praxis.test", password=PASSWORD)
    leaving = join(owner, workspace, "leaving@linde.test", "essentials")
    join(owner, workspace, "staying@linde.test", "pro")
    run("2026-11-01")
    november = cycle_invoice(workspace, "2026-11-01")
    assert lines(november) == [("essentials", 1, Decimal("29.00")), ("pro", 1, Decimal("59.00"))]
    assert amounts(november) == (Decimal("88.00"), Decimal("0.00"), Decimal("18.48"), Decimal("106.48"))

    time_machine.move_to(at("2026-11-16"), tick=False)
    as_admin(owner, workspace, members_cancel, membership_ids=[leaving.pk])
    join(owner, workspace, "new@linde.test", "pro")
    run("2026-11-17")
    proration = proration_invoice(workspace, "2026-11-16")
    assert amounts(proration) == (Decimal("29.50"), Decimal("14.50"), Decimal("3.15"), Decimal("18.15"))
    assert balance_cents(workspace=workspace) == 0

    time_machine.move_to(at("2026-11-18"), tick=False)
    note = services.invoice_credit(invoice_id=proration.pk, actor=operator, reason="wrong seat")
    note.refresh_from_db()
    proration.refresh_from_db()
    assert (note.kind, note.credited_invoice_id, note.status) == ("credit_note", proration.pk, "open")
    assert proration.status == "void"
    assert (note.vat_cents, note.total_cents) == (-proration.vat_cents, -proration.total_cents)
    assert amounts(note) == (Decimal("-15.00"), Decimal("0.00"), Decimal("-3.15"), Decimal("-18.15"))
    assert [(line.account_type, line.quantity, euros(line.amount_cents)) for line in note.lines.all()] == [
        ("pro", -1, Decimal("-29.50")), ("", 1, Decimal("14.50"))]
    assert balance_cents(workspace=workspace) == 1450

    note_1 = services.invoice_credit(invoice_id=november.pk, actor=operator, reason="goodwill")
    note_1.refresh_from_db()
    assert amounts(note_1) == (Decimal("-88.00"), Decimal("0.00"), Decimal("-18.48"), Decimal("-106.48"))
    assert [(a, q) for a, q, _p in lines(note_1)] == [("essentials", -1), ("pro", -1)]
    assert balance_cents(workspace=workspace) == 1450  # nothing was applied on #1

    numbers = sorted(Invoice.objects.with_scopes_disabled().values_list("number", flat=True))
    assert numbers == ["2026-000001", "2026-000002", "2026-000003", "2026-000004"]
    assert (note.number, note_1.number) == ("2026-000003", "2026-000004")

    for invoice_id in (proration.pk, note.pk):
        with pytest.raises(Conflict) as exc:
            services.invoice_credit(invoice_id=invoice_id, actor=operator, reason="again")
        assert exc.value.code == "not_creditable"
    assert Invoice.objects.with_scopes_disabled().count() == 4


# --- R-BIL-12: idempotent runs -----------------------------------------------------------------------

def test_r_bil_12_several_runs_issue_one_invoice_per_workspace_cycle(team, time_machine):
    owner, workspace = team
    join(owner, workspace, "first@linde.test", "pro")
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "second@linde.test", "essentials")

    first = run("2026-12-01")
    # No run happened in November: the December run also issues November's cycle (catch-up), once.
    assert (len(first.cycle_invoices), len(first.proration_invoices)) == (2, 1)
    for day in ("2026-12-01", "2026-12-01", "2026-12-02", "2026-12-31"):
        again = run(day)
        assert (again.cycle_invoices, again.proration_invoices) == ([], []), day
    assert Invoice.objects.with_scopes_disabled().filter(workspace=workspace, kind="cycle").count() == 2
    assert Invoice.objects.with_scopes_disabled().filter(workspace=workspace, kind="proration").count() == 1
    assert lines(cycle_invoice(workspace, "2026-11-01")) == [("pro", 1, Decimal("59.00"))]
    december = cycle_invoice(workspace, "2026-12-01")
    assert lines(december) == [("essentials", 1, Decimal("29.00")), ("pro", 1, Decimal("59.00"))]
    assert amounts(proration_invoice(workspace, "2026-11-16"))[0] == Decimal("14.50")
    assert sorted(Invoice.objects.with_scopes_disabled().values_list("number", flat=True)) == [
        "2026-000001", "2026-000002", "2026-000003"]


def test_r_bil_12_the_database_refuses_a_second_cycle_or_proration_invoice(team, time_machine):
    owner, workspace = team
    join(owner, workspace, "first@linde.test", "pro")
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "second@linde.test", "pro")
    run("2026-11-17")
    run("2026-12-01")
    for kind, period_start in (("cycle", "2026-12-01"), ("proration", "2026-11-16")):
        original = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind=kind, period_start=d(period_start))
        copy = {f.attname: getattr(original, f.attname) for f in Invoice._meta.concrete_fields if not f.primary_key}
        copy["number"] = f"X-{kind}"
        with pytest.raises(IntegrityError), transaction.atomic():
            Invoice.objects.with_scopes_disabled().create(**copy)
    assert Invoice.objects.with_scopes_disabled().filter(workspace=workspace).count() == 3  # November, proration, December


def test_r_bil_12_billing_run_command_reports_and_is_idempotent(team, time_machine):
    from io import StringIO

    from django.core.management import call_command

    owner, workspace = team
    join(owner, workspace, "first@linde.test", "pro")
    out = StringIO()
    call_command("billing_run", at="2026-11-01", stdout=out)
    assert "1 cycle invoices, 0 proration invoices" in out.getvalue()
    out = StringIO()
    call_command("billing_run", at="2026-11-01", stdout=out)
    assert "0 cycle invoices, 0 proration invoices" in out.getvalue()


# --- client limits -----------------------------------------------------------------------------------

def test_client_limit_of_free_is_ten_active_clients(db):
    catalogue.check_client_limit(account_type="free", active_clients=9)
    with pytest.raises(ServiceError) as exc:
        catalogue.check_client_limit(account_type="free", active_clients=10)
    assert exc.value.code == "client_limit_reached"
    assert "10" in exc.value.message
    catalogue.check_client_limit(account_type="essentials", active_clients=249)
    with pytest.raises(ServiceError):
        catalogue.check_client_limit(account_type="essentials", active_clients=250)
    catalogue.check_client_limit(account_type="pro", active_clients=1_000_000)


def test_catalogue_matches_the_spec(db):
    prices = {code: (catalogue.price(code, "monthly"), catalogue.price(code, "annual"))
              for code in ("free", "essentials", "pro", "support")}
    assert prices == {"free": (Decimal("0.00"), Decimal("0.00")),
                      "essentials": (Decimal("29.00"), Decimal("290.00")),
                      "pro": (Decimal("59.00"), Decimal("590.00")),
                      "support": (Decimal("0.00"), Decimal("0.00"))}
    assert [code for code in prices if catalogue.is_paid(code)] == ["essentials", "pro"]


# --- annual interval ---------------------------------------------------------------------------------

def test_annual_workspace_prorates_over_the_year(team, time_machine):
    """Annual, anchor 2026-11-01 (365-day cycle): a pro joining 2026-11-16 pays 590.00 × 350/365 = 565.75
    + VAT 118.81 = 684.56; the 2027-11-01 cycle invoice is 590.00 + 123.90 = 713.90."""
    owner, workspace = team
    Workspace.objects.filter(pk=workspace.pk).update(billing_interval="annual")
    time_machine.move_to(at("2026-11-16"), tick=False)
    join(owner, workspace, "anna@linde.test", "pro")

    run("2026-11-17")
    proration = proration_invoice(workspace, "2026-11-16")
    assert lines(proration) == [("pro", 1, Decimal("565.75"))]
    assert amounts(proration) == (Decimal("565.75"), Decimal("0.00"), Decimal("118.81"), Decimal("684.56"))
    assert (proration.period_start, proration.period_end) == (d("2026-11-16"), d("2027-11-01"))
    assert "350 of 365 days" in proration.lines.get().description

    for day in ("2026-12-01", "2027-01-01", "2027-10-31"):
        assert not run(day).cycle_invoices
    time_machine.move_to(at("2027-11-01"), tick=False)
    run("2027-11-01")
    year = cycle_invoice(workspace, "2027-11-01")
    assert (year.period_start, year.period_end) == (d("2027-11-01"), d("2028-11-01"))
    assert amounts(year) == (Decimal("590.00"), Decimal("0.00"), Decimal("123.90"), Decimal("713.90"))


def test_annual_leap_year_cycle_has_366_days(team, time_machine):
    """Annual cycle 2027-11-01 .. 2028-11-01 (366 days): leaving on 2028-01-01 credits
    590.00 × 305/366 = 491.67."""
    owner, workspace = team
    Workspace.objects.filter(pk=workspace.pk).update(billing_interval="annual")
    member = join(owner, workspace, "anna@linde.test", "pro")
    time_machine.move_to(at("2028-01-01"), tick=False)
    as_admin(owner, workspace, members_cancel, membership_ids=[member.pk])
    assert balance_cents(workspace=workspace) == 49167


def test_licence_rows_follow_one_payer_at_a_time(team, time_machine):
    """R-WS-3 as billing sees it: after all the moves, one current licence per user."""
    owner, workspace = team
    member = join(owner, workspace, "eli@linde.test", "essentials")
    time_machine.move_to(at("2026-11-16"), tick=False)
    as_admin(owner, workspace, services.member_change_account_type, membership_id=member.pk, account_type="pro")
    as_admin(owner, workspace, services.member_unsubscribe, membership_id=member.pk)
    assert Licence.objects.filter(user=member.user).exclude(status="ended").count() == 1
    assert balance_cents(workspace=workspace) == 1450 + 2950
