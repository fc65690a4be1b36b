"""Reads of client records that pages, the API, search and exports share (so a list means the same
everywhere). Every selector starts from `policies.visible_clients`, never from `Client.objects`."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from praxis.core.errors import NotFound
from praxis.core.lifecycle import LifecycleStatus
from praxis.workspaces.models import Membership

from . import policies, search
from .models import Client, CustomField, CustomSection, Relationship, Tag

if TYPE_CHECKING:
    from praxis.workspaces.access import Access


def _with_related(clients: QuerySet[Client]) -> QuerySet[Client]:
    """What a list row and a record header show, in a constant number of queries."""
    return clients.prefetch_related(
        Prefetch("clinicians", queryset=Membership.objects.select_related("user")),
        "tags",
    )


def clients_list(*, access: Access, status: str = LifecycleStatus.ACTIVE, q: str = "",
                 clinician_id: int | None = None, tag_id: int | None = None) -> QuerySet[Client]:
    """The clients a member may list, filtered and in name order (stable by id)."""
    clients = policies.visible_clients(access).filter(status=status)
    if clinician_id:
        clients = clients.filter(clinicians=clinician_id)
    if tag_id:
        clients = clients.filter(tags=tag_id)
    if q.strip():
        clients = matching(clients, q, country=access.workspace.country)
    if clinician_id or tag_id:
        clients = clients.distinct()
    return _with_related(clients).order_by("last_name", "first_name", "id")


def matching(clients: QuerySet[Client], q: str, *, country: str = "") -> QuerySet[Client]:
    """Clients whose normalised search text contains every term of the query (R-CLI-8).

    The same rows on both databases, each answered from an index over `search_text`
    (migration `0002_search_index`):
    - PostgreSQL: `search_text LIKE '%term%'` per term (Django escapes `%`, `_` and `\\`), which the
      pg_trgm GIN index answers for terms of three characters or more;
    - SQLite: terms of three characters or more in one FTS5 `MATCH` on the `trigram` table (each term a
      quoted string, so a substring match); shorter terms — which trigrams cannot see — as `LIKE`
      (escaped) on the rows that remain, and on their own as `LIKE` over the workspace's rows.
    The caller scopes `clients` to a workspace (and to what the member may see) first.
    """
    terms = search.query_terms(q, country=country)
    if connections[clients.db].vendor == "sqlite":
        indexed = [term for term in terms if len(term) >= 3]
        if indexed:
            clients = clients.filter(pk__in=RawSQL(
                "SELECT rowid FROM clients_client_fts WHERE clients_client_fts MATCH %s",
                (" ".join(search.fts5_string(term) for term in indexed),),
            ))
        terms = [term for term in terms if len(term) < 3]
    for term in terms:
        clients = clients.filter(search_text__contains=term)
    return clients


def with_team_and_tags(rows: list[Client]) -> list[Client]:
    """Set `care_team_ids` (membership ids) and `tag_names` on a page of clients, in two queries.

    What the API's list items carry. A `prefetch_related` gives the same answer but builds a related
    manager (and a scoped queryset) per row, which made the manager work ~60 % of an API list request.
    """
    ids = [client.pk for client in rows]
    team: dict[int, list[int]] = defaultdict(list)
    tags: dict[int, list[str]] = defaultdict(list)
    care_team = Client.clinicians.through._default_manager.filter(client_id__in=ids).order_by("membership_id")
    for client_id, membership_id in care_team.values_list("client_id", "membership_id"):
        team[client_id].append(membership_id)
    tagged = Client.tags.through._default_manager.filter(client_id__in=ids).order_by("tag__name")
    for client_id, name in tagged.values_list("client_id", "tag__name"):
        tags[client_id].append(name)
    for client in rows:
        client.care_team_ids = team[client.pk]  # type: ignore[attr-defined]
        client.tag_names = tags[client.pk]  # type: ignore[attr-defined]
    return rows


def client_counts(*, access: Access) -> dict[str, int]:
    row = policies.visible_clients(access).aggregate(
        active=Count("pk", filter=Q(status=LifecycleStatus.ACTIVE)),
        cancelled=Count("pk", filter=Q(status=LifecycleStatus.CANCELLED)),
    )
    return {"active": row["active"] or 0, "cancelled": row["cancelled"] or 0}


def client_get(*, access: Access, client_id: int) -> Client:
    """One client this member may open, or `NotFound` — the same for another workspace's, a missing one
    and one not assigned to them in a `team` workspace (R-ROLE-4)."""
    client = _with_related(policies.visible_clients(access)).filter(pk=client_id).first()
    if client is None:
        raise NotFound("not_found", "Not found.")
    return client


def clients_by_ids(*, access: Access, client_ids: list[int]) -> list[Client]:
    return list(policies.visible_clients(access).filter(pk__in=client_ids).order_by("last_name", "first_name"))


def live_fields(*, workspace) -> list[CustomField]:
    """The custom fields in use (not retired), in section and field order."""
    return list(CustomField.objects.filter(workspace=workspace, retired_at__isnull=True)
                .select_related("section").order_by("position", "id"))


def live_sections(*, workspace) -> list[CustomSection]:
    return list(CustomSection.objects.filter(workspace=workspace, retired_at__isnull=True))


def tags_list(*, workspace) -> QuerySet[Tag]:
    return Tag.objects.filter(workspace=workspace)


def clinicians_list(*, workspace) -> QuerySet[Membership]:
    """Members a client can be assigned to: active members with a login who write notes."""
    return (Membership.objects.filter(workspace=workspace, status=LifecycleStatus.ACTIVE, user__isnull=False,
                                      role__in=("owner", "admin", "clinician"))
            .select_related("user").order_by("first_name", "last_name", "user__first_name", "id"))


def relationships_of(*, access: Access, client: Client) -> list[tuple[Relationship, str, object]]:
    """The client's relationships from both sides: (relationship, type as seen from this client, the
    other end — a Client or a Contact). The other client is included only when the member may see them
    as a client; a linked client they may not open shows as the relationship without a link."""
    from .relationships import seen_from

    rows = (Relationship.objects.filter(workspace=access.workspace)
            .filter(Q(client=client) | Q(other_client=client))
            .select_related("client", "other_client", "contact").order_by("created_at", "id"))
    return [seen_from(rel, client) for rel in rows]
