"""Building and issuing invoices (R-BIL-3, R-BIL-5, R-BIL-11, R-BIL-14).

Every invoice is first a `Draft`: the lines of one cycle invoice or one day's proration invoice, built by
`draft_cycle_invoice` / `draft_proration_invoice`. Which drafts are due is decided in one place only, the
billing plan (`plan.py`): the billing run issues its drafts and every preview renders them, so what is
shown and what is invoiced never differ (R-BIL-14). `issue()` turns a draft into an immutable `Invoice`
inside one transaction: it locks the workspace row, applies credit from the balance read under that lock
(issue 6 point 19: concurrent runs never spend one credit twice), draws the number, writes the lines,
debits the credit used and marks the seat changes it charges — or does nothing.
"""

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from praxis.accounts.models import User
from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.errors import Conflict
from praxis.core.money import from_cents, to_cents
from praxis.workspaces.models import Workspace
from praxis.workspaces.roles import account_type_label

from . import catalogue
from .models import BalanceEntry, Invoice, InvoiceLine, Issuer, SeatChange
from .notify import email_after_commit
from .numbering import OPERATOR_SERIES, next_number
from .proration import prorate
from .seats import balance_cents, balances_cents, cycle_of, seats_on, workspace_today
from .terms import issuer, payment_terms
from .vat import vat_amount, vat_rate


@dataclass
class DraftLine:
    description: str
    account_type: str
    quantity: int
    unit_price: Decimal
    period_start: dt.date | None  # None on lines outside a period (credit applied), copied by credit notes
    period_end: dt.date | None

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class Draft:
    kind: str
    period_start: dt.date
    period_end: dt.date
    currency: str
    vat_rate: Decimal
    lines: list[DraftLine] = field(default_factory=list)
    available_credit: Decimal = Decimal("0.00")
    changes: list[SeatChange] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def credit_applied(self) -> Decimal:
        return min(self.available_credit, self.subtotal) if self.subtotal > 0 else Decimal("0.00")

    @property
    def taxable(self) -> Decimal:
        return self.subtotal - self.credit_applied

    @property
    def vat(self) -> Decimal:
        return vat_amount(self.taxable, self.vat_rate)

    @property
    def total(self) -> Decimal:
        return self.taxable + self.vat


def draft_cycle_invoice(*, workspace: Workspace, cycle_start: dt.date, seats: dict[str, int] | None = None,
                        plans=None, balance: int | None = None) -> Draft:
    """The consolidated invoice of the cycle starting `cycle_start`: one line per account type (R-BIL-3)."""
    plans = plans if plans is not None else catalogue.plans()
    seats = seats if seats is not None else seats_on(workspace=workspace, day=cycle_start)
    start, end = cycle_of(workspace, cycle_start)
    draft = Draft(kind=Invoice.Kind.CYCLE, period_start=start, period_end=end, currency=workspace.currency,
                  vat_rate=vat_rate(workspace.country),
                  available_credit=from_cents(max(balance if balance is not None else balance_cents(workspace=workspace), 0)))
    with translation.override(workspace.language):
        for account_type in sorted(seats):
            quantity = seats[account_type]
            unit = catalogue.price(account_type, workspace.billing_interval, catalogue=plans)
            if quantity > 0 and unit > 0:
                draft.lines.append(DraftLine(
                    description=_("%(type)s seats, %(start)s – %(end)s") % {
                        "type": account_type_label(account_type), "start": start.isoformat(),
                        "end": (end - dt.timedelta(days=1)).isoformat()},
                    account_type=account_type, quantity=quantity, unit_price=unit, period_start=start,
                    period_end=end))
    return draft


