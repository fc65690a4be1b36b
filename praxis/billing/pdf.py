"""The PDF of an invoice or credit note (R-BIL-11: each invoice has a PDF).

Rendered from the issued, immutable `Invoice` only — its copied issuer, billed party, lines, totals and
payment terms (the issuer's bank account, the reference and the due date, see terms.py) — so the
PDF of an invoice is the same today and in five years. Labels are in the invoice's language, amounts use
its decimal separator. The output is deterministic (reportlab's `invariant`: no creation time, a fixed
document id), so two renders are byte-identical and a PDF can be cached or compared.

The standard Helvetica font covers the Western European alphabets of nl/fr/de/en (and €); names in other
scripts would need an embedded TrueType font.
"""

import datetime as dt
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from praxis.core.money import from_cents

from .bank import format_iban
from .models import Invoice

# Decimal and thousands separators, and where the currency sign goes, per interface language.
_NUMBER_FORMATS = {
    "en": (".", ",", "{sign}{symbol}{number}"),
    "nl": (",", ".", "{sign}{symbol}\u00a0{number}"),
    "de": (",", ".", "{sign}{number}\u00a0{symbol}"),
    "fr": (",", "\u00a0", "{sign}{number}\u00a0{symbol}"),
}
_SYMBOLS = {"EUR": "€"}

# The usable width of the page: A4 less the 20 mm margins and the frame's own 6 pt padding on each side.
WIDTH = A4[0] - 40 * mm - 12
MARGIN = 20 * mm

_INK = colors.HexColor("#1f2933")
_MUTED = colors.HexColor("#616e7c")
_RULE = colors.HexColor("#cbd2d9")
_PAID = colors.HexColor("#1f7a4d")
_VOID = colors.HexColor("#9b1c1c")


def format_amount(cents: int, currency: str, language: str) -> str:
    """`-123456` cents → `-€1,234.56` (en), `-€ 1.234,56` (nl), `-1.234,56 €` (de), `-1 234,56 €` (fr)."""
    decimal_sep, group_sep, pattern = _NUMBER_FORMATS.get(language, _NUMBER_FORMATS["en"])
    whole, fraction = f"{abs(from_cents(cents)):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", group_sep)
    return pattern.format(sign="-" if cents < 0 else "", symbol=_SYMBOLS.get(currency, currency),
                          number=f"{grouped}{decimal_sep}{fraction}")


def format_rate(value: Decimal, language: str) -> str:
    """`Decimal("21.00")` → `21`; `Decimal("5.50")` → `5.5` / `5,5`."""
    decimal_sep = _NUMBER_FORMATS.get(language, _NUMBER_FORMATS["en"])[0]
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", decimal_sep)


def _date(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _text(value: str) -> str:
    """Plain text (names, addresses) as Paragraph markup: escaped, line breaks kept."""
    return "<br/>".join(escape(line) for line in (value or "").strip().splitlines())


class _Styles:
    def __init__(self):
        self.body = ParagraphStyle("body", fontName="Helvetica", fontSize=9.5, leading=13, textColor=_INK)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10, textColor=_MUTED)
        self.label = ParagraphStyle("label", parent=self.small, fontName="Helvetica-Bold")
        self.label_right = ParagraphStyle("label_right", parent=self.label, alignment=TA_RIGHT)
        self.title = ParagraphStyle("title", parent=self.body, fontName="Helvetica-Bold", fontSize=20, leading=24)
        self.strong = ParagraphStyle("strong", parent=self.body, fontName="Helvetica-Bold")
        self.right = ParagraphStyle("right", parent=self.body, alignment=TA_RIGHT)
        self.right_strong = ParagraphStyle("right_strong", parent=self.strong, alignment=TA_RIGHT)


def _title(invoice: Invoice) -> str:
    return _("Credit note") if invoice.kind == Invoice.Kind.CREDIT_NOTE else _("Invoice")


def _status_label(invoice: Invoice) -> str:
    return str(Invoice.Status(invoice.status).label)


