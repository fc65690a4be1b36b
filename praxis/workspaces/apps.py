from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "praxis.workspaces"
    label = "workspaces"

    def ready(self) -> None:
        # Workspaces provides what accounts asks of the layers above it (issue 6 point 9). Imported here:
        # apps.py is loaded before the models registry is ready (Django's app loading, not an import cycle).
        from praxis.accounts.ports import register_host

        from .signup import WorkspacesHost

        register_host(WorkspacesHost())
