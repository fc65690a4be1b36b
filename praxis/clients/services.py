"""Writes of client records (R-CLI-1, R-CLI-2, R-MEM-1, R-MEM-4). Every function is keyword-only, runs in
one transaction and writes its audit entries; views, the API, the import and commands only call these.

Values pass through `praxis.clients.fields` (one validator per type), so a form, the API and an import
refuse the same input with the same message. What a member may send is decided by `policies`: a field
they may not see (the national identifier, a sensitive custom field without `clients.sensitive`) cannot
be written by them either — sending it is an audited 403, never a silent drop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from praxis.audit import services as audit
from praxis.billing.catalogue import check_client_limit
from praxis.core import clock
from praxis.core.errors import PermissionDenied, ServiceError
from praxis.core.lifecycle import LifecycleStatus, cancel_all, restore_all
from praxis.core.mail import send_templated_email, site_url
from praxis.core.transactions import service_transaction
from praxis.workspaces import licences
from praxis.workspaces.models import Membership, Workspace
from praxis.workspaces.roles import CLIENTS_MANAGE, CLIENTS_SENSITIVE, CLIENTS_VIEW, MEMBERS_MANAGE, Role

from . import fields, policies, search, selectors
from .fields import BUILTIN_FIELDS, SENSITIVE_BUILTIN_FIELDS
from .models import Client, ClientInvitation, CustomField, Tag

if TYPE_CHECKING:
    from praxis.workspaces.access import Access


# --- the account type's client limit (SPEC §4) --------------------------------------------------------

def workspace_account_type(workspace: Workspace) -> str:
    """Whose licence sets the client limit: the workspace owner's (a personal workspace is its owner's)."""
    owner = (Membership.objects.filter(workspace=workspace, role=Role.OWNER, status=LifecycleStatus.ACTIVE)
             .select_related("user").first())
    return licences.effective_account_type(owner.user) if owner and owner.user else "free"


def check_room_for(*, workspace: Workspace, adding: int) -> None:
    """Refuse when `adding` more active clients would pass the account type's limit (free: 10,
    essentials: 250). Called by create, import and restore — inside their transaction."""
    if adding <= 0:
        return
    active = Client.objects.filter(workspace=workspace, status=LifecycleStatus.ACTIVE).count()
    check_client_limit(account_type=workspace_account_type(workspace), active_clients=active + adding - 1)


# --- values -------------------------------------------------------------------------------------------

def _refuse_hidden(access: Access, values: Mapping[str, Any], custom: Mapping[str, Any], *, code: str) -> None:
    """R-ROLE-3: a member without `clients.sensitive` may not write what they may not read."""
    if policies.may_see_sensitive(access):
        return
    hidden = [name for name in values if name in SENSITIVE_BUILTIN_FIELDS]
    if custom:
        sensitive_keys = {d.key for d in selectors.live_fields(workspace=access.workspace) if d.sensitive}
        hidden += [f"custom.{key}" for key in custom if key in sensitive_keys]
    if hidden:
        raise PermissionDenied("forbidden", _("You do not have permission to change this field."),
                               field=hidden[0],
                               audit=access.refusal(code=code, permission=CLIENTS_SENSITIVE, fields=hidden))


def clean_values(values: Mapping[str, Any], *, country: str) -> dict[str, Any]:
    """Validate the given built-in fields; unknown names are refused."""
    unknown = [name for name in values if name not in BUILTIN_FIELDS]
    if unknown:
        raise ServiceError("unknown_field", _("There is no field “%(name)s”.") % {"name": unknown[0]},
                           field=unknown[0])
    return {name: fields.clean_builtin(name, raw, country=country) for name, raw in values.items()}


def _clinicians(access: Access, ids: Iterable[int]) -> list[Membership]:
    wanted = set(ids)
    found = list(selectors.clinicians_list(workspace=access.workspace).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ServiceError("invalid_clinician", _("Select clinicians of this workspace."), field="clinicians")
    return found


def tags_resolve(*, workspace: Workspace, names: Iterable[str]) -> list[Tag]:
    """The workspace's tags with these names, creating the missing ones (case-insensitively the same)."""
    cleaned: dict[str, str] = {}
    for raw in names:
        name = fields.clean_line(raw, field="tags", limit=60)
        if name:
            cleaned.setdefault(name.casefold(), name)
    existing = {t.name.casefold(): t for t in Tag.objects.filter(workspace=workspace)}
    missing = [Tag(workspace=workspace, name=name) for key, name in cleaned.items() if key not in existing]
    if missing:
        Tag.objects.bulk_create(missing)
        existing = {t.name.casefold(): t for t in Tag.objects.filter(workspace=workspace)}
    return [existing[key] for key in cleaned]


