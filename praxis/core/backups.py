"""Backup and restore of a whole deployment (SPEC §14, issue 10 point 10).

A backup is one folder, `praxis-<UTC time>/`, holding
- `database.dump` (PostgreSQL: `pg_dump -Fc`, a consistent snapshot taken while Praxis serves) or
  `database.sqlite3` (SQLite: the online backup API, consistent while Praxis writes);
- `media.tar.gz`, the uploaded files under `MEDIA_ROOT` (when files are stored on local disk);
- `manifest.json`: when, from which database vendor and migration state, and per table its row count and
  a checksum of its rows — what a restore is verified against.

`restore` loads a backup into an empty database (or, with `replace`, over an existing one), restores the
files, then compares every table's count and checksum with the manifest and verifies the audit chains.
A restore that does not match says so and fails; it never reports success on a partial copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from praxis.core import clock

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    pass


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- fingerprints ------------------------------------------------------------------------------------


def _is_fts_shadow(name: str, virtual: set[str]) -> bool:
    """SQLite's FTS5 index keeps shadow tables of its own (`<table>_data`, `_idx`, …); the virtual table
    is fingerprinted through its content like any table, its shadows are how SQLite stores it."""
    return any(name.startswith(f"{table}_") and name[len(table) + 1:] in FTS5_SHADOWS for table in virtual)


FTS5_SHADOWS = ("data", "idx", "docsize", "config", "content")


def _table_names(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        rows = cursor.fetchall()
        virtual = {name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")}
        return sorted(name for name, _sql in rows if not _is_fts_shadow(name, virtual))
    return sorted(connection.introspection.table_names(cursor, include_views=False))


def _plain(value: Any) -> str:
    if isinstance(value, memoryview | bytes | bytearray):
        return bytes(value).hex()
    return str(value)


def _fingerprints(cursor, vendor: str) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for table in _table_names(cursor, vendor):
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (a table name read from the catalogue)
        rows = sorted(json.dumps(list(row), default=_plain, sort_keys=True) for row in cursor.fetchall())
        result[table] = {"rows": len(rows), "sha256": hashlib.sha256("\n".join(rows).encode()).hexdigest()}
    return result


def table_fingerprints() -> dict[str, dict[str, Any]]:
    """Per table of the current database: its row count and the SHA-256 of its rows, each row written as
    the JSON of its values, sorted. Equal on the source and a restored copy, whatever the order the rows
    were loaded in; different when a row, a value or a table is missing.

    On SQLite the rows are read through a plain `sqlite3` connection: Django's converts declared types
    (dates, decimals, booleans) on the way out, the backup copy is read without, and both must agree."""
    if connection.vendor == "sqlite":
        with closing(sqlite3.connect(connection.settings_dict["NAME"])) as raw:
            return _fingerprints(raw.cursor(), "sqlite")
    with connection.cursor() as cursor:
        return _fingerprints(cursor, connection.vendor)


def _migration_state(cursor) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


# --- tools -------------------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """`pg_dump`/`pg_restore` of the newest PostgreSQL installed (Debian keeps them per version), else PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: [int(x) for x in p.parts[-3].split(".") if x.isdigit()])
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)")
    return found


def _pg_args_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


# --- backup ------------------------------------------------------------------------------------------


