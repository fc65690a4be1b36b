from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:notification_id>/read/", views.notification_mark_read, name="mark_read"),
    path("notifications/read-all/", views.notification_mark_all_read, name="mark_all_read"),
]
