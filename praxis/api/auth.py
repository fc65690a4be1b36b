"""API authentication: personal access tokens (Bearer) and the browser session (with CSRF)."""

from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from praxis.audit import context
from praxis.core.errors import PermissionDenied, ServiceError
from praxis.core.web import is_cross_origin

from .services import token_authenticate

WORKSPACE_PARAM = "ws"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer prx_…`. The token opens one workspace only (checked in `scoping`).

    Outside `/workspaces/{ws}/…` a token may only read (issue 6 point 22, SPEC §13): changing the account
    — profile, login e-mail, password, tokens, creating a workspace, the own subscription — needs the
    logged-in session (and the password where one is asked), so a leaked workspace token cannot take the
    account over. Refused here, once, for every such operation: 403 `session_required`, audited.
    """

    def authenticate(self, request, token):
        row = token_authenticate(token)
        if row is None:
            return None
        request.api_token = row
        point = context.current()
        context.set_current(context.AccessPoint(ip=point.ip, user_agent=point.user_agent, via="token"))
        match = getattr(request, "resolver_match", None)
        in_workspace = match is not None and WORKSPACE_PARAM in match.kwargs
        if request.method not in SAFE_METHODS and not in_workspace:
            raise PermissionDenied(
                "session_required", _("A workspace access token cannot change the account: log in instead."),
                audit={"code": "api_token.refused", "action": "execute", "actor": row.user, "outcome": "refused",
                       "workspace": row.workspace, "obj": row,
                       "data": {"method": request.method, "path": request.path, "reason": "session_required"}})
        return row.user


class AnonymousFlow:
    """The "auth" of the anonymous account flows (sign-up, password reset): nobody is authenticated, but a
    write must be JSON from this site (issue 6 point 25a).

    django-ninja marks its views CSRF-exempt and checks CSRF only inside cookie authentication, so a router
    with `auth=None` had no check at all: any page could post a `text/plain` body (no CORS preflight) and
    trigger e-mails to an address of its choice. Requiring `application/json` forces the browser's
    preflight, which Praxis never grants, and a foreign `Origin` is refused outright.
    """

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            if request.content_type != "application/json":
                raise UnsupportedMediaType("unsupported_media_type", _("Send the request body as application/json."))
            if is_cross_origin(request):
                raise PermissionDenied("cross_origin", _("This request must come from this site."))
        return request.user  # anonymous (or the logged-in user): truthy either way


class UnsupportedMediaType(ServiceError):
    status = 415


class CsrfSessionAuth(SessionAuth):
    """The logged-in browser session; unsafe methods need the CSRF token (django-ninja checks it)."""


token_auth = TokenAuth()
session_auth = CsrfSessionAuth()
AUTH = [token_auth, session_auth]
anonymous_flow = AnonymousFlow()
