"""The client portal shows the client's own upcoming appointments (issue 8 point 8, R-CLI-11): booked and
still to come, with the practitioner, place and video link — not cancelled ones, not past ones, never
another client's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django_scopes import scope

from praxis.clients import portal
from praxis.clients.tests.factories import client_make
from praxis.scheduling import services
from praxis.testing import PASSWORD

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def _text(response) -> str:
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html[html.find("<main"):]).split())


def _book(team, client_obj, start: dt.datetime, **kwargs):
    [appointment] = services.book(access=team.access("owner"), client_id=client_obj.pk,
                                  practitioner_id=team.members["clinician"].pk, start=start,
                                  end=start + dt.timedelta(minutes=50), **kwargs)
    return appointment


@time_machine.travel(NOW, tick=False)
def test_the_portal_lists_the_clients_own_upcoming_appointments(team, client):
    with scope(workspace=team.workspace):
        own = client_make(team.access("owner"), first_name="Zoë", last_name="Portaal", email="zoe@example.test",
                          clinician_ids=[team.members["clinician"].pk])
        other = client_make(team.access("owner"), first_name="Ander", last_name="Cliënt")
        _book(team, own, NOW + dt.timedelta(days=2), kind="video", video_link="https://meet.example/zoe")
        cancelled = _book(team, own, NOW + dt.timedelta(days=3))
        services.cancel(access=team.access("owner"), appointment_id=cancelled.pk, reason="ziek")
        _book(team, own, NOW - dt.timedelta(days=3))  # past
        _book(team, other, NOW + dt.timedelta(days=4))
        _invitation, token = portal.portal_invitation_create(access=team.access("owner"), client_id=own.pk)
    user, _ = portal.portal_invitation_accept_new_user(token=token, password=PASSWORD, first_name="Zoë",
                                                       last_name="Portaal")
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    response = client.get(f"/w/{team.workspace.slug}/portal/{own.pk}/")
    assert response.status_code == 200
    text = _text(response)
    assert "Upcoming appointments" in text
    # Europe/Amsterdam (the team's zone): 9 December 10:00–10:50 local for 09:00 UTC.
    assert text.count("10:00–10:50") == 1, text
    assert "https://meet.example/zoe" in response.content.decode()
    assert "Ander" not in text


@time_machine.travel(NOW, tick=False)
def test_no_section_without_upcoming_appointments(team, client):
    with scope(workspace=team.workspace):
        own = client_make(team.access("owner"), first_name="Zonder", last_name="Afspraak",
                          email="zonder@example.test")
        _invitation, token = portal.portal_invitation_create(access=team.access("owner"), client_id=own.pk)
    user, _ = portal.portal_invitation_accept_new_user(token=token, password=PASSWORD, first_name="Z",
                                                       last_name="A")
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    response = client.get(f"/w/{team.workspace.slug}/portal/{own.pk}/")
    assert response.status_code == 200
    assert "Upcoming appointments" not in _text(response)
