from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "praxis.workspaces"
    label = "workspaces"

    def ready(self) -> None:
        # Imported here: apps.py is loaded before the models registry is ready (Django's app loading, not
        # an import cycle).
        from praxis.accounts.ports import register_host

        from . import notices  # noqa: F401 (registers the notification kinds of workspace and seat events)
        from .signup import WorkspacesHost

        # Workspaces provides what accounts asks of the layers above it (issue 6 point 9).
        register_host(WorkspacesHost())
