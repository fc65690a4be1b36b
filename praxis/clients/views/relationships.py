"""Client record views: the Relationships tab (R-CLI-4).

The tab lists the client's relationships from both sides (one row, shown on both records with the
reciprocal type). "Add relationship" opens an accessible <dialog> (htmx) — or, without JavaScript, the
same form as a plain page — linking to a client of the workspace found by search-as-you-type
(`selectors.link_candidates`: the list's search among the clients this member may open), to an external
contact, or to a client or contact created in the same step. Each relationship's type and four grants are
edited the same way; Unlink removes only the relationship.

Views stay thin: reads through `selectors`, writes through `praxis.clients.relationships`, permissions
through `policies`. Another workspace's client, contact or relationship is the same 404 as a missing one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from praxis.core.errors import NotFound, ServiceError
from praxis.core.web import form_error, is_htmx
from praxis.workspaces.roles import CLIENTS_MANAGE
from praxis.workspaces.web import workspace_view

from .. import display, policies, selectors, tabs
from .. import relationships as services
from ..forms import BooleanInputField, TextInputField
from ..models import Client, Contact, Relationship, RelationshipType

# --- forms: they only collect input; `praxis.clients.relationships` decides -----------------------------

TARGETS = (
    ("client", gettext_lazy("A client of this practice")),
    ("new_client", gettext_lazy("A new client")),
    ("contact", gettext_lazy("An existing external contact")),
    ("new_contact", gettext_lazy("A new external contact")),
)
GRANT_LABELS = {
    "emergency_contact": gettext_lazy("Emergency contact"),
    "receives_information": gettext_lazy("May receive information"),
    "responsible_for_billing": gettext_lazy("Responsible for billing (invoices can be addressed to them)"),
    "portal_access": gettext_lazy("Portal access on the client's behalf"),
}
NEW_CLIENT_LABELS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
}
NEW_CONTACT_LABELS = {
    "name": gettext_lazy("Name"),
    "organisation": gettext_lazy("Organisation"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
}
OFF = {"autocomplete": "off"}  # someone else's details: the browser must not fill in the member's own


def _kind_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=gettext_lazy("Type"), choices=[("", "—"), *RelationshipType.choices],
                             required=True)


class _GrantsMixin:
    def grants(self) -> dict[str, bool]:
        return {name: bool(self.cleaned_data.get(name)) for name in GRANT_LABELS}  # type: ignore[attr-defined]


class RelationshipForm(_GrantsMixin, forms.Form):
    """The dialog: the type, the other end (one of four ways) and the grants."""

    kind = _kind_field()
    label = TextInputField(label=gettext_lazy("Description"), required=False, max_length=100,
                           help_text=gettext_lazy("For “Other”: how they are related, e.g. grandmother."),
                           widget=forms.TextInput(attrs=OFF))
    target = forms.ChoiceField(label=gettext_lazy("Link to"), choices=TARGETS, initial="client",
                               widget=forms.RadioSelect)
    q = TextInputField(label=gettext_lazy("Find a client"), required=False, max_length=200,
                       help_text=gettext_lazy("Name, e-mail, phone or date of birth."),
                       widget=forms.TextInput(attrs={**OFF, "type": "search"}))
    other_client = forms.CharField(required=False)  # a radio of the search results (rendered by hand)
    contact = forms.ChoiceField(label=gettext_lazy("Contact"), required=False)

    def __init__(self, *args, contacts: list[Contact], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [  # type: ignore[attr-defined]
            ("", "—"), *((str(c.pk), _contact_text(c)) for c in contacts)]
        for name, label in NEW_CLIENT_LABELS.items():
            self.fields[f"new_client.{name}"] = TextInputField(
                label=label, required=False, max_length=254,
                widget=forms.TextInput(attrs={**OFF, **({"placeholder": _("dd-mm-yyyy")}
                                                        if name == "date_of_birth" else {})}))
        for name, label in NEW_CONTACT_LABELS.items():
            self.fields[f"new_contact.{name}"] = TextInputField(label=label, required=False, max_length=254,
                                                                widget=forms.TextInput(attrs=OFF))
        for name, label in GRANT_LABELS.items():
            self.fields[name] = BooleanInputField(label=label, required=False)

    def new_client_fields(self) -> list[forms.BoundField]:
        return [self[f"new_client.{name}"] for name in NEW_CLIENT_LABELS]

    def new_contact_fields(self) -> list[forms.BoundField]:
        return [self[f"new_contact.{name}"] for name in NEW_CONTACT_LABELS]

    def grant_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in GRANT_LABELS]

    def service_input(self) -> dict[str, Any]:
        data = self.cleaned_data
        target = data["target"]
        kwargs: dict[str, Any] = {"kind": data["kind"], "label": data["label"], "grants": self.grants()}
        if target == "client":
            kwargs["other_client_id"] = _int(data["other_client"])
            if kwargs["other_client_id"] is None:
                raise ServiceError("required", _("Find the client and choose them from the list."),
                                   field="q")
        elif target == "contact":
            kwargs["contact_id"] = _int(data["contact"])
            if kwargs["contact_id"] is None:
                raise ServiceError("required", _("Choose a contact."), field="contact")
        elif target == "new_client":
            kwargs["new_client"] = {name: data[f"new_client.{name}"] for name in NEW_CLIENT_LABELS
                                    if data[f"new_client.{name}"]}
        else:
            kwargs["new_contact"] = {name: data[f"new_contact.{name}"] for name in NEW_CONTACT_LABELS
                                     if data[f"new_contact.{name}"]}
        return kwargs


class RelationshipEditForm(_GrantsMixin, forms.Form):
    kind = _kind_field()
    label = TextInputField(label=gettext_lazy("Description"), required=False, max_length=100,
                           help_text=gettext_lazy("For “Other”: how they are related, e.g. grandmother."),
                           widget=forms.TextInput(attrs=OFF))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in GRANT_LABELS.items():
            self.fields[name] = BooleanInputField(label=label, required=False)

    def grant_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in GRANT_LABELS]


# --- helpers --------------------------------------------------------------------------------------------

def _int(raw: Any) -> int | None:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


def _contact_text(contact: Contact) -> str:
    return f"{contact.name} ({contact.organisation})" if contact.organisation else contact.name


def _url(request, name: str, **kwargs) -> str:
    return reverse(f"clients:{name}", kwargs={"ws": request.access.workspace.slug, **kwargs})


def _client(request, client_id: int) -> Client:
    try:
        return selectors.client_get(access=request.access, client_id=client_id)
    except NotFound:
        raise Http404 from None


def _relationship(request, client: Client, relationship_id: int) -> tuple[Relationship, str, object]:
    for row in selectors.relationships_of(access=request.access, client=client):
        if row[0].pk == relationship_id:
            return row
    raise Http404


class Row:
    """One relationship as this client's record shows it."""

    def __init__(self, relationship: Relationship, kind: str, other: object, *, client: Client):
        self.relationship = relationship
        self.pk = relationship.pk
        self.kind = kind
        self.forward = relationship.client_id == client.pk
        self.type_label = services.type_label(relationship, kind, forward=self.forward)
        self.other = other
        self.is_client = isinstance(other, Client)
        self.openable = bool(getattr(other, "openable", False))
        self.name = other.display_name if isinstance(other, Client) else getattr(other, "name", "")
        self.organisation = getattr(other, "organisation", "") if not self.is_client else ""
        self.email = getattr(other, "email", "")
        self.phone = display.phone(getattr(other, "phone", ""))
        self.phone_href = getattr(other, "phone", "")
        self.grants = [str(label) for name, label in GRANT_LABELS.items() if getattr(relationship, name)]
        # The grants are what the linked person may do for the row's own client: on the far side, this
        # client holds them for the other one.
        self.holder_is_self = not self.forward


