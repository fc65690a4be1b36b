"""Invoices people can pay (issue 6 point 3; R-BIL-11, R-BIL-13, R-ACC-4, R-AUD-1).

An issued invoice carries its payment terms (issuer, bank account, ISO 11649 reference, due date = issue
date + the operator's term, default 14 days), copied at issue; it is e-mailed once, after commit, to the
billing contact in the workspace's language with its PDF; an open invoice past its due date is marked
overdue and reminded once. The whole test is one transaction, so the on-commit callbacks (the e-mail
tasks) run through `django_capture_on_commit_callbacks(execute=True)`.
"""

import datetime as dt
from io import BytesIO, StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django_scopes import scope
from pypdf import PdfReader

from praxis.audit.models import AuditEvent
from praxis.billing import invoicing, notify, terms
from praxis.billing.bank import creditor_reference, format_iban, valid_creditor_reference, valid_iban
from praxis.billing.models import Invoice, Issuer
from praxis.billing.payments import invoice_mark_paid
from praxis.billing.pdf import render_invoice_pdf
from praxis.billing.run import billing_run
from praxis.testing import PASSWORD
from praxis.workspaces import invitations
from praxis.workspaces.access import resolve_access
from praxis.workspaces.models import Workspace
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

pytestmark = pytest.mark.django_db

NOON = dt.time(11, 0, tzinfo=dt.UTC)  # 12:00 in Amsterdam in winter
IBAN = "NL91ABNA0417164300"


def at(day: str, time: dt.time = NOON) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), time)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).replace("\xa0", " ")


@pytest.fixture
def issuer(db) -> Issuer:
    return Issuer.objects.create(pk=1, legal_name="Praxis Software B.V.", address="Keizersgracht 1\n1015 AA Amsterdam",
                                 vat_id="NL864321987B01", account_holder="Praxis Software B.V.", iban=IBAN,
                                 bic="ABNANL2A")


def make_team(*, language: str = "en", owner_email: str = "owner@linde.test", workspace_email: str = ""):
    """A team created now (the anchor) with one `pro` member paid by it: 59.00 + 12.39 VAT = 71.39."""
    owner = user_sign_up(email=owner_email, password=PASSWORD, first_name="Eva", language="en")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    Workspace.objects.filter(pk=workspace.pk).update(language=language, email=workspace_email)
    workspace.refresh_from_db()
    with scope(workspace=workspace):
        [(_inv, token)] = invitations.invitations_create(
            access=resolve_access(owner, workspace.slug), emails=["pro@linde.test"], role="clinician",
            account_type="pro", pay_for_user=True)
    invitations.invitation_accept(token=token, user=user_sign_up(email="pro@linde.test", password=PASSWORD))
    return owner, workspace


def run(day: str, capture) -> list[Invoice]:
    with capture(execute=True):
        billing_run(at=dt.date.fromisoformat(day))
    return list(Invoice.objects.with_scopes_disabled().order_by("pk"))


@pytest.fixture
def november(db, time_machine):
    time_machine.move_to(at("2026-11-01"), tick=False)


# --- payment terms stored at issue ---------------------------------------------------------------


def test_terms_are_copied_onto_the_invoice_at_issue(november, issuer, django_capture_on_commit_callbacks):
    """Point 3: due date = issue date + 14 days by default, an RF reference of the number, the issuer's
    details and bank account, all stored on the invoice (R-BIL-11: later edits change nothing)."""
    _owner, _workspace = make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    assert invoice.issue_date == dt.date(2026, 11, 1)
    assert invoice.due_date == dt.date(2026, 11, 15)
    assert invoice.payment_reference == "RF422026000001" == creditor_reference("2026-000001")
    assert (invoice.issuer_name, invoice.issuer_vat_id, invoice.issuer_iban, invoice.issuer_bic,
            invoice.issuer_account_holder) == ("Praxis Software B.V.", "NL864321987B01", IBAN, "ABNANL2A",
                                               "Praxis Software B.V.")
    pdf_before = render_invoice_pdf(invoice)

    Issuer.objects.filter(pk=1).update(legal_name="Other B.V.", iban="DE89370400440532013000",
                                       vat_id="DE123", payment_term_days=30)
    invoice = Invoice.objects.with_scopes_disabled().get(pk=invoice.pk)
    assert (invoice.issuer_name, invoice.issuer_iban, invoice.due_date) == (
        "Praxis Software B.V.", IBAN, dt.date(2026, 11, 15))
    assert render_invoice_pdf(invoice) == pdf_before


