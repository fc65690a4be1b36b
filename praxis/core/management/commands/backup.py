"""`manage.py backup DIR`: a consistent backup of the database and the uploaded files (praxis/core/backups.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from praxis.core import backups


class Command(BaseCommand):
    help = "Write a backup folder (database, uploaded files, manifest with per-table checksums) under DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        try:
            target = backups.backup(directory)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(target))
