"""`manage.py bench_billing`: time the billing run (R-BIL-12) at scale on a throw-away database.

Creates its own test database (SQLite or PostgreSQL, whichever DATABASE_URL selects; a name of its own so
it never clobbers a test run's database), fills it with bulk inserts — N workspaces on one anchor date,
each with `--seats` paid seats in the seat ledger — then times `billing_run(at=anchor)` and counts every
query it sends (`connection.execute_wrapper`, no cap), and runs it a second time, which must issue nothing.
Prints numbers; asserts nothing but the invariants it reports on (timings belong in reports).
"""

import datetime as dt
import re
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings
from django_scopes import scopes_disabled

from praxis.core.benchmarks import throwaway_database

SEAT_TYPES = ("pro", "pro", "essentials")  # 2 of 3 seats pro: cycle invoices get two lines


class QueryCounter:
    """Counts every statement sent through Django's cursor (savepoints included, COMMIT not)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Command(BaseCommand):
    help = "Benchmark billing_run over many workspaces with paid seats on a throw-away database."

    def add_arguments(self, parser):
        parser.add_argument("--workspaces", type=int, default=10000)
        parser.add_argument("--seats", type=int, default=10, help="paid seats per workspace")
        parser.add_argument("--profile", action="store_true", help="print a profile of the first run")
        parser.add_argument("--anchor", default="2026-11-01", help="billing anchor of every workspace")

    @scopes_disabled()  # a benchmark of the billing run over every workspace (issue 6 point 10)
    def handle(self, *args, **options):
        n, seats = options["workspaces"], options["seats"]
        self.profile = options["profile"]
        anchor = dt.date.fromisoformat(options["anchor"])
        with throwaway_database("billing") as test_db:
            self.stdout.write(f"database: {connection.vendor} ({test_db})")
            # Tasks are enqueued, not run inline, as with the database queue in production: the run is
            # timed, not the workers that then e-mail each invoice with its PDF (issue 6 point 3).
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                                   PRAXIS_PAYMENT_PROVIDER="manual",
                                   TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
                self._run(n, seats, anchor)

    def _fill(self, n: int, seats: int, anchor: dt.date) -> None:
        from praxis.accounts.models import User
        from praxis.billing.models import SeatChange
        from praxis.workspaces.models import Workspace

        created = dt.datetime.combine(anchor, dt.time(11, 0), tzinfo=dt.UTC)
        start = time.perf_counter()
        workspaces = Workspace.objects.bulk_create(
            (Workspace(slug=f"bench-{i}", name=f"Bench practice {i}", tier="team", country="NL",
                       time_zone="Europe/Amsterdam", language="nl", email=f"billing{i}@bench.test",
                       billing_interval="monthly", billing_anchor=anchor, created_at=created)
             for i in range(n)), batch_size=2000)
        users = User.objects.bulk_create(
            (User(email=f"w{i}s{j}@bench.test", password="!", first_name=f"Seat{j}", last_name=f"W{i}",
                  date_joined=created)
             for i in range(n) for j in range(seats)), batch_size=2000)
        SeatChange.objects.bulk_create(
            (SeatChange(workspace=workspaces[k // seats], user=user, account_type=SEAT_TYPES[k % seats % 3],
                        delta=1, effective=anchor, reason="joined", created_at=created, needs_proration=False)
             for k, user in enumerate(users)), batch_size=2000)
        self.stdout.write(f"filled {n} workspaces × {seats} paid seats ({n * seats} users, {n * seats} seat "
                          f"changes) in {time.perf_counter() - start:.1f} s")

    def _timed_run(self, anchor: dt.date):
        from praxis.billing.run import billing_run

        counter = QueryCounter()
        start = time.perf_counter()
        if self.profile:
            import cProfile
            import pstats
            profiler = cProfile.Profile()
            profiler.enable()
        with connection.execute_wrapper(counter):
            report = billing_run(at=anchor)
        if self.profile:
            profiler.disable()
            import io
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
            self.stdout.write(out.getvalue())
            self.profile = False
        return report, time.perf_counter() - start, counter.count

    def _run(self, n: int, seats: int, anchor: dt.date) -> None:
        from praxis.audit.services import verify_chain
        from praxis.billing.models import Invoice, InvoiceLine

        self._fill(n, seats, anchor)

        report, seconds, queries = self._timed_run(anchor)
        first_run_seconds = seconds
        issued = len(report.cycle_invoices) + len(report.proration_invoices)
        self.stdout.write(
            f"billing_run(at={anchor}) first run : {seconds:8.2f} s  {queries:8d} queries  "
            f"{queries / max(n, 1):6.2f} queries/workspace  {queries / max(issued, 1):6.2f} queries/invoice  "
            f"{issued} invoices ({len(report.cycle_invoices)} cycle, {len(report.proration_invoices)} proration)  "
            f"{seconds * 1000 / max(n, 1):6.2f} ms/workspace")

        report, seconds, queries = self._timed_run(anchor)
        again = len(report.cycle_invoices) + len(report.proration_invoices)
        self.stdout.write(
            f"billing_run(at={anchor}) second run: {seconds:8.2f} s  {queries:8d} queries  "
            f"{again} invoices issued{'' if again == 0 else '  <-- NOT IDEMPOTENT'}")

        invoices = Invoice.objects.count()
        lines = InvoiceLine.objects.count()
        numbers = list(Invoice.objects.order_by("number").values_list("number", flat=True))
        gapless = numbers == [f"{numbers[0][:4]}-{i:06d}" for i in range(1, len(numbers) + 1)] if numbers else True
        start = time.perf_counter()
        problems = verify_chain()
        self.stdout.write(
            f"check: {invoices} invoices (expected {n}), {lines} lines, numbers "
            f"{'gapless' if gapless else 'WITH GAPS'}, audit chain "
            f"{'intact' if not problems else 'BROKEN'} (verified in {time.perf_counter() - start:.1f} s)")
        self._floors(first_run_seconds)

    # -- the floors: the same rows written bare, in the same run (issue 10 point 12) -----------------------

    FLOOR_TABLES = ("billing_invoice", "billing_invoiceline", "audit_auditevent")

    def _floors(self, run_seconds: float) -> None:
        """Write the rows the run wrote — every invoice, its lines and its `invoice.issued` audit entry — again
        into empty copies of their tables (same columns, indexes and constraints but foreign keys):
        once by a bare writer, one transaction per invoice (INSERT, executemany, INSERT, COMMIT), once by
        one bulk load (COPY on PostgreSQL, executemany on SQLite) in one transaction."""
        with connection.cursor() as cursor:
            rows = {}
            for table in self.FLOOR_TABLES:
                where = " WHERE event_code = 'invoice.issued'" if table == "audit_auditevent" else ""
                cursor.execute(f"SELECT * FROM {table}{where} ORDER BY id")
                rows[table] = ([c[0] for c in cursor.description], cursor.fetchall())
        invoice_columns, invoices = rows["billing_invoice"]
        line_columns, lines = rows["billing_invoiceline"]
        event_columns, events = rows["audit_auditevent"]
        lines_of: dict = {}
        invoice_fk = line_columns.index("invoice_id")
        for line in lines:
            lines_of.setdefault(line[invoice_fk], []).append(line)
        object_id = event_columns.index("object_id")
        event_of = {int(e[object_id]): e for e in events}

        def statement(table: str, columns: list[str]) -> str:
            marks = ", ".join(["%s"] * len(columns))
            return f"INSERT INTO floor_{table} ({', '.join(columns)}) VALUES ({marks})"

        self._floor_tables()
        insert_invoice = statement("billing_invoice", invoice_columns)
        insert_line = statement("billing_invoiceline", line_columns)
        insert_event = statement("audit_auditevent", event_columns)
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for invoice in invoices:
                with transaction.atomic():
                    cursor.execute(insert_invoice, invoice)
                    cursor.executemany(insert_line, lines_of.get(invoice[0], []))
                    if (event := event_of.get(invoice[0])) is not None:
                        cursor.execute(insert_event, event)
        per_invoice = time.perf_counter() - start

        self._floor_tables()
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for table, (columns, values) in (("billing_invoice", rows["billing_invoice"]),
                                             ("billing_invoiceline", rows["billing_invoiceline"]),
                                             ("audit_auditevent", rows["audit_auditevent"])):
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY floor_{table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for value in values:
                            copy.write_row(value)
                else:
                    cursor.executemany(statement(table, columns), values)
        bulk = time.perf_counter() - start
        self._floor_tables(drop=True)
        self.stdout.write(
            f"floor, the same {len(invoices)} invoices, {len(lines)} lines and {len(events)} audit entries: "
            f"one transaction per invoice {per_invoice:.2f} s, "
            f"{'COPY' if connection.vendor == 'postgresql' else 'executemany'} in one transaction {bulk:.2f} s")
        self.stdout.write(f"billing run / per-invoice floor: {run_seconds / per_invoice:.2f}x (target <= 3x); "
                          f"/ bulk floor: {run_seconds / bulk:.1f}x")

    def _floor_tables(self, *, drop: bool = False) -> None:
        with connection.cursor() as cursor:
            for table in self.FLOOR_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
                if drop:
                    continue
                if connection.vendor == "postgresql":
                    cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
                    continue
                cursor.execute("SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                               "ORDER BY type DESC", [table])
                for kind, sql in cursor.fetchall():  # the table first, then its indexes
                    sql = sql.replace(f'"{table}"', f'"floor_{table}"')
                    if kind == "index":
                        sql = re.sub(r'INDEX "([^"]+)"', r'INDEX "floor_\1"', sql)
                    else:  # no foreign keys: the floor writes the rows alone
                        sql = re.sub(r' REFERENCES "[^"]+" \("id"\)( DEFERRABLE INITIALLY DEFERRED)?', "", sql)
                    cursor.execute(sql)
