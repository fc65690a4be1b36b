"""Clients API: one client's data export for a GDPR access request (R-CLI-10, R-AUD-1; SPEC §13).

`GET /{ws}/clients/{client_id}/export?format=json|fhir` answers everything this member may see of the
client (`exports.client_data`) or a FHIR R4 Bundle of a Patient and a RelatedPerson per relationship
(`fhir.bundle`). Each call is one audit entry; `services.client_export` decides and logs.
"""

from typing import Any, Literal

from django.http import HttpResponse
from ninja import Router

from praxis.api.scoping import workspace_endpoint
from praxis.workspaces.roles import CLIENTS_MANAGE

from .. import services

router = Router(tags=["clients"])


@router.get("/{ws}/clients/{int:client_id}/export", response=dict[str, Any])
@workspace_endpoint(CLIENTS_MANAGE)
def client_export(request, ws: str, client_id: int, format: Literal["json", "fhir"] = "json"):  # noqa: A002
    """JSON: personal details, custom values, tags, clinicians, relationships, contacts and (with
    `audit.view`) the access history; `withheld` names what this member may not receive. FHIR: a
    `collection` Bundle (`application/fhir+json`). Without `clients.sensitive` the national identifier and
    sensitive custom values are absent from both."""
    data = services.client_export(access=request.access, client_id=client_id, fmt=format)
    if format == "fhir":
        import json

        return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/fhir+json; charset=utf-8")
    return data
