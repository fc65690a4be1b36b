from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "praxis.clients"
    label = "clients"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The record's own tabs (Personal, Relationships, Access history) register like any later app's.
        from . import tabs

        tabs.register_builtin_tabs()
        # R-CLI-11: the workspace switcher lists client portals through the kernel's port.
        from praxis.workspaces.ports import register_portals

        from .portal import ClientPortals

        register_portals(ClientPortals())
