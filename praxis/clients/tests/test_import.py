"""Client import (R-CLI-9): reading messy files, the exact report, XLSX, the command, mapping rules,
every custom-field type with the form's message, the limit, audit (R-AUD-1) and sensitive fields
(R-ROLE-3)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_scopes import scope, scopes_disabled

from praxis.audit import services as audit_services
from praxis.audit.models import AuditEvent
from praxis.clients import customfields, fields, search, selectors
from praxis.clients.imports import mapping, reading
from praxis.clients.models import Client, CustomField, CustomSection, ImportJob
from praxis.core.errors import ServiceError

from .factories import client_make
from .field_samples import SAMPLES, Sample, file_cell

pytestmark = pytest.mark.django_db

HEADER = ["Voornaam", "Achternaam", "Geboortedatum", "E-mailadres", "Telefoon", "Woonplaats", "Opmerking"]
# Each entry is one physical line of the file after the header; None is a blank line.
ROWS: list[list[str] | None] = [
    ["Zoë", "Müller", "12-03-1985", "zoe@example.nl", "06 12345678", "Utrecht", "eerste; met, tekens"],  # 2
    None,                                                                                                 # 3
    ["Jan", "de Vries", "31-02-1990", "jan@example.nl", "", "Amsterdam", ""],                             # 4
    ["Anna", "Janssen", "1990-07-01", " ANNA@Example.nl ", "+31 6 1234 5679", "Den Haag", ""],             # 5
    ["Zoë", "Müller", "12.03.1985", "zoe@example.nl", "", "Utrecht", ""],                                 # 6
    None,                                                                                                 # 7
    ["Piet", "Bakker", "05/06/1975", "piet@", "0612345", "Rotterdam", ""],                                # 8
    ["Émile", "Dubois", "1988-13-01", "emile@example.be", "", "Brussel", ""],                             # 9
    ["ANNA", "janssen", "01-07-1990", "", "", "Den Haag", ""],                                            # 10
    ["", "Leeg", "01-01-2000", "leeg@example.nl", "", "", ""],                                            # 11
    ["Fenna", "Visser", "03/04/2020", "fenna@example.nl", "", "Groningen", ""],                           # 12
    ["Toekomst", "Kind", "01-01-2099", "kind@example.nl", "", "", ""],                                    # 13
    ["Kees", "Bestaand", "", "KEES@example.nl", "", "", ""],                                              # 14
]
DATE = "Enter a valid date, e.g. 31-12-1980."


def expected_report(existing_id: int, *, imported: int = 0) -> dict:
    return {
        "rows": 11,
        "importable": 3,
        "imported": imported,
        "invalid": [
            {"line": 4, "column": "Geboortedatum", "reason": DATE},
            {"line": 8, "column": "E-mailadres", "reason": "Enter a valid e-mail address."},
            {"line": 8, "column": "Telefoon", "reason": "Enter a valid phone number, e.g. +31 6 12345678."},
            {"line": 9, "column": "Geboortedatum", "reason": DATE},
            {"line": 11, "column": "Voornaam", "reason": "This field is required."},
            {"line": 13, "column": "Geboortedatum", "reason": "The date of birth cannot be in the future."},
        ],
        "duplicates": [
            {"line": 6, "duplicate_of_line": 2, "duplicate_of_client": None, "by": "email"},
            {"line": 10, "duplicate_of_line": 5, "duplicate_of_client": None, "by": "name_dob"},
            {"line": 14, "duplicate_of_line": None, "duplicate_of_client": existing_id, "by": "email"},
        ],
    }


def messy_bytes(*, delimiter: str = ";", encoding: str = "utf-8-sig", newline: str = "\r\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(HEADER)
    for row in ROWS:
        if row is None:
            out.write(newline)
        else:
            writer.writerow(row)
    return out.getvalue().encode(encoding)


def mixed_encodings() -> bytes:
    """A UTF-8 file (with BOM) whose line 9 was pasted from a Windows-1252 export ("Émile" as byte 0xC9)."""
    lines = messy_bytes(delimiter=",", encoding="utf-8-sig", newline="\n").split(b"\n")
    lines[8] = lines[8].decode("utf-8").encode("cp1252")
    return b"\n".join(lines)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def existing(team):
    with scope(workspace=team.workspace):
        return client_make(team.access("owner"), first_name="Kees", last_name="Bestaand", email="kees@example.nl")


def run(team, path, *args) -> dict:
    out = io.StringIO()
    call_command("import_clients", team.workspace.slug, str(path), "--json", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def clients_of(team):
    with scopes_disabled():
        return Client.objects.filter(workspace=team.workspace)


def names_csv(path, count: int):
    """A CSV of `count` importable clients (first and last name only), at `path`."""
    path.write_text("First name,Last name\n" + "".join(f"Client{i},Test\n" for i in range(count)))
    return path


def upload(access, path):
    """`path` uploaded as a new import job (inside the caller's workspace scope)."""
    from django.core.files import File

    from praxis.clients.imports import services as imports

    with path.open("rb") as handle:
        return imports.import_upload(access=access, filename=path.name, content=File(handle, name=path.name))


VARIANTS = {
    "utf8-bom-semicolon-crlf": lambda: messy_bytes(),
    "cp1252-comma-lf": lambda: messy_bytes(delimiter=",", encoding="cp1252", newline="\n"),
    "latin1-pipe-crlf": lambda: messy_bytes(delimiter="|", encoding="latin-1"),
    "utf16-tab-crlf": lambda: messy_bytes(delimiter="\t", encoding="utf-16"),
    "utf8-and-cp1252-lines": mixed_encodings,
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_messy_file_gives_the_exact_report(team, existing, tmp_path, variant):
    """R-CLI-9: delimiters , ; tab |, BOM, CRLF, blank lines (counted as lines), quoted cells, encodings
    UTF-8/UTF-16/Windows-1252/Latin-1 (and both in one file), Dutch headers, impossible and future dates,
    duplicates within the file (e-mail; name + date of birth) and against an existing client; the dry run
    imports nothing."""
    path = tmp_path / "clients.csv"
    path.write_bytes(VARIANTS[variant]())
    assert run(team, path, "--dry-run") == expected_report(existing.pk)
    assert clients_of(team).count() == 1
    with scopes_disabled():
        assert AuditEvent.objects.filter(event_code="clients.import_checked").count() == 1  # R-AUD-1


def test_commit_imports_the_importable_rows_with_search_text_and_audit(team, existing, tmp_path):
    """R-CLI-9, R-CLI-8, R-AUD-1: the commit writes exactly the importable rows (first occurrences kept),
    values normalised like every other write path, search text filled, one `clients.imported` entry plus
    a `client.created` entry per client."""
    path = tmp_path / "clients.csv"
    path.write_bytes(messy_bytes())
    assert run(team, path) == expected_report(existing.pk, imported=3)
    with scopes_disabled():
        rows = {c.first_name: c for c in clients_of(team).exclude(pk=existing.pk)}
        assert sorted(rows) == ["Anna", "Fenna", "Zoë"]
        zoe, anna, fenna = rows["Zoë"], rows["Anna"], rows["Fenna"]
        assert (zoe.phone, zoe.date_of_birth, zoe.city) == ("+31612345678", dt.date(1985, 3, 12), "Utrecht")
        assert anna.email == "anna@example.nl"
        assert fenna.date_of_birth == dt.date(2020, 4, 3)  # 03/04/2020 in an NL workspace: 3 April
        assert zoe.search_text == search.search_text_for(zoe) and "muller" in zoe.search_text
        assert zoe.created_by == team.owner
        job = ImportJob.objects.get(workspace=team.workspace)
        assert job.status == ImportJob.Status.DONE and job.imported == 3
        [entry] = AuditEvent.objects.filter(event_code="clients.imported")
        assert entry.data["imported"] == 3 and entry.object_id == str(job.pk) and entry.outcome == "success"
        created = AuditEvent.objects.filter(event_code="client.created", data__via="import")
        assert sorted(int(e.client_id) for e in created) == sorted(c.pk for c in rows.values())
        assert all(e.object_type == "clients.client" and e.object_id == e.client_id and e.user_id == team.owner.pk
                   for e in created)
        assert AuditEvent.objects.filter(event_code="clients.import_uploaded").count() == 1
        assert audit_services.verify_chain() == []  # the bulk-appended entries link and hash like any other
        # The raw insert feeds the search index (FTS5 triggers / pg_trgm) like every write path (R-CLI-8).
        found = selectors.matching(clients_of(team), "muller", workspace=team.workspace)
        assert list(found.values_list("pk", flat=True)) == [zoe.pk]
        assert list(selectors.matching(clients_of(team), "0612345678", workspace=team.workspace).values_list("pk", flat=True)) == [zoe.pk]
    if connection.vendor == "sqlite":  # the insert trigger the import set aside for its batches is back
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                           [search.SQLITE_INSERT_TRIGGER])
            assert cursor.fetchone()[0] == 1
        with scope(workspace=team.workspace):
            later = client_make(team.access("owner"), first_name="Later", last_name="Toegevoegd")
        assert list(selectors.matching(clients_of(team), "toegevoegd", workspace=team.workspace).values_list("pk", flat=True)) == [later.pk]
        # The planner has statistics of the grown table (`core.planner`), which its plans need.
        with connection.cursor() as cursor:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'clients_client' AND idx = 'client_list_order'")
            assert int(cursor.fetchone()[0].split()[0]) == clients_of(team).count() - 1  # before "Later"


def test_ambiguous_date_follows_the_workspace_country(team, tmp_path):
    """R-CLI-9: 03/04/2020 is 3 April in an NL workspace and 4 March in a US one."""
    from praxis.workspaces.models import Workspace

    with scopes_disabled():
        Workspace.objects.filter(pk=team.workspace.pk).update(country="US")
    path = tmp_path / "us.csv"
    path.write_text("First Name,Last Name,DOB\nFenna,Visser,03/04/2020\n")
    assert run(team, path)["imported"] == 1
    with scopes_disabled():
        assert Client.objects.get(first_name="Fenna").date_of_birth == dt.date(2020, 3, 4)


def test_the_same_rows_as_xlsx_give_the_same_report(team, existing, tmp_path):
    """R-CLI-9: XLSX read streaming; real date cells and text dates; line = sheet row number (blank rows
    count)."""
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in ROWS:
        if row is None:
            sheet.append([])
            continue
        cells: list = list(row)
        try:  # a valid dd-mm-yyyy date becomes a real date cell; the rest stays text
            day, month, year = (int(p) for p in row[2].split("-"))
            cells[2] = dt.date(year, month, day)
        except ValueError:
            pass
        sheet.append(cells)
    path = tmp_path / "clients.xlsx"
    workbook.save(path)
    assert run(team, path, "--dry-run") == expected_report(existing.pk)
    assert run(team, path)["imported"] == 3
    with scopes_disabled():
        assert Client.objects.get(first_name="Zoë").date_of_birth == dt.date(1985, 3, 12)


def test_excel_serial_dates_and_numbers(team, tmp_path):
    """R-CLI-9: an Excel serial (a number cell, or as text) is a date; a numeric postal code is text."""
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["First name", "Last name", "Date of birth", "Postcode"])
    sheet.append(["Ada", "Serial", 31118, 3511])  # 31118 = 1985-03-12
    sheet.append(["Bea", "Serial", "31119", 1000])
    path = tmp_path / "serial.xlsx"
    workbook.save(path)
    assert run(team, path)["imported"] == 2
    with scopes_disabled():
        ada = Client.objects.get(first_name="Ada")
        assert (ada.date_of_birth, ada.postal_code) == (dt.date(1985, 3, 12), "3511")
        assert Client.objects.get(first_name="Bea").date_of_birth == dt.date(1985, 3, 13)


