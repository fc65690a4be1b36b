"""API authentication: personal access tokens (Bearer) and the browser session (with CSRF)."""

from ninja.security import HttpBearer, SessionAuth

from praxis.audit import context

from .services import token_authenticate


class TokenAuth(HttpBearer):
    """`Authorization: Bearer prx_…`. The token opens one workspace only (checked in `scoping`)."""

    def authenticate(self, request, token):
        row = token_authenticate(token)
        if row is None:
            return None
        request.api_token = row
        point = context.current()
        context.set_current(context.AccessPoint(ip=point.ip, user_agent=point.user_agent, via="token"))
        return row.user


class CsrfSessionAuth(SessionAuth):
    """The logged-in browser session; unsafe methods need the CSRF token (django-ninja checks it)."""


token_auth = TokenAuth()
session_auth = CsrfSessionAuth()
AUTH = [token_auth, session_auth]
