"""Writes of custom client fields and sections (R-CLI-2). Keyword-only, typed, one transaction each, one
audit entry each (R-AUD-1); the settings page "Client fields" and the API only call these.

Rules kept here, whatever the path:
- Defining, ordering, retiring and restoring is `workspace.edit` (`policies.may_edit_fields`).
- A field's `key` is made once from its label (a slug, `_` for spaces), unique per workspace among
  *all* fields ever made — retired ones included — so a key is never reused and an old value in
  `Client.custom` can never be read as a new field's value.
- Labels are unique (case-insensitively) among the live fields, section names among the live sections
  and the built-in section titles.
- Select types need at least one choice; a choice that clients have chosen cannot be taken away, and a
  field's type cannot change once a client has a value for it (the value would no longer be valid).
- Retiring keeps every value in `Client.custom`; a retired field is not shown and not validated on any
  form, the API or the import (`selectors.live_fields`). Restoring shows the values again. Retiring a
  section hides its fields with it; restoring the section brings them back.
- Concurrency: every write locks the workspace row first, so checks and renumbering never race.
- Positions: fields are ordered within their section, custom sections among themselves (the built-in
  sections always come first, in their fixed order). Moves renumber 0..n so the order stays dense.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.errors import NotFound, ServiceError
from praxis.core.transactions import service_transaction
from praxis.workspaces.models import Workspace
from praxis.workspaces.roles import WORKSPACE_EDIT

from . import fields
from .models import BuiltinSection, Client, CustomField, CustomSection, FieldType

if TYPE_CHECKING:
    from praxis.workspaces.access import Access

Direction = Literal["up", "down"]
SELECT_TYPES = frozenset({FieldType.SINGLE_SELECT, FieldType.MULTI_SELECT})
MAX_CHOICES = 100
KEY_LENGTH = 56  # room for a "_NN" suffix within the 64 of the column


# --- helpers ------------------------------------------------------------------------------------------


def _require(access: Access, code: str) -> None:
    """The capability, then the workspace row locked: label and key checks, positions and renumbering are
    read-then-write, so two editors of one workspace take turns (no check-then-act; on SQLite the
    IMMEDIATE transaction serialises writers already)."""
    access.require(WORKSPACE_EDIT, code=code)
    Workspace.objects.select_for_update().filter(pk=access.workspace.pk).values_list("pk", flat=True).first()


def _audit(access: Access, *, code: str, action: str, obj, data: dict[str, Any]) -> None:
    # Names of the definition only (labels and keys are not client data).
    audit.record(code=code, action=action, actor=access.user, workspace=access.workspace, obj=obj,
                 role=access.membership.role, permission=WORKSPACE_EDIT, data=data)


def _field(access: Access, field_id: int) -> CustomField:
    found = (CustomField.objects.filter(workspace=access.workspace, pk=field_id).select_related("section")
             .first())
    if found is None:
        raise NotFound("not_found", "Not found.")
    return found


def _section(access: Access, section_id: int) -> CustomSection:
    found = CustomSection.objects.filter(workspace=access.workspace, pk=section_id).first()
    if found is None:
        raise NotFound("not_found", "Not found.")
    return found


def clean_label(raw: Any, *, field: str = "label", limit: int = 100) -> str:
    value = " ".join(fields.clean_line(raw, field=field, limit=limit).split())
    if not value:
        raise ServiceError("required", _("This field is required."), field=field)
    return value


def clean_field_type(raw: Any) -> str:
    value = fields.clean_choice(raw, field="field_type", choices=FieldType.values)
    if not value:
        raise ServiceError("required", _("This field is required."), field="field_type")
    return value


def clean_choices(raw: Any, *, field_type: str) -> list[str]:
    """The options of a select field: one per line (a form) or a list (the API); trimmed, no empty or
    repeated ones (case-insensitively), at least one for a select type, none for other types."""
    if field_type not in SELECT_TYPES:
        return []
    if raw is None:
        items: list[Any] = []
    elif isinstance(raw, str):
        items = raw.splitlines()
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        raise ServiceError("invalid", _("Enter one choice per line."), field="choices")
    choices: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise ServiceError("invalid", _("Enter one choice per line."), field="choices")
        text = fields.clean_line(item, field="choices", limit=100)
        text = " ".join(text.split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            choices.append(text)
    if not choices:
        raise ServiceError("choices_missing", _("A select field needs at least one choice, one per line."),
                           field="choices")
    if len(choices) > MAX_CHOICES:
        raise ServiceError("too_many_choices", _("At most %(limit)d choices.") % {"limit": MAX_CHOICES},
                           field="choices")
    return choices


def key_for(*, workspace, label: str) -> str:
    """A new key from the label: `Naam huisarts` → `naam_huisarts`; `_2`, `_3`… when it was ever used in
    this workspace (retired fields included: a key is never reused) or is a built-in field's name."""
    base = slugify(label).replace("-", "_")[:KEY_LENGTH].strip("_") or "field"
    if base[0].isdigit():
        base = f"f_{base}"[:KEY_LENGTH]
    taken = set(CustomField.objects.filter(workspace=workspace, key__startswith=base)
                .values_list("key", flat=True)) | set(fields.BUILTIN_FIELDS)
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def _as_raw(choices: Iterable[str] | str | None) -> Any:
    if choices is None or isinstance(choices, str | list | tuple):
        return choices
    return list(choices)


