"""Client exports in HTML (R-CLI-10, R-AUD-1): the client list as CSV, with the list's current filters
and search, and one client's data for a GDPR access request (JSON or FHIR R4), from the record page.

The CSV streams: the rows are read `exports.CSV_CHUNK` at a time while the response is sent, so 100 000
clients never sit in memory. A streamed body is produced after the view has returned — outside
`workspace_view`'s scope — so the generator enters the workspace's scope itself; the audit entries (one
for the export, with the row count and the filters, and one per exported client) are written before the
first byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.http import require_GET
from django_scopes import scope

from praxis.core import clock
from praxis.core.errors import NotFound, PermissionDenied, ServiceError
from praxis.workspaces.roles import CLIENTS_VIEW
from praxis.workspaces.web import workspace_view

from .. import exports, selectors, services
from .records import _int, _status


def _in_scope(workspace, lines: Iterable[str]) -> Iterator[str]:
    with scope(workspace=workspace):
        yield from lines


@require_GET
@workspace_view(CLIENTS_VIEW)
def clients_csv(request):
    """The list as the member sees it (`selectors.clients_list`: their clients, this status, this search
    and these filters), with the columns they may see (`exports.list_columns`)."""
    access = request.access
    status = _status(request)
    q = " ".join(request.GET.get("q", "").split())[:200]
    clinician_id, tag_id = _int(request.GET.get("clinician")), _int(request.GET.get("tag"))
    clients = selectors.clients_list(access=access, status=status, q=q, clinician_id=clinician_id, tag_id=tag_id)
    columns = exports.list_columns(access)
    services.clients_exported(access=access, clients=clients,
                              filters={"status": status, "q": q, "clinician": clinician_id, "tag": tag_id})
    response = StreamingHttpResponse(_in_scope(access.workspace, exports.csv_lines(columns, clients)),
                                     content_type="text/csv; charset=utf-8")
    day = clock.now().date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="clients-{access.workspace.slug}-{day}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@workspace_view(CLIENTS_VIEW)
def client_export(request, client_id: int):
    """`?format=json` (default) or `?format=fhir`: a download of everything this member may see of the
    client. Another workspace's or an unassigned client: 404; without `clients.manage`: an audited 403."""
    fmt = request.GET.get("format", "json")
    try:
        data = services.client_export(access=request.access, client_id=client_id, fmt=fmt)
    except NotFound:
        raise Http404 from None
    except PermissionDenied:
        raise
    except ServiceError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    content_type = "application/fhir+json" if fmt == "fhir" else "application/json"
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2, default=str),
                            content_type=f"{content_type}; charset=utf-8")
    suffix = "-fhir" if fmt == "fhir" else ""
    response["Content-Disposition"] = f'attachment; filename="client-{client_id}{suffix}.json"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("w/<slug:ws>/clients/export/", clients_csv, name="export_csv"),
    path("w/<slug:ws>/clients/<int:client_id>/export/", client_export, name="export"),
]
