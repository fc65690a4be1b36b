"""The session store and the authentication backend: Django's, with their per-request lookups compiled once.

Every request of a logged-in browser reads its session row and then its user (issue 10 point 11). Both
are Django's own queries (`sessions.backends.db`, `auth.backends.ModelBackend`) — same rows, same
conditions, same behaviour — run as `core.prepared` queries, so each costs its database round trip rather
than another millisecond of query building. Sessions stay in the database, so any process can serve any
request (SPEC §14); logging out everywhere and session expiry work as before.

Settings: `SESSION_ENGINE = "praxis.accounts.sessions"` and `praxis.accounts.sessions.AccountBackend` in
`AUTHENTICATION_BACKENDS` in place of `ModelBackend`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation

from praxis.core import clock
from praxis.core.prepared import Prepared

# The backend a login done by Praxis itself names (`login(request, user, backend=LOGIN_BACKEND)`).
LOGIN_BACKEND = "praxis.accounts.sessions.AccountBackend"

_SESSION = Prepared(lambda *, key, now: Session.objects.filter(session_key=key, expire_date__gt=now)[:1],
                    key=str, now=dt.datetime)
_USER = Prepared(lambda *, pk: get_user_model()._default_manager.filter(pk=pk)[:1], pk=int)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        try:
            key = self.session_key
            found = _SESSION.first(key=key, now=clock.now()) if key else None
        except SuspiciousOperation as exc:
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            found = None
        if found is None:
            self._session_key = None
        return found


class AccountBackend(ModelBackend):
    """`ModelBackend` (password login, `is_active`), with the user of each request read by `_USER`."""

    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _USER.first(pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None
