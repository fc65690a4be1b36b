"""The second factor (R-ACC-1, issue 10 point 1): TOTP (RFC 6238) and single-use recovery codes.

- Enrolment: `enrolment_start` makes an unconfirmed device whose secret the QR code carries;
  `enrol(password, code)` confirms it with the current password (re-authentication) and a first valid code
  and returns ten recovery codes, shown once and stored hashed.
- Logging in: after the password, a user with a confirmed device gives a code (`verify`); a code is
  accepted once (its time step is remembered), a recovery code once. Failures count for the login
  throttle (django-axes) like a wrong password — see `accounts.views.login_code_view`.
- Removing it, or new recovery codes, needs the password and a code again.
- Where it is needed is a workspace policy (`workspaces.policies.second_factor_unmet`): in a workspace
  whose admin requires it, and for reading the audit log (`audit.view`, NEN 7513 §8) in every workspace.

Every change is audited (`user.two_factor_enabled`, `…_removed`, `…_recovery_codes_renewed`,
`…_recovery_code_used`); a wrong code is audited as a refused attempt.
"""

from __future__ import annotations

import secrets

import pyotp
import segno
from django.db import transaction
from django.utils.translation import gettext as _

from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.errors import ServiceError
from praxis.core.tokens import hash_token
from praxis.core.transactions import service_transaction

from .models import RecoveryCode, TwoFactorDevice, User

ISSUER = "Praxis"
RECOVERY_CODES = 10
STEP = 30  # seconds (RFC 6238 default)
DRIFT_STEPS = 1  # a code of the step before or after is accepted: clocks of phones drift


def device_of(user: User) -> TwoFactorDevice | None:
    """The user's confirmed device, or None."""
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def is_enrolled(user: User) -> bool:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# -- enrolment -------------------------------------------------------------------------------------------


@transaction.atomic
def enrolment_start(user: User) -> TwoFactorDevice:
    """The unconfirmed device whose secret the enrolment page shows (kept while the page is reloaded)."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise ServiceError("already_enrolled", _("Two-step verification is already on."))
    if device is None:
        device = TwoFactorDevice.objects.create(user=user, secret=pyotp.random_base32(length=32))
    return device


def provisioning_uri(device: TwoFactorDevice) -> str:
    return pyotp.TOTP(device.secret, interval=STEP).provisioning_uri(name=device.user.email, issuer_name=ISSUER)


def qr_code_data_uri(device: TwoFactorDevice) -> str:
    """The `otpauth://` address as an SVG QR code, for an <img> (no script, allowed by the CSP)."""
    return segno.make(provisioning_uri(device), error="m").svg_data_uri(scale=5, border=2)


def _check_password(user: User, password: str, *, code: str) -> None:
    if not user.check_password(password or ""):
        raise ServiceError("wrong_password", _("That is not your current password."), field="password",
                           audit={"code": code, "action": "execute", "actor": user, "obj": user,
                                  "outcome": "refused", "data": {"reason": "wrong_password"}})


def _matching_step(device: TwoFactorDevice, code: str) -> int | None:
    """The time step `code` belongs to (now ± drift), if it is valid and newer than the last one used."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(device.secret, interval=STEP)
    now = int(clock.now().timestamp())
    for drift in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        step = now // STEP + drift
        if step > device.last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _i in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=hash_token(c)) for c in codes])
    return codes


def _wrong_code(user: User, audit_code: str) -> ServiceError:
    return ServiceError("invalid_code", _("That code is not valid. Enter the current code of your "
                                          "authenticator app."), field="code",
                        audit={"code": audit_code, "action": "execute", "actor": user, "obj": user,
                               "outcome": "refused", "data": {"reason": "invalid_code"}})


@service_transaction
def enrol(*, user: User, password: str, code: str) -> list[str]:
    """Confirm the device with the password and a first code; returns the ten recovery codes."""
    _check_password(user, password, code="user.two_factor_enabled")
    device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise ServiceError("no_enrolment", _("Start again: open two-step verification in your profile."))
    step = _matching_step(device, code)
    if step is None:
        raise _wrong_code(user, "user.two_factor_enabled")
    device.confirmed_at = clock.now()
    device.last_step = step
    device.save(update_fields=["confirmed_at", "last_step"])
    codes = _new_recovery_codes(user)
    audit.record(code="user.two_factor_enabled", action="create", actor=user, obj=user)
    return codes


def _confirmed_for_update(user: User) -> TwoFactorDevice:
    device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise ServiceError("not_enrolled", _("Two-step verification is off."))
    return device


def _code_or_recovery(user: User, device: TwoFactorDevice, code: str, *, audit_code: str) -> str:
    """Accept `code` as an authenticator code or an unused recovery code; "totp" or "recovery"."""
    step = _matching_step(device, code)
    if step is not None:
        device.last_step = step
        device.save(update_fields=["last_step"])
        return "totp"
    typed = "".join((code or "").split()).lower()
    recovery = RecoveryCode.objects.select_for_update().filter(
        user=user, code_hash=hash_token(typed), used_at__isnull=True).first()
    if recovery is not None:
        recovery.used_at = clock.now()
        recovery.save(update_fields=["used_at"])
        audit.record(code="user.two_factor_recovery_code_used", action="execute", actor=user, obj=user,
                     data={"left": recovery_codes_left(user)})
        return "recovery"
    raise _wrong_code(user, audit_code)


@service_transaction
def verify(*, user: User, code: str) -> str:
    """The code step of logging in (or of confirming a running session): "totp" or "recovery"."""
    device = _confirmed_for_update(user)
    return _code_or_recovery(user, device, code, audit_code="user.two_factor_verified")


@service_transaction
def remove(*, user: User, password: str, code: str) -> None:
    """Turn two-step verification off: the password and a code (or a recovery code) again."""
    _check_password(user, password, code="user.two_factor_removed")
    device = _confirmed_for_update(user)
    _code_or_recovery(user, device, code, audit_code="user.two_factor_removed")
    RecoveryCode.objects.filter(user=user).delete()
    device.delete()
    audit.record(code="user.two_factor_removed", action="delete", actor=user, obj=user)


@service_transaction
def recovery_codes_renew(*, user: User, password: str, code: str) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    _check_password(user, password, code="user.two_factor_recovery_codes_renewed")
    device = _confirmed_for_update(user)
    _code_or_recovery(user, device, code, audit_code="user.two_factor_recovery_codes_renewed")
    codes = _new_recovery_codes(user)
    audit.record(code="user.two_factor_recovery_codes_renewed", action="update", actor=user, obj=user)
    return codes


@service_transaction
def reset_by_operator(*, user: User, reason: str) -> bool:
    """The operator removes a second factor whose phone and recovery codes are lost (after checking who
    asks, outside Praxis); the person sets it up again at the next login that needs it. Audited."""
    deleted = TwoFactorDevice.objects.filter(user=user).delete()[0]
    RecoveryCode.objects.filter(user=user).delete()
    if deleted:
        audit.record(code="user.two_factor_reset", action="delete", actor=None, obj=user,
                     data={"reason": (reason or "")[:200]})
    return bool(deleted)
