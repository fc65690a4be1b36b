"""Helpers for tests that only make sense on PostgreSQL.

``scripts/test.sh`` runs the suite twice: on SQLite, then on a throw-away PostgreSQL
cluster with ``PRAXIS_EXPECT_POSTGRES=1``. On SQLite PostgreSQL-only tests skip; in the
PostgreSQL run under CI, not being on PostgreSQL is an error rather than a skip.

Use either ``require_postgres()`` inside a test or fixture, or the ``postgres`` marker
(with ``pytest_plugins = ["praxis.testing.db"]`` in the top-level conftest).
"""

from __future__ import annotations

import os

import pytest


def require_postgres() -> None:
    """Skip the current test unless the default database is PostgreSQL."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI") == "true" and os.environ.get("PRAXIS_EXPECT_POSTGRES") == "1":
        pytest.fail(
            f"PostgreSQL expected (CI=true, PRAXIS_EXPECT_POSTGRES=1) but the default database is "
            f"{connection.vendor}: check DATABASE_URL"
        )
    pytest.skip("needs PostgreSQL")


@pytest.fixture
def postgres_only() -> None:
    """Fixture form of ``require_postgres()``."""
    require_postgres()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") is not None:
        require_postgres()
