"""Files in an S3-compatible object store (issue 10 point 9): with PRAXIS_STORAGE=s3 uploads go through
Django's storage API to the bucket — a real S3 API server (moto in server mode) started by the test —
and come back only through Praxis' own permission-checked downloads.

Invoice PDFs are not stored: they are rendered from the stored invoice on every download
(`billing.pdf`), so there is no file to lose or to leak."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_scopes import scope
from moto.server import ThreadedMotoServer

from praxis.testing.net import free_port

pytestmark = pytest.mark.django_db

BUCKET = "praxis-test"
KEYS = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "eu-west-1"}


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, **KEYS).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield endpoint
    server.stop()


@pytest.fixture
def s3_storage(s3_server, settings):
    """The STORAGES that praxis/settings/base.py builds from the PRAXIS_S3_* variables."""
    saved = dict(os.environ)
    os.environ.update({"PRAXIS_STORAGE": "s3", "PRAXIS_S3_BUCKET": BUCKET, "PRAXIS_S3_ENDPOINT_URL": s3_server,
                       "PRAXIS_S3_REGION": "eu-west-1", "PRAXIS_S3_ACCESS_KEY": "test",
                       "PRAXIS_S3_SECRET_KEY": "test", "PRAXIS_S3_PREFIX": "media"})
    try:
        import praxis.settings.base as base

        built = importlib.reload(base).STORAGES
    finally:
        os.environ.clear()
        os.environ.update(saved)
        importlib.reload(base)
    settings.STORAGES = built
    return boto3.client("s3", endpoint_url=s3_server, **KEYS)


def _objects(s3) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def test_the_setting_selects_django_storages_s3(s3_storage, settings):
    assert settings.STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert settings.STORAGES["default"]["OPTIONS"]["default_acl"] is None  # private objects
    assert settings.STORAGES["staticfiles"]["BACKEND"].startswith("whitenoise")


def test_a_ticket_attachment_is_stored_in_the_bucket_and_downloaded_with_permission(s3_storage, team):
    from praxis.support import services as support
    from praxis.support.catalogue import ensure_default_categories
    from praxis.support.models import Attachment, Category

    ensure_default_categories()
    access = team.access("clinician")
    with scope(workspace=team.workspace):
        ticket = support.ticket_create(
            access=access, kind="question", category_id=Category.objects.get(code="other").pk,
            subject="Printer", description="Hoe?", files=[SimpleUploadedFile("stappen.txt", b"1. open 2. klik")])
        attachment = Attachment.objects.get(ticket=ticket)
    stored = _objects(s3_storage)
    assert list(stored.values()) == [b"1. open 2. klik"]
    [key] = stored
    assert key.startswith("media/") and "stappen" not in key  # a server-made name, under the prefix

    owner = Client()
    owner.force_login(team.clinician)
    answer = owner.get(f"/w/{team.workspace.slug}/support/files/{attachment.pk}/")
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == b"1. open 2. klik"
    assert answer["Content-Disposition"].startswith("attachment")
    stranger = Client()
    stranger.force_login(team.staff)  # no tickets.view_all, not a follower
    assert stranger.get(f"/w/{team.workspace.slug}/support/files/{attachment.pk}/").status_code == 404


def test_a_client_import_reads_its_file_from_the_bucket(s3_storage, team):
    from praxis.clients.imports import services as imports
    from praxis.clients.models import Client as PraxisClient

    access = team.access("owner")
    with scope(workspace=team.workspace):
        job = imports.import_upload(access=access, filename="clients.csv", content=ContentFile(
            b"Voornaam,Achternaam\nAda,Lovelace\nGrace,Hopper\n", name="clients.csv"))
        assert job.file.storage.__class__.__name__ == "S3Storage"
        report = imports.import_commit(access=access, job_id=job.pk)
        assert sorted(PraxisClient.objects.values_list("last_name", flat=True)) == ["Hopper", "Lovelace"]
    assert report.imported == 2
    assert any(body.startswith(b"Voornaam") for body in _objects(s3_storage).values())


def test_production_settings_start_with_s3_storage():
    """The variables of docs/operating.md are enough: the production settings load and name the bucket."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRAXIS_")}
    env.update({"DJANGO_SETTINGS_MODULE": "praxis.settings.production", "PRAXIS_SECRET_KEY": "x" * 60,
                "PRAXIS_SITE_URL": "https://praxis.example.org", "PRAXIS_STORAGE": "s3",
                "PRAXIS_S3_BUCKET": "praxis-media", "DATABASE_URL": "sqlite:////tmp/praxis-s3-check.sqlite3"})
    code = ("import django; django.setup(); from django.core.files.storage import storages; "
            "s = storages['default']; print(type(s).__name__, s.bucket_name)")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[3], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "praxis-media"]
