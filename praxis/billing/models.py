"""Billing: the plan catalogue, the seat and balance ledgers, invoices and change requests (SPEC §4).

Money is stored as integer cents plus the workspace's currency (R-BIL-1). Ledgers are append-only: the
seats a workspace pays for on a date are the sum of its `SeatChange` rows up to that date; its credit is
the sum of its `BalanceEntry` rows. Issued invoices never change (R-BIL-11): corrections are credit notes.

Every row with a `workspace` uses a django-scopes manager (issue 6 point 10, STYLE 1): a query outside
`scope(workspace=...)` fails loudly; the billing run and the operator's admin, which legitimately cross
workspaces, say so with `scopes_disabled()`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from praxis.core import clock
from praxis.workspaces.roles import AccountType

from .bank import normalise_iban, valid_bic, valid_iban


class Plan(models.Model):
    """One account type of the catalogue, editable by the operator in the admin."""

    account_type = models.CharField(max_length=16, choices=AccountType.choices, unique=True)
    clinical = models.BooleanField(default=True)
    monthly_price_cents = models.PositiveIntegerField(default=0)
    annual_price_cents = models.PositiveIntegerField(default=0)
    client_limit = models.PositiveIntegerField(null=True, blank=True, help_text=_("Empty: no limit."))
    workspace_templates = models.BooleanField(default=True)

    class Meta:
        ordering = ["monthly_price_cents", "account_type"]

    def __str__(self):
        return self.get_account_type_display()

    def price_cents(self, interval: str) -> int:
        return self.annual_price_cents if interval == "annual" else self.monthly_price_cents

    @property
    def is_paid(self) -> bool:
        return self.monthly_price_cents > 0 or self.annual_price_cents > 0


class SeatChange(models.Model):
    """Append-only seat ledger: +1 when a paid seat starts, -1 when it ends, on `effective` (a date).

    `invoice` is the proration invoice that charged (or credit entry that refunded) this change, so a
    change is charged exactly once; changes on a cycle's first day are covered by the cycle invoice.
    """

    class Reason(models.TextChoices):
        JOINED = "joined", _("Member joined")
        LEFT = "left", _("Member left")
        UPGRADED = "upgraded", _("Account type changed")
        TRIAL_ENDED = "trial_ended", _("Trial ended")
        SUBSCRIBED = "subscribed", _("Subscribed")
        CANCELLED = "cancelled", _("Subscription cancelled")

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.PROTECT, related_name="seat_changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="seat_changes")
    account_type = models.CharField(max_length=16, choices=AccountType.choices)
    delta = models.SmallIntegerField()
    effective = models.DateField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(default=clock.now)
    # A +1 on a day other than a cycle's first owes the prorated rest of its cycle (R-BIL-5).
    needs_proration = models.BooleanField(default=False)
    invoice = models.ForeignKey("Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager(workspace="workspace")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(delta__in=[1, -1]), name="seat_change_unit_delta")]
        indexes = [models.Index(fields=["workspace", "effective"])]

    def __str__(self):
        return f"{self.workspace_id} {self.account_type} {self.delta:+d} on {self.effective}"


class BalanceEntry(models.Model):
    """Append-only credit ledger of a workspace: + credit (unused remainder), − credit used on an invoice."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.PROTECT, related_name="balance_entries")
    amount_cents = models.IntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    reason = models.CharField(max_length=200)
    invoice = models.ForeignKey("Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(workspace="workspace")

    def __str__(self):
        return f"{self.workspace_id} {self.amount_cents:+d} {self.reason}"


class InvoiceSequence(models.Model):
    """The last number issued in one series and year: incremented in the issuing transaction, so numbers
    are gapless (a rolled-back invoice rolls its number back too) and unique (R-BIL-11)."""

    series = models.CharField(max_length=64)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="invoice_sequence_unique")]

    def __str__(self):
        return f"{self.series} {self.year}: {self.last}"


