"""Fixtures for the account tests (shared ones, such as `make_user`, live in praxis/conftest.py)."""

import re

import pytest
from axes.utils import reset as axes_reset
from django.test import Client

from praxis.testing import PASSWORD

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"')


@pytest.fixture(autouse=True)
def _axes_clean(db):
    """Every test starts without recorded login failures, whatever the handler stores them in."""
    axes_reset()
    yield
    axes_reset()


@pytest.fixture
def user(make_user):
    """`make_user` (praxis/conftest.py) goes through `user_sign_up`, with the password below."""
    return make_user("ada@example.org", first_name="Ada", last_name="Lovelace")


def log_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"email": email, "password": password})


def without_csrf(html: str) -> str:
    """A page's HTML with its per-response masked CSRF tokens blanked, so two pages can be compared."""
    return CSRF_VALUE.sub(r'\1""', html)