def test_the_payment_term_is_the_operators(november, issuer, django_capture_on_commit_callbacks):
    Issuer.objects.filter(pk=1).update(payment_term_days=30)
    make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    assert invoice.due_date == dt.date(2026, 12, 1)


def test_due_date_counts_from_the_practices_own_day(db, time_machine, issuer, django_capture_on_commit_callbacks):
    """Boundary: at 23:30 UTC on 31 October it is already 1 November in Amsterdam, so the invoice is
    dated 1 November and due 15 November (not 14, as UTC's date would make it)."""
    time_machine.move_to(at("2026-10-31", dt.time(23, 30, tzinfo=dt.UTC)), tick=False)
    _owner, workspace = make_team()
    assert workspace.billing_anchor == dt.date(2026, 11, 1)
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    assert (invoice.issue_date, invoice.due_date) == (dt.date(2026, 11, 1), dt.date(2026, 11, 15))


def test_without_a_saved_issuer_the_settings_are_used(november, settings, django_capture_on_commit_callbacks):
    settings.PRAXIS_OPERATOR_NAME = "Praxis Hosting B.V."
    settings.PRAXIS_OPERATOR_VAT_ID = "NL123456789B01"
    make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    assert (invoice.issuer_name, invoice.issuer_vat_id, invoice.issuer_iban) == (
        "Praxis Hosting B.V.", "NL123456789B01", "")
    assert invoice.due_date == dt.date(2026, 11, 15)  # the default term


def test_a_credit_note_has_no_due_date_and_no_reference(november, issuer, django_capture_on_commit_callbacks):
    make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        with scope(workspace=invoice.workspace):
            note = invoicing.credit_note(invoice=invoice, actor=None, reason="wrong seats")
    assert (note.due_date, note.payment_reference, note.issuer_name) == (None, "", "Praxis Software B.V.")


# --- the PDF and the invoice page -------------------------------------------------------------------


def test_pdf_prints_how_to_pay(november, issuer, django_capture_on_commit_callbacks):
    """Point 3: the PDF has the issuer's name, address and VAT id, and the payment instructions: account
    holder, IBAN, BIC, the reference and the due date."""
    make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    text = text_of(render_invoice_pdf(invoice))
    for expected in ("Praxis Software B.V.", "Keizersgracht 1", "VAT id: NL864321987B01",
                     "NL91 ABNA 0417 1643 00", "ABNANL2A", "RF422026000001", "Due date", "15 November 2026",
                     "Please transfer €71.39 by 15 November 2026, quoting the payment reference RF422026000001."):
        assert expected in text, expected


def test_dutch_pdf_dates_the_due_date_in_dutch(november, issuer, django_capture_on_commit_callbacks):
    make_team(language="nl")
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    text = text_of(render_invoice_pdf(invoice))
    assert "15 november 2026" in text and "RF422026000001" in text and "Btw-nummer: NL864321987B01" in text


def test_credit_note_pdf_asks_for_no_payment(november, issuer, django_capture_on_commit_callbacks):
    make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    with scope(workspace=invoice.workspace):
        note = invoicing.credit_note(invoice=invoice, actor=None, reason="wrong seats")
    text = text_of(render_invoice_pdf(note))
    assert "Please transfer" not in text and "RF4" not in text and "Due date" not in text


