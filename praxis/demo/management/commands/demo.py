from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from praxis.audit import context
from praxis.demo.loader import DEMO_PASSWORD, demo_logins, load_demo
from praxis.demo.support import OPERATOR_EMAIL, OPERATOR_NAME


class Command(BaseCommand):
    help = "Load the demo practice 'Praktijk De Linde' (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        token = context.set_current(context.AccessPoint(via="command"))
        try:
            # The demo people are fictional: their invitation and welcome e-mails go nowhere.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                created = load_demo()
        finally:
            context.reset(token)
        self.stdout.write("Demo practice loaded." if created else "Demo practice already present.")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for person in demo_logins():
            self.stdout.write(f"  {person.role:<10} {person.email:<28} {person.first_name} {person.last_name}")
        self.stdout.write("  cancelled  oud-collega@delinde.example  Kees de Vries (membership cancelled)")
        self.stdout.write(f"  operator   {OPERATOR_EMAIL:<28} {' '.join(OPERATOR_NAME)} (support console, administration)")
        self.stdout.write("")
        self.stdout.write("Open http://127.0.0.1:8000/ — the operator's support console is at /console/, "
                          "the administration (plans, invoice issuer, ticket categories) at /operator/.")
