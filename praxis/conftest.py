"""Fixtures shared by every app's tests.

They live in `praxis/testing/` (issue 6 point 12): `praxis.testing.team` has `make_user`, `password`,
`join()` and `workspace_with_team`/`team` — a practice built the way a real one comes about: the owner
creates it, invites one person per role and each accepts — so tests start from states the services can
actually produce.
"""

import pytest

from praxis.testing import PASSWORD  # noqa: F401 — importable from here too, as before

pytest_plugins = ["praxis.testing.browser", "praxis.testing.db", "praxis.testing.team"]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request of an earlier test on the same worker leaves
    its user's language active in the thread (the language middleware activates it for the request), and
    a test that renders text outside a request would otherwise read it in that language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _sessions_have_passed_the_second_factor(request, monkeypatch):
    """A test client logged in with `force_login`/`login` stands for a person who logged in completely —
    second factor included where one is asked (R-ACC-1), so a test of the audit log or of a workspace that
    requires it is not about the code step. Tests of the second factor itself opt out with
    `@pytest.mark.real_second_factor` (praxis/accounts/tests/test_two_factor.py)."""
    if request.node.get_closest_marker("real_second_factor"):
        return
    from django.test.client import ClientMixin

    from praxis.accounts.middleware import SECOND_FACTOR

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[SECOND_FACTOR] = "test"
        session.save()

    monkeypatch.setattr(ClientMixin, "_login", _login)
