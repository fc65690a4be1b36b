"""The writes of a client import (R-CLI-9, R-AUD-1): upload, mapping, dry run, commit.

The browser, the API and `manage.py import_clients` call only these. `import_commit` is all-or-nothing:
parsing, validation, the account type's client limit (`services.check_room_for`, under a lock of the
workspace row) and every insert run in ONE transaction; a failure or a killed process leaves no client.
The job row is written outside that transaction (status before and after, progress by `progress.Progress`)
so another connection sees it move.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files.base import File
from django.db import connection, transaction
from django.utils.translation import gettext as _

from praxis.audit import services as audit
from praxis.core import bulk, clock, planner
from praxis.core.errors import Conflict, NotFound, ServiceError
from praxis.core.transactions import record_refusal, service_transaction
from praxis.workspaces.models import Workspace
from praxis.workspaces.roles import CLIENTS_MANAGE

from .. import policies, search, selectors
from .. import services as client_services
from ..fields import SENSITIVE_BUILTIN_FIELDS
from ..models import Client, ImportJob
from . import engine, mapping, progress, reading

if TYPE_CHECKING:
    from praxis.workspaces.access import Access

BATCH = 5000
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
IMPORT_STALE_AFTER = dt.timedelta(minutes=10)  # progress is written every 0.2 s while a worker lives


def _definitions(access: Access):
    return policies.visible_custom_fields(access, selectors.live_fields(workspace=access.workspace))


def _all_definitions(access: Access):
    return list(selectors.live_fields(workspace=access.workspace))


def import_job_get(*, access: Access, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(workspace=access.workspace, pk=job_id).first()
    if job is None:
        raise NotFound("not_found", _("Not found."))
    expire_if_stale(job)
    return job


def expire_if_stale(job: ImportJob) -> bool:
    """A job left `running` by a worker that is gone — the process killed, the machine restarted — is
    marked failed once nothing has shown it alive for `IMPORT_STALE_AFTER` (its start, its progress
    writes): its transaction died with it, so nothing was imported (R-CLI-9), and it may be started
    again. One conditional UPDATE, so a worker that does finish still wins; logged as the import's
    failure (R-AUD-1). Called wherever a job is shown (the job page, the recent list, the API)."""
    if job.status != ImportJob.Status.RUNNING:
        return False
    last = progress.last_sign_of_life(job)
    now = clock.now()
    if last is not None and now - last < IMPORT_STALE_AFTER:
        return False
    message = _("The import stopped before it finished (its worker is gone); nothing was imported.")
    with transaction.atomic():
        expired = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
            status=ImportJob.Status.FAILED, error=message, finished_at=now, imported=0)
        if expired:
            audit.record(code="clients.imported", action="create", outcome="error", workspace=job.workspace,
                         obj=job, permission=CLIENTS_MANAGE, data={"reason": "stale", "file": job.filename})
    if expired:
        progress.forget(job.pk)
        job.refresh_from_db()
    return bool(expired)


def _local_path(job: ImportJob) -> str:
    """The uploaded file on this machine's disk: itself on local storage; from an object store
    (PRAXIS_STORAGE=s3) a copy in the temporary directory, fetched once per machine and job (the reader
    goes through the file more than once: the header, the dry run, the import)."""
    try:
        return job.file.path
    except NotImplementedError:  # storage without local paths (S3)
        pass
    folder = Path(tempfile.gettempdir()) / "praxis-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    # Keyed by the object's name in the store: unique per upload, known before the job is saved.
    local = folder / (hashlib.sha256(job.file.name.encode()).hexdigest()[:32] + Path(job.file.name).suffix)
    if not local.exists():
        partial = local.with_suffix(local.suffix + ".part")
        with job.file.open("rb") as source, partial.open("wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        partial.replace(local)  # whole or not at all, also for a reader in another thread
    return str(local)


def table_of(job: ImportJob) -> reading.Table:
    return reading.open_table(_local_path(job), filename=job.filename)


@service_transaction
def import_upload(*, access: Access, filename: str, content: Any) -> ImportJob:
    """Store an uploaded file as a new import job with a proposed mapping (nothing imported yet)."""
    access.require(CLIENTS_MANAGE, code="clients.import_uploaded")
    name = Path(filename or "import.csv").name[:200] or "import.csv"
    size = getattr(content, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ServiceError("file_too_large", _("The file is larger than 100 MB."), field="file")
    job = ImportJob(workspace=access.workspace, created_by=access.user, filename=name)
    job.file.save(name, content if isinstance(content, File) else File(content, name=name), save=False)
    try:
        table = table_of(job)
    except ServiceError:
        job.file.delete(save=False)
        raise
    hidden = () if policies.may_see_sensitive(access) else SENSITIVE_BUILTIN_FIELDS
    job.mapping = mapping.auto_map(table.header, _definitions(access), exclude=hidden)
    job.save(force_insert=True)
    audit.record(code="clients.import_uploaded", action="create", actor=access.user, workspace=access.workspace,
                 obj=job, role=access.membership.role, permission=CLIENTS_MANAGE,
                 data={"columns": len(table.header), "kind": table.kind})
    return job


@service_transaction
def import_map(*, access: Access, job_id: int, columns: Mapping[str, str]) -> ImportJob:
    """Set the mapping (header → target); refused when a member without `clients.sensitive` maps a
    sensitive field (R-ROLE-3). A new mapping makes the last dry run stale."""
    access.require(CLIENTS_MANAGE, code="clients.import_mapped")
    job = _open_job(access, job_id)
    table = table_of(job)
    merged = {**job.mapping, **dict(columns)}
    job.mapping = mapping.check_mapping(access, merged, header=table.header, definitions=_all_definitions(access),
                                        code="clients.import_mapped")
    job.report, job.status = {}, ImportJob.Status.UPLOADED
    job.save(update_fields=["mapping", "report", "status"])
    audit.record(code="clients.import_mapped", action="update", actor=access.user, workspace=access.workspace,
                 obj=job, role=access.membership.role, permission=CLIENTS_MANAGE)
    return job


def _open_job(access: Access, job_id: int) -> ImportJob:
    job = import_job_get(access=access, job_id=job_id)
    if job.status in (ImportJob.Status.RUNNING, ImportJob.Status.DONE):
        raise Conflict("import_started", _("This import has already been started."))
    return job


@service_transaction
def import_check(*, access: Access, job_id: int) -> ImportJob:
    """The dry run: the report of every invalid row and every duplicate, stored on the job; nothing else
    is written."""
    access.require(CLIENTS_MANAGE, code="clients.import_checked")
    job = _open_job(access, job_id)
    table = table_of(job)
    accepted = mapping.check_mapping(access, job.mapping, header=table.header, definitions=_all_definitions(access),
                                     code="clients.import_checked")
    report = engine.Checker(workspace=access.workspace, table=table, mapping=accepted,
                            definitions=_all_definitions(access)).run()
    job.report = report.as_json()
    job.rows_total = report.rows
    job.status = ImportJob.Status.CHECKED
    job.save(update_fields=["report", "rows_total", "status"])
    audit.record(code="clients.import_checked", action="execute", actor=access.user, workspace=access.workspace,
                 obj=job, role=access.membership.role, permission=CLIENTS_MANAGE,
                 data={"rows": report.rows, "importable": report.importable, "invalid": len(report.invalid),
                       "duplicates": len(report.duplicates)})
    return job


def import_commit(*, access: Access, job_id: int, fail_at: int | None = None,
                  on_progress: Callable[[dict], None] | None = None) -> engine.Report:
    """Import the job's importable rows in ONE transaction (R-CLI-9): all of them, or — on any failure,
    or when the process is killed — none. Duplicates and invalid rows are skipped and reported.

    `fail_at` (tests) raises when the write step reaches that row, after every row before it was inserted; `on_progress` gets the
    progress values as they are written (the command's progress bar)."""
    try:
        access.require(CLIENTS_MANAGE, code="clients.imported")
        with transaction.atomic():
            job = _open_job(access, job_id)
            table = table_of(job)
            accepted = mapping.check_mapping(access, job.mapping, header=table.header,
                                             definitions=_all_definitions(access))
            ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, rows_done=0,
                                                       imported=0, error="", started_at=clock.now(),
                                                       heartbeat_at=None, finished_at=None)
    except ServiceError as exc:
        record_refusal(exc)  # not a `service_transaction`: its job row is written outside the import's
        raise
    job.refresh_from_db()
    tracker = progress.Progress(job.pk)

    def report_progress(**values: Any) -> None:
        tracker.update(**values)
        if on_progress:
            on_progress(dict(tracker.values))

    try:
        with tempfile.TemporaryFile(prefix="praxis-import-") as spill:
            report = _commit(access, job, table, accepted, spill, fail_at=fail_at, report_progress=report_progress)
    except Exception as exc:
        tracker.close()
        message = exc.message if isinstance(exc, ServiceError) else _("The import failed; nothing was imported.")
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=message,
                                                   finished_at=clock.now(), imported=0)
        audit.record(code="clients.imported", action="create", outcome="error", actor=access.user,
                     workspace=access.workspace, obj=job, role=access.membership.role, permission=CLIENTS_MANAGE,
                     data={"reason": getattr(exc, "code", "error")})
        raise
    tracker.close()
    planner.refresh_statistics(Client._meta.db_table)  # SQLite: the table just grew at once
    job.report = report.as_json()
    job.status, job.finished_at = ImportJob.Status.DONE, clock.now()
    job.rows_total, job.rows_done, job.imported = report.rows, report.rows, report.imported
    job.save(update_fields=["report", "status", "finished_at", "rows_total", "rows_done", "imported"])
    return report


