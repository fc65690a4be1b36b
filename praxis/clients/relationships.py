"""Relationship types as each side sees them (R-CLI-4): "parent" on the child's record is "child" on the
parent's; symmetric types read the same from both sides."""

from __future__ import annotations

from .models import Relationship, RelationshipType

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


def seen_from(relationship: Relationship, client) -> tuple[Relationship, str, object]:
    """(relationship, its type from `client`'s side, the other end)."""
    if relationship.client_id == client.pk:
        other = relationship.other_client if relationship.other_client_id else relationship.contact
        return relationship, relationship.kind, other
    return relationship, RECIPROCAL[RelationshipType(relationship.kind)], relationship.client
