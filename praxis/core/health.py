"""Probes for a load balancer and a process supervisor (SPEC §14, issue 10 point 7).

- `GET /healthz` — the process is alive and answers; touches nothing else (a liveness probe: restart the
  process when it fails).
- `GET /readyz` — the process can serve: the database answers and every migration of the code is applied
  (a readiness probe: send no traffic until it passes, e.g. during a deploy whose migrations still run).

Both answer JSON without any personal data, are exempt from the HTTPS redirect (probes come from inside)
and are never cached.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.http import require_GET

_migrated: set[str] = set()  # aliases found fully migrated: the code cannot gain migrations without a restart


def database_ready(alias: str = DEFAULT_DB_ALIAS) -> tuple[bool, str]:
    """(ready, reason): the database answers a query and has no unapplied migration."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if alias not in _migrated:
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return False, "migrations_pending"
            _migrated.add(alias)
    except DatabaseError:
        return False, "database_unavailable"
    return True, "ok"


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    ready, reason = database_ready()
    return JsonResponse({"status": "ok" if ready else "unavailable", "reason": reason},
                        status=200 if ready else 503)
