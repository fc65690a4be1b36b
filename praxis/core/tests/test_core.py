"""The kernel: clock, tokens, templated e-mail (including a real SMTP round trip) and the lifecycle."""

import datetime as dt
import hashlib
import threading
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.template import loader
from django.utils import translation
from django_scopes import scopes_disabled

from praxis.core import clock, mail, tokens
from praxis.core.lifecycle import LifecycleStatus, cancel_rows, restore_rows
from praxis.testing.net import free_port
from praxis.workspaces.models import Membership

T0 = dt.datetime(2031, 1, 15, 23, 59, 30, tzinfo=dt.UTC)


# --- clock (STYLE 11) --------------------------------------------------------------------------------


def test_clock_now_follows_time_machine(time_machine):
    time_machine.move_to(T0, tick=False)
    assert clock.now() == T0
    assert clock.now().utcoffset() == dt.timedelta(0)
    assert clock.today() == dt.date(2031, 1, 15)
    time_machine.shift(dt.timedelta(seconds=31))
    assert clock.now() == T0 + dt.timedelta(seconds=31)
    assert clock.today() == dt.date(2031, 1, 16)


def test_clock_now_is_aware_even_with_another_active_time_zone(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    now = clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == dt.timedelta(0)


# --- tokens (R-INV-2, R-ACC-2) ---------------------------------------------------------------------------


def test_r_inv_2_new_token_returns_its_sha256():
    token, token_hash = tokens.new_token()
    assert token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token_hash == tokens.hash_token(token)
    assert token not in token_hash and len(token_hash) == 64


def test_r_inv_2_tokens_are_unique_and_long():
    pairs = [tokens.new_token() for _ in range(200)]
    assert len({token for token, _hash in pairs}) == 200
    assert len({token_hash for _token, token_hash in pairs}) == 200
    # url-safe base64 of 32 bytes (256 bits, R-INV-2 asks for ≥ 128) is 43 characters
    assert {len(token) for token, _hash in pairs} == {43}
    assert all(set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
               for token, _hash in pairs)


def test_hash_token_is_deterministic_and_distinguishes_inputs():
    assert tokens.hash_token("abc") == tokens.hash_token("abc")
    assert tokens.hash_token("abc") != tokens.hash_token("abd")
    assert tokens.hash_token("abc") == hashlib.sha256(b"abc").hexdigest()


# --- e-mail (R-ACC-4, R-ACC-6) ---------------------------------------------------------------------------


INVITATION_CONTEXT = {
    "workspace": "Praktijk Noord",
    "inviter": "Olivia Owner",
    "link": "https://praxis.example/invite/TOKEN123/",
    "expires_at": dt.datetime(2031, 2, 14, 12, 0, tzinfo=dt.UTC),
}


def test_render_email_renders_subject_and_body():
    subject, body, html = mail.render_email("invitation", INVITATION_CONTEXT, "en")
    assert subject == "You are invited to join Praktijk Noord on Praxis"
    assert "\n" not in subject
    assert "Olivia Owner invites you to join Praktijk Noord on Praxis." in body
    assert "https://praxis.example/invite/TOKEN123/" in body
    assert html is None  # no HTML template for invitations


def test_r_acc_4_render_email_renders_in_the_recipients_language(monkeypatch):
    seen = []
    real = loader.render_to_string

    def spy(template_name, context=None, *args, **kwargs):
        seen.append((template_name, translation.get_language()))
        return real(template_name, context, *args, **kwargs)

    monkeypatch.setattr(mail, "render_to_string", spy)
    with translation.override("en"):
        mail.render_email("invitation", INVITATION_CONTEXT, "nl")
        assert translation.get_language() == "en"  # restored afterwards
    assert seen[:2] == [("emails/invitation_subject.txt", "nl"), ("emails/invitation.txt", "nl")]


def test_r_acc_6_site_url_comes_from_settings(settings):
    settings.PRAXIS_SITE_URL = "https://praxis.example.org"
    assert mail.site_url("/invite/x/") == "https://praxis.example.org/invite/x/"
    _subject, body, _html = mail.render_email("membership_cancelled",
                                              {"name": "N", "workspace": "W", "login_url": mail.site_url("/")},
                                              "en")
    assert "https://praxis.example.org/" in body


def test_send_templated_email_waits_for_commit(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mail.send_templated_email(to="ann@example.test", template="invitation", context=INVITATION_CONTEXT,
                                  language="en")
    assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    [message] = mailoutbox
    assert message.to == ["ann@example.test"]
    assert message.subject == "You are invited to join Praktijk Noord on Praxis"


class _Collector:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.envelopes = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        self.received.set()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = _Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller
    finally:
        controller.stop()


def test_send_templated_email_through_a_real_smtp_server(db, settings, smtp_server,
                                                         django_capture_on_commit_callbacks):
    handler, controller = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Praxis <no-reply@praxis.test>"

    with django_capture_on_commit_callbacks(execute=True):
        mail.send_templated_email(to="clara@example.test", template="invitation", context=INVITATION_CONTEXT,
                                  language="en")
        assert handler.envelopes == []  # not before commit

    assert handler.received.wait(timeout=10)
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["clara@example.test"]
    assert envelope.mail_from == "no-reply@praxis.test"
    message = message_from_bytes(envelope.content)
    assert str(make_header(decode_header(message["Subject"]))) == "You are invited to join Praktijk Noord on Praxis"
    assert message["To"] == "clara@example.test"
    assert "https://praxis.example/invite/TOKEN123/" in message.get_payload(decode=True).decode()


# --- lifecycle (SPEC §6, R-MEM-4) -----------------------------------------------------------------------


def _rows(team, *roles):
    with scopes_disabled():
        return [Membership.objects.get(pk=team.members[role].pk) for role in roles]


def test_r_mem_4_cancel_rows_flips_status_and_records_who_and_when(workspace_with_team, time_machine):
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    rows = _rows(team, "staff", "clinician")
    changed = cancel_rows(rows, actor=team.admin)
    assert [row.pk for row in changed] == [row.pk for row in rows]
    for row in _rows(team, "staff", "clinician"):
        assert row.status == LifecycleStatus.CANCELLED and not row.is_active
        assert row.cancelled_at == T0
        assert row.cancelled_by_id == team.admin.pk
    with scopes_disabled():
        assert Membership.objects.filter(pk__in=[r.pk for r in rows]).count() == 2  # nothing deleted


def test_cancel_rows_skips_rows_already_cancelled(workspace_with_team, time_machine):
    team = workspace_with_team
    time_machine.move_to(T0, tick=False)
    cancel_rows(_rows(team, "staff"), actor=team.admin)
    time_machine.move_to(T0 + dt.timedelta(days=1), tick=False)
    changed = cancel_rows(_rows(team, "staff", "clinician"), actor=team.owner)
    assert [row.pk for row in changed] == [team.members["clinician"].pk]
    [staff] = _rows(team, "staff")
    assert (staff.cancelled_at, staff.cancelled_by_id) == (T0, team.admin.pk)  # first cancellation kept


def test_restore_rows_clears_the_cancellation_and_skips_active_rows(workspace_with_team):
    team = workspace_with_team
    cancel_rows(_rows(team, "staff"), actor=team.admin)
    changed = restore_rows(_rows(team, "staff", "clinician"))
    assert [row.pk for row in changed] == [team.members["staff"].pk]
    for row in _rows(team, "staff", "clinician"):
        assert row.status == LifecycleStatus.ACTIVE and row.is_active
        assert row.cancelled_at is None and row.cancelled_by_id is None


def test_cancel_rows_with_nothing_to_do_returns_nothing(workspace_with_team):
    assert cancel_rows([], actor=workspace_with_team.admin) == []
    assert restore_rows(_rows(workspace_with_team, "staff")) == []
