from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "praxis.accounts"
    label = "accounts"
