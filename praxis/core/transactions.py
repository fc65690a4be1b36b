"""`@service_transaction`: one transaction per service call, and refused attempts that survive it.

A service that refuses (raises `ServiceError` carrying `audit`) rolls its transaction back, so a
refusal entry written inside it would vanish. R-AUD-1 wants refused attempts logged: the outermost
service call therefore records the refusal *after* its transaction has rolled back. Nested service
calls leave that to the outermost one, so a refusal is logged exactly once. A validation or conflict
refusal that carries no audit entry of its own is logged too, as a refused call of the service with its
reason code (`record_rejection`, issue 6 point 23).
"""

import contextvars
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import transaction

from .errors import NotFound, ServiceError

_depth = contextvars.ContextVar("praxis_service_depth", default=0)


def record_refusal(exc: ServiceError) -> None:
    """Write the audit entry a refusal asked for, once."""
    if exc.audit and not exc.audited:
        # Imported here: audit sits above core (audit.services imports core.clock), and core must not
        # import audit's models while the apps load.
        from praxis.audit.services import record

        record(**exc.audit)
        exc.audited = True


def _who(kwargs: dict) -> dict:
    """Actor, workspace and role of a service call, from its keyword arguments (`access`, else `actor`
    or `user`, and `workspace`)."""
    access = kwargs.get("access")
    if access is not None:
        return {"actor": access.user, "workspace": access.workspace, "role": access.membership.role}
    return {"actor": kwargs.get("actor") or kwargs.get("user"), "workspace": kwargs.get("workspace")}


def record_rejection(func, kwargs: dict, *, reason: str, status: int, field: str | None) -> None:
    """R-AUD-1 (issue 6 point 23): a validation or conflict refusal without its own audit entry is logged
    as a refused call of the service, with the reason code and the field — never the message or the input,
    which may name people or hold health data."""
    from praxis.audit.services import record

    app = func.__module__.split(".")[1] if func.__module__.count(".") else func.__module__
    record(code=f"{app}.{func.__name__}"[:64], action="execute", outcome="refused", **_who(kwargs),
           data={"reason": reason, "status": status, **({"field": field} if field else {})})
def in_service_transaction() -> bool:
    """Whether a `@service_transaction` is open (its refusals are recorded by the outermost one)."""
    return _depth.get() > 0


def service_transaction(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        token = _depth.set(_depth.get() + 1)
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except ServiceError as exc:
            if _depth.get() == 1:
                record_refusal(exc)
                # A 404 is logged where the path is known (the view or API layer), as `access.not_found`.
                if not exc.audited and not isinstance(exc, NotFound):
                    record_rejection(func, kwargs, reason=exc.code, status=exc.status, field=exc.field)
                    exc.audited = True
            raise
        except ValidationError as exc:
            if _depth.get() == 1:
                fields = sorted(exc.error_dict) if hasattr(exc, "error_dict") else []
                record_rejection(func, kwargs, reason="invalid", status=400,
                                 field=",".join(fields) or None)
            raise
        finally:
            _depth.reset(token)

    return wrapper