def test_line_numbers_count_a_multiline_cell_from_its_first_line(team, tmp_path):
    """R-CLI-9: the header is line 1, a quoted cell over two lines keeps the next row's physical line."""
    path = tmp_path / "multi.csv"
    path.write_text('First name,Last name,Notes,DOB\nAda,One,"two\nlines",01-01-1980\nBea,Two,,31-02-1980\n')
    report = run(team, path, "--dry-run")
    assert report["invalid"] == [{"line": 4, "column": "DOB", "reason": DATE}]


def test_full_name_column_and_product_headers(team, tmp_path):
    """R-CLI-9: headers of practice-management exports (Cliniko's snake_case fields, SimplePractice's
    "Legal first name") map automatically; a single "Name" column is split."""
    assert mapping.auto_map(["first_name", "last_name", "preferred_first_name", "date_of_birth", "post_code",
                             "patient_phone_numbers", "Unknown"], []) == {
        "first_name": "first_name", "last_name": "last_name", "preferred_first_name": "preferred_name",
        "date_of_birth": "date_of_birth", "post_code": "postal_code", "patient_phone_numbers": "phone",
        "Unknown": ""}
    assert mapping.auto_map(["Legal first name", "Legal last name", "E-mail adres", "Geburtsdatum",
                             "Prénom", "Téléphone"], []) == {
        "Legal first name": "first_name", "Legal last name": "last_name", "E-mail adres": "email",
        "Geburtsdatum": "date_of_birth", "Prénom": "", "Téléphone": "phone"}
    path = tmp_path / "names.csv"
    path.write_text("Client full name,Email\nAnna de Vries,anna@example.nl\nVries, Bert,bert@example.nl\n")
    path.write_text('Client full name,Email\nAnna de Vries,anna@example.nl\n"Jansen, Bert",bert@example.nl\n')
    assert run(team, path)["imported"] == 2
    with scopes_disabled():
        assert (Client.objects.get(first_name="Anna").last_name, Client.objects.get(first_name="Bert").last_name) \
            == ("de Vries", "Jansen")