def _commit(access: Access, job: ImportJob, table: reading.Table, accepted: dict[str, str], spill,
            *, fail_at: int | None, report_progress: Callable[..., None]) -> engine.Report:
    import time

    workspace = access.workspace
    with _sqlite_page_cache(), transaction.atomic():
        # Two imports (or an import and "+ New client") must not both pass the client limit.
        Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
        expected = job.report.get("rows") if job.report else 0
        report_progress(force=True, rows_total=expected or 0, rows_done=0, imported=0, phase="checking")
        checker = engine.Checker(workspace=workspace, table=table, mapping=accepted,
                                 definitions=_all_definitions(access),
                                 on_progress=lambda n: report_progress(rows_done=n))
        report = checker.run(spill=spill)
        client_services.check_room_for(workspace=workspace, adding=report.importable)
        report_progress(force=True, rows_total=report.rows, rows_done=report.rows, phase="writing")
        started = time.perf_counter()
        spill.seek(0)
        report.imported = _write(access, job, engine.spilled_rows(spill), fail_at=fail_at,
                                 on_batch=lambda n: report_progress(imported=n))
        audit.record(code="clients.imported", action="create", actor=access.user, workspace=workspace, obj=job,
                     role=access.membership.role, permission=CLIENTS_MANAGE,
                     data={"rows": report.rows, "imported": report.imported, "invalid": len(report.invalid),
                           "duplicates": len(report.duplicates), "file": job.filename})
        report.timings["write"] = time.perf_counter() - started
        report_progress(force=True, imported=report.imported)
        started = time.perf_counter()
    report.timings["commit"] = time.perf_counter() - started  # the database's COMMIT of it all
    return report


