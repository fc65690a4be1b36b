"""Praxis settings: one environment-driven module with embedded defaults.

Without any environment variable Praxis runs on an embedded SQLite file, sends e-mail to the console and
runs background tasks immediately. `production.py` tightens this and refuses to start without secrets.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


SECRET_KEY = env("PRAXIS_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
# Off unless asked for (issue 6 point 14): `make run` shows the real error pages; PRAXIS_DEBUG=1 for tracebacks.
DEBUG = env("PRAXIS_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in env("PRAXIS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

# R-ACC-6: links in e-mails are built from this address, never from the request's Host header.
PRAXIS_SITE_URL = env("PRAXIS_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Name of this deployment in audit entries (NEN 7513 "source instance").
PRAXIS_INSTANCE = env("PRAXIS_INSTANCE", "praxis-local")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "template_partials",
    "ninja",  # serves Swagger UI's assets from its static files instead of a CDN (issue 6 point 17)
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "praxis.core",
    "praxis.accounts",
    "praxis.audit",
    "praxis.workspaces",
    "praxis.billing",
    "praxis.notifications",
    "praxis.clients",
    "praxis.support",
    "praxis.scheduling",
    "praxis.api",
    "praxis.demo",
]

MIDDLEWARE = [
    "praxis.core.logs.RequestIdMiddleware",  # outermost: every answer has its X-Request-ID
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files with DEBUG off (issue 6 point 14)
    "praxis.core.middleware.PrivateResponseMiddleware",  # no-store below WhiteNoise: dynamic answers only
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "praxis.accounts.middleware.SessionLifetimeMiddleware",
    "praxis.core.middleware.OperatorConsoleMiddleware",
    "praxis.accounts.middleware.UserLanguageMiddleware",
    "praxis.core.middleware.BadInputMiddleware",
    "praxis.audit.middleware.AuditContextMiddleware",
    "praxis.core.middleware.RateLimitedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# SPEC §11: the same headers in every environment, so the whole test suite — browser tests included —
# runs under them. Scripts only from our own static files (no inline script, no eval: htmx is configured
# with allowEval off in base.html), no framing, no plugins, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "praxis.urls"
WSGI_APPLICATION = "praxis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "praxis" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "praxis.workspaces.context_processors.workspace_nav",
                "praxis.notifications.context_processors.notification_bell",
            ],
        },
    }
]

# Widgets render through the project's template engine, so `praxis/templates/django/forms/` can replace
# one of Django's widget templates (select.html: its options written inline, not included one by one).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE: writers take the write lock at BEGIN, so concurrent writers queue instead of
    # failing half-way; constraints, not row locks, guard our invariants on SQLite.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL: the per-request lookups (`core.prepared`) run as server-side prepared statements, planned
# once per connection. Off ("0") behind a connection pooler in transaction mode that cannot carry them.
PRAXIS_PREPARED_STATEMENTS = env("PRAXIS_PREPARED_STATEMENTS", "1") != "0"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "praxis.accounts.sessions.AccountBackend",  # Django's ModelBackend, its user lookup compiled once
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# R-ACC-5: at least 12 characters, common passwords refused, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# R-ACC-5: 30 minutes idle (the session's age, renewed once a minute by
# `accounts.middleware.SessionLifetimeMiddleware`), 12 hours in total (the same middleware).
SESSION_ENGINE = "praxis.accounts.sessions"  # Django's database sessions, the lookup compiled once
SESSION_COOKIE_AGE = 30 * 60
SESSION_ABSOLUTE_LIFETIME = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
PASSWORD_RESET_LIFETIME = 60 * 60  # R-ACC-5: one hour at most
INVITATION_LIFETIME_DAYS = 30  # R-INV-2

# django-axes: throttle password guessing, stored in the database.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(env("PRAXIS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
# Counted in the normalised spelling of the address, like the User model stores it (issue 6 point 20).
AXES_USERNAME_CALLABLE = "praxis.accounts.throttling.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "praxis.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "praxis.core.web.client_ip"

# How many reverse proxies stand in front of the app (nginx in deploy/: 1). Their X-Forwarded-For entries
# are trusted to name the client; with 0 the peer address is the client (and X-Forwarded-For is ignored,
# so nobody can pick their own address). Login throttling, rate limits and the audit log use it.
PRAXIS_PROXY_COUNT = int(env("PRAXIS_PROXY_COUNT", "0"))

# Issue 10 point 3: requests that mail a link to a typed address, per client IP and per e-mail address,
# as (requests, seconds); counted in the database (praxis.core.ratelimits).
PRAXIS_RATE_LIMITS = {
    "signup": {"ip": (20, 3600), "address": (3, 3600)},
    "password_reset": {"ip": (20, 3600), "address": (3, 3600)},
    # Workspace and portal invitations (one per address, a bulk invitation counts each address for the IP).
    "invitation": {"ip": (500, 3600), "address": (5, 86400)},
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch")), ("fr", _("French")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "praxis" / "locale"]
FORMAT_MODULE_PATH = ["praxis.core.formats"]  # European dates in every language (issue 6 point 16)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `collectstatic` writes here; production serves from it (whitenoise).
STATIC_ROOT = Path(env("PRAXIS_STATIC_ROOT")) if env("PRAXIS_STATIC_ROOT") else BASE_DIR / "staticfiles"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# A refused CSRF check shows the site's own page, in the user's language (issue 6 point 14).
CSRF_FAILURE_VIEW = "praxis.core.error_views.csrf_failure"
MEDIA_ROOT = Path(env("PRAXIS_MEDIA_ROOT")) if env("PRAXIS_MEDIA_ROOT") else BASE_DIR / "media"
# Issue 10 point 9: uploads (support attachments, import files, logos) go through Django's storage API —
# local disk by default, an S3-compatible object store with PRAXIS_STORAGE=s3 (django-storages). Objects
# are private: Praxis streams each download itself after its permission check, never a public URL.
if env("PRAXIS_STORAGE", "local") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("PRAXIS_S3_BUCKET"),
            "endpoint_url": env("PRAXIS_S3_ENDPOINT_URL") or None,  # empty: AWS itself
            "region_name": env("PRAXIS_S3_REGION") or None,
            "access_key": env("PRAXIS_S3_ACCESS_KEY") or None,  # empty: the machine's IAM role / environment
            "secret_key": env("PRAXIS_S3_SECRET_KEY") or None,
            "location": env("PRAXIS_S3_PREFIX"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }

EMAIL_BACKEND = env("PRAXIS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("PRAXIS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("PRAXIS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("PRAXIS_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("PRAXIS_EMAIL_PASSWORD")
EMAIL_USE_TLS = env("PRAXIS_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = env("PRAXIS_FROM_EMAIL", "Praxis <no-reply@praxis.local>")
if env("PRAXIS_EMAIL_FILE_PATH"):  # for django.core.mail.backends.filebased.EmailBackend (one file per process)
    EMAIL_FILE_PATH = env("PRAXIS_EMAIL_FILE_PATH")

TASKS = {
    "default": {
        "BACKEND": env("PRAXIS_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("PRAXIS_LOG_LEVEL", "WARNING")},
}
STATICFILES_DIRS = [BASE_DIR / "praxis" / "static"]

# Billing (SPEC §4)
PRAXIS_VAT_RATES = {"NL": "21.00", "BE": "21.00", "FR": "20.00", "DE": "19.00", "LU": "17.00", "AT": "20.00"}
PRAXIS_VAT_DEFAULT_RATE = env("PRAXIS_VAT_DEFAULT_RATE", "21.00")
PRAXIS_PAYMENT_PROVIDER = env("PRAXIS_PAYMENT_PROVIDER", "manual")
PRAXIS_OPERATOR_NAME = env("PRAXIS_OPERATOR_NAME", "Praxis")
PRAXIS_OPERATOR_ADDRESS = env("PRAXIS_OPERATOR_ADDRESS", "")
PRAXIS_OPERATOR_VAT_ID = env("PRAXIS_OPERATOR_VAT_ID", "")
PRAXIS_OPERATOR_EMAIL = env("PRAXIS_OPERATOR_EMAIL", "")  # change requests are mailed here as well

# Support portal (SPEC §10). New tickets and customer replies are e-mailed to the operator's desk; replies
# by e-mail come back through POST /api/v1/support/inbound (a raw RFC 5322 message, as mail services post
# it) with this secret in the `X-Praxis-Inbound-Secret` header. Reply addresses are
# `<local part>+<signed token>@<domain>` of PRAXIS_SUPPORT_REPLY_ADDRESS. Empty secret: the endpoint is off.
PRAXIS_SUPPORT_EMAIL = env("PRAXIS_SUPPORT_EMAIL", "support@praxis.local")
PRAXIS_SUPPORT_REPLY_ADDRESS = env("PRAXIS_SUPPORT_REPLY_ADDRESS", "reply@praxis.local")
PRAXIS_SUPPORT_INBOUND_SECRET = env("PRAXIS_SUPPORT_INBOUND_SECRET", "")
PRAXIS_SUPPORT_MAX_ATTACHMENT_BYTES = int(env("PRAXIS_SUPPORT_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024)))
