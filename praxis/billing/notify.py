"""Invoice e-mails: the issued invoice to the billing contact, and one reminder when it is overdue.

Both go out after the issuing (or marking) transaction commits, through a django-tasks task (STYLE 8),
in the invoice's language (the workspace language copied at issue), with the invoice PDF attached.
Each is recorded on the invoice (`emailed_at`, `reminded_at`) by a conditional update, so a retried
task or a second reminder run sends nothing twice; each is audited.

The billing contact is the workspace owner, plus the practice's own e-mail address when it has one
(the organisation details, R-WS-4): an invoice reaches whoever pays it even while the owner is away.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django_scopes import scopes_disabled
from django_tasks import task

from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.mail import render_email, site_url
from praxis.core.tasks import enqueue_after_commit
from praxis.workspaces.models import Membership

from .bank import format_iban
from .models import Invoice
from .pdf import format_amount, render_invoice_pdf
from .seats import workspace_today

ISSUED_TEMPLATE = "invoice_issued"
REMINDER_TEMPLATE = "invoice_reminder"


def billing_contact(workspace) -> list[str]:
    """The addresses an invoice goes to: the active owner, and the workspace's own e-mail if set."""
    with scopes_disabled():
        owner = (Membership.objects.select_related("user")
                 .filter(workspace=workspace, role="owner", status="active", user__isnull=False).first())
    addresses = [owner.user.email] if owner and owner.user else []  # user__isnull=False above
    if workspace.email and workspace.email.lower() not in {a.lower() for a in addresses}:
        addresses.append(workspace.email)
    return addresses


def email_after_commit(invoice: Invoice) -> None:
    """Called by `invoicing.issue()`: e-mail the invoice once the transaction that issued it commits."""
    invoice_id = invoice.pk
    enqueue_after_commit(invoice_email_task, invoice_id)


@task()
def invoice_email_task(invoice_id: int) -> bool:
    return invoice_email_send(invoice_id=invoice_id)


@task()
def invoice_reminder_email_task(invoice_id: int) -> list[str]:
    with scopes_disabled():
        invoice = Invoice.objects.select_related("workspace").get(pk=invoice_id)
    return _send(invoice, template=REMINDER_TEMPLATE)


def invoice_email_send(*, invoice_id: int) -> bool:
    """Send the issued invoice to the billing contact, once: False when it was sent (or is being sent) already.

    The conditional update claims the e-mail before sending, so concurrent or retried tasks send it once;
    no transaction or row lock is held while the PDF renders and the mail server answers. A failed send
    releases the claim and raises, so the task's retry sends it.
    """
    with scopes_disabled():
        claimed = Invoice.objects.filter(pk=invoice_id, emailed_at__isnull=True).update(emailed_at=clock.now())
        if not claimed:
            return False
        invoice = Invoice.objects.select_related("workspace").get(pk=invoice_id)
        try:
            sent = _send(invoice, template=ISSUED_TEMPLATE)
        except Exception:
            Invoice.objects.filter(pk=invoice_id).update(emailed_at=None)
            raise
        audit.record(code="invoice.emailed", action="execute", workspace=invoice.workspace, obj=invoice,
                     data={"number": invoice.number, "recipients": sent})
    return True


def invoices_remind(*, at: dt.date | None = None) -> list[str]:
    """Mark open invoices past their due date overdue and e-mail each one reminder (idempotent).

    An invoice is overdue from the day after its due date, on the practice's own calendar (or on `at`
    when given, like `billing_run --at`). Paid, void, already reminded and nothing-to-pay invoices
    (credit notes, invoices settled by credit) are left alone. Returns the numbers reminded.
    """
    horizon = at or (clock.today() + dt.timedelta(days=1))  # any zone's today is at most tomorrow in UTC
    with scopes_disabled():
        candidates = list(Invoice.objects.filter(
            status__in=[Invoice.Status.OPEN, Invoice.Status.OVERDUE], reminded_at__isnull=True,
            due_date__lt=horizon, total_cents__gt=0).select_related("workspace").order_by("due_date", "pk"))
    reminded = []
    for invoice in candidates:
        today = at or workspace_today(invoice.workspace)
        if invoice.due_date is not None and invoice.due_date < today and invoice_remind(invoice=invoice, today=today):
            reminded.append(invoice.number)
    return reminded


def invoice_remind(*, invoice: Invoice, today: dt.date) -> bool:
    """Mark one invoice overdue and schedule its reminder; False when it was reminded (or settled) already."""
    with transaction.atomic(), scopes_disabled():
        # The conditional update is the guard: two runs at once remind once, and a payment recorded
        # meanwhile (status no longer open/overdue) stops the reminder.
        claimed = (Invoice.objects.filter(pk=invoice.pk, status__in=[Invoice.Status.OPEN, Invoice.Status.OVERDUE],
                                          reminded_at__isnull=True, due_date__lt=today)
                   .update(status=Invoice.Status.OVERDUE, reminded_at=clock.now()))
        if not claimed:
            return False
        assert invoice.due_date is not None  # the claim above matched due_date__lt, so it has one
        audit.record(code="invoice.overdue_reminded", action="update", workspace=invoice.workspace, obj=invoice,
                     data={"number": invoice.number, "due_date": invoice.due_date.isoformat(),
                           "status": Invoice.Status.OVERDUE})
        invoice_id = invoice.pk
        enqueue_after_commit(invoice_reminder_email_task, invoice_id)
    return True


def email_context(invoice: Invoice) -> dict:
    """What the invoice e-mails print, all from the issued invoice (never from today's settings)."""
    return {
        "invoice": invoice,
        "workspace": invoice.workspace.name,
        "number": invoice.number,
        "credit_note": invoice.kind == Invoice.Kind.CREDIT_NOTE,
        "total": format_amount(invoice.total_cents, invoice.currency, invoice.language),
        "to_pay": invoice.total_cents > 0 and invoice.status in (Invoice.Status.OPEN, Invoice.Status.OVERDUE),
        "by_transfer": invoice.provider == "manual",
        "iban": format_iban(invoice.issuer_iban),
        "reference": invoice.payment_reference,
        "link": site_url(reverse("billing:invoice_detail", kwargs={"ws": invoice.workspace.slug,
                                                                    "invoice_id": invoice.pk})),
    }


def _send(invoice: Invoice, *, template: str) -> list[str]:
    recipients = billing_contact(invoice.workspace)
    if not recipients:
        return []
    subject, body, html = render_email(template, email_context(invoice), invoice.language)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    if html:
        message.attach_alternative(html, "text/html")
    message.attach(f"invoice-{invoice.number}.pdf", render_invoice_pdf(invoice), "application/pdf")
    message.send()
    return recipients
