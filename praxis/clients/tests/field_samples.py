"""Per custom-field type: a definition, valid inputs with the value they store, and invalid inputs with the
code and message every write path answers (R-CLI-2). Shared by the form/API tests
(`test_customfields.py`) and the import tests, so the three paths are held to the same samples.

`raw` values are what a form posts or a file cell holds (text); `api` values are what a JSON client sends.
Messages are the English source strings of `praxis.clients.fields` (tests run in English).
`SAMPLES` has one entry per `FieldType`, in its order; `test_customfields` fails when a type is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from praxis.clients.models import FieldType

COLOURS = ["Red", "Green", "Blue"]


@dataclass(frozen=True)
class Valid:
    raw: Any  # a form's posted value (a string, or a list of strings for a multi select) / a file cell
    api: Any  # the JSON value of the same input
    stored: Any  # what ends up in Client.custom[key]


@dataclass(frozen=True)
class Invalid:
    raw: Any
    api: Any
    code: str
    message: str


@dataclass(frozen=True)
class Sample:
    field_type: str
    label: str  # the field's label (its key is the slug: "huisarts", "sessies", …)
    valid: Valid
    invalid: Invalid
    definition: dict[str, Any] = field(default_factory=dict)  # extra `field_create` arguments

    @property
    def key(self) -> str:
        return self.label.lower().replace(" ", "_")

    @property
    def id(self) -> str:
        return self.field_type


SAMPLES: list[Sample] = [
    Sample(FieldType.TEXT, "Huisarts",
           Valid("  Dr. Jansen  ", "Dr. Jansen", "Dr. Jansen"),
           Invalid("A" * 501, "A" * 501, "too_long", "At most 500 characters.")),
    Sample(FieldType.LONG_TEXT, "Voorgeschiedenis",
           Valid("Eerste regel\nTweede regel", "Eerste regel\nTweede regel", "Eerste regel\nTweede regel"),
           Invalid("A" * 10001, "A" * 10001, "too_long", "At most 10000 characters.")),
    Sample(FieldType.NUMBER, "Sessies",
           Valid("72,5", "72.5", "72.5"),
           Invalid("twaalf", "twaalf", "invalid_number", "Enter a number.")),
    Sample(FieldType.DATE, "Verwezen op",
           Valid("03-04-2024", "2024-04-03", "2024-04-03"),
           Invalid("31-02-2024", "31-02-2024", "invalid_date", "Enter a valid date, e.g. 31-12-1980.")),
    Sample(FieldType.SINGLE_SELECT, "Kleur",
           Valid("Green", "green", "Green"),
           Invalid("Purple", "Purple", "invalid_choice", "Select a valid choice."),
           definition={"choices": COLOURS}),
    Sample(FieldType.MULTI_SELECT, "Kleuren",
           Valid(["Blue", "Red"], ["Blue", "Red"], ["Red", "Blue"]),  # stored in the definition's order
           Invalid(["Red", "Purple"], ["Red", "Purple"], "invalid_choice", "Select a valid choice."),
           definition={"choices": COLOURS}),
    # A form's checkbox only ever posts ticked or not: the invalid input every path shares is "not ticked"
    # on a required box (the API's `"maybe"` is covered by `test_checkbox_api_refuses_what_is_not_yes_or_no`).
    Sample(FieldType.CHECKBOX, "Toestemming",
           Valid("on", True, True),
           Invalid("", False, "required", "This box must be ticked."),
           definition={"required": True}),
    Sample(FieldType.EMAIL, "Mail verwijzer",
           Valid(" Verwijzer@Example.NL ", "Verwijzer@Example.NL", "verwijzer@example.nl"),
           Invalid("geen-adres", "geen-adres", "invalid_email", "Enter a valid e-mail address.")),
    Sample(FieldType.PHONE, "Telefoon verwijzer",
           Valid("06 12345678", "+31 6 1234 5678", "+31612345678"),
           Invalid("12", "12", "invalid_phone", "Enter a valid phone number, e.g. +31 6 12345678.")),
]


def file_cell(value: Any) -> str:
    """A sample's raw value as a CSV/XLSX cell holds it (a multi select as `a;b`, a checkbox as yes/no)."""
    if isinstance(value, list):
        return ";".join(value)
    if value == "on":
        return "yes"
    return value
