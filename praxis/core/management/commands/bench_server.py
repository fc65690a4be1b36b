"""`manage.py bench_server`: the production server under load, on PostgreSQL (issue 10 points 11 and 13).

On a throw-away database of the PostgreSQL server DATABASE_URL names, with the demo practice and
`--members` more members in it, this starts Praxis as it runs in production — gunicorn from
`deploy/gunicorn.conf.py` (2 workers, production settings, persistent database connections) and one
`db_worker` — on a free loopback port, and then:

1. **Request path against its floor** (`wrk`, 16 connections, `--wrk-seconds` each, `--wrk-rounds`
   rounds alternating endpoint and floor; the round with the median ratio is reported): `GET /api/v1/me`
   and the members list API (a workspace token), and the HTML members page (a logged-in session), each
   beside the floor the same server serves (`praxis.core.benchfloor`: bare endpoints with no middleware
   reading the same rows), as requests/s and their ratio.
2. **Load** (`--load-seconds`, 300 by default): `--users` virtual users, each a keep-alive connection of
   its own and a think time between requests (`--think`), loop over a practice's mix — the members page, the members API, `/api/v1/me`, the client list
   and a client search through the API, the dashboard — and log in again now and then (the login form,
   argon2 included); one more sends a workspace invitation every `--invite-every` seconds (its e-mail sent
   by the worker). Reported: requests/s, p50/p95/p99 per kind and overall, the error rate (any answer
   but the expected one), the web workers' RSS after a warm-up and at the end, and the database
   connections (sampled every 5 s).

Workers are not recycled during the run (`max_requests` off) so that RSS growth means what it says.
Prints numbers; asserts nothing. Loopback only; ends by itself.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django_scopes import scopes_disabled

from praxis.core.benchmarks import load_demo_practice, percentile, throwaway_database

ROOT = Path(settings.BASE_DIR)
WRK_CONNECTIONS = 16
# The cookie names of praxis.settings.production (which this process cannot import: it is not the server).
CSRF_COOKIE, SESSION_COOKIE = "__Host-csrftoken", "__Host-sessionid"


class Browser:
    """One keep-alive HTTP connection with a cookie jar (a visitor), for the load."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, *, form: dict | None = None, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, str]:
        headers = {"Accept-Language": "nl", **(headers or {})}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                answer = self.conn.getresponse()
                text = answer.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()  # the server closed an idle keep-alive connection: reconnect once
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header in answer.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for key, morsel in jar.items():
                if morsel.value:
                    self.cookies[key] = morsel.value
                else:
                    self.cookies.pop(key, None)
        return answer.status, text

    def log_in(self, email: str, password: str) -> None:
        self.cookies.clear()
        self.request("GET", "/accounts/login/")
        status, _text = self.request("POST", "/accounts/login/", form={
            "email": email, "password": password, "csrfmiddlewaretoken": self.cookies.get(CSRF_COOKIE, "")})
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")


