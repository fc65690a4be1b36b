"""Preview = charge, as a property (issue 6 point 1, R-BIL-14): for random sequences of joins, leaves,
up- and downgrades, "pay for this member" and billing runs on random days — cycle anchor days before and
after that day's run included, in a `team` workspace (billed from its creation) and a `practice` one (a
14-day trial first) — what the panels and dialogs show before each change is what is invoiced for it, to
the cent:

- before every paid change, the cost the views render (`plan.cost_of_new_seats`, `plan.cost_of_type_change`)
  equals what the change really adds to the invoices due at the next run (the plan read after the change
  minus the plan read before it, compared amount by amount);
- before every seat ends, the credit the dialog shows (`seats.planned_end`) is the credit written;
- every billing run issues exactly the plan read just before it: the same invoices, lines, subtotal,
  credit applied, VAT and total.

Each example runs in a transaction that is rolled back, so examples do not see each other's rows.
"""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from praxis.billing import plan, seats
from praxis.billing import services as billing_services
from praxis.billing.models import BalanceEntry, Invoice
from praxis.billing.run import billing_run
from praxis.core.money import to_cents
from praxis.testing import PASSWORD
from praxis.workspaces import invitations, licences
from praxis.workspaces.access import resolve_access
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]

NOON = dt.time(11, 0, tzinfo=dt.UTC)  # 12:00 in Amsterdam: the practice's day is the UTC day
START = dt.date(2026, 10, 30)  # a team workspace's anchor; the 31st is a cycle's eve, 1 December a start
PAID = ["essentials", "pro"]
_emails = itertools.count()

steps = st.lists(st.one_of(
    st.tuples(st.just("wait"), st.sampled_from([1, 1, 2, 3, 7, 13, "eve", "start"])),
    st.tuples(st.just("join"), st.sampled_from(PAID)),
    st.tuples(st.just("leave"), st.integers(0, 7)),
    st.tuples(st.just("change"), st.integers(0, 7), st.sampled_from(PAID)),
    st.tuples(st.just("subscribe"), st.integers(0, 7), st.sampled_from(PAID)),
    st.tuples(st.just("run")),
), min_size=1, max_size=18)


def _account_type(user) -> str:
    """The account type of a member's current licence (every member of this model has one)."""
    licence = licences.current_licence(user)
    assert licence is not None
    return licence.account_type


def amounts(draft) -> tuple[int, int, int, int]:
    return (to_cents(draft.subtotal), to_cents(draft.credit_applied), to_cents(draft.vat), to_cents(draft.total))


def by_invoice(drafts) -> dict[tuple[str, dt.date], tuple[int, int, int, int]]:
    return {(str(d.kind), d.period_start): amounts(d) for d in drafts}


def added(after: dict, before: dict, kind: str) -> tuple[int, int, int, int]:
    """What the invoices of one kind gained between two plans, summed: the change's real charge."""
    total = [0, 0, 0, 0]
    for key in set(after) | set(before):
        if key[0] == kind:
            for i, (a, b) in enumerate(zip(after.get(key, (0, 0, 0, 0)), before.get(key, (0, 0, 0, 0)),
                                           strict=True)):
                total[i] += a - b
    a, b, c, d = total
    return a, b, c, d


def shown(charge) -> tuple[int, int, int, int]:
    return amounts(charge) if charge is not None else (0, 0, 0, 0)


