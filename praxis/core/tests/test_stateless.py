"""Stateless app processes, proven (issue 10 point 8, SPEC §14): two gunicorn servers on two ports and two
task workers on one PostgreSQL, and a practice's day run across them — sessions, login throttling, locks
and tasks hold, because none of them lives in a process's memory.

Someone signs up on server A; the welcome e-mail is sent by a task worker; she sets her password on B,
logs in on A and her session works on B; she creates a practice on B and bulk-invites three people on A
(the e-mails again sent by the workers); one accepts on B and is a member on A; a billing run works while
both serve; five wrong passwords spread over A and B lock the address on both.
"""

import email
import email.policy
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from praxis.testing.db import require_postgres
from praxis.testing.net import free_port

from .test_production import ROOT, _database_url, production_env

PASSWORD = "a long and unusual passphrase"


class Visitor:
    """A browser without a browser: one cookie jar, used against either server."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, base: str, method: str, path: str, *, body: dict | None = None, form: dict | None = None,
                csrf: bool = False) -> tuple[int, dict, str]:
        headers = {"Accept-Language": "en"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if csrf:
            headers["X-CSRFToken"] = self.cookies["__Host-csrftoken"]
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            answer = opener.open(urllib.request.Request(base + path, data=data, headers=headers, method=method),
                                 timeout=30)
        except urllib.error.HTTPError as refused:
            answer = refused
        for header in answer.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        return answer.status, dict(answer.headers), answer.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _mails(folder: Path) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.log")):
        for raw in path.read_bytes().split(b"-" * 79):
            if raw.strip():
                found.append(email.message_from_bytes(raw.strip() + b"\n", policy=email.policy.default))
    return found


def _link_to(folder: Path, address: str, pattern: str, *, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in _mails(folder):
            if message["To"] == address:
                part = message.get_body(preferencelist=("plain",))
                text = part.get_content() if part is not None else ""
                if (match := re.search(pattern, text)) is not None:
                    return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no e-mail to {address} matching {pattern} within {seconds}s")


def _wait_ready(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:  # refused, reset or timed out while gunicorn starts (URLError is an OSError too)
            pass
        assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not come up"
        time.sleep(0.3)


@pytest.mark.django_db(transaction=True)
def test_two_servers_and_two_workers_share_everything_through_the_database(tmp_path):
    require_postgres()
    mail = tmp_path / "mail"
    mail.mkdir()
    ports = [free_port(), free_port()]
    common = dict(DATABASE_URL=_database_url(), PRAXIS_SSL_REDIRECT="0", PRAXIS_SITE_URL=f"http://127.0.0.1:{ports[0]}",
                  PRAXIS_WEB_WORKERS="1", PRAXIS_WEB_THREADS="2", PRAXIS_STATIC_ROOT=str(tmp_path / "static"),
                  PRAXIS_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                  PRAXIS_EMAIL_FILE_PATH=str(mail), PRAXIS_LOG_LEVEL="WARNING")
    shared = production_env(**common)  # one secret key for all processes, as in a deployment
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    processes = [subprocess.Popen([gunicorn, "-c", "deploy/gunicorn.conf.py", "praxis.wsgi"], cwd=ROOT,
                                  env={**shared, "PRAXIS_BIND": f"127.0.0.1:{port}"},
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for port in ports]
    processes += [subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay",
                                    "--worker-id", f"worker-{n}"], cwd=ROOT, env=shared,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for n in (1, 2)]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for base, process in zip((a, b), processes, strict=False):
            _wait_ready(base, process)

        # Sign up on A; the welcome e-mail comes from a worker; the password is set on B.
        eva = Visitor()
        assert eva.request(a, "POST", "/api/v1/auth/signup",
                           body={"email": "eva@twee.example", "first_name": "Eva", "language": "en"})[0] == 202
        token = _link_to(mail, "eva@twee.example", r"/accounts/password/set/([^/\s]+)/")
        assert eva.request(b, "POST", "/api/v1/auth/password-reset/confirm",
                           body={"token": token, "password": PASSWORD})[0] == 200

        # Log in on A (the HTML form); the session works on B.
        eva.request(a, "GET", "/accounts/login/")
        status, _headers, _body = eva.request(a, "POST", "/accounts/login/", form={
            "email": "eva@twee.example", "password": PASSWORD, "csrfmiddlewaretoken": eva.cookies["__Host-csrftoken"]})
        assert status == 302
        status, _headers, body = eva.request(b, "GET", "/api/v1/me")
        assert status == 200 and json.loads(body)["email"] == "eva@twee.example"

        # A practice made on B, three invitations from A, e-mailed by the workers, one accepted on B.
        status, _headers, body = eva.request(b, "POST", "/api/v1/workspaces", csrf=True,
                                             body={"name": "Praktijk Twee Servers", "tier": "practice"})
        assert status == 201, body
        slug = json.loads(body)["slug"]
        invited = [f"collega{n}@twee.example" for n in (1, 2, 3)]
        status, _headers, body = eva.request(a, "POST", f"/api/v1/workspaces/{slug}/invitations", csrf=True,
                                             body={"emails": invited, "role": "clinician", "account_type": "free"})
        assert status == 201 and len(json.loads(body)) == 3, body
        links = [_link_to(mail, address, r"/invite/([^/\s]+)/") for address in invited]
        colleague = Visitor()
        status, _headers, body = colleague.request(b, "POST", f"/api/v1/invitations/{links[0]}/accept", body={
            "password": PASSWORD, "first_name": "Collega", "last_name": "Een", "language": "nl"})
        assert status == 201, body
        status, _headers, body = eva.request(a, "GET", f"/api/v1/workspaces/{slug}/members")
        members = {m["email"]: m["status"] for m in json.loads(body)["items"]}
        assert members.get("collega1@twee.example") == "active", members
        status, _headers, body = colleague.request(a, "GET", "/api/v1/me")  # the colleague's session, on A
        assert status == 200 and json.loads(body)["email"] == "collega1@twee.example"

        # A billing run while both serve.
        run = subprocess.Popen([sys.executable, "manage.py", "billing_run"], cwd=ROOT, env=shared,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        answers = []
        while run.poll() is None or not answers:
            answers += [eva.request(base, "GET", "/api/v1/me")[0] for base in (a, b)]
        assert run.wait(timeout=120) == 0, run.stdout.read() if run.stdout else ""
        assert set(answers) == {200}

        # Login throttling counts on both servers together (django-axes' table).
        stranger = Visitor()
        stranger.request(a, "GET", "/accounts/login/")
        statuses = []
        for attempt in range(6):
            base = (a, b)[attempt % 2]
            statuses.append(stranger.request(base, "POST", "/accounts/login/", form={
                "email": "eva@twee.example", "password": "wrong password",
                "csrfmiddlewaretoken": stranger.cookies["__Host-csrftoken"]})[0])
        assert statuses[:4] == [200] * 4 and statuses[-1] == 429, statuses
    finally:
        for process in processes:
            process.terminate()
        logs = [process.communicate(timeout=30)[0] for process in processes]
    assert not [line for log in logs for line in log.splitlines() if '"status": 5' in line or "Traceback" in line], logs
