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
