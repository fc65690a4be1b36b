from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only for the operator: notifications are written by services only."""

    list_display = ("recipient", "kind", "workspace", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__email",)
    readonly_fields = ("recipient", "workspace", "kind", "parameters", "created_at", "read_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