def test_mapping_file_overrides_and_unmapped_columns_are_ignored(team, tmp_path):
    """R-CLI-9: `--mapping` adjusts the proposal; a column mapped to nothing is not imported."""
    path = tmp_path / "c.csv"
    path.write_text("A,B,Woonplaats\nAda,Lovelace,Londen\n")
    mapping_file = tmp_path / "m.json"
    mapping_file.write_text(json.dumps({"A": "first_name", "B": "last_name", "Woonplaats": ""}))
    assert run(team, path, "--mapping", str(mapping_file))["imported"] == 1
    with scopes_disabled():
        assert Client.objects.get(first_name="Ada").city == ""


def test_names_must_be_mapped(team, tmp_path):
    """R-CLI-9: without a first and last name (or full name) column the import is refused with a reason."""
    path = tmp_path / "c.csv"
    path.write_text("Foo,Bar\n1,2\n")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_clients", team.workspace.slug, str(path), "--json", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["error"]["code"] == "names_unmapped"
    assert clients_of(team).count() == 0


def test_sniffing_and_encoding_detection():
    assert reading.sniff_delimiter('a;b;"c,d"') == ";"
    assert reading.sniff_delimiter("a|b|c") == "|"
    assert reading.sniff_delimiter("a\tb") == "\t"
    assert reading.sniff_delimiter("single") == ","
    assert reading.detect_encoding("é".encode("utf-8-sig")) == "utf-8-sig"
    assert reading.detect_encoding("a,b\n".encode("utf-16")) == "utf-16"
    assert reading.detect_encoding("Voornaam;Achternaam\nZoë;Müller;Émile\n".encode("cp1252")) in {"cp1252", "latin_1"}


