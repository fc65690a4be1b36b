"""The clients API: list, create, read, update, cancel / restore in bulk (R-CLI-1, R-CLI-2, R-CLI-8, R-MEM-1,
R-AUD-1, R-ROLE-3; SPEC §13)."""

import json

import pytest
from django.core import mail
from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from praxis.audit.models import AuditEvent
from praxis.clients.models import Client, CustomField

from .factories import client_make

pytestmark = pytest.mark.django_db


def api(team, path: str = "") -> str:
    return f"/api/v1/workspaces/{team.workspace.slug}/clients{path}"


def send(client, method: str, address: str, body=None):
    return client.generic(method, address, data=json.dumps(body or {}), content_type="application/json")


def make(team, role="owner", **kwargs):
    with scope(workspace=team.workspace):
        return client_make(team.access(role), **kwargs)


@pytest.fixture
def api_client():
    """`api_client(user)` → a test client logged in by session (as in praxis/api/tests)."""

    def _make(user):
        client = DjangoClient()
        client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
        return client

    return _make


@pytest.fixture
def sensitive_field(team):
    with scope(workspace=team.workspace):
        CustomField.objects.create(workspace=team.workspace, key="diagnose", label="Diagnose", field_type="text",
                                   builtin_section="personal", sensitive=True)
        CustomField.objects.create(workspace=team.workspace, key="sessies", label="Sessies", field_type="number",
                                   builtin_section="care")


def test_list_answers_items_count_and_page(team, api_client):
    anna = make(team, first_name="Anna", last_name="Jansen", preferred_name="Annie", email="anna@example.nl",
                phone="06 12345678", date_of_birth="1980-04-03", national_id="123456782",
                clinician_ids=[team.members["clinician"].pk], tag_names=["Wachtlijst"])
    make(team, first_name="Bart", last_name="Bakker")
    response = api_client(team.staff).get(api(team) + "?page_size=1")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (2, 1, 1)
    assert body["items"] == [{
        "id": body["items"][0]["id"], "first_name": "Bart", "last_name": "Bakker", "preferred_name": "",
        "date_of_birth": None, "email": "", "phone": "", "status": "active", "clinicians": [], "tags": [],
    }]
    second = api_client(team.staff).get(api(team) + "?page_size=1&page=2").json()["items"][0]
    assert second == {"id": anna.pk, "first_name": "Anna", "last_name": "Jansen", "preferred_name": "Annie",
                      "date_of_birth": "1980-04-03", "email": "anna@example.nl", "phone": "+31612345678",
                      "status": "active", "clinicians": [team.members["clinician"].pk], "tags": ["Wachtlijst"]}
    assert "national_id" not in second


def test_list_search_and_filters_are_audited_r_aud_1(team, api_client):
    make(team, first_name="Zoë", last_name="de Vries", tag_names=["Groep"])
    make(team, first_name="Piet", last_name="Müller", clinician_ids=[team.members["clinician"].pk])
    client = api_client(team.clinician)
    found = client.get(api(team) + "?q=zoe").json()
    assert [c["first_name"] for c in found["items"]] == ["Zoë"] and found["count"] == 1
    event = AuditEvent.objects.get(event_code="client.searched")
    assert event.query == "zoe" and event.data == {"hits": 1, "via": "api"}
    assert [c["last_name"] for c in client.get(api(team) + "?tag=groep").json()["items"]] == ["de Vries"]
    assert client.get(api(team) + "?tag=nope").json()["count"] == 0
    clinician = team.members["clinician"].pk
    assert [c["last_name"] for c in client.get(api(team) + f"?clinician={clinician}").json()["items"]] == ["Müller"]
    assert client.get(api(team) + "?status=cancelled").json()["count"] == 0
    assert client.get(api(team) + "?status=gone").status_code == 422
    assert AuditEvent.objects.filter(event_code="client.searched").count() == 1  # filters alone are no search


