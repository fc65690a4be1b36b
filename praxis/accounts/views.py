"""Account pages: log in/out, sign-up, password reset, personal details, API tokens (SPEC §11).

Thin views: they validate input shape with a form, call one service, and turn its `ServiceError` into a
form error. Pages that could reveal whether an address has an account (login, sign-up, reset) answer
the same way for known and unknown addresses (R-ACC-5).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from praxis.accounts.sessions import LOGIN_BACKEND
from praxis.api import services as api_services
from praxis.core.errors import NotFound, ServiceError
from praxis.core.web import form_error, keep_link_token_private, require_form_encoding

from . import ports, services, twofactor
from .forms import (
    EmailChangeForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    PasswordSetForm,
    ProfileForm,
    SignupForm,
    TokenCreateForm,
    TwoFactorCodeForm,
    TwoFactorConfirmForm,
    referrer_from_code,
)
from .middleware import (
    activate_language,
    end_pending_login,
    forget_second_factor,
    mark_authenticated,
    mark_reauthenticated,
    mark_second_factor,
    pending_login,
    second_factor_verified,
    start_pending_login,
)
from .referrals import referral_code_for, referrals_of
from .throttling import normalize_login

# Marked for translation here, translated when shown.
LOGIN_FAILED = gettext_noop("E-mail address or password is incorrect.")
LOCKED_OUT = gettext_noop("Too many failed attempts. Try again in 15 minutes.")

# ---------------------------------------------------------------------------------------------------
# Logging in and out


def _safe_next(request, url: str | None) -> str | None:
    """A `next` address this site may send the person to after logging in, or None (issue 6 point 21).

    Only a path on this site counts ("/…", not "//…"), so the value is never taken for a URL pattern
    name (`redirect("billing")` would fail with NoReverseMatch) nor for another host; anything else —
    "billing", "-1", "javascript:…", control characters — falls back to the default landing page."""
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("//") or len(url) > 2000:
        return None
    if any(ord(char) < 32 or 0xD800 <= ord(char) <= 0xDFFF for char in url):
        return None
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return None


def _landing(request, url: str | None):
    """Redirect to a safe `next` path as given (never reversed as a pattern name), else to the home page."""
    target = _safe_next(request, url)
    return HttpResponseRedirect(target) if target else redirect("home")


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    """R-ACC-1/R-ACC-5: e-mail + password, throttled by django-axes; one message for every failure."""
    if request.method == "POST":
        form = LoginForm(request.POST)
        if form.is_valid():
            # `request` must be passed: django-axes (first backend) counts and refuses attempts with it.
            # The address in the User model's spelling, so axes counts `EVA@…` as `eva@…` (issue 6 point 20).
            email = normalize_login(form.cleaned_data["email"])
            user = authenticate(request, email=email, password=form.cleaned_data["password"])
            if user is not None and twofactor.is_enrolled(user):
                # R-ACC-1: not logged in yet — the code step comes first.
                start_pending_login(request, user, _safe_next(request, form.cleaned_data.get("next")))
                return redirect("accounts:login_code")
            if user is not None:
                login(request, user)  # issues a new session key (R-ACC-5)
                mark_authenticated(request)
                activate_language(request, user=user)
                return _landing(request, form.cleaned_data.get("next"))
            # Unknown address, wrong password and inactive account look the same (R-ACC-5).
            form.add_error(None, _(LOGIN_FAILED))
    else:
        if request.user.is_authenticated:
            return _landing(request, request.GET.get("next"))
        form = LoginForm(initial={"next": _safe_next(request, request.GET.get("next")) or ""})
    return render(request, "accounts/login.html", {"form": form})


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes lockout response (AXES_LOCKOUT_CALLABLE).

    Axes calls this as `(request, original_response, credentials)` or `(request, credentials)`; nothing
    about the address is used, so a known and an unknown address get the same page (R-ACC-5).
    """
    form = LoginForm(initial={"next": _safe_next(request, request.POST.get("next")) or ""})
    response = render(request, "accounts/login.html",
                      {"form": form, "lockout_message": _(LOCKED_OUT)}, status=429)
    add_never_cache_headers(response)
    return response


