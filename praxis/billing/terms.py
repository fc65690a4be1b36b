"""Payment terms of a subscription invoice: who issues it, where to pay, with which reference, by when.

`payment_terms()` gives the fields `invoicing.issue()` stores on the invoice, so an issued invoice carries
everything its PDF, page and e-mails print (R-BIL-11: issued invoices never change, even when the operator
later edits the issuer or its bank account).

- Issuer: the `Issuer` row the operator edits in the console; until it exists, the `PRAXIS_OPERATOR_*`
  settings (name, address, VAT id) with no bank account and the default term.
- Due date: the issue date (the practice's own day) + the payment term, default 14 days. A credit note
  is not paid, so it has neither due date nor reference.
- Reference: the ISO 11649 creditor reference of the invoice number (`2026-000001` → `RF422026000001`),
  which banks check, so a mistyped reference is refused at the bank rather than lost at the operator.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction

from praxis.audit import services as audit

from .bank import creditor_reference, normalise_iban
from .models import Invoice, Issuer

DEFAULT_TERM_DAYS = 14


def issuer() -> Issuer:
    """The operator as issuer: the saved row, or (before the operator saved it) one from the settings."""
    saved = Issuer.objects.filter(pk=1).first()
    if saved is not None:
        return saved
    return Issuer(pk=1, legal_name=settings.PRAXIS_OPERATOR_NAME, address=settings.PRAXIS_OPERATOR_ADDRESS,
                  vat_id=settings.PRAXIS_OPERATOR_VAT_ID, payment_term_days=DEFAULT_TERM_DAYS)


@transaction.atomic
def issuer_set(*, actor, values: dict) -> Issuer:
    """Save the issuer (validated: a mistyped IBAN or BIC is refused with a message, nothing saved); audited.

    The console edits the same row through its form (with the same model validation); this is for code
    that sets it, like the demo.
    """
    current = Issuer.objects.select_for_update().filter(pk=1).first()
    row = current or issuer()
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save(force_insert=current is None)
    audit.record(code=f"operator.issuer.{'updated' if current else 'created'}",
                 action="update" if current else "create", actor=actor, obj=row, role="operator",
                 data={"fields": sorted(values)})
    return row


def due_date(*, issue_date: dt.date, term_days: int) -> dt.date:
    """Payable up to and including this day; overdue from the day after (see notify.invoices_remind)."""
    return issue_date + dt.timedelta(days=term_days)


def payment_terms(*, kind: str, number: str, issue_date: dt.date, who: Issuer | None = None) -> dict:
    """The issuer, bank account, reference and due date to store on a new invoice (`Invoice` fields);
    `who`: the issuer when the caller read it already (a batch of invoices)."""
    who = who or issuer()
    fields: dict[str, object] = {
        "issuer_name": who.legal_name,
        "issuer_address": who.address,
        "issuer_vat_id": who.vat_id,
        "issuer_account_holder": who.account_holder or who.legal_name,
        "issuer_iban": normalise_iban(who.iban),
        "issuer_bic": who.bic,
        "payment_reference": "",
        "due_date": None,
    }
    if kind != Invoice.Kind.CREDIT_NOTE:
        fields["payment_reference"] = creditor_reference(number)
        fields["due_date"] = due_date(issue_date=issue_date, term_days=who.payment_term_days)
    return fields
