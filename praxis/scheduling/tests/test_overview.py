"""The client record's Overview (R-CLI-3): what is still to come — a cancelled one with its badge, not
among the past — and what has been, newest first."""

import datetime as dt

import pytest
import time_machine
from django_scopes import scope

from praxis.scheduling import selectors, services

from .factories import MONDAY, NOW, book_one, client_for, local

pytestmark = pytest.mark.django_db


@time_machine.travel(NOW, tick=False)
def test_upcoming_and_past_of_a_client(team):
    client = client_for(team)
    coming = book_one(team, client, start=local(MONDAY + dt.timedelta(days=1), 10))
    called_off = book_one(team, client, start=local(MONDAY + dt.timedelta(days=2), 10))
    earlier = book_one(team, client, start=local(MONDAY - dt.timedelta(days=7), 10))
    with scope(workspace=team.workspace):
        services.cancel(access=team.access("owner"), appointment_id=called_off.pk, reason="ziek")
        overview = selectors.for_client(team.access("owner"), client)
    assert [a.pk for a in overview.upcoming] == [coming.pk, called_off.pk]
    assert [a.status_label for a in overview.upcoming] == ["Booked", "Cancelled"]
    assert [a.pk for a in overview.past] == [earlier.pk]
