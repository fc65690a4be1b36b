from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "praxis.billing"
    label = "billing"
