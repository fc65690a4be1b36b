"""The operator edits the lists behind the support portal here (/operator/): the main categories, in the
four languages (R-SUP-1), and the canned replies. Tickets themselves are worked on in the console
(/console/), not in the admin."""

from django.contrib import admin

from .models import CannedReply, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_nl", "name_fr", "name_de", "position", "active")
    list_editable = ("position", "active")
    fields = ("code", "name_en", "name_nl", "name_fr", "name_de", "hint", "position", "active")

    def has_delete_permission(self, request, obj=None):
        return False  # retire instead: tickets keep their category


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "position")
    list_editable = ("position",)
