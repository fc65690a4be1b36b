"""The "Client fields" settings page (R-CLI-2): define custom fields in the built-in sections or in new
custom sections, order them, mark them required or sensitive, edit them, retire and restore them.

Every view needs `workspace.edit` (`policies.may_edit_fields`, through `workspace_view`) and writes only
through `praxis.clients.customfields`. Without JavaScript everything is a form post answered by a redirect
back to the page (Up / Down are buttons, an Edit is the page with that field's form open); with htmx an
Edit or "Add field" opens in place and every change swaps only the page's panel (`#fields-panel`);
`praxis/static/praxis/fields.js` adds drag and drop on top of the Up / Down buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praxis.core.errors import ServiceError
from praxis.core.web import form_error, is_htmx, refuse
from praxis.workspaces.roles import WORKSPACE_EDIT
from praxis.workspaces.web import workspace_view

from .. import customfields, forms, selectors
from ..models import BuiltinSection, CustomField, CustomSection


@dataclass
class PlaceView:
    """One section of the settings page: a built-in section or a live custom one, with its live fields."""

    key: str  # the form's place value: "builtin:personal" or "custom:<id>"
    anchor: str  # an id for the page: "place-personal" or "place-<id>"
    title: str
    custom: CustomSection | None = None
    fields: list[CustomField] = field(default_factory=list)
    first: bool = False
    last: bool = False


def _url(request, name: str, **kwargs) -> str:
    return reverse(f"clients:{name}", kwargs={"ws": request.access.workspace.slug, **kwargs})


def _page_url(request, anchor: str = "") -> str:
    return _url(request, "fields") + (f"#{anchor}" if anchor else "")


def _places(request) -> tuple[list[PlaceView], list[CustomSection], list[CustomField]]:
    """The page's sections (built-in first, then live custom ones), the retired sections and the retired
    fields — in two queries."""
    workspace = request.access.workspace
    sections = selectors.all_sections(workspace=workspace)
    definitions = selectors.all_fields(workspace=workspace)
    live_sections = [s for s in sections if s.retired_at is None]
    places = [PlaceView(key=f"{forms.BUILTIN_PLACE}{key}", anchor=f"place-{key}", title=str(label))
              for key, label in BuiltinSection.choices]
    customs = [PlaceView(key=f"{forms.CUSTOM_PLACE}{s.pk}", anchor=f"place-{s.pk}", title=s.name, custom=s)
               for s in live_sections]
    for n, place in enumerate(customs):
        place.first, place.last = n == 0, n == len(customs) - 1
    places += customs
    by_key = {place.key: place for place in places}
    retired_sections = [s for s in sections if s.retired_at is not None]
    hidden: dict[int, int] = {}  # live fields of a retired section, listed with their section
    retired_fields = []
    for definition in definitions:
        key = (f"{forms.BUILTIN_PLACE}{definition.builtin_section}" if definition.builtin_section
               else f"{forms.CUSTOM_PLACE}{definition.section_id}")
        if definition.retired_at is not None:
            retired_fields.append(definition)
        elif key in by_key:
            by_key[key].fields.append(definition)
        elif definition.section_id:
            hidden[definition.section_id] = hidden.get(definition.section_id, 0) + 1
    for section in retired_sections:
        section.hidden_fields = hidden.get(section.pk, 0)  # type: ignore[attr-defined]
    return places, retired_sections, retired_fields


def _context(request, **extra) -> dict[str, Any]:
    places, retired_sections, retired_fields = _places(request)
    context = {
        "workspace": request.access.workspace,
        "places": places,
        "retired_sections": retired_sections,
        "retired_fields": retired_fields,
        "section_form": forms.SectionNameForm(auto_id="id_new_section_%s"),
        "notice": "",
    }
    context.update(extra)
    if context.get("new_form") is not None and context.get("adding") not in {p.key for p in places}:
        # A place that is gone (a retired or foreign section): show the form in the first section.
        context["adding"] = places[0].key
    return context


def _render_page(request, status: int = 200, **extra) -> HttpResponse:
    return render(request, "clients/fields/page.html", _context(request, **extra), status=status)


def _done(request, notice: str, anchor: str = "") -> HttpResponse:
    """After a change: the panel for htmx (with the notice), else back to the page with a message."""
    if is_htmx(request):
        response = render(request, "clients/fields/page.html#fields-panel", _context(request, notice=notice))
        response["HX-Retarget"] = "#fields-panel"
        response["HX-Reswap"] = "outerHTML"
        return response
    messages.success(request, notice)
    return redirect(_page_url(request, anchor))


def _refused(request, exc: ServiceError) -> HttpResponse:
    """A refused action without a form (a move, a restore): its message on the page (an audited 403 or the
    same 404 as a missing object for a permission or a foreign id)."""
    refuse(request, exc)
    if is_htmx(request):
        return HttpResponse(headers={"HX-Redirect": _page_url(request)})
    return redirect(_page_url(request))


def _definition_or_404(request, field_id: int) -> CustomField:
    found = CustomField.objects.filter(workspace=request.access.workspace, pk=field_id).first()
    if found is None:
        raise Http404
    return found


def _section_or_404(request, section_id: int) -> CustomSection:
    found = CustomSection.objects.filter(workspace=request.access.workspace, pk=section_id).first()
    if found is None:
        raise Http404
    return found


# --- the page -----------------------------------------------------------------------------------------


@workspace_view(WORKSPACE_EDIT)
def fields_page(request):
    """The built-in sections, then the custom sections, each with its fields in order; the retired ones
    below, restorable."""
    if request.method != "GET":
        raise Http404
    return _render_page(request)


@workspace_view(WORKSPACE_EDIT)
def field_new(request):
    """Add a field: GET the form (in place with htmx, in its section of the page without), POST creates."""
    live = selectors.live_sections(workspace=request.access.workspace)
    source = request.POST if request.method == "POST" else request.GET
    place = source.get("place", f"{forms.BUILTIN_PLACE}{BuiltinSection.PERSONAL}")
    form = forms.FieldDefinitionForm(request.POST if request.method == "POST" else None,
                                     custom_sections=live, initial={"place": place, "field_type": "text"},
                                     auto_id="id_new_%s")
    if request.method == "POST" and form.is_valid():
        try:
            definition = customfields.field_create(access=request.access, **form.service_input())
        except ServiceError as exc:
            if exc.field == "section":  # the service's `section` is this form's `place` input
                exc.field = "place"
            form_error(form, exc)
        else:
            return _done(request, _("The field “%(label)s” was added.") % {"label": definition.label},
                         anchor=f"field-{definition.pk}")
    adding = form["place"].value() or place
    if is_htmx(request):
        return render(request, "clients/fields/_field_form.html",
                      {"workspace": request.access.workspace, "form": form, "editing": None, "place_key": adding})
    return _render_page(request, new_form=form, adding=adding)


@workspace_view(WORKSPACE_EDIT)
def field_edit(request, field_id: int):
    """Edit a field's label, type, choices, help text, required and sensitive, in place."""
    definition = _definition_or_404(request, field_id)
    form = forms.FieldDefinitionForm(request.POST if request.method == "POST" else None, editing=definition,
                                     auto_id=f"id_field{definition.pk}_%s")
    if request.method == "POST" and form.is_valid():
        try:
            definition = customfields.field_update(access=request.access, field_id=definition.pk,
                                                   **form.service_input())
        except ServiceError as exc:
            form_error(form, exc)
        else:
            return _done(request, _("The field “%(label)s” was saved.") % {"label": definition.label},
                         anchor=f"field-{definition.pk}")
    if is_htmx(request):
        return render(request, "clients/fields/_field_form.html",
                      {"workspace": request.access.workspace, "form": form, "editing": definition})
    return _render_page(request, edit_form=form, editing=definition.pk)