def client_build(*, workspace: Workspace, values: Mapping[str, Any], custom: Mapping[str, Any],
                 actor=None, definitions: list[CustomField] | None = None) -> Client:
    """An unsaved client from validated input — shared by `client_create` and the import, which
    bulk-inserts what this builds. `definitions`: the custom fields to validate (default: every live one;
    `client_create` passes those the member may see, so a required sensitive field they cannot fill in
    does not stop them)."""
    if definitions is None:
        definitions = selectors.live_fields(workspace=workspace)
    cleaned = clean_values(values, country=workspace.country)
    for name in ("first_name", "last_name"):
        if name not in cleaned:
            cleaned[name] = fields.clean_builtin(name, "", country=workspace.country)  # required
    moment = clock.now()
    client = Client(workspace=workspace, created_by=actor if getattr(actor, "pk", None) else None,
                    created_at=moment, updated_at=moment, **cleaned)
    client.custom = fields.clean_custom_values(definitions, dict(custom), country=workspace.country)
    client.search_text = search.search_text_for(client)
    return client


@service_transaction
def client_create(*, access: Access, values: Mapping[str, Any], custom: Mapping[str, Any] | None = None,
                  clinician_ids: Iterable[int] = (), tag_names: Iterable[str] = ()) -> Client:
    """Create one active client (R-CLI-1) within the account type's limit."""
    access.require(CLIENTS_MANAGE, code="client.created")
    custom = custom or {}
    _refuse_hidden(access, values, custom, code="client.created")
    definitions = policies.visible_custom_fields(access, selectors.live_fields(workspace=access.workspace))
    client = client_build(workspace=access.workspace, values=values, custom=custom, actor=access.user,
                          definitions=definitions)
    check_room_for(workspace=access.workspace, adding=1)
    clinicians = _clinicians(access, clinician_ids)
    if policies.sees_only_assigned(access) and access.membership not in clinicians:
        # A clinician of a `team` workspace would lose sight of the client they just created.
        clinicians.append(access.membership)
    client.save(force_insert=True)
    client.clinicians.set(clinicians)
    client.tags.set(tags_resolve(workspace=access.workspace, names=tag_names))
    audit.record(code="client.created", action="create", actor=access.user, workspace=access.workspace,
                 obj=client, client_id=client.pk, role=access.membership.role, permission=CLIENTS_MANAGE)
    return client


@service_transaction
def client_update(*, access: Access, client_id: int, values: Mapping[str, Any] | None = None,
                  custom: Mapping[str, Any] | None = None, clinician_ids: Iterable[int] | None = None,
                  tag_names: Iterable[str] | None = None) -> Client:
    """Change some fields of a client: only those given (one record section, or an API PATCH).

    Custom values are validated partially — fields not sent keep their value — and values of retired
    fields or fields the member may not see are kept untouched.
    """
    access.require(CLIENTS_MANAGE, code="client.updated")
    values, custom = dict(values or {}), dict(custom or {})
    client = selectors.client_get(access=access, client_id=client_id)
    _refuse_hidden(access, values, custom, code="client.updated")
    cleaned = clean_values(values, country=access.workspace.country)
    changed = sorted(name for name, value in cleaned.items() if getattr(client, name) != value)
    for name in changed:
        setattr(client, name, cleaned[name])
    if custom:
        definitions = policies.visible_custom_fields(access, selectors.live_fields(workspace=access.workspace))
        new_custom = fields.clean_custom_values(definitions, custom, country=access.workspace.country,
                                                current=client.custom, partial=True)
        changed += sorted(f"custom.{key}" for key in set(new_custom) | set(client.custom or {})
                          if (client.custom or {}).get(key) != new_custom.get(key))
        client.custom = new_custom
    if clinician_ids is not None:
        clinicians = _clinicians(access, clinician_ids)
        if {m.pk for m in clinicians} != {m.pk for m in client.clinicians.all()}:
            client.clinicians.set(clinicians)
            changed.append("clinicians")
    if tag_names is not None:
        tags = tags_resolve(workspace=access.workspace, names=tag_names)
        if {t.pk for t in tags} != {t.pk for t in client.tags.all()}:
            client.tags.set(tags)
            changed.append("tags")
    if changed:
        client.updated_at = clock.now()
        client.search_text = search.search_text_for(client)
        client.save()
        # The names of the changed fields, never their values (they are health data, R-AUD-1).
        audit.record(code="client.updated", action="update", actor=access.user, workspace=access.workspace,
                     obj=client, client_id=client.pk, role=access.membership.role, permission=CLIENTS_MANAGE,
                     data={"fields": changed})
    return client