def test_create_answers_201_with_the_record(team, api_client, sensitive_field):
    response = send(api_client(team.clinician), "POST", api(team), {
        "first_name": "Zoë", "last_name": "de Vries", "email": " Zoe@Example.NL ", "phone": "06 12345678",
        "date_of_birth": "03-04-2015", "national_id": "123456782", "custom": {"diagnose": "F41", "sessies": "12,5"},
        "clinicians": [team.members["clinician"].pk], "tags": ["Wachtlijst"],
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["phone"], body["date_of_birth"]) == ("zoe@example.nl", "+31612345678", "2015-04-03")
    assert body["national_id"] == "123456782" and body["custom"] == {"diagnose": "F41", "sessies": "12.5"}
    assert body["clinicians"] == [team.members["clinician"].pk] and body["tags"] == ["Wachtlijst"]
    assert AuditEvent.objects.filter(event_code="client.created").count() == 1


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"last_name": "Zonder"}, "required", "first_name"),
    ({"first_name": "A", "last_name": "B", "phone": "12"}, "invalid_phone", "phone"),
    ({"first_name": "A", "last_name": "B", "date_of_birth": "31-02-2020"}, "invalid_date", "date_of_birth"),
    ({"first_name": "A", "last_name": "B", "custom": {"sessies": "veel"}}, "invalid_number", "custom.sessies"),
    ({"first_name": "A", "last_name": "B", "custom": {"bestaat_niet": "x"}}, "unknown_field", "custom.bestaat_niet"),
    ({"first_name": "A", "last_name": "B", "clinicians": [999999]}, "invalid_clinician", "clinicians"),
])
def test_create_refusals_use_the_validators_envelope(team, api_client, sensitive_field, body, code, field):
    response = send(api_client(team.owner), "POST", api(team), body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and response.json()["field"] == field and response.json()["detail"]
    with scopes_disabled():
        assert not Client.objects.exists()


def test_the_same_message_as_the_form(team, api_client, client):
    """R-CLI-2: one validator per type, so the API and the form refuse with the same words."""
    api_message = send(api_client(team.owner), "POST", api(team), {"first_name": "A", "last_name": "B",
                                                                  "phone": "12"}).json()["detail"]
    client.force_login(team.owner)
    html = client.post(f"/w/{team.workspace.slug}/clients/new/", {"first_name": "A", "last_name": "B",
                                                                  "phone": "12"}).content.decode()
    assert api_message in html


def test_non_sensitive_member_cannot_write_the_national_identifier_r_role_3(team, api_client):
    response = send(api_client(team.assistant), "POST", api(team), {"first_name": "A", "last_name": "B",
                                                                   "national_id": "123456782"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert AuditEvent.objects.filter(event_code="client.created", outcome="refused").count() == 1
    with scopes_disabled():
        assert not Client.objects.exists()


def test_detail_is_an_audited_read_r_aud_1(team, api_client, sensitive_field):
    anna = make(team, first_name="Anna", last_name="Jansen", national_id="123456782",
                custom={"diagnose": "F41", "sessies": "3"})
    body = api_client(team.clinician).get(api(team, f"/{anna.pk}")).json()
    assert body["national_id"] == "123456782" and body["custom"] == {"diagnose": "F41", "sessies": "3"}
    event = AuditEvent.objects.get(event_code="client.viewed")
    assert event.client_id == str(anna.pk) and event.data == {"via": "api"} and event.role == "clinician"


def test_detail_without_clients_sensitive_lacks_the_keys_r_role_3(team, api_client, sensitive_field):
    anna = make(team, first_name="Anna", last_name="Jansen", national_id="123456782",
                custom={"diagnose": "F41", "sessies": "3"})
    for role in ("assistant", "staff"):
        response = api_client(team.users[role]).get(api(team, f"/{anna.pk}"))
        body = response.json()
        assert "national_id" not in body  # absent, not null
        assert body["custom"] == {"sessies": "3"}
        assert "123456782" not in response.content.decode() and "F41" not in response.content.decode()
        assert body["city"] == "" and body["cancelled_at"] is None  # the other keys are all there


def test_patch_changes_only_what_is_sent(team, api_client, sensitive_field):
    anna = make(team, first_name="Anna", last_name="Jansen", email="anna@example.nl", national_id="123456782",
                custom={"diagnose": "F41", "sessies": "3"}, tag_names=["oud"])
    response = send(api_client(team.assistant), "PATCH", api(team, f"/{anna.pk}"),
                    {"city": "Utrecht", "custom": {"sessies": "4"}})
    assert response.status_code == 200, response.content
    assert response.json()["city"] == "Utrecht" and "national_id" not in response.json()
    with scopes_disabled():
        fresh = Client.objects.get(pk=anna.pk)
        assert [t.name for t in fresh.tags.all()] == ["oud"]
    assert (fresh.email, fresh.national_id) == ("anna@example.nl", "123456782")
    assert fresh.custom == {"diagnose": "F41", "sessies": "4"}  # the hidden value is kept
    assert AuditEvent.objects.get(event_code="client.updated").data == {"fields": ["city", "custom.sessies"]}
    refused = send(api_client(team.assistant), "PATCH", api(team, f"/{anna.pk}"), {"custom": {"diagnose": "X"}})
    assert refused.status_code == 403


def test_cancel_and_restore_in_bulk_r_mem_1(team, api_client, django_capture_on_commit_callbacks):
    a, b = make(team, first_name="A", last_name="Een"), make(team, first_name="B", last_name="Twee")
    client = api_client(team.assistant)
    cancelled = send(client, "POST", api(team, "/cancel"), {"ids": [a.pk, b.pk]})
    assert cancelled.status_code == 200
    assert sorted((c["id"], c["status"]) for c in cancelled.json()) == [(a.pk, "cancelled"), (b.pk, "cancelled")]
    assert client.get(api(team) + "?status=cancelled").json()["count"] == 2
    restored = send(client, "POST", api(team, "/restore"), {"ids": [a.pk]})
    assert [(c["id"], c["status"]) for c in restored.json()] == [(a.pk, "active")]
    assert AuditEvent.objects.filter(event_code__in=["client.cancelled", "client.restored"]).count() == 3
    assert send(client, "POST", api(team, "/cancel"), {"ids": []}).status_code == 422
    assert send(api_client(team.clinician), "POST", api(team, "/cancel"), {"ids": [a.pk]}).status_code == 403
    assert not mail.outbox  # nobody has portal access here


def test_team_tier_clinician_reaches_only_assigned_clients_r_ws_2(make_user, api_client):
    from praxis.testing.team import build_team

    team = build_team(make_user, tier="team")
    mine = make(team, first_name="Mijn", last_name="Cliënt", clinician_ids=[team.members["clinician"].pk])
    other = make(team, first_name="Andere", last_name="Cliënt")
    client = api_client(team.clinician)
    assert [c["id"] for c in client.get(api(team)).json()["items"]] == [mine.pk]
    assert client.get(api(team, f"/{other.pk}")).status_code == 404
    assert send(client, "PATCH", api(team, f"/{other.pk}"), {"city": "X"}).status_code == 404
    assert client.get(api(team, f"/{mine.pk}")).status_code == 200


def test_list_costs_the_same_queries_for_3_and_25(team, api_client):
    def add(n):
        for i in range(n):
            make(team, first_name=f"Query{i}", last_name="Teller", clinician_ids=[team.members["clinician"].pk],
                 tag_names=["a", "b"])

    client = api_client(team.owner)
    add(3)
    client.get(api(team))
    with CaptureQueriesContext(connection) as small:
        client.get(api(team) + "?q=teller")
    add(22)
    with CaptureQueriesContext(connection) as large:
        response = client.get(api(team) + "?q=teller")
    assert response.json()["count"] == 25
    assert len(small) == len(large)


# The search index and the date of birth index (page and count in one query) and a short term (two)
@pytest.mark.parametrize("q", ["teller", "03-04-1980", "te"])
def test_search_pages_count_every_match_on_every_page_r_cli_8(team, api_client, q):
    for i in range(5):
        make(team, first_name=f"Naam{i}", last_name="Teller", date_of_birth="1980-04-03")
    make(team, first_name="Other", last_name="Person", date_of_birth="1980-04-04")
    client = api_client(team.owner)

    def page(n):
        body = client.get(api(team) + f"?q={q}&page_size=2&page={n}").json()
        return body["count"], body["page"], [c["first_name"] for c in body["items"]]

    assert page(1) == (5, 1, ["Naam0", "Naam1"])
    assert page(2) == (5, 2, ["Naam2", "Naam3"])
    assert page(3) == (5, 3, ["Naam4"])
    assert page(4) == (5, 4, [])  # just past the end
    assert page(10**12) == (5, 4, [])  # an absurd page: past the end, no huge OFFSET
    assert client.get(api(team) + "?q=nobody-by-this-name").json()["count"] == 0


def test_search_with_a_tag_filter_counts_each_client_once(team, api_client):
    for i in range(3):
        make(team, first_name=f"Naam{i}", last_name="Teller", tag_names=["a", "b"],
             clinician_ids=[team.members["clinician"].pk, team.members["admin"].pk])
    client = api_client(team.owner)
    body = client.get(api(team) + f"?q=teller&tag=a&clinician={team.members['clinician'].pk}&page_size=2").json()
    assert body["count"] == 3 and len(body["items"]) == 2
