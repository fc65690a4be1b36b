from django.contrib import admin
from django.urls import include, path

from praxis.api.api import api
from praxis.workspaces.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("praxis.accounts.urls")),
    path("", include("praxis.workspaces.urls")),
    path("", include("praxis.audit.urls")),
    path("", include("praxis.billing.urls")),
    path("", include("praxis.notifications.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("operator/", admin.site.urls),
]
