"""Client import in the browser and the API (R-CLI-9, R-ROLE-3, R-AUD-1): upload → mapping → dry run →
commit as a task → progress; the recent imports list; the API in the report's JSON shape."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from praxis.clients.models import Client, ImportJob

pytestmark = pytest.mark.django_db

CSV = ("Voornaam;Achternaam;Geboortedatum;E-mailadres;Hobby\r\n"
       "Zoë;Müller;12-03-1985;zoe@example.nl;zeilen\r\n"
       "Jan;de Vries;31-02-1990;jan@example.nl;\r\n"
       "Zoë;Müller;12-03-1985;zoe@example.nl;\r\n").encode("utf-8-sig")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def login(client, user):
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def test_browser_flow_upload_mapping_dry_run_commit(client, team, django_capture_on_commit_callbacks):
    """R-CLI-9: the mapping is shown with the unmapped columns; the dry run lists the invalid row with its
    line, column and reason and the duplicate; the commit runs as a task and the progress shows done."""
    login(client, team.owner)
    base = f"/w/{team.workspace.slug}/clients/import/"
    response = client.post(base, {"file": SimpleUploadedFile("oud.csv", CSV, content_type="text/csv")})
    assert response.status_code == 302
    with scopes_disabled():
        job = ImportJob.objects.get(workspace=team.workspace)
    page = client.get(f"{base}{job.pk}/").content.decode()
    assert "Hobby" in page and "Not mapped:" in page and 'value="first_name" selected' in page
    response = client.post(f"{base}{job.pk}/mapping/", {"column-0": "first_name", "column-1": "last_name",
                                                        "column-2": "date_of_birth", "column-3": "email"})
    assert response.status_code == 302
    page = client.get(f"{base}{job.pk}/").content.decode()
    assert "Enter a valid date, e.g. 31-12-1980." in page and "<td>3</td>" in page and "Import 1 client" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{base}{job.pk}/commit/").status_code == 302
    with scopes_disabled():
        assert Client.objects.filter(workspace=team.workspace).count() == 1
        assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
    bar = client.get(f"{base}{job.pk}/progress/", headers={"HX-Request": "true"}).content.decode()
    assert 'value="100"' in bar and "1 client imported." in bar
    listing = client.get(base).content.decode()
    assert "oud.csv" in listing and "Imported" in listing


def test_staff_cannot_open_the_import(client, team):
    """R-ROLE-3: importing is `clients.manage`; staff get an audited 403."""
    login(client, team.users["staff"])
    assert client.get(f"/w/{team.workspace.slug}/clients/import/").status_code == 403


def test_api_upload_map_check_commit_progress(client, team, django_capture_on_commit_callbacks):
    """R-CLI-9, SPEC §13: the API answers the dry-run report in the command's JSON shape."""
    login(client, team.owner)
    base = f"/api/v1/workspaces/{team.workspace.slug}/clients/import"
    response = client.post(base, {"file": SimpleUploadedFile("oud.csv", CSV, content_type="text/csv")})
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["mapping"]["Voornaam"] == "first_name" and job["unmapped"] == ["Hobby"]
    bad = client.put(f"{base}/{job['id']}/mapping", {"columns": {"Hobby": "nope"}}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_field"
    report = client.post(f"{base}/{job['id']}/check").json()
    assert report == {"rows": 3, "importable": 1, "imported": 0,
                      "invalid": [{"line": 3, "column": "Geboortedatum",
                                   "reason": "Enter a valid date, e.g. 31-12-1980."}],
                      "duplicates": [{"line": 4, "duplicate_of_line": 2, "duplicate_of_client": None,
                                      "by": "email"}]}
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"{base}/{job['id']}/commit")
    assert started.status_code == 202
    detail = client.get(f"{base}/{job['id']}").json()
    assert detail["status"] == "done" and detail["progress"]["percent"] == 100 and detail["report"]["imported"] == 1
    assert client.post(f"{base}/{job['id']}/commit").status_code == 409  # once only


def test_a_job_whose_worker_is_gone_shows_failed_and_may_be_started_again(client, team):
    """R-CLI-9, R-AUD-1: a job left `running` by a killed process (no progress since it started, longer
    than IMPORT_STALE_AFTER) shows failed on its page, in the progress bar, in the recent list and in the
    API, with the failure logged once; a running job that wrote progress lately stays running."""
    import datetime as dt

    from praxis.audit.models import AuditEvent
    from praxis.clients.imports import progress
    from praxis.clients.imports import services as imports
    from praxis.core import clock

    login(client, team.owner)
    base = f"/w/{team.workspace.slug}/clients/import/"
    client.post(base, {"file": SimpleUploadedFile("oud.csv", CSV, content_type="text/csv")})
    client.post(base, {"file": SimpleUploadedFile("lopend.csv", CSV, content_type="text/csv")})
    long_ago = clock.now() - imports.IMPORT_STALE_AFTER - dt.timedelta(seconds=1)
    with scopes_disabled():
        gone, alive = ImportJob.objects.get(filename="oud.csv"), ImportJob.objects.get(filename="lopend.csv")
        ImportJob.objects.filter(pk__in=[gone.pk, alive.pk]).update(status=ImportJob.Status.RUNNING,
                                                                     started_at=long_ago)
        ImportJob.objects.filter(pk=alive.pk).update(heartbeat_at=clock.now() - dt.timedelta(seconds=5))
        alive_on_sqlite = ImportJob.objects.get(pk=alive.pk)
    assert progress.last_sign_of_life(alive_on_sqlite) > long_ago

    bar = client.get(f"{base}{gone.pk}/progress/", headers={"HX-Request": "true"}).content.decode()
    assert "its worker is gone" in bar and "hx-get" not in bar  # failed: the polling stops
    listing = client.get(base).content.decode()
    assert "Failed" in listing and "Importing" in listing  # the live one still runs
    api = client.get(f"/api/v1/workspaces/{team.workspace.slug}/clients/import/{gone.pk}").json()
    assert api["status"] == "failed"
    with scopes_disabled():
        assert ImportJob.objects.get(pk=gone.pk).status == ImportJob.Status.FAILED
        assert ImportJob.objects.get(pk=alive.pk).status == ImportJob.Status.RUNNING
        [entry] = AuditEvent.objects.filter(event_code="clients.imported", outcome="error")
        assert entry.object_id == str(gone.pk) and entry.data["reason"] == "stale"
    page = client.get(f"{base}{gone.pk}/").content.decode()
    assert "Check the file (dry run)" in page  # failed, not running: the mapping can be used again
