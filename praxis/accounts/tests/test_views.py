"""Account pages (SPEC §11): login, throttling, sign-up, reset links, profile, sessions, API tokens."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django_scopes import scopes_disabled

from praxis.accounts.models import User
from praxis.accounts.referrals import referral_code_for
from praxis.api.models import ApiToken
from praxis.api.services import token_authenticate
from praxis.workspaces.access import user_workspaces

from .conftest import PASSWORD, log_in, without_csrf

NEW_PASSWORD = "a long walk along the quiet river"
LINK = re.compile(r"https?://\S+/accounts/password/set/[\w-]+/")
T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(0)


def path_of(link: str) -> str:
    assert link.startswith(settings.PRAXIS_SITE_URL + "/"), link
    return link.removeprefix(settings.PRAXIS_SITE_URL)


def is_logged_in(client: Client) -> bool:
    response = client.get("/accounts/profile/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    return False


# ---------------------------------------------------------------------------------------------------
# Login and throttling


def test_login_issues_a_new_session_key(client, user):
    """R-ACC-5: a new session key is issued at login (no session fixation)."""
    session = client.session
    session["probe"] = "planted before login"
    session.save()
    before = session.session_key

    response = log_in(client, user.email)

    assert response.status_code == 302 and response["Location"] == "/"
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert is_logged_in(client)


def test_login_is_case_insensitive_and_follows_only_safe_next(client, user):
    """R-ACC-1: e-mail login; `next` is followed only when it stays on this site."""
    response = client.post("/accounts/login/", {"email": "ADA@Example.org", "password": PASSWORD,
                                                 "next": "/accounts/profile/tokens/"})
    assert response["Location"] == "/accounts/profile/tokens/"

    other = Client()
    response = other.post("/accounts/login/", {"email": user.email, "password": PASSWORD,
                                                "next": "https://evil.example/steal"})
    assert response["Location"] == "/"


def test_wrong_password_and_unknown_address_give_the_same_answer(client, user):
    """R-ACC-5: login answers the same way for known and unknown addresses (no enumeration)."""
    wrong = log_in(client, user.email, "not the right password at all")
    unknown = log_in(Client(), "nobody@example.org", "not the right password at all")

    assert wrong.status_code == unknown.status_code == 200
    assert "E-mail address or password is incorrect." in wrong.content.decode()
    body_wrong = without_csrf(wrong.content.decode()).replace(user.email, "ADDRESS")
    body_unknown = without_csrf(unknown.content.decode()).replace("nobody@example.org", "ADDRESS")
    assert body_wrong == body_unknown
    assert not is_logged_in(client)


def test_inactive_account_is_refused_like_a_wrong_password(client, user):
    """R-ACC-5: a deactivated account gets the same generic message."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = log_in(client, user.email)
    assert response.status_code == 200
    assert "E-mail address or password is incorrect." in response.content.decode()


@pytest.mark.parametrize("known", [True, False], ids=["known-address", "unknown-address"])
def test_login_is_throttled_after_the_failure_limit(client, user, known):
    """R-ACC-1: after AXES_FAILURE_LIMIT failures even the right password is refused with 429;
    R-ACC-5: the lock-out page is the same for known and unknown addresses."""
    email = user.email if known else "nobody@example.org"
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, email, "guessing the password").status_code == 200
    log_in(client, email, "guessing the password")  # reaches the limit

    response = log_in(client, email, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in response.content.decode()
    assert not is_logged_in(client)


def test_lockout_page_is_identical_for_known_and_unknown_addresses(user):
    """R-ACC-5: throttling does not reveal which addresses have an account."""
    pages = []
    for email in (user.email, "nobody@example.org"):
        client = Client()
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, email, "guessing the password")
        response = log_in(client, email, "guessing the password")
        assert response.status_code == 429
        pages.append(without_csrf(response.content.decode()))
    assert pages[0] == pages[1]


def test_logout_is_post_only_and_ends_every_session(user):
    """R-ACC-5: logout ends the user's other sessions too."""
    here, elsewhere = Client(), Client()
    log_in(here, user.email)
    log_in(elsewhere, user.email)

    assert here.get("/accounts/logout/").status_code == 405
    assert is_logged_in(here)

    response = here.post("/accounts/logout/")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not is_logged_in(here)
    assert not is_logged_in(elsewhere)