def _direction(request) -> dict[str, Any]:
    """Up / Down from a button, or a position (and a section) from drag and drop."""
    raw_position = request.POST.get("position", "")
    move: dict[str, Any] = {"direction": request.POST.get("direction") or None,
                            "position": int(raw_position) if raw_position.isdigit() and len(raw_position) < 6
                            else None}
    if move["direction"] not in (None, "up", "down"):
        move["direction"] = None
    return move


@require_POST
@workspace_view(WORKSPACE_EDIT)
def field_move(request, field_id: int):
    definition = _definition_or_404(request, field_id)
    move = _direction(request)
    if request.POST.get("place"):
        move.update(forms.parse_place(request.POST["place"]))
    try:
        definition = customfields.field_move(access=request.access, field_id=definition.pk, **move)
    except ServiceError as exc:
        return _refused(request, exc)
    return _done(request, _("The field “%(label)s” was moved.") % {"label": definition.label},
                 anchor=f"field-{definition.pk}")


@require_POST
@workspace_view(WORKSPACE_EDIT)
def field_retire(request, field_id: int):
    definition = _definition_or_404(request, field_id)
    try:
        definition = customfields.field_retire(access=request.access, field_id=definition.pk)
    except ServiceError as exc:
        return _refused(request, exc)
    return _done(request, _("The field “%(label)s” was retired. Its values are kept; restore it to show them "
                            "again.") % {"label": definition.label}, anchor="retired")


