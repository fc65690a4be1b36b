"""`@workspace_endpoint(capability)`: the API twin of `praxis.workspaces.web.workspace_view`.

Resolves the `ws` path parameter to `request.access` (404 for a workspace the caller is not an active
member of, or that their token is not scoped to), checks the capability the operation declares (403,
audited) and runs the handler inside the workspace scope, so every query is tenant-bound. A 404 is logged
as a refused access attempt with the path and ids asked for (issue 6 point 23).
"""

from functools import wraps

from django.db.models import Count, Window
from django.http import Http404
from django_scopes import scope

from praxis.accounts.middleware import second_factor_verified
from praxis.audit import services as audit
from praxis.core.errors import NotFound, PermissionDenied, ServiceError
from praxis.core.transactions import record_refusal
from praxis.workspaces import policies
from praxis.workspaces.access import resolve_access


def workspace_endpoint(capability: str | None = None):
    def decorator(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            ws = kwargs["ws"]
            token = getattr(request, "api_token", None)
            try:
                if token is not None and token.workspace.slug != ws:
                    raise Http404
                access = resolve_access(request.auth, ws)
            except Http404:
                # Unknown or not theirs: the same 404, logged as a refused attempt (issue 6 point 23).
                audit.record_not_found(request=request, actor=request.auth, asked=_asked(kwargs))
                raise
            if capability:
                try:
                    access.require(capability)
                except ServiceError as exc:
                    record_refusal(exc)
                    raise
            reason = policies.second_factor_unmet(
                user=request.auth, workspace=access.workspace, capability=capability,
                session_verified=None if token is not None else second_factor_verified(request))
            if reason is not None:
                refusal = PermissionDenied("second_factor_required", policies.second_factor_message(reason),
                                           audit=access.refusal(code="two_factor.required",
                                                                permission=capability or "", reason=reason))
                record_refusal(refusal)
                raise refusal
            request.access = access
            try:
                with scope(workspace=access.workspace):
                    return func(request, *args, **kwargs)
            except (Http404, NotFound):
                audit.record_not_found(request=request, actor=request.auth, workspace=access.workspace,
                                       role=access.membership.role, asked=_asked(kwargs))
                raise

        wrapper.required_capability = capability
        return wrapper

    return decorator


def _asked(kwargs: dict) -> dict:
    """The path parameters of the call (the ids asked for), not its body."""
    return {k: v for k, v in kwargs.items() if isinstance(v, str | int)}


MAX_PAGE = 10_000_000  # an absurd page number is answered as past the end, never as a huge OFFSET


def paginate(queryset, *, page: int, page_size: int, count_in_page: bool = False) -> dict:
    """Page-number pagination evaluated inside the caller's scope.

    `count_in_page`: read the page and the total in one query (`COUNT(*) OVER ()`), for a queryset
    whose every row the database reads anyway to order them (an indexed search: the matches are found,
    then sorted) — one index scan instead of two. Not for a plain list, where a page of an ordered index
    is read without touching the rest."""
    page_size = min(max(page_size, 1), 200)
    if count_in_page and not queryset.query.distinct:  # DISTINCT would count before it removes rows
        page = min(max(page, 1), MAX_PAGE)
        items = list(queryset.annotate(_total_rows=Window(Count("*")))[(page - 1) * page_size : page * page_size])
        if items or page == 1:
            count = 0
            if items:  # model instances, or the dicts of a `.values()` queryset
                count = items[0]["_total_rows"] if isinstance(items[0], dict) else items[0]._total_rows
            return {"count": count, "page": page, "page_size": page_size, "items": items}
    count = queryset.count()
    last_page = max((count + page_size - 1) // page_size, 1)
    page = min(max(page, 1), last_page + 1)  # past the end: an empty page, never a huge OFFSET
    items = list(queryset[(page - 1) * page_size : page * page_size]) if page <= last_page else []
    return {"count": count, "page": page, "page_size": page_size, "items": items}
