"""Workspace resolution for HTML views: `@workspace_view(capability)`.

The view's `ws` URL argument (the workspace slug) is resolved to `request.access` once; a workspace the
user is not an active member of answers 404 (R-ROLE-4). A missing capability answers 403 and is audited.
A 404 is logged as a refused access attempt; a `PermissionDenied` from the view or its services is an
audited 403.
The view body runs inside `scope(workspace=...)` so scoped managers only see this workspace.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django_scopes import scope

from praxis.audit import services as audit
from praxis.core.errors import PermissionDenied
from praxis.core.transactions import record_refusal

from .access import resolve_access
from .middleware import remember_workspace


def workspace_view(capability: str | None = None):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, ws: str, *args, **kwargs):
            try:
                access = resolve_access(request.user, ws)
            except Http404:
                # Unknown or not theirs: the same 404, logged as a refused attempt (issue 6 point 23).
                audit.record_not_found(request=request, actor=request.user)
                raise
            request.access = access
            remember_workspace(request, access.workspace)
            try:
                if capability:
                    access.require(capability)
                with scope(workspace=access.workspace):
                    return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                # Every refusal — the capability or a policy in the view or its service — is an audited
                # 403 (R-AUD-1, issue 6 point 7).
                record_refusal(exc)
                raise DjangoPermissionDenied from None
            except Http404:
                audit.record_not_found(request=request, actor=request.user, workspace=access.workspace,
                                       role=access.membership.role)
                raise

        return wrapper

    return decorator
