"""Checking and writing an import: validation, duplicates, the report, the one transaction (R-CLI-9).

`Checker` reads the file once: each mapped cell goes through the validators every other write path uses
(`services.clean_values` for built-in fields, `fields.clean_custom_value` for custom ones), so a bad value
gets the message the form and the API give. Valid rows are checked for duplicates — against the
workspace's clients and the file's earlier rows, by e-mail or by first name + last name + date of birth
(compared normalised). The dry run (`run`) keeps only the report; the commit (`stream`) also gets each
importable row as it is checked, already cleaned (with the custom values as JSON text and the search text
every write path stores, R-CLI-8), so the write step neither parses, validates nor computes again, and
takes them in batches while the file is still being read: memory stays flat.

The report has the shape of the command's `--json` output:
`{"rows", "importable", "imported", "invalid": [{"line", "column", "reason"}],
  "duplicates": [{"line", "duplicate_of_line", "duplicate_of_client", "by"}]}` — `rows` counts non-blank data
rows, `importable` valid rows that are not duplicates of an earlier one (the first occurrence is kept).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from praxis.core.errors import ServiceError

from .. import fields, search, services
from ..fields import FieldType
from ..models import Client, CustomField
from .mapping import FULL_NAME, split_full_name
from .reading import Table

# The Client columns a cleaned row fills, in order (after the line number).
ROW_FIELDS = ("first_name", "last_name", "preferred_name", "date_of_birth", "gender", "email", "phone",
              "street", "postal_code", "city", "country", "national_id", "language")


@dataclass
class Report:
    rows: int = 0
    importable: int = 0
    imported: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "importable": self.importable, "imported": self.imported,
                "invalid": self.invalid, "duplicates": self.duplicates}


@dataclass
class Plan:
    """What a mapping means for one table: per column index, its header and target."""

    columns: list[tuple[int, str, str]]  # (index, header, target)
    custom: dict[str, CustomField]

    @classmethod
    def build(cls, header: Sequence[str], mapping: Mapping[str, str], definitions: Sequence[CustomField]) -> Plan:
        by_key = {d.key: d for d in definitions}
        columns, seen = [], set()
        for index, name in enumerate(header):
            target = mapping.get(name, "")
            if target and name not in seen:
                columns.append((index, name, target))
            seen.add(name)
        custom = {target[7:]: by_key[target[7:]] for _i, _n, target in columns if target.startswith("custom.")}
        return cls(columns=columns, custom=custom)


def name_key(first: str, last: str, born: dt.date) -> str:
    """The duplicate key of normalised first and last names and a date of birth, as one string (a third of
    the memory of a tuple of three, for the file's rows and the workspace's clients: R-CLI-9's 300 000
    rows in flat memory): the first name's length in front, so no two different triples share a key."""
    return f"{len(first)}:{first}{last}{born.isoformat()}"


def existing_keys(*, workspace) -> tuple[dict[str, int], dict[str, int]]:
    """The workspace's clients (any status) by e-mail and by `name_key` (normalised name + date of birth)."""
    by_email: dict[str, int] = {}
    by_name: dict[str, int] = {}
    rows = (Client.objects.filter(workspace=workspace).order_by("pk")
            .values_list("pk", "email", "first_name", "last_name", "date_of_birth"))
    for pk, email, first, last, born in rows.iterator(chunk_size=5000):
        if email:
            by_email.setdefault(email, pk)
        if born:
            by_name.setdefault(name_key(search.normalise(first), search.normalise(last), born), pk)
    return by_email, by_name


class _Memo:
    """The cleaned value (or the refusal) of each distinct raw cell of one column, so a value repeated
    down a file (a city, a gender, an insurer, a date of birth) is validated once. The rule itself stays
    in `services.clean_values` / `fields` — this only remembers its answers for the length of one run
    (validators depend on the cell, the column's field and the workspace country, all fixed here; the
    date of birth on today, fixed for a run too). A column whose values hardly repeat (names, e-mail
    addresses, phone numbers) stops being memoised after `PROBE` cells, so it costs no memory; the date of
birth, which repeats less at first but has few possible values, always is."""

    PROBE = 4096
    LIMIT = 50_000

    __slots__ = ("values", "hits", "lookups", "active", "bounded")

    def __init__(self, *, bounded: bool = False) -> None:
        self.values: dict[Any, tuple[bool, Any]] = {}
        self.hits = self.lookups = 0
        self.active = True
        self.bounded = bounded  # a column of few possible values (dates of birth: ~40 000): always kept

    def settle(self) -> None:
        if not self.bounded and self.lookups == self.PROBE and self.hits * 4 < self.lookups:
            self.active = False
            self.values.clear()


