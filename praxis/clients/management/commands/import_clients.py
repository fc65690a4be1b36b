"""`manage.py import_clients WORKSPACE_SLUG FILE [--dry-run] [--json] [--mapping FILE] [--as EMAIL]` (R-CLI-9).

Imports a CSV or XLSX file of clients into a workspace, as the workspace's owner (or the member given with
`--as`), through the same services as the browser and the API: the columns are mapped automatically
(`--mapping` takes a JSON object `{"header": "field"}` that overrides the proposal), `--dry-run` only
reports, and the commit is one transaction. Progress is drawn on stderr; the report goes to stdout — one
JSON object with `--json` (`{"rows", "importable", "imported", "invalid", "duplicates"}`).
Exit status: 0 when done, 1 when refused or failed (nothing is imported then).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope, scopes_disabled

from praxis.core.errors import ServiceError
from praxis.core.lifecycle import LifecycleStatus
from praxis.workspaces.access import resolve_access
from praxis.workspaces.models import Membership, Workspace
from praxis.workspaces.roles import Role


class Command(BaseCommand):
    help = "Import clients from a CSV or XLSX file into a workspace (R-CLI-9)."

    def add_arguments(self, parser):
        parser.add_argument("workspace", help="the workspace's slug")
        parser.add_argument("file", help="a CSV or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="report only, import nothing")
        parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
        parser.add_argument("--mapping", help='a JSON file {"column header": "field", ...}')
        parser.add_argument("--as", dest="as_email", help="import as this member (default: the owner)")

    def handle(self, *args, **options):
        from praxis.clients.imports import services as imports

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        columns = {}
        if options["mapping"]:
            try:
                columns = json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the mapping: {exc}") from None
            if not isinstance(columns, dict) or not all(isinstance(v, str | None) for v in columns.values()):
                raise CommandError('The mapping must be a JSON object {"column header": "field"}.')
            columns = {str(k): v or "" for k, v in columns.items()}
        access = self._access(options["workspace"], options["as_email"])
        bar = ProgressBar(sys.stderr, quiet=options["verbosity"] == 0)
        try:
            with scope(workspace=access.workspace), path.open("rb") as handle:
                job = imports.import_upload(access=access, filename=path.name, content=File(handle, name=path.name))
                if columns:
                    job = imports.import_map(access=access, job_id=job.pk, columns=columns)
                if options["dry_run"]:
                    job = imports.import_check(access=access, job_id=job.pk)
                    report = job.report
                else:
                    report = imports.import_commit(access=access, job_id=job.pk, on_progress=bar.draw).as_json()
        except ServiceError as exc:
            bar.done()
            if options["json"]:
                self.stdout.write(json.dumps({"error": {"code": exc.code, "detail": exc.message,
                                                        "field": exc.field}}))
            raise CommandError(exc.message) from None
        bar.done()
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self._print(report, dry_run=options["dry_run"])

    def _access(self, slug: str, email: str | None):
        with scopes_disabled():
            workspace = Workspace.objects.filter(slug=slug).first()
            if workspace is None:
                raise CommandError(f"No workspace “{slug}”.")
            members = Membership.objects.filter(workspace=workspace, status=LifecycleStatus.ACTIVE,
                                                user__isnull=False).select_related("user")
            member = (members.filter(user__email__iexact=email) if email else members.filter(role=Role.OWNER)).first()
        if member is None or member.user is None:
            raise CommandError(f"No active member {email} in “{slug}”." if email else f"“{slug}” has no owner.")
        return resolve_access(member.user, slug)

    def _print(self, report: dict, *, dry_run: bool) -> None:
        out = self.stdout
        out.write(f"rows: {report['rows']}  importable: {report['importable']}  imported: {report['imported']}"
                  + ("  (dry run)" if dry_run else ""))
        for item in report["invalid"]:
            out.write(f"line {item['line']}: {item['column']}: {item['reason']}")
        for item in report["duplicates"]:
            of = (f"line {item['duplicate_of_line']}" if item["duplicate_of_line"]
                  else f"client #{item['duplicate_of_client']}")
            out.write(f"line {item['line']}: duplicate of {of} (by {item['by']})")


class ProgressBar:
    """A one-line bar on stderr: rows of the file read so far — checked and written in one pass
    (`phase == "importing"`), or checked only (a dry run)."""

    WIDTH = 30

    def __init__(self, stream, *, quiet: bool = False):
        self.stream = stream
        self.quiet = quiet
        self.drawn = False

    def draw(self, values: dict) -> None:
        if self.quiet:
            return
        total = values.get("rows_total") or 0
        done = values.get("rows_done", 0)
        label = "importing" if values.get("phase") == "importing" else "checking"
        fraction = min(1.0, done / total) if total else 0.0
        filled = int(self.WIDTH * fraction)
        of = f"/{total}" if total else ""
        self.stream.write(f"\r{label:9} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}{of} rows")
        self.stream.flush()
        self.drawn = True

    def done(self) -> None:
        if self.drawn and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
