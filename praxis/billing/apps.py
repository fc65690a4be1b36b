from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "praxis.billing"
    label = "billing"

    def ready(self) -> None:
        # Billing provides what the kernel asks of it (issue 6 point 9): workspaces never imports billing.
        # Imported here, not at the top: apps.py is loaded before the models registry is ready, and the
        # adapter imports billing's models (Django's app-loading order, not an import cycle).
        from praxis.workspaces.ports import register_billing

        from .kernel import BillingForKernel

        register_billing(BillingForKernel())
