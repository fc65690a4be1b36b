"""Payments through the provider interface (R-BIL-13): `test` (deterministic) and `manual` (bank transfer).

Collection is scheduled after the issuing transaction commits; in these tests the whole test is one
transaction, so the tests collect explicitly or run the on-commit callbacks with
`django_capture_on_commit_callbacks(execute=True)`.
"""

import datetime as dt

import pytest

from praxis.audit.models import AuditEvent
from praxis.billing import payments
from praxis.billing.models import Invoice
from praxis.billing.run import billing_run
from praxis.testing import PASSWORD
from praxis.testing.team import join
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

NOON = dt.time(11, 0, tzinfo=dt.UTC)


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), NOON)


def make_team(owner_email: str):
    """A team created 2026-11-01 with one pro member paid by it, and its 2026-11-01 cycle invoice issued
    (59.00 + 12.39 VAT = 71.39), not yet collected."""
    owner = user_sign_up(email=owner_email, password=PASSWORD, first_name="Eva", language="en")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    join(owner, workspace, "pro@linde.test", "pro", pay_for_user=True)
    billing_run(at=dt.date(2026, 11, 1))
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle")
    assert (invoice.number, invoice.total_cents, invoice.status) == ("2026-000001", 7139, "open")
    return owner, workspace, invoice


@pytest.fixture
def november(db, time_machine):
    time_machine.move_to(at("2026-11-01"), tick=False)


def test_test_provider_pays_when_collected(november, settings, mailoutbox):
    settings.PRAXIS_PAYMENT_PROVIDER = "test"
    _owner, _workspace, invoice = make_team("owner@linde.test")
    assert invoice.provider == "test"

    assert payments.collect_payment(invoice_id=invoice.pk) == "paid"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.provider_reference, invoice.paid_at) == ("paid", "test-2026-000001", at("2026-11-01"))
    assert AuditEvent.objects.filter(event_code="invoice.paid", object_id=str(invoice.pk)).count() == 1
    # Collecting again does not call the provider again.
    assert payments.collect_payment(invoice_id=invoice.pk) == "paid"
    assert AuditEvent.objects.filter(event_code="invoice.paid", object_id=str(invoice.pk)).count() == 1
    assert mailoutbox == []


def test_issued_invoices_are_collected_after_commit(db, time_machine, settings,
                                                    django_capture_on_commit_callbacks):
    time_machine.move_to(at("2026-11-01"), tick=False)
    settings.PRAXIS_PAYMENT_PROVIDER = "test"
    owner = user_sign_up(email="owner@linde.test", password=PASSWORD)
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    join(owner, workspace, "pro@linde.test", "pro")
    with django_capture_on_commit_callbacks(execute=True):
        billing_run(at=dt.date(2026, 11, 1))
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace)
    assert (invoice.status, invoice.provider_reference) == ("paid", "test-2026-000001")


def test_test_provider_fails_for_plus_fail_addresses_and_tells_the_owner(
        november, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.PRAXIS_PAYMENT_PROVIDER = "test"
    owner, workspace, invoice = make_team("owner+fail@linde.test")
    assert "+fail" in workspace.email
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert payments.collect_payment(invoice_id=invoice.pk) == "failed"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.provider_reference, invoice.paid_at) == ("overdue", "", None)
    [mail] = mailoutbox
    assert mail.to == ["owner+fail@linde.test"]
    assert "2026-000001" in mail.subject
    assert "2026-000001" in mail.body and "Praktijk De Linde" in mail.body
    assert f"https://praxis.example/w/{workspace.slug}/billing/" in mail.body
    event = AuditEvent.objects.get(event_code="invoice.payment_failed")
    assert (event.outcome, event.object_id) == ("error", str(invoice.pk))

    # An overdue invoice is not collected again automatically, and no second e-mail goes out.
    with django_capture_on_commit_callbacks(execute=True):
        assert payments.collect_payment(invoice_id=invoice.pk) == "overdue"
    assert len(mailoutbox) == 1
    # Paid by bank transfer afterwards: the operator marks it paid.
    payments.invoice_mark_paid(invoice=invoice, reference="bank-42")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.provider_reference) == ("paid", "bank-42")


def test_failed_payment_mail_is_sent_only_on_commit(november, settings, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    settings.PRAXIS_PAYMENT_PROVIDER = "test"
    _owner, _workspace, invoice = make_team("owner+fail@linde.test")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        payments.collect_payment(invoice_id=invoice.pk)
    assert mailoutbox == []
    assert callbacks
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1


def test_manual_provider_stays_open_until_marked_paid(november, settings, mailoutbox):
    settings.PRAXIS_PAYMENT_PROVIDER = "manual"
    _owner, _workspace, invoice = make_team("owner@linde.test")
    assert invoice.provider == "manual"

    assert payments.collect_payment(invoice_id=invoice.pk) == "pending"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == ("open", None)

    operator = user_sign_up(email="operator@praxis.test", password=PASSWORD)
    paid = payments.invoice_mark_paid(invoice=invoice, reference="NL91 transfer 2026-000001", actor=operator)
    assert (paid.status, paid.provider_reference, paid.paid_at) == ("paid", "NL91 transfer 2026-000001",
                                                                    at("2026-11-01"))
    event = AuditEvent.objects.get(event_code="invoice.paid")
    assert event.user_id == operator.pk
    # Marking twice changes nothing and audits nothing more.
    payments.invoice_mark_paid(invoice=invoice, reference="again", actor=operator)
    invoice.refresh_from_db()
    assert invoice.provider_reference == "NL91 transfer 2026-000001"
    assert AuditEvent.objects.filter(event_code="invoice.paid").count() == 1
    assert mailoutbox == []


def test_nothing_to_collect_for_a_credit_note_or_a_void_invoice(november, settings):
    from praxis.billing.services import invoice_credit

    settings.PRAXIS_PAYMENT_PROVIDER = "test"
    owner, _workspace, invoice = make_team("owner@linde.test")
    note = invoice_credit(invoice_id=invoice.pk, actor=owner, reason="test")
    assert note.total_cents == -7139
    assert payments.collect_payment(invoice_id=note.pk) == "open"
    assert payments.collect_payment(invoice_id=invoice.pk) == "void"
    note.refresh_from_db()
    invoice.refresh_from_db()
    assert (note.status, invoice.status) == ("open", "void")


def test_providers_are_registered_by_code():
    """A card provider is one more class in the registry; billing only talks to the interface."""
    assert set(payments.PROVIDERS) >= {"manual", "test"}
    for code, provider in payments.PROVIDERS.items():
        assert provider.code == code
        assert isinstance(provider, payments.PaymentProvider)