def relationships_tab(request, client) -> dict[str, Any]:
    """Provider of the record's Relationships tab (registered in `praxis.clients.tabs`): every
    relationship, from both sides, in two queries."""
    rows = [Row(rel, kind, other, client=client)
            for rel, kind, other in selectors.relationships_of(access=request.access, client=client)]
    return {"relationships": rows, "can_edit_relationships": policies.may_edit_relationships(request.access)}


def _tab_response(request, client: Client) -> HttpResponse:
    """After a change with htmx: the record's panel with the Relationships tab, and the dialog closed."""
    tab = tabs.get(request.access, "relationships")
    if tab is None:  # pragma: no cover - registered with the app
        raise Http404
    context = {"workspace": request.access.workspace, "client": client, "tabs": tabs.tabs_for(request.access),
               "tab": tab, "htmx": True, **relationships_tab(request, client)}
    response = render(request, "clients/record.html#tab-panel", context)
    response.content += b'<div id="dialog-slot" hx-swap-oob="true"></div>'
    response["HX-Retarget"] = "#record-panel"
    response["HX-Reswap"] = "outerHTML"
    return response


def _done(request, client: Client, message: str) -> HttpResponse:
    from django.contrib import messages

    if is_htmx(request):
        return _tab_response(request, client)
    messages.success(request, message)
    return redirect(_url(request, "tab", client_id=client.pk, tab="relationships"))


def _page(request, template: str, context: dict[str, Any]) -> HttpResponse:
    """The dialog for htmx (into #dialog-slot, or the dialog's body after a refused save), else a page."""
    context = {"workspace": request.access.workspace, "htmx": is_htmx(request), **context}
    if is_htmx(request):
        part = "dialog-body" if request.method == "POST" else "dialog"
        return render(request, f"{template}#{part}", context)
    return render(request, template, context)


