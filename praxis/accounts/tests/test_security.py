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
