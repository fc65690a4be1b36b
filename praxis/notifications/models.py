"""In-app notifications (issue 6 point 4): what happened to a person, shown in the bell and the list.

Invariants:
- a notification belongs to exactly one recipient user, across workspaces; every read goes through
  `Notification.objects.for_user(user)` (the selectors), so nobody ever sees another person's rows;
- the text is not stored: `kind` + `parameters` (JSON, no health data, no secrets) are rendered at display
  time in the reader's language by the kind registered in `praxis.notifications.kinds`;
- `created_at` comes from `praxis.core.clock`; `read_at` is set once, by `services.mark_read` /
  `mark_all_read`, and never cleared.

Scoping exemption (django-scopes): `workspace` is optional context (where it happened, for the link), not
the owner. A person's bell lists their notifications of every workspace at once, also of workspaces they
have left, so the rows are scoped by recipient (`for_user`), not by a workspace scope.
"""

from django.conf import settings
from django.db import models

from praxis.core import clock

#: For the "every model with a workspace FK is scoped or exempt" meta-test (issue 6 point 10).
SCOPES_EXEMPT_REASON = "per-user rows across workspaces; reads are restricted by recipient (for_user)"


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> "NotificationQuerySet":
        return self.filter(recipient=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    workspace = models.ForeignKey("workspaces.Workspace", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    kind = models.CharField(max_length=64)
    parameters = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_recent"),
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_unread"),
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.kind} {self.created_at:%Y-%m-%d}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