def test_client_limit_refuses_the_whole_import(team, tmp_path, monkeypatch):
    """R-CLI-9, SPEC §4: an import past the account type's limit imports nothing, with the limit's message."""
    from praxis.clients import services as client_services

    monkeypatch.setattr(client_services, "workspace_account_type", lambda workspace: "free")
    path = tmp_path / "c.csv"
    path.write_text("First name,Last name\n" + "".join(f"Client{i},Test\n" for i in range(11)))
    out = io.StringIO()
    with pytest.raises(CommandError, match="10 active clients"):
        call_command("import_clients", team.workspace.slug, str(path), "--json", stdout=out, stderr=io.StringIO())
    assert clients_of(team).count() == 0
    with scopes_disabled():
        job = ImportJob.objects.get(workspace=team.workspace)
        assert job.status == ImportJob.Status.FAILED and "10 active clients" in job.error
        assert AuditEvent.objects.filter(event_code="clients.imported", outcome="error").count() == 1


def test_client_limit_passed_mid_stream_leaves_no_client_and_no_entry(team, tmp_path, monkeypatch):
    """R-CLI-9, SPEC §4, R-AUD-1: the commit writes while it checks, so the limit is checked before each
    batch; passed in a later batch (batches of 2: ten rows written, the eleventh refused), it is refused
    with the limit's message and the rows already written go with the rollback — no client, no
    `client.created` entry; the refusal is logged and the chain verifies."""
    from praxis.clients import services as client_services
    from praxis.clients.imports import services as imports

    monkeypatch.setattr(client_services, "workspace_account_type", lambda workspace: "free")
    monkeypatch.setattr(imports, "BATCH", 2)
    seen: list[dict] = []
    access = team.access("owner")
    with scope(workspace=team.workspace):
        job = upload(access, names_csv(tmp_path / "c.csv", 11))
        with pytest.raises(ServiceError, match="10 active clients"):
            imports.import_commit(access=access, job_id=job.pk, on_progress=seen.append)
    assert max(v["imported"] for v in seen) == 10  # written before the refusal, then rolled back
    assert clients_of(team).count() == 0
    with scopes_disabled():
        assert not AuditEvent.objects.filter(event_code="client.created").exists()
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED and "10 active clients" in job.error
        assert AuditEvent.objects.filter(event_code="clients.imported", outcome="error").count() == 1
        assert audit_services.verify_chain() == []


