"""SQLite's client search index answers per workspace (R-CLI-8).

`0002` made `clients_client_fts` an external-content FTS5 index keyed by the client id. A search then found
the matches of *every* workspace of the deployment and looked each one up in `clients_client` to keep the
workspace's: at 1 000 000 clients in 10 workspaces, "jansen" read 10 000 rows to answer 1 000.

Now the index is contentless (it stores only the trigrams, the text lives in `clients_client.search_text`)
and its rowid is `workspace_id * 2**32 + id` (`search.fts_rowid`). FTS5 keeps every trigram's rows in rowid
order and seeks a `rowid BETWEEN` range within them, so `selectors.matching` asks for one workspace's
range and reads only that workspace's matches. The triggers write the same rowid; a contentless table is
told what to delete with the old values ('delete' command). Client ids and workspace ids stay far below
2**31 on an SQLite deployment, so the rowid fits in 64 bits.

The caution of `0002` now reads: a later migration that makes Django rebuild `clients_client` on SQLite
loses these triggers; re-create them (`TRIGGERS`) and refill the index (`FILL`, after
`INSERT INTO clients_client_fts (clients_client_fts) VALUES ('delete-all')` — a contentless table has no
'rebuild').

PostgreSQL: nothing (its GIN index holds the workspace since `0006`).
"""

import importlib

from django.db import migrations

SHIFT = 4294967296  # 2**32: search.FTS_WORKSPACE_SHIFT

TABLE = ("CREATE VIRTUAL TABLE clients_client_fts USING fts5("
         "search_text, content='', tokenize='trigram case_sensitive 1')")
TRIGGERS = (
    f"""CREATE TRIGGER clients_client_fts_insert AFTER INSERT ON clients_client BEGIN
        INSERT INTO clients_client_fts (rowid, search_text) VALUES (new.workspace_id * {SHIFT} + new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER clients_client_fts_delete AFTER DELETE ON clients_client BEGIN
        INSERT INTO clients_client_fts (clients_client_fts, rowid, search_text)
        VALUES ('delete', old.workspace_id * {SHIFT} + old.id, old.search_text);
    END""",
    f"""CREATE TRIGGER clients_client_fts_update AFTER UPDATE OF id, workspace_id, search_text ON clients_client BEGIN
        INSERT INTO clients_client_fts (clients_client_fts, rowid, search_text)
        VALUES ('delete', old.workspace_id * {SHIFT} + old.id, old.search_text);
        INSERT INTO clients_client_fts (rowid, search_text) VALUES (new.workspace_id * {SHIFT} + new.id, new.search_text);
    END""",
)
FILL = f"INSERT INTO clients_client_fts (rowid, search_text) SELECT workspace_id * {SHIFT} + id, search_text FROM clients_client"

def _drop(schema_editor):
    for name in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS clients_client_fts_{name}")
    schema_editor.execute("DROP TABLE IF EXISTS clients_client_fts")


def per_workspace(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    _drop(schema_editor)
    schema_editor.execute(TABLE)
    for trigger in TRIGGERS:
        schema_editor.execute(trigger)
    schema_editor.execute(FILL)


def back_to_one_index(apps, schema_editor):
    """The index of `0002` again (its table and triggers, rebuilt from `clients_client`)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    old = importlib.import_module("praxis.clients.migrations.0002_search_index")
    _drop(schema_editor)
    schema_editor.execute(old.SQLITE_TABLE)
    for trigger in old.SQLITE_TRIGGERS:
        schema_editor.execute(trigger)
    schema_editor.execute("INSERT INTO clients_client_fts (clients_client_fts) VALUES ('rebuild')")


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0006_search_index_per_workspace"),
    ]

    operations = [
        migrations.RunPython(per_workspace, back_to_one_index, elidable=False),
    ]
