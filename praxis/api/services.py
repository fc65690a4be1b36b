"""Creating and revoking personal access tokens."""

import datetime as dt

from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.errors import NotFound, ServiceError
from praxis.core.prepared import Prepared
from praxis.core.tokens import hash_token, new_token
from praxis.core.transactions import service_transaction
from praxis.workspaces.access import resolve_access

from .models import ApiToken

TOKEN_PREFIX = "prx_"


@service_transaction
def token_create(*, user, workspace_slug: str, name: str) -> tuple[ApiToken, str]:
    """Return the token row and the secret, shown once."""
    access = resolve_access(user, workspace_slug)
    name = (name or "").strip()
    if not name:
        raise ServiceError("name_required", _("Give the token a name."), field="name")
    secret, _hash = new_token()
    secret = TOKEN_PREFIX + secret
    token = ApiToken.objects.create(user=user, workspace=access.workspace, name=name[:100],
                                    prefix=secret[:10], token_hash=hash_token(secret))
    audit.record(code="api_token.created", action="create", actor=user, workspace=access.workspace, obj=token)
    return token, secret


def token_list(*, user) -> list[ApiToken]:
    """The user's own tokens in every workspace, newest first: a personal list that crosses workspaces by
    design, so it lifts the scope (issue 6 point 10) and filters by `user` instead."""
    with scopes_disabled():
        return list(ApiToken.objects.filter(user=user).select_related("workspace").order_by("-created_at", "-pk"))


@service_transaction
def token_revoke(*, user, token_id: int) -> ApiToken:
    with scopes_disabled():  # the user's own tokens, in any workspace (filtered by `user`)
        token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound("not_found", _("That token does not exist."))
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit.record(code="api_token.revoked", action="update", actor=user, workspace=token.workspace, obj=token)
    return token


LAST_USED_PRECISION = dt.timedelta(minutes=1)
# Every API call's first query, compiled once (issue 10 point 11).
_TOKEN_BY_HASH = Prepared(lambda *, token_hash: ApiToken.objects.select_related("user", "workspace").filter(
    token_hash=token_hash, revoked_at__isnull=True, user__is_active=True).order_by("pk")[:1], token_hash=str)


def token_authenticate(secret: str) -> ApiToken | None:
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    # Which workspace a request is for is what the token tells: no scope exists yet (issue 6 point 10).
    with scopes_disabled():
        token = _TOKEN_BY_HASH.first(token_hash=hash_token(secret))
        now = clock.now()
        if token is not None and (token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION):
            # Shown to its owner as "last used"; to the minute is what that needs. Writing it on every call
            # cost a write transaction per API request (issue 10 point 11).
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token