def _cleaner(target: str, *, country: str, custom: dict[str, CustomField]) -> Callable[[Any], Any]:
    """The rule of one column, bound once per run: raw cell → cleaned value (raises `ServiceError`).

    Always the one definition of the field's rule: `services.clean_values` for a full name and for a
    name it refuses, `fields.clean_custom_value` for a custom field, and for a built-in field the
    `fields.clean_builtin` that `clean_values` calls for each known name — called straight, to spare each
    cell a one-key dict in and out (`test_import.py::test_column_cleaners_answer_as_clean_values`)."""
    if target == FULL_NAME:
        def clean(raw: Any) -> Any:
            first, last = split_full_name(raw)
            return services.clean_values({"first_name": first, "last_name": last}, country=country)
        return clean
    if target.startswith("custom."):
        definition, clean_custom = custom[target[7:]], fields.clean_custom_value
        return lambda raw: clean_custom(definition, raw, country=country)
    if target not in fields.BUILTIN_FIELDS:  # refused by `clean_values`, with its message
        return lambda raw: services.clean_values({target: raw}, country=country)[target]
    clean_builtin, date_types = fields.clean_builtin, (dt.datetime, dt.date)
    if target == "date_of_birth":
        return lambda raw: clean_builtin(target, raw, country=country)

    def clean_builtin_cell(raw: Any) -> Any:
        if isinstance(raw, date_types):  # an XLSX date cell in a text column: its date as text
            raw = raw.isoformat()[:10]
        return clean_builtin(target, raw, country=country)
    return clean_builtin_cell


# What a cleaned cell fills: a built-in field, the first and last name (a full name), a custom value.
_BUILTIN, _NAMES, _CUSTOM = 0, 1, 2


@dataclass(slots=True)
class _Column:
    """One mapped column of a run: where its cells are, its rule, what it fills, its memo (dropped once
    the column's values prove not to repeat)."""

    index: int
    name: str
    clean: Callable[[Any], Any]
    fills: int
    key: str  # the built-in field or the custom field's key
    keep_empty: bool  # a checkbox: False is stored too
    memo: _Memo | None


def _columns(plan: Plan, *, country: str, memoise: bool = True) -> list[_Column]:
    columns: list[_Column] = []
    for index, name, target in plan.columns:
        clean = _cleaner(target, country=country, custom=plan.custom)
        memo = _Memo(bounded=target == "date_of_birth") if memoise and target != FULL_NAME else None
        if target == FULL_NAME:
            columns.append(_Column(index, name, clean, _NAMES, target, False, memo))
        elif target.startswith("custom."):
            definition = plan.custom[target[7:]]
            columns.append(_Column(index, name, clean, _CUSTOM, definition.key,
                                   definition.field_type == FieldType.CHECKBOX, memo))
        else:
            columns.append(_Column(index, name, clean, _BUILTIN, target, False, memo))
    return columns


def _clean_row(columns: list[_Column],
               cells: list[Any]) -> tuple[dict[str, Any], dict[str, Any], list[tuple[str, str]]]:
    """(built-in values, custom values, [(column, reason)]) of one row."""
    values: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    width = len(cells)
    is_empty = fields.is_empty
    for column in columns:
        raw = cells[column.index] if column.index < width else ""
        if raw is None:
            raw = ""
        cleaned: Any
        memo = column.memo
        if memo is not None:
            key = raw if raw.__class__ is str else (raw.__class__, raw)  # 1, 1.0, True and "1" apart
            memo.lookups += 1
            found = memo.values.get(key)
            if found is None:
                try:
                    found = (True, column.clean(raw))
                except ServiceError as exc:
                    found = (False, exc.message)
                if len(memo.values) < memo.LIMIT:
                    memo.values[key] = found
            else:
                memo.hits += 1
            if memo.lookups == memo.PROBE:
                memo.settle()
                if not memo.active:
                    column.memo = None
            ok, cleaned = found
            if not ok:
                errors.append((column.name, cleaned))
                continue
        else:
            try:
                cleaned = column.clean(raw)
            except ServiceError as exc:
                errors.append((column.name, exc.message))
                continue
        if column.fills == _BUILTIN:
            values[column.key] = cleaned
        elif column.fills == _CUSTOM:
            if column.keep_empty or not is_empty(cleaned):
                custom[column.key] = cleaned
        else:
            values.update(cleaned)
    return values, custom, errors


