"""The backup and restore drill (SPEC §14, issue 10 point 10): back up a practice with clients, files and
audit entries, restore into an empty database, and find every table's row count and checksum equal to the
source, the audit chains intact and the app serving; a tampered copy is reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django_scopes import scope

from praxis.clients.tests.factories import client_make
from praxis.core import backups

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db(transaction=True)


def _target(tmp_path):
    """(DATABASE_URL of an empty database, cleanup)."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    db = connection.settings_dict
    name = f"{db['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{name}"
    return url, drop


def _run(args: list[str], url: str, media: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRAXIS_")}
    env.update(DATABASE_URL=url, PRAXIS_MEDIA_ROOT=str(media), DJANGO_SETTINGS_MODULE="praxis.settings.test")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


SERVES = """
import json, django
django.setup()
from django.test import Client
from django_scopes import scope
from praxis.accounts.models import User
from praxis.workspaces.models import Workspace
from praxis.workspaces.access import resolve_access
from praxis.clients.services import client_create
ws = Workspace.objects.get(slug=%(slug)r)
owner = User.objects.get(email=%(email)r)
http = Client()
http.force_login(owner, backend="praxis.accounts.sessions.AccountBackend")
page = http.get(f"/w/{ws.slug}/clients/")
with scope(workspace=ws):
    created = client_create(access=resolve_access(owner, ws.slug), values={"first_name": "Na", "last_name": "Restore"})
print(json.dumps({"ready": Client().get("/readyz").status_code, "clients": page.status_code,
                  "listed": "Lef" in page.content.decode(), "new_id": created.pk}))
"""


def test_backup_restore_drill(workspace_with_team, tmp_path, settings):
    team = workspace_with_team
    media = tmp_path / "media"
    (media / "uploads").mkdir(parents=True)
    (media / "uploads" / "verwijsbrief.txt").write_text("Verwijzing van de huisarts")
    settings.MEDIA_ROOT = media
    with scope(workspace=team.workspace):
        zoe = client_make(team.access("owner"), first_name="Zoë", last_name="Lefèvre", city="Utrecht")
        client_make(team.access("owner"), first_name="Bram", last_name="de Vries")
    source = backups.table_fingerprints()
    call_command("backup", str(tmp_path / "backups"))
    [folder] = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"] == source and manifest["vendor"] == connection.vendor
    assert source["clients_client"]["rows"] == 2 and source["audit_auditevent"]["rows"] > 0

    url, drop = _target(tmp_path)
    restored_media = tmp_path / "restored-media"
    try:
        restored = _run(["manage.py", "restore", str(folder)], url, restored_media)
        assert restored.returncode == 0, restored.stderr[-3000:]
        assert "audit chains intact" in restored.stdout
        # Independently of the manifest: the restored tables equal the source's.
        probe = _run(["-c", "import django, json; django.setup(); from praxis.core.backups import table_fingerprints;"
                      " print(json.dumps(table_fingerprints()))"], url, restored_media)
        assert json.loads(probe.stdout.strip().splitlines()[-1]) == source
        assert _run(["manage.py", "verify_audit"], url, restored_media).returncode == 0
        assert (restored_media / "uploads" / "verwijsbrief.txt").read_text() == "Verwijzing van de huisarts"
        serves = _run(["-c", SERVES % {"slug": team.workspace.slug, "email": team.owner.email}], url, restored_media)
        assert serves.returncode == 0, serves.stderr[-3000:]
        answer = json.loads(serves.stdout.strip().splitlines()[-1])
        assert answer["ready"] == 200 and answer["clients"] == 200 and answer["listed"]
        assert answer["new_id"] > zoe.pk  # the sequences came along: a new row does not collide
        # A second restore over the now non-empty database is refused without --replace.
        again = _run(["manage.py", "restore", str(folder)], url, restored_media)
        assert again.returncode != 0 and "not empty" in again.stderr
        # The restored copy now differs from the backup (one client more): --verify-only says which table.
        check = _run(["manage.py", "restore", "--verify-only", str(folder)], url, restored_media)
        assert check.returncode != 0 and "clients_client: 3 rows (backup: 2)" in check.stderr
    finally:
        drop()
