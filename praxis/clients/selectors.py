"""Reads of client records that pages, the API, search and exports share (so a list means the same
everywhere). Every selector starts from `policies.visible_clients`, never from `Client.objects`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connections, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from praxis.accounts.models import User
from praxis.audit.models import AuditEvent
from praxis.core.errors import NotFound
from praxis.core.lifecycle import LifecycleStatus
from praxis.workspaces.models import Membership, Workspace

from . import policies, search
from .models import Client, Contact, CustomField, CustomSection, Relationship, Tag

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
        clients = matching(clients, q, workspace=access.workspace)
    if clinician_id or tag_id:
        clients = clients.distinct()
    return _with_related(clients).order_by("last_name", "first_name", "id")


def matching(clients: QuerySet[Client], q: str, *, workspace: Workspace) -> QuerySet[Client]:
    """Clients whose normalised search text contains every term of the query (R-CLI-8).

    The same rows on both databases, each answered from an index over `search_text`
    (migrations `0002_search_index`, `0006_search_index_per_workspace`):
    - PostgreSQL: `search_text LIKE '%term%'` per term (Django escapes `%`, `_` and `\\`), which the
      GIN index over (workspace, trigrams) answers for terms of three characters or more, the workspace
      in the same index scan (every workspace predicate of the query is written `bigint = bigint`:
      `praxis.core.lookups.TenantKeyExact`);
    - SQLite: terms of three characters or more in one FTS5 `MATCH` on the `trigram` table (each term a
      quoted string, so a substring match); shorter terms — which trigrams cannot see — as `LIKE`
      (escaped) on the rows that remain, and on their own as `LIKE` over the workspace's rows.
    A query that is one whole date compares the date of birth (`search.query_date`; the
    `(workspace, date_of_birth)` index). The caller scopes `clients` to a workspace (and to what the
    member may see) first; evaluate a page of the result inside `search_plan(q)`.
    """
    born = search.query_date(q, country=workspace.country)
    if born is not None:
        return clients.filter(date_of_birth=born)
    terms = search.query_terms(q, country=workspace.country)
    if connections[clients.db].vendor == "sqlite":
        indexed = [term for term in terms if len(term) >= 3]
        if indexed:
            first, last = search.fts_rowid_range(workspace.pk)
            clients = clients.filter(pk__in=RawSQL(
                "SELECT rowid - %s FROM clients_client_fts WHERE clients_client_fts MATCH %s AND rowid BETWEEN %s AND %s",
                (first, " ".join(search.fts5_string(term) for term in indexed), first, last),
            ))
        terms = [term for term in terms if len(term) < 3]
    for term in terms:
        clients = clients.filter(search_text__contains=term)
    return clients


@contextmanager
def search_plan(q: str, *, using: str = "default") -> Iterator[bool]:
    """Where a page of a search (and its count) is read (R-CLI-8); yields whether an index finds every
    match before they are sorted — the search index (every term three characters or more) or the date of
    birth index (a whole date). Such a search reads every match to sort them anyway, so its page and its
    count are one query (`paginate(..., count_in_page=True)`).

    On PostgreSQL, with `ORDER BY name LIMIT 50` the planner likes to walk the name index and filter,
    betting that matches are spread evenly; a surname or a fragment clusters in the alphabet ("Ver…"
    sits at the end), so that walk reads most of a large workspace before it has a page. The trigram
    index finds every match of the workspace at a cost bounded by the matches, and a top-N sort of them
    is cheap — so for an indexed query plain index scans are switched off for the block, inside its own
    transaction (savepoint), and switched back on before it ends. Bitmap scans stay on. Elsewhere, and
    for shorter terms, nothing changes.

    (A plan without the setting was looked for and not found: with the ORDER BY on an expression, or the
    matches in a MATERIALIZED CTE, the planner walks the workspace's btree index instead — 31 ms for
    "jansen" against 2.5 at 1 000 000 clients — because it prices the GIN bitmap scan above it.)"""
    connection = connections[using]
    if search.query_date(q) is not None:
        yield True
        return
    terms = search.query_terms(q)
    indexed = bool(terms) and all(len(term) >= 3 for term in terms)
    if connection.vendor != "postgresql" or not indexed:
        yield indexed
        return
    if not connection.in_atomic_block:
        # Its own transaction (a list request): the COMMIT puts the setting back, one statement fewer.
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('enable_indexscan', 'off', true)")
            yield indexed
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_indexscan'), set_config('enable_indexscan', 'off', true)")
        before = cursor.fetchone()[0]
        yield indexed
        # Released, a savepoint keeps the setting to the end of the outer transaction: put it back. On
        # an error the savepoint's rollback reverts it (and the aborted transaction accepts no query).
        cursor.execute("SELECT set_config('enable_indexscan', %s, true)", [before])


def with_team_and_tags(rows: list[Client]) -> list[Client]:
    """Set `care_team` (memberships with their user) and `tag_list` on a page of clients, in ONE query
    (`teams_and_tags`). What list rows show, on every client list page."""
    team, tags = teams_and_tags([client.pk for client in rows])
    for client in rows:
        client.care_team = team[client.pk]  # type: ignore[attr-defined]
        client.tag_list = tags[client.pk]  # type: ignore[attr-defined]
    return rows


def teams_and_tags(ids: list[int]) -> tuple[dict[int, list[Membership]], dict[int, list[Tag]]]:
    """The care team (memberships with their user) and the tags of each client of `ids`, in ONE query.

    What list rows show, on every client list page and API list or search request. `prefetch_related`
    gives the same answer but builds a related manager and a scoped queryset per row (~25 % of a list
    page, ~60 % of an API list request); two ORM queries with `select_related` still cost ~3 ms of query
    building on the production machine class. So the two link tables are read in one plain statement
    (a UNION of the care team and the tags, each in the order the record shows them: clinicians by
    surname, tags by name). It reads only the links of the clients given — the page of a queryset that
    is already tenant-scoped and filtered by the visibility policy — and a link's membership or tag
    belongs to its client's workspace. Use on a page, not on an unbounded queryset.
    """
    team: dict[int, list[Membership]] = defaultdict(list)
    tags: dict[int, list[Tag]] = defaultdict(list)
    if ids:
        connection = connections[Client.objects.db]
        quote = connection.ops.quote_name
        care, tagged = Client.clinicians.through._meta.db_table, Client.tags.through._meta.db_table
        members, users, labels = Membership._meta.db_table, User._meta.db_table, Tag._meta.db_table
        # PostgreSQL: the ids as one array parameter — the statement text is then the same for every page
        # and psycopg reuses its parsed form (it parses a statement of more than 50 parameters every time).
        params: list[Any]
        if connection.vendor == "postgresql":
            among, params = "= ANY(%s)", [ids, ids]
        else:
            among, params = f"IN ({', '.join(['%s'] * len(ids))})", [*ids, *ids]
        sql = (f"SELECT 0 AS kind, l.client_id, m.id, m.workspace_id, m.first_name, m.last_name, u.id, u.first_name, "
               f"u.last_name AS sort_key, u.email FROM {quote(care)} l JOIN {quote(members)} m ON m.id = l.membership_id "
               f"LEFT JOIN {quote(users)} u ON u.id = m.user_id WHERE l.client_id {among} "
               f"UNION ALL SELECT 1, l.client_id, t.id, t.workspace_id, t.name, NULL, NULL, NULL, t.name, NULL "
               f"FROM {quote(tagged)} l JOIN {quote(labels)} t ON t.id = l.tag_id WHERE l.client_id {among} "
               f"ORDER BY 1, 9, 3")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        for kind, client_id, pk, workspace_id, first, last, user_id, user_first, user_last, email in found:
            if kind == 0:
                member = _loaded(Membership, id=pk, workspace_id=workspace_id, user_id=user_id, first_name=first,
                                 last_name=last)
                if user_id is not None:
                    member.user = _loaded(User, id=user_id, email=email, first_name=user_first, last_name=user_last)
                team[client_id].append(member)
            else:
                tags[client_id].append(_loaded(Tag, id=pk, workspace_id=workspace_id, name=first))
    return team, tags


def _loaded(model, **values):
    """An instance of `model` as read from the database with only these columns (the others deferred).
    `Model.from_db` takes the values in the model's field order, whatever order the names are given in."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(None, names, [values[name] for name in names])


