"""Progress of a running import, visible to other connections while its one transaction is open (R-CLI-9).

The commit holds its transaction open for the whole write, so a progress value written through the same
connection would only appear when everything is done. Progress is therefore written outside it:

- PostgreSQL: through a second database connection in autocommit, straight into the `ImportJob` row the
  page polls (`UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)`: should the row be locked by an
  enclosing transaction — a test's — the update is skipped instead of waiting).
- SQLite: one writer per database (the import's IMMEDIATE transaction holds the write lock from its first
  statement), so a second connection could not write at all. Progress goes to a small side file next to
  the uploads (`<MEDIA_ROOT>/import-progress/<job id>.json`, replaced atomically), which `read()` prefers
  while the job runs. The file is removed when the job ends.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

from praxis.core import clock


def _side_file(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "import-progress" / f"{job_id}.json"


class Progress:
    """Write `rows_total`, `rows_done` (rows checked) and `imported` (rows written) at most every
    `every` seconds (and always when `force`). The commit checks and writes in one pass (one phase,
    "importing"), so both move together."""

    def __init__(self, job_id: int, *, every: float = 0.2):
        self.job_id = job_id
        self.every = every
        self._last = 0.0
        self._conn: Any = None
        self.values = {"rows_total": 0, "rows_done": 0, "imported": 0, "phase": "importing"}
        if connection.vendor == "postgresql":
            self._conn = connections.create_connection("default")

    def update(self, *, force: bool = False, **values: Any) -> None:
        self.values.update(values)
        moment = time.monotonic()
        if not force and moment - self._last < self.every:
            return
        self._last = moment
        if self._conn is not None:
            with self._conn.cursor() as cursor:
                cursor.execute(
                    "UPDATE clients_importjob SET rows_total = %s, rows_done = %s, imported = %s, heartbeat_at = %s "
                    "WHERE id = (SELECT id FROM clients_importjob WHERE id = %s FOR UPDATE SKIP LOCKED)",
                    [self.values["rows_total"], self.values["rows_done"], self.values["imported"], clock.now(),
                     self.job_id])
        else:
            path = _side_file(self.job_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps({**self.values, "at": clock.now().isoformat()}))
            os.replace(temporary, path)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        _side_file(self.job_id).unlink(missing_ok=True)


def last_sign_of_life(job) -> dt.datetime | None:
    """When a running job last showed it was alive: its start, its last progress write (the row on
    PostgreSQL, the side file on SQLite), whichever is newest."""
    moments = [m for m in (job.started_at, job.heartbeat_at) if m is not None]
    try:
        moments.append(dt.datetime.fromisoformat(json.loads(_side_file(job.pk).read_text())["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return max(moments) if moments else None


def forget(job_id: int) -> None:
    _side_file(job_id).unlink(missing_ok=True)


def read(job) -> dict[str, Any]:
    """The job's progress: its row, or the side file while it runs on SQLite."""
    values = {"rows_total": job.rows_total, "rows_done": job.rows_done, "imported": job.imported,
              "phase": "importing"}
    if job.status == job.Status.RUNNING:
        try:
            values.update(json.loads(_side_file(job.pk).read_text()))
        except (OSError, ValueError):
            pass
    expected = job.report.get("importable") if job.report else None
    total = (values["rows_total"] or 0) + (expected if expected is not None else values["rows_total"] or 0)
    done = (values["rows_done"] or 0) + (values["imported"] or 0)
    if job.status == job.Status.DONE:
        percent = 100
    else:
        percent = min(99, int(100 * done / total)) if total else 0
    values["percent"] = percent
    return values
