"""The audit log (R-AUD-1): append-only and hash-chained.

Each entry stores the hash of the entry before it and a hash over its own fields plus that previous
hash, so changing or deleting an entry breaks the chain from there on (`manage.py verify_audit`).
Removing the newest entries leaves a shorter valid chain; that is caught against a head the operator
noted elsewhere (`verify_audit` prints one per chain; `verify_audit --head CHAIN:SEQ:HASH` checks it is
still there).

Chains (issue 7, "Audit at the scale of client reads"): there is one chain per workspace (`chain` is the
workspace id) and one for events outside any workspace (`DEPLOYMENT_CHAIN`), so appends of different
workspaces never wait for each other. `seq` is unique and gapless *per chain*: two concurrent appends to
one chain cannot both claim the same predecessor (unique `(chain, seq)`). The entries written before
chains existed keep their original global seq and hashes in the closed `LEGACY_CHAIN` (migration 0002
assigns them there and rewrites nothing, so heads noted before the change stay verifiable).
An entry of a workspace chain carries that workspace (`workspace_id == chain`) — or none: on PostgreSQL an
entry outside any workspace written in a transaction that already appended to a workspace's chain joins
that chain instead of waiting for the deployment chain's lock, which could deadlock
(`services._outside_chain`). The hash covers `workspace_id`, so moving an entry between chains is detected.
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


DEPLOYMENT_CHAIN = 0  # events outside any workspace (sign-up, operator console, …)
LEGACY_CHAIN = -1  # the single global chain written before per-workspace chains; closed, never appended to


class AuditEvent(models.Model):
    chain = models.BigIntegerField()
    seq = models.PositiveBigIntegerField()
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
        # The unique index also finds a chain's newest entry (scanned backwards) for the next append.
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_seq_unique_per_chain")]
        # `seq` only orders entries within one chain; `id` is the insertion order across chains (a
        # workspace's list holds its own chain and, for old entries, part of the legacy chain).
        indexes = [models.Index(fields=["workspace", "-id"], name="audit_workspace_newest")]
        ordering = ["-id"]

    def __str__(self):
        return f"#{self.chain}:{self.seq} {self.event_code} {self.outcome}"
