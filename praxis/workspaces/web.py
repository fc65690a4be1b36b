"""Workspace resolution for HTML views: `@workspace_view(capability)`.

The view's `ws` URL argument (the workspace slug) is resolved to `request.access` once; a workspace the
user is not an active member of answers 404 (R-ROLE-4). A missing capability answers 403 and is audited.
A 404 is logged as a refused access attempt; a `PermissionDenied` from the view or its services is an
audited 403.
The view body runs inside `scope(workspace=...)` so scoped managers only see this workspace.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_scopes import scope

from praxis.accounts import twofactor
from praxis.accounts.middleware import second_factor_verified
from praxis.audit import services as audit
from praxis.core.errors import PermissionDenied
from praxis.core.transactions import record_refusal

from . import policies
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
                reason = policies.second_factor_unmet(user=request.user, workspace=access.workspace,
                                                      capability=capability,
                                                      session_verified=second_factor_verified(request))
                if reason is not None:
                    return second_factor_redirect(request, reason)
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


def second_factor_redirect(request, reason: str) -> HttpResponse:
    """R-ACC-1: to the code step (a device is set up but this session gave no code) or to enrolment, and
    back here afterwards. An htmx request is sent there as a whole page."""
    back = request.get_full_path() if request.method == "GET" and not request.headers.get("HX-Request") else "/"
    if twofactor.is_enrolled(request.user):
        url = f"{reverse('accounts:login_code')}?{urlencode({'next': back})}"
    else:
        url = f"{reverse('accounts:two_factor')}?{urlencode({'next': back, 'reason': reason})}"
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
