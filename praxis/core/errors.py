"""Errors raised by services.

A service refuses bad input with a `ServiceError` carrying a stable machine code and a translated
message; the HTML views turn it into a form error and the API into `{"detail": ..., "code": ...}`.
"""


class ServiceError(Exception):
    """A business rule refused the request; nothing was changed."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field


class Conflict(ServiceError):
    status = 409


class PermissionDenied(ServiceError):
    status = 403


class NotFound(ServiceError):
    """The object does not exist or belongs to another workspace: the same answer for both (R-ROLE-4)."""

    status = 404
