"""Running Praxis in production (SPEC §11, §14; issue 10 points 2 and 7): the deployment checks, the
HTTPS-only settings, the health and readiness probes, structured logs with a request id, and the real
production server (gunicorn with deploy/gunicorn.conf.py) serving from the test database."""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor

from praxis.core import health
from praxis.core.logs import JsonFormatter, RequestIdFilter
from praxis.testing.net import free_port

ROOT = Path(__file__).resolve().parents[3]
SITE = "https://praxis.example.org"


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PRAXIS_") and k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "praxis.settings.production",
        "PRAXIS_SECRET_KEY": secrets.token_urlsafe(50),
        "PRAXIS_SITE_URL": SITE,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "sqlite:////tmp/praxis-production-check.sqlite3",
    })
    env.update(extra)
    return env


def run_python(code: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=production_env(**extra),
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_at_warning_level():
    """`manage.py check --deploy --fail-level WARNING` exits 0 with the production settings."""
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secret():
    result = run_python("import django; django.setup()", PRAXIS_SECRET_KEY="")
    assert result.returncode != 0
    assert "PRAXIS_SECRET_KEY must be set in production" in result.stderr


PROBE = """
import json, django
django.setup()
from django.test import Client
secure = Client().get("/accounts/login/", secure=True, HTTP_HOST="praxis.example.org")
plain = Client().get("/accounts/login/", HTTP_HOST="praxis.example.org")
probe = Client().get("/healthz", HTTP_HOST="praxis.example.org")
other = Client().get("/accounts/login/", secure=True, HTTP_HOST="evil.example")
print(json.dumps({
    "status": secure.status_code, "hsts": secure.get("Strict-Transport-Security"),
    "cookies": {c.key: {"secure": bool(c["secure"]), "samesite": c["samesite"], "path": c["path"],
                        "domain": c["domain"]} for c in secure.cookies.values()},
    "plain": [plain.status_code, plain.get("Location")], "probe": probe.status_code,
    "other_host": other.status_code,
}))
"""


def test_https_only_hsts_a_year_and_host_prefixed_cookies():
    result = run_python(PROBE)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    csrf = seen["cookies"]["__Host-csrftoken"]  # the login page sets the CSRF cookie
    assert csrf == {"secure": True, "samesite": "Lax", "path": "/", "domain": ""}
    assert seen["plain"] == [301, f"{SITE}/accounts/login/"]  # plain HTTP is sent to HTTPS
    assert seen["probe"] == 200  # ... but the load balancer's probe is answered over HTTP
    assert seen["other_host"] == 400  # only the site's own host name


# --- health and readiness ----------------------------------------------------------------------------


@pytest.fixture
def fresh_readiness(db, monkeypatch):
    monkeypatch.setattr(health, "_migrated", set())


def test_healthz_answers_without_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_the_migrations(client, fresh_readiness):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "reason": "ok"}


def test_readyz_is_unavailable_while_migrations_are_pending(client, fresh_readiness, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("app", "0099_new")])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "migrations_pending"}


def test_readyz_is_unavailable_without_a_database(client, fresh_readiness, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connections", {"default": Unreachable()})
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["reason"] == "database_unavailable"


# --- request ids and structured logs -----------------------------------------------------------------


def test_every_answer_has_a_request_id_and_a_safe_offered_one_is_kept(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    assert client.get("/healthz", HTTP_X_REQUEST_ID="proxy-1234abcd")["X-Request-ID"] == "proxy-1234abcd"
    # Anything else offered (a header injection, a log forgery) is replaced by a new id.
    assert client.get("/healthz", HTTP_X_REQUEST_ID='x"\n{"level": "forged"}')["X-Request-ID"] != 'x"'


def test_the_request_log_is_json_with_the_request_id_and_without_the_query(client, caplog):
    handler_output: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            handler_output.append(self.format(record))

    collect = Collect()
    collect.setFormatter(JsonFormatter())
    collect.addFilter(RequestIdFilter())
    logger = logging.getLogger("praxis.request")
    logger.addHandler(collect)
    logger.setLevel(logging.INFO)
    try:
        response = client.get("/healthz?q=Zo%C3%AB+Lef%C3%A8vre", HTTP_X_REQUEST_ID="req-00000001")
    finally:
        logger.removeHandler(collect)
        logger.setLevel(logging.NOTSET)
    [line] = handler_output
    entry = json.loads(line)
    assert entry["request_id"] == "req-00000001" == response["X-Request-ID"]
    assert entry["path"] == "/healthz" and entry["status"] == 200 and entry["route"] == "healthz"
    assert "Lef" not in line and "q=" not in line


def test_the_json_formatter_never_writes_the_request_object():
    """Django's request logger passes the request (whose text holds the query string) as `extra`."""

    class FakeRequest:
        def __str__(self):
            return "<WSGIRequest: GET '/w/x/clients/?q=De+Vries'>"

    record = logging.makeLogRecord({"msg": "Not Found: %s", "args": ("/w/x/clients/",), "levelname": "WARNING",
                                    "name": "django.request", "request": FakeRequest(), "status_code": 404})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "Not Found: /w/x/clients/" and entry["status_code"] == 404
    assert "Vries" not in json.dumps(entry)


# --- the production server ---------------------------------------------------------------------------


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:{settings['PORT']}"
            f"/{settings['NAME']}")


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_app_with_its_static_files_from_the_repository_config(tmp_path):
    port = free_port()
    env = production_env(DATABASE_URL=_database_url(), PRAXIS_BIND=f"127.0.0.1:{port}", PRAXIS_SSL_REDIRECT="0",
                         PRAXIS_SITE_URL=f"http://127.0.0.1:{port}", PRAXIS_WEB_WORKERS="1",
                         PRAXIS_STATIC_ROOT=str(tmp_path / "static"))
    # Production serves only collected files (as a fresh clone's deployment does after `collectstatic`).
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT,
                               env=env, capture_output=True, text=True, timeout=120)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-c", "deploy/gunicorn.conf.py", "praxis.wsgi"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=5) as answer:
                    assert json.loads(answer.read()) == {"status": "ok", "reason": "ok"}
                    break
            except OSError:  # refused, reset or timed out while gunicorn starts (URLError is an OSError too)
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not come up"
                time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/accounts/login/", timeout=10) as page:
            assert page.status == 200 and "no-store" in page.headers["Cache-Control"]
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        with urllib.request.urlopen(f"{base}/static/praxis/vendor/htmx.min.js", timeout=10) as static:
            assert static.status == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert '"logger": "praxis.request"' in output and '"path": "/accounts/login/"' in output
