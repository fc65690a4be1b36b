import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from praxis.audit import context
from praxis.billing.run import billing_run
from praxis.core import clock


class Command(BaseCommand):
    help = "Issue the invoices due at a date (default: today, UTC). Idempotent: safe to run again (R-BIL-12)."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="YYYY-MM-DD")

    def handle(self, *args, **options):
        try:
            at = dt.date.fromisoformat(options["at"]) if options["at"] else clock.today()
        except ValueError:
            raise CommandError("--at must be a date as YYYY-MM-DD") from None
        token = context.set_current(context.AccessPoint(via="command"))
        try:
            report = billing_run(at=at)
        finally:
            context.reset(token)
        self.stdout.write(
            f"billing run at {at}: {report.workspaces_seen} workspaces, {len(report.cycle_invoices)} cycle "
            f"invoices, {len(report.proration_invoices)} proration invoices, "
            f"{report.skipped_concurrent} already issued by a concurrent run")