def test_failure_mid_stream_leaves_no_client_and_no_entry(team, tmp_path, monkeypatch):
    """R-CLI-9, R-AUD-1: a failure in the write step while the check is still reading the file (`fail_at`
    in the third of many batches) stops the checking thread and leaves nothing: no client, no
    `client.created` entry; so does an error raised by the check itself (a row of the file that cannot be
    read, after batches were written)."""
    from praxis.clients.imports import services as imports

    monkeypatch.setattr(imports, "BATCH", 2)
    seen: list[dict] = []
    access = team.access("owner")
    with scope(workspace=team.workspace):
        job = upload(access, names_csv(tmp_path / "c.csv", 40))
        with pytest.raises(RuntimeError, match="row 6"):
            imports.import_commit(access=access, job_id=job.pk, fail_at=6, on_progress=seen.append)
        assert max(v["imported"] for v in seen) == 5
        assert clients_of(team).count() == 0
        with scopes_disabled():
            assert not AuditEvent.objects.filter(event_code="client.created").exists()

        broken = tmp_path / "broken.csv"
        broken.write_bytes(b"First name,Last name\n" + b"".join(b"Client%d,Test\n" % i for i in range(20))
                           + b'"unclosed,Test\n' + b"x" * (200 * 1024))
        job = upload(access, broken)
        seen.clear()
        with pytest.raises(ServiceError) as failed:
            imports.import_commit(access=access, job_id=job.pk, on_progress=seen.append)
        assert failed.value.code == "unreadable_file"
        assert max(v["imported"] for v in seen) == 20  # every batch before the bad line was written
    assert clients_of(team).count() == 0
    with scopes_disabled():
        assert not AuditEvent.objects.filter(event_code="client.created").exists()
        assert audit_services.verify_chain() == []


def test_sensitive_fields_refused_for_member_without_clients_sensitive(team, tmp_path):
    """R-ROLE-3: a member without `clients.sensitive` may not map a column to the national identifier or
    a sensitive custom field: refused (403, audited), nothing imported; auto-mapping never proposes it."""
    from praxis.clients.imports import services as imports
    from praxis.core.errors import PermissionDenied

    with scope(workspace=team.workspace):
        section = CustomSection.objects.create(workspace=team.workspace, name="Zorg")
        CustomField.objects.create(workspace=team.workspace, key="diagnose", label="Diagnose", field_type="text",
                                   section=section, sensitive=True)
    path = tmp_path / "c.csv"
    path.write_text("Voornaam,Achternaam,Diagnose,BSN\nAda,Lovelace,x,123\n")
    access = team.access("assistant")  # clients.manage without clients.sensitive
    with scope(workspace=team.workspace), path.open("rb") as handle:
        from django.core.files import File

        job = imports.import_upload(access=team.access("owner"), filename="c.csv", content=File(handle))
        assert job.mapping["Diagnose"] == "custom.diagnose" and job.mapping["BSN"] == "national_id"
        handle.seek(0)
        own = imports.import_upload(access=access, filename="c.csv", content=File(handle))
        assert own.mapping["Diagnose"] == "" and own.mapping["BSN"] == ""
        with pytest.raises(PermissionDenied):
            imports.import_map(access=access, job_id=job.pk, columns={"Diagnose": "custom.diagnose"})
        with pytest.raises(PermissionDenied):
            imports.import_commit(access=access, job_id=job.pk)
    assert clients_of(team).count() == 0
    with scopes_disabled():
        assert AuditEvent.objects.filter(event_code="clients.import_mapped", outcome="refused").count() == 1
        assert AuditEvent.objects.filter(event_code="clients.imported", outcome="refused").count() == 1


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_every_custom_field_type_through_import_with_the_form_message(team, tmp_path, sample: Sample):
    """R-CLI-9, R-CLI-2: each custom-field type, through an import, stores what the form and the API store
    for the valid sample and refuses the invalid one with the message they give (`field_samples.py`, which
    `test_customfields` holds the form and the API to), on the line and column of the bad cell."""
    with scope(workspace=team.workspace):
        customfields.field_create(access=team.access("owner"), label=sample.label, field_type=sample.field_type,
                                  builtin_section="personal", **sample.definition)
    path = tmp_path / "custom.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        writer.writerow(["First name", "Last name", sample.label])
        writer.writerow(["Goed", "Voorbeeld", file_cell(sample.valid.raw)])
        writer.writerow(["Fout", "Voorbeeld", file_cell(sample.invalid.raw)])
    bad_line = 3 + str(file_cell(sample.valid.raw)).count("\n")  # a multi-line cell counts from its first line
    report = run(team, path)
    assert report["invalid"] == [{"line": bad_line, "column": sample.label, "reason": sample.invalid.message}]
    assert (report["rows"], report["imported"]) == (2, 1)
    [client] = clients_of(team)
    assert client.first_name == "Goed" and client.custom[sample.key] == sample.valid.stored
    with pytest.raises(ServiceError) as refused:  # the one validator every path calls gives that message
        with scopes_disabled():
            fields.clean_custom_value(CustomField.objects.get(workspace=team.workspace, key=sample.key),
                                      sample.invalid.api, country="NL")
    assert (refused.value.code, refused.value.message) == (sample.invalid.code, sample.invalid.message)


