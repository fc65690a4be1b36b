import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from praxis.audit import context
from praxis.billing.notify import invoices_remind


class Command(BaseCommand):
    help = ("Mark open invoices past their due date overdue and e-mail each one reminder. Idempotent: an "
            "invoice is reminded once, however often this runs (schedule it daily, next to billing_run).")

    def add_arguments(self, parser):
        parser.add_argument("--at", help="YYYY-MM-DD (default: each practice's own today)")

    def handle(self, *args, **options):
        try:
            at = dt.date.fromisoformat(options["at"]) if options["at"] else None
        except ValueError:
            raise CommandError("--at must be a date as YYYY-MM-DD") from None
        token = context.set_current(context.AccessPoint(via="command"))
        try:
            reminded = invoices_remind(at=at)
        finally:
            context.reset(token)
        self.stdout.write(f"invoice reminders: {len(reminded)} overdue invoices reminded"
                          + (f" ({', '.join(reminded)})" if reminded else ""))
