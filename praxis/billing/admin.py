"""The billing part of the operator console (/operator/, SPEC §1: staff only, across workspaces).

- Plans are the catalogue the operator edits (prices in cents, excluding VAT).
- Invoices are immutable once issued (R-BIL-11): read-only here; the only changes are the services'
  "mark as paid" (R-BIL-13 `manual` provider) and "issue credit note" (a correction, never an edit).
- Change requests (R-BIL-15): the operator sets their status and a note, which the workspace sees.
- The seat and balance ledgers are append-only: read-only.
- The invoice issuer (one row): the operator's legal name, address, VAT id, bank account and payment term,
  copied onto each invoice at issue (billing/terms.py); editing it changes only invoices issued later.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from praxis.audit import services as audit
from praxis.audit.admin_mixins import AuditedAdminMixin
from praxis.core.errors import ServiceError
from praxis.core.money import Money

from . import payments, services, terms
from .models import BalanceEntry, ChangeRequest, Invoice, InvoiceLine, Issuer, Plan, SeatChange


def _euros(cents: int, currency: str = "EUR") -> str:
    return str(Money.from_cents(cents, currency))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that are never added, edited or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("account_type", "monthly_price_cents", "monthly_price", "annual_price_cents", "annual_price",
                    "client_limit", "clinical", "workspace_templates")
    list_editable = ("monthly_price_cents", "annual_price_cents", "client_limit", "clinical")
    list_display_links = ("account_type",)
    readonly_fields = ("account_type",)

    PRICE_HELP = _("In cents, excluding VAT: 2900 is € 29.00. Applies from the next invoice; issued invoices "
                   "keep their prices.")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("monthly_price_cents", "annual_price_cents") and field is not None:
            field.help_text = self.PRICE_HELP
        return field

    def get_changelist_formset(self, request, **kwargs):
        formset = super().get_changelist_formset(request, **kwargs)
        for name in ("monthly_price_cents", "annual_price_cents"):
            if name in formset.form.base_fields:
                formset.form.base_fields[name].help_text = self.PRICE_HELP
        return formset

    @admin.display(description=_("monthly (EUR)"))
    def monthly_price(self, plan):
        return _euros(plan.monthly_price_cents)

    @admin.display(description=_("annual (EUR)"))
    def annual_price(self, plan):
        return _euros(plan.annual_price_cents)

    def has_delete_permission(self, request, obj=None):
        return False  # every account type needs its plan; set a price of 0 instead


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ("position", "description", "account_type", "quantity", "unit_price_cents", "amount_cents",
              "period_start", "period_end")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "workspace", "kind", "status", "issue_date", "due_date", "period_start", "period_end",
                    "total", "provider", "payment_reference")
    list_filter = ("status", "kind", "provider")
    search_fields = ("number", "workspace__name", "billed_name", "provider_reference", "payment_reference")
    list_select_related = ("workspace",)
    date_hierarchy = "issue_date"
    inlines = [InvoiceLineInline]
    actions = ["mark_paid", "issue_credit_note"]

    @admin.display(description=_("total"), ordering="total_cents")
    def total(self, invoice):
        return _euros(invoice.total_cents, invoice.currency)

    def has_billing_permission(self, request):
        """Marking paid and crediting are operator work: staff who may view invoices."""
        return request.user.is_active and request.user.is_staff and self.has_view_permission(request)

    @admin.action(description=_("Mark as paid (manual payment received)"), permissions=["billing"])
    def mark_paid(self, request, queryset):
        paid = 0
        for invoice in queryset.select_related("workspace"):
            if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.OVERDUE):
                continue
            payments.invoice_mark_paid(invoice=invoice, reference="manual", actor=request.user)
            paid += 1
        skipped = queryset.count() - paid
        self.message_user(request, ngettext("%(count)d invoice marked as paid.", "%(count)d invoices marked as paid.",
                                            paid) % {"count": paid}, messages.SUCCESS)
        if skipped:
            self.message_user(request, ngettext(
                "%(count)d invoice was not open or overdue and was left as it was.",
                "%(count)d invoices were not open or overdue and were left as they were.", skipped,
            ) % {"count": skipped}, messages.WARNING)

    @admin.action(description=_("Issue a credit note (correction)"), permissions=["billing"])
    def issue_credit_note(self, request, queryset):
        for invoice in queryset:
            try:
                note = services.invoice_credit(invoice_id=invoice.pk, actor=request.user, reason="operator correction")
            except ServiceError as exc:
                self.message_user(request, f"{invoice.number}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(invoice)s is void; credit note %(note)s issued.")
                                  % {"invoice": invoice.number, "note": note.number}, messages.SUCCESS)


@admin.register(Issuer)
class IssuerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The one issuer row: created from the settings' defaults on first edit, never deleted."""

    list_display = ("legal_name", "vat_id", "iban", "payment_term_days")
    fieldsets = (
        (_("Issuer printed on invoices"), {"fields": ("legal_name", "address", "vat_id")}),
        (_("Payment instructions"), {"fields": ("account_holder", "iban", "bic", "payment_term_days"),
                                     "description": _("Applies to invoices issued from now on; issued invoices "
                                                      "keep the details printed on them.")}),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Issuer.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        defaults = terms.issuer()
        return {"legal_name": defaults.legal_name, "address": defaults.address, "vat_id": defaults.vat_id,
                "payment_term_days": defaults.payment_term_days}

    def save_model(self, request, obj, form, change):
        obj.pk = 1  # the singleton (a check constraint refuses any other row)
        super().save_model(request, obj, form, change)


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ("subject", "workspace", "requested_by", "created_at", "status")
    list_editable = ("status",)
    list_filter = ("status",)
    search_fields = ("subject", "details", "workspace__name")
    list_select_related = ("workspace", "requested_by")
    fields = ("workspace", "requested_by", "created_at", "subject", "details", "agreed_to_costs", "status",
              "operator_note")
    readonly_fields = ("workspace", "requested_by", "created_at", "subject", "details", "agreed_to_costs")

    def has_add_permission(self, request):
        return False  # requests come from a workspace's billing tab

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.changed_data:
            audit.record(code="change_request.updated", action="update", actor=request.user,
                         workspace=obj.workspace, obj=obj,
                         data={"fields": sorted(form.changed_data), "status": obj.status})


@admin.register(SeatChange)
class SeatChangeAdmin(ReadOnlyAdmin):
    list_display = ("workspace", "user", "account_type", "delta", "effective", "reason", "needs_proration",
                    "invoice", "created_at")
    list_filter = ("account_type", "reason", "needs_proration")
    search_fields = ("workspace__name", "user__email")
    list_select_related = ("workspace", "user", "invoice")
    date_hierarchy = "effective"


@admin.register(BalanceEntry)
class BalanceEntryAdmin(ReadOnlyAdmin):
    list_display = ("workspace", "amount", "reason", "invoice", "created_at")
    search_fields = ("workspace__name", "reason")
    list_select_related = ("workspace", "invoice")

    @admin.display(description=_("amount"), ordering="amount_cents")
    def amount(self, entry):
        return _euros(entry.amount_cents, entry.currency)
