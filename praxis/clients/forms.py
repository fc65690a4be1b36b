"""The one form-building module of the client record (R-CLI-1, R-CLI-2): "+ New client" and every section's
in-place Edit are built by `client_form()` from the same sections.

A form here only *collects* input: each field turns the posted text into the raw value the services take
(a string, a list of choices, a boolean). Every rule — required, formats, lengths, choices, dates in the
future, phone numbers — lives in `praxis.clients.fields` and runs inside `services.client_create` /
`client_update`, whose `ServiceError` is put back on the field it names (`custom.<key>` is that custom
field's input). So the form, the API and the import refuse the same input with the same message. The
asterisk of a required field comes from the same validator (`builtin_required`), not from a second list.

Which fields a member gets is the policy's answer (`policies.visible_builtin_fields`,
`visible_custom_fields`): the national identifier and sensitive custom fields are not in the form at all
without `clients.sensitive` — not even an empty label.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from praxis.core.errors import ServiceError
from praxis.workspaces.forms import IdListField

from . import display, fields, policies, selectors
from .models import BuiltinSection, Client, CustomField, CustomSection, FieldType, Gender

if TYPE_CHECKING:
    from praxis.workspaces.access import Access
    from praxis.workspaces.models import Membership

# The record's built-in sections and their fields, in order (seed 004: Personal, then its sections).
# "clinicians" and "tags" are the care team, written through the services' own arguments.
BUILTIN_SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    BuiltinSection.PERSONAL.value: ("first_name", "last_name", "preferred_name", "date_of_birth", "gender",
                                    "national_id"),
    BuiltinSection.CONTACT.value: ("email", "phone", "language"),
    BuiltinSection.ADDRESS.value: ("street", "postal_code", "city", "country"),
    BuiltinSection.CARE.value: ("clinicians", "tags"),
}
CARE_FIELDS = ("clinicians", "tags")
CUSTOM_PREFIX = "custom."  # a custom field's input is named like the `field` of its ServiceError
CUSTOM_SECTION_PREFIX = "custom-"


@dataclass
class Section:
    """One section of the record as this member may see it: its built-in and its custom fields."""

    key: str  # "personal", "contact", "address", "care" or "custom-<id>"
    title: str
    builtin: tuple[str, ...]
    custom: list[CustomField] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.builtin and not self.custom


def sections_for(access: Access) -> list[Section]:
    """The record's sections for this member, in order: the built-in ones, then the live custom sections
    by position — each with the fields the policy lets this member see (two queries)."""
    visible_builtin = set(policies.visible_builtin_fields(access)) | set(CARE_FIELDS)
    definitions = policies.visible_custom_fields(access, selectors.live_fields(workspace=access.workspace))
    sections = [
        Section(key=key, title=str(BuiltinSection(key).label),
                builtin=tuple(name for name in names if name in visible_builtin))
        for key, names in BUILTIN_SECTION_FIELDS.items()
    ]
    by_key = {section.key: section for section in sections}
    custom_sections: list[CustomSection] = selectors.live_sections(workspace=access.workspace)
    for custom_section in custom_sections:
        section = Section(key=f"{CUSTOM_SECTION_PREFIX}{custom_section.pk}", title=custom_section.name, builtin=())
        sections.append(section)
        by_key[section.key] = section
    for definition in definitions:
        key = definition.builtin_section or f"{CUSTOM_SECTION_PREFIX}{definition.section_id}"
        if key in by_key:  # a field of a retired section stays hidden with its section
            by_key[key].custom.append(definition)
    return sections


def section_by_key(sections: Iterable[Section], key: str) -> Section | None:
    return next((section for section in sections if section.key == key), None)


@functools.cache
def _required_builtin() -> frozenset[str]:
    """The built-in fields the validator refuses empty — asked of `fields.clean_builtin` itself."""
    required = set()
    for name in fields.BUILTIN_FIELDS:
        try:
            fields.clean_builtin(name, "", country="NL")
        except ServiceError as exc:
            if exc.code == "required":
                required.add(name)
    return frozenset(required)


def builtin_required(name: str) -> bool:
    return name in _required_builtin()


# --- fields that collect raw input (the services validate) ---------------------------------------------

class _Collect:
    """No rule of its own: `required` only marks the label; the service decides."""

    def validate(self, value: Any) -> None:
        return None

    def run_validators(self, value: Any) -> None:
        return None


class TextInputField(_Collect, forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(strip=False, **kwargs)


class BooleanInputField(_Collect, forms.BooleanField):
    pass


class MultiInputField(_Collect, forms.Field):
    """Repeated inputs (checkboxes) → the list of posted strings."""

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        return [str(item) for item in (value if isinstance(value, list | tuple) else [value])]


def _blank(choices: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [("", "—"), *choices]


def _attrs(required: bool, **extra: str) -> dict[str, str]:
    # Client details are not the member's own: the browser must not fill in the practitioner's name.
    attrs = {"autocomplete": "off", **extra}
    if required:
        attrs["aria-required"] = "true"
    return attrs


def builtin_label(name: str) -> str:
    if name == "clinicians":
        return str(_("Assigned clinicians"))
    if name == "tags":
        return str(_("Tags"))
    field = Client._meta.get_field(name)
    return capfirst(str(getattr(field, "verbose_name", name)))


def builtin_form_field(name: str, *, clinicians: Sequence[Membership] = ()) -> forms.Field:
    """The input of one built-in client field (or of the care team's clinicians and tags)."""
    if name == "clinicians":
        return MultiInputField(label=builtin_label(name), required=False,
                               widget=forms.CheckboxSelectMultiple(
                                   choices=[(m.pk, m.display_name) for m in clinicians]))
    if name == "tags":
        return TextInputField(label=builtin_label(name), required=False, help_text=_("Separate tags with commas."),
                              widget=forms.TextInput(attrs=_attrs(False)))
    required = builtin_required(name)
    kwargs: dict[str, Any] = {"label": builtin_label(name), "required": required}
    match name:
        case "date_of_birth":
            widget: forms.Widget = forms.DateInput(attrs=_attrs(required, type="date"), format="%Y-%m-%d")
        case "gender":
            widget = forms.Select(choices=_blank(Gender.choices), attrs=_attrs(required))
        case "language":
            widget = forms.Select(choices=_blank(settings.LANGUAGES), attrs=_attrs(required))
        case "email":
            widget = forms.EmailInput(attrs=_attrs(required))
        case "phone":
            widget = forms.TextInput(attrs=_attrs(required, type="tel", inputmode="tel"))
        case "country":
            widget = forms.TextInput(attrs=_attrs(required, size="2", autocapitalize="characters"))
            kwargs["help_text"] = _("A two-letter code, e.g. NL.")
        case _:
            widget = forms.TextInput(attrs=_attrs(required))
    return TextInputField(widget=widget, **kwargs)


def custom_form_field(definition: CustomField) -> forms.Field:
    """The input of one custom field, by its type (R-CLI-2)."""
    required = definition.required
    kwargs: dict[str, Any] = {"label": definition.label, "required": required, "help_text": definition.help_text}
    options = [(str(choice), str(choice)) for choice in definition.choices or []]
    match definition.field_type:
        case FieldType.LONG_TEXT:
            return TextInputField(widget=forms.Textarea(attrs=_attrs(required, rows="4")), **kwargs)
        case FieldType.NUMBER:
            return TextInputField(widget=forms.NumberInput(attrs=_attrs(required, step="any")), **kwargs)
        case FieldType.DATE:
            return TextInputField(widget=forms.DateInput(attrs=_attrs(required, type="date"), format="%Y-%m-%d"),
                                  **kwargs)
        case FieldType.SINGLE_SELECT:
            return TextInputField(widget=forms.Select(choices=_blank(options), attrs=_attrs(required)), **kwargs)
        case FieldType.MULTI_SELECT:
            return MultiInputField(widget=forms.CheckboxSelectMultiple(choices=options), **kwargs)
        case FieldType.CHECKBOX:
            return BooleanInputField(widget=forms.CheckboxInput(attrs=_attrs(required)), **kwargs)
        case FieldType.EMAIL:
            return TextInputField(widget=forms.EmailInput(attrs=_attrs(required)), **kwargs)
        case FieldType.PHONE:
            return TextInputField(widget=forms.TextInput(attrs=_attrs(required, type="tel", inputmode="tel")),
                                  **kwargs)
    return TextInputField(widget=forms.TextInput(attrs=_attrs(required)), **kwargs)


def custom_input_name(definition: CustomField) -> str:
    return f"{CUSTOM_PREFIX}{definition.key}"


class ClientForm(forms.Form):
    """The inputs of some sections of a client; `service_input()` is what the services take."""

    use_required_attribute = False  # the service's message, not the browser's, says what is missing

    def __init__(self, *args, sections: Sequence[Section], clinicians: Sequence[Membership] = (),
                 client: Client | None = None, autofocus: bool = False, **kwargs):
        if client is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(client, sections)
        super().__init__(*args, **kwargs)
        self.sections = list(sections)
        for section in self.sections:
            for name in section.builtin:
                self.fields[name] = builtin_form_field(name, clinicians=clinicians)
            for definition in section.custom:
                self.fields[custom_input_name(definition)] = custom_form_field(definition)
        if autofocus and self.fields:
            first = next(iter(self.fields.values()))
            if not isinstance(first.widget, forms.CheckboxSelectMultiple):
                first.widget.attrs["autofocus"] = ""

    def grouped(self) -> list[tuple[Section, list[forms.BoundField]]]:
        """The bound fields by section, for a form of several sections ("+ New client")."""
        groups = []
        for section in self.sections:
            names = [*section.builtin, *(custom_input_name(d) for d in section.custom)]
            if names:
                groups.append((section, [self[name] for name in names]))
        return groups

    def service_input(self) -> dict[str, Any]:
        """`values`, `custom` and — when the care team is in the form — `clinician_ids` and `tag_names`:
        exactly the fields of this form, so saving one section never touches another."""
        data = self.cleaned_data
        values = {name: data.get(name) for section in self.sections for name in section.builtin
                  if name not in CARE_FIELDS}
        custom = {d.key: data.get(custom_input_name(d)) for section in self.sections for d in section.custom}
        result: dict[str, Any] = {"values": values, "custom": custom}
        if "clinicians" in self.fields:
            # Not a number: an id that matches no member, so the service refuses it with its own message.
            result["clinician_ids"] = [int(v) if v.isdigit() else 0 for v in data.get("clinicians") or []]
        if "tags" in self.fields:
            result["tag_names"] = [name for name in (data.get("tags") or "").split(",") if name.strip()]
        return result


def initial_for(client: Client, sections: Iterable[Section]) -> dict[str, Any]:
    """The client's current values as the inputs show them (uses the prefetched care team)."""
    initial: dict[str, Any] = {}
    for section in sections:
        for name in section.builtin:
            if name == "clinicians":
                initial[name] = [str(m.pk) for m in client.clinicians.all()]
            elif name == "tags":
                initial[name] = ", ".join(t.name for t in client.tags.all())
            elif name == "phone":
                initial[name] = display.phone(client.phone)
            else:
                initial[name] = getattr(client, name)
        for definition in section.custom:
            initial[custom_input_name(definition)] = (client.custom or {}).get(definition.key)
    return initial


def client_form(*, access: Access, sections: Sequence[Section], data=None, client: Client | None = None,
                initial: dict[str, Any] | None = None, autofocus: bool = False) -> ClientForm:
    """The form of these sections for this member: new-client (all sections) or one section's Edit."""
    clinicians: Sequence[Membership] = ()
    if any("clinicians" in section.builtin for section in sections):
        clinicians = list(selectors.clinicians_list(workspace=access.workspace))
    kwargs: dict[str, Any] = {"sections": sections, "clinicians": clinicians, "client": client,
                              "autofocus": autofocus}
    if initial is not None:
        kwargs["initial"] = initial
    return ClientForm(data, **kwargs)


class BulkClientsForm(forms.Form):
    """The selection of a bulk cancel / restore on the client lists."""

    ids = IdListField()
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    return_to = forms.CharField(required=False, widget=forms.HiddenInput)


# --- defining custom fields (R-CLI-2): the "Client fields" settings page -------------------------------

BUILTIN_PLACE = "builtin:"
CUSTOM_PLACE = "custom:"


def place_choices(custom_sections: Iterable[CustomSection]) -> list[tuple[str, str]]:
    """Where a field can go: the built-in sections, then the live custom sections."""
    return [*((f"{BUILTIN_PLACE}{key}", str(label)) for key, label in BuiltinSection.choices),
            *((f"{CUSTOM_PLACE}{s.pk}", s.name) for s in custom_sections)]


def parse_place(raw: str | None) -> dict[str, Any]:
    """`builtin:personal` / `custom:12` → the services' `builtin_section` / `section_id` (anything else:
    an unknown built-in key, which the service refuses with its own message)."""
    raw = (raw or "").strip()
    if raw.startswith(CUSTOM_PLACE) and raw[len(CUSTOM_PLACE):].isdigit() and len(raw) < 30:
        return {"section_id": int(raw[len(CUSTOM_PLACE):]), "builtin_section": None}
    return {"section_id": None, "builtin_section": raw.removeprefix(BUILTIN_PLACE) or None}


class FieldDefinitionForm(forms.Form):
    """A custom field's definition; the services validate (labels, types, choices, sections)."""

    use_required_attribute = False

    label = TextInputField(label=_("Label"), required=True, widget=forms.TextInput(attrs={"maxlength": "100"}))
    field_type = TextInputField(label=_("Type"), required=True,
                                widget=forms.Select(choices=FieldType.choices))
    place = TextInputField(label=_("Section"), required=True, widget=forms.Select())
    choices = TextInputField(label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": "4"}),
                             help_text=_("For a select field: one choice per line."))
    help_text = TextInputField(label=_("Help text"), required=False,
                               widget=forms.TextInput(attrs={"maxlength": "200"}),
                               help_text=_("Shown below the input on the client form."))
    required = BooleanInputField(label=_("Required"), required=False)
    sensitive = BooleanInputField(label=_("Sensitive"), required=False,
                                  help_text=_("Only members who may see sensitive details see and fill it in."))

    def __init__(self, *args, custom_sections: Iterable[CustomSection] = (), editing: CustomField | None = None,
                 **kwargs):
        if editing is not None and "initial" not in kwargs:
            kwargs["initial"] = {"label": editing.label, "field_type": editing.field_type,
                                 "choices": "\n".join(editing.choices or []), "help_text": editing.help_text,
                                 "required": editing.required, "sensitive": editing.sensitive}
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            del self.fields["place"]  # a field moves between sections by drag and drop / the API
        else:
            self.fields["place"].widget.choices = place_choices(custom_sections)
        self.fields["choices"].widget.attrs["aria-describedby"] = "id_choices_helptext"

    def service_input(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {"label": data.get("label") or "", "field_type": data.get("field_type") or "",
                                  "choices": data.get("choices") or "", "help_text": data.get("help_text") or "",
                                  "required": bool(data.get("required")), "sensitive": bool(data.get("sensitive"))}
        if self.editing is None:
            result.update(parse_place(data.get("place")))
        return result


class SectionNameForm(forms.Form):
    use_required_attribute = False

    name = TextInputField(label=_("Section name"), required=True, widget=forms.TextInput(attrs={"maxlength": "100"}))
