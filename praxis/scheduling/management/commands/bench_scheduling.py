"""`manage.py bench_scheduling [--appointments N] [--clients C] [--book B] [--repeat R]`: the scheduling
figures of issue 8, on a throw-away database of the server DATABASE_URL selects.

1. Booking through the API (`POST /api/v1/workspaces/{ws}/appointments`, session auth, the overlap check
   and the exclusion constraint included), B bookings one request each: total, median and p99. Floors in
   the same run: B requests to a bare endpoint of the same API (`GET /api/v1/support/categories`), and B
   raw INSERTs of the same rows in one transaction.
2. A practitioner's week (200 appointments) and the practice's day (20 practitioners), the HTML pages
   and the API range query, with C clients in the workspace and N appointments in the deployment (a tenth
   in the measured workspace, copies of them as past appointments in nine others): median, p99 and
   queries per request, beside the raw SQL of the same rows (the floor).
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import override_settings
from django_scopes import scopes_disabled

from praxis.accounts.sessions import LOGIN_BACKEND
from praxis.core.benchmarks import StatementCounter, percentile, settle_after_fill, throwaway_database, timed

TZ = ZoneInfo("Europe/Amsterdam")
PRACTITIONERS = 20


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ).astimezone(dt.UTC)


class Command(BaseCommand):
    help = "Benchmark scheduling: booking through the API, a practitioner's week and the practice's day."

    def add_arguments(self, parser):
        parser.add_argument("--appointments", type=int, default=1_000_000, help="appointments in the deployment")
        parser.add_argument("--clients", type=int, default=100_000, help="clients in the measured workspace")
        parser.add_argument("--book", type=int, default=1000, help="bookings through the API")
        parser.add_argument("--repeat", type=int, default=100)
        parser.add_argument("--keep", action="store_true", help="keep the filled database afterwards")

    @scopes_disabled()
    def handle(self, *args, **options):
        from django.core.signals import request_finished, request_started
        from django.db import close_old_connections, reset_queries

        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        request_started.disconnect(reset_queries)
        with throwaway_database("scheduling", keep=options["keep"]), override_settings(
                ALLOWED_HOSTS=["testserver"], DEBUG=False,
                TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._run(options)

    def _run(self, options) -> None:
        from praxis.clients.models import Client
        from praxis.scheduling import policies
        from praxis.workspaces.models import Membership
        from praxis.workspaces.services import workspace_create
        from praxis.workspaces.signup import user_sign_up

        owner = user_sign_up(email="bench-owner@example.test", password="bench-Password-1", first_name="Bench")
        workspace = workspace_create(actor=owner, name="Bench scheduling", tier="practice")
        workspace.time_zone = "Europe/Amsterdam"
        workspace.save(update_fields=["time_zone"])
        from praxis.accounts.models import User

        users = User.objects.bulk_create([User(email=f"practitioner{i}@bench.example", first_name=f"Prac{i:02d}",
                                               last_name="Bench") for i in range(PRACTITIONERS - 1)])
        Membership.objects.bulk_create([Membership(workspace=workspace, user=u, role="clinician") for u in users])
        practitioners = policies.practitioners(workspace)
        assert len(practitioners) == PRACTITIONERS, len(practitioners)
        start = time.perf_counter()
        Client.objects.bulk_create([Client(workspace=workspace, first_name=f"Cliënt{i}", last_name=f"Naam{i % 997}",
                                           search_text=f"client{i}", custom={}) for i in range(options["clients"])],
                                   batch_size=5000)
        client_ids = list(Client.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True))
        self.stdout.write(f"database: {connection.vendor}; {len(client_ids)} clients, {PRACTITIONERS} practitioners "
                          f"({time.perf_counter() - start:.1f} s)")
        http = HttpClient()
        http.force_login(owner, backend=LOGIN_BACKEND)
        from django.middleware.csrf import _get_new_csrf_string

        csrf = _get_new_csrf_string()
        http.cookies["csrftoken"] = csrf
        self._bookings(http, csrf, workspace, practitioners, client_ids, options["book"])
        week, day = self._fill(workspace, practitioners, client_ids, options["appointments"])
        self._pages(http, workspace, practitioners[0], week, day, options["repeat"])

    # --- 1. booking -----------------------------------------------------------------------------------------

    def _bookings(self, http, csrf, workspace, practitioners, client_ids, count: int) -> None:
        url = f"/api/v1/workspaces/{workspace.slug}/appointments"
        first_day = dt.date(2040, 1, 2)  # a Monday, years after the fill's dates (which spread ±2 years around 2030)
        bodies = []
        for i in range(count):
            practitioner = practitioners[i % PRACTITIONERS]
            slot = i // PRACTITIONERS  # 10 a day per practitioner, weekdays
            day = first_day + dt.timedelta(days=(slot // 10) // 5 * 7 + (slot // 10) % 5)
            at = _local(day, 8 + slot % 10)
            bodies.append(json.dumps({"client": client_ids[i % len(client_ids)], "practitioner": practitioner.pk,
                                      "start": at.isoformat(), "end": (at + dt.timedelta(minutes=50)).isoformat()}))
        samples = []
        total = time.perf_counter()
        for body in bodies:
            start = time.perf_counter()
            response = http.post(url, data=body, content_type="application/json", headers={"X-CSRFToken": csrf})
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 201, response.content[:300]
        total = time.perf_counter() - total
        clash = http.post(url, data=bodies[0], content_type="application/json", headers={"X-CSRFToken": csrf})
        assert clash.status_code == 409, clash.status_code
        start = time.perf_counter()
        for _ in range(count):
            assert http.get("/api/v1/support/categories").status_code == 200
        bare = time.perf_counter() - start
        raw = self._raw_inserts(workspace, practitioners, client_ids, count)
        self.stdout.write(
            f"book {count} appointments via the API: {total:.2f} s (median {statistics.median(samples):.2f} ms, "
            f"p99 {percentile(samples, .99):.2f} ms); floor: bare endpoint {bare:.2f} s, raw INSERT {raw:.3f} s; "
            f"API/bare {total / bare:.1f}x")

    def _raw_inserts(self, workspace, practitioners, client_ids, count: int) -> float:
        now = dt.datetime.now(dt.UTC)
        rows = []
        for i in range(count):
            at = _local(dt.date(2033, 1, 3) + dt.timedelta(days=i // (10 * PRACTITIONERS)), 8 + (i // PRACTITIONERS) % 10)
            rows.append((workspace.pk, client_ids[i % len(client_ids)], practitioners[i % PRACTITIONERS].pk, at,
                         at + dt.timedelta(minutes=50), "in_person", "", "", "booked", now, now, ""))
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                'INSERT INTO scheduling_appointment (workspace_id, client_id, practitioner_id, start, "end", kind, '
                "location, video_link, status, created_at, updated_at, cancel_reason) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
            elapsed = time.perf_counter() - start
            transaction.set_rollback(True)
        return elapsed

    # --- 2. the fill ----------------------------------------------------------------------------------------

    def _fill(self, workspace, practitioners, client_ids, total: int) -> tuple[dt.date, dt.date]:
        """A tenth of `total` in the measured workspace: ten a weekday per practitioner, back from the
        measured week (past ones completed), and the measured practitioner's measured week dense — 200
        appointments of 10 minutes; the rest copies, as completed appointments, in nine other workspaces."""
        from praxis.scheduling.models import Appointment
        from praxis.workspaces.models import Workspace

        start = time.perf_counter()
        week = dt.date(2030, 6, 3)  # a Monday
        own = total // 10
        per_practitioner = own // PRACTITIONERS
        rows, now = [], dt.datetime(2030, 6, 1, tzinfo=dt.UTC)
        for p_index, practitioner in enumerate(practitioners):
            made = 0
            days_back = 0
            if p_index == 0:  # the measured week: 40 a day, Monday to Friday
                for d in range(5):
                    for k in range(40):
                        at = _local(week + dt.timedelta(days=d), 8) + dt.timedelta(minutes=10 * k)
                        rows.append(Appointment(workspace=workspace, client_id=client_ids[(made * 7919) % len(client_ids)],
                                                practitioner=practitioner, start=at, end=at + dt.timedelta(minutes=10),
                                                status="booked", created_at=now, updated_at=now))
                        made += 1
            day = week + dt.timedelta(days=7 if p_index == 0 else 0)
            while made < per_practitioner:
                if day.weekday() < 5:
                    for hour in range(8, 18):
                        at = _local(day, hour)
                        rows.append(Appointment(workspace=workspace, practitioner=practitioner,
                                                client_id=client_ids[(made * 7919 + p_index) % len(client_ids)],
                                                start=at, end=at + dt.timedelta(minutes=50),
                                                status="completed" if day < week else "booked",
                                                created_at=now, updated_at=now))
                        made += 1
                days_back += 1
                day = (week + dt.timedelta(days=7 if p_index == 0 else 0)) + dt.timedelta(days=days_back) \
                    if days_back % 2 else week - dt.timedelta(days=days_back)
            if len(rows) >= 20000:
                Appointment.objects.bulk_create(rows, batch_size=5000)
                rows = []
        Appointment.objects.bulk_create(rows, batch_size=5000)
        columns = [f.column for f in Appointment._meta.concrete_fields if f.column not in ("id", "workspace_id", "status")]
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        for k in range(9):
            copy = Workspace.objects.create(slug=f"bench-sched-{k}", name=f"Bench {k}", tier="practice")
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO scheduling_appointment (workspace_id, status, {cols}) "
                               f"SELECT %s, 'completed', {cols} FROM scheduling_appointment WHERE workspace_id = %s",
                               [copy.pk, workspace.pk])
        settle_after_fill(Appointment._meta.db_table)
        self.stdout.write(f"filled {Appointment.objects.count()} appointments "
                          f"({Appointment.objects.filter(workspace=workspace).count()} in the measured workspace) in "
                          f"{time.perf_counter() - start:.1f} s")
        return week, week + dt.timedelta(days=2)

    # --- 3. the pages ---------------------------------------------------------------------------------------

    def _pages(self, http, workspace, practitioner, week: dt.date, day: dt.date, repeat: int) -> None:
        from praxis.scheduling.models import MAX_DURATION

        week_start, week_end = _local(week, 0), _local(week + dt.timedelta(days=7), 0)
        day_start, day_end = _local(day, 0), _local(day + dt.timedelta(days=1), 0)
        floor_sql = ('SELECT a.id, a.start, a."end", a.kind, a.location, a.status, c.first_name, c.last_name '
                     "FROM scheduling_appointment a JOIN clients_client c ON c.id = a.client_id "
                     "WHERE a.workspace_id = %s{extra} AND a.start < %s AND a.start > %s AND a.\"end\" > %s "
                     "ORDER BY a.start, a.id")
        api = f"/api/v1/workspaces/{workspace.slug}/appointments"
        cases = [
            ("practitioner week (HTML)", f"/w/{workspace.slug}/calendar/?practitioner={practitioner.pk}&date={week}",
             floor_sql.format(extra=" AND a.practitioner_id = %s"), [workspace.pk, practitioner.pk, week_end, week_start - MAX_DURATION, week_start]),
            ("practitioner week (API)", f"{api}?practitioner={practitioner.pk}&from={week_start.isoformat()}"
             f"&to={week_end.isoformat()}".replace("+", "%2B"),
             floor_sql.format(extra=" AND a.practitioner_id = %s"), [workspace.pk, practitioner.pk, week_end, week_start - MAX_DURATION, week_start]),
            ("practice day (HTML)", f"/w/{workspace.slug}/calendar/practice/?date={day}",
             floor_sql.format(extra=""), [workspace.pk, day_end, day_start - MAX_DURATION, day_start]),
        ]
        self.stdout.write(f"{'page':<28}{'rows':>6}{'median':>9}{'p99':>9}{'queries':>9}   {'floor median':>12}{'p99':>8}")
        for label, url, sql, params in cases:
            executed: list[str] = []
            with connection.execute_wrapper(StatementCounter(executed)):
                response = http.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = len(cursor.fetchall())
            samples = timed(lambda u=url: http.get(u), repeat)

            def floor(sql=sql, params=params):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    cursor.fetchall()

            floor_samples = timed(floor, repeat)
            self.stdout.write(
                f"{label:<28}{rows:>6}{statistics.median(samples):>7.2f}ms{percentile(samples, .99):>7.2f}ms"
                f"{len(executed):>9}   {statistics.median(floor_samples):>10.2f}ms{percentile(floor_samples, .99):>6.2f}ms")
