"""The invoice PDF (R-BIL-11: each invoice has a PDF): content, language, determinism.

Invoices are issued by the real billing run; the text is read back with pypdf (reportlab compresses its
page streams, so searching the raw bytes would find nothing).
"""

import datetime as dt
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django_scopes import scope
from pypdf import PdfReader

from praxis.billing import invoicing
from praxis.billing.models import Invoice
from praxis.billing.payments import invoice_mark_paid
from praxis.billing.pdf import format_amount, format_rate, render_invoice_pdf
from praxis.workspaces import invitations
from praxis.workspaces.access import resolve_access
from praxis.workspaces.services import members_cancel, workspace_create, workspace_update

NOON = dt.time(11, 0, tzinfo=dt.UTC)


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), NOON)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


@pytest.fixture
def operator(settings):
    settings.PRAXIS_OPERATOR_NAME = "Praxis Hosting B.V."
    settings.PRAXIS_OPERATOR_ADDRESS = "Keizersgracht 1\n1015 AA Amsterdam"
    settings.PRAXIS_OPERATOR_VAT_ID = "NL123456789B01"


@pytest.fixture
def practice(db, time_machine, make_user, operator):
    """A `team` workspace (anchor 2026-11-01, NL) paying for two `pro` seats and one `essentials` seat."""
    time_machine.move_to(at("2026-11-01"), tick=False)
    owner = make_user(first_name="Eva")
    workspace = workspace_create(actor=owner, name="Praktijk De Linde & Zonen <Noord>", tier="team")
    members = []
    for account_type in ("pro", "pro", "essentials"):
        user = make_user()
        with scope(workspace=workspace):
            [(_inv, token)] = invitations.invitations_create(
                access=resolve_access(owner, workspace.slug), emails=[user.email], role="clinician",
                account_type=account_type)
        members.append(invitations.invitation_accept(token=token, user=user))
    return owner, workspace, members


def set_details(owner, workspace, **changes) -> None:
    with scope(workspace=workspace):
        workspace_update(access=resolve_access(owner, workspace.slug), changes=changes)


def issue_cycle(workspace, day: str = "2026-11-01") -> Invoice:
    call_command("billing_run", at=day, force=True, stdout=StringIO())
    return Invoice.objects.with_scopes_disabled().get(workspace=workspace, kind="cycle", period_start=dt.date.fromisoformat(day))


@pytest.fixture
def invoice(practice) -> Invoice:
    """2 × 59.00 + 29.00 = 147.00, VAT 21 % 30.87, total 177.87; in English."""
    owner, workspace, _members = practice
    set_details(owner, workspace, language="en", vat_id="NL000099998B57",
                billing_address="Dorpsstraat 2\n1234 AB Ergens")
    return issue_cycle(workspace)


@pytest.fixture
def dutch_invoice(practice) -> Invoice:
    owner, workspace, _members = practice
    set_details(owner, workspace, language="nl", vat_id="NL000099998B57")
    return issue_cycle(workspace)


def test_a_pdf_with_the_number_the_lines_and_the_totals(invoice):
    pdf = render_invoice_pdf(invoice)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    assert "Invoice" in text
    assert "2026-000001" in text
    assert "Pro seats, 2026-11-01 – 2026-11-30" in text
    assert "Essentials seats, 2026-11-01 – 2026-11-30" in text
    for amount in ("€59.00", "€118.00", "€29.00", "€147.00", "€30.87", "€177.87"):
        assert amount in text
    assert "VAT (21%)" in text
    assert "1 November 2026" in text and "30 November 2026" in text  # issue date (European, issue 6 point 16) and the period (end inclusive)
    assert "Open" in text and "PAID" not in text


def test_operator_and_billed_party(invoice):
    text = text_of(render_invoice_pdf(invoice))
    for expected in ("Praxis Hosting B.V.", "Keizersgracht 1", "1015 AA Amsterdam", "VAT id: NL123456789B01",
                     "Billed to", "Praktijk De Linde & Zonen <Noord>", "Dorpsstraat 2", "1234 AB Ergens",
                     "VAT id: NL000099998B57"):
        assert expected in text


