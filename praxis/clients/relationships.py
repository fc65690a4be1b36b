"""Relationships of clients (R-CLI-4): the types as each side sees them, and the services that write them.

Types: "parent" on the child's record is "child" on the parent's; symmetric types read the same from both
sides (`RECIPROCAL`, `seen_from`). One row links two clients and is shown on both records.

Services (keyword-only, one transaction each, audited — R-AUD-1):
- `relationship_create`: link a client to another client of the workspace, to an external contact, or to
  a client / contact created in the same call (the dialog's "new client" / "new contact"); the new client
  goes through `services.client_create`, so the account type's limit, validation and its own audit entry
  apply, and a refusal anywhere leaves nothing half-written.
- `relationship_update`: type, description and the four grants.
- `relationship_delete`: removes only the relationship row; the other client or contact stays.
- `contact_create`: an external contact (name, organisation, e-mail, phone).

A relationship never crosses workspaces: the other client must be one the member may open
(`policies.linkable_clients`) and the contact one of the workspace — anything else is the same `NotFound`
as a missing id (R-ROLE-4). Only members who may edit clients change relationships
(`policies.may_edit_relationships`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from praxis.audit import services as audit
from praxis.core.errors import NotFound, PermissionDenied, ServiceError
from praxis.core.transactions import service_transaction
from praxis.workspaces.roles import CLIENTS_MANAGE

from . import fields, policies, selectors
from .models import Client, Contact, Relationship, RelationshipType

if TYPE_CHECKING:
    from praxis.workspaces.access import Access

RECIPROCAL = {
    RelationshipType.PARENT: RelationshipType.CHILD,
    RelationshipType.CHILD: RelationshipType.PARENT,
    RelationshipType.GUARDIAN: RelationshipType.WARD,
    RelationshipType.WARD: RelationshipType.GUARDIAN,
    RelationshipType.PARTNER: RelationshipType.PARTNER,
    RelationshipType.SIBLING: RelationshipType.SIBLING,
    # From the other client's side the client is "someone they are the emergency contact / referrer for":
    # shown as "other" with the original label, since there is no name for the reverse.
    RelationshipType.EMERGENCY_CONTACT: RelationshipType.OTHER,
    RelationshipType.REFERRING_PROFESSIONAL: RelationshipType.OTHER,
    RelationshipType.OTHER: RelationshipType.OTHER,
}
# How the far side reads a one-sided type (the reverse of RECIPROCAL's "other" entries).
REVERSE_LABELS = {
    RelationshipType.EMERGENCY_CONTACT: gettext_lazy("Is emergency contact for"),
    RelationshipType.REFERRING_PROFESSIONAL: gettext_lazy("Is referring professional for"),
}
GRANTS = ("emergency_contact", "receives_information", "responsible_for_billing", "portal_access")
ONE_SIDED = frozenset({RelationshipType.EMERGENCY_CONTACT, RelationshipType.REFERRING_PROFESSIONAL})


def seen_from(relationship: Relationship, client) -> tuple[Relationship, str, object]:
    """(relationship, its type from `client`'s side, the other end)."""
    if relationship.client_id == client.pk:
        other = relationship.other_client if relationship.other_client_id else relationship.contact
        return relationship, relationship.kind, other
    return relationship, RECIPROCAL[RelationshipType(relationship.kind)], relationship.client


def type_label(relationship: Relationship, seen_kind: str, *, forward: bool) -> str:
    """The words a record shows for the type: "Parent", or on the far side of a one-sided type
    "Is emergency contact for"; an "other" with a description shows the description."""
    if not forward and relationship.kind in REVERSE_LABELS:
        return str(REVERSE_LABELS[RelationshipType(relationship.kind)])
    if seen_kind == RelationshipType.OTHER and relationship.label:
        return relationship.label
    return str(RelationshipType(seen_kind).label)


# --- input ----------------------------------------------------------------------------------------------

def _clean_kind(raw: Any) -> RelationshipType:
    value = fields.clean_choice(raw, field="kind", choices=RelationshipType.values)
    if not value:
        raise ServiceError("required", _("Choose the type of relationship."), field="kind")
    return RelationshipType(value)


def _clean_grants(grants: Mapping[str, Any]) -> dict[str, bool]:
    unknown = [name for name in grants if name not in GRANTS]
    if unknown:
        raise ServiceError("unknown_field", _("There is no field “%(name)s”.") % {"name": unknown[0]},
                           field=unknown[0])
    for name, value in grants.items():
        if not isinstance(value, bool):
            raise ServiceError("invalid", _("Choose yes or no."), field=name)
    return dict(grants)


def _require_edit(access: Access, *, code: str) -> None:
    if not policies.may_edit_relationships(access):
        raise PermissionDenied("forbidden", _("You do not have permission to do this."),
                               audit=access.refusal(code=code, permission=CLIENTS_MANAGE))


def _not_found() -> NotFound:
    return NotFound("not_found", "Not found.")


def _other_client(access: Access, other_client_id: int) -> Client:
    """A client of this workspace the member may open — else the same 404 as a missing one."""
    other = policies.linkable_clients(access).filter(pk=other_client_id).first()
    if other is None:
        raise _not_found()
    return other


def _contact(access: Access, contact_id: int) -> Contact:
    contact = Contact.objects.filter(workspace=access.workspace, pk=contact_id).first()
    if contact is None:
        raise _not_found()
    return contact


def _relationship(access: Access, client: Client, relationship_id: int) -> Relationship:
    """The relationship, from either side of `client` — another workspace's answers like a missing one."""
    relationship = (Relationship.objects.filter(workspace=access.workspace, pk=relationship_id)
                    .filter(Q(client=client) | Q(other_client=client)).first())
    if relationship is None:
        raise _not_found()
    return relationship


def _audit(access: Access, code: str, action: str, relationship: Relationship, **data) -> None:
    """One entry on the client whose record the change was made from, naming both ends by id only."""
    audit.record(code=code, action=action, actor=access.user, workspace=access.workspace, obj=relationship,
                 client_id=relationship.client_id, role=access.membership.role, permission=CLIENTS_MANAGE,
                 data={"kind": relationship.kind, "other_client": relationship.other_client_id,
                       "contact": relationship.contact_id, **data})


# --- services -------------------------------------------------------------------------------------------

def _contact_build(access: Access, values: Mapping[str, Any], *, prefix: str = "") -> Contact:
    unknown = [name for name in values if name not in ("name", "organisation", "email", "phone")]
    if unknown:
        raise ServiceError("unknown_field", _("There is no field “%(name)s”.") % {"name": unknown[0]},
                           field=prefix + unknown[0])
    country = access.workspace.country
    return Contact(
        workspace=access.workspace,
        name=fields.clean_name(values.get("name", ""), field=prefix + "name", required=True, limit=200),
        organisation=fields.clean_line(values.get("organisation", ""), field=prefix + "organisation", limit=200),
        email=fields.clean_email(values.get("email", ""), field=prefix + "email"),
        phone=fields.clean_phone(values.get("phone", ""), country=country, field=prefix + "phone"),
    )


@service_transaction
def contact_create(*, access: Access, values: Mapping[str, Any]) -> Contact:
    """An external contact of the workspace (R-CLI-4): a GP, a teacher, a grandparent. `values`: `name`
    (required), `organisation`, `email`, `phone` (stored E.164)."""
    _require_edit(access, code="contact.created")
    contact = _contact_build(access, values)
    contact.save(force_insert=True)
    audit.record(code="contact.created", action="create", actor=access.user, workspace=access.workspace,
                 obj=contact, role=access.membership.role, permission=CLIENTS_MANAGE)
    return contact


NEW_CLIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone")


def _new_client(access: Access, values: Mapping[str, Any]) -> Client:
    """The other client, created through `client_create` (limit, validation, audit); a refusal names
    its field as `new_client.<name>` so the dialog shows it on the right input."""
    from .services import client_create

    unknown = [name for name in values if name not in NEW_CLIENT_FIELDS]
    if unknown:
        raise ServiceError("unknown_field", _("There is no field “%(name)s”.") % {"name": unknown[0]},
                           field=f"new_client.{unknown[0]}")
    try:
        return client_create(access=access, values=dict(values))
    except ServiceError as exc:
        if exc.field:
            exc.field = f"new_client.{exc.field}"
        raise


@service_transaction
def relationship_create(*, access: Access, client_id: int, kind: str, other_client_id: int | None = None,
                        contact_id: int | None = None, new_client: Mapping[str, Any] | None = None,
                        new_contact: Mapping[str, Any] | None = None, label: str = "",
                        grants: Mapping[str, Any] | None = None) -> Relationship:
    """Link `client_id` to exactly one other end: an existing client, an existing contact, or a client or
    contact created now (R-CLI-4). `kind` is read from the client's side ("parent": the other one is the
    client's parent). A link to a client already linked — either way round — is refused."""
    _require_edit(access, code="relationship.created")
    client = selectors.client_get(access=access, client_id=client_id)
    ends = [end for end in (other_client_id, contact_id, new_client, new_contact) if end is not None]
    if len(ends) != 1:
        raise ServiceError("one_other_end", _("Choose one client or contact to link to."), field="other")
    cleaned_kind = _clean_kind(kind)
    cleaned_label = fields.clean_line(label, field="label", limit=100)
    cleaned_grants = _clean_grants(grants or {})
    other: Client | None = None
    contact: Contact | None = None
    if other_client_id is not None:
        other = _other_client(access, other_client_id)
    elif contact_id is not None:
        contact = _contact(access, contact_id)
    elif new_client is not None:
        other = _new_client(access, new_client)
    else:
        contact = _contact_build(access, new_contact or {}, prefix="new_contact.")
        contact.save(force_insert=True)
        audit.record(code="contact.created", action="create", actor=access.user, workspace=access.workspace,
                     obj=contact, role=access.membership.role, permission=CLIENTS_MANAGE)
    if other is not None:
        if other.pk == client.pk:
            raise ServiceError("self", _("A client cannot be linked to themselves."), field="other_client")
        linked = Relationship.objects.filter(workspace=access.workspace).filter(
            Q(client=client, other_client=other) | Q(client=other, other_client=client))
        if linked.exists():
            raise ServiceError("duplicate", _("%(name)s is already linked to this client.")
                               % {"name": other.full_name}, field="other_client")
    elif contact is not None and Relationship.objects.filter(client=client, contact=contact).exists():
        raise ServiceError("duplicate", _("%(name)s is already linked to this client.") % {"name": contact.name},
                           field="contact")
    relationship = Relationship(workspace=access.workspace, client=client, other_client=other, contact=contact,
                                kind=cleaned_kind, label=cleaned_label,
                                created_by=access.user if getattr(access.user, "pk", None) else None,
                                **cleaned_grants)
    relationship.save(force_insert=True)
    _audit(access, "relationship.created", "create", relationship, grants=sorted(
        name for name in GRANTS if getattr(relationship, name)))
    return relationship


def _stored_kind(relationship: Relationship, client: Client, seen_kind: RelationshipType) -> tuple[str, bool]:
    """(the kind to store, whether the row must turn round) for a type chosen on `client`'s record.

    On the row's own client the type is stored as chosen. On the far side the reciprocal is stored
    ("child" chosen on the parent's record stores "parent"). A one-sided type (emergency contact,
    referring professional) chosen on the far side has no reciprocal: the row turns round so that it
    is stored from this client's side."""
    if relationship.client_id == client.pk:
        return seen_kind, False
    if seen_kind in ONE_SIDED:
        return seen_kind, True
    inverse = {v: k for k, v in RECIPROCAL.items() if k not in ONE_SIDED}
    return inverse[seen_kind], False


@service_transaction
def relationship_update(*, access: Access, client_id: int, relationship_id: int, kind: str | None = None,
                        label: str | None = None, grants: Mapping[str, Any] | None = None) -> Relationship:
    """Change the type (as seen from `client_id`'s record), the description or the grants; only what is
    given. An unchanged type from the far side keeps the stored one (so "Is emergency contact for"
    stays an emergency contact)."""
    _require_edit(access, code="relationship.updated")
    client = selectors.client_get(access=access, client_id=client_id)
    relationship = _relationship(access, client, relationship_id)
    changed: list[str] = []
    if kind is not None:
        new_kind = _clean_kind(kind)
        _rel, current, _other = seen_from(relationship, client)
        if new_kind != current:
            stored, turn = _stored_kind(relationship, client, new_kind)
            if turn:
                relationship.client, relationship.other_client = client, relationship.client
            relationship.kind = stored
            changed.append("kind")
    if label is not None:
        cleaned = fields.clean_line(label, field="label", limit=100)
        if cleaned != relationship.label:
            relationship.label = cleaned
            changed.append("label")
    for name, value in _clean_grants(grants or {}).items():
        if getattr(relationship, name) != value:
            setattr(relationship, name, value)
            changed.append(name)
    if changed:
        relationship.save()
        _audit(access, "relationship.updated", "update", relationship, fields=changed)
    return relationship


@service_transaction
def relationship_delete(*, access: Access, client_id: int, relationship_id: int) -> None:
    """Unlink: only the relationship row goes; the other client (or contact) is untouched (R-MEM-4)."""
    _require_edit(access, code="relationship.deleted")
    client = selectors.client_get(access=access, client_id=client_id)
    relationship = _relationship(access, client, relationship_id)
    _audit(access, "relationship.deleted", "delete", relationship)
    relationship.delete()
