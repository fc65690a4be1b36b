"""`manage.py bench`: measure the foundation's hot paths on a throw-away database.

Creates a test database (SQLite or PostgreSQL, whichever DATABASE_URL selects), fills one workspace
with many members, and times the operations a busy practice repeats. Prints wall times and query
counts; nothing is asserted (timings belong in reports, not in tests that flake).
"""

import statistics
import time
import uuid

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django_scopes import scope

from praxis.accounts.models import User
from praxis.audit.services import verify_chain
from praxis.core.benchmarks import throwaway_database
from praxis.workspaces import invitations, services
from praxis.workspaces.access import resolve_access
from praxis.workspaces.models import Membership
from praxis.workspaces.signup import user_sign_up


def _timed(fn, repeat=1):
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return result, statistics.median(samples)


def _recorder(statements: list[str]):
    """A cursor wrapper that appends every statement it sees to `statements`."""
    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)
    return record


class Command(BaseCommand):
    help = "Benchmark members, invitations, lifecycle and audit at scale on a throw-away database."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=2000)

    def handle(self, *args, **options):
        n = options["members"]
        with throwaway_database("members") as test_db:
            self.stdout.write(f"database: {connection.vendor} ({test_db})")
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                                   PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                                   ALLOWED_HOSTS=["*"]):
                self._run(n)

    def _run(self, n):
        owner = user_sign_up(email="bench-owner@bench.test", password="bench password 123", first_name="Bench")
        workspace = services.workspace_create(actor=owner, name="Bench practice", tier="practice")
        users = User.objects.bulk_create(
            User(email=f"m{i}@bench.test", first_name=f"Member{i}", last_name="Bench") for i in range(n)
        )
        with scope(workspace=workspace):
            Membership.objects.bulk_create(
                Membership(workspace=workspace, user=u, role="clinician", account_type="pro") for u in users
            )
        self.stdout.write(f"workspace with {n + 1} members")

        client = Client()
        client.force_login(owner)
        for label, url in [
            ("API members list, page of 50", f"/api/v1/workspaces/{workspace.slug}/members?page=3"),
            ("API members list, page of 200", f"/api/v1/workspaces/{workspace.slug}/members?page_size=200"),
            ("HTML members page", f"/w/{workspace.slug}/members/"),
        ]:
            # Every statement the request sends, counted at the cursor (with DEBUG off the query log is
            # cleared by each request's start signal, so CaptureQueriesContext would see none).
            statements: list[str] = []
            with connection.execute_wrapper(_recorder(statements)):
                response = client.get(url)
            _resp, seconds = _timed(lambda url=url: client.get(url), repeat=5)
            self.stdout.write(f"{label:<34} {seconds * 1000:8.1f} ms  {len(statements):3d} queries"
                              f"  (status {response.status_code})")

        access = resolve_access(owner, workspace.slug)
        emails = [f"invitee-{uuid.uuid4().hex[:8]}@bench.test" for _ in range(200)]
        with scope(workspace=workspace):
            _r, seconds = _timed(lambda: invitations.invitations_create(
                access=access, emails=emails, role="clinician", account_type="pro"))
            self.stdout.write(f"{'bulk invite of 200 addresses':<34} {seconds * 1000:8.1f} ms")
            ids = list(Membership.objects.filter(workspace=workspace, role="clinician")
                       .values_list("pk", flat=True)[:500])
            _r, seconds = _timed(lambda: services.members_cancel(access=access, membership_ids=ids))
            self.stdout.write(f"{'bulk cancel of 500 members':<34} {seconds * 1000:8.1f} ms")
            _r, seconds = _timed(lambda: services.members_restore(access=access, membership_ids=ids))
            self.stdout.write(f"{'bulk restore of 500 members':<34} {seconds * 1000:8.1f} ms")

        from praxis.audit.models import AuditEvent

        count = AuditEvent.objects.count()
        problems, seconds = _timed(verify_chain)
        self.stdout.write(f"{'verify_audit over ' + str(count) + ' entries':<34} {seconds * 1000:8.1f} ms"
                          f"  ({'intact' if not problems else 'BROKEN'})")
