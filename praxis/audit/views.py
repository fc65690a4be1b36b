"""The workspace's audit log for `audit.view` (R-AUD-2): filtered by user, event code and period."""

import itertools

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from praxis.core.exports import csv_writer
from praxis.core.formfields import ModelChoiceField
from praxis.workspaces.roles import AUDIT_VIEW
from praxis.workspaces.web import workspace_view

from . import selectors
from . import services as audit

PAGE_SIZE = 50


class UserChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} <{obj.email}>"


class AuditFilterForm(forms.Form):
    user = UserChoiceField(label=_("User"), queryset=get_user_model().objects.none(), required=False,
                           empty_label=_("Everyone"))
    code = forms.CharField(label=_("Event code"), required=False, max_length=64,
                           help_text=_("For example member. or invitation.created"))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        # Everyone who is or was a member; User is not tenant-scoped, the join goes through the membership.
        self.fields["user"].queryset = (
            get_user_model().objects.filter(memberships__workspace=workspace).distinct()
            .order_by("last_name", "first_name", "email")
        )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data


def _filtered(request):
    workspace = request.access.workspace
    form = AuditFilterForm(request.GET or None, workspace=workspace)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    user = filters.get("user")
    events = selectors.audit_events(
        workspace=workspace, user_id=user.pk if user else None, code=filters.get("code", ""),
        date_from=filters.get("date_from"), date_to=filters.get("date_to"),
    )
    return form, filters, events


def _filter_data(filters: dict) -> dict:
    return {k: str(v.pk if hasattr(v, "pk") else v) for k, v in filters.items() if v}


@workspace_view(AUDIT_VIEW)
def audit_list(request):
    """Reading the log is itself recorded, like exporting it (R-AUD-1, issue 6 point 23)."""
    form, filters, events = _filtered(request)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read before recording, so the page shows the log as it was
    audit.record(code="audit.viewed", action="read", actor=request.user, workspace=request.access.workspace,
                 role=request.access.membership.role, permission=AUDIT_VIEW,
                 data={**_filter_data(filters), "page": page.number})
    return render(request, "audit/list.html", {"workspace": request.access.workspace, "form": form, "page": page})


EXPORT_COLUMNS = ("seq", "occurred_at", "event_code", "action", "outcome", "user_id", "user_display", "role",
                  "ip", "user_agent", "via", "object_type", "object_id", "client_id", "permission", "query",
                  "source_instance", "hash", "chain")


@workspace_view(AUDIT_VIEW)
def audit_export(request):
    """The filtered log as CSV (R-AUD-2), streamed so a long period does not fill memory.
    Exporting is itself recorded."""
    _form, filters, events = _filtered(request)
    audit.record(code="audit.exported", action="read", actor=request.user, workspace=request.access.workspace,
                 role=request.access.membership.role, permission=AUDIT_VIEW,
                 data=_filter_data(filters))
    writer = csv_writer()  # formula-safe cells (issue 6 point 24)
    rows = (writer.writerow([getattr(e, c) for c in EXPORT_COLUMNS]) for e in events.iterator(chunk_size=2000))
    response = StreamingHttpResponse(
        itertools.chain([writer.writerow(EXPORT_COLUMNS)], rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{request.access.workspace.slug}.csv"'
    return response
