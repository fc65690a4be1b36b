"""`manage.py purge_rate_limits`: delete the rate-limit counters no limit reads any more (daily job)."""

from django.core.management.base import BaseCommand

from praxis.core import ratelimits


class Command(BaseCommand):
    help = "Delete rate-limit counters older than every limit's window."

    def handle(self, *args, **options):
        deleted = ratelimits.purge()
        self.stdout.write(f"{deleted} expired rate-limit counters deleted.")
