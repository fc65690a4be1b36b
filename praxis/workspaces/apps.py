from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "praxis.workspaces"
    label = "workspaces"

    def ready(self):
        from . import notices  # noqa: F401 (registers the notification kinds of workspace and seat events)
