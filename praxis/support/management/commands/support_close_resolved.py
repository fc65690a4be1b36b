"""`manage.py support_close_resolved`: close every ticket resolved 14 days ago or longer (R-SUP-2).
Schedule it daily, next to `billing_run`; running it twice closes nothing twice."""

from django.core.management.base import BaseCommand

from praxis.support.services import tickets_close_resolved


class Command(BaseCommand):
    help = "Close support tickets whose 14-day reopen window has passed."

    def handle(self, *args, **options):
        closed = tickets_close_resolved()
        self.stdout.write(f"closed {closed} ticket(s)")
