from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "praxis.api"
    label = "api"
