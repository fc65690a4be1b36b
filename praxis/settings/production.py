"""Production settings: everything of base.py, tightened; refuses to start without its secrets."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def mandatory(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return value


SECRET_KEY = mandatory("PRAXIS_SECRET_KEY")
PRAXIS_SITE_URL = mandatory("PRAXIS_SITE_URL").rstrip("/")
mandatory("DATABASE_URL")
DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
