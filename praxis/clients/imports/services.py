"""The writes of a client import (R-CLI-9, R-AUD-1): upload, mapping, dry run, commit.

The browser, the API and `manage.py import_clients` call only these. `import_commit` is all-or-nothing:
parsing, validation, the account type's client limit (as `services.check_room_for`, under a lock of the
workspace row) and every insert run in ONE transaction, checked and written in one pass (on PostgreSQL a
thread checks while the database writes); a failure, a refusal or a killed process leaves no client.
The job row is written outside that transaction (status before and after, progress by `progress.Progress`)
so another connection sees it move.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files.base import File
from django.db import connection, connections, transaction
from django.utils.translation import gettext as _

from praxis.audit import services as audit
from praxis.billing.catalogue import check_client_limit
from praxis.core import bulk, clock, planner
from praxis.core.errors import Conflict, NotFound, ServiceError
from praxis.core.lifecycle import LifecycleStatus
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

    The file is checked and written in one pass (`_commit`), so the limit is known to hold only as the
    rows go in: it is checked before each batch, inside the transaction. `fail_at` (tests) raises when
    the write step reaches that importable row, after every row before it was inserted; `on_progress`
    gets the progress values as they are written (the command's progress bar)."""
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
        report = _commit(access, job, table, accepted, fail_at=fail_at, report_progress=report_progress)
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
    search.settle_index()  # PostgreSQL: the search index's pending entries merged, for the searches to come
    job.report = report.as_json()
    job.status, job.finished_at = ImportJob.Status.DONE, clock.now()
    job.rows_total, job.rows_done, job.imported = report.rows, report.rows, report.imported
    job.save(update_fields=["report", "status", "finished_at", "rows_total", "rows_done", "imported"])
    return report


def _commit(access: Access, job: ImportJob, table: reading.Table, accepted: dict[str, str],
            *, fail_at: int | None, report_progress: Callable[..., None]) -> engine.Report:
    """Check the file and write its importable rows in one pass, inside the one transaction, batch by
    batch, with no copy of the file's rows kept: on PostgreSQL a thread checks (parses, validates, finds
    duplicates) the rows of batch N+1 while this one writes batch N, and the server takes a COPY's rows
    as they arrive, so its work and Python's overlap. The
    client limit is checked before each batch is written, for every row written so far (the same
    refusal `check_room_for` gives for the whole file); a refusal or failure rolls everything back."""
    workspace = access.workspace
    with _sqlite_page_cache(), transaction.atomic():
        # Two imports (or an import and "+ New client") must not both pass the client limit.
        Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
        expected = job.report.get("rows") if job.report else 0
        report_progress(force=True, rows_total=expected or 0, rows_done=0, imported=0, phase="importing")
        admit = _room_for(workspace)
        report = engine.Report()
        checker = engine.Checker(workspace=workspace, table=table, mapping=accepted,
                                 definitions=_all_definitions(access))
        # PostgreSQL does its share in a server process of its own, which takes a COPY's rows as they
        # arrive: the check runs in a thread beside the writes. SQLite's share is this process's, and a
        # second thread only slows it (measured, issue 7: 100 000 rows in 10.2 s, 9.6 s without).
        background = connection.vendor == "postgresql"
        started = time.perf_counter()
        with (_quick_thread_switches() if background else nullcontext(),
              _checked_in_batches(checker.stream(report), read=lambda: report.rows, timings=report.timings,
                                  background=background) as batches):
            report.imported = _write(access, job, batches, admit=admit, fail_at=fail_at,
                                     on_batch=lambda read, done: report_progress(rows_done=read, imported=done))
        audit.record(code="clients.imported", action="create", actor=access.user, workspace=workspace, obj=job,
                     role=access.membership.role, permission=CLIENTS_MANAGE,
                     data={"rows": report.rows, "imported": report.imported, "invalid": len(report.invalid),
                           "duplicates": len(report.duplicates), "file": job.filename})
        report.timings["stream"] = time.perf_counter() - started  # check and write, overlapped
        report_progress(force=True, rows_total=report.rows, rows_done=report.rows, imported=report.imported)
        started = time.perf_counter()
    report.timings["commit"] = time.perf_counter() - started  # the database's COMMIT of it all
    return report


def _room_for(workspace: Workspace) -> Callable[[int], None]:
    """`client_services.check_room_for` for rows written as they come: the active clients counted once,
    before the first insert (under the workspace's row lock, so nobody else adds any meanwhile); the
    returned check refuses, with the limit's message, when `adding` more would pass the account type's
    limit."""
    active = Client.objects.filter(workspace=workspace, status=LifecycleStatus.ACTIVE).count()
    account_type = client_services.workspace_account_type(workspace)

    def admit(adding: int) -> None:
        if adding > 0:
            check_client_limit(account_type=account_type, active_clients=active + adding - 1)
    return admit


# The interpreter's thread switch interval while an import checks in one thread and writes in another
# (`sys.setswitchinterval`; CPython's default is 5 ms). The writer waits on the database many times per
# batch (each COPY buffer sent, each statement's reply) and each time must get the interpreter back from
# the checking thread, which keeps it up to the interval: at 5 ms the writer lost ~2 s of 100 000 rows
# to that, and the database idled meanwhile (issue 7: stream 9.9 s at 5 ms, 7.7 s at 0.5 ms).
IMPORT_SWITCH_INTERVAL = 0.0005
_switching = threading.Lock()
_switching_users = [0, 0.0]  # imports running in this process, the interval found by the first