# SQLite's page cache for the import's connection while it writes (KiB, as `PRAGMA cache_size` takes a
# negative value): the default 2 MB holds a small part of the pages 100 000 clients, their audit entries
# and the FTS5 index touch, so the transaction spills dirty pages and reads back evicted ones (the FTS5
# segments most). A cap, not an allocation: the pages are taken as used and freed when it is restored;
# 64 MiB keeps the import under its memory budget (RSS < 300 MB at 300 000 rows, issue 7: 128 MiB gave 327 MB).
SQLITE_IMPORT_CACHE_KIB = 64 * 1024


@contextmanager
def _sqlite_page_cache() -> Iterator[None]:
    """SQLite: a larger page cache for this connection until the block (the import's transaction,
    committed inside it) ends, then the previous size again. Only the cache of this connection: nothing
    about durability or the journal changes. Elsewhere: nothing."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous:d}")


def _write(access: Access, job: ImportJob, rows, *, on_batch: Callable[[int], None],
           fail_at: int | None = None) -> int:
    """Insert the spilled rows in batches of `BATCH`, raw (`praxis.core.bulk`: COPY on PostgreSQL,
    executemany on SQLite, whose FTS5 index is written per batch by `search.sqlite_index_in_bulk`), with
    the search text every write path sets (R-CLI-8), computed by the check. Each new client gets its own `client.created` entry
    (R-AUD-1: the client's access history shows how it came), appended in bulk by `audit.record_each`;
    in a `team` workspace, for a member who sees only their own clients, the importer becomes the
    assigned clinician, as `client_create` does."""
    workspace = access.workspace
    actor_id = access.user.pk if getattr(access.user, "pk", None) else None
    assign = policies.sees_only_assigned(access)
    moment = clock.now()
    template = Client(workspace_id=workspace.pk, created_by_id=actor_id, created_at=moment, updated_at=moment)
    clients = bulk.Inserter(Client, template, ("id", *engine.ROW_FIELDS, "custom", "search_text"))
    through = Client.clinicians.through
    assigned = bulk.Inserter(through, through(membership_id=access.membership.pk), ("client_id",))
    postgres = connection.vendor == "postgresql"
    fromordinal = dt.date.fromordinal
    done = 0
    batch: list[tuple] = []

    def flush() -> None:
        nonlocal done
        ids = bulk.allocate_ids(Client, len(batch))
        values = []
        for pk, row in zip(ids, batch, strict=True):
            born = row[4]
            if born is not None:
                born = fromordinal(born) if postgres else fromordinal(born).isoformat()
            values.append((pk, *row[1:4], born, *row[5:]))  # ROW_FIELDS, custom (JSON text), search text
        clients.insert(values)
        index(ids[0], ids[-1])  # SQLite: the batch's search index rows at once (ids are consecutive there)
        if assign:
            assigned.insert([(pk,) for pk in ids])
        audit.record_each(code="client.created", action="create", actor=access.user, workspace=workspace,
                          object_type=Client._meta.label_lower, ids=[(pk, pk) for pk in ids],
                          role=access.membership.role, permission=CLIENTS_MANAGE,
                          data={"via": "import", "import": job.pk})
        done += len(batch)
        batch.clear()
        on_batch(done)

    with search.sqlite_index_in_bulk() as index:
        for number, row in enumerate(rows, start=1):
            if number == fail_at:
                if batch:
                    flush()
                raise RuntimeError(f"failure injected at row {fail_at}")  # tests: after {fail_at - 1} inserts
            batch.append(row)
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    return done


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"
