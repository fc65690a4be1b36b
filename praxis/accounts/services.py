"""Writes for accounts: sign-up, password reset / first password, personal details (SPEC §11).

Sign-up and password reset answer the same way for known and unknown addresses (R-ACC-5): the caller
always shows "check your e-mail"; what differs is only the e-mail that goes out.
"""

import datetime as dt

import phonenumbers
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from praxis.audit import services as audit
from praxis.audit.models import AuditEvent
from praxis.core import clock, ratelimits
from praxis.core.errors import ServiceError
from praxis.core.mail import send_templated_email, site_url
from praxis.core.tasks import enqueue_after_commit
from praxis.core.tokens import hash_token, new_token
from praxis.core.transactions import in_service_transaction, service_transaction
from praxis.core.validation import check_max_length, check_plain_text

from . import ports
from .models import Gender, PasswordResetToken, User

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def _check_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise ServiceError("invalid_email", _("Enter a valid e-mail address."), field="email") from None
    return email


def _check_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as exc:
        raise ServiceError("weak_password", " ".join(exc.messages), field="password") from None


def _check_language(language: str | None) -> str:
    if language and language not in LANGUAGE_CODES:
        raise ServiceError("invalid_language", _("Choose one of the offered languages."), field="language")
    return language or settings.LANGUAGE_CODE


def check_sign_up_type(account_type: str | None) -> str:
    """The account type someone may sign up for (the Pro trial or Support); which ones is the host's
    answer (`praxis.accounts.ports.Host.sign_up_account_types`, issue 6 points 6 and 9)."""
    account_type = account_type or "pro"
    if account_type not in ports.host().sign_up_account_types():
        raise ServiceError("invalid_account_type", _("Choose a Pro trial or a Support account."),
                           field="account_type")
    return account_type


@service_transaction
def user_create(*, email: str, password: str | None, first_name: str = "", last_name: str = "",
                language: str | None = None, referred_by: User | None = None) -> User:
    """Create the user only. Signing up (user, personal workspace and a Pro trial or Support licence,
    R-BIL-9) is the workspaces orchestrator `praxis.workspaces.signup.user_sign_up` (issue 6 point 9:
    accounts never imports it)."""
    email = _check_email(email)
    language = _check_language(language)
    check_max_length(first_name.strip(), 150, field="first_name")
    check_max_length(last_name.strip(), 150, field="last_name")
    check_plain_text(first_name, field="first_name")  # they name the personal workspace (issue 6 point 25c)
    check_plain_text(last_name, field="last_name")
    if password is not None:
        _check_password(password, User(email=email, first_name=first_name, last_name=last_name))
    if User.objects.filter(email__iexact=email).exists():
        raise ServiceError("email_taken", _("This e-mail address cannot be used."), field="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, first_name=first_name.strip(),
                                            last_name=last_name.strip(), language=language,
                                            referred_by=referred_by)
    except IntegrityError:  # a concurrent sign-up with the same address won the race
        raise ServiceError("email_taken", _("This e-mail address cannot be used."), field="email") from None
    audit.record(code="user.created", action="create", actor=user, obj=user,
                 data={"referred_by": referred_by.pk if referred_by else None})
    return user


def _issue_password_token(user: User) -> str:
    token, token_hash = new_token()
    now = clock.now()
    PasswordResetToken.objects.create(user=user, token_hash=token_hash, created_at=now,
                                      expires_at=now + dt.timedelta(seconds=settings.PASSWORD_RESET_LIFETIME))
    return site_url(f"/accounts/password/set/{token}/")


def signup_request(*, email: str, first_name: str = "", last_name: str = "", language: str | None = None,
                   referred_by: User | None = None, account_type: str = "pro") -> None:
    """Sign-up by e-mail: a new address gets a link to set its first password; a known address gets a
    note with a reset link. The caller answers the same in both cases (no account enumeration, R-ACC-5):
    the input is checked now, the rest happens in a background task, so not even the response time
    tells a known address from a new one."""
    email = _check_email(email)
    language = _check_language(language)
    account_type = check_sign_up_type(account_type)
    check_max_length((first_name or "").strip(), 150, field="first_name")
    check_max_length((last_name or "").strip(), 150, field="last_name")
    check_plain_text(first_name, field="first_name")
    check_plain_text(last_name, field="last_name")
    ratelimits.check("signup", addresses=[email])  # issue 10 point 3; counts requests, not accounts (R-ACC-5)
    from .tasks import signup_task  # here, not at the top: tasks.py imports this module (cycle)

    args = (email, first_name or "", last_name or "", language, referred_by.pk if referred_by else None,
            account_type)
    enqueue_after_commit(signup_task, *args)


