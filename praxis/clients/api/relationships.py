"""Clients API: relationships and external contacts (R-CLI-4; SPEC §13).

- `GET /{ws}/clients/{client_id}/relationships`: the client's relationships from both sides, each with
  its type as this client's record reads it (`kind`) and as stored (`stored_kind`, from `client`'s side);
- `POST` the same path: link to `other_client` (a client id), `contact` (a contact id), or a client or
  contact created in the same call (`new_client`, `new_contact`) — one of the four;
- `PATCH /{ws}/clients/{client_id}/relationships/{relationship_id}`: type, description, grants (only the
  fields sent); `DELETE` unlinks (only the relationship goes);
- `GET`/`POST /{ws}/client-contacts`: the workspace's external contacts (not `/contacts`, which are the
  workspace's contact persons of issue 6).

Another workspace's client, contact or relationship answers 404 like a missing one; writes need
`clients.manage` (`policies.may_edit_relationships`, checked again by the services).
"""


from typing import Any, Literal

from ninja import Router, Schema, Status
from pydantic import Field

from praxis.api.scoping import workspace_endpoint
from praxis.workspaces.roles import CLIENTS_MANAGE, CLIENTS_VIEW

from .. import relationships as services
from .. import selectors
from ..models import Client, Contact, Relationship

router = Router(tags=["clients"])

Kind = Literal["parent", "child", "partner", "sibling", "guardian", "ward", "emergency_contact",
               "referring_professional", "other"]


class ContactOut(Schema):
    id: int
    name: str
    organisation: str
    email: str
    phone: str = Field(description="E.164")


class OtherClientOut(Schema):
    id: int
    first_name: str
    last_name: str


class GrantsIn(Schema):
    emergency_contact: bool | None = None
    receives_information: bool | None = None
    responsible_for_billing: bool | None = None
    portal_access: bool | None = None


class RelationshipOut(Schema):
    id: int
    kind: str = Field(description="The type as this client's record reads it")
    stored_kind: str = Field(description="The type as stored, from `client`'s side")
    client: int = Field(description="The client the relationship is stored from")
    other_client: OtherClientOut | None
    contact: ContactOut | None
    label: str
    emergency_contact: bool
    receives_information: bool
    responsible_for_billing: bool
    portal_access: bool


class NewClientIn(Schema):
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: str | None = Field(None, description="dd-mm-yyyy or yyyy-mm-dd")
    email: str | None = None
    phone: str | None = None


class RelationshipContactIn(Schema):
    name: str
    organisation: str | None = None
    email: str | None = None
    phone: str | None = None


class RelationshipIn(GrantsIn):
    kind: Kind = Field(description="From this client's side: `parent` = the other one is their parent")
    label: str = ""
    other_client: int | None = None
    contact: int | None = None
    new_client: NewClientIn | None = None
    new_contact: RelationshipContactIn | None = None


class RelationshipPatch(GrantsIn):
    kind: Kind | None = None
    label: str | None = None


def _grants(payload: GrantsIn) -> dict[str, bool]:
    return {name: value for name, value in payload.model_dump(include=set(services.GRANTS)).items()
            if value is not None}


def _out(relationship: Relationship, kind: str, other: object) -> dict[str, Any]:
    return {
        "id": relationship.pk, "kind": kind, "stored_kind": relationship.kind, "client": relationship.client_id,
        "other_client": ({"id": other.pk, "first_name": other.first_name, "last_name": other.last_name}
                         if isinstance(other, Client) else None),
        "contact": other if isinstance(other, Contact) else None,
        "label": relationship.label,
        **{name: getattr(relationship, name) for name in services.GRANTS},
    }


def _one(request, client_id: int, relationship_id: int) -> dict[str, Any]:
    client = selectors.client_get(access=request.access, client_id=client_id)
    for rel, kind, other in selectors.relationships_of(access=request.access, client=client):
        if rel.pk == relationship_id:
            return _out(rel, kind, other)
    raise AssertionError("the relationship just written is the client's")  # pragma: no cover


@router.get("/{ws}/clients/{int:client_id}/relationships", response=list[RelationshipOut])
@workspace_endpoint(CLIENTS_VIEW)
def relationship_list(request, ws: str, client_id: int):
    """Every relationship of the client, from both sides, oldest first."""
    client = selectors.client_get(access=request.access, client_id=client_id)
    return [_out(*row) for row in selectors.relationships_of(access=request.access, client=client)]


@router.post("/{ws}/clients/{int:client_id}/relationships", response={201: RelationshipOut})
@workspace_endpoint(CLIENTS_MANAGE)
def relationship_create(request, ws: str, client_id: int, payload: RelationshipIn):
    """Link the client; a `new_client` goes through client creation (limits, validation, audit)."""
    relationship = services.relationship_create(
        access=request.access, client_id=client_id, kind=payload.kind, label=payload.label,
        other_client_id=payload.other_client, contact_id=payload.contact,
        new_client=payload.new_client.model_dump(exclude_unset=True) if payload.new_client else None,
        new_contact=payload.new_contact.model_dump(exclude_unset=True) if payload.new_contact else None,
        grants=_grants(payload))
    return Status(201, _one(request, client_id, relationship.pk))


@router.patch("/{ws}/clients/{int:client_id}/relationships/{int:relationship_id}", response=RelationshipOut)
@workspace_endpoint(CLIENTS_MANAGE)
def relationship_update(request, ws: str, client_id: int, relationship_id: int, payload: RelationshipPatch):
    """Change only what is sent; `kind` as this client's record reads it."""
    services.relationship_update(access=request.access, client_id=client_id, relationship_id=relationship_id,
                                 kind=payload.kind, label=payload.label, grants=_grants(payload))
    return _one(request, client_id, relationship_id)


@router.delete("/{ws}/clients/{int:client_id}/relationships/{int:relationship_id}", response={204: None})
@workspace_endpoint(CLIENTS_MANAGE)
def relationship_delete(request, ws: str, client_id: int, relationship_id: int):
    """Unlink: only the relationship row is removed."""
    services.relationship_delete(access=request.access, client_id=client_id, relationship_id=relationship_id)
    return Status(204, None)


@router.get("/{ws}/client-contacts", response=list[ContactOut])
@workspace_endpoint(CLIENTS_VIEW)
def client_contact_list(request, ws: str):
    """The workspace's external contacts, by name."""
    return list(selectors.contacts_list(workspace=request.access.workspace))


@router.post("/{ws}/client-contacts", response={201: ContactOut})
@workspace_endpoint(CLIENTS_MANAGE)
def client_contact_create(request, ws: str, payload: RelationshipContactIn):
    contact = services.contact_create(access=request.access, values=payload.model_dump(exclude_unset=True))
    return Status(201, contact)
