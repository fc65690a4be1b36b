from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "praxis.demo"
    label = "demo"
