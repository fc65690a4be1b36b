"""The REST API under /api/v1/: wiring only (authentication, error envelope, routers of each app).

Errors always have the shape `{"detail": ..., "code": ...}` with a meaningful HTTP status.
"""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from praxis.core.errors import ServiceError
from praxis.core.transactions import record_refusal

from .auth import AUTH

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
    return _error(request, exc.status, exc.message, exc.code, **extra)


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
from praxis.notifications.api import router as notifications_router  # noqa: E402
from praxis.workspaces.api import invitation_links_router, workspaces_router  # noqa: E402

api.add_router("/auth", auth_router)
api.add_router("/me", me_router)
api.add_router("/workspaces", workspaces_router)
api.add_router("/workspaces", audit_router)
api.add_router("/workspaces", billing_router)
api.add_router("/me", me_billing_router)
api.add_router("/me", notifications_router)
api.add_router("/invitations", invitation_links_router)
