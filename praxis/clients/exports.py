"""What the client exports contain (R-CLI-10): the client list as CSV and one client's data for a GDPR
access request (JSON; the FHIR form is `praxis.clients.fhir`).

What goes in is decided before a value gets here: the CSV's columns are the fields of
`policies.visible_builtin_fields` and `policies.visible_custom_fields`, its rows the clients of the
member's filtered list (`selectors.clients_list`, which starts from `policies.visible_clients`); the JSON
takes `sensitive` (may the reader receive the national identifier and sensitive custom values) and
`history` (may they receive the access history). Absent means absent: a withheld field is not a null
column or key (R-ROLE-3). Every CSV cell goes through `praxis.core.exports.csv_writer` (formula
injection). The audit entries are written by `services.clients_exported` / `services.client_export`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from praxis.audit.labels import action_label, event_label, outcome_label
from praxis.core import clock
from praxis.core.exports import csv_writer

from . import policies, selectors
from .forms import builtin_label
from .models import Client, Contact, CustomField, Relationship
from .relationships import seen_from

if TYPE_CHECKING:
    from praxis.workspaces.access import Access

CSV_CHUNK = 2000  # rows fetched (and care teams prefetched) per round trip while streaming


# --- the client list as CSV ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Client], Any]


def _builtin(name: str) -> Callable[[Client], Any]:
    def value(client: Client) -> Any:
        raw = getattr(client, name)
        return raw.isoformat() if hasattr(raw, "isoformat") else raw
    return value


def _custom(definition: CustomField) -> Callable[[Client], Any]:
    def value(client: Client) -> Any:
        raw = (client.custom or {}).get(definition.key)
        if isinstance(raw, list):
            return ", ".join(str(item) for item in raw)
        return raw
    return value


def list_columns(access: Access) -> list[Column]:
    """The CSV's columns for this member: id and status, the built-in fields they may see (stored values:
    ISO dates, E.164 phones, codes — so the file imports back), the care team, then the live custom
    fields they may see. Headers in the member's language."""
    columns = [Column(_("ID"), lambda c: c.pk), Column(_("Status"), lambda c: c.status)]
    columns += [Column(builtin_label(name), _builtin(name)) for name in policies.visible_builtin_fields(access)]
    columns += [
        Column(builtin_label("clinicians"), lambda c: ", ".join(m.display_name for m in c.clinicians.all())),
        Column(builtin_label("tags"), lambda c: ", ".join(t.name for t in c.tags.all())),
    ]
    definitions = policies.visible_custom_fields(access, selectors.live_fields(workspace=access.workspace))
    columns += [Column(d.label, _custom(d)) for d in definitions]
    return columns


def csv_lines(columns: Sequence[Column], clients: QuerySet[Client]) -> Iterator[str]:
    """The CSV, line by line: the header, then one row per client, read `CSV_CHUNK` at a time
    (`iterator()` with the care team prefetched per chunk), so 100 000 clients never sit in memory."""
    writer = csv_writer()
    yield "\ufeff" + writer.writerow([column.header for column in columns])  # BOM: Excel reads UTF-8
    for client in clients.iterator(chunk_size=CSV_CHUNK):
        yield writer.writerow([column.value(client) for column in columns])


# --- one client's data (GDPR access request) ----------------------------------------------------------


def client_relationships(client: Client) -> list[tuple[Relationship, str, object]]:
    """The client's relationships from both sides, as `selectors.relationships_of` gives them, without an
    `Access` (the portal exports a client's own data)."""
    rows = (Relationship.objects.filter(workspace_id=client.workspace_id)
            .filter(Q(client=client) | Q(other_client=client))
            .select_related("client", "other_client", "contact").order_by("created_at", "id"))
    return [seen_from(rel, client) for rel in rows]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def history_entry(event) -> dict[str, Any]:
    """One access-history entry as the export and the portal give it (R-AUD-3): who, when, role, what."""
    return {
        "at": _iso(event.occurred_at),
        "event": event.event_code,
        "label": event_label(event.event_code),
        "action": action_label(event.action),
        "outcome": outcome_label(event.outcome),
        "user": event.user_display,
        "role": event.role,
        "on_behalf_of": event.on_behalf_of.display_name if event.on_behalf_of_id else None,
        "via": event.via,
    }


