"""The workspace's audit log for `audit.view` (R-AUD-2): filtered by user, event code and period."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from praxis.workspaces.roles import AUDIT_VIEW
from praxis.workspaces.web import workspace_view

from . import selectors

PAGE_SIZE = 50


class UserChoiceField(forms.ModelChoiceField):
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


@workspace_view(AUDIT_VIEW)
def audit_list(request):
    workspace = request.access.workspace
    form = AuditFilterForm(request.GET or None, workspace=workspace)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    user = filters.get("user")
    events = selectors.audit_events(
        workspace=workspace, user_id=user.pk if user else None, code=filters.get("code", ""),
        date_from=filters.get("date_from"), date_to=filters.get("date_to"),
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"workspace": workspace, "form": form, "page": page})