def backup(directory: Path) -> Path:
    """Write a backup folder under `directory`; return its path."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    target = Path(directory) / f"praxis-{stamp}"
    if target.exists():
        raise BackupError(f"{target} exists already")
    target.mkdir(parents=True)
    try:
        if connection.vendor == "postgresql":
            database_file = "database.dump"
            tables, migrations = _dump_postgresql(target / database_file)
        elif connection.vendor == "sqlite":
            database_file = "database.sqlite3"
            tables, migrations = _copy_sqlite(target / database_file)
        else:
            raise BackupError(f"no backup for {connection.vendor}")
        media = _media_root()
        media_file = None
        if media is not None and media.is_dir() and any(media.iterdir()):
            media_file = "media.tar.gz"
            with tarfile.open(target / media_file, "w:gz") as archive:
                archive.add(media, arcname="media")
        manifest = {
            "format": FORMAT, "created_at": clock.now().isoformat(), "vendor": connection.vendor,
            "instance": settings.PRAXIS_INSTANCE, "database": database_file, "media": media_file,
            "migrations": migrations, "tables": tables,
        }
        (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # never leave a half-written backup that looks whole
        raise
    return target


Contents = tuple[dict[str, dict[str, Any]], list[str]]  # (fingerprints, applied migrations)


def _dump_postgresql(path: Path) -> Contents:
    """`pg_dump` of a snapshot exported by a read-only REPEATABLE READ transaction, which then reads the
    fingerprints from the same snapshot: the manifest describes exactly the rows in the dump, even while
    Praxis writes."""
    if connection.in_atomic_block:
        raise BackupError("a backup cannot run inside a transaction")
    args, env = _pg_args_env()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        [snapshot] = cursor.fetchone()
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--snapshot", snapshot,
              "--file", str(path), *args], env)
        return _fingerprints(cursor, "postgresql"), _migration_state(cursor)


def _copy_sqlite(path: Path) -> Contents:
    """SQLite's online backup into `path`; the fingerprints are read from the copy itself."""
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        return _fingerprints(cursor, "sqlite"), _migration_state(cursor)
    finally:
        copy.close()


def _media_root() -> Path | None:
    root = getattr(settings, "MEDIA_ROOT", None)
    storage = settings.STORAGES["default"]["BACKEND"]
    if not root or not storage.endswith("FileSystemStorage"):
        return None  # object storage keeps its own versions and backups
    return Path(root)


# --- restore -----------------------------------------------------------------------------------------


def read_manifest(path: Path) -> tuple[Path, dict[str, Any]]:
    folder = Path(path)
    if folder.is_file() and folder.name == MANIFEST:
        folder = folder.parent
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{folder} is not a Praxis backup (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{manifest_path} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return folder, manifest


def database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not _table_names(cursor, connection.vendor)


def restore(path: Path, *, replace: bool = False) -> RestoreReport:
    """Load the backup at `path` into the configured database and media folder, then verify it."""
    folder, manifest = read_manifest(path)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"a {manifest['vendor']} backup cannot be restored into {connection.vendor}")
    if not replace and not database_is_empty():
        raise BackupError("the database is not empty: restore into an empty database, or pass --replace")
    database_file = folder / manifest["database"]
    if connection.vendor == "postgresql":
        args, env = _pg_args_env()
        options = ["--clean", "--if-exists"] if replace else []
        connection.close()
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              *options, *args, str(database_file)], env)
    else:
        connection.ensure_connection()
        source = sqlite3.connect(database_file)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
    if manifest.get("media"):
        media = _media_root()
        if media is None:
            raise BackupError("the backup holds files but this deployment stores them in object storage")
        with tarfile.open(folder / manifest["media"], "r:gz") as archive:
            archive.extractall(media.parent / ".restore", filter="data")
        restored = media.parent / ".restore" / "media"
        media.mkdir(parents=True, exist_ok=True)
        shutil.copytree(restored, media, dirs_exist_ok=True)
        shutil.rmtree(media.parent / ".restore", ignore_errors=True)
    return verify(manifest)


def verify(manifest: dict[str, Any]) -> RestoreReport:
    """Compare the current database with a backup's manifest, and verify the audit chains (R-AUD-1)."""
    from praxis.audit.services import verify_chains

    report = RestoreReport()
    found = table_fingerprints()
    expected: dict[str, dict[str, Any]] = manifest["tables"]
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None:
            report.problems.append(f"{table}: not in the backup")
        elif got is None:
            report.problems.append(f"{table}: missing after the restore")
        elif want != got:
            report.problems.append(f"{table}: {got['rows']} rows (backup: {want['rows']}), checksum "
                                   f"{'equal' if want['sha256'] == got['sha256'] else 'different'}")
        else:
            report.tables += 1
            report.rows += got["rows"]
    for chain in verify_chains(None):
        report.problems += [f"audit chain {chain.chain}: {problem}" for problem in chain.problems]
    return report
