from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "praxis.scheduling"
    label = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The client record's Overview tab (R-CLI-3) plugs into the clients app's tab registry.
        from .views import overview

        overview.register_tab()
        # Appointments join the client's FHIR export (issue 8 point 9).
        from . import fhir

        fhir.register()
        # A practitioner's appointments of today on their home page.
        from praxis.workspaces.ports import register_home_panels

        from .home import SchedulingHome

        register_home_panels(SchedulingHome())
