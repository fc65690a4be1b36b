"""`manage.py bench_import [--rows N]`: time a client import (R-CLI-9) on a throw-away database.

Writes a CSV of N clients (10 standard columns + 3 custom fields, every row valid and distinct), then on
the database DATABASE_URL selects (SQLite or PostgreSQL; a test database of its own):
- parse: reading the file alone (`reading.open_table(...).rows()`);
- validate: the dry run (parse + validation + duplicates) minus parse;
- the commit (`import_commit`): one pass of parse + validate + write (inserts, audit entries), batch by
  batch — "stream" is that pass; on PostgreSQL a thread checks while the writes go to the server,
  "check" is that thread's own pass (overlapped with the writes) and "waited" the part of the stream
  the writer spent waiting for checked rows; on SQLite the batches are checked and written in turn;
  "COMMIT" is the transaction's end (PostgreSQL: the deferred foreign-key checks);
- floor: the same cleaned rows inserted raw in one transaction — `executemany` and one INSERT … SELECT
  into the FTS5 index on SQLite, `COPY` on PostgreSQL — rolled back; the stream and the whole commit
  are printed as a ratio of it.
The commit's CPU time (this process only; on PostgreSQL the server's share is not in it) is printed beside
the wall clock, which a busy machine inflates.
Peak RSS is the process's high-water mark over the upload, dry run and commit; on Linux the mark is
reset after the floor (which holds every row in memory at once) and read from /proc/self/status
(VmHWM) after the commit, elsewhere it is `ru_maxrss` of the whole run. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings
from django_scopes import scope, scopes_disabled

from praxis.clients.imports.services import BATCH
from praxis.clients.search import FTS_WORKSPACE_SHIFT
from praxis.core.benchmarks import throwaway_database

FIRST = ("Zoë", "Jan", "Anna", "Émile", "Lars", "Fenna", "Noah", "Mila", "Sven", "Chloé", "Jürgen", "Inès")
LAST = ("de Vries", "Müller", "Janssen", "Dubois", "Bakker", "Peeters", "Schmidt", "Lefèvre", "Visser")
CITIES = ("Utrecht", "Amsterdam", "Gent", "Köln", "Lille", "Den Haag")


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Voornaam;Achternaam;Roepnaam;Geboortedatum;Geslacht;E-mailadres;Telefoon;Straat;Postcode;"
                  "Woonplaats;Verzekeraar;Sessies;Verwijzer\r\n")
        for i in range(rows):
            first, last = rng.choice(FIRST), f"{rng.choice(LAST)} {i}"
            born = f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(1940, 2015)}"
            phone = f"06 {10000000 + i:08d}"
            out.write(f"{first};{last};;{born};{rng.choice(('female', 'male', ''))};c{i}@example.nl;{phone};"
                      f"Dorpsstraat {i % 300 + 1};{1000 + i % 8999} AB;{rng.choice(CITIES)};"
                      f"{rng.choice(('VGZ', 'CZ', 'Zilveren Kruis'))};{i % 40};Huisarts {i % 97}\r\n")


class Command(BaseCommand):
    help = "Benchmark a client import (parse / validate / write) against a raw insert floor."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)

    @scopes_disabled()  # setting up the bench workspace; the import itself runs in its scope
    def handle(self, *args, **options):
        rows = options["rows"]
        with throwaway_database("import"), tempfile.TemporaryDirectory() as media, override_settings(
                MEDIA_ROOT=media, TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
            self._run(rows, Path(media))

    def _run(self, rows: int, media: Path) -> None:
        from django.core.files import File

        from praxis.clients.imports import services as imports
        from praxis.clients.models import Client, CustomField, ImportJob
        from praxis.workspaces.access import resolve_access
        from praxis.workspaces.services import workspace_create
        from praxis.workspaces.signup import user_sign_up

        owner = user_sign_up(email="bench-owner@example.test", password="bench-Password-1", first_name="Bench")
        workspace = workspace_create(actor=owner, name="Bench import", tier="practice")
        CustomField.objects.bulk_create([
            CustomField(workspace=workspace, key="verzekeraar", label="Verzekeraar", field_type="single_select",
                        builtin_section="care", choices=["VGZ", "CZ", "Zilveren Kruis"]),
            CustomField(workspace=workspace, key="sessies", label="Sessies", field_type="number",
                        builtin_section="care"),
            CustomField(workspace=workspace, key="verwijzer", label="Verwijzer", field_type="text",
                        builtin_section="care"),
        ])
        access = resolve_access(owner, workspace.slug)
        path = media / "bench.csv"
        write_csv(path, rows)
        size = path.stat().st_size / 1e6
        self.stdout.write(f"database: {connection.vendor}; file: {rows} rows, {size:.1f} MB, 13 columns")

        with scope(workspace=workspace):
            with path.open("rb") as handle:
                job = imports.import_upload(access=access, filename="bench.csv", content=File(handle, name="bench.csv"))
            unmapped = [name for name, target in job.mapping.items() if not target]
            table = imports.table_of(job)
            start = time.perf_counter()
            count = sum(1 for _row in table.rows())
            parse = time.perf_counter() - start

            start = time.perf_counter()
            checked = imports.import_check(access=access, job_id=job.pk)
            check = time.perf_counter() - start
            assert checked.report["importable"] == rows, (checked.report["importable"], checked.report["invalid"][:3])

            floor = self._floor(self._cleaned(table, job, workspace), workspace)
            rss_reset = _reset_peak_rss()  # the floor held every row in memory at once: not the import's

            start, cpu = time.perf_counter(), time.process_time()
            report = imports.import_commit(access=access, job_id=job.pk)
            total, cpu = time.perf_counter() - start, time.process_time() - cpu
            rss = _peak_rss_mb(rss_reset)
            imported = Client.objects.filter(workspace=workspace).count()
        timings = report.timings
        stream = timings["stream"]
        if connection.vendor == "postgresql":  # checked in a thread beside the writes
            how = (f"overlapped) {stream:.2f} s [check thread {timings['check']:.2f} s, "
                   f"writer waited for it {timings['waited']:.2f} s]")
        else:  # checked batch by batch in turn with the writes (services._commit)
            how = f"in turn) {stream:.2f} s"
        self.stdout.write(
            f"import {rows} rows ({connection.vendor}): parse {parse:.2f} s, validate {check - parse:.2f} s "
            f"(dry run {check:.2f} s); commit total {total:.2f} s (this process's CPU {cpu:.2f} s; in it: "
            f"stream (parse+validate+write, {how}, COMMIT {timings['commit']:.2f} s); "
            f"floor ({'COPY' if connection.vendor == 'postgresql' else 'executemany'}) {floor:.2f} s; "
            f"stream/floor {stream / floor:.1f}×, total/floor {total / floor:.1f}×; peak RSS {rss:.0f} MB; "
            f"{imported} imported, {count} rows read, unmapped columns: {unmapped or 'none'}")
        assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE

    def _cleaned(self, table, job, workspace) -> list[tuple]:
        """The file's rows as the import cleans them, all in memory, in the floor's columns."""
        from praxis.clients.imports import engine

        checker = engine.Checker(workspace=workspace, table=table, mapping=job.mapping,
                                 definitions=list(workspace.client_fields.all()))
        tuples = []
        for row in checker.stream(engine.Report()):
            born = row[4]  # a date's ordinal in a cleaned row
            born = None if born is None else dt.date.fromordinal(born).isoformat()
            tuples.append((workspace.pk, *row[1:4], born, *row[5:]))  # the columns below
        return tuples

    def _floor(self, tuples: list[tuple], workspace) -> float:
        """The same rows, cleaned, inserted raw in one transaction (rolled back)."""
        columns = ("workspace_id", "first_name", "last_name", "preferred_name", "date_of_birth", "gender", "email",
                   "phone", "street", "postal_code", "city", "country", "national_id", "language", "custom",
                   "search_text")
        start = time.perf_counter()
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":
                        raw = cursor.cursor  # psycopg 3
                        with raw.copy(f"COPY clients_client ({', '.join(columns)}, status, created_at, updated_at) "
                                      "FROM STDIN") as copy:
                            for values in tuples:
                                copy.write_row((*values, "active", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
                    else:  # the FTS5 index written once for all rows, not by the per-row trigger
                        marks = ", ".join(["%s"] * (len(columns) + 3))
                        cursor.execute("DROP TRIGGER clients_client_fts_insert")
                        cursor.executemany(
                            f"INSERT INTO clients_client ({', '.join(columns)}, status, created_at, updated_at) "
                            f"VALUES ({marks})",
                            [(*values, "active", "2026-01-01 00:00:00", "2026-01-01 00:00:00") for values in tuples])
                        # Indexed in slices of the import's batch size, as the import does: one INSERT … SELECT
                        # of all 100 000 rows took FTS5 ~10x longer than the slices (measured 2026-12-04).
                        cursor.execute("SELECT min(id), max(id) FROM clients_client WHERE workspace_id = %s",
                                       [workspace.pk])
                        first, last = cursor.fetchone()
                        for low in range(first, last + 1, BATCH):
                            cursor.execute("INSERT INTO clients_client_fts (rowid, search_text) "
                                           "SELECT workspace_id * %s + id, search_text FROM clients_client "
                                           "WHERE id BETWEEN %s AND %s", [FTS_WORKSPACE_SHIFT, low, low + BATCH - 1])
                elapsed = time.perf_counter() - start
                raise _Rollback
        except _Rollback:
            pass
        return elapsed


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def _peak_rss_mb(was_reset: bool) -> float:
    if was_reset:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Rollback(Exception):
    pass
