"""`manage.py restore BACKUP`: load a backup folder into the configured (empty) database and verify it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from praxis.core import backups


class Command(BaseCommand):
    help = ("Restore a backup folder written by `backup` into the configured database (which must be empty, "
            "unless --replace), then compare every table with the backup's manifest and verify the audit "
            "chains. Exits non-zero when anything differs.")

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup folder (or its manifest.json)")
        parser.add_argument("--replace", action="store_true",
                            help="restore over a database that holds data (its tables are replaced)")
        parser.add_argument("--verify-only", action="store_true",
                            help="restore nothing: compare the current database with the backup's manifest")

    def handle(self, *args, backup: Path, replace: bool, verify_only: bool, **options):
        try:
            if verify_only:
                report = backups.verify(backups.read_manifest(backup)[1])
            else:
                report = backups.restore(backup, replace=replace)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"the restored database differs from the backup ({len(report.problems)} problems)")
        self.stdout.write(f"restored and verified: {report.tables} tables, {report.rows} rows, audit chains intact")
