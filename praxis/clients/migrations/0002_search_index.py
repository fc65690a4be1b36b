"""The client search index over `Client.search_text` (R-CLI-8), one per database.

PostgreSQL: the pg_trgm extension and a GIN trigram index on `search_text`, which answers the
`search_text LIKE '%term%'` of `selectors.matching` for terms of three characters or more. The workspace
is not in the index: PostgreSQL ANDs the trigram bitmap with the workspace's rows, or walks the list index
in name order when a term is common (measured by `manage.py bench_clients_search`).

SQLite: an FTS5 table `clients_client_fts` with the `trigram` tokenizer (SQLite ≥ 3.34), an
external-content index of `clients_client.search_text` keyed by the client's id (`rowid`), so the text is
stored once. Triggers on `clients_client` keep it current on every write path — `save()`, `bulk_create`,
`bulk_update`, `QuerySet.update()`, raw SQL and the import alike — with no Python hook. On an older SQLite
the migration stops with a message rather than leave a search that silently finds nothing.

Caution for later migrations: when Django's SQLite schema editor has to rebuild `clients_client` (it copies
the table to a new one and drops the old one for most field alterations), the triggers go with the old
table. `tests/test_search.py::test_sqlite_index_triggers_exist` fails then; re-create them in that
migration (`SQLITE_TRIGGERS` below) and run the FTS5 'rebuild' command.

This migration also refreshes `search_text` of existing rows, since `search.search_text_for` gained
forms (compact names, the date of birth as digits) after `0001`.
"""

import sqlite3

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

SQLITE_MINIMUM = (3, 34, 0)

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE clients_client_fts USING fts5("
    "search_text, content='clients_client', content_rowid='id', tokenize='trigram case_sensitive 1')"
)
SQLITE_TRIGGERS = (
    """CREATE TRIGGER clients_client_fts_insert AFTER INSERT ON clients_client BEGIN
        INSERT INTO clients_client_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER clients_client_fts_delete AFTER DELETE ON clients_client BEGIN
        INSERT INTO clients_client_fts (clients_client_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER clients_client_fts_update AFTER UPDATE OF id, search_text ON clients_client BEGIN
        INSERT INTO clients_client_fts (clients_client_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO clients_client_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END""",
)

POSTGRES_INDEX = (
    "CREATE INDEX IF NOT EXISTS client_search_trgm ON clients_client USING gin (search_text gin_trgm_ops)"
)


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_INDEX)
    elif connection.vendor == "sqlite":
        version = tuple(int(part) for part in sqlite3.sqlite_version.split("."))
        if version < SQLITE_MINIMUM:
            raise RuntimeError(
                f"The client search needs SQLite 3.34 or newer (FTS5 with the trigram tokenizer); this Python "
                f"uses SQLite {sqlite3.sqlite_version}. Use a newer Python build or PostgreSQL (DATABASE_URL)."
            )
        try:
            schema_editor.execute(SQLITE_TABLE)
        except Exception as exc:
            raise RuntimeError(
                f"The client search needs SQLite's FTS5 extension with the trigram tokenizer: {exc}"
            ) from exc
        for trigger in SQLITE_TRIGGERS:
            schema_editor.execute(trigger)
        schema_editor.execute("INSERT INTO clients_client_fts (clients_client_fts) VALUES ('rebuild')")


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS client_search_trgm")
    elif connection.vendor == "sqlite":
        for name in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS clients_client_fts_{name}")
        schema_editor.execute("DROP TABLE IF EXISTS clients_client_fts")


def refresh_search_text(apps, schema_editor):
    from praxis.clients.search import search_text_for

    Client = apps.get_model("clients", "Client")
    changed = []
    for client in Client.objects.using(schema_editor.connection.alias).iterator(chunk_size=2000):
        text = search_text_for(client)
        if text != client.search_text:
            client.search_text = text
            changed.append(client)
    Client.objects.using(schema_editor.connection.alias).bulk_update(
        changed, ["search_text"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_clients_initial"),
    ]

    operations = [
        TrigramExtension(),  # PostgreSQL only (a no-op elsewhere)
        migrations.RunPython(create_index, drop_index, elidable=False),
        migrations.RunPython(refresh_search_text, migrations.RunPython.noop),
    ]
