from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "praxis.workspaces"
    label = "workspaces"
