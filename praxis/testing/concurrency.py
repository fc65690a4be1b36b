"""Real parallel transactions for the concurrency tests: each thread has its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


def race(fn: Callable[[int], Any], n: int) -> list:
    """Run `fn(i)` in `n` threads released together; return each result or the exception it raised
    (collected, so the test asserts on every outcome — a deadlock or "database is locked" fails it)."""
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return fn(i)
        except Exception as exc:  # collected and asserted on by the test
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))
