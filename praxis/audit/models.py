"""The audit log (R-AUD-1): append-only and hash-chained.

Each entry stores the hash of the entry before it and a hash over its own fields plus that previous
hash, so changing or deleting an entry breaks the chain from there on (`manage.py verify_audit`).
Removing the newest entries leaves a shorter valid chain; that is caught against a head the operator
noted elsewhere (`verify_audit` prints it; `verify_audit --head SEQ:HASH` checks it is still there).
`seq` is unique and gapless: two concurrent appends cannot both claim the same predecessor.
"""

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    EXECUTE = "execute"


class Outcome(models.TextChoices):
    SUCCESS = "success"
    REFUSED = "refused"
    ERROR = "error"


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    event_code = models.CharField(max_length=64)
    action = models.CharField(max_length=8, choices=Action.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_display = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=32, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    via = models.CharField(max_length=16, blank=True)
    workspace = models.ForeignKey(
        "workspaces.Workspace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    client_id = models.CharField(max_length=64, blank=True)
    permission = models.CharField(max_length=64, blank=True)
    query = models.CharField(max_length=300, blank=True)
    source_instance = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-seq"])]
        ordering = ["-seq"]

    def __str__(self):
        return f"#{self.seq} {self.event_code} {self.outcome}"
