"""The second factor (R-ACC-1, issue 10 point 1): TOTP enrolment with password and code, ten hashed
single-use recovery codes, the code step of logging in (throttled, never replayed, never skipped by a
password reset), removal, a workspace that requires it, and the audit log that always needs it."""

import datetime as dt
import re

import pyotp
import pytest
import time_machine
from django.test import Client
from django_scopes import scopes_disabled

from praxis.accounts import twofactor
from praxis.accounts.models import RecoveryCode, TwoFactorDevice
from praxis.api.services import token_create
from praxis.audit.models import AuditEvent
from praxis.core import clock
from praxis.testing import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.real_second_factor]

NOW = dt.datetime(2026, 12, 3, 9, 0, 10, tzinfo=dt.UTC)


def _code(user, at=None) -> str:
    device = TwoFactorDevice.objects.get(user=user)
    return pyotp.TOTP(device.secret).at(at or clock.now())


def _enrolled(user) -> list[str]:
    """Set up through the services (the page's path): start, then confirm with password and a code."""
    twofactor.enrolment_start(user)
    return twofactor.enrol(user=user, password=PASSWORD, code=_code(user))


def _login(client, user):
    return client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _audit_codes(user) -> list[str]:
    with scopes_disabled():
        return list(AuditEvent.objects.filter(user_id=user.pk).order_by("id").values_list("event_code", flat=True))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_enrolment_shows_a_qr_code_and_needs_the_password_and_a_valid_code(client, make_user, frozen):
    user = make_user("eva@example.org")
    client.force_login(user)
    page = client.get("/accounts/profile/two-factor/").content.decode()
    assert 'src="data:image/svg+xml' in page
    device = TwoFactorDevice.objects.get(user=user)
    assert device.confirmed_at is None
    assert re.sub(r"\s", "", re.search(r'<code class="secret">([^<]+)</code>', page).group(1)) == device.secret

    wrong_password = client.post("/accounts/profile/two-factor/", {"action": "enrol", "password": "not-it-at-all",
                                                                  "code": _code(user)})
    assert "That is not your current password." in wrong_password.content.decode()
    wrong_code = client.post("/accounts/profile/two-factor/", {"action": "enrol", "password": PASSWORD,
                                                              "code": "000000"})
    assert "That code is not valid." in wrong_code.content.decode()
    assert not twofactor.is_enrolled(user)

    done = client.post("/accounts/profile/two-factor/", {"action": "enrol", "password": PASSWORD,
                                                        "code": _code(user)})
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", done.content.decode())
    assert len(codes) == len(set(codes)) == 10
    assert twofactor.is_enrolled(user)
    stored = list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashed, never the codes themselves
    assert "user.two_factor_enabled" in _audit_codes(user)
    assert [c for c in _audit_codes(user) if c == "user.two_factor_enabled"] == ["user.two_factor_enabled"] * 3


def test_login_asks_for_the_code_after_the_password_and_a_code_is_accepted_once(make_user, frozen):
    user = make_user("eva@example.org")
    _enrolled(user)
    frozen.shift(60)  # the next time step: the enrolment's code is used
    client = Client()
    answer = _login(client, user)
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/code/"
    assert not _logged_in(client)
    assert client.get("/accounts/profile/").status_code == 302  # not logged in yet

    code = _code(user)
    assert client.post("/accounts/login/code/", {"code": code}).status_code == 302
    assert _logged_in(client)
    assert client.get("/accounts/profile/").status_code == 200

    again = Client()
    _login(again, user)
    replay = again.post("/accounts/login/code/", {"code": code})  # the same code, the same 30 seconds
    assert "That code is not valid." in replay.content.decode()
    assert not _logged_in(again)


def test_a_recovery_code_logs_in_once(make_user, frozen):
    user = make_user("eva@example.org")
    codes = _enrolled(user)
    client = Client()
    _login(client, user)
    assert client.post("/accounts/login/code/", {"code": codes[3].upper()}).status_code == 302
    assert _logged_in(client)
    assert "user.two_factor_recovery_code_used" in _audit_codes(user)
    other = Client()
    _login(other, user)
    assert "That code is not valid." in other.post("/accounts/login/code/", {"code": codes[3]}).content.decode()
    assert twofactor.recovery_codes_left(user) == 9


def test_wrong_codes_count_for_the_login_throttle(make_user, frozen, settings):
    user = make_user("eva@example.org")
    _enrolled(user)
    frozen.shift(60)
    client = Client()
    _login(client, user)
    answers = [client.post("/accounts/login/code/", {"code": "123456"}).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1) and answers[-1] == 429
    locked = client.post("/accounts/login/code/", {"code": _code(user)})  # even the right code now
    assert locked.status_code == 429 and not _logged_in(client)