# What other apps hold about a client, for the data export (GDPR art. 15): key → `(client) -> list[dict]`
# (scheduling: "appointments"). Registered in their `AppConfig.ready`, like the record's tabs.
_DATA_SECTIONS: dict[str, Callable[[Client], list[dict[str, Any]]]] = {}


def register_data_section(key: str, provider: Callable[[Client], list[dict[str, Any]]]) -> None:
    _DATA_SECTIONS[key] = provider


def client_data(client: Client, *, sensitive: bool, history: bool,
                relationships: list[tuple[Relationship, str, object]] | None = None) -> dict[str, Any]:
    """Everything Praxis holds about the client (R-CLI-10, GDPR art. 15): personal details, custom values
    (of retired fields too: they are still held), tags, assigned clinicians, relationships, linked
    contacts and — with `history` — the access history. `sensitive=False` leaves out the national
    identifier and sensitive custom values; `withheld` says what was left out and why, never its value."""
    from praxis.clients.fields import BUILTIN_FIELDS, SENSITIVE_BUILTIN_FIELDS

    names = [n for n in BUILTIN_FIELDS if sensitive or n not in SENSITIVE_BUILTIN_FIELDS]
    details: dict[str, Any] = {name: getattr(client, name) for name in names}
    details["date_of_birth"] = _iso(client.date_of_birth)
    definitions = list(CustomField.objects.filter(workspace_id=client.workspace_id)
                       .select_related("section").order_by("position", "id"))
    shown = [d for d in definitions if sensitive or not d.sensitive]
    values = client.custom or {}
    custom = [{"key": d.key, "label": d.label, "type": d.field_type,
               "section": d.section.name if d.section is not None else d.builtin_section,
               "retired": d.is_retired, "value": values.get(d.key)}
              for d in shown if d.key in values]
    known = {d.key for d in definitions}
    if sensitive:  # a value whose definition is gone: nobody can say it is not sensitive
        custom += [{"key": key, "label": key, "type": None, "section": None, "retired": True, "value": value}
                   for key, value in values.items() if key not in known]
    relationships = client_relationships(client) if relationships is None else relationships
    links, contacts = [], {}
    for rel, kind, other in relationships:
        link: dict[str, Any] = {
            "id": rel.pk, "type": kind, "label": rel.label,
            "emergency_contact": rel.emergency_contact, "receives_information": rel.receives_information,
            "responsible_for_billing": rel.responsible_for_billing, "portal_access": rel.portal_access,
            "since": _iso(rel.created_at),
        }
        if isinstance(other, Client):
            link["client"] = {"id": other.pk, "name": other.full_name}
        elif isinstance(other, Contact):
            link["contact"] = other.pk
            contacts[other.pk] = {"id": other.pk, "name": other.name, "organisation": other.organisation,
                                  "email": other.email, "phone": other.phone}
        links.append(link)
    data: dict[str, Any] = {
        "format": "praxis.client-export",
        "version": 1,
        "exported_at": _iso(clock.now()),
        "workspace": {"name": client.workspace.name, "slug": client.workspace.slug},
        "client": {"id": client.pk, "status": client.status, **details,
                   "created_at": _iso(client.created_at), "updated_at": _iso(client.updated_at),
                   "cancelled_at": _iso(client.cancelled_at), "has_portal_login": client.user_id is not None},
        "custom_fields": custom,
        "tags": [t.name for t in client.tags.all()],
        "clinicians": [{"id": m.pk, "name": m.display_name} for m in client.clinicians.all()],
        "relationships": links,
        "contacts": list(contacts.values()),
    }
    for key, provider in sorted(_DATA_SECTIONS.items()):
        data[key] = provider(client)
    withheld = []
    if not sensitive:
        withheld += ["national_id", "sensitive_custom_fields"]
    if history:
        data["access_history"] = [history_entry(e) for e in selectors.access_history(client).iterator()]
    else:
        withheld.append("access_history")
    if withheld:
        data["withheld"] = withheld
    return data
