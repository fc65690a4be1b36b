"""No double booking under real parallel transactions (R-SCH-2): on PostgreSQL the exclusion constraint
`appointment_no_double_booking` refuses what raced past the service's check; on SQLite the booking's
IMMEDIATE transaction holds the write lock from its BEGIN. Either way the losers get the ordinary
`double_booked` refusal — never a server error, a deadlock or "database is locked"."""

import datetime as dt

import pytest
from django_scopes import scope, scopes_disabled

from praxis.audit.services import verify_chain
from praxis.core.errors import Conflict
from praxis.scheduling import services
from praxis.scheduling.models import Appointment, Change
from praxis.testing.concurrency import race

from .factories import MONDAY, book_one, client_for, local

pytestmark = pytest.mark.django_db(transaction=True)
N = 20


def test_twenty_bookings_of_one_slot_at_once_book_one(team):
    clients = [client_for(team, first_name=f"Par{i}") for i in range(N)]
    practitioner = team.members["clinician"].pk
    start = local(MONDAY + dt.timedelta(days=1), 10)

    def book(i):
        access = team.access("owner")
        with scope(workspace=team.workspace):
            # overlapping, not identical: each starts a few minutes later, all within the first one
            begin = start + dt.timedelta(minutes=i % 5)
            [appointment] = services.book(access=access, client_id=clients[i].pk, practitioner_id=practitioner,
                                          start=begin, end=begin + dt.timedelta(minutes=50))
            return appointment.pk

    results = race(book, N)
    booked = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(booked) == 1 and len(refused) == N - 1, results
    assert {r.code for r in refused} == {"double_booked"}
    with scopes_disabled():
        assert list(Appointment.objects.values_list("pk", flat=True)) == booked
        assert Appointment.objects.get().status == "booked"
        assert Change.objects.count() == 1
    assert verify_chain() == []


def test_two_reschedules_into_one_free_slot_at_once_one_wins(team):
    anna, bram = client_for(team, first_name="Anna"), client_for(team, first_name="Bram")
    day = MONDAY + dt.timedelta(days=1)
    moving = [book_one(team, anna, start=local(day, 9)), book_one(team, bram, start=local(day, 11))]
    free = local(day, 14)

    def reschedule(i):
        access = team.access("owner")
        with scope(workspace=team.workspace):
            return services.reschedule(access=access, appointment_id=moving[i].pk, start=free,
                                       end=free + dt.timedelta(minutes=50)).pk

    results = race(reschedule, 2)
    won = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].code == "double_booked"
    with scopes_disabled():
        at_free = list(Appointment.objects.filter(start=free).values_list("pk", flat=True))
        assert at_free == won
        loser = next(a for a in moving if a.pk not in won)
        assert Appointment.objects.get(pk=loser.pk).start == loser.start
        assert Change.objects.filter(kind="rescheduled").count() == 1
    assert verify_chain() == []
