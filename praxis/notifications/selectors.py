"""Reads of notifications, always restricted to one recipient."""

from django.db.models import Count, IntegerField, Model, OuterRef, Subquery
from django.db.models.functions import Coalesce

from praxis.accounts.models import User
from praxis.core.prepared import Prepared

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


# The bell's count, on every page: the same rows as `_rows(user, None).unread()`, counted in a subquery of
# the user's row so that `core.prepared` can compile it once (it runs model querysets, not aggregates).
def _unread_of_user(*, user_id: int):
    unread = (visible_to(user=OuterRef("pk")).unread()  # type: ignore[arg-type]  # the user of the outer row
              .order_by().values("recipient").annotate(n=Count("pk")).values("n"))
    return (User.objects.filter(pk=user_id).only("pk")
            .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))[:1])


_UNREAD_OF_USER = Prepared(_unread_of_user, user_id=int)


def unread_count(*, user: User, workspace: Model | None = None) -> int:
    if workspace is None:
        found = _UNREAD_OF_USER.first(user_id=user.pk)
        return getattr(found, "unread", 0)
    return _rows(user, workspace).unread().count()
