from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "praxis.billing"
    label = "billing"

    def ready(self):
        from praxis.workspaces import ports

        from . import seats

        ports.register_self_paid_ending(seats.self_paid_ending)
