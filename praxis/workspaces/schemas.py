import datetime as dt

from ninja import Schema
from pydantic import Field

from praxis.core.validation import PlainText


class WorkspaceOut(Schema):
    slug: str
    name: str
    tier: str
    is_personal: bool
    country: str
    time_zone: str
    language: str
    currency: str
    billing_interval: str
    billing_anchor: dt.date | None
    trial_ends_at: dt.datetime | None


class WorkspaceDetailOut(WorkspaceOut):
    address: str
    phone: str
    email: str
    registration_number: str
    vat_id: str
    billing_address: str


class WorkspaceCreateIn(Schema):
    name: PlainText = Field(max_length=200)
    tier: str = "team"
    billing_interval: str = "monthly"


class WorkspaceUpdateIn(Schema):
    name: PlainText | None = Field(None, max_length=200)
    address: str | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = None
    registration_number: str | None = Field(None, max_length=64)
    vat_id: str | None = Field(None, max_length=32)
    billing_address: str | None = None
    country: str | None = Field(None, min_length=2, max_length=2)
    time_zone: str | None = Field(None, max_length=64)
    language: str | None = None
    require_two_factor: bool | None = None


class OwnershipTransferIn(Schema):
    member_id: int
    password: str | None = None


class MemberOut(Schema):
    id: int
    user_id: int | None
    name: str
    email: str | None
    role: str
    grants: list[str]
    status: str
    account_type: str
    pay_for_user: bool
    pay_timing: str
    joined_at: dt.datetime
    cancelled_at: dt.datetime | None
    has_login: bool
    trial_until: dt.datetime | None = None

    @staticmethod
    def resolve_name(obj):
        return obj.display_name

    # Issue 6 point 5: when the list attached a `licences.Standing`, the account type in force and whether
    # this workspace pays now (a cancelled member: no) — the same answer as the members page.
    @staticmethod
    def resolve_account_type(obj):
        standing = getattr(obj, "standing", None)
        return standing.account_type or obj.account_type if standing is not None else obj.account_type

    @staticmethod
    def resolve_pay_for_user(obj):
        standing = getattr(obj, "standing", None)
        return standing.payer_workspace_id == obj.workspace_id if standing is not None else obj.pay_for_user

    @staticmethod
    def resolve_trial_until(obj):
        standing = getattr(obj, "standing", None)
        return standing.trial_until if standing is not None else None

    @staticmethod
    def resolve_email(obj):
        return obj.user.email if obj.user_id else None

    @staticmethod
    def resolve_has_login(obj):
        return obj.user_id is not None


class MemberPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MemberOut]


class MemberUpdateIn(Schema):
    role: str
    grants: list[str] | None = None
    password: str | None = None


class IdsIn(Schema):
    ids: list[int] = Field(min_length=1, max_length=500)


class RestoreIn(IdsIn):
    pay_for_user: bool = False


class ContactIn(Schema):
    first_name: PlainText = Field("", max_length=150)
    last_name: PlainText = Field("", max_length=150)
    gender: str = Field("", max_length=16)
    role: str = "staff"


class ContactAccessIn(Schema):
    email: str


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    account_type: str
    pay_for_user: bool
    pay_timing: str
    status: str
    batch: str
    sent_at: dt.datetime
    expires_at: dt.datetime

    @staticmethod
    def resolve_batch(obj):
        return str(obj.batch)


class InvitationPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InvitationOut]


class InvitationCreateIn(Schema):
    emails: list[str] = Field(min_length=1, max_length=200)
    role: str
    account_type: str
    pay_for_user: bool | None = None
    pay_timing: str = "now"


class InvitationLinkOut(Schema):
    state: str
    message: str
    workspace: str | None = None
    email: str | None = None
    role: str | None = None
    account_exists: bool | None = None


class InvitationAcceptIn(Schema):
    password: str | None = None
    first_name: str = ""
    last_name: str = ""
    language: str | None = None


class AcceptedOut(Schema):
    workspace: str
    member: MemberOut