def client_counts(*, access: Access) -> dict[str, int]:
    """Active and cancelled clients this member may list (the list's two tabs). Two counts, each a range
    of the (workspace, status, name) index; one aggregate with a filter per status reads every entry of
    the workspace and tests each (4× slower at 100 000 clients on SQLite)."""
    visible = policies.visible_clients(access)
    return {status: visible.filter(status=status).count()
            for status in (LifecycleStatus.ACTIVE, LifecycleStatus.CANCELLED)}


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
    """The custom fields in use, in field order: not retired, and not in a retired section (a retired
    section hides its fields with it). Only these are shown and validated on every write path (R-CLI-2)."""
    return list(CustomField.objects.filter(workspace=workspace, retired_at__isnull=True)
                .filter(Q(section__isnull=True) | Q(section__retired_at__isnull=True))
                .select_related("section").order_by("position", "id"))


def live_sections(*, workspace) -> list[CustomSection]:
    return list(CustomSection.objects.filter(workspace=workspace, retired_at__isnull=True))


def all_fields(*, workspace) -> list[CustomField]:
    """Every custom field ever defined, live and retired (the settings page), with its section."""
    return list(CustomField.objects.filter(workspace=workspace).select_related("section").order_by("position", "id"))


def all_sections(*, workspace) -> list[CustomSection]:
    return list(CustomSection.objects.filter(workspace=workspace).order_by("position", "id"))