@require_POST
@workspace_view(WORKSPACE_EDIT)
def field_restore(request, field_id: int):
    definition = _definition_or_404(request, field_id)
    try:
        definition = customfields.field_restore(access=request.access, field_id=definition.pk)
    except ServiceError as exc:
        return _refused(request, exc)
    return _done(request, _("The field “%(label)s” was restored.") % {"label": definition.label},
                 anchor=f"field-{definition.pk}")


# --- custom sections ----------------------------------------------------------------------------------


@require_POST
@workspace_view(WORKSPACE_EDIT)
def field_section_new(request):
    form = forms.SectionNameForm(request.POST, auto_id="id_new_section_%s")
    if form.is_valid():
        try:
            section = customfields.section_create(access=request.access, name=form.cleaned_data["name"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            return _done(request, _("The section “%(name)s” was added.") % {"name": section.name},
                         anchor=f"place-{section.pk}")
    if is_htmx(request):
        response = render(request, "clients/fields/page.html#fields-panel", _context(request, section_form=form))
        response["HX-Retarget"] = "#fields-panel"
        response["HX-Reswap"] = "outerHTML"
        return response
    return _render_page(request, section_form=form)


@workspace_view(WORKSPACE_EDIT)
def field_section_rename(request, section_id: int):
    section = _section_or_404(request, section_id)
    form = forms.SectionNameForm(request.POST if request.method == "POST" else None,
                                 initial={"name": section.name}, auto_id=f"id_section{section.pk}_%s")
    if request.method == "POST" and form.is_valid():
        try:
            section = customfields.section_rename(access=request.access, section_id=section.pk,
                                                  name=form.cleaned_data["name"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            return _done(request, _("The section “%(name)s” was saved.") % {"name": section.name},
                         anchor=f"place-{section.pk}")
    if is_htmx(request):
        return render(request, "clients/fields/_section_form.html",
                      {"workspace": request.access.workspace, "form": form, "section": section})
    return _render_page(request, rename_form=form, renaming=section.pk)


@require_POST
@workspace_view(WORKSPACE_EDIT)
def field_section_move(request, section_id: int):
    section = _section_or_404(request, section_id)
    try:
        section = customfields.section_move(access=request.access, section_id=section.pk, **_direction(request))
    except ServiceError as exc:
        return _refused(request, exc)
    return _done(request, _("The section “%(name)s” was moved.") % {"name": section.name},
                 anchor=f"place-{section.pk}")


@require_POST
@workspace_view(WORKSPACE_EDIT)
def field_section_retire(request, section_id: int):
    section = _section_or_404(request, section_id)
    try:
        section = customfields.section_retire(access=request.access, section_id=section.pk)
    except ServiceError as exc:
        return _refused(request, exc)
    return _done(request, _("The section “%(name)s” was retired with its fields. Their values are kept; "
                            "restore it to show them again.") % {"name": section.name}, anchor="retired")


@require_POST
@workspace_view(WORKSPACE_EDIT)
def field_section_restore(request, section_id: int):
    section = _section_or_404(request, section_id)
    try:
        section = customfields.section_restore(access=request.access, section_id=section.pk)
    except ServiceError as exc:
        return _refused(request, exc)
    return _done(request, _("The section “%(name)s” was restored.") % {"name": section.name},
                 anchor=f"place-{section.pk}")


urlpatterns = [
    path("w/<slug:ws>/settings/client-fields/", fields_page, name="fields"),
    path("w/<slug:ws>/settings/client-fields/new/", field_new, name="field_new"),
    path("w/<slug:ws>/settings/client-fields/<int:field_id>/", field_edit, name="field_edit"),
    path("w/<slug:ws>/settings/client-fields/<int:field_id>/move/", field_move, name="field_move"),
    path("w/<slug:ws>/settings/client-fields/<int:field_id>/retire/", field_retire, name="field_retire"),
    path("w/<slug:ws>/settings/client-fields/<int:field_id>/restore/", field_restore, name="field_restore"),
    path("w/<slug:ws>/settings/client-fields/sections/new/", field_section_new, name="field_section_new"),
    path("w/<slug:ws>/settings/client-fields/sections/<int:section_id>/", field_section_rename,
         name="field_section_rename"),
    path("w/<slug:ws>/settings/client-fields/sections/<int:section_id>/move/", field_section_move,
         name="field_section_move"),
    path("w/<slug:ws>/settings/client-fields/sections/<int:section_id>/retire/", field_section_retire,
         name="field_section_retire"),
    path("w/<slug:ws>/settings/client-fields/sections/<int:section_id>/restore/", field_section_restore,
         name="field_section_restore"),
]
