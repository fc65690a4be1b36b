"""Personal access tokens for the REST API.

A token belongs to one user and is scoped to one workspace: it opens only that workspace's endpoints and
`/me`. Only its SHA-256 is stored; `prefix` lets the user recognise it in the list. Revoking is final.
"""

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from praxis.core import clock


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    # Scoped like every workspace row (issue 6 point 10); the token check and the user's own token list
    # cross workspaces on purpose and say so with `scopes_disabled()`.
    objects = ScopedManager(workspace="workspace")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
