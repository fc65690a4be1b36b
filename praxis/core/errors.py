"""Errors raised by services.

A service refuses bad input with a `ServiceError` carrying a stable machine code and a translated
message; the HTML views turn it into a form error and the API into `{"detail": ..., "code": ...}`.
"""


class ServiceError(Exception):
    """A business rule refused the request; nothing was changed."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None, audit: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        # Keyword arguments for `praxis.audit.services.record` when this refusal must be logged
        # (R-AUD-1); written after the failed transaction rolled back (see core.transactions).
        self.audit = audit
        self.audited = False


class Conflict(ServiceError):
    status = 409


class PermissionDenied(ServiceError):
    status = 403


class NotFound(ServiceError):
    """The object does not exist or belongs to another workspace: the same answer for both (R-ROLE-4)."""

    status = 404


class RateLimited(ServiceError):
    """Too many requests of one kind from one IP address or for one e-mail address (issue 10 point 3).

    The HTML views answer with the 429 page and the API with `{"detail", "code": "rate_limited"}`; both
    send `Retry-After`."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__("rate_limited", message)
        self.retry_after = retry_after
