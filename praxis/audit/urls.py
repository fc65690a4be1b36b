from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("w/<slug:ws>/audit/", views.audit_list, name="list"),
    path("w/<slug:ws>/audit/export.csv", views.audit_export, name="export"),
]
