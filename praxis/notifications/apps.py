from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "praxis.notifications"
    label = "notifications"
