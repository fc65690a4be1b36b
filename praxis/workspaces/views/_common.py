"""Helpers shared by the workspace views."""

from django.urls import reverse

from praxis.accounts.middleware import reauthenticated_at
from praxis.core import clock

from ..services import REAUTH_WINDOW

# --- helpers ----------------------------------------------------------------------------------------


def _recently_reauthenticated(request) -> bool:
    moment = reauthenticated_at(request)
    return bool(moment and clock.now() - moment <= REAUTH_WINDOW)


def _ws_url(request, name: str, **kwargs) -> str:
    return reverse(f"workspaces:{name}", kwargs={"ws": request.access.workspace.slug, **kwargs})
