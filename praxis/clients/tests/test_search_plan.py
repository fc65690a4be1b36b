"""`selectors.search_plan` in a request that is in no transaction (R-CLI-8): its own module, since a
transactional test cannot share `test_search`'s module-wide rows."""

import pytest
from django.db import connection

from praxis.clients import selectors

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_search_plan_outside_a_transaction_leaves_the_connection_as_it_was():
    """A list request is in no transaction: the block is its own, whose COMMIT puts the setting back."""
    assert not connection.in_atomic_block
    with selectors.search_plan("vries"), connection.cursor() as cursor:
        assert connection.in_atomic_block
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "off"
    assert not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on"
