"""Helpers shared by the workspace views."""

from django.contrib import messages
from django.http import Http404
from django.urls import reverse

from praxis.accounts.middleware import REAUTHENTICATED, reauthenticated_at
from praxis.core import clock
from praxis.core.errors import NotFound, ServiceError
from praxis.core.transactions import record_refusal

from ..roles import Role
from ..services import REAUTH_WINDOW

# --- helpers ----------------------------------------------------------------------------------------


def _mark_reauthenticated(request) -> None:
    """The user just confirmed their password: for 10 minutes they need not enter it again (R-ROLE-5)."""
    request.session[REAUTHENTICATED] = clock.now().isoformat()


def _recently_reauthenticated(request) -> bool:
    moment = reauthenticated_at(request)
    return bool(moment and clock.now() - moment <= REAUTH_WINDOW)


def _ws_url(request, name: str, **kwargs) -> str:
    return reverse(f"workspaces:{name}", kwargs={"ws": request.access.workspace.slug, **kwargs})


def _refuse(request, exc: ServiceError) -> None:
    """A refusal outside a form: a message, or the same 404 as a missing object (R-ROLE-4)."""
    record_refusal(exc)
    if isinstance(exc, NotFound):
        raise Http404
    messages.error(request, exc.message)


def _may_make_admins(access) -> bool:
    return access.membership.role in (Role.OWNER, Role.ADMIN)