@contextmanager
def _quick_thread_switches() -> Iterator[None]:
    """`IMPORT_SWITCH_INTERVAL` for the block, then the interval found before (a process-wide setting:
    counted, so concurrent imports in threads of one process restore it once, when the last ends)."""
    with _switching:
        if not _switching_users[0]:
            _switching_users[1] = sys.getswitchinterval()
            sys.setswitchinterval(IMPORT_SWITCH_INTERVAL)
        _switching_users[0] += 1
    try:
        yield
    finally:
        with _switching:
            _switching_users[0] -= 1
            if not _switching_users[0]:
                sys.setswitchinterval(_switching_users[1])


# Batches the checking thread may have ready ahead of the writer: enough that the writer never waits
# for a batch the checker could have finished, few enough that memory stays flat (a batch of `BATCH`
# cleaned rows is a few MB).
AHEAD = 2


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


_END = object()


def _no_queries(execute, sql, params, many, context):
    raise RuntimeError("the import's checking thread queries nothing (its connection is not the import's)")


def _inline(rows: Iterator[tuple], *, read: Callable[[], int],
            timings: dict[str, float]) -> Iterator[tuple[int, list[tuple]]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield read(), batch
            batch = []
    if batch:
        yield read(), batch
    timings["waited"] = 0.0


@contextmanager
def _checked_in_batches(rows: Iterator[tuple], *, read: Callable[[], int], timings: dict[str, float],
                        background: bool) -> Iterator[Iterator[tuple[int, list[tuple]]]]:
    """`rows` (the checker's, pure Python) in batches of `BATCH`: the block gets `(rows read so far,
    batch)`s in order. Without `background`, checked as the block asks for them. With it, in a thread of
    its own (at most `AHEAD` batches ahead), so the block gets each batch while the thread is already
    checking the next ones; an error in the thread is raised in the block, at the point the file
    reached, and when the block ends (also by an error) the thread is stopped and joined. The thread
    runs in a copy of this context (the active language of the messages, the workspace scope) and may
    not query the database: its connection would not be the import's (`_no_queries`).
    `timings["waited"]`: the block's time spent waiting for the check."""
    handoff: queue.Queue = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                pass
        return False

    def produce() -> None:
        try:
            with connection.execute_wrapper(_no_queries):
                batch: list[tuple] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= BATCH:
                        if not put((read(), batch)):
                            return
                        batch = []
                if batch and not put((read(), batch)):
                    return
            put(_END)
        except BaseException as exc:  # handed to the writer, which raises it
            put(_Failed(exc))
        finally:
            connections.close_all()  # this thread's own (unused) connections

    def batches() -> Iterator[tuple[int, list[tuple]]]:
        waited = 0.0
        try:
            while True:
                started = time.perf_counter()
                item = handoff.get()
                waited += time.perf_counter() - started
                if item is _END:
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item
        finally:
            timings["waited"] = waited

    if not background:
        yield _inline(rows, read=read, timings=timings)
        return
    worker = threading.Thread(target=contextvars.copy_context().run, args=(produce,), name="praxis-import-check",
                              daemon=True)
    worker.start()
    try:
        yield batches()
    finally:
        stop.set()
        worker.join()


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


def _write(access: Access, job: ImportJob, batches: Iterator[tuple[int, list[tuple]]], *,
           admit: Callable[[int], None], on_batch: Callable[[int, int], None], fail_at: int | None = None) -> int:
    """Insert the checked rows batch by batch as they come (`(rows read, batch)`s), raw
    (`praxis.core.bulk`: COPY on PostgreSQL, executemany on SQLite, whose FTS5 index is written per batch
    by `search.sqlite_index_in_bulk`), with the search text every write path sets (R-CLI-8), computed by
    the check. Before each batch, `admit(rows written with it)` (the client limit). Each new client gets
    its own `client.created` entry (R-AUD-1: the client's access history shows how it came), appended in
    bulk by `audit.record_each`; in a `team` workspace, for a member who sees only their own clients, the
    importer becomes the assigned clinician, as `client_create` does. `fail_at` (tests) raises at that
    importable row, after every row before it was inserted."""
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

    def flush(batch: list[tuple]) -> None:
        nonlocal done
        if not batch:
            return
        ids = bulk.allocate_ids(Client, len(batch))

        def values() -> Iterator[tuple]:  # made as the COPY sends them, so the server starts at once
            for pk, row in zip(ids, batch, strict=True):
                born = row[4]
                if born is not None:
                    born = fromordinal(born) if postgres else fromordinal(born).isoformat()
                yield (pk, *row[1:4], born, *row[5:])  # ROW_FIELDS, custom (JSON text), search text

        clients.insert(values())
        index(ids[0], ids[-1])  # SQLite: the batch's search index rows at once (ids are consecutive there)
        if assign:
            assigned.insert([(pk,) for pk in ids])
        audit.record_each(code="client.created", action="create", actor=access.user, workspace=workspace,
                          object_type=Client._meta.label_lower, ids=[(pk, pk) for pk in ids],
                          role=access.membership.role, permission=CLIENTS_MANAGE,
                          data={"via": "import", "import": job.pk})
        done += len(batch)

    with search.sqlite_index_in_bulk() as index:
        for read, batch in batches:
            if fail_at is not None and done < fail_at <= done + len(batch):
                flush(batch[:fail_at - 1 - done])
                on_batch(read, done)
                raise RuntimeError(f"failure injected at row {fail_at}")  # tests: after {fail_at - 1} inserts
            admit(done + len(batch))
            flush(batch)
            on_batch(read, done)
    return done


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"