def test_e164_fast_path_is_the_number_parse_gives():
    """R-CLI-9, R-CLI-1: an already-E.164 phone is built without `phonenumbers.parse` only when parse
    would read it the same way — over every country code, the same `PhoneNumber`, the same verdict and
    the same stored value and message as the parse path."""
    import random

    import phonenumbers

    rng = random.Random(9)
    built = 0
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        for _ in range(25):
            national = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(5, 11)))
            value = f"+{code}{national}"[:16]
            number = fields.e164_number(value)
            if number is None:
                continue
            built += 1
            assert number == phonenumbers.parse(value, "NL"), value
    assert built > 4000
    assert fields.e164_number("+310612345678") is None  # a national prefix after the country code: parse decides
    assert fields.clean_phone("+310612345678", country="NL") == "+31612345678"
    assert fields.clean_phone("0031612345678", country="BE") == "+31612345678"
    with pytest.raises(ServiceError, match="Enter a valid phone number"):
        fields.clean_phone("+31123", country="NL")


def test_national_fast_path_is_the_number_parse_gives():
    """R-CLI-9, R-CLI-1: a phone in national notation ("06 12345678") is built without
    `phonenumbers.parse` only in the plain case, and used only when valid: over every region's example
    numbers it is the `PhoneNumber` parse gives; other notations go through parse as before."""
    import random

    import phonenumbers

    rng = random.Random(5)
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number(region)
        prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix
        if example is None or not prefix:
            continue
        for _ in range(10):
            national = str(example.national_number)[:-2] + f"{rng.randint(0, 99):02d}"
            value = prefix + national
            number = fields.national_number(value, region=region)
            if number is not None and phonenumbers.is_valid_number(number):
                checked += 1
                assert number == phonenumbers.parse(value, region), (region, value)
    assert checked > 1000
    assert fields.clean_phone("06 12345678", country="NL") == "+31612345678"
    assert fields.clean_phone("(06) 1234-5678", country="NL") == "+31612345678"  # parse's way
    assert fields.national_number("31612345678", region="NL") is None  # may carry the country code
    with pytest.raises(ServiceError, match="Enter a valid phone number"):
        fields.clean_phone("06 123", country="NL")


# --- the import's per-column rules are the rules every path uses (R-CLI-9, R-CLI-1, R-CLI-2) -----------

CELLS: list = [
    "", " ", "Zoë", "  de   Vries ", "A" * 151, "x\x01y", "tab\there", "line\nbreak", "12-03-1985", "1985-03-12",
    "31-02-1990", "03/04/2020", "01-01-2099", "1879-12-31", "30000", "12-03-1985 10:00", "female", "Female", "x",
    "zoe@example.nl", " ZOE@Example.NL ", "bad@", "a`b@example.nl", "x@bücher.de", "q@[127.0.0.1]", "q@localhost",
    "06 12345678", "+31 6 1234 5678", "0031612345678", "(06) 1234-5678", "0612", "+31123", "+32 470 12 34 56", "nl",
    "NL", "NLD", "en", "1234 ab", "x" * 201, 0, 1, 72, 30000, 1.0, 72.5, -3, True, False, None, [], ["a"], {},
    dt.date(1985, 3, 12), dt.datetime(1985, 3, 12, 10, 0, tzinfo=dt.UTC), dt.date(2099, 1, 1),
]


def _answer(clean, raw):
    try:
        return ("ok", clean(raw))
    except ServiceError as exc:
        return ("refused", exc.code, exc.message, exc.field)


def _rule_answer(target: str, raw):
    """What the one definition answers for a cell: `clean_values` (an XLSX date cell in a text column is
    read as its date, as the import always has)."""
    from praxis.clients import services

    if target == mapping.FULL_NAME:
        first, last = mapping.split_full_name(raw)
        return _answer(lambda _raw: services.clean_values({"first_name": first, "last_name": last}, country="NL"),
                       raw)
    if isinstance(raw, dt.datetime | dt.date) and target != "date_of_birth":
        raw = raw.isoformat()[:10]
    return _answer(lambda value: services.clean_values({target: value}, country="NL")[target], raw)


def _custom_definitions() -> dict[str, CustomField]:
    definitions = {}
    for sample in SAMPLES:
        for required in (False, True):
            definition = CustomField(key=f"{sample.key}_{int(required)}", label=sample.label,
                                     field_type=sample.field_type, **{**sample.definition, "required": required})
            definitions[definition.key] = definition
    return definitions