def draft_proration_invoice(*, workspace: Workspace, day: dt.date, changes: list[SeatChange], plans=None,
                            balance: int | None = None) -> Draft:
    """The separate invoice for seats that started on `day`, mid-cycle (R-BIL-5): one line per account
    type, each seat at the prorated rest of the cycle; the line names the dates."""
    plans = plans if plans is not None else catalogue.plans()
    start, end = cycle_of(workspace, day)
    draft = Draft(kind=Invoice.Kind.PRORATION, period_start=day, period_end=end, currency=workspace.currency,
                  vat_rate=vat_rate(workspace.country), changes=list(changes),
                  available_credit=from_cents(max(balance if balance is not None else balance_cents(workspace=workspace), 0)))
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.account_type] = counts.get(change.account_type, 0) + 1
    with translation.override(workspace.language):
        for account_type in sorted(counts):
            unit = prorate(catalogue.price(account_type, workspace.billing_interval, catalogue=plans),
                           start, end, day)
            draft.lines.append(DraftLine(
                description=_("%(type)s seat from %(day)s to %(end)s (prorated %(days)d of %(length)d days)") % {
                    "type": account_type_label(account_type), "day": day.isoformat(),
                    "end": (end - dt.timedelta(days=1)).isoformat(), "days": (end - day).days,
                    "length": (end - start).days},
                account_type=account_type, quantity=counts[account_type], unit_price=unit, period_start=day,
                period_end=end))
    return draft


@dataclass
class IssueBatch:
    """Several invoices issued in one transaction (the billing run, issue 10 point 12). What `issue` does
    once per invoice is done once for the batch: its workspace rows are locked in one statement (in id
    order), their credit balances read in one query under that lock, the issuer read once, and the audit
    entries and invoice lines of the invoices that were issued written together by `close()` before the
    transaction commits. Per invoice remain its number, its row and its savepoint."""

    balances: dict[int, int]
    issuer: Issuer
    lines: list[InvoiceLine] = field(default_factory=list)
    audit_entries: list[dict] = field(default_factory=list)

    @classmethod
    def open(cls, workspace_ids) -> "IssueBatch":
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("a batch of invoices is issued inside one transaction")
        ids = sorted(workspace_ids)
        # The row locks `issue` takes one at a time (see there), taken for the whole batch.
        list(Workspace.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
             .values_list("pk", flat=True))
        return cls(balances=balances_cents(ids), issuer=issuer())

    def close(self) -> None:
        InvoiceLine.objects.bulk_create(self.lines, batch_size=1000)
        audit.record_many(self.audit_entries)
        self.lines, self.audit_entries = [], []


def issue(*, workspace: Workspace, draft: Draft, actor: User | None = None,
          credited_invoice: Invoice | None = None, batch: IssueBatch | None = None) -> Invoice:
    """Issue a draft as an immutable invoice; raises IntegrityError when this cycle was issued already.
    `batch`: one of several invoices issued in one transaction (`IssueBatch`, opened for its workspace)."""
    now = clock.now()
    issue_day = workspace_today(workspace, now)  # the practice's own day (STYLE 11)
    with transaction.atomic():
        if batch is None:
            # Issue 6 point 19: the workspace row lock serialises the issuers of one workspace; the credit used
            # is what the balance holds under that lock, not what the caller read before another run used it.
            # NO KEY UPDATE (PostgreSQL): it does not block the key-share lock of rows inserted with a foreign
            # key to the workspace — e.g. an audit entry written under the audit chain's advisory lock by the
            # payment of the previous invoice; FOR UPDATE deadlocked with that (advisory → workspace vs.
            # workspace → advisory). On SQLite the IMMEDIATE transaction already serialises writers.
            Workspace.objects.select_for_update(no_key=True).filter(pk=workspace.pk).values_list("pk").first()
            available = balance_cents(workspace=workspace)
        else:  # the batch holds the lock and read the balance under it; earlier invoices of it are counted
            available = batch.balances[workspace.pk]  # KeyError: a workspace the batch did not lock
        draft = replace(draft, available_credit=from_cents(max(available, 0)))
        number = next_number(series=OPERATOR_SERIES, year=issue_day.year)
        details = billing_details(workspace=workspace)
        invoice = Invoice.objects.create(
            workspace=workspace, number=number, kind=draft.kind, issued_at=now, issue_date=issue_day,
            period_start=draft.period_start, period_end=draft.period_end, currency=draft.currency,
            subtotal_cents=to_cents(draft.subtotal), credit_applied_cents=to_cents(draft.credit_applied),
            vat_rate=draft.vat_rate, vat_cents=to_cents(draft.vat), total_cents=to_cents(draft.total),
            credited_invoice=credited_invoice, provider=workspace_provider(workspace=workspace), **details,
            **payment_terms(kind=draft.kind, number=number, issue_date=issue_day,
                            who=batch.issuer if batch is not None else None))
        lines = [InvoiceLine(invoice=invoice, position=i, description=line.description,
                             account_type=line.account_type, quantity=line.quantity,
                             unit_price_cents=to_cents(line.unit_price), amount_cents=to_cents(line.amount),
                             period_start=line.period_start, period_end=line.period_end)
                 for i, line in enumerate(draft.lines, start=1)]
        if batch is None:
            InvoiceLine.objects.bulk_create(lines)
        if draft.credit_applied > 0:
            BalanceEntry.objects.create(workspace=workspace, amount_cents=-to_cents(draft.credit_applied),
                                        currency=draft.currency, reason=f"Applied to {number}", invoice=invoice)
        if draft.changes:
            marked = (SeatChange.objects.filter(pk__in=[c.pk for c in draft.changes], invoice__isnull=True)
                      .update(invoice=invoice))
            if marked != len(draft.changes):  # charged concurrently: charge nothing twice
                raise IntegrityError("seat changes already invoiced")
        entry = audit.entry(code="invoice.issued", action="create", actor=actor, workspace=workspace, obj=invoice,
                            data={"number": number, "kind": draft.kind, "total_cents": invoice.total_cents})
        if batch is None:
            audit.record_many([entry])
        email_after_commit(invoice)  # to the billing contact, PDF attached, once this has committed
    if batch is not None:  # its savepoint held: its credit is spent, its entry is the batch's to append
        batch.balances[workspace.pk] = available - invoice.credit_applied_cents
        batch.lines += lines
        batch.audit_entries.append(entry)
    return invoice