def client_view(*, access: Access, client_id: int, via: str = "record") -> Client:
    """Open a client record: the read is logged with the NEN 7513 fields (R-AUD-1). Refused opens —
    another workspace's client, or one not assigned in a `team` workspace — answer `NotFound` and are
    logged by the caller's 404 handling."""
    client = selectors.client_get(access=access, client_id=client_id)
    audit.record(code="client.viewed", action="read", actor=access.user, workspace=access.workspace,
                 obj=client, client_id=client.pk, role=access.membership.role, permission=CLIENTS_VIEW,
                 data={"via": via})
    return client


def clients_searched(*, access: Access, query: str, hits: int, via: str = "list") -> None:
    """R-AUD-1: every search is logged with its query and the number of hits."""
    audit.record(code="client.searched", action="read", actor=access.user, workspace=access.workspace,
                 object_type="clients.client", role=access.membership.role, permission=CLIENTS_VIEW,
                 query=query, data={"hits": hits, "via": via})


# --- exports (R-CLI-10, R-AUD-1) ----------------------------------------------------------------------

EXPORT_FORMATS = ("json", "fhir")


def clients_exported(*, access: Access, clients: QuerySet[Client], filters: Mapping[str, Any],
                     via: str = "csv") -> int:
    """R-AUD-1: an export of the client list is logged as one entry for the export (its number of rows
    and its filters; the search text in `query`, as for a search) and one `client.exported` entry per
    client in it — so each client's access history (R-AUD-3) names the export. Written in one
    transaction before the first row is streamed; returns the number of rows."""
    ids = list(clients.order_by().values_list("pk", flat=True))
    with transaction.atomic():
        audit.record(code="clients.exported", action="read", actor=access.user, workspace=access.workspace,
                     object_type="clients.client", role=access.membership.role, permission=CLIENTS_VIEW,
                     query=str(filters.get("q") or ""), data={"count": len(ids), "via": via,
                                                              "filters": {k: v for k, v in filters.items() if v}})
        audit.record_each(code="client.exported", action="read", actor=access.user, workspace=access.workspace,
                          object_type=Client._meta.label_lower, ids=[(pk, pk) for pk in ids],
                          role=access.membership.role, permission=CLIENTS_VIEW,
                          data={"format": via, "list": True})
    return len(ids)


@service_transaction
def client_export(*, access: Access, client_id: int, fmt: str = "json") -> dict[str, Any]:
    """One client's data for a GDPR access request (R-CLI-10), as JSON (`exports.client_data`) or as a
    FHIR R4 Bundle (`fhir.bundle`), with what this member may see (R-ROLE-3). The export is logged first,
    in the same transaction (R-AUD-1), so the access history it carries names this export too. A client
    the member may not open is `NotFound`; one they may open without `clients.manage` an audited 403."""
    from . import exports, fhir

    if fmt not in EXPORT_FORMATS:
        raise ServiceError("invalid_format", _("Choose JSON or FHIR."), field="format")
    client = selectors.client_get(access=access, client_id=client_id)
    if not policies.may_export_client(access, client):
        raise PermissionDenied("forbidden", _("You do not have permission to do this."),
                               audit=access.refusal(code="client.exported", permission=CLIENTS_MANAGE,
                                                    action="read", format=fmt) | {"client_id": client.pk})
    sensitive = policies.may_see_sensitive(access)
    history = policies.may_view_access_history(access)
    audit.record(code="client.exported", action="read", actor=access.user, workspace=access.workspace,
                 obj=client, client_id=client.pk, role=access.membership.role, permission=CLIENTS_MANAGE,
                 data={"format": fmt, "sensitive": sensitive, "access_history": history})
    relationships = exports.client_relationships(client)
    if fmt == "fhir":
        return fhir.bundle(client, relationships, sensitive=sensitive, country=access.workspace.country)
    return exports.client_data(client, sensitive=sensitive, history=history, relationships=relationships)


