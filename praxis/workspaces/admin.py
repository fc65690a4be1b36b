from django.contrib import admin

from praxis.audit.admin_mixins import AuditedAdminMixin

from .models import Invitation, Licence, Membership, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "first_name", "last_name", "role", "status", "account_type", "pay_for_user")
    readonly_fields = fields
    can_delete = False


@admin.register(Workspace)
class WorkspaceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "tier", "country", "billing_interval", "billing_anchor", "trial_ends_at")
    list_filter = ("tier", "country", "is_personal")
    search_fields = ("name", "slug", "email")
    readonly_fields = ("slug", "billing_anchor", "created_at", "created_by")
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "workspace", "role", "account_type", "status", "sent_at", "expires_at")
    list_filter = ("status", "role", "account_type")
    search_fields = ("email", "workspace__name")
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Licence)
class LicenceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "account_type", "payer_workspace", "status", "trial_ends_at", "starts_at", "ends_at")
    list_filter = ("account_type", "status")
    search_fields = ("user__email",)
    raw_id_fields = ("user", "payer_workspace")