@service_transaction
def signup_process(*, email: str, first_name: str, last_name: str, language: str,
                   referred_by_id: int | None, account_type: str = "pro") -> None:
    """The work behind `signup_request`, run as a task."""
    referred_by = User.objects.filter(pk=referred_by_id).first() if referred_by_id else None
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        send_templated_email(to=existing.email, template="signup_existing", language=existing.language,
                             context={"name": existing.display_name, "link": _issue_password_token(existing)})
        audit.record(code="user.signup_existing", action="execute", actor=None, obj=existing)
        return
    user = ports.host().sign_up(email=email, password=None, first_name=first_name, last_name=last_name,
                                language=language, referred_by=referred_by, account_type=account_type)
    send_templated_email(to=user.email, template="signup_welcome", language=user.language,
                         context={"name": user.display_name, "link": _issue_password_token(user),
                                  "support": account_type == "support"})


def password_reset_request(*, email: str) -> None:
    """E-mail a single-use reset link to a known, active address; do nothing visible otherwise. The lookup
    runs in a background task so the answer takes as long for an unknown address (R-ACC-5)."""
    from .tasks import password_reset_task  # here, not at the top: tasks.py imports this module (cycle)

    email = (email or "").strip().lower()[:254]
    ratelimits.check("password_reset", addresses=[email])  # issue 10 point 3
    enqueue_after_commit(password_reset_task, email)


