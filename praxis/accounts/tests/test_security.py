"""Issue 6 point 20: the login lock-out and the password-confirmation throttle cannot be sidestepped.

R-ACC-1 (login throttled by django-axes), R-ACC-3/R-ROLE-5 (current password confirmed, throttled like the
login), R-ACC-5 (the same answers for known and unknown addresses).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from praxis.accounts.models import User
from praxis.accounts.services import PASSWORD_CONFIRM_LIMIT, email_change, password_change, user_create
from praxis.audit.models import AuditEvent
from praxis.core.errors import ServiceError

from .conftest import PASSWORD, log_in

SPELLINGS = ["EVA@example.org", "Eva@Example.org", " eva@example.org", "eVa@EXAMPLE.ORG ", "EVA@EXAMPLE.ORG",
             "evA@example.Org", "eva@EXAMPLE.org", "Eva@example.ORG"]


@pytest.fixture
def eva(make_user):
    return make_user("eva@example.org", first_name="Eva")


def test_a_lockout_holds_for_every_spelling_of_the_address(client, eva):
    """Issue 6 point 20 / R-ACC-1: locked as `eva@…`, the right password as `EVA@…` is refused too."""
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "eva@example.org", "guessing the password")

    response = log_in(client, "EVA@example.org", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_in_different_spellings_count_towards_one_lockout(client, eva):
    """Issue 6 point 20: failures spelled differently are one address for the throttle."""
    for spelling in SPELLINGS[: settings.AXES_FAILURE_LIMIT - 1]:
        assert log_in(client, spelling, "guessing the password").status_code == 200
    log_in(client, SPELLINGS[settings.AXES_FAILURE_LIMIT], "guessing the password")  # reaches the limit

    response = log_in(client, "eva@example.org", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_right_password_in_another_spelling_logs_in_and_resets_the_count(client, eva):
    """Normalising does not lock out people who type their address in capitals."""
    log_in(client, "eva@example.org", "guessing the password")
    response = log_in(client, " EVA@Example.org ", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(eva.pk)


def test_unknown_addresses_are_counted_the_same_way(client, db):
    """R-ACC-5: an unknown address locks out alike, whatever its spelling."""
    for spelling in SPELLINGS[: settings.AXES_FAILURE_LIMIT]:
        log_in(client, spelling.replace("eva", "nobody").replace("Eva", "Nobody").replace("EVA", "NOBODY")
               .replace("evA", "nobodY").replace("eVa", "noBody"), "guessing the password")
    assert log_in(client, "NOBODY@example.org", "guessing the password").status_code == 429


# ---------------------------------------------------------------------------------------------------
# The password-confirmation throttle under parallel requests (real transactions, both databases)

WORKERS = 8


def _race(fn, n=WORKERS):
    barrier = threading.Barrier(n)

    def run(_):
        barrier.wait()
        try:
            fn()
            return "ok"
        except ServiceError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.parametrize("change", ["email", "password"])
def test_parallel_wrong_passwords_are_throttled_at_the_limit(transactional_db, change):
    """Issue 6 point 20: eight parallel guesses of the current password: exactly five are evaluated (and
    audited), the others are refused unseen — the count and the check are one atomic step."""
    user = user_create(email="racer@example.org", password=PASSWORD)

    def guess():
        if change == "email":
            email_change(user=User.objects.get(pk=user.pk), new_email="new@example.org",
                         current_password="wrong guess 12345")
        else:
            password_change(user=User.objects.get(pk=user.pk), current_password="wrong guess 12345",
                            new_password="another long passphrase here")

    results = _race(guess)

    assert sorted(results) == sorted(["wrong_password"] * PASSWORD_CONFIRM_LIMIT
                                     + ["too_many_attempts"] * (WORKERS - PASSWORD_CONFIRM_LIMIT))
    assert AuditEvent.objects.filter(user=user, outcome="refused",
                                     data__reason="wrong_password").count() == PASSWORD_CONFIRM_LIMIT
    user.refresh_from_db()
    assert user.email == "racer@example.org"
    assert user.check_password(PASSWORD)


# ---------------------------------------------------------------------------------------------------
# Issue 6 point 21: odd `next` values fall back to the landing page instead of a 500


@pytest.mark.parametrize("next_value", ["billing", "-1", "home", "//evil.example/", "https://evil.example/",
                                        "javascript:alert(1)", "/\tevil", ""])
def test_login_with_an_odd_next_lands_on_the_home_page_logged_in(client, eva, next_value):
    """Issue 6 point 21: `/accounts/login/?next=billing` with the right password was a 500 (redirect()
    took "billing" for a URL pattern name) and left the person logged out."""
    page = client.get("/accounts/login/", {"next": next_value})
    assert page.status_code == 200
    response = client.post("/accounts/login/?next=" + next_value,
                           {"email": "eva@example.org", "password": PASSWORD, "next": next_value})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(eva.pk)


@pytest.mark.parametrize("next_value", ["-1", "billing", "//evil.example/"])
def test_logged_in_visit_of_login_with_an_odd_next_goes_home(client, eva, next_value):
    client.force_login(eva)
    response = client.get("/accounts/login/", {"next": next_value})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_path_on_this_site_is_still_followed(client, eva):
    response = client.post("/accounts/login/", {"email": "eva@example.org", "password": PASSWORD,
                                                "next": "/accounts/profile/"})
    assert response["Location"] == "/accounts/profile/"


def test_nul_bytes_in_login_fields_are_a_clear_400(client, eva):
    """Issue 6 point 21: a NUL byte is refused with a message before any lookup, and nothing happens."""
    response = client.post("/accounts/login/", {"email": "eva@example.org\x00", "password": PASSWORD})
    assert response.status_code == 400
    assert "cannot be stored" in response.content.decode()
    assert "_auth_user_id" not in client.session
