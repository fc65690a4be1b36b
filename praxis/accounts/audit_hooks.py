"""Audit entries for authentication events (R-AUD-1: refused attempts included).

The attempted address of a failed login is not stored (it may be a mistyped password); the entry
records that a login was refused, from where.
"""

from praxis.audit import services as audit


def logged_in(sender, request, user, **kwargs):
    audit.record(code="user.logged_in", action="execute", actor=user, obj=user)


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(code="user.logged_out", action="execute", actor=user, obj=user)


def login_failed(sender, credentials, request=None, **kwargs):
    audit.record(code="user.login_failed", action="execute", outcome="refused", object_type="accounts.user")
