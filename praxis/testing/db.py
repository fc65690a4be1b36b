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


def shared_per_module(build, *, name: str):
    """Two fixtures that build a test world once per module (per xdist worker) instead of once per test.

        _shared_world, api_tenants = shared_per_module(build_tenants, name="api_tenants")

    `build()` runs inside a transaction opened for the module; every test of the module that asks for
    `name` runs inside it in its own savepoint (pytest-django's `db`), so whatever a test writes is rolled
    back to the built world, and the world itself is rolled back when the module ends. Each test gets a
    deep copy of the built objects, so one test's in-memory changes never reach the next.

    Only for modules without `transaction=True` tests or `live_server` (a flush inside the open
    transaction would fail): they keep the per-test fixtures. Pytest sets up module-scoped fixtures
    before function-scoped ones, so the module transaction is always the outer one.
    """
    import copy

    from django.db import transaction

    @pytest.fixture(scope="module", name="_shared_world")
    def _shared_world(django_db_setup, django_db_blocker):
        atomic = transaction.atomic()
        atomic._from_testcase = True  # durable blocks nest inside, as in Django's TestCase
        with django_db_blocker.unblock():
            atomic.__enter__()
            try:
                world = build()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        yield world
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    @pytest.fixture(name=name)
    def _world(_shared_world, db):
        return copy.deepcopy(_shared_world)

    return _shared_world, _world
