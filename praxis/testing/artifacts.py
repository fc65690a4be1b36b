"""Where tests leave files for CI's artefacts (screenshots of failing browser checks).

`scripts/test.sh` runs the suite twice (SQLite, then PostgreSQL), each run possibly split over pytest-xdist
workers, so a path must be unique per run and per test: the run's directory comes from
``$PRAXIS_TEST_ARTIFACTS`` (test.sh sets ``test-artifacts/<run>``; default ``test-artifacts``), and every
file of a test lives in a directory named after the test's node id. Two tests (or two workers) never
write the same file; a run never overwrites the other run's pictures.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _safe(text: str, limit: int) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:limit] or "test"


def artifacts_dir() -> Path:
    """This run's artefacts directory."""
    configured = os.environ.get("PRAXIS_TEST_ARTIFACTS")
    return Path(configured) if configured else ROOT / "test-artifacts"


def current_test_id() -> str:
    """The node id of the test running now (pytest sets ``PYTEST_CURRENT_TEST`` in every worker)."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "")
    return current.rsplit(" (", 1)[0] or "outside-a-test"


def screenshot_path(name: str, *, test_id: str | None = None) -> Path:
    """``<artifacts>/screenshots/<test node id>/<name>.png`` for the running (or the given) test."""
    test = _safe(test_id if test_id is not None else current_test_id(), 150)
    return artifacts_dir() / "screenshots" / test / f"{_safe(name, 120)}.png"
