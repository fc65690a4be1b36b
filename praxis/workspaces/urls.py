from django.urls import path

from . import views

app_name = "workspaces"
urlpatterns = [
    path("w/<slug:ws>/", views.dashboard, name="dashboard"),
]
