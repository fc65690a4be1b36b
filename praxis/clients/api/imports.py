"""Clients API: imports (R-CLI-9; SPEC §13).

`POST /{ws}/clients/import` uploads a CSV/XLSX file (multipart, field `file`) and answers the job with its
header and proposed mapping; `PUT /{ws}/clients/import/{job_id}/mapping` adjusts it (`{"columns":
{"header": "field" | ""}}`; a sensitive field without `clients.sensitive` is a 403);
`POST …/{job_id}/check` is the dry run and answers the report (`{"rows", "importable", "imported",
"invalid", "duplicates"}`); `POST …/{job_id}/commit` starts the one-transaction import as a background
task (202); `GET /{ws}/clients/import/{job_id}` is the job with its progress. Handlers only call
`praxis.clients.imports.services`.
"""

from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema

from praxis.api.scoping import workspace_endpoint
from praxis.core.errors import ServiceError
from praxis.workspaces.roles import CLIENTS_MANAGE

from ..imports import progress, tasks
from ..imports import services as imports

router = Router(tags=["clients"])


class ImportJobOut(Schema):
    id: int
    filename: str
    status: str
    created_at: Any
    finished_at: Any = None
    header: list[str]
    mapping: dict[str, str]
    unmapped: list[str]
    report: dict[str, Any]
    progress: dict[str, Any]
    error: str


class MappingIn(Schema):
    columns: dict[str, str]


class ReportOut(Schema):
    rows: int
    importable: int
    imported: int
    invalid: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]


def _out(job) -> dict[str, Any]:
    header = imports.table_of(job).header
    return {"id": job.pk, "filename": job.filename, "status": job.status, "created_at": job.created_at,
            "finished_at": job.finished_at, "header": header, "mapping": job.mapping,
            "unmapped": [name for name in header if not job.mapping.get(name)], "report": job.report,
            "progress": progress.read(job), "error": job.error}


@router.post("/{ws}/clients/import", response={201: ImportJobOut})
@workspace_endpoint(CLIENTS_MANAGE)
def client_import_upload(request, ws: str):
    """Multipart, field `file`. Without one: a 400 naming the field (not a schema 422)."""
    file = request.FILES.get("file")
    if file is None:
        raise ServiceError("file_required", _("Choose a CSV or XLSX file."), field="file")
    job = imports.import_upload(access=request.access, filename=file.name or "import.csv", content=file)
    return _out(job)


@router.get("/{ws}/clients/import/{int:job_id}", response=ImportJobOut)
@workspace_endpoint(CLIENTS_MANAGE)
def client_import_detail(request, ws: str, job_id: int):
    """The job, with its progress while it runs (poll this)."""
    return _out(imports.import_job_get(access=request.access, job_id=job_id))


@router.put("/{ws}/clients/import/{int:job_id}/mapping", response=ImportJobOut)
@workspace_endpoint(CLIENTS_MANAGE)
def client_import_mapping(request, ws: str, job_id: int, payload: MappingIn):
    return _out(imports.import_map(access=request.access, job_id=job_id, columns=payload.columns))


@router.post("/{ws}/clients/import/{int:job_id}/check", response=ReportOut)
@workspace_endpoint(CLIENTS_MANAGE)
def client_import_check(request, ws: str, job_id: int):
    """The dry run: every invalid row (line, column, reason) and every duplicate; imports nothing."""
    return imports.import_check(access=request.access, job_id=job_id).report


@router.post("/{ws}/clients/import/{int:job_id}/commit", response={202: ImportJobOut})
@workspace_endpoint(CLIENTS_MANAGE)
def client_import_commit(request, ws: str, job_id: int):
    """Start the import (all-or-nothing) in the background; poll `GET …/{job_id}` for its progress."""
    job = tasks.import_start(access=request.access, job_id=job_id)
    return _out(job)
