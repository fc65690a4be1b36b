"""Billing ledger reads for tests, taken the way a page takes them: inside the workspace's scope.

The ledger models are scope-managed (issue 6 point 10), so `seats.balance_cents(workspace=workspace)` outside
`scope(workspace=...)` fails — as it must in application code. Tests that check a ledger directly use
these instead; the call sites read as before.
"""

import datetime as dt

from django_scopes import scope

from praxis.billing import seats


def balance_cents(workspace) -> int:
    with scope(workspace=workspace):
        return seats.balance_cents(workspace=workspace)


def seats_on(workspace, day: dt.date) -> dict[str, int]:
    with scope(workspace=workspace):
        return seats.seats_on(workspace=workspace, day=day)
