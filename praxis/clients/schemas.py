"""API schemas of client records (SPEC §13): input and output kept apart (STYLE, API).

Input fields are loosely typed on purpose: every value goes through `praxis.clients.fields` inside the
services, so the API refuses bad input with the same code and message as the form and the import
(`{"detail", "code", "field"}`, `field` = `custom.<key>` for a custom field).

What a member receives is the policy's answer: `national_id` and sensitive custom values are absent —
the key is missing, not null — without `clients.sensitive` (R-ROLE-3). The detail is built as a dict by
`client_detail()` and answered with `exclude_unset`, so a key never set is never sent.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ninja import Schema
from pydantic import BaseModel, Field

from . import policies, selectors

if TYPE_CHECKING:
    from praxis.workspaces.access import Access

    from .models import Client

Status = Literal["active", "cancelled"]


class ClientOut(BaseModel):
    """A client in a list: name, date of birth, contact details, status, care team (the columns read for
    it: `LIST_COLUMNS`). Answered from the dicts of `client_row` — a plain pydantic model, not a ninja
    `Schema`: validating a page of 50 dicts costs a quarter of reading 50 model instances attribute by
    attribute through ninja's getter (0.26 against 1.1 ms per page, issue 7 search speed)."""

    id: int
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: dt.date | None
    email: str
    phone: str = Field(description="E.164, e.g. +31612345678")
    status: str
    clinicians: list[int] = Field(description="Membership ids of the assigned clinicians")
    tags: list[str]

    LIST_COLUMNS: ClassVar[tuple[str, ...]] = (
        "id", "workspace_id", "first_name", "last_name", "preferred_name", "date_of_birth", "email", "phone", "status")


def client_rows(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """API list rows (`ClientOut`) from the `LIST_COLUMNS` values of a page of clients (`.values()`: no
    model instance is built), each completed with its care team's membership ids and its tag names —
    one query for the page (`selectors.teams_and_tags`)."""
    team, tags = selectors.teams_and_tags([row["id"] for row in values])
    return [{**row, "clinicians": [member.pk for member in team[row["id"]]],
             "tags": [tag.name for tag in tags[row["id"]]]} for row in values]


class ClientPage(BaseModel):
    count: int
    page: int
    page_size: int
    items: list[ClientOut]


class ClientDetailOut(ClientOut):
    """One client record. `national_id` is only present for members with `clients.sensitive`;
    `custom` holds only the custom values the member may see (keyed by field key)."""

    gender: str
    language: str
    street: str
    postal_code: str
    city: str
    country: str
    national_id: str | None = Field(None, description="Only with clients.sensitive; otherwise absent")
    custom: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    cancelled_at: dt.datetime | None


def client_detail(access: Access, client: Client) -> dict[str, Any]:
    """The record as this member may receive it: the built-in fields of `policies.visible_builtin_fields`
    and the custom values of `policies.visible_custom_values` — nothing else is put in."""
    data: dict[str, Any] = {name: getattr(client, name) for name in policies.visible_builtin_fields(access)}
    data.update(
        id=client.pk, status=client.status, created_at=client.created_at, updated_at=client.updated_at,
        cancelled_at=client.cancelled_at,
        clinicians=[m.pk for m in client.clinicians.all()], tags=[t.name for t in client.tags.all()],
        custom=policies.visible_custom_values(access, client, selectors.live_fields(workspace=access.workspace)),
    )
    return data


class ClientIn(Schema):
    """A new client, or (PATCH) the fields to change — only the fields sent are written."""

    first_name: str | None = None
    last_name: str | None = None
    preferred_name: str | None = None
    date_of_birth: str | None = Field(None, description="dd-mm-yyyy or yyyy-mm-dd; not in the future")
    gender: str | None = None
    email: str | None = None
    phone: str | None = Field(None, description="Any notation; stored E.164, read against the workspace country")
    language: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    national_id: str | None = Field(None, description="Only with clients.sensitive (403 otherwise)")
    custom: dict[str, Any] | None = Field(None, description="Custom values by field key")
    clinicians: list[int] | None = Field(None, description="Membership ids of the assigned clinicians")
    tags: list[str] | None = Field(None, description="Tag names; missing tags are created")

    def service_kwargs(self) -> dict[str, Any]:
        """`values`, `custom`, `clinician_ids`, `tag_names` of the fields sent (None: not sent)."""
        sent = self.model_dump(exclude_unset=True)
        custom = sent.pop("custom", None)
        clinicians = sent.pop("clinicians", None)
        tags = sent.pop("tags", None)
        return {"values": sent, "custom": custom, "clinician_ids": clinicians, "tag_names": tags}


class ClientIdsIn(Schema):
    ids: list[int] = Field(min_length=1, max_length=500)


# --- custom fields and sections (R-CLI-2) ---------------------------------------------------------------

FieldTypeName = Literal["text", "long_text", "number", "date", "single_select", "multi_select", "checkbox",
                        "email", "phone"]
SectionKey = Literal["personal", "contact", "address", "care"]


class CustomFieldOut(Schema):
    """A custom client field. Values are in a client's `custom`, keyed by `key` (never reused)."""

    id: int
    key: str
    label: str
    field_type: str
    section_id: int | None = Field(description="The custom section, or null for a built-in section")
    builtin_section: str = Field(description="personal, contact, address or care; empty in a custom section")
    required: bool
    sensitive: bool
    choices: list[str]
    help_text: str
    position: int
    retired: bool

    @staticmethod
    def resolve_retired(obj) -> bool:
        return obj.retired_at is not None


class CustomFieldList(Schema):
    items: list[CustomFieldOut]


class CustomFieldIn(Schema):
    """A new field: in a custom section (`section_id`) or a built-in one (`builtin_section`)."""

    label: str
    field_type: str = Field(description="text, long_text, number, date, single_select, multi_select, checkbox, "
                                        "email or phone")
    section_id: int | None = None
    builtin_section: str | None = None
    required: bool = False
    sensitive: bool = False
    choices: list[str] | None = Field(None, description="Required for single_select and multi_select")
    help_text: str = ""


class CustomFieldPatch(Schema):
    """Only the fields sent change; the type only while no client has a value for the field."""

    label: str | None = None
    field_type: str | None = None
    required: bool | None = None
    sensitive: bool | None = None
    choices: list[str] | None = None
    help_text: str | None = None


class FieldMoveIn(Schema):
    """`direction` one step, or `position` (0-based) — in another section when one is named."""

    direction: Literal["up", "down"] | None = None
    position: int | None = Field(None, ge=0, le=10000)
    section_id: int | None = None
    builtin_section: str | None = None


class CustomSectionOut(Schema):
    id: int
    name: str
    position: int
    retired: bool

    @staticmethod
    def resolve_retired(obj) -> bool:
        return obj.retired_at is not None


class CustomSectionList(Schema):
    items: list[CustomSectionOut]


class CustomSectionIn(Schema):
    name: str


class SectionMoveIn(Schema):
    direction: Literal["up", "down"] | None = None
    position: int | None = Field(None, ge=0, le=10000)
