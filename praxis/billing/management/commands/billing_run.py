import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from praxis.audit import context
from praxis.billing.run import billing_run
from praxis.core import clock


class Command(BaseCommand):
    help = "Issue the invoices due at a date (default: today, UTC). Idempotent: safe to run again (R-BIL-12)."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="YYYY-MM-DD")
        parser.add_argument("--force", action="store_true",
                            help="allow a date after today: issues invoices of cycles that have not started yet")

    def handle(self, *args, **options):
        today = clock.today()
        try:
            at = dt.date.fromisoformat(options["at"]) if options["at"] else today
        except ValueError:
            raise CommandError("--at must be a date as YYYY-MM-DD") from None
        if at > today and not options["force"]:
            # Issue 6 point 5: a future date issues invoices nobody owes yet (and fixes what previews show).
            raise CommandError(f"--at {at} is after today ({today}): nothing is due yet. Nothing was issued; "
                               "add --force to issue the invoices of that date anyway.")
        token = context.set_current(context.AccessPoint(via="command"))
        try:
            report = billing_run(at=at)
        finally:
            context.reset(token)
        self.stdout.write(
            f"billing run at {at}: {report.workspaces_seen} workspaces, {len(report.cycle_invoices)} cycle "
            f"invoices, {len(report.proration_invoices)} proration invoices, "
            f"{report.skipped_concurrent} already issued by a concurrent run")
        if report.failed_workspaces:
            # Every other batch was issued; these were rolled back whole and are issued by the next run.
            raise CommandError(f"{len(report.failed_workspaces)} workspaces failed and were rolled back (see the "
                               f"log): {report.failed_workspaces[:20]}; run again to issue them")