# --- cancel and restore (R-MEM-1, R-MEM-4) ------------------------------------------------------------

def _selected(access: Access, client_ids: Iterable[int]) -> list[Client]:
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        raise ServiceError("nothing_selected", _("Select at least one client."))
    found = selectors.clients_by_ids(access=access, client_ids=ids)
    if len(found) != len(ids):
        from praxis.core.errors import NotFound

        raise NotFound("not_found", "Not found.")
    return found


@service_transaction
def clients_cancel(*, access: Access, client_ids: Iterable[int]) -> list[Client]:
    """Cancel clients, one or many (R-MEM-1): they move to the cancelled list, nothing is deleted (R-MEM-4);
    a client with portal access loses it at once (R-MEM-2) and is e-mailed in their language."""
    access.require(MEMBERS_MANAGE, code="client.cancelled")
    selected = _selected(access, client_ids)
    changed_ids = set(cancel_all(Client.objects.filter(pk__in=[c.pk for c in selected]), actor=access.user))
    changed = [c for c in selected if c.pk in changed_ids]
    _lifecycle_audit_and_mail(access, changed, code="client.cancelled", template="client_cancelled")
    return changed


@service_transaction
def clients_restore(*, access: Access, client_ids: Iterable[int]) -> list[Client]:
    """Restore cancelled clients (R-MEM-1), within the account type's client limit."""
    access.require(MEMBERS_MANAGE, code="client.restored")
    selected = _selected(access, client_ids)
    check_room_for(workspace=access.workspace,
                   adding=sum(1 for c in selected if c.status == LifecycleStatus.CANCELLED))
    changed_ids = set(restore_all(Client.objects.filter(pk__in=[c.pk for c in selected])))
    changed = [c for c in selected if c.pk in changed_ids]
    _lifecycle_audit_and_mail(access, changed, code="client.restored", template="client_restored")
    return changed


def _lifecycle_audit_and_mail(access: Access, changed: list[Client], *, code: str, template: str) -> None:
    audit.record_many([
        {"code": code, "action": "update", "actor": access.user, "workspace": access.workspace, "obj": client,
         "client_id": client.pk, "role": access.membership.role, "permission": MEMBERS_MANAGE}
        for client in changed
    ])
    with_portal = [c for c in changed if c.user_id]
    users = {u.pk: u for u in _users([c.user_id for c in with_portal if c.user_id is not None])}
    for client in with_portal:
        user = users[client.user_id]
        send_templated_email(to=user.email, template=template, language=client.language or user.language,
                             context={"name": client.display_name, "workspace": access.workspace.name,
                                      "login_url": site_url("/")})
    # Those who use the portal on a client's behalf (a parent, R-CLI-11) are told too, in their language.
    by_pk = {c.pk: c for c in changed}
    grants = (ClientInvitation.objects.filter(client_id__in=list(by_pk), on_behalf=True,
                                              status=ClientInvitation.Status.ACCEPTED, accepted_by__isnull=False,
                                              relationship__portal_access=True)
              .select_related("accepted_by").order_by("pk"))
    told: set[tuple[int, int]] = set()
    for grant in grants:
        person = grant.accepted_by
        if person is None or (grant.client_id, person.pk) in told:
            continue
        told.add((grant.client_id, person.pk))
        send_templated_email(to=person.email, template=f"{template}_representative",
                             language=person.language or grant.language,
                             context={"name": person.display_name, "client": by_pk[grant.client_id].display_name,
                                      "workspace": access.workspace.name, "login_url": site_url("/")})


def _users(ids: list[int]):
    from praxis.accounts.models import User

    return User.objects.filter(pk__in=ids) if ids else []


def active_client_count(*, workspace: Workspace) -> int:
    return Client.objects.filter(workspace=workspace, status=LifecycleStatus.ACTIVE).aggregate(n=Count("pk"))["n"]