@require_POST
def logout_view(request):
    """R-ACC-5: logging out ends every session of the user, not only this one."""
    if request.user.is_authenticated:
        services.sessions_end_all(user=request.user)
        logout(request)
        activate_language(request)  # the next page is the browser's language: so is its message
        messages.info(request, _("You have been logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# ---------------------------------------------------------------------------------------------------
# Sign-up and passwords by e-mailed link


@never_cache
@require_form_encoding
def signup_view(request):
    """Sign-up by e-mail. Known and unknown addresses end on the same "check your e-mail" page (R-ACC-5);
    only the e-mail that goes out differs (a welcome link or a "you already have an account" note)."""
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.signup_request(
                    email=data["email"], first_name=data["first_name"], last_name=data["last_name"],
                    language=data["language"], referred_by=referrer_from_code(data["ref"]),
                    account_type=data["account_type"],
                )
            except ServiceError as exc:
                form_error(form, exc)
            else:
                return redirect("accounts:signup_sent")
    else:
        form = SignupForm(initial={"language": translation.get_language() or settings.LANGUAGE_CODE,
                                   "ref": request.GET.get("ref", "")[:20],
                                   "account_type": "support" if request.GET.get("account") == "support" else "pro"})
    return render(request, "accounts/signup.html", {"form": form})


def signup_sent(request):
    return render(request, "accounts/email_sent.html", {
        "title": _("Check your e-mail"),
        "text": _("Check your e-mail: we sent you a link to continue."),
    })


@never_cache
@require_form_encoding
def password_reset_view(request):
    """R-ACC-2: e-mail a single-use link; the answer never says whether the address has an account."""
    if request.method == "POST":
        form = PasswordResetForm(request.POST)
        if form.is_valid():
            services.password_reset_request(email=form.cleaned_data["email"])
            return redirect("accounts:password_reset_sent")
    else:
        form = PasswordResetForm()
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_sent(request):
    return render(request, "accounts/email_sent.html", {
        "title": _("Check your e-mail"),
        "text": _("If an account exists for this address, we sent a link."),
    })




@sensitive_post_parameters("password", "password_repeat")
def password_set_view(request, token: str):
    """R-ACC-2: set a (first or new) password from an e-mailed single-use link, then log in."""
    if (link_user := services.password_token_user(token)) is None:
        return keep_link_token_private(render(request, "accounts/password_link_invalid.html"))
    if not request.user.is_authenticated:  # the page of an e-mail follows that e-mail's language
        activate_language(request, request.GET.get("lang"), user=link_user)
    if request.method == "POST":
        form = PasswordSetForm(request.POST)
        if form.is_valid():
            try:
                user = services.password_reset_confirm(token=token, password=form.cleaned_data["password"])
            except ServiceError as exc:
                if exc.code == "invalid_link":  # used or expired in the meantime
                    return keep_link_token_private(render(request, "accounts/password_link_invalid.html"))
                form_error(form, exc)
            else:
                if twofactor.is_enrolled(user):
                    # A reset never skips an enrolled second factor (R-ACC-1): the code step logs in.
                    start_pending_login(request, user, None)
                    messages.success(request, _("Your password has been set. Enter your code to log in."))
                    return keep_link_token_private(redirect("accounts:login_code"))
                login(request, user, backend=LOGIN_BACKEND)
                mark_authenticated(request)
                activate_language(request, user=user)
                messages.success(request, _("Your password has been set. Welcome!"))
                return keep_link_token_private(redirect("home"))
    else:
        form = PasswordSetForm()
    return keep_link_token_private(render(request, "accounts/password_set.html", {"form": form}))


# ---------------------------------------------------------------------------------------------------
# Personal details (R-ACC-3)


REFERRALS_SHOWN = 200


def _profile_context(request, **extra) -> dict:
    """R-BIL-16: a user on a paid account type sees their referral link and who signed up through it."""
    user = request.user
    referral_link, referred = None, []
    host = ports.host()
    if host.is_paid(account_type=host.account_type(user=user)):
        code = referral_code_for(user)
        referral_link = f"{settings.PRAXIS_SITE_URL}{reverse('accounts:signup')}?{urlencode({'ref': code})}"
        referred = list(referrals_of(user)[:REFERRALS_SHOWN])
    return {"site_url": settings.PRAXIS_SITE_URL, "referral_link": referral_link, "referred": referred, **extra}


@login_required
def profile_view(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm.for_user(user, data=request.POST)
        if form.is_valid():
            try:
                services.profile_update(user=user, changes=form.cleaned_data)
            except ServiceError as exc:
                form_error(form, exc)
            else:
                # A new language applies at once, starting with this confirmation (R-ACC-4).
                translation.activate(user.language)
                messages.success(request, _("Your details have been saved."))
                return redirect("accounts:profile")
    else:
        form = ProfileForm.for_user(user)
    return render(request, "accounts/profile.html", _profile_context(request, form=form, tab="profile"))


@sensitive_post_parameters("current_password")
@login_required
def email_change_view(request):
    """R-ACC-3: a new login address needs the current password; the old address is told."""
    if request.method == "POST":
        form = EmailChangeForm(request.POST)
        if form.is_valid():
            try:
                services.email_change(user=request.user, new_email=form.cleaned_data["email"],
                                      current_password=form.cleaned_data["current_password"])
            except ServiceError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Your e-mail address has been changed."))
                return redirect("accounts:profile")
    else:
        form = EmailChangeForm()
    return render(request, "accounts/email_change.html", {"form": form, "tab": "email"})


@sensitive_post_parameters("current_password", "password", "password_repeat")
@login_required
def password_change_view(request):
    """R-ACC-3/R-ACC-5: needs the current password; every other session ends, this one stays."""
    if request.method == "POST":
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                user = services.password_change(user=request.user,
                                                current_password=form.cleaned_data["current_password"],
                                                new_password=form.cleaned_data["password"])
            except ServiceError as exc:
                form_error(form, exc)
            else:
                update_session_auth_hash(request, user)  # keeps this session (with a new key)
                mark_reauthenticated(request)
                messages.success(request, _("Your password has been changed. Your other sessions have ended."))
                return redirect("accounts:profile")
    else:
        form = PasswordChangeForm()
    return render(request, "accounts/password_change.html", {"form": form, "tab": "password"})


# ---------------------------------------------------------------------------------------------------
# Personal API tokens


@never_cache
@login_required
def tokens_view(request):
    """List the user's API tokens and create one; a new token's secret is shown on this response only."""
    workspaces = ports.host().workspaces_of(user=request.user)
    secret = created = None
    if request.method == "POST":
        form = TokenCreateForm(request.POST, workspaces=workspaces)
        if form.is_valid():
            try:
                created, secret = api_services.token_create(user=request.user,
                                                            workspace_slug=form.cleaned_data["workspace"],
                                                            name=form.cleaned_data["name"])
            except ServiceError as exc:
                form_error(form, exc)
            else:
                form = TokenCreateForm(workspaces=workspaces)
    else:
        form = TokenCreateForm(workspaces=workspaces)
    tokens = api_services.token_list(user=request.user)
    return render(request, "accounts/tokens.html", {
        "form": form, "tokens": tokens, "created": created, "secret": secret, "tab": "tokens",
    })


@require_POST
@login_required
def token_revoke_view(request, token_id: int):
    try:
        token = api_services.token_revoke(user=request.user, token_id=token_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


# ---------------------------------------------------------------------------------------------------
# Second factor (R-ACC-1, issue 10 point 1)


def _code_step_user(request):
    """Who gives a code here: the person half-way through logging in, else a logged-in user with a device
    whose session has not given one yet (a workspace or the audit log asked for it)."""
    from .models import User

    if (pending := pending_login(request)) is not None:
        user = User.objects.filter(pk=pending[0], is_active=True).first()
        return user, pending[1], True
    if request.user.is_authenticated and twofactor.is_enrolled(request.user):
        return request.user, None, False
    return None, None, False


@sensitive_post_parameters("code")
@never_cache
@require_form_encoding
def login_code_view(request):
    """The code step. Wrong codes count for the login throttle like wrong passwords (django-axes, per
    address and IP), so six digits cannot be guessed either; a locked address gets the 429 page."""
    from axes.handlers.proxy import AxesProxyHandler
    from django.contrib.auth.signals import user_login_failed

    user, next_url, logging_in = _code_step_user(request)
    if user is None:
        return redirect("accounts:login")
    if logging_in:  # the password told who it is: the code step is in their language
        activate_language(request, user=user)
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        return locked_out(request)
    next_url = next_url or _safe_next(request, request.POST.get("next") or request.GET.get("next")) or ""
    form = TwoFactorCodeForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.verify(user=user, code=form.cleaned_data["code"])
        except ServiceError as exc:
            if exc.code != "invalid_code":
                raise
            form_error(form, exc)
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if AxesProxyHandler.is_locked(request, credentials):
                return locked_out(request)
        else:
            if logging_in:
                end_pending_login(request)
                login(request, user, backend=LOGIN_BACKEND)  # a new session key
                mark_authenticated(request)
                activate_language(request, user=user)
            mark_second_factor(request)
            return _landing(request, next_url)
    return render(request, "accounts/login_code.html", {"form": form, "logging_in": logging_in})


def _two_factor_context(request, **extra) -> dict:
    user = request.user
    enrolled = twofactor.is_enrolled(user)
    context = {"tab": "two_factor", "enrolled": enrolled, "verified": second_factor_verified(request),
               "codes_left": twofactor.recovery_codes_left(user) if enrolled else 0,
               "next": _safe_next(request, request.GET.get("next") or request.POST.get("next")) or "",
               "reason": request.GET.get("reason", "")}
    if not enrolled:
        device = twofactor.enrolment_start(user)
        context.update(qr_code=twofactor.qr_code_data_uri(device), secret=device.secret,
                       secret_groups=" ".join(device.secret[i:i + 4] for i in range(0, len(device.secret), 4)))
    context.update(extra)
    return context


@login_required
@sensitive_post_parameters("password", "code")
@never_cache
@require_form_encoding
def two_factor_view(request):
    """Set up, renew the recovery codes of, or remove the second factor — each with password and code."""
    action = request.POST.get("action", "enrol")
    form = TwoFactorConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "remove":
                twofactor.remove(user=request.user, password=data["password"], code=data["code"])
                forget_second_factor(request)
                messages.success(request, _("Two-step verification is off."))
                return redirect("accounts:two_factor")
            if action == "renew":
                codes = twofactor.recovery_codes_renew(user=request.user, password=data["password"],
                                                       code=data["code"])
            else:
                codes = twofactor.enrol(user=request.user, password=data["password"], code=data["code"])
                mark_second_factor(request)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            mark_reauthenticated(request)
            return render(request, "accounts/recovery_codes.html",
                          {"codes": codes, "tab": "two_factor", "next": _safe_next(request, data.get("next")) or ""})
    return render(request, "accounts/two_factor.html", _two_factor_context(request, form=form, action=action))