def _live_fields(workspace):
    """Fields in use: not retired, and not in a retired section (those are hidden with it)."""
    return CustomField.objects.filter(workspace=workspace, retired_at__isnull=True).filter(
        Q(section__isnull=True) | Q(section__retired_at__isnull=True))


def _check_label_free(access: Access, label: str, *, except_id: int | None = None) -> None:
    live = _live_fields(access.workspace)
    if except_id is not None:
        live = live.exclude(pk=except_id)
    if any(other.casefold() == label.casefold() for other in live.values_list("label", flat=True)):
        raise ServiceError("duplicate_label", _("There is already a field “%(label)s”.") % {"label": label},
                           field="label")


def _check_name_free(access: Access, name: str, *, except_id: int | None = None) -> None:
    taken = [str(choice.label) for choice in BuiltinSection]
    live = CustomSection.objects.filter(workspace=access.workspace, retired_at__isnull=True)
    if except_id is not None:
        live = live.exclude(pk=except_id)
    taken += list(live.values_list("name", flat=True))
    if any(other.casefold() == name.casefold() for other in taken):
        raise ServiceError("duplicate_name", _("There is already a section “%(name)s”.") % {"name": name},
                           field="name")


def _placement(access: Access, *, section_id: int | None, builtin_section: str | None
               ) -> tuple[CustomSection | None, str]:
    """Exactly one of a live custom section (by id) or a built-in section (by key)."""
    if section_id is not None and builtin_section:
        raise ServiceError("invalid_section", _("Choose one section."), field="section")
    if section_id is not None:
        # Another workspace's section answers like a missing one (R-ROLE-4); a retired one is refused.
        section = _section(access, section_id)
        if section.retired_at is not None:
            raise ServiceError("invalid_section", _("That section is retired; restore it first."), field="section")
        return section, ""
    if builtin_section in BuiltinSection.values:
        return None, str(builtin_section)
    if builtin_section:
        raise ServiceError("invalid_section", _("Choose a section of this workspace."), field="section")
    raise ServiceError("required", _("Choose a section."), field="section")


def _siblings(workspace, *, section_id: int | None, builtin_section: str) -> list[CustomField]:
    """The live fields of one section, in order."""
    rows = CustomField.objects.filter(workspace=workspace, retired_at__isnull=True)
    rows = rows.filter(section_id=section_id) if section_id else rows.filter(builtin_section=builtin_section)
    return list(rows.order_by("position", "id"))


