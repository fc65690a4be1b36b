"""Who may read and mark a notification: its recipient, and nobody else — not an admin of the workspace
it happened in, not a workspace token beyond its workspace (the API narrows further). One definition,
used by the selectors and the services."""

from praxis.accounts.models import User

from .models import Notification, NotificationQuerySet


def visible_to(*, user: User) -> NotificationQuerySet:
    return Notification.objects.for_user(user)
