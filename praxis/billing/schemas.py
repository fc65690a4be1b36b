"""Input and output schemas of the billing API (SPEC §4, §13).

Money leaves the API as a decimal string with exactly two places (`"29.50"`) next to its integer cents
(`2950`), never as a float (R-BIL-1): a JSON number would be read as a binary float by most clients.
Issued invoices carry cents (models); drafts carry `Decimal`s (invoicing): both go through `amount()`.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field

from praxis.core.money import from_cents, round_cents, to_cents
from praxis.core.validation import PlainText
from praxis.workspaces.roles import AccountType

Amount = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["29.50"],
                              description="Euros (or the currency's unit) with two decimals, as a string.")]
Rate = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["21.00"], description="VAT rate in percent.")]


def amount(value: int | Decimal) -> str:
    """`2950` (cents) or `Decimal("29.5")` → `"29.50"`."""
    value = from_cents(value) if isinstance(value, int) else round_cents(value)
    return f"{value:.2f}"


def rate(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


# --- summary and seats ----------------------------------------------------------------------------------

class BillingSummaryOut(Schema):
    interval: str
    anchor: dt.date | None
    next_billing_date: dt.date | None
    trial_until: dt.datetime | None = Field(description="End of the workspace's trial, while it lasts (R-BIL-9).")
    balance: Amount = Field(description="Credit on the balance, deducted from the next invoices (R-BIL-6).")
    balance_cents: int
    currency: str

    @staticmethod
    def resolve_trial_until(obj):
        return obj.in_trial_until

    @staticmethod
    def resolve_balance(obj):
        return amount(obj.balance_cents)


class SeatRowOut(Schema):
    account_type: str
    quantity: int
    user_ids: list[int]
    member_ids: list[int] = Field(description="The active memberships in this workspace of those users.")


class SeatsOut(Schema):
    day: dt.date = Field(description="The workspace's today, in its time zone.")
    seats: list[SeatRowOut]


# --- invoices --------------------------------------------------------------------------------------------

class InvoiceLineOut(Schema):
    position: int
    description: str
    account_type: str
    quantity: int
    unit_price: Amount
    unit_price_cents: int
    amount: Amount
    amount_cents: int
    period_start: dt.date | None
    period_end: dt.date | None

    @staticmethod
    def resolve_unit_price(obj):
        return amount(obj.unit_price_cents)

    @staticmethod
    def resolve_amount(obj):
        return amount(obj.amount_cents)


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    issue_date: dt.date
    period_start: dt.date
    period_end: dt.date = Field(description="Exclusive: the first day after the period.")
    currency: str
    subtotal: Amount
    subtotal_cents: int
    credit_applied: Amount
    credit_applied_cents: int
    vat_rate: Rate
    vat: Amount
    vat_cents: int
    total: Amount
    total_cents: int
    paid_at: dt.datetime | None
    credited_invoice_id: int | None
    credited_invoice_number: str | None
    due_date: dt.date | None = Field(description="Payable up to and including this day; none on a credit note.")
    payment_reference: str = Field(description="The ISO 11649 reference to quote with a bank transfer.")

    @staticmethod
    def resolve_subtotal(obj):
        return amount(obj.subtotal_cents)

    @staticmethod
    def resolve_credit_applied(obj):
        return amount(obj.credit_applied_cents)

    @staticmethod
    def resolve_vat_rate(obj):
        return rate(obj.vat_rate)

    @staticmethod
    def resolve_vat(obj):
        return amount(obj.vat_cents)

    @staticmethod
    def resolve_total(obj):
        return amount(obj.total_cents)

    @staticmethod
    def resolve_credited_invoice_number(obj):
        return obj.credited_invoice.number if obj.credited_invoice_id else None


class InvoiceDetailOut(InvoiceOut):
    billed_name: str
    billed_address: str
    billed_vat_id: str
    billed_country: str
    language: str
    issuer_name: str
    issuer_address: str
    issuer_vat_id: str
    issuer_account_holder: str
    issuer_iban: str
    issuer_bic: str
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class InvoicePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InvoiceOut]


# --- drafts: the preview and the cost of new seats (R-BIL-14) ---------------------------------------------

class DraftLineOut(Schema):
    description: str
    account_type: str
    quantity: int
    unit_price: Amount
    unit_price_cents: int
    amount: Amount
    amount_cents: int
    period_start: dt.date
    period_end: dt.date

    @staticmethod
    def resolve_unit_price(obj):
        return amount(obj.unit_price)

    @staticmethod
    def resolve_unit_price_cents(obj):
        return to_cents(obj.unit_price)

    @staticmethod
    def resolve_amount(obj):
        return amount(obj.amount)

    @staticmethod
    def resolve_amount_cents(obj):
        return to_cents(obj.amount)


class DraftOut(Schema):
    """An invoice as it would be issued today: the same `Draft` the billing run issues."""

    kind: str
    period_start: dt.date
    period_end: dt.date = Field(description="Exclusive: the first day after the period.")
    currency: str
    lines: list[DraftLineOut]
    subtotal: Amount
    subtotal_cents: int
    credit_applied: Amount
    credit_applied_cents: int
    vat_rate: Rate
    vat: Amount
    vat_cents: int
    total: Amount
    total_cents: int

    @staticmethod
    def resolve_kind(obj):
        return str(obj.kind)

    @staticmethod
    def resolve_subtotal(obj):
        return amount(obj.subtotal)

    @staticmethod
    def resolve_subtotal_cents(obj):
        return to_cents(obj.subtotal)

    @staticmethod
    def resolve_credit_applied(obj):
        return amount(obj.credit_applied)

    @staticmethod
    def resolve_credit_applied_cents(obj):
        return to_cents(obj.credit_applied)

    @staticmethod
    def resolve_vat_rate(obj):
        return rate(obj.vat_rate)

    @staticmethod
    def resolve_vat(obj):
        return amount(obj.vat)

    @staticmethod
    def resolve_vat_cents(obj):
        return to_cents(obj.vat)

    @staticmethod
    def resolve_total(obj):
        return amount(obj.total)

    @staticmethod
    def resolve_total_cents(obj):
        return to_cents(obj.total)


class SeatCostQuery(Schema):
    # Checked by the handler once the workspace is resolved (400 `invalid_account_type`), so a call for
    # another workspace answers 404 whatever its query string (R-ROLE-4).
    account_type: str = Field("", max_length=16, description=f"One of: {', '.join(AccountType.values)}.")
    count: int = Field(1, ge=1, le=200, description="How many seats (one invitation batch).")


class SeatCostOut(Schema):
    account_type: str
    count: int
    currency: str
    interval: str
    now: DraftOut | None = Field(description=(
        "What the seats add to today's proration invoice (the billing plan with them minus without them: "
        "lines, subtotal, credit applied, VAT, total); null when they add nothing to it (a cycle's first day "
        "before its invoice is issued, a trial, a free type)."))
    cycle: DraftOut | None = Field(None, description=(
        "What the seats add to a cycle invoice not yet issued that the next billing run issues (today's, on "
        "a cycle's first day; the first one, on the last day of a trial); null otherwise."))
    vat_rate: Rate
    per_cycle: Amount
    per_cycle_cents: int
    per_cycle_vat: Amount
    per_cycle_vat_cents: int
    per_cycle_total: Amount
    per_cycle_total_cents: int


# --- change requests ------------------------------------------------------------------------------------

class ChangeRequestIn(Schema):
    subject: PlainText = ""
    details: str = Field("", max_length=10_000)
    agreed_to_costs: bool = False


class ChangeRequestOut(Schema):
    id: int
    subject: str
    details: str
    agreed_to_costs: bool
    status: str
    requested_by_id: int | None
    requested_by_name: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_requested_by_name(obj):
        return obj.requested_by.display_name if obj.requested_by_id else None


class ChangeRequestPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ChangeRequestOut]


# --- licences: members and one's own subscription ----------------------------------------------------------

class AccountTypeIn(Schema):
    account_type: str = Field(max_length=16)


class LicenceOut(Schema):
    account_type: str
    status: str
    paid_by: str = Field(description='"workspace" or "self".')
    starts_at: dt.datetime
    trial_ends_at: dt.datetime | None
    ends_at: dt.datetime | None

    @staticmethod
    def resolve_paid_by(obj):
        return "workspace" if obj.payer_workspace_id else "self"


class MemberLicenceOut(Schema):
    member_id: int
    licence: LicenceOut
