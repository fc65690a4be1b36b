"""Operator console changes go into the audit chain too (R-AUD-1: every change anywhere)."""

from . import services as audit


class AuditedAdminMixin:
    """Records every save and delete made in the Django admin, with the names of the changed fields."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        workspace = getattr(obj, "workspace", None) if hasattr(obj, "workspace_id") else None
        audit.record(code=f"operator.{obj._meta.model_name}.{'updated' if change else 'created'}",
                     action="update" if change else "create", actor=request.user, workspace=workspace, obj=obj,
                     role="operator", data={"fields": sorted(form.changed_data)})

    def delete_model(self, request, obj):
        audit.record(code=f"operator.{obj._meta.model_name}.deleted", action="delete", actor=request.user,
                     obj=obj, role="operator")
        super().delete_model(request, obj)