def test_the_code_step_expires_after_five_minutes(make_user, frozen):
    user = make_user("eva@example.org")
    _enrolled(user)
    client = Client()
    _login(client, user)
    frozen.shift(5 * 60 + 1)
    answer = client.post("/accounts/login/code/", {"code": _code(user)})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert not _logged_in(client)


def test_a_password_reset_never_skips_the_second_factor(make_user, frozen):
    from praxis.accounts.services import _issue_password_token

    user = make_user("eva@example.org")
    _enrolled(user)
    frozen.shift(60)
    link = _issue_password_token(user)
    client = Client()
    answer = client.post(link.split("testserver")[-1].replace("http://127.0.0.1:8000", ""),
                         {"password": "a new long passphrase", "password_repeat": "a new long passphrase"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/code/"
    assert not _logged_in(client)
    assert client.post("/accounts/login/code/", {"code": _code(user)}).status_code == 302
    assert _logged_in(client)


def test_removing_it_needs_the_password_and_a_code(client, make_user, frozen):
    user = make_user("eva@example.org")
    _enrolled(user)
    frozen.shift(60)
    client.force_login(user)
    refused = client.post("/accounts/profile/two-factor/", {"action": "remove", "password": PASSWORD, "code": "1"})
    assert "That code is not valid." in refused.content.decode() and twofactor.is_enrolled(user)
    done = client.post("/accounts/profile/two-factor/", {"action": "remove", "password": PASSWORD,
                                                        "code": _code(user)})
    assert done.status_code == 302
    assert not twofactor.is_enrolled(user) and not RecoveryCode.objects.filter(user=user).exists()
    assert "user.two_factor_removed" in _audit_codes(user)


def test_new_recovery_codes_replace_the_old_ones(make_user, frozen):
    user = make_user("eva@example.org")
    old = _enrolled(user)
    frozen.shift(60)
    new = twofactor.recovery_codes_renew(user=user, password=PASSWORD, code=_code(user))
    assert not set(old) & set(new)
    with pytest.raises(Exception, match="not valid"):
        twofactor.verify(user=user, code=old[0])
    assert twofactor.verify(user=user, code=new[0]) == "recovery"


def test_a_workspace_that_requires_it_sends_members_without_it_to_enrolment(team, frozen):
    owner_client, clinician_client = Client(), Client()
    owner_client.force_login(team.owner)
    clinician_client.force_login(team.clinician)
    settings_url = f"/w/{team.workspace.slug}/settings/"
    form = {"name": team.workspace.name, "country": "NL", "time_zone": "Europe/Amsterdam", "language": "nl",
            "require_two_factor": "on"}
    refused = owner_client.post(settings_url, form)
    assert "Turn on two-step verification for yourself first" in refused.content.decode()
    team.workspace.refresh_from_db()
    assert not team.workspace.require_two_factor

    _enrolled(team.owner)
    owner_client.post(settings_url, form)
    team.workspace.refresh_from_db()
    assert team.workspace.require_two_factor

    clients_url = f"/w/{team.workspace.slug}/clients/"
    sent = clinician_client.get(clients_url)
    assert sent.status_code == 302
    assert sent["Location"].startswith("/accounts/profile/two-factor/?") and "reason=workspace_requires" in sent["Location"]
    # The owner set it up in another session: this one gives a code first, then goes on.
    assert owner_client.get(clients_url)["Location"].startswith("/accounts/login/code/?next=")
    frozen.shift(60)
    owner_client.post("/accounts/login/code/", {"code": _code(team.owner), "next": clients_url})
    assert owner_client.get(clients_url).status_code == 200
    # The API: a session without a code is refused with a code; a token of an enrolled user passes.
    api = clinician_client.get(f"/api/v1/workspaces/{team.workspace.slug}/clients")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"


def test_the_audit_log_always_needs_it_nen_7513(team, frozen):
    client = Client()
    client.force_login(team.owner)
    page = client.get(f"/w/{team.workspace.slug}/audit/")
    assert page.status_code == 302 and "reason=audit_log" in page["Location"]
    assert client.get(f"/w/{team.workspace.slug}/clients/").status_code == 200  # the rest of the workspace is open
    api = client.get(f"/api/v1/workspaces/{team.workspace.slug}/audit")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    _token, secret = token_create(user=team.owner, workspace_slug=team.workspace.slug, name="t")
    bearer = Client(headers={"Authorization": f"Bearer {secret}"})
    assert bearer.get(f"/api/v1/workspaces/{team.workspace.slug}/audit").status_code == 403
    _enrolled(team.owner)
    assert bearer.get(f"/api/v1/workspaces/{team.workspace.slug}/audit").status_code == 200
    frozen.shift(60)
    client.post("/accounts/login/code/", {"code": _code(team.owner)})
    assert client.get(f"/w/{team.workspace.slug}/audit/").status_code == 200
    assert client.get(f"/api/v1/workspaces/{team.workspace.slug}/audit").status_code == 200