def test_invoice_page_shows_issuer_and_payment_instructions(november, issuer, django_capture_on_commit_callbacks):
    owner, workspace = make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("billing:invoice_detail", kwargs={"ws": workspace.slug, "invoice_id": invoice.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    for expected in ("Praxis Software B.V.", "Keizersgracht 1", "NL864321987B01", "NL91 ABNA 0417 1643 00",
                     "ABNANL2A", "RF422026000001", "15 November 2026", "€ 71.39", "Pro seats"):
        assert expected in html, expected
    overview = client.get(reverse("billing:overview", kwargs={"ws": workspace.slug})).content.decode()
    assert reverse("billing:invoice_detail", kwargs={"ws": workspace.slug, "invoice_id": invoice.pk}) in overview
    with translation.override("en"):  # the due date column of the invoice list, in the list's own format
        assert f"<td class=\"nowrap\">{date_format(invoice.due_date, 'SHORT_DATE_FORMAT')}</td>" in overview


def test_invoice_page_is_for_billing_view_of_its_own_workspace_only(november, issuer,
                                                                    django_capture_on_commit_callbacks):
    """R-BIL-14: without `billing.view` 403; another workspace's invoice is as missing as a wrong id."""
    owner, workspace = make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    path = reverse("billing:invoice_detail", kwargs={"ws": workspace.slug, "invoice_id": invoice.pk})
    assert Client().get(path).status_code == 302  # to the login
    member = Client()
    member.force_login(type(owner).objects.get(email="pro@linde.test"))  # a clinician: no `billing.view`
    assert member.get(path).status_code == 403
    stranger = user_sign_up(email="other@elders.test", password=PASSWORD)
    other = workspace_create(actor=stranger, name="Elders", tier="team")
    client = Client()
    client.force_login(stranger)
    foreign = reverse("billing:invoice_detail", kwargs={"ws": other.slug, "invoice_id": invoice.pk})
    missing = reverse("billing:invoice_detail", kwargs={"ws": other.slug, "invoice_id": invoice.pk + 999})
    assert client.get(foreign).status_code == client.get(missing).status_code == 404
    assert client.get(path).status_code == 404


# --- the e-mail of an issued invoice ---------------------------------------------------------------------


def test_issued_invoice_is_emailed_once_after_commit_with_its_pdf(november, issuer, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    """Point 3: one e-mail per issued invoice, to the owner and the practice's address, PDF attached,
    only once the issuing transaction has committed; sending again sends nothing; audited."""
    make_team(workspace_email="administratie@linde.test")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        billing_run(at=dt.date(2026, 11, 1))
    assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    invoice = Invoice.objects.with_scopes_disabled().get()
    [mail] = mailoutbox
    assert mail.to == ["owner@linde.test", "administratie@linde.test"]
    assert mail.subject == "Invoice 2026-000001 – Praktijk De Linde"
    [(filename, content, mimetype)] = mail.attachments
    assert (filename, mimetype) == ("invoice-2026-000001.pdf", "application/pdf")
    assert content == render_invoice_pdf(invoice)
    for expected in ("2026-000001", "€71.39", "15 November 2026", "NL91 ABNA 0417 1643 00", "ABNANL2A",
                     "RF422026000001", "Praxis Software B.V.",
                     f"https://praxis.example/w/{invoice.workspace.slug}/billing/invoices/{invoice.pk}/"):
        assert expected in mail.body, expected

    assert notify.invoice_email_send(invoice_id=invoice.pk) is False  # a retried task sends nothing
    assert len(mailoutbox) == 1
    assert invoice.__class__.objects.with_scopes_disabled().get(pk=invoice.pk).emailed_at == at("2026-11-01")
    assert AuditEvent.objects.filter(event_code="invoice.emailed", object_id=str(invoice.pk)).count() == 1


def test_every_issued_invoice_gets_its_own_email(november, issuer, mailoutbox, django_capture_on_commit_callbacks):
    """A cycle invoice and a credit note: two documents, two e-mails (one each)."""
    make_team()
    mailoutbox.clear()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        with scope(workspace=invoice.workspace):
            note = invoicing.credit_note(invoice=invoice, actor=None, reason="wrong seats")
    assert [m.subject for m in mailoutbox] == ["Invoice 2026-000001 – Praktijk De Linde",
                                               f"Credit note {note.number} – Praktijk De Linde"]
    assert "nothing to pay" in mailoutbox[1].body and "RF" not in mailoutbox[1].body
    assert [m.attachments[0][0] for m in mailoutbox] == ["invoice-2026-000001.pdf", f"invoice-{note.number}.pdf"]


def test_a_rolled_back_invoice_sends_nothing(november, issuer, mailoutbox, django_capture_on_commit_callbacks):
    from django.db import transaction

    _owner, workspace = make_team()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic(), scope(workspace=workspace):
            invoicing.issue(workspace=workspace, draft=invoicing.draft_cycle_invoice(workspace=workspace, cycle_start=dt.date(2026, 11, 1)))
            raise RuntimeError("rolled back")
    assert mailoutbox == [] and not Invoice.objects.with_scopes_disabled().exists()


@pytest.mark.parametrize(("language", "subject", "due", "total", "label"), [
    ("nl", "Factuur 2026-000001 – Praktijk De Linde", "15 november 2026", "€ 71,39", "Factuurnummer"),
    ("fr", "Facture 2026-000001 – Praktijk De Linde", "15 novembre 2026", "71,39 €", "Numéro de facture"),
    ("de", "Rechnung 2026-000001 – Praktijk De Linde", "15. November 2026", "71,39 €", "Rechnungsnummer"),
])
def test_the_email_is_in_the_workspace_language(november, issuer, mailoutbox, django_capture_on_commit_callbacks,
                                                language, subject, due, total, label):
    """R-ACC-4: the workspace's language (copied onto the invoice), not the owner's (English here)."""
    make_team(language=language)
    mailoutbox.clear()
    run("2026-11-01", django_capture_on_commit_callbacks)
    [mail] = mailoutbox
    assert mail.subject == subject
    body = mail.body.replace("\xa0", " ")
    assert due in body and total in body and label in body
    assert "15 November 2026" not in body and "€71.39" not in body
    text = text_of(mail.attachments[0][1])
    assert due in text and total in text  # the attached PDF is in the same language


def test_every_invoice_email_template_renders_in_every_language(november, issuer, django_capture_on_commit_callbacks):
    from django.conf import settings

    from praxis.core.mail import render_email

    make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    for template in (notify.ISSUED_TEMPLATE, notify.REMINDER_TEMPLATE):
        for code, _name in settings.LANGUAGES:
            subject, body, _html = render_email(template, notify.email_context(invoice), code)
            assert "2026-000001" in subject and "RF422026000001" in body


# --- overdue reminders ------------------------------------------------------------------------------------


def remind(time_machine, moment: dt.datetime, capture) -> list[str]:
    time_machine.move_to(moment, tick=False)
    with capture(execute=True):
        return notify.invoices_remind()


def test_reminder_is_sent_once_and_not_before_the_due_date(november, issuer, mailoutbox, time_machine,
                                                            django_capture_on_commit_callbacks):
    """Point 3: due 15 November (Amsterdam). On the 15th, up to 23:59 there, nothing; from 00:00 on the
    16th (23:00 UTC on the 15th) the invoice is overdue and reminded once, however often it runs."""
    make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    mailoutbox.clear()
    assert remind(time_machine, at("2026-11-14"), django_capture_on_commit_callbacks) == []
    assert remind(time_machine, at("2026-11-15", dt.time(22, 59, tzinfo=dt.UTC)),
                  django_capture_on_commit_callbacks) == []
    assert Invoice.objects.with_scopes_disabled().get(pk=invoice.pk).status == "open"
    assert mailoutbox == []

    assert remind(time_machine, at("2026-11-15", dt.time(23, 0, tzinfo=dt.UTC)),
                  django_capture_on_commit_callbacks) == ["2026-000001"]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.reminded_at) == ("overdue", at("2026-11-15", dt.time(23, 0, tzinfo=dt.UTC)))
    [mail] = mailoutbox
    assert mail.to == ["owner@linde.test"]
    assert mail.subject == "Overdue: Invoice 2026-000001 – Praktijk De Linde"
    assert "was due on 15 November 2026" in mail.body and "RF422026000001" in mail.body
    assert mail.attachments[0][0] == "invoice-2026-000001.pdf"

    assert remind(time_machine, at("2026-11-20"), django_capture_on_commit_callbacks) == []
    assert len(mailoutbox) == 1
    event = AuditEvent.objects.get(event_code="invoice.overdue_reminded")
    assert (event.object_id, event.data["due_date"]) == (str(invoice.pk), "2026-11-15")


@pytest.mark.parametrize("settle", ["paid", "void"])
def test_no_reminder_for_paid_or_void_invoices(november, issuer, mailoutbox, time_machine,
                                               django_capture_on_commit_callbacks, settle):
    make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    if settle == "paid":
        invoice_mark_paid(invoice=invoice, reference="bank-1")
    else:
        with scope(workspace=invoice.workspace):
            invoicing.credit_note(invoice=invoice, actor=None, reason="wrong seats")
    mailoutbox.clear()
    assert remind(time_machine, at("2026-12-20"), django_capture_on_commit_callbacks) == []
    assert mailoutbox == []
    assert Invoice.objects.with_scopes_disabled().get(pk=invoice.pk).status == settle
    assert not AuditEvent.objects.filter(event_code="invoice.overdue_reminded").exists()


def test_a_failed_payment_is_still_reminded_once_when_due(november, issuer, mailoutbox, time_machine,
                                                           django_capture_on_commit_callbacks):
    """An invoice already `overdue` because its collection failed gets the one reminder after its due date."""
    make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    Invoice.objects.with_scopes_disabled().filter(pk=invoice.pk).update(status="overdue")
    assert remind(time_machine, at("2026-11-16"), django_capture_on_commit_callbacks) == ["2026-000001"]
    assert remind(time_machine, at("2026-11-17"), django_capture_on_commit_callbacks) == []


def test_reminder_command_at_a_date(november, issuer, mailoutbox, django_capture_on_commit_callbacks):
    make_team()
    run("2026-11-01", django_capture_on_commit_callbacks)
    mailoutbox.clear()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invoice_reminders", at="2026-11-15", stdout=out)
        call_command("invoice_reminders", at="2026-11-16", stdout=out)
        call_command("invoice_reminders", at="2026-11-17", stdout=out)
    assert out.getvalue().splitlines() == [
        "invoice reminders: 0 overdue invoices reminded",
        "invoice reminders: 1 overdue invoices reminded (2026-000001)",
        "invoice reminders: 0 overdue invoices reminded",
    ]
    assert len(mailoutbox) == 1
    event = AuditEvent.objects.get(event_code="invoice.overdue_reminded")
    assert event.via == "command"


# --- the issuer in the operator console -------------------------------------------------------------------


def test_bank_identifiers():
    assert creditor_reference("539007547034") == "RF18539007547034"  # the ISO 11649 example
    assert valid_creditor_reference("RF18 5390 0754 7034") and not valid_creditor_reference("RF19539007547034")
    assert valid_iban("NL91 ABNA 0417 1643 00") and not valid_iban("NL92ABNA0417164300")
    assert format_iban(IBAN) == "NL91 ABNA 0417 1643 00"


def test_issuer_refuses_a_mistyped_iban_or_bic(db):
    with pytest.raises(ValidationError) as error:
        Issuer(legal_name="Praxis", iban="NL92ABNA0417164300", bic="ABN").full_clean()
    assert set(error.value.message_dict) == {"iban", "bic"}
    issuer = Issuer(legal_name="Praxis", iban="nl91 abna 0417 1643 00", bic="abnanl2a", payment_term_days=14)
    issuer.full_clean()
    assert (issuer.iban, issuer.bic) == (IBAN, "ABNANL2A")
    with pytest.raises(ValidationError):
        Issuer(legal_name="Praxis", payment_term_days=0).full_clean()


def test_operator_sets_the_issuer_in_the_console(db, settings):
    """Where the operator sets issuer and term: /operator/ → Billing → Invoice issuer (one row, audited)."""
    settings.PRAXIS_OPERATOR_NAME = "Praxis Hosting B.V."
    operator = user_sign_up(email="ops@praxis.test", password=PASSWORD)
    type(operator).objects.filter(pk=operator.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(type(operator).objects.get(pk=operator.pk))
    add = reverse("admin:billing_issuer_add")
    assert 'value="Praxis Hosting B.V."' in client.get(add).content.decode()  # the settings as a start
    form = {"legal_name": "Praxis Software B.V.", "address": "Keizersgracht 1", "vat_id": "NL864321987B01",
            "account_holder": "Praxis Software B.V.", "iban": "NL92ABNA0417164300", "bic": "ABNANL2A",
            "payment_term_days": "21"}
    refused = client.post(add, form)
    assert refused.status_code == 200 and not Issuer.objects.exists()  # bad IBAN: clear message, nothing saved
    assert "not a valid IBAN" in refused.content.decode()
    assert client.post(add, {**form, "iban": "nl91 abna 0417 1643 00"}).status_code == 302
    saved = Issuer.objects.get()
    assert (saved.pk, saved.iban, saved.payment_term_days) == (1, IBAN, 21)
    assert terms.issuer() == saved
    assert client.get(add).status_code == 403  # one row: no second one
    assert AuditEvent.objects.filter(event_code="operator.issuer.created").count() == 1


def test_issuer_set_validates_and_audits(db):
    with pytest.raises(ValidationError):
        terms.issuer_set(actor=None, values={"legal_name": "Praxis", "iban": "NL92ABNA0417164300"})
    assert not Issuer.objects.exists() and not AuditEvent.objects.filter(event_code__startswith="operator.issuer")
    terms.issuer_set(actor=None, values={"legal_name": "Praxis", "iban": IBAN})
    terms.issuer_set(actor=None, values={"payment_term_days": 30})
    assert (Issuer.objects.get().legal_name, Issuer.objects.get().payment_term_days) == ("Praxis", 30)
    assert [e.event_code for e in AuditEvent.objects.order_by("id")] == ["operator.issuer.created",
                                                                          "operator.issuer.updated"]


# 20:00 UTC and 23:15 UTC, which is 00:15 the next day in Utrecht, where the demo practice is: the members'
# joins are dated by the practice's day, so the demo's billing run must be too (STYLE 11).
@pytest.mark.parametrize("moment", ["2026-12-01T20:00:00+00:00", "2026-12-01T23:15:00+00:00"])
def test_the_demo_shows_realistic_issuer_details(db, mailoutbox, django_capture_on_commit_callbacks, moment):
    """Point 3: `manage.py demo` sets the issuer (as the operator would in the console) before it issues
    the demo's invoices, so they print a legal name, address, VAT id, IBAN, BIC, reference and due date."""
    from praxis.demo.loader import DEMO_ISSUER, load_demo

    with time_machine.travel(dt.datetime.fromisoformat(moment), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert load_demo() is True
    issuer = Issuer.objects.get()
    assert (issuer.legal_name, issuer.iban, issuer.payment_term_days) == (
        DEMO_ISSUER["legal_name"], DEMO_ISSUER["iban"], 14)
    invoice = Invoice.objects.with_scopes_disabled().filter(workspace__slug="de-linde").first()
    assert invoice is not None
    assert (invoice.issuer_name, invoice.issuer_iban, invoice.issuer_bic, invoice.issuer_vat_id) == (
        "Praxis Software B.V.", "NL91ABNA0417164300", "ABNANL2A", "NL864321987B01")
    assert invoice.due_date == invoice.issue_date + dt.timedelta(days=14)
    assert valid_creditor_reference(invoice.payment_reference)
    assert any(m.attachments and invoice.number in m.subject for m in mailoutbox)


def test_the_api_gives_the_payment_terms(november, issuer, django_capture_on_commit_callbacks):
    """Point 3 through the API: list and detail carry the due date and reference, the detail the issuer."""
    owner, workspace = make_team()
    [invoice] = run("2026-11-01", django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(owner, backend="praxis.accounts.sessions.AccountBackend")
    base = f"/api/v1/workspaces/{workspace.slug}/billing/invoices"
    [item] = client.get(base).json()["items"]
    assert (item["due_date"], item["payment_reference"]) == ("2026-11-15", "RF422026000001")
    detail = client.get(f"{base}/{invoice.pk}").json()
    assert {k: detail[k] for k in ("issuer_name", "issuer_vat_id", "issuer_iban", "issuer_bic")} == {
        "issuer_name": "Praxis Software B.V.", "issuer_vat_id": "NL864321987B01", "issuer_iban": IBAN,
        "issuer_bic": "ABNANL2A"}


def test_operator_finds_an_invoice_by_its_payment_reference(november, issuer, django_capture_on_commit_callbacks):
    """A bank statement names the reference: the console's invoice search finds the invoice by it."""
    make_team()
    run("2026-11-01", django_capture_on_commit_callbacks)
    operator = user_sign_up(email="ops@praxis.test", password=PASSWORD)
    type(operator).objects.filter(pk=operator.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(type(operator).objects.get(pk=operator.pk))
    page = client.get(reverse("admin:billing_invoice_changelist"), {"q": "RF422026000001"}).content.decode()
    assert "2026-000001" in page and "15 November 2026" in page


def test_a_failed_send_is_sent_by_the_retry(november, issuer, mailoutbox, monkeypatch,
                                             django_capture_on_commit_callbacks):
    """The mail server refuses: the claim is released (nothing recorded, nothing audited), the task fails
    and its retry sends the invoice — once."""
    from django.core.mail import EmailMultiAlternatives

    make_team()
    with django_capture_on_commit_callbacks(execute=False):
        billing_run(at=dt.date(2026, 11, 1))
    invoice = Invoice.objects.with_scopes_disabled().get()
    mailoutbox.clear()
    original = EmailMultiAlternatives.send
    monkeypatch.setattr(EmailMultiAlternatives, "send", lambda self, *a, **k: (_ for _ in ()).throw(OSError("smtp down")))
    with pytest.raises(OSError):
        notify.invoice_email_send(invoice_id=invoice.pk)
    assert Invoice.objects.with_scopes_disabled().get(pk=invoice.pk).emailed_at is None
    assert not AuditEvent.objects.filter(event_code="invoice.emailed").exists()
    monkeypatch.setattr(EmailMultiAlternatives, "send", original)
    assert notify.invoice_email_send(invoice_id=invoice.pk) is True
    assert notify.invoice_email_send(invoice_id=invoice.pk) is False
    assert len(mailoutbox) == 1
