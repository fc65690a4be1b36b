"""Client exports (R-CLI-10, R-ROLE-3, R-WS-2, R-AUD-1): the list as CSV, one client's data as JSON and as a
FHIR R4 Bundle (HTML and API), and `manage.py export_fhir` writing Bulk Data NDJSON."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django_scopes import scope
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.relatedperson import RelatedPerson

from praxis.audit.models import AuditEvent
from praxis.clients import selectors
from praxis.clients.models import Client, Contact, CustomField, Relationship

from .factories import client_make
from .test_visibility import CASES, NATIONAL_ID, SECRET, VISIBLE, _world, expected_listed, expected_sensitive

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (Export test)"


def logged_in(client, user):
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)  # streamed, never built in memory
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[arg-type]
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def make(team, role="owner", **kwargs):
    with scope(workspace=team.workspace):
        return client_make(team.access(role), **kwargs)


# --- the list as CSV ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "support", "tier"), CASES)
def test_csv_visibility_matrix_rows_and_fields(role, support, tier, make_user):
    """R-CLI-10, R-ROLE-3, R-WS-2: the CSV has exactly the clients the member may list and, without
    `clients.sensitive`, neither the national identifier nor the sensitive custom field — not its column,
    not its value."""
    team, _clients, browser = _world(make_user, role, support, tier)
    response = browser.get(f"/w/{team.workspace.slug}/clients/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = csv_rows(response)
    header, body = rows[0], rows[1:]
    names = {"Toegewezen": "mine", "Nietvanjou": "other"}
    last = header.index("Last name")
    assert {names[row[last]] for row in body} == expected_listed(role, tier)
    text = "\n".join(",".join(row) for row in rows)
    if expected_sensitive(role, support):
        assert "National identifier" in header and "Diagnosecode" in header
        assert all(NATIONAL_ID in row and SECRET in row for row in body)
    else:
        assert "National identifier" not in header and "Diagnosecode" not in header
        assert NATIONAL_ID not in text and SECRET not in text
    assert "Verwijzer" in header and all(VISIBLE in row for row in body)
    event = AuditEvent.objects.get(event_code="clients.exported")
    assert event.data["count"] == len(body) and event.role == role


def test_csv_honours_search_status_and_filters_and_is_audited_per_export_and_client_r_aud_1(team, client):
    """R-CLI-10: the export is the list as shown; R-AUD-1: one entry with the count, the filters and the
    search text, and the NEN 7513 fields (user, role, access point, permission, source instance)."""
    make(team, first_name="Zoë", last_name="de Vries", tag_names=["Groep"])
    make(team, first_name="Zoe", last_name="Zonder")
    make(team, first_name="Piet", last_name="Müller", tag_names=["Groep"])
    with scope(workspace=team.workspace):
        tag = team.workspace.client_tags.get(name="Groep")
    browser = logged_in(client, team.owner)
    response = browser.get(f"/w/{team.workspace.slug}/clients/export/?q=zoe&tag={tag.pk}&after=1",
                           HTTP_USER_AGENT=UA, REMOTE_ADDR="203.0.113.7")
    rows = csv_rows(response)
    assert [row[rows[0].index("Last name")] for row in rows[1:]] == ["de Vries"]
    [event] = AuditEvent.objects.filter(event_code="clients.exported")
    assert event.action == "read" and event.outcome == "success"
    assert event.user == team.owner and event.user_display == team.owner.display_name and event.role == "owner"
    assert (event.ip, event.user_agent, event.via) == ("203.0.113.7", UA, "web")
    assert event.permission == "clients.view" and event.query == "zoe" and event.source_instance
    assert event.data == {"count": 1, "via": "csv", "filters": {"status": "active", "q": "zoe", "tag": tag.pk}}
    assert not AuditEvent.objects.filter(event_code="client.searched").exists()  # the export is the entry
    # R-AUD-3: the exported client's own access history names the export; the others' do not.
    with scope(workspace=team.workspace):
        exported = Client.objects.get(last_name="de Vries")
        others = list(Client.objects.exclude(pk=exported.pk))
        [entry] = selectors.access_history(exported).filter(event_code="client.exported")
        assert (entry.user, entry.role, entry.via, entry.data) == (team.owner, "owner", "web",
                                                                   {"format": "csv", "list": True})
        assert all(not selectors.access_history(c).filter(event_code="client.exported").exists() for c in others)
    cancelled = csv_rows(browser.get(f"/w/{team.workspace.slug}/clients/export/?status=cancelled"))
    assert cancelled[1:] == []


def test_csv_cells_are_escaped_against_formula_injection(team, client):
    """R-CLI-10 / OWASP CSV injection: a cell starting with = + - @ tab or CR is prefixed with a quote;
    a plain value is untouched."""
    with scope(workspace=team.workspace):
        CustomField.objects.create(workspace=team.workspace, key="notitie", label="Notitie", field_type="text",
                                   builtin_section="care")
    hostile = {"=HYPERLINK(\"http://evil\")": "=1+1", "+31 boos": "+SUM(A1)", "-2+3": "-cmd", "@SUM(A1)": "@x",
               "\tTab": "\rCR"}
    for i, (city, note) in enumerate(hostile.items()):
        made = make(team, first_name=f"Hostile{i}", last_name="Aanval")
        # Stored as is (the validators strip a leading tab; the escaper must not rely on that).
        with scope(workspace=team.workspace):
            Client.objects.filter(pk=made.pk).update(city=city, custom={"notitie": note})
    make(team, first_name="Gewoon", last_name="Mens", city="Utrecht", custom={"notitie": "rustig"})
    rows = csv_rows(logged_in(client, team.owner).get(f"/w/{team.workspace.slug}/clients/export/"))
    city, note = rows[0].index("City"), rows[0].index("Notitie")
    cells = {row[city]: row[note] for row in rows[1:]}
    for raw_city, raw_note in hostile.items():
        assert cells["'" + raw_city] == "'" + raw_note
    assert cells["Utrecht"] == "rustig"
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_csv_streams_in_constant_queries(team, client):
    """R-CLI-10: rows are read in chunks with the care team prefetched per chunk — 3 or 40 clients cost the
    same queries (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = logged_in(client, team.owner)
    address = f"/w/{team.workspace.slug}/clients/export/"
    clinician = team.members["clinician"].pk

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(address)
            rows = csv_rows(response)
        return len(captured), len(rows) - 1

    for i in range(3):
        make(team, first_name=f"Klein{i}", last_name="Rij", clinician_ids=[clinician], tag_names=["A"])
    browser.get(address)  # warm-up
    small, small_rows = queries()
    for i in range(37):
        make(team, first_name=f"Groot{i}", last_name="Rij", clinician_ids=[clinician], tag_names=["B"])
    large, large_rows = queries()
    assert (small_rows, large_rows) == (3, 40)
    assert large == small


# --- one client's data (GDPR) ------------------------------------------------------------------------

@pytest.fixture
def record(team):
    """A client with everything a record holds: custom values (one sensitive, one of a retired field),
    tags, a clinician, a parent who is a client too, and an external contact."""
    workspace = team.workspace
    with scope(workspace=workspace):
        CustomField.objects.create(workspace=workspace, key="diagnose", label="Diagnosecode", field_type="text",
                                   builtin_section="personal", sensitive=True)
        CustomField.objects.create(workspace=workspace, key="verwijzer", label="Verwijzer", field_type="text",
                                   builtin_section="care")
        old = CustomField.objects.create(workspace=workspace, key="oud", label="Oud veld", field_type="text",
                                         builtin_section="care")
        child = client_make(team.access("owner"), first_name="Zoë", last_name="van Dijk", national_id=NATIONAL_ID,
                            date_of_birth="03-04-2015", email="zoe@example.test", phone="06 12345678",
                            street="Lange Voorhout 1", postal_code="2514 EA", city="Den Haag", country="NL",
                            language="nl", gender="female",
                            custom={"diagnose": SECRET, "verwijzer": VISIBLE, "oud": "bewaard"},
                            clinician_ids=[team.members["clinician"].pk], tag_names=["Wachtlijst"])
        old.retired_at = old.workspace.created_at
        old.save()
        parent = client_make(team.access("owner"), first_name="Anna", last_name="van Dijk", phone="0612345679")
        Relationship.objects.create(workspace=workspace, client=child, other_client=parent, kind="parent",
                                    emergency_contact=True)
        gp = Contact.objects.create(workspace=workspace, name="Dr. Huisarts", organisation="De Linde",
                                    phone="+31301234567")
        Relationship.objects.create(workspace=workspace, client=child, contact=gp, kind="referring_professional")
    return child, parent


def export(browser, team, client_id, fmt="json"):
    return browser.get(f"/w/{team.workspace.slug}/clients/{client_id}/export/?format={fmt}")


def test_json_export_holds_everything_including_the_access_history(team, client, record):
    """R-CLI-10 (GDPR art. 15): personal details, custom values (a retired field's too), tags, clinicians,
    relationships, contacts and the access history — which names this very export (R-AUD-3)."""
    child, parent = record
    browser = logged_in(client, team.owner)
    browser.get(f"/w/{team.workspace.slug}/clients/{child.pk}/")  # a view, to find in the history
    response = export(browser, team, child.pk)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["client"]["national_id"] == NATIONAL_ID and data["client"]["date_of_birth"] == "2015-04-03"
    assert data["client"]["phone"] == "+31612345678" and data["client"]["email"] == "zoe@example.test"
    assert {c["key"]: c["value"] for c in data["custom_fields"]} == {"diagnose": SECRET, "verwijzer": VISIBLE,
                                                                      "oud": "bewaard"}
    assert [c["retired"] for c in data["custom_fields"] if c["key"] == "oud"] == [True]
    assert data["tags"] == ["Wachtlijst"]
    assert [c["name"] for c in data["clinicians"]] == [team.member("clinician").display_name]
    kinds = {r["type"]: r for r in data["relationships"]}
    assert kinds["parent"]["client"] == {"id": parent.pk, "name": "Anna van Dijk"}
    assert kinds["parent"]["emergency_contact"] is True
    assert [c["name"] for c in data["contacts"]] == ["Dr. Huisarts"]
    assert kinds["referring_professional"]["contact"] == data["contacts"][0]["id"]
    history = [(e["event"], e["user"], e["role"]) for e in data["access_history"]]
    assert history[0] == ("client.exported", team.owner.display_name, "owner")
    assert ("client.viewed", team.owner.display_name, "owner") in history and history[-1][0] == "client.created"
    assert "withheld" not in data
    # The parent's export shows the reciprocal type.
    assert [r["type"] for r in json.loads(export(browser, team, parent.pk).content)["relationships"]] == ["child"]


def test_json_export_without_clients_sensitive_leaves_sensitive_values_out(team, client, record):
    """R-ROLE-3: an assistant (clients.manage, no clients.sensitive, no audit.view) exports without the
    national identifier, the sensitive custom value and the access history — absent, not null."""
    child, _parent = record
    response = export(logged_in(client, team.assistant), team, child.pk)
    assert response.status_code == 200
    body = response.content.decode()
    assert NATIONAL_ID not in body and SECRET not in body and "Diagnosecode" not in body
    data = json.loads(body)
    assert "national_id" not in data["client"] and "access_history" not in data
    assert data["withheld"] == ["national_id", "sensitive_custom_fields", "access_history"]
    assert {c["key"] for c in data["custom_fields"]} == {"verwijzer", "oud"}
    fhir_body = export(logged_in(client, team.assistant), team, child.pk, "fhir").content.decode()
    assert NATIONAL_ID not in fhir_body


def test_export_needs_clients_manage_and_a_visible_client(team, client, record, make_user):
    """R-CLI-10 / R-ROLE-4: staff (no clients.manage) get an audited 403; a missing or another workspace's
    client the same 404; nothing is exported either way."""
    from praxis.testing.team import build_team

    child, _parent = record
    assert export(logged_in(client, team.staff), team, child.pk).status_code == 403
    refused = AuditEvent.objects.filter(outcome="refused").latest("pk")
    assert refused.user == team.staff and refused.permission == "clients.manage"
    other = build_team(make_user, name="Andere Praktijk", label="B")
    with scope(workspace=other.workspace):
        theirs = client_make(other.access("owner"), first_name="Niet", last_name="Jouw")
    owner = logged_in(client, team.owner)
    assert export(owner, team, theirs.pk).status_code == 404
    assert export(owner, team, 99_999_999).status_code == 404
    assert export(owner, team, child.pk, "xml").status_code == 400
    assert not AuditEvent.objects.filter(event_code="client.exported", outcome="success").exists()


def test_team_clinician_cannot_export_an_unassigned_client(make_user, client):
    """R-WS-2: in a `team` workspace a clinician exports only the clients assigned to them."""
    from praxis.testing.team import build_team

    team = build_team(make_user, tier="team")
    mine = make(team, first_name="Mijn", last_name="Cliënt", clinician_ids=[team.members["clinician"].pk])
    other = make(team, first_name="Andermans", last_name="Cliënt")
    browser = logged_in(client, team.clinician)
    assert export(browser, team, mine.pk).status_code == 200
    assert export(browser, team, other.pk).status_code == 404
    rows = csv_rows(browser.get(f"/w/{team.workspace.slug}/clients/export/"))
    assert [row[rows[0].index("First name")] for row in rows[1:]] == ["Mijn"]


def test_fhir_bundle_validates_as_r4_with_patient_and_related_persons(team, client, record):
    """R-CLI-10: the Bundle is a valid FHIR R4 `collection` (fhir.resources R4B): the Patient with the BSN
    for a member with clients.sensitive, a RelatedPerson per relationship pointing at the Patient."""
    child, parent = record
    response = export(logged_in(client, team.owner), team, child.pk, "fhir")
    assert response["Content-Type"].startswith("application/fhir+json")
    data = json.loads(response.content)
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    resources = [entry["resource"] for entry in data["entry"]]
    assert [r["resourceType"] for r in resources] == ["Patient", "RelatedPerson", "RelatedPerson"]
    patient = Patient.model_validate(resources[0])
    assert patient.birthDate.isoformat() == "2015-04-03" and patient.gender == "female"
    assert {"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": NATIONAL_ID, "use": "official"} in \
        resources[0]["identifier"]
    assert resources[0]["name"][0] == {"use": "official", "family": "van Dijk", "given": ["Zoë"]}
    assert {"system": "phone", "value": "+31612345678"} in resources[0]["telecom"]
    for related in resources[1:]:
        RelatedPerson.model_validate(related)
        assert related["patient"]["reference"] == data["entry"][0]["fullUrl"]
    codes = [c["code"] for r in resources[1:] for concept in r["relationship"] for c in concept.get("coding", [])]
    assert {"PRN", "C", "PR"} <= set(codes)
    assert resources[1]["name"] == [{"family": "van Dijk", "given": ["Anna"]}]
    event = AuditEvent.objects.get(event_code="client.exported")
    assert event.client_id == str(child.pk) and event.data["format"] == "fhir"


# --- the API -----------------------------------------------------------------------------------------

def test_api_export_json_and_fhir(team, client, record):
    """R-CLI-10, SPEC §13: `clients/{id}/export?format=json|fhir`, audited per call; 403 for staff; an
    unknown format is a 422 with the error envelope."""
    child, _parent = record
    base = f"/api/v1/workspaces/{team.workspace.slug}/clients/{child.pk}/export"
    owner = logged_in(client, team.owner)
    data = owner.get(base).json()
    assert data["client"]["national_id"] == NATIONAL_ID and data["access_history"][0]["event"] == "client.exported"
    fhir = owner.get(base + "?format=fhir")
    assert fhir.status_code == 200 and fhir["Content-Type"].startswith("application/fhir+json")
    Bundle.model_validate(fhir.json())
    bad = owner.get(base + "?format=xml")
    assert bad.status_code == 422 and {"detail", "code"} <= bad.json().keys()
    events = AuditEvent.objects.filter(event_code="client.exported")
    assert events.count() == 2 and set(events.values_list("via", flat=True)) == {"api"}
    assert logged_in(client, team.staff).get(base).status_code == 403


# --- manage.py export_fhir ---------------------------------------------------------------------------

def _ndjson(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_fhir_writes_bulk_ndjson_that_validates(team, record, tmp_path):
    """R-CLI-10: one resource type per file, one resource per line, every one valid R4; a client-to-client
    link is a RelatedPerson on each side; the run is one audit entry (R-AUD-1)."""
    child, parent = record
    out = tmp_path / "export"
    call_command("export_fhir", team.workspace.slug, "--out", str(out), stdout=io.StringIO())
    # Appointment.ndjson: contributed by the scheduling app (`fhir.contribute`; its own test fills it).
    assert sorted(p.name for p in out.iterdir()) == ["Appointment.ndjson", "Patient.ndjson", "RelatedPerson.ndjson"]
    patients = _ndjson(out / "Patient.ndjson")
    assert {p["id"] for p in patients} == {str(child.pk), str(parent.pk)}
    for resource in patients:
        assert resource["resourceType"] == "Patient"
        Patient.model_validate(resource)
    related = _ndjson(out / "RelatedPerson.ndjson")
    for resource in related:
        assert resource["resourceType"] == "RelatedPerson"
        RelatedPerson.model_validate(resource)
    assert sorted(r["patient"]["reference"] for r in related) == sorted(
        [f"Patient/{child.pk}", f"Patient/{child.pk}", f"Patient/{parent.pk}"])
    assert len({r["id"] for r in related}) == 3
    event = AuditEvent.objects.get(event_code="clients.exported")
    assert event.via == "command" and event.workspace == team.workspace
    assert event.data["resources"] == {"Patient": 2, "RelatedPerson": 3, "Appointment": 0}

    one = tmp_path / "one"
    call_command("export_fhir", team.workspace.slug, "--client", str(parent.pk), "--out", str(one),
                 stdout=io.StringIO())
    assert [p["id"] for p in _ndjson(one / "Patient.ndjson")] == [str(parent.pk)]
    [link] = _ndjson(one / "RelatedPerson.ndjson")
    assert link["patient"]["reference"] == f"Patient/{parent.pk}"
    assert link["relationship"][0]["coding"][0]["code"] == "CHILD"  # the reciprocal type
    assert AuditEvent.objects.filter(event_code="clients.exported", client_id=str(parent.pk)).count() == 1


def test_export_fhir_refuses_unknown_workspace_and_client(team, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_fhir", "no-such-workspace", "--out", str(tmp_path))
    with pytest.raises(CommandError):
        call_command("export_fhir", team.workspace.slug, "--client", "99999999", "--out", str(tmp_path))
    assert not list(tmp_path.glob("*.ndjson"))
