"""API schemas of the support portal: input and output kept apart (STYLE, API)."""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from praxis.core.validation import PlainText

Kind = Literal["question", "improvement", "bug"]
Status = Literal["new", "in_progress", "awaiting_customer", "resolved", "closed"]
View = Literal["mine", "open", "all"]


class CategoryOut(Schema):
    id: int
    code: str
    name: str = Field(description="In the caller's language")


class PersonOut(Schema):
    id: int
    name: str


class TicketOut(Schema):
    id: int
    reference: str = Field(description="T-000123")
    kind: Kind
    category: CategoryOut
    subject: str
    status: Status
    created_by: PersonOut | None
    created_at: dt.datetime
    updated_at: dt.datetime = Field(description="The thread's last public activity")
    resolved_at: dt.datetime | None


class TicketDetailOut(TicketOut):
    description: str
    steps: str
    page_url: str
    reopen_until: dt.datetime | None = Field(description="A resolved ticket can be reopened until then")


class TicketPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TicketOut]


class TicketIn(Schema):
    kind: Kind
    category: int | str = Field(description="A category's id or code (GET /support/categories)")
    subject: PlainText = Field(max_length=200)
    description: str = Field(max_length=20_000)
    steps: str = Field("", max_length=20_000, description="Required for a bug report")
    page_url: PlainText = Field("", max_length=500, description="Required for a bug report")


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    message: int | None
    created_at: dt.datetime


class TicketMessageOut(Schema):
    id: int
    author: PersonOut | None
    from_operator: bool
    body: str
    via_email: bool
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class MessageIn(Schema):
    body: str = Field(max_length=20_000)


class WatcherOut(Schema):
    id: int
    membership: int
    name: str


class WatcherIn(Schema):
    membership: int


class InboundOut(Schema):
    ticket: int
    message: int
