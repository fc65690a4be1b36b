"""Forms of the support portal. They collect input and show errors; the rules are the services' (the same
messages the API gives). Field names match the services' `field=` so a refusal lands on its field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from praxis.core.formfields import ModelChoiceField

from . import selectors
from .models import Category, SalesRequest, Ticket


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once; each is checked by `core.uploads` in the service."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault("help_text", _("PDF, PNG, JPEG, Word, Excel or text; at most 5 files of 10 MB each."))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        return [f for f in (data if isinstance(data, list | tuple) else [data]) if f]


class CategoryChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


class TicketForm(forms.Form):
    category = CategoryChoiceField(queryset=Category.objects.none(), label=_("Main category"),
                                   empty_label="—", to_field_name="code", help_text=_(
                                       "Not sure? Choose the category that comes closest, e.g. invoices and "
                                       "bookkeeping under Financial, e-mail and connections under External "
                                       "integrations, templates and exports under Technical."))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}))
    steps = forms.CharField(label=_("Steps to reproduce"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("1. I opened …\n2. I clicked …\n3. I saw …")}),
                            help_text=_("What did you do, what did you expect, and what happened instead?"))
    page_url = forms.CharField(label=_("Page it happened on"), required=False, max_length=500,
                               help_text=_("The address from your browser's address bar, or the page's name."))
    attachments = AttachmentsField()

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["category"].queryset = selectors.categories()  # type: ignore[attr-defined]
        if kind == Ticket.Kind.BUG:
            self.fields["steps"].required = True
            self.fields["page_url"].required = True
        else:
            del self.fields["steps"], self.fields["page_url"]


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = AttachmentsField()


class WatcherForm(forms.Form):
    membership = forms.TypedChoiceField(label=_("Colleague"), coerce=int, choices=())

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [("", "—")] + [
            (m.pk, m.user.display_name) for m in colleagues]


STATUS_FILTER = [("", _("Any status")), *Ticket.Status.choices]
KIND_FILTER = [("", _("Any type")), *Ticket.Kind.choices]


class TicketFilterForm(forms.Form):
    q = forms.CharField(label=_("Search in subjects"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=KIND_FILTER, required=False)
    category = CategoryChoiceField(queryset=Category.objects.all(), label=_("Main category"), required=False,
                                   empty_label=_("Any category"))


class SalesRequestForm(forms.Form):
    topic = forms.ChoiceField(label=_("What is it about?"), choices=SalesRequest.Topic.choices,
                              widget=forms.RadioSelect)
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    contact_name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.CharField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    team_size = forms.CharField(label=_("Number of people"), required=False, max_length=7)
    workspaces = forms.CharField(label=_("Number of workspaces"), required=False, max_length=7,
                                 help_text=_("For central billing: how many workspaces (departments, locations)."))
    message = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}))


# --- the operator console ----------------------------------------------------------------------------------

class OperatorReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    internal = forms.BooleanField(label=_("Internal note (the customer never sees it)"), required=False)
    status = forms.ChoiceField(label=_("Then set the status to"), required=False,
                               choices=[("", _("Leave as it is")), *Ticket.Status.choices])
    attachments = AttachmentsField()


class OperatorUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, *args, operators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody"))] + [
            (str(u.pk), u.display_name) for u in operators]


class ConsoleFilterForm(forms.Form):
    q = forms.CharField(label=_("Subject or T-number"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("open", _("Open")), ("", _("Any status")), *Ticket.Status.choices])
    kind = forms.ChoiceField(label=_("Type"), choices=KIND_FILTER, required=False)
    category = CategoryChoiceField(queryset=Category.objects.all(), label=_("Main category"), required=False,
                                   empty_label=_("Any category"))
    workspace = forms.CharField(label=_("Workspace (slug)"), required=False, max_length=60)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    age = forms.ChoiceField(label=_("Waiting longer than"), required=False,
                            choices=[("", _("Any time")), ("1d", _("1 day")), ("7d", _("7 days")), ("30d", _("30 days"))])

    def __init__(self, *args, operators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))] + [
            (str(u.pk), u.display_name) for u in operators]


class SalesUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=SalesRequest.Status.choices)
    operator_note = forms.CharField(label=_("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
