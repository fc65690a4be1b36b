"""`manage.py bench_support [--tickets N] [--create M] [--repeat R]`: the support portal's figures (issue 9),
on a throw-away database of the server DATABASE_URL selects.

1. Creating M tickets through the API, one request each (`POST /api/v1/workspaces/{ws}/tickets`, session
   auth, the operator's e-mail queued in the database task queue, not sent). Floors in the same run: M
   requests to a bare endpoint of the same API (`GET /api/v1/support/categories`: authentication, routing,
   one small query) and M raw INSERTs of the same rows in one transaction.
2. The open-ticket list of one workspace (`GET …/tickets?view=open`, as its owner) and the operator's queue
   (`GET /console/tickets/`, the HTML page), with N tickets in the deployment (a tenth of them in the
   measured workspace, the rest in 99 others): median and p99 over R requests, queries per request, beside
   the raw SQL of the same page (the floor).
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import override_settings
from django_scopes import scopes_disabled

from praxis.accounts.sessions import LOGIN_BACKEND
from praxis.core.benchmarks import StatementCounter, percentile, settle_after_fill, throwaway_database, timed


class Command(BaseCommand):
    help = "Benchmark the support portal: creating tickets through the API, and the open-ticket lists."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=100_000)
        parser.add_argument("--create", type=int, default=1000)
        parser.add_argument("--repeat", type=int, default=200)
        parser.add_argument("--profile", action="store_true", help="print a cProfile of each list page")
        parser.add_argument("--keep", action="store_true", help="keep the filled database afterwards")

    @scopes_disabled()
    def handle(self, *args, **options):
        from django.core.signals import request_finished, request_started
        from django.db import close_old_connections, reset_queries

        # One connection for the run, as a production process with persistent connections has (and so the
        # queries of a request can be counted on it).
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        request_started.disconnect(reset_queries)
        tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        with throwaway_database("support", keep=options["keep"]), override_settings(
                TASKS=tasks, ALLOWED_HOSTS=["testserver"], DEBUG=False,
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._run(options["tickets"], options["create"], options["repeat"], options["profile"])

    def _run(self, n: int, create: int, repeat: int, profile: bool = False) -> None:
        from praxis.support.catalogue import ensure_default_categories
        from praxis.support.models import Category, Ticket
        from praxis.workspaces.services import workspace_create
        from praxis.workspaces.signup import user_sign_up

        ensure_default_categories()
        owner = user_sign_up(email="bench-owner@example.test", password="bench-Password-1", first_name="Bench")
        workspace = workspace_create(actor=owner, name="Bench support", tier="practice")
        category = Category.objects.get(code="technical")
        http = HttpClient()
        http.force_login(owner, backend=LOGIN_BACKEND)
        self.stdout.write(f"database: {connection.vendor}")

        # 1. creating tickets through the API
        url = f"/api/v1/workspaces/{workspace.slug}/tickets"
        body = json.dumps({"kind": "question", "category": category.pk, "subject": "Export",
                           "description": "Where is the export button?"})
        csrf = self._csrf(http)
        start = time.perf_counter()
        for _ in range(create):
            response = http.post(url, data=body, content_type="application/json", headers={"X-CSRFToken": csrf})
            assert response.status_code == 201, response.content
        api_seconds = time.perf_counter() - start
        from django_tasks_db.models import DBTaskResult

        queued = DBTaskResult.objects.count()
        start = time.perf_counter()
        for _ in range(create):
            assert http.get("/api/v1/support/categories").status_code == 200
        bare_seconds = time.perf_counter() - start
        raw_seconds = self._raw_inserts(workspace.pk, category.pk, owner.pk, create)
        self.stdout.write(
            f"create {create} tickets via the API: {api_seconds:.2f} s ({api_seconds / create * 1000:.2f} ms each), "
            f"{queued} e-mails queued; floor: bare endpoint {bare_seconds:.2f} s, raw INSERT {raw_seconds:.3f} s; "
            f"API/bare {api_seconds / bare_seconds:.1f}x")

        # 2. the open-ticket lists among n tickets
        start = time.perf_counter()
        self._fill(n, workspace, category.pk, owner.pk)
        self.stdout.write(f"filled {Ticket.objects.count()} tickets in {time.perf_counter() - start:.1f} s "
                          f"({Ticket.objects.filter(workspace=workspace).count()} in the measured workspace)")
        operator = user_sign_up(email="bench-operator@example.test", password="bench-Password-1", first_name="Op")
        operator.is_staff = True
        operator.save(update_fields=["is_staff"])
        console = HttpClient()
        console.force_login(operator, backend=LOGIN_BACKEND)
        cases = [
            ("workspace open list (API)", http, f"{url}?view=open", self._floor_workspace(workspace.pk)),
            ("workspace open list (HTML)", http, f"/w/{workspace.slug}/support/?view=open",
             self._floor_workspace(workspace.pk)),
            ("operator queue (console)", console, "/console/tickets/", self._floor_console()),
        ]
        self.stdout.write(f"{'list':<28}{'median':>9}{'p99':>9}{'queries':>9}   {'floor median':>12}{'p99':>8}")
        for label, client, page_url, floor in cases:
            executed: list[str] = []
            with connection.execute_wrapper(StatementCounter(executed)):
                assert client.get(page_url).status_code == 200
            samples = timed(lambda c=client, u=page_url: c.get(u), repeat)
            floor_samples = timed(floor, repeat)
            if profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                for _ in range(20):
                    profiler.runcall(client.get, page_url)
                pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(40)
            self.stdout.write(
                f"{label:<28}{statistics.median(samples):>7.2f}ms{percentile(samples, .99):>7.2f}ms"
                f"{len(executed):>9}   {statistics.median(floor_samples):>10.2f}ms"
                f"{percentile(floor_samples, .99):>6.2f}ms")

    def _csrf(self, http) -> str:
        from django.middleware.csrf import _get_new_csrf_string

        token = _get_new_csrf_string()
        http.cookies["csrftoken"] = token
        return token

    def _raw_inserts(self, workspace_id: int, category_id: int, user_id: int, count: int) -> float:
        from django.utils import timezone

        now = timezone.now()
        rows = [(workspace_id, "question", category_id, "Export", "Where?", "", "", "new", True, user_id, now, now)
                for _ in range(count)]
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO support_ticket (workspace_id, kind, category_id, subject, description, steps, "
                "page_url, status, is_open, created_by_id, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, "
                "%s, %s, %s, %s, %s, %s)", rows)
            elapsed = time.perf_counter() - start
            transaction.set_rollback(True)
        return elapsed

    def _fill(self, n: int, workspace, category_id: int, user_id: int) -> None:
        """n tickets: a tenth in the measured workspace, the rest spread over 99 other workspaces; statuses
        as a desk has them (most closed), times over two years."""
        import datetime as dt

        from praxis.support.models import Ticket
        from praxis.workspaces.models import Workspace

        rng = random.Random(9)
        others = [Workspace(name=f"Bench {i}", slug=f"bench-support-{i}", tier="practice") for i in range(99)]
        others = Workspace.objects.bulk_create(others)
        statuses = ["closed"] * 70 + ["resolved"] * 10 + ["new"] * 5 + ["in_progress"] * 10 + ["awaiting_customer"] * 5
        now = dt.datetime.now(dt.UTC)
        batch = []
        for i in range(n):
            ws_id = workspace.pk if i % 10 == 0 else others[i % 99].pk
            at = now - dt.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
            batch.append(Ticket(workspace_id=ws_id, kind=rng.choice(("question", "improvement", "bug")),
                                category_id=category_id, subject=f"Ticket {i}", description="…",
                                status=(status := rng.choice(statuses)), is_open=status in Ticket.OPEN_STATUSES,
                                created_by_id=user_id, created_at=at, updated_at=at))
            if len(batch) == 5000:
                Ticket.objects.bulk_create(batch)
                batch = []
        Ticket.objects.bulk_create(batch)
        settle_after_fill(Ticket._meta.db_table)

    def _floor_workspace(self, workspace_id: int):
        sql = ("SELECT id, subject, status, updated_at FROM support_ticket WHERE workspace_id = %s AND is_open "
               "ORDER BY updated_at DESC, id DESC LIMIT 25")

        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, [workspace_id])
                cursor.fetchall()
                cursor.execute("SELECT COUNT(*) FROM support_ticket WHERE workspace_id = %s AND is_open",
                               [workspace_id])
                cursor.fetchall()

        return run

    def _floor_console(self):
        def run():
            with connection.cursor() as cursor:
                cursor.execute("SELECT id, subject, status, updated_at FROM support_ticket WHERE is_open "
                               "ORDER BY updated_at DESC, id DESC LIMIT 25")
                cursor.fetchall()
                cursor.execute("SELECT COUNT(*) FROM support_ticket WHERE is_open")
                cursor.fetchall()

        return run