def test_session_ends_after_twelve_hours_even_when_active(client, user):
    """R-ACC-5: sessions end after 12 hours in total, however active the user is."""
    with time_machine.travel(T0, tick=False) as traveller:
        log_in(client, user.email)
        # Active every 20 minutes, so the 30-minute idle timeout never applies.
        for minutes in range(20, 12 * 60 + 1, 20):
            traveller.move_to(T0 + dt.timedelta(minutes=minutes))
            assert is_logged_in(client), f"logged out after {minutes} minutes"
        traveller.move_to(T0 + dt.timedelta(hours=12, minutes=1))
        assert not is_logged_in(client)


def test_session_ends_after_thirty_minutes_idle(client, user):
    """R-ACC-5: sessions end after 30 minutes idle."""
    with time_machine.travel(T0, tick=False) as traveller:
        log_in(client, user.email)
        traveller.move_to(T0 + dt.timedelta(minutes=29))
        assert is_logged_in(client)
        traveller.move_to(T0 + dt.timedelta(minutes=29 + 31))
        assert not is_logged_in(client)


def test_session_stays_while_active_more_often_than_the_renewal_interval(client, user):
    """R-ACC-5: a request every 50 seconds for 45 minutes keeps the session (it is renewed once a minute)."""
    with time_machine.travel(T0, tick=False) as traveller:
        log_in(client, user.email)
        for seconds in range(50, 45 * 60, 50):
            traveller.move_to(T0 + dt.timedelta(seconds=seconds))
            assert is_logged_in(client), f"logged out after {seconds} s"


def test_session_is_written_at_most_once_a_minute(client, user):
    """R-ACC-5 costs no write per request: the idle timeout is renewed when the last renewal is a minute
    old, and the session never outlives 30 minutes after the last request."""
    with time_machine.travel(T0, tick=False) as traveller:
        log_in(client, user.email)  # renewed at login
        saved = Session.objects.get().expire_date
        assert saved == T0 + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        traveller.move_to(T0 + dt.timedelta(seconds=59))
        client.get("/accounts/profile/")
        assert Session.objects.get().expire_date == saved  # not written
        traveller.move_to(T0 + dt.timedelta(seconds=61))
        client.get("/accounts/profile/")
        renewed = Session.objects.get().expire_date
        assert renewed == T0 + dt.timedelta(seconds=61) + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        # Idle from 0:59 (not renewed) would still end by 30:59; from 1:01 it ends at 31:01 at the latest.
        traveller.move_to(T0 + dt.timedelta(seconds=61 + settings.SESSION_COOKIE_AGE + 1))
        assert not is_logged_in(client)


# ---------------------------------------------------------------------------------------------------
# Sign-up, reset and set-password links


