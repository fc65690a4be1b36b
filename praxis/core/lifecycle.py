"""Active / cancelled lifecycle shared by staff memberships and (later) clients (SPEC §6).

A model that has a lifecycle inherits `Cancellable`. Cancelling never deletes anything (R-MEM-4): it flips
the status and records who did it and when. Domain services add their own rules (the owner cannot be
cancelled, seats end, e-mails go out) around `cancel_rows` / `restore_rows`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from praxis.core import clock


class LifecycleStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class Cancellable(models.Model):
    status = models.CharField(max_length=16, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status == LifecycleStatus.ACTIVE


def cancel_rows(rows, *, actor) -> list:
    """Mark the given active rows cancelled; return the rows that changed."""
    changed = []
    moment = clock.now()
    for row in rows:
        if row.status != LifecycleStatus.ACTIVE:
            continue
        row.status = LifecycleStatus.CANCELLED
        row.cancelled_at = moment
        row.cancelled_by = actor
        row.save(update_fields=["status", "cancelled_at", "cancelled_by"])
        changed.append(row)
    return changed


def restore_rows(rows) -> list:
    """Mark the given cancelled rows active again; return the rows that changed."""
    changed = []
    for row in rows:
        if row.status != LifecycleStatus.CANCELLED:
            continue
        row.status = LifecycleStatus.ACTIVE
        row.cancelled_at = None
        row.cancelled_by = None
        row.save(update_fields=["status", "cancelled_at", "cancelled_by"])
        changed.append(row)
    return changed


def cancel_all(queryset, *, actor) -> list[int]:
    """Cancel the active rows of `queryset` in one UPDATE (a bulk action on hundreds of rows costs the
    same queries as on one); return the ids that changed. Lock or constrain before calling when the
    selection must not change underneath (the caller's transaction)."""
    ids = list(queryset.filter(status=LifecycleStatus.ACTIVE).values_list("pk", flat=True))
    if ids:
        queryset.model.objects.filter(pk__in=ids).update(
            status=LifecycleStatus.CANCELLED, cancelled_at=clock.now(), cancelled_by=actor)
    return ids


def restore_all(queryset) -> list[int]:
    """Restore the cancelled rows of `queryset` in one UPDATE; return the ids that changed."""
    ids = list(queryset.filter(status=LifecycleStatus.CANCELLED).values_list("pk", flat=True))
    if ids:
        queryset.model.objects.filter(pk__in=ids).update(
            status=LifecycleStatus.ACTIVE, cancelled_at=None, cancelled_by=None)
    return ids