@service_transaction
def password_reset_process(*, email: str) -> None:
    """The work behind `password_reset_request`, run as a task."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    send_templated_email(to=user.email, template="password_reset", language=user.language,
                         context={"name": user.display_name, "link": _issue_password_token(user)})
    audit.record(code="user.password_reset_requested", action="execute", actor=None, obj=user)


def password_token_user(token: str) -> User | None:
    row = PasswordResetToken.objects.select_related("user").filter(token_hash=hash_token(token or "")).first()
    if row is None or not row.is_usable(clock.now()) or not row.user.is_active:
        return None
    return row.user


@service_transaction
def password_reset_confirm(*, token: str, password: str) -> User:
    """Set a password from a link; the link dies and every session of the user ends (R-ACC-5)."""
    row = (PasswordResetToken.objects.select_for_update().select_related("user")
           .filter(token_hash=hash_token(token or "")).first())
    if row is None or not row.is_usable(clock.now()) or not row.user.is_active:
        raise ServiceError("invalid_link", _("This link is no longer valid. Request a new one."))
    user = row.user
    _check_password(password, user)
    claimed = PasswordResetToken.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=clock.now())
    if claimed != 1:
        raise ServiceError("invalid_link", _("This link is no longer valid. Request a new one."))
    # Every other outstanding link of this user dies with it.
    PasswordResetToken.objects.filter(user=user, used_at__isnull=True).update(used_at=clock.now())
    user.set_password(password)
    user.session_generation = F("session_generation") + 1
    user.save(update_fields=["password", "session_generation"])
    user.refresh_from_db()
    audit.record(code="user.password_reset", action="update", actor=user, obj=user)
    return user


PROFILE_FIELDS = ("first_name", "last_name", "phone", "language", "gender")
# A number typed without a country code is read in the user's own country; "+32 …" always works.
PHONE_REGION_BY_LANGUAGE = {"nl": "NL", "fr": "FR", "de": "DE", "en": "NL"}


@service_transaction
def profile_update(*, user: User, changes: dict) -> User:
    """Edit personal details (R-ACC-3). E-mail and password have their own functions."""
    changed = {}
    for field in PROFILE_FIELDS:
        if field in changes and changes[field] is not None:
            value = str(changes[field]).strip()
            if field == "language":
                value = _check_language(value)
            if field == "gender" and value not in Gender.values:
                raise ServiceError("invalid_gender", _("Choose a valid option."), field="gender")
            if field == "phone" and value:
                try:
                    number = phonenumbers.parse(value, PHONE_REGION_BY_LANGUAGE.get(user.language, "NL"))
                except phonenumbers.NumberParseException:
                    number = None
                if number is None or not phonenumbers.is_valid_number(number):
                    raise ServiceError("invalid_phone", _("Enter a valid phone number."), field="phone")
                value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if field in ("first_name", "last_name"):
                check_max_length(value, 150, field=field)
                check_plain_text(value, field=field)
                if not value and getattr(user, field):
                    # Issue 6 point 18: a name once given is required; a form that sends only a new phone
                    # number (or an emptied field) must not wipe it.
                    raise ServiceError("name_required", _("Enter your first name.") if field == "first_name"
                                       else _("Enter your last name."), field=field)
            if getattr(user, field) != value:
                changed[field] = value
    if changed:
        User.objects.filter(pk=user.pk).update(**changed)
        for field, value in changed.items():
            setattr(user, field, value)
        audit.record(code="user.updated", action="update", actor=user, obj=user, data={"fields": sorted(changed)})
    return user


PASSWORD_CONFIRM_FAILED = "user.password_confirm_failed"
PASSWORD_CONFIRM_LIMIT = 5  # wrong current passwords per 15 minutes, like the login (django-axes)
PASSWORD_CONFIRM_WINDOW = dt.timedelta(minutes=15)


def confirm_password(*, user: User, password: str | None, field: str = "current_password",
                     refusal: dict | None = None) -> None:
    """Someone who holds a session proves they know the password (R-ACC-3, R-ROLE-5).

    Throttled like the login: each wrong password is an audited refusal, and after five in fifteen
    minutes even the right one is refused for a while, so a stolen session cannot be used to guess it.

    Counting, checking and recording a miss are one step (issue 6 point 20): the user's row is locked
    first (PostgreSQL; on SQLite the IMMEDIATE transaction's write lock does the same), so parallel
    guesses queue and each one counts the misses committed before it. Called outside any service
    transaction (as `email_change` and `password_change` do) the miss is committed with that step; called
    inside one (a role change confirmed by password) it is recorded after that transaction rolled back.
    """
    standalone = not in_service_transaction()
    entry = None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
        since = clock.now() - PASSWORD_CONFIRM_WINDOW
        recent = (AuditEvent.objects.filter(user=user, outcome="refused", occurred_at__gte=since)
                  .filter(Q(event_code=PASSWORD_CONFIRM_FAILED) | Q(data__reason="wrong_password")).count())
        if recent >= PASSWORD_CONFIRM_LIMIT:
            raise ServiceError("too_many_attempts", _("Too many wrong passwords. Try again in 15 minutes."),
                               field=field)
        if not user.check_password(password or ""):
            # The refusal of the action being confirmed (e.g. a role change), or one of its own.
            entry = dict(refusal) if refusal else {
                "code": PASSWORD_CONFIRM_FAILED, "action": "execute", "actor": user, "outcome": "refused",
                "object_type": "accounts.user", "object_id": user.pk}
            entry["data"] = {**entry.get("data", {}), "reason": "wrong_password"}
            if standalone:
                audit.record(**entry)
    if entry is not None:
        message = (_("Your current password is not correct.") if field == "current_password"
                   else _("The password is not correct."))
        exc = ServiceError("wrong_password", message, field=field, audit=entry)
        exc.audited = standalone
        raise exc


def email_change(*, user: User, new_email: str, current_password: str) -> User:
    """Change the login address; needs the current password (R-ACC-3), confirmed in its own step so a
    wrong guess is counted even though the change is refused (issue 6 point 20)."""
    confirm_password(user=user, password=current_password)
    return _email_change_apply(user=user, new_email=new_email)


@service_transaction
def _email_change_apply(*, user: User, new_email: str) -> User:
    new_email = _check_email(new_email)
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise ServiceError("email_taken", _("This e-mail address cannot be used."), field="email")
    old = user.email
    user.email = new_email
    user.save(update_fields=["email"])
    send_templated_email(to=old, template="email_changed", language=user.language,
                         context={"name": user.display_name, "new_email": new_email})
    audit.record(code="user.email_changed", action="update", actor=user, obj=user)
    return user


def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Change the password; needs the current one (confirmed first, like `email_change`) and ends the
    user's other sessions (R-ACC-5)."""
    confirm_password(user=user, password=current_password)
    return _password_change_apply(user=user, new_password=new_password)


@service_transaction
def _password_change_apply(*, user: User, new_password: str) -> User:
    _check_password(new_password, user)
    user.set_password(new_password)
    user.session_generation = F("session_generation") + 1
    user.save(update_fields=["password", "session_generation"])
    user.refresh_from_db()
    # Reset links sent before the change must not undo it.
    PasswordResetToken.objects.filter(user=user, used_at__isnull=True).update(used_at=clock.now())
    audit.record(code="user.password_changed", action="update", actor=user, obj=user)
    return user


def sessions_end_all(*, user: User) -> None:
    """Invalidate every session of the user (used at logout, R-ACC-5)."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