# --- views ----------------------------------------------------------------------------------------------

@workspace_view(CLIENTS_MANAGE)
def relationship_new(request, client_id: int):
    """Add a relationship (R-CLI-4). POST with `action=search` (the no-JavaScript search button) only
    looks clients up and shows the form again, keeping what was typed."""
    client = _client(request, client_id)
    contacts = list(selectors.contacts_list(workspace=request.access.workspace))
    searching = request.method == "POST" and request.POST.get("action") == "search"
    if searching:
        # Only a look-up: what was typed comes back as the form's initial values, without errors.
        form = RelationshipForm(initial={**request.POST.dict(), "target": "client"}, contacts=contacts)
        q = " ".join(request.POST.get("q", "").split())[:200]
        return _page(request, "clients/relationship_new.html", {
            "client": client, "form": form, "searched": True,
            "candidates": selectors.link_candidates(access=request.access, client=client, q=q)})
    form = RelationshipForm(request.POST or None, contacts=contacts)
    candidates: list[Client] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                services.relationship_create(access=request.access, client_id=client.pk, **form.service_input())
            except ServiceError as exc:
                form_error(form, exc)
            else:
                return _done(request, client, _("The relationship was added."))
        candidates = _chosen(request, client, form)
    return _page(request, "clients/relationship_new.html",
                 {"client": client, "form": form, "candidates": candidates, "searched": False})


def _chosen(request, client: Client, form: RelationshipForm) -> list[Client]:
    """After a refused save, keep the client that was chosen (and what the search found) on the form."""
    q = form.cleaned_data.get("q", "") if hasattr(form, "cleaned_data") else ""
    found = selectors.link_candidates(access=request.access, client=client, q=q)
    chosen = _int(form.cleaned_data.get("other_client")) if hasattr(form, "cleaned_data") else None
    if chosen and chosen not in {c.pk for c in found}:
        found += list(policies.linkable_clients(request.access).filter(pk=chosen).exclude(pk=client.pk))
    return found


@require_GET
@workspace_view(CLIENTS_MANAGE)
def relationship_search(request, client_id: int):
    """Search-as-you-type of the dialog (htmx): the clients this member may link to that match `q`."""
    client = _client(request, client_id)
    q = " ".join(request.GET.get("q", "").split())[:200]
    candidates = selectors.link_candidates(access=request.access, client=client, q=q)
    return render(request, "clients/relationship_new.html#candidates",
                  {"workspace": request.access.workspace, "client": client, "candidates": candidates,
                   "searched": bool(q), "chosen": None})


@workspace_view(CLIENTS_MANAGE)
def relationship_edit(request, client_id: int, relationship_id: int):
    """Change the type (as this record reads it), the description and the grants."""
    client = _client(request, client_id)
    relationship, kind, other = _relationship(request, client, relationship_id)
    row = Row(relationship, kind, other, client=client)
    initial = {"kind": kind, "label": relationship.label,
               **{name: getattr(relationship, name) for name in GRANT_LABELS}}
    form = RelationshipEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.relationship_update(access=request.access, client_id=client.pk, relationship_id=relationship.pk,
                                         kind=form.cleaned_data["kind"], label=form.cleaned_data["label"],
                                         grants=form.grants())
        except ServiceError as exc:
            form_error(form, exc)
        else:
            return _done(request, client, _("The relationship was changed."))
    return _page(request, "clients/relationship_edit.html", {"client": client, "row": row, "form": form})


@workspace_view(CLIENTS_MANAGE)
def relationship_delete(request, client_id: int, relationship_id: int):
    """Unlink, after a confirmation (a dialog for htmx, else a page): only the relationship goes."""
    client = _client(request, client_id)
    relationship, kind, other = _relationship(request, client, relationship_id)
    if request.method == "POST":
        try:
            services.relationship_delete(access=request.access, client_id=client.pk,
                                         relationship_id=relationship.pk)
        except NotFound:
            raise Http404 from None
        return _done(request, client, _("The relationship was removed."))
    row = Row(relationship, kind, other, client=client)
    return _page(request, "clients/relationship_delete.html", {"client": client, "row": row})


urlpatterns = [
    path("w/<slug:ws>/clients/<int:client_id>/relationships/new/", relationship_new, name="relationship_new"),
    path("w/<slug:ws>/clients/<int:client_id>/relationships/search/", relationship_search,
         name="relationship_search"),
    path("w/<slug:ws>/clients/<int:client_id>/relationships/<int:relationship_id>/edit/", relationship_edit,
         name="relationship_edit"),
    path("w/<slug:ws>/clients/<int:client_id>/relationships/<int:relationship_id>/delete/", relationship_delete,
         name="relationship_delete"),
]
