"""`manage.py two_factor_reset EMAIL --reason "..."`: remove a person's second factor (R-ACC-1).

For someone who lost both their phone and their recovery codes, after the operator has checked who is
asking. The removal is audited with the reason; the person sets it up again when a workspace or the audit
log asks for it.
"""

from django.core.management.base import BaseCommand, CommandError

from praxis.accounts import twofactor
from praxis.accounts.models import User


class Command(BaseCommand):
    help = "Remove a user's two-step verification (lost phone and recovery codes); audited."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reason", required=True, help="why, e.g. the support ticket number")

    def handle(self, *args, **options):
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError("No account with that e-mail address.")
        if twofactor.reset_by_operator(user=user, reason=options["reason"]):
            self.stdout.write(f"Two-step verification removed for {user.email}.")
        else:
            self.stdout.write(f"{user.email} had no two-step verification.")
