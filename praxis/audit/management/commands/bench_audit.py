"""`manage.py bench_audit`: audit appends of 4 workspaces at once against 4 appenders in one workspace.

Issue 7 ("Audit at the scale of client reads"): each workspace has its own chain and advisory lock, so
appends of different workspaces should not queue. On a throw-away PostgreSQL database, `--processes`
processes append for `--seconds` each, every append in its own transaction the way a service writes it
(the entry, then `--hold-ms` of the rest of the caller's transaction while the chain lock is held, then
the commit). Run once with every process in its own workspace, once with all in one workspace; prints
both rates and their ratio, then verifies every chain. Nothing is asserted: figures belong in reports.
"""

import multiprocessing
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from praxis.audit.models import AuditEvent
from praxis.audit.services import record, verify_chains
from praxis.core.benchmarks import throwaway_database
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up


def _appender(workspace_id: int, seconds: float, hold_ms: float, start, results) -> None:
    """One process: append in `workspace_id` until `seconds` have passed since `start` was set."""
    from praxis.workspaces.models import Workspace

    connection.close()  # never share the parent's socket
    workspace = Workspace.objects.get(pk=workspace_id)
    start.wait()
    count, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        with transaction.atomic():
            record(code="client.viewed", action="read", workspace=workspace, client_id=count,  # a client read
                   data={"n": count})
            if hold_ms:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_sleep(%s)", [hold_ms / 1000])
        count += 1
    connection.close()
    results.put(count)


class Command(BaseCommand):
    help = "Benchmark audit appends: N processes in N workspaces vs N processes in one (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--processes", type=int, default=4)
        parser.add_argument("--seconds", type=float, default=3.0)
        parser.add_argument("--hold-ms", default="0,2",
                            help="comma-separated: time the caller's transaction goes on after its append "
                            "(its other statements and round trips, chain lock held); one run per value")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("bench_audit: needs PostgreSQL (DATABASE_URL=postgres://…); on SQLite every "
                              "writer queues on the database lock anyway. Skipped.")
            return
        holds = [float(h) for h in str(options["hold_ms"]).split(",")]
        with throwaway_database("audit") as test_db:
            self._run(test_db, options["processes"], options["seconds"], holds)

    def _rate(self, workspace_ids: list[int], seconds: float, hold_ms: float) -> float:
        ctx = multiprocessing.get_context("fork")
        start, results = ctx.Event(), ctx.Queue()
        connection.close()
        procs = [ctx.Process(target=_appender, args=(ws, seconds, hold_ms, start, results)) for ws in workspace_ids]
        for proc in procs:
            proc.start()
        time.sleep(0.5)  # let every process connect and load its workspace
        start.set()
        total = sum(results.get(timeout=seconds + 60) for _ in procs)
        for proc in procs:
            proc.join()
        return total / seconds

    def _run(self, test_db: str, processes: int, seconds: float, holds: list[float]) -> None:
        owner = user_sign_up(email="bench-audit@bench.test", password="bench password 123", first_name="Bench")
        workspaces = [workspace_create(actor=owner, name=f"Bench practice {i}", tier="practice").pk
                      for i in range(processes)]
        self.stdout.write(f"database: postgresql ({test_db}); {processes} processes, {seconds:g} s per figure; "
                          "each transaction: one append, then HOLD ms with the chain lock held, then commit")
        self._rate(workspaces, min(seconds, 1.0), 0)  # warm up
        for hold_ms in holds:
            spread = self._rate(workspaces, seconds, hold_ms)
            one = self._rate([workspaces[0]] * processes, seconds, hold_ms)
            self.stdout.write(f"HOLD {hold_ms:g} ms: {processes} workspaces at once {spread:7.0f} appends/s; "
                              f"{processes} processes in one workspace {one:7.0f} appends/s; "
                              f"ratio {spread / one:5.2f}x (target >= 2)")
        reports = verify_chains()
        broken = [r.chain for r in reports if r.problems]
        self.stdout.write(f"verify_audit: {AuditEvent.objects.count()} entries in {len(reports)} chains, "
                          + ("intact" if not broken else f"BROKEN chains {broken}"))