@pytest.mark.parametrize("target", [*fields.BUILTIN_FIELDS, mapping.FULL_NAME, "no_such_field"])
def test_column_cleaners_answer_as_clean_values(target):
    """R-CLI-9: the rule an import binds to a built-in column gives, for every cell, the value or the
    refusal (code, message, field) `services.clean_values` gives — the form's and the API's answer."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from praxis.clients.imports import engine

    clean = engine._cleaner(target, country="NL", custom={})
    for raw in CELLS:
        assert _answer(clean, raw) == _rule_answer(target, raw), raw

    @settings(max_examples=150, deadline=None)
    @given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.dates(), st.emails(),
                     st.from_regex(r"\+?[0-9 ()-]{4,16}", fullmatch=True)))
    def same(raw):
        assert _answer(clean, raw) == _rule_answer(target, raw)

    same()


def test_custom_column_cleaners_answer_as_clean_custom_value():
    """R-CLI-9, R-CLI-2: a custom column's rule is `fields.clean_custom_value`, for every type, required
    or not, on the samples every path is held to and on the cells above."""
    from praxis.clients.imports import engine

    definitions = _custom_definitions()
    samples = [value for sample in SAMPLES for value in (sample.valid.raw, sample.invalid.raw,
                                                        sample.valid.api, sample.invalid.api)]
    for key, definition in definitions.items():
        clean = engine._cleaner(f"custom.{key}", country="NL", custom=definitions)
        for raw in [*CELLS, *samples]:
            expected = _answer(lambda value, definition=definition: fields.clean_custom_value(
                definition, value, country="NL"), raw)
            assert _answer(clean, raw) == expected, (key, raw)


def test_memoised_columns_answer_as_unmemoised_ones():
    """R-CLI-9: a column's memo (keyed by the cell, its type apart: "1", 1, 1.0 and True are different
    cells) changes no answer, also after it gives up on a column whose values do not repeat."""
    from praxis.clients.imports import engine

    definitions = _custom_definitions()
    header = [*fields.BUILTIN_FIELDS, *(f"custom.{key}" for key in definitions)]
    plan = engine.Plan.build(header, {name: name for name in header}, list(definitions.values()))
    memoised, plain = engine._columns(plan, country="NL"), engine._columns(plan, country="NL", memoise=False)
    values = [*CELLS[:-6], "1", 1, 1.0, True, "0", 0, 0.0, False]  # no unhashable cell: a CSV or XLSX has none
    for number in range(engine._Memo.PROBE + 500):
        row = [values[(number * (column + 3) + column) % len(values)] for column in range(len(header))]
        if number > 300:  # a column of unique values: its memo is dropped after the probe
            row[header.index("last_name")] = f"Jansen {number}"
        if number % 7 == 0:
            row = row[:number % len(header)]  # a short row: its missing cells are empty
        assert engine._clean_row(memoised, row) == engine._clean_row(plain, row), number
    last_name = next(column for column in memoised if column.key == "last_name")
    assert last_name.memo is None
    assert next(column for column in memoised if column.key == "gender").memo is not None


def test_email_rule_is_djangos():
    """R-CLI-1: `fields` keeps Django's e-mail rule (compiled once, the domain verdict remembered): the same
    verdict as `django.core.validators.validate_email` on every input."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from hypothesis import given, settings
    from hypothesis import strategies as st

    def verdict(validate, value):
        try:
            validate(value)
        except ValidationError:
            return False
        return True

    table = ["a@example.nl", "a.b+c@sub.example.co.uk", "bad@", "@example.nl", "a@b", "a@localhost", "a@[127.0.0.1]",
             "a@[::1]", "a@[999.1.1.1]", '"quoted"@example.nl', "a`b@example.nl", "ſ@example.nl", "K@example.nl",
             "a@bücher.de", "a..b@example.nl", "a@-example.nl", "a@example.nl\n", "a" * 65 + "@example.nl",
             "a@" + "b" * 64 + ".nl", "ab@example.n1"]

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.emails(), st.text(), st.sampled_from(table),
                     st.builds(lambda user, domain: f"{user}@{domain}", st.text(max_size=12), st.text(max_size=12))))
    def same(value):
        assert verdict(fields._validate_email, value) == verdict(validate_email, value), value

    for value in table:
        assert verdict(fields._validate_email, value) == verdict(validate_email, value), value
    same()