def billing_details(*, workspace: Workspace) -> dict:
    """The billed party as printed on the invoice, copied so later edits don't change issued invoices."""
    return {
        "billed_name": workspace.name,
        "billed_address": workspace.billing_address or workspace.address,
        "billed_vat_id": workspace.vat_id,
        "billed_country": workspace.country,
        "language": workspace.language,
    }


def workspace_provider(*, workspace: Workspace) -> str:
    from django.conf import settings

    return settings.PRAXIS_PAYMENT_PROVIDER


def credit_note(*, invoice: Invoice, actor, reason: str) -> Invoice:
    """Correct an issued invoice (R-BIL-11): a credit note with the negated lines; the original is void."""
    with transaction.atomic():
        original = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if original.kind == Invoice.Kind.CREDIT_NOTE or original.status == Invoice.Status.VOID:
            raise Conflict("not_creditable", _("Only an issued invoice that is not void can be credited."))
        workspace = original.workspace
        draft = Draft(kind=Invoice.Kind.CREDIT_NOTE, period_start=original.period_start,
                      period_end=original.period_end, currency=original.currency, vat_rate=original.vat_rate)
        for line in original.lines.all():
            draft.lines.append(DraftLine(description=line.description, account_type=line.account_type,
                                         quantity=-line.quantity, unit_price=from_cents(line.unit_price_cents),
                                         period_start=line.period_start, period_end=line.period_end))
        if original.credit_applied_cents:
            with translation.override(original.language):  # the invoice's language, like its other lines
                returned = _("Credit returned to the balance")
            draft.lines.append(DraftLine(description=returned, account_type="",
                                         quantity=1, unit_price=from_cents(original.credit_applied_cents),
                                         period_start=original.period_start, period_end=original.period_end))
            BalanceEntry.objects.create(workspace=workspace, amount_cents=original.credit_applied_cents,
                                        currency=original.currency, reason=f"Credit note for {original.number}")
        note = issue(workspace=workspace, draft=draft, actor=actor, credited_invoice=original)
        Invoice.objects.filter(pk=original.pk).update(status=Invoice.Status.VOID)
        audit.record(code="invoice.credited", action="update", actor=actor, workspace=workspace, obj=original,
                     data={"credit_note": note.number, "reason": reason})
    return note

