"""Production settings: everything of base.py, tightened; refuses to start without its secrets.

`DJANGO_SETTINGS_MODULE=praxis.settings.production python manage.py check --deploy --fail-level WARNING`
exits 0 with the environment of `deploy/praxis.env.example` (a test runs it). Praxis sits behind a reverse
proxy that terminates TLS and sets `X-Forwarded-Proto` (deploy/nginx.conf); see docs/operating.md.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env


def mandatory(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return value


SECRET_KEY = mandatory("PRAXIS_SECRET_KEY")
PRAXIS_SITE_URL = mandatory("PRAXIS_SITE_URL").rstrip("/")
mandatory("DATABASE_URL")
DEBUG = False
# The site's own host unless listed: a request for another Host is refused (R-ACC-6).
ALLOWED_HOSTS = [h for h in env("PRAXIS_ALLOWED_HOSTS", urlsplit(PRAXIS_SITE_URL).hostname or "").split(",") if h]
CSRF_TRUSTED_ORIGINS = [PRAXIS_SITE_URL]

# HTTPS only (SPEC §11): a year of HSTS for the domain and its subdomains; the proxy says the request
# came over TLS; plain HTTP is redirected, except the probes a load balancer sends on the inside.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env("PRAXIS_SSL_REDIRECT", "1") == "1"
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Only the header: a domain joins browsers' preload lists when its operator submits it (hstspreload.org).
SECURE_HSTS_PRELOAD = env("PRAXIS_HSTS_PRELOAD", "1") == "1"

# `__Host-` cookies: sent only over HTTPS, only to this exact host, for every path — a subdomain can
# neither read nor plant them. HttpOnly and SameSite=Lax as in base.py.
SESSION_COOKIE_NAME = "__Host-sessionid"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Persistent connections, checked before reuse (issue 10 point 11): one connection per worker thread
# instead of one per request.
DATABASES["default"]["CONN_MAX_AGE"] = int(env("PRAXIS_DB_CONN_MAX_AGE", "600"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

# One JSON object per line on standard error, for journald or a log shipper: the request id on every
# line, one `praxis.request` line per request, no personal data (praxis/core/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "praxis.core.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "praxis.core.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env("PRAXIS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
    },
}
