"""Fixtures shared by every app's tests.

They live in `praxis/testing/` (issue 6 point 12): `praxis.testing.team` has `make_user`, `password`,
`join()` and `workspace_with_team`/`team` — a practice built the way a real one comes about: the owner
creates it, invites one person per role and each accepts — so tests start from states the services can
actually produce.
"""

from praxis.testing import PASSWORD  # noqa: F401 — importable from here too, as before

pytest_plugins = ["praxis.testing.browser", "praxis.testing.db", "praxis.testing.team"]