def _renumber(rows: Sequence[CustomField | CustomSection]) -> None:
    changed_fields: list[CustomField] = []
    changed_sections: list[CustomSection] = []
    for n, row in enumerate(rows):
        if row.position != n:
            row.position = n
            if isinstance(row, CustomField):
                changed_fields.append(row)
            else:
                changed_sections.append(row)
    if changed_fields:
        CustomField.objects.bulk_update(changed_fields, ["position"])
    if changed_sections:
        CustomSection.objects.bulk_update(changed_sections, ["position"])


def _place(rows: list, item, *, direction: Direction | None, position: int | None) -> list:
    """`rows` with `item` moved one step up/down, or to index `position` (clamped)."""
    others = [row for row in rows if row.pk != item.pk]
    current = next((n for n, row in enumerate(rows) if row.pk == item.pk), len(others))
    if direction == "up":
        target = current - 1
    elif direction == "down":
        target = current + 1
    elif position is not None:
        target = position
    else:
        raise ServiceError("invalid_move", _("Say where to move it: up, down or a position."), field="direction")
    others.insert(max(0, min(target, len(others))), item)
    return others


def values_in_use(*, workspace, key: str) -> list[Any]:
    """The non-empty stored values of one custom field, one per client that has one."""
    found = []
    rows = Client.objects.filter(workspace=workspace, custom__has_key=key).values_list("custom", flat=True)
    for custom in rows.iterator(chunk_size=2000):
        value = (custom or {}).get(key)
        if not fields.is_empty(value):
            found.append(value)
    return found


def _check_choices_kept(access: Access, definition: CustomField, choices: list[str]) -> None:
    removed = {c for c in definition.choices or []} - set(choices)
    if not removed:
        return
    for value in values_in_use(workspace=access.workspace, key=definition.key):
        chosen = set(value) if isinstance(value, list) else {value}
        in_use = sorted(chosen & removed)
        if in_use:
            raise ServiceError("choice_in_use",
                               _("Clients have chosen “%(choice)s”; it cannot be removed.") % {"choice": in_use[0]},
                               field="choices")


# --- fields -------------------------------------------------------------------------------------------


@service_transaction
def field_create(*, access: Access, label: str, field_type: str, section_id: int | None = None,
                 builtin_section: str | None = None, required: bool = False, sensitive: bool = False,
                 choices: Iterable[str] | str | None = None, help_text: str = "") -> CustomField:
    """A new custom field at the end of its section (R-CLI-2)."""
    _require(access, "custom_field.created")
    label = clean_label(label)
    kind = clean_field_type(field_type)
    cleaned_choices = clean_choices(_as_raw(choices), field_type=kind)
    help_value = fields.clean_line(help_text, field="help_text", limit=200)
    section, builtin = _placement(access, section_id=section_id, builtin_section=builtin_section)
    _check_label_free(access, label)
    siblings = _siblings(access.workspace, section_id=section.pk if section else None, builtin_section=builtin)
    definition = CustomField.objects.create(
        workspace=access.workspace, key=key_for(workspace=access.workspace, label=label), label=label,
        field_type=kind, section=section, builtin_section=builtin, required=bool(required),
        sensitive=bool(sensitive), choices=cleaned_choices, help_text=help_value, position=len(siblings))
    _audit(access, code="custom_field.created", action="create", obj=definition,
           data={"key": definition.key, "label": label, "type": kind})
    return definition


