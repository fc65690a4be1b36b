from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "praxis.core"
    label = "core"

    def ready(self):
        from . import planner

        post_migrate.connect(planner.refresh_after_migrate, sender=self, dispatch_uid="praxis_planner_statistics")
