"""Support portal URLs: the customer side under the workspace, and contact sales (namespace `support`);
the operator console is mounted at /console/ by the project's urls (namespace `support_console`)."""

from .views import sales, tickets

app_name = "support"

urlpatterns = [*tickets.urlpatterns, *sales.urlpatterns]
