"""Clients API: the records (R-CLI-1, R-CLI-2, R-CLI-8, R-MEM-1, R-AUD-1; SPEC §13).

`GET /{ws}/clients` lists (search `q`, filters `status`, `clinician`, `tag`; paginated like the other
lists), `POST /{ws}/clients` creates, `GET /{ws}/clients/{id}` reads one record (an audited read),
`PATCH` changes the fields sent, `POST /{ws}/clients/cancel` and `/restore` act in bulk. Handlers only
translate JSON to services and selectors; what a member may receive is `policies`' answer
(`schemas.client_detail`).
"""


from ninja import Router

from praxis.api.scoping import paginate, workspace_endpoint
from praxis.workspaces.roles import CLIENTS_MANAGE, CLIENTS_VIEW, MEMBERS_MANAGE

from .. import schemas, selectors, services
from ..schemas import ClientDetailOut, ClientIdsIn, ClientIn, ClientOut, ClientPage, Status

router = Router(tags=["clients"])


@router.get("/{ws}/clients", response=ClientPage)
@workspace_endpoint(CLIENTS_VIEW)
def client_list(request, ws: str, q: str = "", status: Status = "active", clinician: int | None = None,
                tag: str | None = None, page: int = 1, page_size: int = 50):
    """Clients in name order. `q` searches name, preferred name, e-mail, phone (any notation) and date of
    birth; `clinician` is a membership id, `tag` a tag name. Every search is logged with its hits."""
    access = request.access
    tag_id = None
    if tag:
        found = selectors.tags_list(workspace=access.workspace).filter(name__iexact=tag.strip()).first()
        tag_id = found.pk if found else -1  # an unknown tag matches no client
    query = " ".join(q.split())[:200]
    clients = selectors.clients_list(access=access, status=status, q=query, clinician_id=clinician, tag_id=tag_id)
    with selectors.search_plan(query) as indexed:
        result = paginate(clients.prefetch_related(None).values(*ClientOut.LIST_COLUMNS), page=page,
                          page_size=page_size, count_in_page=indexed)
    result["items"] = schemas.client_rows(result["items"])
    if query:
        services.clients_searched(access=access, query=query, hits=result["count"], via="api")
    return result


@router.post("/{ws}/clients", response={201: ClientDetailOut}, exclude_unset=True)
@workspace_endpoint(CLIENTS_MANAGE)
def client_create(request, ws: str, payload: ClientIn):
    kwargs = payload.service_kwargs()
    client = services.client_create(access=request.access, values=kwargs["values"], custom=kwargs["custom"],
                                    clinician_ids=kwargs["clinician_ids"] or (),
                                    tag_names=kwargs["tag_names"] or ())
    return _detail(request, client.pk)


@router.get("/{ws}/clients/{int:client_id}", response=ClientDetailOut, exclude_unset=True)
@workspace_endpoint(CLIENTS_VIEW)
def client_detail(request, ws: str, client_id: int):
    """One record — an audited read (R-AUD-1). Without `clients.sensitive` the national identifier and
    sensitive custom values are absent from the answer (R-ROLE-3)."""
    client = services.client_view(access=request.access, client_id=client_id, via="api")
    return schemas.client_detail(request.access, client)


@router.patch("/{ws}/clients/{int:client_id}", response=ClientDetailOut, exclude_unset=True)
@workspace_endpoint(CLIENTS_MANAGE)
def client_update(request, ws: str, client_id: int, payload: ClientIn):
    """Change only the fields sent; custom values are merged (a key not sent keeps its value)."""
    kwargs = payload.service_kwargs()
    services.client_update(access=request.access, client_id=client_id, **kwargs)
    return _detail(request, client_id)


def _detail(request, client_id: int):
    """The record after a write, as the writer may see it (re-read: the care team as stored)."""
    return schemas.client_detail(request.access, selectors.client_get(access=request.access, client_id=client_id))


@router.post("/{ws}/clients/cancel", response=list[ClientOut])
@workspace_endpoint(MEMBERS_MANAGE)
def client_cancel(request, ws: str, payload: ClientIdsIn):
    """Cancel clients (R-MEM-1): nothing is deleted (R-MEM-4); answers the clients that changed."""
    changed = services.clients_cancel(access=request.access, client_ids=payload.ids)
    return _as_stored(request, changed)


@router.post("/{ws}/clients/restore", response=list[ClientOut])
@workspace_endpoint(MEMBERS_MANAGE)
def client_restore(request, ws: str, payload: ClientIdsIn):
    """Restore cancelled clients, within the account type's client limit."""
    changed = services.clients_restore(access=request.access, client_ids=payload.ids)
    return _as_stored(request, changed)


def _as_stored(request, changed):
    """The changed clients re-read after the bulk UPDATE (their new status), care teams in two queries."""
    rows = selectors.clients_by_ids(access=request.access, client_ids=[c.pk for c in changed])
    return schemas.client_rows([{name: getattr(client, name) for name in ClientOut.LIST_COLUMNS} for client in rows])
