"""`manage.py bench_search`: time the client search (R-CLI-8) at scale on a throw-away database.

Creates its own test database (SQLite or PostgreSQL, whichever DATABASE_URL selects), loads the demo
practice, adds `--clients` generated clients to it (Dutch, Belgian, German and French names, accents
included) and copies them into other workspaces until the deployment holds `--deployment` clients. Then,
for a surname, a fragment, an accented name, a phone number and a date of birth, it times:

- the API: `GET /api/v1/workspaces/{ws}/clients?q=…` as the practice owner (session), the whole request;
- the floor: one bare indexed SQL query for the same first page (pg_trgm `LIKE` on PostgreSQL, the FTS5
  trigram `MATCH` on SQLite, the date of birth for a date), straight on the cursor, with the planner
  setting the request uses (`selectors.search_plan`);
and prints median and p99 of each with their ratio. It also times the HTML client list on its first page
and on a keyset page near the end (the "page 2 000" of the issue) beside the floor query of that page.
Prints numbers; asserts nothing (timings belong in reports, not in tests).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from types import SimpleNamespace

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import override_settings
from django_scopes import scopes_disabled

from praxis.core.benchmarks import (
    load_demo_practice,
    percentile,
    settle_after_fill,
    throwaway_database,
    timed,
)

FIRST = ["Zoë", "Daan", "Sem", "Noah", "Lucas", "Emma", "Julia", "Mila", "Tess", "Sophie", "Léa", "Chloé",
         "Hélène", "Amélie", "Jürgen", "Lukas", "Jörg", "Ann-Sofie", "Maël", "Inès", "Bram", "Fenna", "Anaïs",
         "Björn", "Leonie", "Finn", "Sarah", "Noël", "Elif", "Youssef"]
LAST = ["de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
        "Peeters", "Janssens", "Maes", "Claes", "Dubois", "Lefèvre", "Moreau", "Lambert", "Müller",
        "Schmidt", "Schäfer", "Weiß", "Groß", "Köhler", "Van Damme", "De Smet", "Wouters", "Öztürk",
        "Verhoeven", "Dijkstra", "van Leeuwen", "Bos", "Hendriks", "Dekker", "Brouwer", "Girard"]


# The long tail of surnames: real practices have thousands of distinct names, and a name list of a few
# dozen would make every surname match 3 % of the rows (which no index helps with). Syllables make ~4 000.
_HEADS = ["Ver", "Van", "De", "Bos", "Kl", "Hoek", "Win", "Stra", "Ber", "Hol", "Mer", "Dam", "Wal", "Ros",
          "Lin", "Kor", "Hei", "Grü", "Bau", "Fal", "Mor", "Lam", "Gau", "Cha", "Rou", "Bel", "Tes", "Dur",
          "Pel", "Sch", "Wei", "Hof", "Kes", "Nij", "Zee", "Oos", "Wes", "Noo", "Zui", "Mol"]
_TAILS = ["mans", "hoven", "stra", "ink", "ema", "ers", "kamp", "berg", "feld", "mann", "ier", "ault",
          "eau", "ot", "ard", "ens", "ijn", "horst", "dijk", "sma", "ing", "weg", "beek", "rooij", "ler",
          "ner", "ger", "tz", "ès", "elle", "inck", "aert", "oni", "ski", "aki", "ova", "ssen", "baum",
          "wald", "hout", "mond", "lo", "meier", "ecke", "uis", "ama", "esse", "uwe", "ant", "iel", "oux",
          "et", "ain", "ière", "ec", "ac", "ik", "ul", "ard", "ic", "in", "on", "um", "ix", "eck", "ow",
          "au", "ay", "os", "ys", "an", "ey", "ez", "is", "us", "as", "es", "az", "oz", "ir", "ur", "er",
          "ai", "ei", "oi", "ui", "aa", "ee", "oo", "uu", "ij", "ie", "oe", "ou", "eu", "au", "ae"]
TAIL_NAMES = [head + tail for head in _HEADS for tail in _TAILS]


def _surname(rng: random.Random) -> str:
    """A common surname one time in three (Jansen about 1 %), otherwise one of the long tail."""
    return rng.choice(LAST) if rng.random() < 0.33 else rng.choice(TAIL_NAMES)


class Command(BaseCommand):
    help = "Benchmark the client search and list at scale on a throw-away database."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=100_000, help="clients in the searched workspace")
        parser.add_argument("--deployment", type=int, default=1_000_000, help="clients in the whole deployment")
        parser.add_argument("--repeat", type=int, default=200, help="timed requests per query")
        parser.add_argument("--keep", action="store_true", help="keep the filled database afterwards")
        parser.add_argument("--profile", action="store_true",
                            help="also print, per query, the SQL of one API request with each statement's time")

    @scopes_disabled()  # a benchmark that fills many workspaces
    def handle(self, *args, **options):
        with throwaway_database("search", keep=options["keep"]) as test_db:
            self.stdout.write(f"database: {connection.vendor} ({test_db})")
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                                   TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
                                   DEBUG=False):
                self._run(options["clients"], options["deployment"], options["repeat"], options["profile"])

    def _fill(self, n: int, deployment: int):
        from praxis.clients.models import Client
        from praxis.clients.search import search_text_for, settle_index
        from praxis.workspaces.models import Workspace

        workspace = load_demo_practice()
        rng = random.Random(7)
        start = time.perf_counter()
        now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        rows = []
        for i in range(n):
            born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 30000))
            values = SimpleNamespace(first_name=rng.choice(FIRST), last_name=_surname(rng), preferred_name="",
                                     email=f"client{i}@bench.example", phone=f"+316{rng.randrange(10**8):08d}",
                                     date_of_birth=born)
            rows.append(Client(workspace=workspace, status="active", created_at=now, updated_at=now,
                               search_text=search_text_for(values), custom={}, **vars(values)))
        with transaction.atomic():
            Client.objects.bulk_create(rows, batch_size=2000)
        self.stdout.write(f"filled {n} clients in {time.perf_counter() - start:.1f} s")
        # The rest of the deployment: copies of those rows in other workspaces (same data, other tenants).
        others = max(0, deployment // max(n, 1) - 1)
        if others:
            start = time.perf_counter()
            columns = [f.column for f in Client._meta.concrete_fields if f.column not in ("id", "workspace_id")]
            cols = ", ".join(connection.ops.quote_name(c) for c in columns)
            for k in range(others):
                copy = Workspace.objects.create(slug=f"bench-{k}", name=f"Bench practice {k}", tier="practice",
                                                country="NL", time_zone="Europe/Amsterdam", language="nl",
                                                email=f"bench{k}@bench.example")
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"INSERT INTO clients_client (workspace_id, {cols}) "
                                   f"SELECT %s, {cols} FROM clients_client WHERE workspace_id = %s",
                                   [copy.pk, workspace.pk])
            self.stdout.write(f"copied into {others} more workspaces in {time.perf_counter() - start:.1f} s")
        # As an import does after its bulk write: on PostgreSQL the search index's pending list merged — left
        # full, every search reads it (`search.settle_index`); then statistics (SQLite: as the import keeps
        # them) and the visibility map, as autovacuum leaves them (`settle_after_fill`).
        settle_index()
        settle_after_fill(Client._meta.db_table)
        total = Client.objects.count()
        self.stdout.write(f"deployment: {total} clients; searched workspace: {workspace.clients.count()}")
        return workspace

    def _floor_sql(self, workspace_id: int, q: str, country: str) -> tuple[str, list]:
        """One bare indexed query for the first page of a search: what the request cannot beat. Run inside
        `selectors.search_plan(q)`, as the request's queries are (the same planner setting)."""
        from praxis.clients.search import fts5_string, fts_rowid_range, query_date, query_terms

        page = "SELECT id, first_name, last_name FROM clients_client WHERE workspace_id = %s AND status = 'active' AND "
        order = " ORDER BY last_name, first_name, id LIMIT 50"
        if born := query_date(q, country=country):
            return page + "date_of_birth = %s" + order, [workspace_id, born]
        terms = query_terms(q, country=country)
        if connection.vendor == "sqlite":
            first, last = fts_rowid_range(workspace_id)
            return (page + "id IN (SELECT rowid - %s FROM clients_client_fts WHERE clients_client_fts MATCH %s "
                    "AND rowid BETWEEN %s AND %s)" + order,
                    [workspace_id, first, " ".join(fts5_string(t) for t in terms), first, last])
        page = page.replace("workspace_id = %s", "workspace_id = %s::bigint")
        return page + " AND ".join("search_text LIKE %s" for _ in terms) + order, [workspace_id, *[f"%{t}%" for t in terms]]

    def _run(self, n: int, deployment: int, repeat: int, profile: bool = False) -> None:
        from praxis.accounts.models import User
        from praxis.clients import selectors

        workspace = self._fill(n, deployment)
        owner = User.objects.get(email="eva@delinde.example")
        http = HttpClient()
        http.force_login(owner)
        url = f"/api/v1/workspaces/{workspace.slug}/clients"
        queries = [("surname", "jansen"), ("fragment", "ver"), ("accented name", "zoë"),
                   ("phone", "06 10001234"), ("date of birth", "")]
        born = workspace.clients.order_by("id").values_list("date_of_birth", flat=True)[n // 2]
        queries[-1] = ("date of birth", born.strftime("%d-%m-%Y"))
        phone = workspace.clients.order_by("id").values_list("phone", flat=True)[n // 3]  # +316xxxxxxxx
        queries[-2] = ("phone", f"0{phone[3]} {phone[4:]}")  # as typed nationally: "06 12345678"
        self.stdout.write(f"\n{'query':<16}{'q':<14}{'hits':>7}  {'API median':>10} {'p99':>7}   "
                          f"{'floor median':>12} {'p99':>7}   ratio(p99)")
        for label, q in queries:
            response = http.get(url, {"q": q})
            assert response.status_code == 200, response.content[:300]
            hits = response.json()["count"]
            api = timed(lambda q=q: http.get(url, {"q": q}), repeat)
            sql, params = self._floor_sql(workspace.pk, q, workspace.country)
            with selectors.search_plan(q), connection.cursor() as cursor:
                floor = timed(lambda sql=sql, params=params: (cursor.execute(sql, params), cursor.fetchall()),
                               repeat)
            self.stdout.write(
                f"{label:<16}{q:<14}{hits:>7}  {statistics.median(api):>8.2f}ms {percentile(api, .99):>5.2f}ms   "
                f"{statistics.median(floor):>10.2f}ms {percentile(floor, .99):>5.2f}ms   "
                f"{percentile(api, .99) / max(percentile(floor, .99), 1e-6):>6.1f}x")
            if profile:
                self._profile(http, url, q)
        self._list_pages(http, workspace, repeat)

    def _profile(self, http, url: str, q: str) -> None:
        """One request's statements with their times, and the time spent outside the database."""
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            http.get(url, {"q": q})
            total = (time.perf_counter() - start) * 1000
        in_sql = sum(float(query["time"]) for query in captured.captured_queries) * 1000
        self.stdout.write(f"    {len(captured)} statements, {in_sql:.2f} ms in SQL of {total:.2f} ms")
        for query in captured.captured_queries:
            self.stdout.write(f"    {float(query['time']) * 1000:7.2f} ms  {query['sql'][:150]}")
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            http.get(url, {"q": q})
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        self.stdout.write(out.getvalue())

    def _list_pages(self, http, workspace, repeat: int) -> None:
        """The HTML client list: first page and a keyset page near the end, beside the bare page query."""
        ids = list(workspace.clients.filter(status="active").order_by("last_name", "first_name", "id")
                   .values_list("id", flat=True))
        deep_after = ids[-60]  # the last-but-one page of 50: "page 2 000" at 100 000 clients
        url = f"/w/{workspace.slug}/clients/"
        sql = ("SELECT id, first_name, last_name FROM clients_client WHERE workspace_id = %s AND status = 'active' "
               "ORDER BY last_name, first_name, id LIMIT 50")
        self.stdout.write(f"\n{'client list (HTML)':<24}{'median':>8} {'p99':>8}   {'floor median':>12} {'p99':>7}")
        with connection.cursor() as cursor:
            floor = timed(lambda: (cursor.execute(sql, [workspace.pk]), cursor.fetchall()), repeat)
        for label, params in (("first page", {}), ("keyset page near end", {"after": deep_after})):
            response = http.get(url, params)
            assert response.status_code == 200, response.status_code
            page = timed(lambda params=params: http.get(url, params), max(20, repeat // 4))
            self.stdout.write(f"{label:<24}{statistics.median(page):>6.2f}ms {percentile(page, .99):>6.2f}ms   "
                              f"{statistics.median(floor):>10.2f}ms {percentile(floor, .99):>5.2f}ms")