class Invoice(models.Model):
    """An invoice of the operator to a workspace (R-BIL-3, R-BIL-5, R-BIL-11).

    Invariants: immutable once issued except its payment status and the records of its e-mails
    (`emailed_at`, `reminded_at`); everything it prints — billed party, issuer, bank account, reference,
    due date — is a copy made at issue; one cycle invoice per (workspace, cycle start) — a database
    constraint, so concurrent billing runs cannot issue two; number unique.
    """

    class Kind(models.TextChoices):
        CYCLE = "cycle", _("Cycle invoice")
        PRORATION = "proration", _("Proration invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        OVERDUE = "overdue", _("Overdue")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    issued_at = models.DateTimeField(default=clock.now)
    issue_date = models.DateField()
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3, default="EUR")
    subtotal_cents = models.IntegerField()
    credit_applied_cents = models.IntegerField(default=0)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat_cents = models.IntegerField()
    total_cents = models.IntegerField()
    # The billed party as it was at issue time (immutable copy of the workspace's billing details).
    billed_name = models.CharField(max_length=200)
    billed_address = models.TextField(blank=True)
    billed_vat_id = models.CharField(max_length=32, blank=True)
    billed_country = models.CharField(max_length=2)
    language = models.CharField(max_length=8, default="en")
    credited_invoice = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="credit_notes")
    provider = models.CharField(max_length=32, default="manual")
    provider_reference = models.CharField(max_length=100, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # How to pay it, copied at issue from the `Issuer` like the billed party (billing/terms.py): the issuer
    # as printed, its bank account, the reference to quote and the due date. A credit note has no due date.
    issuer_name = models.CharField(max_length=200, blank=True)
    issuer_address = models.TextField(blank=True)
    issuer_vat_id = models.CharField(max_length=32, blank=True)
    issuer_account_holder = models.CharField(max_length=200, blank=True)
    issuer_iban = models.CharField(max_length=34, blank=True)
    issuer_bic = models.CharField(max_length=11, blank=True)
    payment_reference = models.CharField(max_length=35, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Side effects done once (billing/notify.py): the e-mail with the PDF, and the one overdue reminder.
    emailed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "period_start"], condition=Q(kind="cycle"),
                                    name="invoice_one_per_cycle"),
            # R-BIL-5: the seats that started on one day share one proration invoice.
            models.UniqueConstraint(fields=["workspace", "period_start"], condition=Q(kind="proration"),
                                    name="invoice_one_proration_per_day"),
        ]

    def __str__(self):
        return self.number


class Issuer(models.Model):
    """The operator as the issuer of subscription invoices, and the payment term it gives (one row).

    Edited by the operator in the console (/operator/ → Billing → Invoice issuer). Until it is saved, the
    `PRAXIS_OPERATOR_NAME`/`_ADDRESS`/`_VAT_ID` settings fill it (`terms.issuer()`). Invoices copy what
    they print at issue, so editing this row never changes an issued invoice (R-BIL-11).
    """

    legal_name = models.CharField(_("legal name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=32, blank=True)
    account_holder = models.CharField(_("bank account holder"), max_length=200, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    payment_term_days = models.PositiveSmallIntegerField(
        _("payment term (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days between the issue date and the due date of new invoices."))

    class Meta:
        verbose_name = _("invoice issuer")
        verbose_name_plural = _("invoice issuer")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="issuer_singleton")]

    def __str__(self):
        return self.legal_name

    def clean(self):
        errors = {}
        self.iban = normalise_iban(self.iban)
        self.bic = self.bic.replace(" ", "").upper()
        if self.iban and not valid_iban(self.iban):
            errors["iban"] = _("This is not a valid IBAN (its check digits do not match).")
        if self.bic and not valid_bic(self.bic):
            errors["bic"] = _("A BIC has 8 or 11 letters and digits, e.g. INGBNL2A.")
        if errors:
            raise ValidationError(errors)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    account_type = models.CharField(max_length=16, blank=True)
    quantity = models.IntegerField(default=1)
    unit_price_cents = models.IntegerField()
    amount_cents = models.IntegerField()
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.description


class ChangeRequest(models.Model):
    """A subscription change request to the operator (R-BIL-15)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Declined")

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="change_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    agreed_to_costs = models.BooleanField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    operator_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(agreed_to_costs=True), name="change_request_agreed")]

    def __str__(self):
        return self.subject
