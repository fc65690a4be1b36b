"""Workspace resolution for HTML views: `@workspace_view(capability)`.

The view's `ws` URL argument (the workspace slug) is resolved to `request.access` once; a workspace the
user is not an active member of answers 404 (R-ROLE-4). A missing capability answers 403 and is audited.
The view body runs inside `scope(workspace=...)` so scoped managers only see this workspace.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django_scopes import scope

from praxis.core.errors import PermissionDenied
from praxis.core.transactions import record_refusal

from .access import resolve_access
from .middleware import remember_workspace


def workspace_view(capability: str | None = None):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, ws: str, *args, **kwargs):
            access = resolve_access(request.user, ws)
            request.access = access
            remember_workspace(request, access.workspace)
            if capability:
                try:
                    access.require(capability)
                except PermissionDenied as exc:
                    record_refusal(exc)
                    raise DjangoPermissionDenied from None
            with scope(workspace=access.workspace):
                return view(request, *args, **kwargs)

        return wrapper

    return decorator
