"""Billing's side of the kernel's port (`praxis.workspaces.ports.Billing`, issue 6 point 9).

The kernel never imports billing; billing hands it this adapter in `BillingConfig.ready()`. Each method
only forwards to the billing function that owns the rule, so there is still one definition of each.
"""

import datetime as dt
from dataclasses import replace

from django_scopes import scope

from praxis.workspaces import licences
from praxis.workspaces.ports import SeatPrice, SelfPaidEnding
from praxis.workspaces.roles import account_type_label

from . import catalogue, seats
from .templatetags.billing_tags import money, plan_price


class BillingForKernel:
    """Implements `praxis.workspaces.ports.Billing`."""

    def is_paid(self, *, account_type: str) -> bool:
        return catalogue.is_paid(account_type)

    # A licence change can move a seat between two workspaces (the old payer's ends, the new one's starts)
    # while the request is scoped to only one of them: each ledger write enters its own payer's scope.

    def seat_start(self, *, workspace, user, account_type: str, day: dt.date, reason: str, actor) -> None:
        with scope(workspace=workspace):
            seats.seat_start(workspace=workspace, user=user, account_type=account_type, day=day,
                             reason=reason, actor=actor)

    def seat_end(self, *, workspace, user, account_type: str, day: dt.date, reason: str, actor) -> None:
        with scope(workspace=workspace):
            seats.seat_end(workspace=workspace, user=user, account_type=account_type, day=day,
                           reason=reason, actor=actor)

    def seat_prices(self, *, interval: str) -> list[SeatPrice]:
        return [SeatPrice(account_type=plan.account_type, label=account_type_label(plan.account_type),
                          price=plan_price(plan, interval))
                for plan in catalogue.plans().values() if plan.is_paid]

    def self_paid_ending(self, *, user) -> SelfPaidEnding | None:
        # The ledger read is the personal workspace's, whichever workspace's page asks (point 10).
        personal = licences.personal_workspace(user)
        if personal is None:
            return None
        with scope(workspace=personal):
            ending = seats.self_paid_ending(user=user)
        return replace(ending, credit=money(ending.credit_cents, ending.currency)) if ending else None