def tags_list(*, workspace) -> QuerySet[Tag]:
    return Tag.objects.filter(workspace=workspace)


def clinicians_list(*, workspace) -> QuerySet[Membership]:
    """Members a client can be assigned to: active members with a login who write notes."""
    return (Membership.objects.filter(workspace=workspace, status=LifecycleStatus.ACTIVE, user__isnull=False,
                                      role__in=("owner", "admin", "clinician"))
            .select_related("user").order_by("first_name", "last_name", "user__first_name", "id"))


def relationships_of(*, access: Access, client: Client) -> list[tuple[Relationship, str, object]]:
    """The client's relationships from both sides: (relationship, type as seen from this client, the
    other end — a Client or a Contact), in two queries whatever their number. The other client is marked
    `openable` only when the member may open them (R-WS-2: a clinician of a `team` workspace sees the
    relationship to a client not assigned to them, without a link to that record)."""
    from .relationships import seen_from

    rows = [seen_from(rel, client) for rel in (
        Relationship.objects.filter(workspace=access.workspace)
        .filter(Q(client=client) | Q(other_client=client))
        .select_related("client", "other_client", "contact").order_by("created_at", "id"))]
    others = [other for _rel, _kind, other in rows if isinstance(other, Client)]
    if others and policies.sees_only_assigned(access):
        openable = set(policies.visible_clients(access).filter(pk__in=[o.pk for o in others])
                       .values_list("pk", flat=True))
    else:
        openable = {o.pk for o in others}
    for other in others:
        other.openable = other.pk in openable  # type: ignore[attr-defined]
    return rows


def contacts_list(*, workspace) -> QuerySet[Contact]:
    """The workspace's external contacts (R-CLI-4), by name."""
    return Contact.objects.filter(workspace=workspace).order_by("name", "id")


def link_candidates(*, access: Access, client: Client, q: str, limit: int = 10) -> list[Client]:
    """Clients this member may link `client` to whose name, e-mail, phone or date of birth match `q`
    (the list's search, R-CLI-8) — never the client itself, never one they may not open."""
    if not q.strip():
        return []
    candidates = matching(policies.linkable_clients(access).exclude(pk=client.pk), q, workspace=access.workspace)
    return list(candidates.order_by("last_name", "first_name", "id")[:limit])


def access_history(client: Client) -> QuerySet[AuditEvent]:
    """Every audit entry about this client, newest first: who opened, searched into, changed or exported
    the record, when, with what role, via which access point, on whose behalf, with what outcome
    (R-AUD-1, R-AUD-3; GDPR art. 15).

    Shared by the record's Access history tab, the client's own portal and the per-client data export,
    so all three list the same entries. It is not a permission answer: the caller has already decided
    that the reader may see it (`policies.may_view_access_history` for members; the client themself in
    the portal). Entries are those written with `client_id` = this client in the client's workspace
    (`services.client_view`, `client_update`, `client_export`, …); a list search names no single client
    and is not among them. Constant queries: the actor and the "on behalf of" user are joined.
    """
    return (AuditEvent.objects.filter(workspace_id=client.workspace_id, client_id=str(client.pk))
            .select_related("user", "on_behalf_of").order_by("-id"))


def access_history_rows(client: Client, *, limit: int = 500) -> list[dict]:
    """The entries of `access_history` as the portal shows them (page and API): when, what, who, in which
    role, on whose behalf, the outcome — labels translated in the reader's language."""
    from praxis.audit.labels import event_label, outcome_label

    return [{
        "at": event.occurred_at,
        "code": event.event_code,
        "label": str(event_label(event.event_code)),
        "action": event.action,
        "outcome": event.outcome,
        "outcome_label": str(outcome_label(event.outcome)),
        "who": event.user_display or (event.user.display_name if event.user else ""),
        "role": event.role,
        "on_behalf_of": event.on_behalf_of.display_name if event.on_behalf_of else "",
        "via": event.via,
    } for event in access_history(client)[:limit]]