def test_streamed_batches_write_every_row_in_order(team, existing, tmp_path, monkeypatch):
    """R-CLI-9: the commit checks in a thread of its own and writes what it checked in batches of
    `services.BATCH` as they come: with batches of 2 rows (3 importable: a full batch and a rest) the
    rows streamed are the importable ones in the file's order, the report is the dry run's, and the
    commit imports exactly those, each with its audit entry (the chain verifiable)."""
    from praxis.clients.imports import engine
    from praxis.clients.imports import services as imports

    path = tmp_path / "clients.csv"
    path.write_bytes(messy_bytes())
    table = reading.open_table(str(path), filename="clients.csv")
    with scopes_disabled():
        definitions = list(team.workspace.client_fields.all())
        accepted = mapping.auto_map(table.header, definitions)
        checker = engine.Checker(workspace=team.workspace, table=table, mapping=accepted, definitions=definitions)
        streamed = engine.Report()
        rows = list(checker.stream(streamed))
        dry = checker.run()
    assert [row[0] for row in rows] == [2, 5, 12]  # the importable lines
    assert streamed.as_json() == dry.as_json()
    monkeypatch.setattr(imports, "BATCH", 2)
    assert run(team, path) == expected_report(existing.pk, imported=3)
    with scopes_disabled():
        assert sorted(clients_of(team).exclude(pk=existing.pk).values_list("first_name", flat=True)) == [
            "Anna", "Fenna", "Zoë"]
        assert AuditEvent.objects.filter(event_code="client.created", data__via="import").count() == 3
        assert audit_services.verify_chain() == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
def test_import_gives_its_connection_back_with_its_page_cache(team, tmp_path):
    """R-CLI-9: the import raises this connection's page cache while it writes (`SQLITE_IMPORT_CACHE_KIB`)
    and restores the size it found, also when the import fails."""
    from praxis.clients.imports import services as imports

    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return int(cursor.fetchone()[0])

    before = cache_size()
    assert before != -imports.SQLITE_IMPORT_CACHE_KIB
    seen = []
    with imports._sqlite_page_cache():
        seen.append(cache_size())
    with pytest.raises(RuntimeError), imports._sqlite_page_cache():
        raise RuntimeError
    assert seen == [-imports.SQLITE_IMPORT_CACHE_KIB] and cache_size() == before
    path = tmp_path / "clients.csv"
    path.write_bytes(messy_bytes())
    run(team, path)
    assert cache_size() == before


def test_allocated_ids_are_new_and_reserved(team, existing):
    """R-CLI-9: `bulk.allocate_ids` gives new, distinct primary keys above every used one; on PostgreSQL
    drawn from the table's sequence (looked up once), so a later ordinary insert never gets one of them."""
    from django.db import transaction

    from praxis.core import bulk

    with transaction.atomic():
        ids = bulk.allocate_ids(Client, 3)
        assert len(set(ids)) == 3 and min(ids) > existing.pk and bulk.allocate_ids(Client, 0) == []
        if connection.vendor == "postgresql":
            with scope(workspace=team.workspace):
                later = client_make(team.access("owner"), first_name="Later", last_name="Na")
            assert later.pk > max(ids)


def test_the_command_progress_bar_names_the_one_pass_import():
    """`manage.py import_clients` draws the commit's single pass as "importing" (rows of the file read,
    checked and written) and a dry run as "checking"."""
    import io

    from praxis.clients.management.commands.import_clients import ProgressBar

    out = io.StringIO()
    bar = ProgressBar(out)
    bar.draw({"phase": "importing", "rows_total": 200, "rows_done": 50, "imported": 48})
    assert out.getvalue().startswith("\rimporting [") and out.getvalue().endswith("] 50/200 rows")
    bar.draw({"phase": "checking", "rows_total": 200, "rows_done": 200})
    assert out.getvalue().endswith("\rchecking  [" + "#" * 30 + "] 200/200 rows")


@pytest.mark.postgres
def test_import_leaves_the_search_index_without_pending_entries(team, tmp_path):
    """R-CLI-8/9, PostgreSQL: entries a bulk write leaves in the GIN index's pending list are read by
    every search until merged; the import merges them once it has committed (`search.settle_index`)."""
    from praxis.clients.imports import services as imports

    def pending_pages() -> int:  # merges what is pending and says how many pages it was
        with connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [search.POSTGRES_INDEX])
            return cursor.fetchone()[0]

    access = team.access("owner")
    pending_pages()
    with scope(workspace=team.workspace):
        client_make(access, first_name="Ada", last_name="Lovelace")
    assert pending_pages() > 0  # an ordinary write goes to the pending list: the check below can fail
    with scope(workspace=team.workspace):
        job = upload(access, names_csv(tmp_path / "c.csv", 40))
        assert imports.import_commit(access=access, job_id=job.pk).imported == 40
    assert pending_pages() == 0