def test_the_billed_party_is_the_copy_made_at_issue(invoice, practice):
    """R-BIL-11: later edits of the organisation do not change an issued invoice."""
    owner, workspace, _members = practice
    before = render_invoice_pdf(invoice)
    set_details(owner, workspace, name="Nieuwe Naam", vat_id="NL111")
    invoice = Invoice.objects.with_scopes_disabled().get(pk=invoice.pk)
    assert render_invoice_pdf(invoice) == before
    assert "Nieuwe Naam" not in text_of(before)


def test_deterministic_bytes(invoice, time_machine):
    first = render_invoice_pdf(invoice)
    time_machine.move_to(at("2027-03-04"), tick=False)
    again = render_invoice_pdf(Invoice.objects.with_scopes_disabled().prefetch_related("lines").get(pk=invoice.pk))
    assert again == first
    assert b"D:2026" not in first and b"D:2027" not in first  # no render time in the metadata


def test_paid_invoice_is_stamped(invoice):
    invoice = invoice_mark_paid(invoice=invoice, reference="bank-1")
    text = text_of(render_invoice_pdf(invoice))
    assert "PAID" in text
    assert "Paid" in text  # the status row


def test_credit_note_is_titled_as_such_and_names_the_invoice(invoice):
    with scope(workspace=invoice.workspace):
        note = invoicing.credit_note(invoice=invoice, actor=None, reason="wrong seats")
    text = text_of(render_invoice_pdf(note))
    assert "Credit note" in text and "Invoice number" not in text
    assert "Credit note number" in text and note.number in text
    assert "Credits invoice" in text and "corrects invoice 2026-000001" in text
    assert "-€177.87" in text and "-€118.00" in text
    assert "VOID" not in text  # the note itself is open; the invoice it corrects is void
    assert "VOID" in text_of(render_invoice_pdf(Invoice.objects.with_scopes_disabled().get(pk=invoice.pk)))


def test_credit_applied_is_shown(practice, time_machine):
    """R-BIL-6: a `pro` leaving on 2026-11-16 leaves 59.00 × 15/30 = 29.50 credit, deducted in December:
    2 seats 88.00 − 29.50 = 58.50, VAT 12.29, total 70.79."""
    owner, workspace, members = practice
    issue_cycle(workspace)
    time_machine.move_to(at("2026-11-16"), tick=False)
    with scope(workspace=workspace):
        members_cancel(access=resolve_access(owner, workspace.slug), membership_ids=[members[0].pk])
    december = issue_cycle(workspace, "2026-12-01")
    assert (december.credit_applied_cents, december.total_cents) == (2950, 7079)
    Invoice.objects.with_scopes_disabled().filter(pk=december.pk).update(language="en")
    text = text_of(render_invoice_pdf(Invoice.objects.with_scopes_disabled().get(pk=december.pk)))
    assert "Credit applied" in text and "-€29.50" in text
    assert "€88.00" in text and "€12.29" in text and "€70.79" in text


def test_dutch_invoice_uses_dutch_labels_dates_and_decimal_comma(dutch_invoice):
    text = text_of(render_invoice_pdf(dutch_invoice))
    assert "Btw-nummer: NL000099998B57" in text  # "VAT id", from the Dutch catalogue
    assert "1 november 2026" in text
    assert "€ 177,87" in text and "€ 30,87" in text and "€ 118,00" in text
    assert "177.87" not in text


def test_dutch_invoice_is_titled_factuur(dutch_invoice):
    assert "Factuur" in text_of(render_invoice_pdf(dutch_invoice))


@pytest.mark.parametrize(("cents", "language", "expected"), [
    (17787, "en", "€177.87"),
    (123456789, "en", "€1,234,567.89"),
    (-2950, "en", "-€29.50"),
    (5, "en", "€0.05"),
    (123456, "nl", "€\u00a01.234,56"),
    (-2950, "nl", "-€\u00a029,50"),
    (123456, "de", "1.234,56\u00a0€"),
    (123456, "fr", "1\u00a0234,56\u00a0€"),
    (0, "xx", "€0.00"),
])
def test_format_amount(cents, language, expected):
    assert format_amount(cents, "EUR", language) == expected


def test_format_amount_of_another_currency_and_rates():
    assert format_amount(1000, "CHF", "de") == "10,00\u00a0CHF"
    assert format_rate(Decimal("21.00"), "nl") == "21"
    assert format_rate(Decimal("5.50"), "fr") == "5,5"
    assert format_rate(Decimal("7.70"), "en") == "7.7"
