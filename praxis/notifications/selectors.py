"""Reads of notifications, always restricted to one recipient."""

from django.db.models import Model

from praxis.accounts.models import User

from .models import NotificationQuerySet
from .policies import visible_to

LIST_LIMIT = 50


def _rows(user: User, workspace: Model | None) -> NotificationQuerySet:
    rows = visible_to(user=user)
    return rows.filter(workspace=workspace) if workspace is not None else rows


def notifications_for(*, user: User, workspace: Model | None = None, unread_only: bool = False,
                      limit: int = LIST_LIMIT) -> NotificationQuerySet:
    """The newest notifications of `user` (with their workspace, for text and link: no query per row);
    `workspace` narrows them to one workspace (a workspace token)."""
    rows = _rows(user, workspace).select_related("workspace")
    if unread_only:
        rows = rows.unread()
    return rows[:limit]


def unread_count(*, user: User, workspace: Model | None = None) -> int:
    return _rows(user, workspace).unread().count()