class Practice:
    """One workspace driven through the real services, checking each change against what was shown."""

    def __init__(self, time_machine, tier: str):
        self.time_machine = time_machine
        self.day = START
        self.move(START)
        self.owner = user_sign_up(email=f"owner{next(_emails)}@prop.test", password=PASSWORD)
        self.workspace = workspace_create(actor=self.owner, name="Praktijk Eigenschap", tier=tier)
        self.members: list = []
        self.checked = 0

    def move(self, day: dt.date) -> None:
        self.day = day
        self.time_machine.move_to(dt.datetime.combine(day, NOON), tick=False)

    @property
    def access(self):
        return resolve_access(self.owner, self.workspace.slug)

    def paid_members(self):
        return [m for m in self.members if (licence := licences.current_licence(m.user)) is not None
                and licence.payer_workspace_id == self.workspace.pk and licence.ends_at is None]

    def unpaid_members(self):
        paid = {m.pk for m in self.paid_members()}
        return [m for m in self.members if m.pk not in paid]

    def horizon(self) -> dt.date:
        return self.day + dt.timedelta(days=1)

    def check_paid_change(self, cost, change) -> None:
        """`cost` was rendered before `change`; what the change adds to the next run's invoices must equal it."""
        before = by_invoice(plan.plan_invoices(self.workspace, at=self.horizon()))
        change()
        after = by_invoice(plan.plan_invoices(self.workspace, at=self.horizon()))
        assert added(after, before, Invoice.Kind.PRORATION) == shown(cost.now), (self.day, cost)
        assert added(after, before, Invoice.Kind.CYCLE) == shown(cost.cycle), (self.day, cost)
        self.checked += 1

    def join(self, account_type: str) -> None:
        cost = plan.cost_of_new_seats(workspace=self.workspace, account_type=account_type, count=1, today=self.day)
        email = f"m{next(_emails)}@prop.test"

        def invite_and_accept():
            with scope(workspace=self.workspace):
                [(_inv, token)] = invitations.invitations_create(
                    access=self.access, emails=[email], role="clinician", account_type=account_type,
                    pay_for_user=True)
            user = user_sign_up(email=email, password=PASSWORD)
            self.members.append(invitations.invitation_accept(token=token, user=user))

        self.check_paid_change(cost, invite_and_accept)

    def change(self, index: int, account_type: str) -> None:
        candidates = [m for m in self.paid_members()
                      if _account_type(m.user) != account_type]
        if not candidates:
            return
        member = candidates[index % len(candidates)]
        old = _account_type(member.user)
        cost = plan.cost_of_type_change(workspace=self.workspace, user=member.user, old_type=old, new_type=account_type,
                                        today=self.day)
        self.check_paid_change(cost, lambda: billing_services.member_change_account_type(
            access=self.access, membership_id=member.pk, account_type=account_type))

    def subscribe(self, index: int, account_type: str) -> None:
        candidates = self.unpaid_members()
        if not candidates:
            return
        member = candidates[index % len(candidates)]
        cost = plan.cost_of_new_seats(workspace=self.workspace, account_type=account_type, count=1, today=self.day)
        self.check_paid_change(cost, lambda: billing_services.member_subscribe(
            access=self.access, membership_id=member.pk, account_type=account_type))

    def leave(self, index: int) -> None:
        candidates = self.paid_members()
        if not candidates:
            return
        member = candidates[index % len(candidates)]
        account_type = _account_type(member.user)
        credit = seats.planned_end(workspace=self.workspace, user=member.user, account_type=account_type,
                                   day=self.day).credit
        before = seats.balance_cents(workspace=self.workspace)
        billing_services.member_unsubscribe(access=self.access, membership_id=member.pk)
        assert seats.balance_cents(workspace=self.workspace) - before == to_cents(credit), (self.day, credit)
        self.checked += 1

    def run(self) -> None:
        expected = plan.plan_invoices(self.workspace, at=self.day)
        report = billing_run(at=self.day)
        issued = list(Invoice.objects.filter(number__in=report.cycle_invoices + report.proration_invoices)
                      .prefetch_related("lines").order_by("pk"))
        assert [(i.kind, i.period_start, i.subtotal_cents, i.credit_applied_cents, i.vat_cents, i.total_cents)
                for i in issued] == [(d.kind, d.period_start, *amounts(d)) for d in expected], self.day
        assert [[(line.account_type, line.quantity, line.unit_price_cents) for line in i.lines.all()]
                for i in issued] == [[(line.account_type, line.quantity, to_cents(line.unit_price))
                                      for line in d.lines] for d in expected], self.day
        assert plan.plan_invoices(self.workspace, at=self.day) == []  # nothing is due twice
        self.checked += 1

    def wait(self, days) -> None:
        anchor = self.workspace.billing_anchor
        if days in ("eve", "start"):
            start = seats.cycle_of(self.workspace, self.day)[1] if self.day >= anchor else anchor
            day = start - dt.timedelta(days=1) if days == "eve" else start
            self.move(max(day, self.day + dt.timedelta(days=1)))
        else:
            self.move(self.day + dt.timedelta(days=days))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(tier=st.sampled_from(["team", "practice"]), script=steps)
def test_what_is_shown_before_each_change_is_what_is_invoiced(time_machine, tier, script):
    """Issue 6 point 1 (R-BIL-5, R-BIL-6, R-BIL-12, R-BIL-14): see the module docstring."""
    with transaction.atomic():
        practice = Practice(time_machine, tier)
        with scope(workspace=practice.workspace):
            for action, *args in script:
                getattr(practice, action)(*args)
            # Whatever happened, a last run on the next cycle start leaves no balance below zero.
            practice.wait("start")
            practice.run()
        assert sum(BalanceEntry.objects.filter(workspace=practice.workspace)
                   .values_list("amount_cents", flat=True)) >= 0
        transaction.set_rollback(True)


def test_the_property_covers_a_change_after_the_anchor_days_run(time_machine):
    """The example of the bug seen, spelled out (it is one of the sequences above): on a cycle start, after
    that day's run, a join is shown and charged the whole cycle."""
    practice = Practice(time_machine, "team")
    with scope(workspace=practice.workspace):
        practice.join("pro")
        practice.wait("start")
        practice.run()
        cost = plan.cost_of_new_seats(workspace=practice.workspace, account_type="pro", count=2, today=practice.day)
        assert shown(cost.now) == (11800, 0, 2478, 14278) and cost.cycle is None
        practice.join("pro")
        practice.join("pro")
        practice.wait(1)
        practice.run()
    assert Decimal(Invoice.objects.get(kind="proration", period_start=dt.date(2026, 11, 30)).total_cents) == 14278
