from django.core.management.base import BaseCommand, CommandError

from praxis.audit.models import AuditEvent
from praxis.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero when an entry was altered or removed."

    def handle(self, *args, **options):
        problems = verify_chain()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"audit log verification failed: {len(problems)} problem(s)")
        self.stdout.write(f"audit log intact: {AuditEvent.objects.count()} entries")
