from django.core.management.base import BaseCommand, CommandError

from praxis.audit.models import AuditEvent
from praxis.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero when an entry was altered or removed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--head", help="SEQ:HASH printed by an earlier run (kept outside the database); checks that "
            "this entry still exists unchanged, so removing the newest entries is detected too.")

    def handle(self, *args, **options):
        problems = verify_chain()
        if options["head"]:
            seq, _sep, expected = options["head"].partition(":")
            entry = AuditEvent.objects.filter(seq=int(seq)).first()
            if entry is None:
                problems.append(f"entry #{seq} (the recorded head) is missing: the log was truncated")
            elif entry.hash != expected:
                problems.append(f"entry #{seq} (the recorded head) has a different hash")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"audit log verification failed: {len(problems)} problem(s)")
        head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        self.stdout.write(f"audit log intact: {AuditEvent.objects.count()} entries")
        if head:
            self.stdout.write(f"head: {head['seq']}:{head['hash']}  (keep this to detect truncation later)")
