"""Every tenant row is scope-managed (issue 6 point 10, STYLE 1 and 13; NetBox test_model_test_coverage.py).

Walks every installed model: one with a foreign key to `Workspace` must use a django-scopes manager on
that key — a query outside `scope(workspace=...)` then fails instead of reading every practice — or be
listed in `EXEMPT` with the reason. A new app's model is covered without anyone adding it here.
"""

import pytest
from django.apps import apps
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from praxis.workspaces.models import Workspace

# "app_label.ModelName" → why the rows are read across workspaces by design.
EXEMPT = {
    "audit.AuditEvent": "entries exist outside any workspace (sign-up, login) and the hash chain is verified "
                        "across all of them; reads go through audit.selectors, which filter explicitly",
    "workspaces.Licence": "a licence belongs to a user, not a tenant; `payer_workspace` is empty when the "
                          "user pays for themselves",
    "notifications.Notification": "a person's bell lists their notifications of every workspace (also of "
                                  "ones they left); `workspace` is optional context and reads are restricted "
                                  "by recipient (`Notification.objects.for_user`)",
    "support.SalesRequest": "the operator's sales pipeline, read only in the operator console; `workspace` "
                            "is where the request came from and may be empty",
}


def _workspace_keys(model) -> list[str]:
    return [field.name for field in model._meta.get_fields()
            if field.many_to_one and field.concrete and field.related_model is Workspace]


def tenant_models():
    return sorted((model for model in apps.get_models() if _workspace_keys(model)),
                  key=lambda model: model._meta.label)


def _is_scoped(model) -> bool:
    manager = model._default_manager
    return type(manager).__module__ == "django_scopes.manager" and hasattr(manager, "with_scopes_disabled")


def test_point_10_every_model_with_a_workspace_key_is_scoped_or_exempt():
    unscoped = [model._meta.label for model in tenant_models()
                if not _is_scoped(model) and model._meta.label not in EXEMPT]
    assert unscoped == [], f"add `objects = ScopedManager(workspace='workspace')` or an EXEMPT reason: {unscoped}"


def test_point_10_exemptions_are_not_stale():
    """An exempt model that became scoped, or disappeared, is removed from the list."""
    labels = {model._meta.label: model for model in tenant_models()}
    assert [label for label in EXEMPT if label not in labels or _is_scoped(labels[label])] == []


def test_point_10_the_models_of_the_issue_are_scoped():
    scoped = {model._meta.label for model in tenant_models() if _is_scoped(model)}
    assert {"billing.Invoice", "billing.SeatChange", "billing.BalanceEntry", "billing.ChangeRequest",
            "api.ApiToken", "workspaces.Membership", "workspaces.Invitation"} <= scoped


@pytest.mark.django_db
@pytest.mark.parametrize("model", [m for m in tenant_models() if _is_scoped(m)], ids=lambda m: m._meta.label)
def test_point_10_a_scoped_query_outside_a_scope_fails_and_inside_sees_only_its_workspace(model):
    with pytest.raises(ScopeError):
        list(model.objects.all())
    workspace = Workspace.objects.create(slug="scoped-probe", name="Probe")
    with scope(workspace=workspace):
        sql = str(model.objects.all().query)
    assert f"{model._meta.db_table}\".\"workspace_id\" = {workspace.pk}" in sql
    with scopes_disabled():
        assert model.objects.filter(workspace=workspace).count() == 0
