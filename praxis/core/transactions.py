"""`@service_transaction`: one transaction per service call, and refused attempts that survive it.

A service that refuses (raises `ServiceError` carrying `audit`) rolls its transaction back, so a
refusal entry written inside it would vanish. R-AUD-1 wants refused attempts logged: the outermost
service call therefore records the refusal *after* its transaction has rolled back. Nested service
calls leave that to the outermost one, so a refusal is logged exactly once.
"""

import contextvars
from functools import wraps

from django.db import transaction

from .errors import ServiceError

_depth = contextvars.ContextVar("praxis_service_depth", default=0)


def record_refusal(exc: ServiceError) -> None:
    """Write the audit entry a refusal asked for, once."""
    if exc.audit and not exc.audited:
        # Imported here: audit sits above core (audit.services imports core.clock), and core must not
        # import audit's models while the apps load.
        from praxis.audit.services import record

        record(**exc.audit)
        exc.audited = True


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
            raise
        finally:
            _depth.reset(token)

    return wrapper