class Command(BaseCommand):
    help = "Benchmark the production server (gunicorn, PostgreSQL): request path against its floor, and a load test."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=200, help="extra members in the demo practice")
        parser.add_argument("--wrk-seconds", type=int, default=10)
        parser.add_argument("--wrk-rounds", type=int, default=3,
                            help="rounds of endpoint-then-floor per endpoint (the median ratio is reported)")
        parser.add_argument("--load-seconds", type=int, default=300)
        parser.add_argument("--warmup-seconds", type=int, default=30, help="of the load, before RSS is read")
        parser.add_argument("--users", type=int, default=16, help="virtual users of the load")
        parser.add_argument("--think", type=float, default=0.4,
                            help="a virtual user waits up to this many seconds (uniformly) between requests")
        parser.add_argument("--invite-every", type=float, default=2.0, help="seconds between invitations")
        parser.add_argument("--skip-wrk", action="store_true")
        parser.add_argument("--skip-load", action="store_true")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_server measures the production set-up: set DATABASE_URL to a PostgreSQL server.")
        if not options["skip_wrk"] and shutil.which("wrk") is None:
            raise CommandError("wrk is missing (apt-get install -y wrk), or pass --skip-wrk.")
        with throwaway_database("server") as test_db:
            self.stdout.write(f"database: postgresql ({test_db})")
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                                   TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
                world = self._fill(options["members"])
            database_url = self._database_url()
            connection.close()
            with Server(database_url) as server:
                self.stdout.write(f"gunicorn: 2 workers × {server.threads} threads on 127.0.0.1:{server.port}, "
                                  "production settings, persistent connections; 1 db_worker")
                setup = self._prepare(server.port, world)
                if not options["skip_wrk"]:
                    self._request_path(server.port, world, setup, options["wrk_seconds"], options["wrk_rounds"])
                if not options["skip_load"]:
                    self._load(server, world, setup, options)
            connection.close()

    # -- set-up --------------------------------------------------------------------------------------------

    @scopes_disabled()
    def _fill(self, extra_members: int) -> dict:
        from praxis.accounts.models import User
        from praxis.api.services import token_create
        from praxis.demo.loader import DEMO_PASSWORD, DEMO_SLUG, PEOPLE
        from praxis.workspaces.models import Membership

        workspace = load_demo_practice()
        users = User.objects.bulk_create(
            User(email=f"lid{i}@bench.example", password="!", first_name=f"Lid{i}", last_name=f"Bench{i:04d}")
            for i in range(extra_members))
        Membership.objects.bulk_create(
            Membership(workspace=workspace, user=user, role="staff", status="active", account_type="free")
            for user in users)
        owner = User.objects.get(email=PEOPLE[0].email)
        _row, secret = token_create(user=owner, workspace_slug=DEMO_SLUG, name="bench")
        logins = [person.email for person in PEOPLE
                  if Membership.objects.filter(workspace=workspace, user__email=person.email, status="active").exists()]
        return {"slug": DEMO_SLUG, "workspace": workspace.pk, "owner": owner.pk, "token": secret,
                "password": DEMO_PASSWORD, "logins": logins, "members": extra_members}

    def _database_url(self) -> str:
        s = connection.settings_dict
        return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"

    def _prepare(self, port: int, world: dict) -> dict:
        browser = Browser(port)
        browser.log_in(world["logins"][0], world["password"])
        return {"session": browser.cookies[SESSION_COOKIE]}

    # -- 1. the request path against its floor ---------------------------------------------------------------

    def _wrk(self, url: str, headers: dict[str, str], seconds: int) -> tuple[float, float, int]:
        """(requests/s, p99 ms, non-2xx answers) of `wrk` against `url`."""
        command = ["wrk", "-t2", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency", url]
        for key, value in headers.items():
            command[1:1] = ["-H", f"{key}: {value}"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        rate, p99 = re.search(r"Requests/sec:\s+([\d.]+)", out), re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
        if rate is None or p99 is None:
            raise CommandError(f"unexpected wrk output:\n{out}")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        return float(rate.group(1)), float(p99.group(1)) * scale, int(bad.group(1)) if bad else 0

    def _request_path(self, port: int, world: dict, setup: dict, seconds: int, rounds: int) -> None:
        base = f"http://127.0.0.1:{port}"
        token = {"Authorization": f"Bearer {world['token']}"}
        cookie = {"Cookie": f"{SESSION_COOKIE}={setup['session']}"}
        pairs = [
            ("GET /api/v1/me (token)", f"{base}/api/v1/me", token,
             f"{base}/_floor/api/me?user={world['owner']}"),
            ("members list API (token)", f"{base}/api/v1/workspaces/{world['slug']}/members", token,
             f"{base}/_floor/api/members?workspace={world['workspace']}"),
            ("members page HTML (session)", f"{base}/w/{world['slug']}/members/", cookie,
             f"{base}/_floor/members.html?workspace={world['workspace']}"),
        ]
        self.stdout.write(f"\n1. request path (wrk, {WRK_CONNECTIONS} connections, {seconds} s each, {rounds} rounds "
                          "of endpoint then floor; the round with the median ratio, and every round's ratio)")
        self.stdout.write(f"{'endpoint':<30}{'req/s':>9}{'p99':>10}   {'floor req/s':>11}{'p99':>10}   ratio   errors"
                          "   all rounds")
        for label, url, headers, floor_url in pairs:
            self._wrk(url, headers, 2)  # warm both workers' connections and caches
            self._wrk(floor_url, {}, 2)
            measured = []
            for _round in range(rounds):  # alternated, so a noisy stretch of the machine hits both
                rate, p99, bad = self._wrk(url, headers, seconds)
                floor, floor_p99, floor_bad = self._wrk(floor_url, {}, seconds)
                measured.append((rate / floor, rate, p99, floor, floor_p99, bad + floor_bad))
            ratio, rate, p99, floor, floor_p99, _bad = sorted(measured)[len(measured) // 2]
            errors = sum(m[-1] for m in measured)
            every = " ".join(f"{m[0]:.2f}" for m in measured)
            self.stdout.write(f"{label:<30}{rate:>9.1f}{p99:>8.1f}ms   {floor:>11.1f}{floor_p99:>8.1f}ms   "
                              f"{ratio:>5.2f}   {errors:>6}   {every}")

    # -- 2. load --------------------------------------------------------------------------------------------

    def _load(self, server: Server, world: dict, setup: dict, options: dict) -> None:
        seconds, warmup, users = options["load_seconds"], options["warmup_seconds"], options["users"]
        slug = world["slug"]
        samples: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        lock = threading.Lock()
        stop = time.monotonic() + seconds
        token = {"Authorization": f"Bearer {world['token']}"}
        mix = [("members page", 25, "GET", f"/w/{slug}/members/", None, 200),
               ("dashboard", 10, "GET", f"/w/{slug}/", None, 200),
               ("client list page", 10, "GET", f"/w/{slug}/clients/", None, 200),
               ("members API", 20, "GET", f"/api/v1/workspaces/{slug}/members", token, 200),
               ("me API", 15, "GET", "/api/v1/me", token, 200),
               ("client search API", 15, "GET", f"/api/v1/workspaces/{slug}/clients?q=de", token, 200),
               ("login", 5, "LOGIN", "", None, 302)]
        kinds = [entry for entry in mix for _ in range(entry[1])]

        first_error: dict[str, str] = {}

        def note(kind: str, started: float, ok: bool, answer: str = "") -> None:
            with lock:
                samples[kind].append((time.perf_counter() - started) * 1000)
                if not ok:
                    errors[kind] += 1
                    first_error.setdefault(kind, answer[:300])

        def visitor(number: int) -> None:
            rng = random.Random(number)
            browser = Browser(server.port)
            email = world["logins"][number % len(world["logins"])]
            browser.log_in(email, world["password"])
            while time.monotonic() < stop:
                kind, _weight, method, path, headers, expected = rng.choice(kinds)
                started = time.perf_counter()
                try:
                    if method == "LOGIN":
                        browser.log_in(email, world["password"])
                        status = 302
                    else:
                        status, text = browser.request(method, path, headers=headers)
                except Exception as exc:  # noqa: BLE001 — a failed request is an error of the load, counted
                    status, text = 0, repr(exc)
                note(kind, started, status == expected, f"{status} {text}")
                time.sleep(rng.uniform(0, options["think"]))

        def inviter() -> None:
            browser = Browser(server.port)
            n = 0
            while time.monotonic() < stop:
                n += 1
                started = time.perf_counter()
                try:
                    status, text = browser.request(
                        "POST", f"/api/v1/workspaces/{slug}/invitations", headers=token,
                        body={"emails": [f"genodigde{n}-{secrets.token_hex(3)}@bench.example"], "role": "staff",
                              "account_type": "free"})
                except Exception as exc:  # noqa: BLE001
                    status, text = 0, repr(exc)
                note("invitation API", started, status == 201, f"{status} {text}")
                time.sleep(max(0.0, options["invite_every"] - (time.perf_counter() - started)))

        threads = [threading.Thread(target=visitor, args=(n,), daemon=True) for n in range(users)]
        threads.append(threading.Thread(target=inviter, daemon=True))
        self.stdout.write(f"\n2. load: {users} virtual users + 1 inviting, {seconds} s")
        began = time.monotonic()
        for thread in threads:
            thread.start()
        connections_seen: list[int] = []
        rss_warm: dict[int, int] = {}
        while any(thread.is_alive() for thread in threads):
            time.sleep(5)
            connections_seen.append(server.database_connections())
            if not rss_warm and time.monotonic() - began >= warmup:
                rss_warm = server.worker_rss()
        rss_end = server.worker_rss()
        elapsed = time.monotonic() - began
        self._report_load(samples, errors, elapsed, rss_warm, rss_end, connections_seen)
        for kind, answer in sorted(first_error.items()):
            self.stdout.write(f"first error of {kind}: {answer}")
        self.stdout.write(f"e-mails sent by the worker: {server.mails_sent()}")

    def _report_load(self, samples, errors, elapsed, rss_warm, rss_end, connections_seen) -> None:
        total = sum(len(v) for v in samples.values())
        failed = sum(errors.values())
        everything = [ms for values in samples.values() for ms in values]
        self.stdout.write(f"{'kind':<20}{'requests':>9}{'errors':>8}{'p50':>9}{'p95':>9}{'p99':>9}")
        for kind in sorted(samples):
            values = samples[kind]
            self.stdout.write(f"{kind:<20}{len(values):>9}{errors[kind]:>8}{statistics.median(values):>7.1f}ms"
                              f"{percentile(values, .95):>7.1f}ms{percentile(values, .99):>7.1f}ms")
        self.stdout.write(f"{'all':<20}{total:>9}{failed:>8}{statistics.median(everything):>7.1f}ms"
                          f"{percentile(everything, .95):>7.1f}ms{percentile(everything, .99):>7.1f}ms")
        self.stdout.write(f"throughput: {total / elapsed:.1f} requests/s over {elapsed:.0f} s; "
                          f"error rate {100 * failed / max(total, 1):.3f} % (target < 0.1 %)")
        for pid, warm in sorted(rss_warm.items()):
            end = rss_end.get(pid)
            growth = f"{100 * (end - warm) / warm:+.1f} %" if end else "worker gone"
            self.stdout.write(f"web worker {pid}: RSS {warm / 1024:.0f} MB after warm-up, "
                              f"{(end or 0) / 1024:.0f} MB at the end ({growth}; target < 10 %)")
        if connections_seen:
            self.stdout.write(f"database connections: at most {max(connections_seen)}, at the end "
                              f"{connections_seen[-1]} (2 workers × threads + the task worker + this command)")


class Server:
    """gunicorn (deploy/gunicorn.conf.py) and one db_worker on a throw-away database, stopped on exit."""

    threads = 4

    def __init__(self, database_url: str):
        from praxis.testing.net import free_port

        self.port = free_port()
        self.database_url = database_url
        self.tmp = Path(tempfile.mkdtemp(prefix="praxis-bench-server-"))
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRAXIS_") and k != "DJANGO_SETTINGS_MODULE"}
        (self.tmp / "mail").mkdir()
        env.update(DJANGO_SETTINGS_MODULE="praxis.settings.production", DATABASE_URL=self.database_url,
                   PRAXIS_SECRET_KEY=secrets.token_urlsafe(50), PRAXIS_SITE_URL=f"http://127.0.0.1:{self.port}",
                   PRAXIS_SSL_REDIRECT="0", PRAXIS_BIND=f"127.0.0.1:{self.port}", PRAXIS_WEB_WORKERS="2",
                   PRAXIS_WEB_THREADS=str(self.threads), PRAXIS_WEB_MAX_REQUESTS="0",
                   PRAXIS_STATIC_ROOT=str(self.tmp / "static"), PRAXIS_LOG_LEVEL="WARNING",
                   PRAXIS_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                   PRAXIS_EMAIL_FILE_PATH=str(self.tmp / "mail"))
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.log = open(self.tmp / "server.log", "w")  # noqa: SIM115 — closed in __exit__
        self.processes.append(subprocess.Popen([gunicorn, "-c", "deploy/gunicorn.conf.py", "praxis.core.benchfloor"],
                                               cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT))
        self.processes.append(subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.5"],
                                               cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT))
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                probe.request("GET", "/readyz")
                if probe.getresponse().status == 200:
                    return
            except OSError:
                pass
            if self.processes[0].poll() is not None or time.monotonic() > deadline:
                log = (self.tmp / "server.log").read_text()[-3000:]
                raise CommandError(f"gunicorn did not come up:\n{log}")
            time.sleep(0.3)

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def worker_rss(self) -> dict[int, int]:
        """The web workers' resident memory in KiB (the children of the gunicorn master)."""
        master = self.processes[0].pid
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            rss = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
            if rss is not None and re.search(rf"^PPid:\s+{master}$", status, re.M):
                found[int(entry.name)] = int(rss.group(1))
        return found

    def database_connections(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return int(cursor.fetchone()[0])

    def mails_sent(self) -> int:
        return sum(path.read_bytes().count(b"\nTo: ") for path in (self.tmp / "mail").glob("*.log"))
