"""`manage.py bench_billing`: time the billing run (R-BIL-12) at scale on a throw-away database.

Creates its own test database (SQLite or PostgreSQL, whichever DATABASE_URL selects; a name of its own so
it never clobbers a test run's database), fills it with bulk inserts — N workspaces on one anchor date,
each with `--seats` paid seats in the seat ledger — then times `billing_run(at=anchor)` and counts every
query it sends (`connection.execute_wrapper`, no cap), and runs it a second time, which must issue nothing.
Prints numbers; asserts nothing but the invariants it reports on (timings belong in reports).
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand
from django.db import connection
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
        parser.add_argument("--anchor", default="2026-11-01", help="billing anchor of every workspace")

    @scopes_disabled()  # a benchmark of the billing run over every workspace (issue 6 point 10)
    def handle(self, *args, **options):
        n, seats = options["workspaces"], options["seats"]
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
        with connection.execute_wrapper(counter):
            report = billing_run(at=anchor)
        return report, time.perf_counter() - start, counter.count

    def _run(self, n: int, seats: int, anchor: dt.date) -> None:
        from praxis.audit.services import verify_chain
        from praxis.billing.models import Invoice, InvoiceLine

        self._fill(n, seats, anchor)

        report, seconds, queries = self._timed_run(anchor)
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
