"""Clients for tests, made through `services.client_create` (so search text, audit and limits are real).

`client_make(access, first_name=..., **values)` → a Client; `custom=`, `clinician_ids=`, `tag_names=`
pass through. Use `ClientRowFactory` only for volume (benchmarks, pagination) where going through the
service per row would be slow; it fills `search_text` the same way the service does.
"""

import itertools

from praxis.clients import search, services
from praxis.clients.models import Client

_numbers = itertools.count(1)


def client_make(access, *, first_name: str = "", last_name: str = "", custom=None, clinician_ids=(),
                tag_names=(), **values):
    n = next(_numbers)
    values = {"first_name": first_name or f"Client{n}", "last_name": last_name or "Test", **values}
    return services.client_create(access=access, values=values, custom=custom or {},
                                  clinician_ids=clinician_ids, tag_names=tag_names)


def client_rows(workspace, count: int, *, prefix: str = "Bulk") -> list[Client]:
    """`count` clients inserted in one bulk write (no audit: test volume only)."""
    rows = []
    for i in range(count):
        client = Client(workspace=workspace, first_name=f"{prefix}{i:06d}", last_name="Rij")
        client.search_text = search.search_text_for(client)
        rows.append(client)
    return Client.objects.bulk_create(rows, batch_size=1000)


def import_job_make(access, *, rows: str = "Ada,Lovelace\n"):
    """An uploaded (not yet imported) client import job, made through `import_upload` (R-CLI-9)."""
    from django.core.files.base import ContentFile
    from django_scopes import scope

    from praxis.clients.imports.services import import_upload

    with scope(workspace=access.workspace):
        return import_upload(access=access, filename="import.csv",
                             content=ContentFile(("First name,Last name\n" + rows).encode(), name="import.csv"))
