"""Reads for the billing tab and the billing API (R-BIL-14: only `billing.view` reaches them)."""

from dataclasses import dataclass

from django.db.models import Sum

from .models import ChangeRequest, Invoice, SeatChange
from .seats import balance_cents, workspace_today


def invoices(*, workspace):
    return Invoice.objects.filter(workspace=workspace).order_by("-issued_at", "-pk")


def invoice_get(*, workspace, invoice_id: int) -> Invoice | None:
    return Invoice.objects.filter(workspace=workspace, pk=invoice_id).prefetch_related("lines").first()


def change_requests(*, workspace):
    # `-pk` breaks ties of `created_at`, so pages never repeat or skip a request.
    return (ChangeRequest.objects.filter(workspace=workspace).select_related("requested_by")
            .order_by("-created_at", "-pk"))


@dataclass
class SeatRow:
    account_type: str
    quantity: int
    user_ids: list[int]


def seats_by_type(*, workspace, day) -> list[SeatRow]:
    """Who the workspace pays for on `day`, per account type, in one query."""
    rows = (SeatChange.objects.filter(workspace=workspace, effective__lte=day)
            .values("account_type", "user_id").annotate(n=Sum("delta")))
    by_type: dict[str, list[int]] = {}
    for row in rows:
        if row["n"] > 0:
            by_type.setdefault(row["account_type"], []).append(row["user_id"])
    return [SeatRow(t, len(ids), sorted(ids)) for t, ids in sorted(by_type.items())]


@dataclass
class BillingSummary:
    interval: str
    anchor: object
    next_billing_date: object
    in_trial_until: object
    balance_cents: int
    currency: str


def billing_summary(*, workspace, at=None) -> BillingSummary:
    from .invoicing import next_cycle_to_invoice

    today = workspace_today(workspace, at)
    anchor = workspace.billing_anchor
    next_date = next_cycle_to_invoice(workspace, today=today)
    return BillingSummary(interval=workspace.billing_interval, anchor=anchor, next_billing_date=next_date,
                          in_trial_until=workspace.trial_ends_at if anchor and today < anchor else None,
                          balance_cents=balance_cents(workspace), currency=workspace.currency)
