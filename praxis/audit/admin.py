from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only (R-AUD-1)."""

    list_display = ("chain", "seq", "occurred_at", "event_code", "action", "outcome", "user_display", "workspace")
    list_filter = ("action", "outcome")
    search_fields = ("event_code", "user_display", "object_id")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
