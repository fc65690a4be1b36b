"""The few tables that belong to no domain."""

from django.db import models


class RateLimitCounter(models.Model):
    """Requests counted for one rate limit, one key and one time slot (`core.ratelimits`).

    In the database, not in process memory, so a limit holds across every web process and machine
    (issue 10 point 3). `digest` is a keyed hash of the IP address or e-mail address: the table holds no
    address itself. Slots older than the previous one are no longer read and are deleted by
    `manage.py purge_rate_limits` (the daily job).
    """

    scope = models.CharField(max_length=40)
    digest = models.CharField(max_length=64)
    slot = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "digest", "slot"], name="ratelimit_one_counter_per_slot"),
        ]
        indexes = [models.Index(fields=["slot"], name="ratelimit_slot")]

    def __str__(self) -> str:
        return f"{self.scope} slot {self.slot}: {self.hits}"
