"""Issue 6 point 3 under real parallel transactions: the invoice e-mail and the overdue reminder are sent
once however many workers run at once (the conditional update on `emailed_at` / `reminded_at` is the
guard: a row lock on PostgreSQL, a queued writer on SQLite). Errors are collected, not swallowed.

Transactional: commits are real, so the on-commit tasks (immediate backend) send the e-mails.
"""

import datetime as dt

import pytest
from django.core import mail
from django_scopes import scope

from praxis.audit.models import AuditEvent
from praxis.audit.services import verify_chain
from praxis.billing import notify
from praxis.billing.models import Invoice
from praxis.billing.run import billing_run
from praxis.testing import PASSWORD
from praxis.testing.concurrency import race
from praxis.workspaces import invitations
from praxis.workspaces.access import resolve_access
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 8


@pytest.fixture
def issued(time_machine):
    """Three teams with one `pro` each, their 2026-11-01 invoices issued (and e-mailed once each)."""
    time_machine.move_to(dt.datetime(2026, 11, 1, 11, tzinfo=dt.UTC), tick=False)
    for i in range(3):
        owner = user_sign_up(email=f"owner{i}@pay.test", password=PASSWORD)
        workspace = workspace_create(actor=owner, name=f"Practice {i}", tier="team")
        with scope(workspace=workspace):
            [(_inv, token)] = invitations.invitations_create(
                access=resolve_access(owner, workspace.slug), emails=[f"pro{i}@pay.test"], role="clinician",
                account_type="pro", pay_for_user=True)
        invitations.invitation_accept(token=token, user=user_sign_up(email=f"pro{i}@pay.test", password=PASSWORD))
    mail.outbox.clear()
    billing_run(at=dt.date(2026, 11, 1))
    invoices = list(Invoice.objects.with_scopes_disabled().order_by("pk"))
    assert len(invoices) == 3 and len(mail.outbox) == 3
    return invoices


def test_concurrent_reminder_runs_remind_each_invoice_once(issued):
    mail.outbox.clear()
    results = race(lambda i: notify.invoices_remind(at=dt.date(2026, 11, 16)), WORKERS)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert sorted(n for r in results for n in r) == sorted(i.number for i in issued)
    assert len(mail.outbox) == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["owner0@pay.test", "owner1@pay.test", "owner2@pay.test"]
    assert AuditEvent.objects.filter(event_code="invoice.overdue_reminded").count() == 3
    assert set(Invoice.objects.with_scopes_disabled().values_list("status", flat=True)) == {"overdue"}
    assert verify_chain() == []


def test_concurrent_email_tasks_send_the_invoice_once(issued):
    invoice = issued[0]
    Invoice.objects.with_scopes_disabled().filter(pk=invoice.pk).update(emailed_at=None)  # as if its task were retried by many workers
    mail.outbox.clear()
    results = race(lambda i: notify.invoice_email_send(invoice_id=invoice.pk), WORKERS)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert results.count(True) == 1 and results.count(False) == WORKERS - 1
    assert len(mail.outbox) == 1