class Checker:
    """One pass over a table: the report (`run`, the dry run), or the report and the cleaned rows
    (`stream`, the commit)."""

    def __init__(self, *, workspace, table: Table, mapping: Mapping[str, str],
                 definitions: Sequence[CustomField], on_progress: Callable[[int], None] | None = None):
        self.workspace = workspace
        self.table = table
        self.plan = Plan.build(table.header, mapping, definitions)
        self.on_progress = on_progress

    def run(self) -> Report:
        """The dry run: the report alone."""
        report = Report()
        for _row in self._pass(report, existing_keys(workspace=self.workspace), rows=False):
            pass
        return report

    def stream(self, report: Report) -> Iterator[tuple]:
        """The importable rows, cleaned, in the file's order, as they are checked (`ROW_FIELDS` after
        the line number, the date of birth as its ordinal, the custom values as JSON text, the search
        text); `report` is filled in as the rows go by and complete when the iterator is exhausted.
        The workspace's clients are read here, at once: iterating queries nothing, so another thread
        may do it (the commit's, `services._checked_in_batches`)."""
        return self._pass(report, existing_keys(workspace=self.workspace), rows=True)

    def _pass(self, report: Report, keys: tuple[dict[str, int], dict[str, int]], *,
              rows: bool) -> Iterator[tuple]:
        started = time.perf_counter()
        country = self.workspace.country or "NL"
        by_email, by_name = keys
        file_email: dict[str, int] = {}
        file_name: dict[str, int] = {}
        dumps, text_of, normalise = json.dumps, search.search_text_of_normalised, search.normalise
        columns = _columns(self.plan, country=country)
        empty = ("",) * len(ROW_FIELDS)
        for line, cells in self.table.rows():
            report.rows += 1
            if self.on_progress and report.rows % 2000 == 0:
                self.on_progress(report.rows)
            values, custom, errors = _clean_row(columns, cells)
            if errors:
                report.invalid += [{"line": line, "column": column, "reason": reason} for column, reason in errors]
                continue
            email = values.get("email") or ""
            born = values.get("date_of_birth")
            first = last = ""
            if born or rows:  # the duplicate key and the search text share the normalised names
                first, last = normalise(values["first_name"]), normalise(values["last_name"])
            key = name_key(first, last, born) if born else None
            duplicate = None
            if email and email in by_email:
                duplicate = {"line": line, "duplicate_of_line": None, "duplicate_of_client": by_email[email],
                             "by": "email"}
            elif email and email in file_email:
                duplicate = {"line": line, "duplicate_of_line": file_email[email], "duplicate_of_client": None,
                             "by": "email"}
            elif key and key in by_name:
                duplicate = {"line": line, "duplicate_of_line": None, "duplicate_of_client": by_name[key],
                             "by": "name_dob"}
            elif key and key in file_name:
                duplicate = {"line": line, "duplicate_of_line": file_name[key], "duplicate_of_client": None,
                             "by": "name_dob"}
            if duplicate:
                report.duplicates.append(duplicate)
                continue
            if email:
                file_email[email] = line
            if key:
                file_name[key] = line
            report.importable += 1
            if rows:
                row = [line, *map(values.get, ROW_FIELDS, empty)]
                row[4] = born.toordinal() if born else None  # date_of_birth (index 4: line is 0)
                row.append(dumps(custom))
                preferred = row[3]
                row.append(text_of(names=(first, last, normalise(preferred) if preferred else ""), email=row[6],
                                   phone=row[7], date_of_birth=born))
                yield tuple(row)
        report.timings["check"] = time.perf_counter() - started