def test_signup_answers_the_same_for_new_and_existing_addresses(client, user, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    """R-ACC-5: sign-up shows the same page for known and unknown addresses; only the e-mail differs."""
    form = {"first_name": "New", "last_name": "Person", "language": "en"}
    with django_capture_on_commit_callbacks(execute=True):
        new = client.post("/accounts/signup/", {**form, "email": "new@example.org"})
        existing = client.post("/accounts/signup/", {**form, "email": user.email})

    assert new.status_code == existing.status_code == 302
    assert new["Location"] == existing["Location"] == "/accounts/signup/sent/"
    page = client.get(new["Location"]).content.decode()
    assert "Check your e-mail: we sent you a link to continue." in page

    assert [m.to for m in mailoutbox] == [["new@example.org"], [user.email]]
    welcome, already = mailoutbox
    assert welcome.subject == "Welcome to Praxis: set your password"
    assert already.subject == "You already have a Praxis account"
    assert User.objects.filter(email="new@example.org").exists()
    assert User.objects.filter(email=user.email).count() == 1


def test_signup_with_invalid_address_shows_a_form_error(client, db, mailoutbox):
    response = client.post("/accounts/signup/", {"email": "not-an-address", "language": "en"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not mailoutbox


def test_signup_referral_code_is_recorded_and_bad_codes_are_ignored(client, user,
                                                                    django_capture_on_commit_callbacks):
    """R-BIL-16: a `?ref=<code>` sign-up records who referred the new user; an unknown code, or a user id
    (what links used to carry), changes nothing."""
    code = referral_code_for(user)
    assert code and code != str(user.pk) and referral_code_for(user) == code  # made once, then stable
    page = client.get(f"/accounts/signup/?ref={code}").content.decode()
    assert f'name="ref" value="{code}"' in page

    with django_capture_on_commit_callbacks(execute=True):  # the sign-up itself runs as a task
        client.post("/accounts/signup/", {"email": "friend@example.org", "language": "nl", "ref": code})
        client.post("/accounts/signup/", {"email": "stranger@example.org", "language": "en", "ref": "999999"})
        client.post("/accounts/signup/", {"email": "by-id@example.org", "language": "en", "ref": str(user.pk)})
        response = client.post("/accounts/signup/", {"email": "odd@example.org", "language": "en", "ref": "x'1"})

    assert response["Location"] == "/accounts/signup/sent/"
    assert User.objects.get(email="friend@example.org").referred_by == user
    assert User.objects.get(email="friend@example.org").language == "nl"
    assert User.objects.get(email="stranger@example.org").referred_by is None
    assert User.objects.get(email="by-id@example.org").referred_by is None
    assert User.objects.get(email="odd@example.org").referred_by is None


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, user, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    """R-ACC-5: reset shows the same page for known and unknown addresses; R-ACC-2: a link is e-mailed."""
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password/reset/", {"email": user.email})
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    page = client.get(known["Location"]).content.decode()
    assert "If an account exists for this address, we sent a link." in page
    assert [m.to for m in mailoutbox] == [[user.email]]


def test_email_links_use_the_site_address_not_the_host_header(client, user, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    """R-ACC-6: links in e-mails come from PRAXIS_SITE_URL, never from the request's Host header."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {"email": "new@example.org", "language": "en"},
                    HTTP_HOST="attacker.example")
        client.post("/accounts/password/reset/", {"email": user.email}, HTTP_HOST="attacker.example")

    assert len(mailoutbox) == 2
    for message in mailoutbox:
        assert link_in(message).startswith("https://praxis.example/accounts/password/set/")
        assert "attacker.example" not in message.body


def test_set_password_link_works_once(client, mailoutbox, db, django_capture_on_commit_callbacks):
    """R-ACC-2: the e-mailed link is single-use; using it logs the new user in."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {"email": "new@example.org", "language": "en"})
    path = path_of(link_in(mailoutbox[0]))

    page = client.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert 'for="id_password"' in page.content.decode()

    response = client.post(path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert is_logged_in(client)
    assert User.objects.get(email="new@example.org").check_password(NEW_PASSWORD)

    again = Client()
    refused = again.get(path)
    assert "This link is no longer valid. Request a new one." in refused.content.decode()
    refused = again.post(path, {"password": "someone else's passphrase", "password_repeat":
                                "someone else's passphrase"})
    assert "This link is no longer valid. Request a new one." in refused.content.decode()
    assert not is_logged_in(again)
    assert User.objects.get(email="new@example.org").check_password(NEW_PASSWORD)


def test_set_password_link_expires_after_one_hour(client, user, mailoutbox, django_capture_on_commit_callbacks):
    """R-ACC-5: password-reset links live at most one hour."""
    with time_machine.travel(T0, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/password/reset/", {"email": user.email})
        path = path_of(link_in(mailoutbox[0]))

        traveller.move_to(T0 + dt.timedelta(minutes=59))
        assert 'for="id_password"' in client.get(path).content.decode()

        traveller.move_to(T0 + dt.timedelta(minutes=61))
        assert "This link is no longer valid" in client.get(path).content.decode()
        response = client.post(path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
        assert "This link is no longer valid" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_ends_other_sessions(user, mailoutbox, django_capture_on_commit_callbacks):
    """R-ACC-5: a reset ends the user's other sessions; the resetting browser is logged in."""
    elsewhere, here = Client(), Client()
    log_in(elsewhere, user.email)
    with django_capture_on_commit_callbacks(execute=True):
        here.post("/accounts/password/reset/", {"email": user.email})
    path = path_of(link_in(mailoutbox[0]))

    mismatch = here.post(path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD + "!"})
    assert mismatch.context["form"].errors["password_repeat"] == ["The two passwords do not match."]

    here.post(path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})

    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)


# ---------------------------------------------------------------------------------------------------
# Personal details, e-mail and password (R-ACC-3)


def test_account_pages_need_a_login(client, db):
    for path in ("/accounts/profile/", "/accounts/profile/email/", "/accounts/profile/password/",
                 "/accounts/profile/tokens/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_profile_update_and_language_switch(client, user):
    """R-ACC-3: personal details are editable; R-ACC-4: the chosen language applies on the next page."""
    log_in(client, user.email)
    assert '<html lang="en">' in client.get("/accounts/profile/").content.decode()

    response = client.post("/accounts/profile/", {"first_name": "Ada", "last_name": "King",
                                                  "phone": "020 123 4567", "gender": "female",
                                                  "language": "nl"})

    assert response.status_code == 302
    assert '<html lang="nl">' in client.get("/accounts/profile/").content.decode()
    user.refresh_from_db()
    assert (user.last_name, user.phone, user.gender, user.language) == ("King", "+31201234567", "female", "nl")


def test_profile_refuses_an_invalid_phone_number(client, user):
    log_in(client, user.email)
    response = client.post("/accounts/profile/", {"first_name": "Ada", "last_name": "Lovelace",
                                                  "phone": "12", "gender": "", "language": "en"})
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == ["Enter a valid phone number."]
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in response.content.decode()
    user.refresh_from_db()
    assert user.phone == ""


def test_email_change_requires_the_current_password(client, user, mailoutbox, django_capture_on_commit_callbacks):
    """R-ACC-3: changing the e-mail address requires the current password."""
    log_in(client, user.email)

    refused = client.post("/accounts/profile/email/", {"email": "ada@new.example",
                                                       "current_password": "not my password at all"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["current_password"] == ["Your current password is not correct."]
    user.refresh_from_db()
    assert user.email == "ada@example.org"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/profile/email/", {"email": "ada@new.example",
                                                            "current_password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "ada@new.example"
    assert [m.to for m in mailoutbox] == [["ada@example.org"]]  # the old address is told
    assert log_in(Client(), "ada@new.example").status_code == 302


def test_password_change_requires_current_password_and_ends_other_sessions(user):
    """R-ACC-3: a password change needs the current password. R-ACC-5: it ends the user's other
    sessions but keeps this one."""
    here, elsewhere = Client(), Client()
    log_in(here, user.email)
    log_in(elsewhere, user.email)

    refused = here.post("/accounts/profile/password/", {"current_password": "not my password at all",
                                                        "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert refused.status_code == 200
    assert refused.context["form"].errors["current_password"] == ["Your current password is not correct."]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert is_logged_in(elsewhere)

    response = here.post("/accounts/profile/password/", {"current_password": PASSWORD,
                                                         "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})

    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert log_in(Client(), user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("new_password", "accepted"),
    [
        ("sunny-days-1", True),                   # 12 characters, no composition rules
        ("sunny-days1", False),                   # 11 characters
        ("qwerty123456", False),                  # common
        ("correct horse battery staple and tea", True),  # a long passphrase
    ],
)
def test_password_rules(client, user, new_password, accepted):
    """R-ACC-5: at least 12 characters, common passwords refused, long passphrases welcome."""
    log_in(client, user.email)
    response = client.post("/accounts/profile/password/", {"current_password": PASSWORD,
                                                           "password": new_password,
                                                           "password_repeat": new_password})
    user.refresh_from_db()
    if accepted:
        assert response.status_code == 302
        assert user.check_password(new_password)
    else:
        assert response.status_code == 200
        assert response.context["form"].errors["password"]
        assert user.check_password(PASSWORD)


def test_referral_link_is_shown_only_with_a_paid_licence(user, django_capture_on_commit_callbacks):
    """R-BIL-16: paid account types see their referral link and who signed up through it (names and
    dates, never addresses); a trial that ran out (free) shows no link."""
    client = Client()
    log_in(client, user.email)
    page = client.get("/accounts/profile/").content.decode()
    user.refresh_from_db()
    assert user.referral_code
    assert f"https://praxis.example/accounts/signup/?ref={user.referral_code}" in page
    assert "Nobody has signed up through your link yet." in page

    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/signup/", {"email": "grace@example.org", "first_name": "Grace",
                                            "last_name": "Hopper", "language": "en", "ref": user.referral_code})
        Client().post("/accounts/signup/", {"email": "nameless@example.org", "language": "en",
                                            "ref": user.referral_code})
    page = client.get("/accounts/profile/").content.decode()
    assert "Grace Hopper" in page and "No name given" in page
    assert "grace@example.org" not in page and "nameless@example.org" not in page
    assert f"?ref={user.referral_code}" in page  # the code never changes

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=15)):
        client = Client()
        log_in(client, user.email)
        page = client.get("/accounts/profile/").content.decode()
    assert "?ref=" not in page and "Grace Hopper" not in page


# ---------------------------------------------------------------------------------------------------
# API tokens


def test_api_token_is_shown_once_and_can_be_revoked(client, user):
    """A personal API token's secret is shown once at creation; only its hash is stored; revoking is final."""
    log_in(client, user.email)
    workspace = user_workspaces(user)[0]

    response = client.post("/accounts/profile/tokens/", {"name": "Export", "workspace": workspace.slug})

    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("prx_") and secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.with_scopes_disabled().get(user=user)
    assert token.workspace == workspace and token.name == "Export"
    assert secret not in token.token_hash
    assert token_authenticate(secret) == token

    listing = client.get("/accounts/profile/tokens/").content.decode()
    assert secret not in listing
    assert token.prefix in listing and "Export" in listing

    assert client.get(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_authenticate(secret) is None


def test_api_tokens_of_other_users_and_workspaces_are_out_of_reach(client, user, make_user):
    """Another user's token cannot be revoked (404, unchanged); a token cannot be made for a workspace
    the user is not a member of."""
    other = make_user(email="grace@example.org")
    with scopes_disabled():
        other_workspace = user_workspaces(other)[0]
    other_client = Client()
    log_in(other_client, other.email)
    other_client.post("/accounts/profile/tokens/", {"name": "Mine", "workspace": other_workspace.slug})
    others_token = ApiToken.objects.with_scopes_disabled().get(user=other)

    log_in(client, user.email)
    assert client.post(f"/accounts/profile/tokens/{others_token.pk}/revoke/").status_code == 404
    others_token.refresh_from_db()
    assert others_token.revoked_at is None

    response = client.post("/accounts/profile/tokens/", {"name": "Sneaky", "workspace": other_workspace.slug})
    assert response.status_code == 200
    assert response.context["form"].errors["workspace"]
    assert not ApiToken.objects.with_scopes_disabled().filter(user=user).exists()


def test_current_password_checks_are_throttled_like_the_login(client, make_user, time_machine):
    """R-ACC-1/R-ACC-3: a stolen session cannot guess the password through "change e-mail": after five
    wrong current passwords in 15 minutes even the right one is refused; each miss is audited."""
    from django.urls import reverse

    from praxis.audit.models import AuditEvent
    from praxis.testing import PASSWORD

    time_machine.move_to(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False)
    user = make_user("guessed@example.test")
    client.force_login(user)
    url = reverse("accounts:email_change")
    for _ in range(5):
        response = client.post(url, {"email": "new@example.test", "current_password": "wrong guess 12345"})
        assert "Your current password is not correct." in response.content.decode()
    assert AuditEvent.objects.filter(user=user, outcome="refused", data__reason="wrong_password").count() == 5

    response = client.post(url, {"email": "new@example.test", "current_password": PASSWORD})
    assert "Too many wrong passwords" in response.content.decode()
    user.refresh_from_db()
    assert user.email == "guessed@example.test"

    time_machine.move_to(dt.datetime(2026, 11, 20, 10, 16, tzinfo=dt.UTC), tick=False)
    client.force_login(user)
    response = client.post(url, {"email": "new@example.test", "current_password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.test"
