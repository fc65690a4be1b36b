from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "praxis.support"
    label = "support"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from praxis.workspaces.ports import register_home_panels

        from .home import SupportHome

        register_home_panels(SupportHome())
        from . import notices  # noqa: F401 — registers the bell's kinds
