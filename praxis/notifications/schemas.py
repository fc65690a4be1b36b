import datetime as dt

from ninja import Schema


class NotificationOut(Schema):
    id: int
    kind: str
    text: str  # rendered now, in the caller's language
    link: str
    workspace: str | None  # the workspace's slug, when it happened in one
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationsOut(Schema):
    unread: int
    items: list[NotificationOut]


class MarkedOut(Schema):
    marked: int
