"""The REST API under /api/v1/: wiring only (authentication, error envelope, routers of each app).

Errors always have the shape `{"detail": ..., "code": ...}` with a meaningful HTTP status.
"""

from functools import wraps

from django.http import Http404, HttpResponseBase
from ninja import NinjaAPI, Schema, Status
from ninja.constants import NOT_SET
from ninja.errors import AuthenticationError, HttpError, ValidationError

from praxis.core.errors import RateLimited, ServiceError
from praxis.core.transactions import record_refusal

from .auth import AUTH, anonymous_flow

api = NinjaAPI(
    title="Praxis API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    description="REST API of Praxis. Authenticate with a personal access token "
    "(`Authorization: Bearer prx_…`, scoped to one workspace) or the browser session (with CSRF).",
)


def _error(request, status: int, detail, code: str, **extra):
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    record_refusal(exc)  # normally done already by the service's own transaction wrapper
    extra = {"field": exc.field} if exc.field else {}
    response = _error(request, exc.status, exc.message, exc.code, **extra)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "Not found.", "not_found")


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return _error(request, 422, exc.errors, "invalid")


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(request, 401, "Authentication required.", "unauthenticated")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    code = "csrf_failed" if "CSRF" in str(exc) else codes.get(exc.status_code, "error")
    return _error(request, exc.status_code, str(exc), code)


from praxis.accounts.api import auth_router, me_router  # noqa: E402
from praxis.audit.api import router as audit_router  # noqa: E402
from praxis.billing.api import me_billing_router  # noqa: E402
from praxis.billing.api import router as billing_router  # noqa: E402
from praxis.clients.api import router as clients_router  # noqa: E402
from praxis.clients.api.portal import me_router as client_portal_router  # noqa: E402
from praxis.notifications.api import router as notifications_router  # noqa: E402
from praxis.scheduling.api import router as scheduling_router  # noqa: E402
from praxis.support.api import inbound_router as support_inbound_router  # noqa: E402
from praxis.support.api import router as support_router  # noqa: E402
from praxis.support.api import support_router as support_general_router  # noqa: E402
from praxis.workspaces.api import invitation_links_router, workspaces_router  # noqa: E402

api.add_router("/auth", auth_router)
api.add_router("/me", me_router)
api.add_router("/workspaces", workspaces_router)
api.add_router("/workspaces", audit_router)
api.add_router("/workspaces", billing_router)
api.add_router("/workspaces", clients_router)
api.add_router("/workspaces", support_router)
api.add_router("/workspaces", scheduling_router)
api.add_router("/support", support_general_router)
api.add_router("/support", support_inbound_router)
api.add_router("/me", me_billing_router)
api.add_router("/me", notifications_router)
api.add_router("/me", client_portal_router)
api.add_router("/invitations", invitation_links_router)


# --- the error responses of every operation, in its `response=` mapping (issue 6 point 25d) --------------

class ErrorOut(Schema):
    """Every error answer: a message (for 422 the list of field errors), a stable code, maybe the field."""

    detail: str | list[dict]
    code: str
    field: str | None = None


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _error_statuses(operation, path: str, router_auth) -> dict[int, str]:
    """The 4xx answers an operation can give, derived from what it is (so a new one is documented too)."""
    auth = operation.auth_param if operation.auth_param is not NOT_SET else router_auth
    auth = api.auth if auth is NOT_SET else auth
    statuses: dict[int, str] = {}
    writes = bool(WRITE_METHODS & set(operation.methods))
    if auth is anonymous_flow:
        if writes:
            statuses |= {403: "Sent from another site (`cross_origin`).",
                         415: "The body is not application/json (`unsupported_media_type`)."}
    elif auth:
        statuses |= {401: "No valid token or session (`unauthenticated`).",
                     403: "Not allowed: a missing capability, CSRF, or a token used outside its workspace."}
    if "{" in path:
        statuses[404] = "No such object — or one of another workspace: the same answer (`not_found`)."
    if writes:
        statuses |= {400: "Refused by a rule; nothing changed (`code` says which, `field` where).",
                     409: "Conflicts with the current state; nothing changed."}
    if operation.signature.params or writes:
        statuses[422] = "The input does not match the schema (`invalid`, `detail` lists the errors)."
    return statuses


def _keep_default_status(operation) -> None:
    """django-ninja answers with the only status of a one-entry mapping (`response={201: X}` → 201). With
    the error statuses added that default would fall back to 200, so the handler's result keeps it."""
    [status] = operation.response_models
    view = operation.view_func

    @wraps(view)
    def with_status(*args, **kwargs):
        result = view(*args, **kwargs)
        if isinstance(result, Status | HttpResponseBase):
            return result
        return Status(status, result)

    operation.view_func = with_status


def _all_routers():
    """Every router with its full prefix, nested ones included (an app mounts one router of routers)."""
    def walk(prefix: str, router):
        yield prefix, router
        for child_prefix, child, *_ in router._routers:
            yield from walk(prefix + child_prefix, child)

    for prefix, router in api._routers:
        yield from walk(prefix, router)


def _document_errors() -> None:
    for prefix, router in _all_routers():
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if len(operation.response_models) == 1 and next(iter(operation.response_models)) != 200:
                    _keep_default_status(operation)
                for status in _error_statuses(operation, prefix + path, router.auth):
                    operation.response_models.setdefault(status, operation._create_response_model(ErrorOut))


_document_errors()
