"""API for the current user (`/me`) and the anonymous account flows (`/auth`)."""

from django.contrib.auth import update_session_auth_hash
from django.utils.translation import gettext as _
from ninja import Router

from praxis.api.auth import anonymous_flow
from praxis.api.services import token_create, token_list, token_revoke
from praxis.core.errors import PermissionDenied

from . import ports, services
from .forms import referrer_from_code
from .middleware import mark_reauthenticated
from .schemas import (
    EmailChangeIn,
    EmailIn,
    MeOut,
    MessageOut,
    MeUpdateIn,
    PasswordChangeIn,
    PasswordSetIn,
    SignupIn,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)

me_router = Router(tags=["me"])
auth_router = Router(tags=["auth"], auth=anonymous_flow)  # JSON from this site only (issue 6 point 25a)


def _me(user) -> dict:
    return {
        "id": user.pk, "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
        "phone": user.phone, "gender": user.gender, "language": user.language,
        "account_type": ports.host().account_type(user=user),
    }


@me_router.get("", response=MeOut)
def me(request):
    return _me(request.auth)


@me_router.patch("", response=MeOut)
def me_update(request, payload: MeUpdateIn):
    user = services.profile_update(user=request.auth, changes=payload.dict(exclude_unset=True))
    return _me(user)


@me_router.post("/email", response=MeOut)
def me_email(request, payload: EmailChangeIn):
    user = services.email_change(user=request.auth, new_email=payload.email,
                                 current_password=payload.current_password)
    return _me(user)


@me_router.post("/password", response=MessageOut)
def me_password(request, payload: PasswordChangeIn):
    """Change the password; every other session ends (R-ACC-5)."""
    user = services.password_change(user=request.auth, current_password=payload.current_password,
                                    new_password=payload.new_password)
    if getattr(request, "api_token", None) is None:
        update_session_auth_hash(request, user)
        mark_reauthenticated(request)
    return {"detail": _("Your password was changed.")}


def _session_only(request) -> None:
    """Tokens are managed from a logged-in session: a (scoped) token cannot mint or see other tokens."""
    if getattr(request, "api_token", None) is not None:
        raise PermissionDenied("session_required", _("Manage access tokens from a logged-in session."))


@me_router.get("/tokens", response=list[TokenOut])
def tokens(request):
    _session_only(request)
    return token_list(user=request.auth)


@me_router.post("/tokens", response={201: TokenCreatedOut})
def tokens_create(request, payload: TokenIn):
    _session_only(request)
    token, secret = token_create(user=request.auth, workspace_slug=payload.workspace, name=payload.name)
    token.secret = secret
    return token


@me_router.delete("/tokens/{int:token_id}", response={204: None})
def tokens_revoke(request, token_id: int):
    _session_only(request)
    token_revoke(user=request.auth, token_id=token_id)
    return None


def _same_answer() -> dict:
    return {"detail": _("If the address can be used, we sent an e-mail with a link to continue.")}


@auth_router.post("/signup", response={202: MessageOut})
def signup(request, payload: SignupIn):
    """Always the same answer for known and unknown addresses (R-ACC-5)."""
    # The personal referral code, as on the page (R-BIL-16, issue 6 point 25b) — never a raw user id.
    referrer = referrer_from_code(payload.referral_code)
    services.signup_request(email=payload.email, first_name=payload.first_name, last_name=payload.last_name,
                            language=payload.language, referred_by=referrer, account_type=payload.account_type)
    return _same_answer()


@auth_router.post("/password-reset", response={202: MessageOut})
def password_reset(request, payload: EmailIn):
    services.password_reset_request(email=payload.email)
    return _same_answer()


@auth_router.post("/password-reset/confirm", response=MessageOut)
def password_reset_confirm(request, payload: PasswordSetIn):
    services.password_reset_confirm(token=payload.token, password=payload.password)
    return {"detail": _("Your password was set. You can log in now.")}
