"""The client portal's API (R-CLI-11), under `/api/v1/me/`: what a client user's own app needs.

`GET /me/client-records` lists the client records the caller may open in a portal (their own and those
they act for, active only — `policies.portal_clients`), each with its workspace; `GET
/me/client-records/{client_id}` is one of them with its access history; `GET
/me/client-records/{client_id}/data` is the client's own data, the same content as the portal's JSON
download (`exports.client_data`). Every read of a record is audited (R-AUD-1). A record the caller
may not open — another person's, a cancelled one, a missing id — answers the same 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django_scopes import scope, scopes_disabled
from ninja import Router, Schema

from .. import exports, policies, portal, selectors
from ..models import Client

me_router = Router(tags=["client portal"])


class PortalRecordOut(Schema):
    id: int
    workspace: str
    workspace_name: str
    own: bool
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: dt.date | None
    email: str
    phone: str


class PortalRecordPage(Schema):
    items: list[PortalRecordOut]
    count: int


class AccessEntryOut(Schema):
    at: dt.datetime
    code: str
    label: str
    action: str
    outcome: str
    who: str
    role: str
    on_behalf_of: str


class PortalRecordDetailOut(PortalRecordOut):
    access_history: list[AccessEntryOut]


def _out(client: Client, user) -> dict[str, Any]:
    return {"id": client.pk, "workspace": client.workspace.slug, "workspace_name": client.workspace.name,
            "own": client.user_id == user.pk, "first_name": client.first_name, "last_name": client.last_name,
            "preferred_name": client.preferred_name, "date_of_birth": client.date_of_birth,
            "email": client.email, "phone": client.phone}


def _open(request, client_id: int) -> Client:
    with scopes_disabled():
        client = (policies.portal_clients(request.auth).select_related("workspace")
                  .filter(pk=client_id).first())
    if client is None:
        from praxis.audit import services as audit

        audit.record_not_found(request=request, actor=request.auth)
        raise Http404
    return client


@me_router.get("/client-records", response=PortalRecordPage)
def client_records(request):
    """The caller's portal records, by workspace and name."""
    with scopes_disabled():
        clients = list(policies.portal_clients(request.auth).select_related("workspace")
                       .order_by("workspace__name", "last_name", "first_name", "id"))
    return {"items": [_out(c, request.auth) for c in clients], "count": len(clients)}


@me_router.get("/client-records/{client_id}", response=PortalRecordDetailOut)
def client_record(request, client_id: int):
    client = _open(request, client_id)
    with scope(workspace=client.workspace):
        portal.portal_read(user=request.auth, client=client, page="api")
        return {**_out(client, request.auth), "access_history": selectors.access_history_rows(client, limit=200)}


@me_router.get("/client-records/{client_id}/data", response=dict)
def client_record_data(request, client_id: int):
    """Everything Praxis holds about the client (GDPR access, R-CLI-10), as the portal's download."""
    client = _open(request, client_id)
    with scope(workspace=client.workspace):
        portal.portal_read(user=request.auth, client=client, page="download")
        return exports.client_data(client, sensitive=True, history=True)
