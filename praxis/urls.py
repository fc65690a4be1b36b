from django.contrib import admin
from django.urls import include, path

from praxis.api.api import api
from praxis.core.health import healthz, readyz
from praxis.workspaces.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("accounts/", include("praxis.accounts.urls")),
    path("", include("praxis.workspaces.urls")),
    path("", include("praxis.audit.urls")),
    path("", include("praxis.billing.urls")),
    path("", include("praxis.notifications.urls")),
    path("", include("praxis.clients.urls")),
    path("", include("praxis.support.urls")),
    path("", include("praxis.scheduling.urls")),
    path("", include("praxis.scheduling.feed_urls")),
    path("console/", include("praxis.support.console_urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("operator/", admin.site.urls),
]

# The site's own error pages; JSON under /api/ (issue 6 point 14).
handler400 = "praxis.core.error_views.bad_request"
handler403 = "praxis.core.error_views.permission_denied"
handler404 = "praxis.core.error_views.page_not_found"
handler500 = "praxis.core.error_views.server_error"