def _parties(invoice: Invoice, s: _Styles) -> Table:
    operator = [Paragraph(escape(invoice.issuer_name), s.strong)]  # the issuer as copied at issue
    if invoice.issuer_address:
        operator.append(Paragraph(_text(invoice.issuer_address), s.body))
    if invoice.issuer_vat_id:
        operator.append(Paragraph(f"{escape(_('VAT id'))}: {escape(invoice.issuer_vat_id)}", s.body))

    billed = [Paragraph(escape(_("Billed to")), s.label), Paragraph(escape(invoice.billed_name), s.strong)]
    if invoice.billed_address:
        billed.append(Paragraph(_text(invoice.billed_address), s.body))
    if invoice.billed_country:
        billed.append(Paragraph(escape(invoice.billed_country), s.body))
    if invoice.billed_vat_id:
        billed.append(Paragraph(f"{escape(_('VAT id'))}: {escape(invoice.billed_vat_id)}", s.body))

    table = Table([[operator, billed]], colWidths=[WIDTH / 2, WIDTH / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _facts(invoice: Invoice, s: _Styles) -> Table:
    number_label = _("Credit note number") if invoice.kind == Invoice.Kind.CREDIT_NOTE else _("Invoice number")
    rows = [
        (number_label, invoice.number),
        (_("Issue date"), _date(invoice.issue_date)),
        *([(_("Due date"), _date(invoice.due_date))] if invoice.due_date else []),
        (_("Period"), f"{_date(invoice.period_start)} – {_date(invoice.period_end - dt.timedelta(days=1))}"),
        (_("Status"), _status_label(invoice)),
    ]
    if invoice.credited_invoice is not None:
        rows.insert(1, (_("Credits invoice"), invoice.credited_invoice.number))
    table = Table([[Paragraph(escape(label), s.label), Paragraph(escape(value), s.body)] for label, value in rows],
                  colWidths=[40 * mm, WIDTH - 40 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _lines(invoice: Invoice, s: _Styles) -> Table:
    def money(cents: int) -> str:
        return format_amount(cents, invoice.currency, invoice.language)

    data = [[Paragraph(escape(_("Description")), s.label), Paragraph(escape(_("Quantity")), s.label_right),
             Paragraph(escape(_("Unit price")), s.label_right), Paragraph(escape(_("Amount")), s.label_right)]]
    for line in invoice.lines.all():
        data.append([Paragraph(escape(line.description), s.body), Paragraph(str(line.quantity), s.right),
                     Paragraph(money(line.unit_price_cents), s.right), Paragraph(money(line.amount_cents), s.right)])
    table = Table(data, colWidths=[WIDTH - 75 * mm, 20 * mm, 27 * mm, 28 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, _INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, _RULE),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
    ]))
    return table


def _totals(invoice: Invoice, s: _Styles) -> Table:
    def money(cents: int) -> str:
        return format_amount(cents, invoice.currency, invoice.language)

    rows = [(_("Subtotal"), money(invoice.subtotal_cents), False)]
    if invoice.credit_applied_cents:
        rows.append((_("Credit applied"), money(-invoice.credit_applied_cents), False))
    rows.append((_("VAT (%(rate)s%%)") % {"rate": format_rate(invoice.vat_rate, invoice.language)},
                 money(invoice.vat_cents), False))
    rows.append((_("Total"), money(invoice.total_cents), True))
    data = [[Paragraph(escape(label), s.right_strong if bold else s.right),
             Paragraph(value, s.right_strong if bold else s.right)] for label, value, bold in rows]
    table = Table(data, colWidths=[60 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.8, _INK), ("RIGHTPADDING", (-1, 0), (-1, -1), 0)]))
    return table


def _payment(invoice: Invoice, s: _Styles) -> list:
    """How to pay: the amount, the due date, the issuer's bank account and the reference to quote."""
    if invoice.kind == Invoice.Kind.CREDIT_NOTE or invoice.total_cents <= 0 or not invoice.due_date:
        return []
    total = format_amount(invoice.total_cents, invoice.currency, invoice.language)
    rows = [(_("Account holder"), invoice.issuer_account_holder), (_("IBAN"), format_iban(invoice.issuer_iban)),
            (_("BIC"), invoice.issuer_bic), (_("Payment reference"), invoice.payment_reference),
            (_("Due date"), _date(invoice.due_date))]
    table = Table([[Paragraph(escape(label), s.label), Paragraph(escape(value), s.body)]
                   for label, value in rows if value], colWidths=[40 * mm, WIDTH - 40 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    ask = _("Please transfer %(total)s by %(date)s, quoting the payment reference %(reference)s.") % {
        "total": total, "date": _date(invoice.due_date), "reference": invoice.payment_reference}
    return [Spacer(1, 8 * mm), Paragraph(escape(_("Payment")), s.strong), Spacer(1, 2 * mm),
            Paragraph(escape(ask), s.body), Spacer(1, 2 * mm), table]


def _decorate(invoice: Invoice, footer: str):
    """Page furniture: a stamp on paid (and void) invoices and a footer with the number and page."""
    stamps: dict[str, tuple[str, colors.Color]] = {Invoice.Status.PAID: (_("Paid"), _PAID),
                                                   Invoice.Status.VOID: (_("Void"), _VOID)}
    stamp = stamps.get(invoice.status)

    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(_MUTED)
        canvas.drawString(MARGIN + 6, 12 * mm, footer)
        canvas.drawRightString(A4[0] - MARGIN - 6, 12 * mm, _("Page %(page)d") % {"page": doc.page})
        if stamp and doc.page == 1:  # top right, beside the title
            text, colour = stamp
            text = text.upper()
            width = canvas.stringWidth(text, "Helvetica-Bold", 22) + 8 * mm
            canvas.translate(A4[0] - MARGIN - 6 - width - 2 * mm, A4[1] - MARGIN - 14 * mm)
            canvas.rotate(6)
            canvas.setStrokeColor(colour)
            canvas.setFillColor(colour)
            canvas.setLineWidth(2)
            canvas.roundRect(0, -3 * mm, width, 13 * mm, 2 * mm, stroke=1, fill=0)
            canvas.setFont("Helvetica-Bold", 22)
            canvas.drawString(4 * mm, 0, text)
        canvas.restoreState()

    return draw


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as an A4 PDF, in the invoice's language; byte-identical for the same invoice."""
    with translation.override(invoice.language or "en"):
        s = _Styles()
        title = _title(invoice)
        buffer = BytesIO()
        doc = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=22 * mm,
            title=f"{title} {invoice.number}", author=invoice.issuer_name,
            subject=f"{title} {invoice.number} — {invoice.billed_name}", creator="Praxis",
            invariant=1,  # no creation date, a fixed document id: deterministic bytes
        )
        story = [Paragraph(escape(title), s.title), Spacer(1, 6 * mm), _parties(invoice, s), Spacer(1, 8 * mm),
                 _facts(invoice, s), Spacer(1, 8 * mm), _lines(invoice, s), Spacer(1, 4 * mm), _totals(invoice, s)]
        if invoice.kind == Invoice.Kind.CREDIT_NOTE and invoice.credited_invoice is not None:
            story += [Spacer(1, 6 * mm), Paragraph(escape(_("This credit note corrects invoice %(number)s.") % {
                "number": invoice.credited_invoice.number}), s.body)]
        story += _payment(invoice, s)
        footer = f"{invoice.issuer_name} · {title} {invoice.number}"
        decorate = _decorate(invoice, footer)
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
