from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "praxis.audit"
    label = "audit"
