"""Test settings: fast hashing, in-memory e-mail, immediate tasks."""

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRAXIS_SITE_URL = "https://praxis.example"
ALLOWED_HOSTS = ["*"]
# No collectstatic before tests: WhiteNoise finds the files where they are (as with DEBUG on).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so parallel-transaction tests see real SQLite locking (WAL + IMMEDIATE).
    import os
    import tempfile

    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"praxis-test-{os.getpid()}.sqlite3")
    }