@service_transaction
def field_update(*, access: Access, field_id: int, label: str | None = None, field_type: str | None = None,
                 required: bool | None = None, sensitive: bool | None = None,
                 choices: Iterable[str] | str | None = None, help_text: str | None = None) -> CustomField:
    """Change what is given (None: unchanged). The key never changes. The type only while no client has a
    value for the field; a choice only while no client has chosen it."""
    _require(access, "custom_field.updated")
    definition = _field(access, field_id)
    changed: list[str] = []
    if label is not None:
        new_label = clean_label(label)
        if new_label != definition.label:
            _check_label_free(access, new_label, except_id=definition.pk)
            definition.label = new_label
            changed.append("label")
    if field_type is not None:
        kind = clean_field_type(field_type)
        if kind != definition.field_type:
            in_use = len(values_in_use(workspace=access.workspace, key=definition.key))
            if in_use:
                raise ServiceError(
                    "type_in_use",
                    ngettext("%(count)d client has a value for this field, so its type cannot change. Retire "
                             "it and add a new field instead.",
                             "%(count)d clients have a value for this field, so its type cannot change. "
                             "Retire it and add a new field instead.", in_use) % {"count": in_use},
                    field="field_type")
            definition.field_type = kind
            changed.append("field_type")
    if choices is not None or "field_type" in changed:
        raw = choices if choices is not None else definition.choices
        new_choices = clean_choices(_as_raw(raw), field_type=definition.field_type)
        if new_choices != definition.choices:
            _check_choices_kept(access, definition, new_choices)
            definition.choices = new_choices
            changed.append("choices")
    if help_text is not None:
        new_help = fields.clean_line(help_text, field="help_text", limit=200)
        if new_help != definition.help_text:
            definition.help_text = new_help
            changed.append("help_text")
    for name, value in (("required", required), ("sensitive", sensitive)):
        if value is not None and bool(value) != getattr(definition, name):
            setattr(definition, name, bool(value))
            changed.append(name)
    if changed:
        definition.save()
        _audit(access, code="custom_field.updated", action="update", obj=definition,
               data={"key": definition.key, "fields": changed})
    return definition


@service_transaction
def field_move(*, access: Access, field_id: int, direction: Direction | None = None, position: int | None = None,
               section_id: int | None = None, builtin_section: str | None = None) -> CustomField:
    """One step up or down within its section, or (drag and drop) to `position` — in another section when
    `section_id` / `builtin_section` names one."""
    _require(access, "custom_field.moved")
    definition = _field(access, field_id)
    if definition.is_retired:
        raise ServiceError("retired", _("Restore the field before moving it."), field="direction")
    before = (definition.section_id, definition.builtin_section, definition.position)
    if section_id is not None or builtin_section:
        section, builtin = _placement(access, section_id=section_id, builtin_section=builtin_section)
        if (section.pk if section else None, builtin) != (definition.section_id, definition.builtin_section):
            old = _siblings(access.workspace, section_id=definition.section_id,
                            builtin_section=definition.builtin_section)
            _renumber([row for row in old if row.pk != definition.pk])
            definition.section, definition.builtin_section = section, builtin
            definition.position = 10**6  # at the end until placed
            definition.save(update_fields=["section", "builtin_section", "position"])
            if position is None and direction is None:
                position = 10**6
    rows = _siblings(access.workspace, section_id=definition.section_id, builtin_section=definition.builtin_section)
    definition = next(row for row in rows if row.pk == definition.pk)
    _renumber(_place(rows, definition, direction=direction, position=position))
    after = (definition.section_id, definition.builtin_section, definition.position)
    if after != before:
        _audit(access, code="custom_field.moved", action="update", obj=definition,
               data={"key": definition.key, "section": definition.builtin_section or definition.section_id,
                     "position": definition.position})
    return definition


@service_transaction
def field_retire(*, access: Access, field_id: int) -> CustomField:
    """Take a field out of use; every client's value stays in `Client.custom` (restorable)."""
    _require(access, "custom_field.retired")
    definition = _field(access, field_id)
    if not definition.is_retired:
        definition.retired_at = clock.now()
        definition.save(update_fields=["retired_at"])
        _renumber(_siblings(access.workspace, section_id=definition.section_id,
                            builtin_section=definition.builtin_section))
        _audit(access, code="custom_field.retired", action="update", obj=definition, data={"key": definition.key})
    return definition


