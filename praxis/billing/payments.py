"""Payments through a provider interface (R-BIL-13).

A provider gets an issued invoice and answers with a result; billing logic never knows which provider it
talks to, so a card provider can be added by registering one more class. Card data never reaches
Praxis: a provider stores only its own reference (and, for cards, brand / last four / expiry).

Built in:
- `manual`: bank transfer; the invoice stays open until the operator marks it paid in the admin.
- `test`: deterministic for tests and demos: it fails when the workspace's e-mail contains "+fail",
  otherwise it succeeds with reference `test-<number>`.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled
from django_tasks import task

from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.mail import send_templated_email, site_url
from praxis.core.tasks import enqueue_after_commit

from .models import Invoice


@dataclass(frozen=True)
class PaymentResult:
    status: str  # "paid", "pending" or "failed"
    reference: str = ""
    message: str = ""


class PaymentProvider:
    code = ""
    label = ""

    def collect(self, invoice: Invoice) -> PaymentResult:
        raise NotImplementedError


class ManualProvider(PaymentProvider):
    code = "manual"
    label = _("Bank transfer")

    def collect(self, invoice):
        return PaymentResult("pending")


class TestProvider(PaymentProvider):
    code = "test"
    label = "Test"

    def collect(self, invoice):
        if "+fail" in (invoice.workspace.email or ""):
            return PaymentResult("failed", message="test provider: declined")
        return PaymentResult("paid", reference=f"test-{invoice.number}")


PROVIDERS: dict[str, PaymentProvider] = {p.code: p for p in (ManualProvider(), TestProvider())}


def collect_after_commit(invoice: Invoice) -> None:
    enqueue_after_commit(collect_payment_task, invoice.pk)


@task()
def collect_payment_task(invoice_id: int) -> str:
    return collect_payment(invoice_id=invoice_id)


def collect_payment(*, invoice_id: int) -> str:
    # A task knows only the invoice's id: find it in any workspace, then work in its workspace's scope
    # (issue 6 point 10; tasks re-enter the tenant scope, like pretix's).
    with scopes_disabled():
        invoice = Invoice.objects.select_related("workspace").get(pk=invoice_id)
    with scope(workspace=invoice.workspace):
        return _collect(invoice)


def _collect(invoice: Invoice) -> str:
    if invoice.status != Invoice.Status.OPEN:
        return invoice.status
    if invoice.total_cents < 0:  # a credit note: the refund is the operator's to make
        return invoice.status
    if invoice.total_cents == 0:  # settled entirely by credit from the balance: nothing to collect
        invoice_mark_paid(invoice=invoice, reference="balance", actor=None)
        return Invoice.Status.PAID
    result = PROVIDERS[invoice.provider].collect(invoice)
    if result.status == "paid":
        invoice_mark_paid(invoice=invoice, reference=result.reference, actor=None)
    elif result.status == "failed":
        invoice_mark_overdue(invoice=invoice, message=result.message)
    return result.status


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, reference: str = "", actor=None) -> Invoice:
    with scope(workspace=invoice.workspace):  # the invoice's own workspace, whoever calls (point 10)
        updated = (Invoice.objects.filter(pk=invoice.pk, status__in=[Invoice.Status.OPEN, Invoice.Status.OVERDUE])
                   .update(status=Invoice.Status.PAID, paid_at=clock.now(), provider_reference=reference))
    invoice.refresh_from_db()
    if updated:
        audit.record(code="invoice.paid", action="update", actor=actor, workspace=invoice.workspace, obj=invoice,
                     data={"reference": reference})
    return invoice


@transaction.atomic
def invoice_mark_overdue(*, invoice: Invoice, message: str = "") -> Invoice:
    """A failed payment: the invoice is overdue and the billing contact (the owner) is told."""
    with scope(workspace=invoice.workspace):  # the invoice's own workspace, whoever calls (point 10)
        updated = (Invoice.objects.filter(pk=invoice.pk, status=Invoice.Status.OPEN)
                   .update(status=Invoice.Status.OVERDUE))
    invoice.refresh_from_db()
    if updated:
        audit.record(code="invoice.payment_failed", action="update", actor=None, workspace=invoice.workspace,
                     obj=invoice, outcome="error", data={"message": message})
        owner = _owner(invoice.workspace)
        if owner is not None:
            send_templated_email(
                to=owner.email, template="payment_failed", language=owner.language,
                context={"name": owner.display_name, "workspace": invoice.workspace.name, "number": invoice.number,
                         "link": site_url(f"/w/{invoice.workspace.slug}/billing/")})
    return invoice


def _owner(workspace):
    from praxis.workspaces.models import Membership

    with scopes_disabled():
        member = (Membership.objects.select_related("user")
                  .filter(workspace=workspace, role="owner", status="active").first())
    return member.user if member and member.user_id else None
