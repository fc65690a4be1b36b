"""What every `manage.py bench*` command shares: a throw-away database of its own, the demo practice in it.

A benchmark fills and times a database it creates itself — on whichever server `DATABASE_URL` selects —
under a name of its own (`praxis_bench_<label>_<pid>`, or a SQLite file in the temporary directory), so it
never clobbers the development database or the test database of a pytest run on the same server, and it
removes that database afterwards, also when the benchmark fails.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def throwaway_database(label: str, *, keep: bool = False) -> Iterator[str]:
    """Create the benchmark's database, switch the default connection to it, yield its name, drop it
    (`keep`: leave it, to look into with `psql` / `sqlite3` afterwards)."""
    settings_dict = connection.settings_dict
    old_name = settings_dict["NAME"]
    if connection.vendor == "sqlite":
        name = os.path.join(tempfile.gettempdir(), f"praxis-bench-{label}-{os.getpid()}.sqlite3")
    else:
        name = f"praxis_bench_{label}_{os.getpid()}"
    settings_dict.setdefault("TEST", {})["NAME"] = name
    created = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield created
    finally:
        connection.close()
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def settle_after_fill(table: str) -> None:
    """After a benchmark's bulk fill of `table`: the state autovacuum leaves a table in within a minute of
    a bulk insert (PostgreSQL 13+ vacuums after inserts too) — statistics, and the visibility map that
    index-only scans (the lists' counts) need; without it they read the heap for every row (18 ms instead
    of 3.7 for 20 000 open tickets), a state a deployment is in for a minute after a bulk load, not the one
    its lists are read in. On PostgreSQL the ANALYZE commits with `synchronous_commit` on, which flushes
    the WAL of the fill: the benchmark servers run with it off, and VACUUM marks no page all-visible whose
    rows' commits are not flushed yet. On SQLite: the statistics a deployment keeps
    (`planner.refresh_statistics`, as after a migration or an import)."""
    from praxis.core import planner

    if connection.vendor != "postgresql":
        planner.refresh_statistics(table)
        return

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = on")
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {connection.ops.quote_name(table)}")


class StatementCounter:
    """An execute wrapper that notes every statement of a request:
    `with connection.execute_wrapper(StatementCounter(into)): …`."""

    def __init__(self, into: list[str]):
        self.into = into

    def __call__(self, execute, sql, params, many, context):
        self.into.append(sql)
        return execute(sql, params, many, context)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def timed(fn, repeat: int) -> list[float]:
    """`fn` run `repeat` times after a warm-up (caches, the connection): each run's milliseconds."""
    import time

    for _ in range(min(10, repeat)):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def load_demo_practice():
    """The demo practice ("Praktijk De Linde"), loaded as the `demo` command loads it (audited as a
    command), in the benchmark's database; its workspace."""
    from praxis.audit import context
    from praxis.demo.loader import DEMO_SLUG, load_demo
    from praxis.workspaces.models import Workspace

    token = context.set_current(context.AccessPoint(via="command"))
    try:
        load_demo()
    finally:
        context.reset(token)
    return Workspace.objects.get(slug=DEMO_SLUG)