@service_transaction
def field_restore(*, access: Access, field_id: int) -> CustomField:
    """Back in use at the end of its section, with the values clients had."""
    _require(access, "custom_field.restored")
    definition = _field(access, field_id)
    if not definition.is_retired:
        return definition
    if definition.section is not None and definition.section.retired_at is not None:
        raise ServiceError("section_retired",
                           _("Its section “%(name)s” is retired; restore the section first.")
                           % {"name": definition.section.name}, field="section")
    _check_label_free(access, definition.label, except_id=definition.pk)
    siblings = _siblings(access.workspace, section_id=definition.section_id,
                         builtin_section=definition.builtin_section)
    definition.retired_at = None
    definition.position = len(siblings)
    definition.save(update_fields=["retired_at", "position"])
    _audit(access, code="custom_field.restored", action="update", obj=definition, data={"key": definition.key})
    return definition


# --- sections -----------------------------------------------------------------------------------------


def _live_sections(workspace) -> list[CustomSection]:
    return list(CustomSection.objects.filter(workspace=workspace, retired_at__isnull=True).order_by("position", "id"))


@service_transaction
def section_create(*, access: Access, name: str) -> CustomSection:
    """A new custom section after the others (the built-in sections always come first)."""
    _require(access, "custom_section.created")
    name = clean_label(name, field="name")
    _check_name_free(access, name)
    section = CustomSection.objects.create(workspace=access.workspace, name=name,
                                           position=len(_live_sections(access.workspace)))
    _audit(access, code="custom_section.created", action="create", obj=section, data={"name": name})
    return section


@service_transaction
def section_rename(*, access: Access, section_id: int, name: str) -> CustomSection:
    _require(access, "custom_section.updated")
    section = _section(access, section_id)
    name = clean_label(name, field="name")
    if name != section.name:
        _check_name_free(access, name, except_id=section.pk)
        section.name = name
        section.save(update_fields=["name"])
        _audit(access, code="custom_section.updated", action="update", obj=section, data={"name": name})
    return section


@service_transaction
def section_move(*, access: Access, section_id: int, direction: Direction | None = None,
                 position: int | None = None) -> CustomSection:
    _require(access, "custom_section.moved")
    section = _section(access, section_id)
    if section.retired_at is not None:
        raise ServiceError("retired", _("Restore the section before moving it."), field="direction")
    rows = _live_sections(access.workspace)
    section = next(row for row in rows if row.pk == section.pk)
    before = section.position
    _renumber(_place(rows, section, direction=direction, position=position))
    if section.position != before:
        _audit(access, code="custom_section.moved", action="update", obj=section,
               data={"name": section.name, "position": section.position})
    return section


@service_transaction
def section_retire(*, access: Access, section_id: int) -> CustomSection:
    """Hide a section with its fields; values are kept and return when the section is restored."""
    _require(access, "custom_section.retired")
    section = _section(access, section_id)
    if section.retired_at is None:
        section.retired_at = clock.now()
        section.save(update_fields=["retired_at"])
        _renumber(_live_sections(access.workspace))
        _audit(access, code="custom_section.retired", action="update", obj=section, data={"name": section.name})
    return section


@service_transaction
def section_restore(*, access: Access, section_id: int) -> CustomSection:
    _require(access, "custom_section.restored")
    section = _section(access, section_id)
    if section.retired_at is None:
        return section
    _check_name_free(access, section.name, except_id=section.pk)
    live_labels = {label.casefold() for label in
                   _live_fields(access.workspace).exclude(section=section).values_list("label", flat=True)}
    clash = [f.label for f in section.fields.filter(retired_at__isnull=True) if f.label.casefold() in live_labels]
    if clash:
        raise ServiceError("duplicate_label", _("There is already a field “%(label)s”.") % {"label": clash[0]},
                           field="label")
    section.retired_at = None
    section.position = len(_live_sections(access.workspace))
    section.save(update_fields=["retired_at", "position"])
    _audit(access, code="custom_section.restored", action="update", obj=section, data={"name": section.name})
    return section
