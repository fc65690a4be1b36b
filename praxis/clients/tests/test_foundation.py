"""The core client services and policy (R-CLI-1, R-ROLE-3, R-WS-2, R-MEM-1)."""

import datetime as dt

import pytest
import time_machine
from django_scopes import scope

from praxis.audit.models import AuditEvent
from praxis.clients import policies, selectors, services
from praxis.clients.models import Client
from praxis.core.errors import NotFound, PermissionDenied, ServiceError

from .factories import client_make

pytestmark = pytest.mark.django_db


def test_create_normalises_phone_and_email_r_cli_1(team):
    access = team.access("clinician")
    with scope(workspace=team.workspace):
        client = client_make(access, first_name=" Zoë ", last_name="de Vries", email=" Zoe@Example.NL ",
                             phone="06 12345678", date_of_birth="03-04-2015")
    assert client.first_name == "Zoë"
    assert client.email == "zoe@example.nl"
    assert client.phone == "+31612345678"
    assert client.date_of_birth == dt.date(2015, 4, 3)
    assert "zoe" in client.search_text and "31612345678" in client.search_text


@time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC))
def test_date_of_birth_not_in_the_future_r_cli_1(team):
    with scope(workspace=team.workspace), pytest.raises(ServiceError) as exc:
        client_make(team.access("owner"), date_of_birth="2026-12-03")
    assert exc.value.code == "date_in_future" and exc.value.field == "date_of_birth"
    with scope(workspace=team.workspace):
        assert not Client.objects.exists()


def test_staff_cannot_write_the_national_identifier_r_role_3(team):
    # staff lacks clients.manage anyway; an assistant manages clients but is not clinical.
    with scope(workspace=team.workspace), pytest.raises(PermissionDenied):
        client_make(team.access("assistant"), national_id="123456782")


def test_team_tier_clinician_sees_only_assigned_clients_r_ws_2(make_user):
    from praxis.testing.team import build_team

    team = build_team(make_user, tier="team")
    owner, clinician = team.access("owner"), team.access("clinician")
    with scope(workspace=team.workspace):
        mine = client_make(owner, clinician_ids=[team.members["clinician"].pk])
        other = client_make(owner)
        assert list(policies.visible_clients(clinician)) == [mine]
        with pytest.raises(NotFound):
            selectors.client_get(access=clinician, client_id=other.pk)
        assert set(policies.visible_clients(owner)) == {mine, other}


def test_cancel_and_restore_in_bulk_r_mem_1(team):
    access = team.access("owner")
    with scope(workspace=team.workspace):
        a, b = client_make(access), client_make(access)
        changed = services.clients_cancel(access=access, client_ids=[a.pk, b.pk])
        assert {c.pk for c in changed} == {a.pk, b.pk}
        assert selectors.client_counts(access=access) == {"active": 0, "cancelled": 2}
        services.clients_restore(access=access, client_ids=[a.pk])
        assert selectors.client_counts(access=access) == {"active": 1, "cancelled": 1}
        assert AuditEvent.objects.filter(event_code="client.cancelled").count() == 2


def test_opening_a_record_is_audited_r_aud_1(team):
    access = team.access("clinician")
    with scope(workspace=team.workspace):
        client = client_make(access)
        services.client_view(access=access, client_id=client.pk)
    event = AuditEvent.objects.get(event_code="client.viewed")
    assert event.client_id == str(client.pk) and event.role == "clinician" and event.action == "read"


def test_create_update_and_search_are_audited_without_values_r_aud_1(team):
    access = team.access("clinician")
    with scope(workspace=team.workspace):
        client = client_make(access, first_name="Anna", last_name="Jansen")
        services.client_update(access=access, client_id=client.pk, values={"city": "Utrecht"})
        services.clients_searched(access=access, query="jans", hits=1)
    codes = list(AuditEvent.objects.filter(client_id=str(client.pk)).order_by("id").values_list("event_code", flat=True))
    assert codes == ["client.created", "client.updated"]
    updated = AuditEvent.objects.get(event_code="client.updated")
    assert updated.data == {"fields": ["city"]} and "Utrecht" not in str(updated.data)
    searched = AuditEvent.objects.get(event_code="client.searched")
    assert searched.query == "jans" and searched.data["hits"] == 1
