"""Who is acting and from where, for the audit log (NEN 7513 access point).

Set once per request by `AuditContextMiddleware` (HTML) or the API authentication; services read it when
they call `audit.record`. Background tasks and commands run with the empty default.
"""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class AccessPoint:
    ip: str = ""
    user_agent: str = ""
    via: str = "system"  # "web", "api", "token", "command", "system"


_DEFAULT = AccessPoint()
_current: contextvars.ContextVar[AccessPoint] = contextvars.ContextVar("praxis_access_point")


def current() -> AccessPoint:
    return _current.get(_DEFAULT)


def set_current(point: AccessPoint):
    return _current.set(point)


def reset(token) -> None:
    _current.reset(token)
