import datetime as dt

from ninja import Schema
from pydantic import Field


class MeOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    gender: str
    language: str
    account_type: str


class MeUpdateIn(Schema):
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    gender: str | None = None
    language: str | None = None


class EmailChangeIn(Schema):
    email: str
    current_password: str


class PasswordChangeIn(Schema):
    current_password: str
    new_password: str


class SignupIn(Schema):
    email: str
    first_name: str = ""
    last_name: str = ""
    language: str | None = None
    referral_code: str | None = Field(None, max_length=32)  # from the referrer's link (`?ref=`)
    account_type: str = "pro"  # or "support": free and non-clinical (issue 6 point 6, R-ROLE-2)


class EmailIn(Schema):
    email: str


class PasswordSetIn(Schema):
    token: str
    password: str


class MessageOut(Schema):
    detail: str


class TokenIn(Schema):
    name: str = Field(max_length=100)
    workspace: str


class TokenOut(Schema):
    id: int
    name: str
    workspace: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_workspace(obj):
        return obj.workspace.slug


class TokenCreatedOut(TokenOut):
    secret: str
