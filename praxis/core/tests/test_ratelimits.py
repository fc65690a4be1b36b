"""Rate limits on sign-up, password reset and invitations (issue 10 point 3, SPEC §11, R-ACC-5).

The limits are counted in the database, per client IP address and per e-mail address; a refused request
answers 429 in the user's language with Retry-After, the same for known and unknown addresses, and
changes nothing. The counting is checked under real parallel transactions on both databases."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django_scopes import scopes_disabled

from praxis.audit import context
from praxis.core import ratelimits
from praxis.core.errors import RateLimited
from praxis.core.models import RateLimitCounter
from praxis.settings import base
from praxis.testing.concurrency import race
from praxis.workspaces.models import Invitation

pytestmark = pytest.mark.django_db

# Inside an hour slot, 10 minutes past its start (slots are counted from the Unix epoch).
START = dt.datetime(2026, 12, 3, 9, 10, tzinfo=dt.UTC)
SIGNUP = {"first_name": "New", "last_name": "Person", "language": "en"}


def _without_csrf(response) -> str:
    return re.sub(r'("X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+"', "", response.content.decode())


@pytest.fixture
def user(make_user):
    return make_user("known@example.org")


def _signup(client, email, ip="203.0.113.7", **headers):
    return client.post("/accounts/signup/", {**SIGNUP, "email": email}, REMOTE_ADDR=ip, **headers)


def test_the_limits_in_the_settings_are_the_documented_ones():
    assert base.PRAXIS_RATE_LIMITS == {
        "signup": {"ip": (20, 3600), "address": (3, 3600)},
        "password_reset": {"ip": (20, 3600), "address": (3, 3600)},
        "invitation": {"ip": (500, 3600), "address": (5, 86400)},
    }


@time_machine.travel(START, tick=False)
def test_signup_per_address_answers_429_in_the_users_language_and_sends_nothing(
        client, user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # The same address, however it is spelled.
        answers = [_signup(client, spelling).status_code
                   for spelling in ("new@example.org", "NEW@example.org ", "New@Example.org")]
        refused = _signup(client, "new@example.org", HTTP_ACCEPT_LANGUAGE="nl")
    assert answers == [302, 302, 302]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    page = refused.content.decode()
    assert "Te veel verzoeken" in page and "Error 429" not in page
    assert len(mailoutbox) == 3  # the refused request sent nothing


@time_machine.travel(START, tick=False)
def test_a_known_and_an_unknown_address_are_refused_alike_r_acc_5(client, user):
    for _ in range(3):
        _signup(client, "stranger@example.org")
        _signup(client, user.email)
    unknown = _signup(client, "stranger@example.org")
    known = _signup(client, user.email)
    assert unknown.status_code == known.status_code == 429
    assert _without_csrf(unknown) == _without_csrf(known)
    assert unknown["Retry-After"] == known["Retry-After"]


@time_machine.travel(START, tick=False)
def test_signup_per_ip_counts_every_address_and_another_ip_is_not_affected(client, db):
    answers = [_signup(client, f"person{i}@example.org").status_code for i in range(21)]
    assert answers == [302] * 20 + [429]
    assert _signup(client, "person99@example.org", ip="198.51.100.1").status_code == 302


@time_machine.travel(START, tick=False)
def test_password_reset_api_answers_429_with_code_and_retry_after_translated(client, user):
    url = "/api/v1/auth/password-reset"
    answers = [client.post(url, {"email": user.email}, content_type="application/json").status_code
               for _ in range(3)]
    refused = client.post(url, {"email": user.email}, content_type="application/json",
                          headers={"Accept-Language": "de"})
    assert answers == [202, 202, 202]
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["detail"].startswith("Zu viele Anfragen")
    assert int(refused["Retry-After"]) > 0


@time_machine.travel(START, tick=False)
def test_password_reset_page_answers_429(client, user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert client.post("/accounts/password/reset/", {"email": user.email}).status_code == 302
        refused = client.post("/accounts/password/reset/", {"email": user.email})
    assert refused.status_code == 429
    assert "Too many requests. Please try again in" in refused.content.decode()
    assert len(mailoutbox) == 3


def test_a_burst_across_a_slot_boundary_does_not_get_twice_the_limit(db):
    limit = dict(base.PRAXIS_RATE_LIMITS["signup"])
    end_of_slot = dt.datetime(2026, 12, 3, 9, 59, 50, tzinfo=dt.UTC)
    with time_machine.travel(end_of_slot, tick=False):
        for _ in range(limit["address"][0]):
            ratelimits.check("signup", addresses=["a@example.org"], ip="")
    with time_machine.travel(end_of_slot + dt.timedelta(seconds=20), tick=False):  # the next slot
        with pytest.raises(RateLimited):
            ratelimits.check("signup", addresses=["a@example.org"], ip="")


def test_after_retry_after_seconds_the_request_passes_and_a_minute_earlier_it_does_not(db):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            ratelimits.check("signup", addresses=["a@example.org"], ip="")
        with pytest.raises(RateLimited) as refused:
            ratelimits.check("signup", addresses=["a@example.org"], ip="")
    wait = refused.value.retry_after
    assert 3000 < wait <= 2 * 3600
    with time_machine.travel(START + dt.timedelta(seconds=wait - 60), tick=False):
        with pytest.raises(RateLimited):
            ratelimits.check("signup", addresses=["a@example.org"], ip="")
    with time_machine.travel(START + dt.timedelta(seconds=wait), tick=False):
        ratelimits.check("signup", addresses=["a@example.org"], ip="")


@time_machine.travel(START, tick=False)
def test_the_table_holds_no_address_and_refused_requests_are_not_counted(db):
    for _ in range(5):
        try:
            ratelimits.check("signup", addresses=["private@example.org"], ip="203.0.113.9")
        except RateLimited:
            pass
    rows = list(RateLimitCounter.objects.values_list("scope", "digest", "hits"))
    assert sorted((scope, hits) for scope, _d, hits in rows) == [("signup.address", 3), ("signup.ip", 3)]
    assert all("example.org" not in digest and "203.0" not in digest for _s, digest, _h in rows)


@time_machine.travel(START, tick=False)
def test_invitations_per_address_per_day_and_a_refused_bulk_creates_nothing(team, settings, unscoped):
    access = team.access("owner")
    from praxis.workspaces import invitations

    for _ in range(5):
        [(invitation, _token)] = invitations.invitations_create(access=access, emails=["again@example.org"],
                                                                 role="clinician", account_type="free")
        invitations.invitation_revoke(access=access, invitation_id=invitation.pk)
    with scopes_disabled():
        before = Invitation.objects.count()
    with pytest.raises(RateLimited):
        invitations.invitations_create(access=access, emails=["fresh@example.org", "again@example.org"],
                                       role="clinician", account_type="free")
    settings.PRAXIS_RATE_LIMITS = {**settings.PRAXIS_RATE_LIMITS, "invitation": {"ip": (3, 3600),
                                                                                  "address": (5, 86400)}}
    point = context.set_current(context.AccessPoint(ip="203.0.113.7", via="web"))
    try:
        with pytest.raises(RateLimited):  # four e-mails from one IP address in one request
            invitations.invitations_create(access=access, emails=[f"p{i}@example.org" for i in range(4)],
                                           role="clinician", account_type="free")
    finally:
        context.reset(point)
    with scopes_disabled():
        assert Invitation.objects.count() == before


@time_machine.travel(START, tick=False)
def test_the_invite_page_answers_429_once_the_address_had_its_invitations(team, unscoped):
    client = Client()
    client.force_login(team.owner)
    url = f"/w/{team.workspace.slug}/invitations/"
    form = {"emails": "again@example.org", "role": "clinician", "account_type": "free", "pay_timing": "now"}
    from praxis.workspaces import invitations

    for _ in range(5):
        [(invitation, _t)] = invitations.invitations_create(access=team.access("owner"), emails=["again@example.org"],
                                                             role="clinician", account_type="free")
        invitations.invitation_revoke(access=team.access("owner"), invitation_id=invitation.pk)
    refused = client.post(url, form)
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()


def test_the_client_address_behind_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.4")
    from praxis.core.web import client_ip

    settings.PRAXIS_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"  # nobody picks their own address without a trusted proxy
    settings.PRAXIS_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.4"  # what nginx saw; the client's own entry is not trusted
    settings.PRAXIS_PROXY_COUNT = 3
    assert client_ip(request) == "127.0.0.1"  # fewer entries than proxies: the peer


def test_purge_deletes_only_counters_no_limit_reads(db):
    with time_machine.travel(START, tick=False):
        ratelimits.check("signup", addresses=["old@example.org"], ip="")
        ratelimits.check("invitation", addresses=["old@example.org"], ip="")
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        ratelimits.check("signup", addresses=["new@example.org"], ip="")
        assert ratelimits.purge() == 1  # the old signup slot; the day-long invitation slot is still read
    assert sorted(RateLimitCounter.objects.values_list("scope", flat=True)) == ["invitation.address", "signup.address"]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(START, tick=False)
def test_parallel_requests_pass_exactly_the_limit():
    """Twelve requests at once in twelve transactions: exactly three pass (PostgreSQL row locks; SQLite
    IMMEDIATE transactions)."""

    def attempt(_i):
        ratelimits.check("signup", addresses=["same@example.org"], ip="")
        return "passed"

    results = race(attempt, 12)
    assert results.count("passed") == 3
    assert all(isinstance(r, RateLimited) for r in results if r != "passed"), results
    assert RateLimitCounter.objects.get().hits == 3
