"""The tenant-isolation walker (R-ROLE-4; STYLE item 13).

It enumerates EVERY URL pattern of the project when the tests are collected — HTML views and the API's
django-ninja routes alike, whoever added them — and, for each pattern with a workspace or object
parameter, proves that practice A's owner (who holds every capability) cannot reach practice B:

(a) `ws` = B's slug and every other id from B → 404 (405 for a method the route does not have);
(b) `ws` = A's slug but object ids (in the path, or in the JSON body) from B → 404;
(c) an API token scoped to A cannot open the owner's *other* workspace (their personal one) → 404.

No answer may contain B's name, its people's addresses or (in (b)) its slug, no e-mail may be
scheduled, and B's data must be exactly as before. A new pattern whose parameters the walker does not
know makes `test_every_parametrised_pattern_is_walked_or_allow_listed` fail: map the parameter in
`OBJECT_PARAMS` (give the tenants such an object in `conftest.build_tenant`) or, with a reason, add it
to the allow-list below. An API operation whose body the walker cannot satisfy (422) fails too: add a
valid body to `VALID_BODIES`.
"""

import inspect
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django_scopes import scope, scopes_disabled

from praxis.testing import PASSWORD
from praxis.testing.db import shared_per_module

from .conftest import build_tenants

# The two practices are built once per module: each walker case runs in a savepoint over them.
_shared_world, api_tenants = shared_per_module(build_tenants, name="api_tenants")

# --- the allow-list: everything the walker deliberately does not exercise, and why -------------------------

SKIPPED_PREFIXES = {
    # The operator console (Django admin) is staff-only and cross-workspace by design (SPEC §1); its
    # middleware lifts the tenant scope on purpose. A practice owner is not staff: covered by core tests.
    "operator/": "operator console",
    # Django's language switch: no workspace, no object.
    "i18n/": "language switch",
    # Static and uploaded files are served by the web server in production.
    "static/": "static files",
    "media/": "uploaded files",
}
SKIPPED_ROUTES = {
    # The OpenAPI schema and its interactive docs describe the API; no tenant data (see test_api).
    "api/v1/openapi.json": "OpenAPI schema",
    "api/v1/docs": "OpenAPI docs",
}
# Parameters that do not address a workspace's object. A pattern whose only parameters are these is
# skipped: an invitation link (`/api/v1/invitations/<token>`, its HTML twin) or a password-set link is
# addressed to a person, and knowing the secret is the authorisation (R-INV-3, R-ACC-2); dead and foreign
# links are tested in test_api. In a pattern that also has other parameters, B's invitation token is used.
NOT_WORKSPACE_BOUND = {"token"}
# Patterns without any parameter are not walked: they cannot address another workspace's object and are
# covered by their own tests (`/api/v1/workspaces` lists only the caller's workspaces: test_api).

WORKSPACE_PARAM = "ws"
ALL_API_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
HTML_METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Ids:
    """The ids the walker substitutes, all from one workspace (B's, or A's owner's personal one)."""

    slug: str
    members: tuple[int, ...]  # tried in turn for a `member_id`: active clinician, contact person, cancelled
    invitations: tuple[int, ...]
    tokens: tuple[int, ...]
    invoices: tuple[int, ...]
    active_member: int
    contact_member: int
    admin_member: int
    cancelled_member: int
    invitation_token: str
    notifications: tuple[int, ...] = ()  # the owner's own (person-bound, not workspace-bound: issue 6 point 4)
    clients: tuple[int, ...] = ()  # tried in turn for a `client_id`: active, cancelled (issue 7)
    client: int = 0
    cancelled_client: int = 0
    relationships: tuple[int, ...] = ()  # a client's relationship (to an external contact), R-CLI-4
    contact: int = 0  # an external contact of the client (R-CLI-4)
    import_jobs: tuple[int, ...] = ()  # a client import job (R-CLI-9)
    fields: tuple[int, ...] = ()  # tried in turn for a `field_id`: live, retired custom field (R-CLI-2)
    sections: tuple[int, ...] = ()  # tried in turn for a `section_id`: live, retired custom section
    section: int = 0
    tickets: tuple[int, ...] = ()  # a support ticket with a file and a follower (SPEC §10)
    attachments: tuple[int, ...] = ()
    watchers: tuple[int, ...] = ()
    sales_requests: tuple[int, ...] = ()  # the operator's, from this workspace: the console is 404 to members
    appointments: tuple[int, ...] = ()  # tried in turn for an `appointment_id`: booked, cancelled (SPEC §9)


def tenant_ids(tenant) -> Ids:
    from praxis.notifications.models import Notification

    m = tenant.members
    return Ids(
        slug=tenant.slug,
        members=(m["clinician"].pk, m["contact"].pk, m["cancelled"].pk),
        invitations=(tenant.invitation.pk,),
        tokens=(tenant.owner_token.pk,),
        invoices=(tenant.extra["invoice"].pk,),
        active_member=m["clinician"].pk,
        contact_member=m["contact"].pk,
        admin_member=m["admin"].pk,
        cancelled_member=m["cancelled"].pk,
        invitation_token=tenant.invitation_token,
        notifications=tuple(Notification.objects.for_user(tenant.owner).values_list("pk", flat=True)),
        clients=(tenant.extra["client"].pk, tenant.extra["cancelled_client"].pk),
        client=tenant.extra["client"].pk,
        cancelled_client=tenant.extra["cancelled_client"].pk,
        relationships=(tenant.extra["relationship"].pk,),
        contact=tenant.extra["contact"].pk,
        import_jobs=(tenant.extra["import_job"].pk,),
        fields=(tenant.extra["custom_field"].pk, tenant.extra["retired_field"].pk),
        sections=(tenant.extra["custom_section"].pk, tenant.extra["retired_section"].pk),
        section=tenant.extra["custom_section"].pk,
        tickets=(tenant.extra["ticket"].pk,),
        attachments=(tenant.extra["attachment"].pk,),
        watchers=(tenant.extra["watcher"].pk,),
        sales_requests=(tenant.extra["sales_request"].pk,),
        appointments=(tenant.extra["appointment"].pk, tenant.extra["cancelled_appointment"].pk),
    )


# Object parameters, by name → the candidate values from a workspace's ids.
OBJECT_PARAMS: dict[str, Callable[[Ids], tuple]] = {
    "member_id": lambda ids: ids.members,
    "invitation_id": lambda ids: ids.invitations,
    "token_id": lambda ids: ids.tokens,
    "invoice_id": lambda ids: ids.invoices,  # an API token of B's owner (user-bound, not workspace-bound)
    "token": lambda ids: (ids.invitation_token,),  # only in a pattern that has other parameters too
    # B's owner's notifications (they were told of B's accepted invitations): A's owner gets 404.
    "notification_id": lambda ids: ids.notifications,
    "client_id": lambda ids: ids.clients,
    "relationship_id": lambda ids: ids.relationships,
    "job_id": lambda ids: ids.import_jobs,
    # Not ids: a record tab and a record section exist in every workspace; with B's client they are B's.
    "tab": lambda ids: ("personal",),
    "section": lambda ids: ("personal",),
    "field_id": lambda ids: ids.fields,
    "section_id": lambda ids: ids.sections,
    "ticket_id": lambda ids: ids.tickets,
    "attachment_id": lambda ids: ids.attachments,
    "watcher_id": lambda ids: ids.watchers,
    "request_id": lambda ids: ids.sales_requests,
    # A client's appointment with the clinician (the pages and the API alike: one name, one mapping).
    "appointment_id": lambda ids: ids.appointments,
    # Not an id: the type of a new ticket exists in every workspace.
    "kind": lambda ids: ("question",),
}

# A body that passes schema validation, by operation name, so the request reaches the handler (where
# the workspace is resolved) instead of stopping at 422. Ids in a body come from the target workspace:
# `ids=[B's member]` in A's URL must be as dead as B's member in the path.
VALID_BODIES: dict[str, Callable[[Ids], dict]] = {
    "workspace_update": lambda ids: {"name": "Overgenomen", "vat_id": "NL000"},
    "ownership_transfer": lambda ids: {"member_id": ids.admin_member, "password": PASSWORD},
    "member_cancel": lambda ids: {"ids": [ids.active_member]},
    "member_restore": lambda ids: {"ids": [ids.cancelled_member], "pay_for_user": True},
    "member_update": lambda ids: {"role": "admin", "grants": ["tickets.view_all"], "password": PASSWORD},
    "contact_create": lambda ids: {"first_name": "Eve", "last_name": "Indringer", "role": "staff"},
    "contact_access": lambda ids: {"email": "eve@intruder.example"},
    "invitation_create": lambda ids: {"emails": ["eve@intruder.example"], "role": "admin", "account_type": "pro"},
    "billing_change_request_create": lambda ids: {"subject": "Overgenomen", "agreed_to_costs": True},
    "billing_member_subscribe": lambda ids: {"account_type": "pro"},
    "billing_member_account_type": lambda ids: {"account_type": "essentials"},
    "client_create": lambda ids: {"first_name": "Eve", "last_name": "Indringer"},
    "client_import_mapping": lambda ids: {"columns": {"First name": "first_name"}},
    "client_update": lambda ids: {"city": "Overgenomen", "email": "eve@intruder.example"},
    "client_cancel": lambda ids: {"ids": [ids.client]},
    "client_restore": lambda ids: {"ids": [ids.cancelled_client]},
    "relationship_create": lambda ids: {"kind": "sibling", "other_client": ids.cancelled_client},
    "relationship_update": lambda ids: {"kind": "sibling", "portal_access": True},
    "client_contact_create": lambda ids: {"name": "Eve Indringer"},
    # (A's new field in B's section: test_customfields.py, as this route also lists with GET.)
    "custom_field_create": lambda ids: {"label": "Overgenomen", "field_type": "text", "builtin_section": "personal"},
    "custom_field_update": lambda ids: {"label": "Overgenomen", "required": True},
    "custom_field_move": lambda ids: {"position": 0, "section_id": ids.section},
    "custom_section_create": lambda ids: {"name": "Overgenomen"},
    "custom_section_update": lambda ids: {"name": "Overgenomen"},
    "custom_section_move": lambda ids: {"direction": "down"},
    "ticket_create": lambda ids: {"kind": "question", "category": "other", "subject": "Overgenomen",
                                  "description": "Overgenomen"},
    "message_create": lambda ids: {"body": "Overgenomen"},
    "watcher_create": lambda ids: {"membership": ids.admin_member},
    # SPEC §9: B's client with B's practitioner in A's URL must be as dead as B's appointment in the path.
    "appointment_create": lambda ids: {"client": ids.client, "practitioner": ids.active_member,
                                       **_slot(days=5), "kind": "in_person", "location": "Overgenomen"},
    "appointment_reschedule": lambda ids: {**_slot(days=6), "practitioner": ids.active_member,
                                           "reason": "Overgenomen"},
    "appointment_cancel": lambda ids: {"reason": "Overgenomen"},
    "appointment_mark": lambda ids: {"status": "no_show"},
}

# The same for HTML forms that carry ids in their POST data, by URL name. With B's ids in A's URL such a
# form may answer 404, re-render A's page with an error (200) or redirect (302) — as long as nothing of
# B changes or shows. (Everything else is POSTed empty: the workspace is resolved before the form.)
HTML_FORM_BODIES: dict[str, Callable[[Ids], dict]] = {
    "workspaces:members_cancel": lambda ids: {"ids": [ids.active_member, ids.contact_member], "confirm": "1"},
    "workspaces:members_restore": lambda ids: {"ids": [ids.cancelled_member], "pay_for_user": "on"},
    "workspaces:transfer": lambda ids: {"member": ids.admin_member, "password": PASSWORD},
    "clients:cancel": lambda ids: {"ids": [ids.client], "confirm": "1"},
    "clients:restore": lambda ids: {"ids": [ids.cancelled_client]},
    "clients:section_edit": lambda ids: {"first_name": "Eve", "last_name": "Indringer"},
    "clients:relationship_new": lambda ids: {"kind": "sibling", "target": "client", "other_client": ids.client},
    "clients:relationship_edit": lambda ids: {"kind": "sibling", "portal_access": "on"},
    "clients:field_edit": lambda ids: {"label": "Overgenomen", "field_type": "text"},
    "clients:field_move": lambda ids: {"position": "0", "place": f"custom:{ids.section}"},
    "clients:field_section_rename": lambda ids: {"name": "Overgenomen"},
    "clients:field_section_move": lambda ids: {"direction": "down"},
    "support:new": lambda ids: {"category": "other", "subject": "Overgenomen", "description": "Overgenomen"},
    "support:reply": lambda ids: {"body": "Overgenomen"},
    "support:watcher_add": lambda ids: {"membership": ids.admin_member},
    "scheduling:reschedule": lambda ids: {**_form_slot(days=6), "practitioner": ids.active_member,
                                          "duration": "50", "reason": "Overgenomen"},
    "scheduling:cancel": lambda ids: {"reason": "Overgenomen"},
    "scheduling:mark": lambda ids: {"status": "no_show"},
}


def _slot(*, days: int) -> dict:
    """An API appointment slot `days` from now (ISO with offset)."""
    from .conftest import tenant_appointment_times

    start, end = tenant_appointment_times(days)
    return {"start": start.isoformat(), "end": end.isoformat()}


def _form_slot(*, days: int) -> dict:
    """The same slot as the HTML form enters it (workspace-local date and time; Amsterdam is near enough:
    the walker only needs a form that validates)."""
    from .conftest import tenant_appointment_times

    start, _end = tenant_appointment_times(days)
    return {"date": start.date().isoformat(), "start_time": "10:00"}


class _Probe:
    """Records which ids a body builder reads, so we know which bodies address objects."""

    def __init__(self):
        self.read = set()

    def __getattr__(self, name):
        self.read.add(name)
        return 0


def body_reads_ids(builder: Callable[[Ids], dict] | None) -> bool:
    if builder is None:
        return False
    probe = _Probe()
    builder(probe)  # type: ignore[arg-type]  # the probe stands in for Ids: it records which ids are read
    return bool(probe.read)


# --- enumerating the URL patterns -----------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    route: str  # the full Django route, e.g. "api/v1/workspaces/<ws>/members/<int:member_id>"
    name: str  # "namespace:name" (for the API: of its first operation)
    params: tuple[str, ...]
    regex: bool  # some level is a re_path: the walker cannot build its URLs
    operations: tuple[tuple[str, str], ...]  # API: (HTTP method, operation name); empty for HTML views

    @property
    def is_api(self) -> bool:
        return bool(self.operations)

    @property
    def object_params(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p != WORKSPACE_PARAM)

    @property
    def methods(self) -> dict[str, str]:
        return dict(self.operations)

    def url(self, values: dict) -> str:
        def sub(match):
            return str(values[match.group("name")])

        return "/" + re.sub(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", sub, self.route)


def _ninja_operations(callback) -> tuple[tuple[str, str], ...]:
    """A ninja route's view closes over its PathView, which lists the operations (method → handler)."""
    try:
        path_view = inspect.getclosurevars(callback).nonlocals.get("self")
    except TypeError:
        return ()
    operations = getattr(path_view, "operations", None)
    if not operations:
        return ()
    return tuple((method, op.view_func.__name__) for op in operations for method in op.methods)


def _params(pattern) -> tuple[list[str], bool]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters), False
    names = list(pattern.regex.groupindex)
    return names, bool(names)


def _walk(patterns, prefix: str = "", params: tuple = (), regex: bool = False, namespace: tuple = ()):
    for entry in patterns:
        names, is_regex = _params(entry.pattern)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry.url_patterns, route, params + tuple(names), regex or is_regex, inner)
        elif isinstance(entry, URLPattern):
            yield Route(route=route, name=":".join((*namespace, entry.name or "")), params=params + tuple(names),
                        regex=regex or is_regex, operations=_ninja_operations(entry.callback))


def all_routes() -> list[Route]:
    """Every URL pattern of the project, once per route (ninja repeats a route once per operation)."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns):
        seen.setdefault(route.route, route)  # the first pattern wins at resolve time, as here
    return list(seen.values())


def skip_reason(route: Route) -> str | None:
    for prefix, reason in SKIPPED_PREFIXES.items():
        if route.route.startswith(prefix):
            return reason
    if route.route in SKIPPED_ROUTES:
        return SKIPPED_ROUTES[route.route]
    if not route.params:
        return "no parameter"
    if set(route.params) <= NOT_WORKSPACE_BOUND:
        return "link token, not workspace-bound"
    return None


def unmapped(route: Route) -> list[str]:
    problems = [f"unknown parameter {p!r}" for p in route.object_params if p not in OBJECT_PARAMS]
    if route.regex:
        problems.append("a re_path pattern: teach the walker to build its URL")
    return problems


ROUTES = all_routes()
WALKED = [r for r in ROUTES if skip_reason(r) is None and not unmapped(r)]

# Real bugs the walker found, by route: kept as strict xfails so the fix is noticed (see the report).
KNOWN_BUGS: dict[str, str] = {}


def _cases(routes):
    return [pytest.param(r, id=r.route, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[r.route])]
                         if r.route in KNOWN_BUGS else []) for r in routes]


OTHER_WORKSPACE_CASES = _cases([r for r in WALKED if WORKSPACE_PARAM in r.params])
# Parameters that name a choice every workspace has (a ticket's type), not an object: a route whose only
# object parameters are these has nothing foreign to address; it is walked with B's slug like any other.
CHOICE_PARAMS = {"kind"}
FOREIGN_ID_CASES = _cases([
    r for r in WALKED
    if set(r.object_params) - CHOICE_PARAMS or body_reads_ids(HTML_FORM_BODIES.get(r.name))
    or any(body_reads_ids(VALID_BODIES.get(name)) for _m, name in r.operations)
])
SCOPED_TOKEN_CASES = _cases([r for r in WALKED if r.is_api and WORKSPACE_PARAM in r.params])


# --- exercising one route ----------------------------------------------------------------------------------

def _values(route: Route, *, ws: str | None, ids: Ids):
    """Every combination of the route's parameter values (one per candidate id)."""
    names = list(route.object_params)
    choices = [OBJECT_PARAMS[name](ids) for name in names]
    for combo in itertools.product(*choices):
        values = dict(zip(names, combo, strict=True))
        if WORKSPACE_PARAM in route.params:
            values[WORKSPACE_PARAM] = ws
        yield values


def _send(client, method: str, url: str, body: dict | None, *, api: bool):
    call = getattr(client, method.lower())
    if not api:
        return call(url) if method == "GET" else call(url, data=body or {})
    if method == "GET":
        return call(url)
    return call(url, data=json.dumps(body or {}), content_type="application/json")


def exercise(client, route: Route, *, ws: str | None, ids: Ids, forbidden: list[str],
             django_capture_on_commit_callbacks, foreign_only_in_form: bool = False) -> tuple[list[str], int]:
    """Send every method to every substitution; return (problems, number of requests).

    `foreign_only_in_form`: B's ids are only in the request body (the URL is A's own): in an HTML form's
    data a re-rendered page or a redirect is as good as a 404; of an API route only the operations whose
    body carries B's ids are sent (a list beside a create, `GET /appointments`, rightly answers A's own
    rows — and (a) has already walked every method with B's slug).
    """
    problems, sent = [], 0
    lenient = (200, 302) if foreign_only_in_form and not route.is_api else ()
    for values in _values(route, ws=ws, ids=ids):
        url = route.url(values)
        methods = ALL_API_METHODS if route.is_api else HTML_METHODS
        for method in methods:
            operation = route.methods.get(method)
            if foreign_only_in_form and route.is_api and not body_reads_ids(VALID_BODIES.get(operation or "")):
                continue
            if route.is_api:
                body = VALID_BODIES[operation](ids) if operation in VALID_BODIES else None
            else:
                body = HTML_FORM_BODIES[route.name](ids) if method == "POST" and route.name in HTML_FORM_BODIES else {}
            with django_capture_on_commit_callbacks() as callbacks:
                response = _send(client, method, url, body, api=route.is_api)
            sent += 1
            where = f"{method} {url} ({operation or 'view'})"
            status = response.status_code
            if route.is_api and operation is None:
                if status != 405:
                    problems.append(f"{where}: {status}, expected 405 (the route has no {method})")
            elif status == 422 and route.is_api:
                problems.append(f"{where}: 422 — the walker's body did not validate, so the workspace check "
                                f"was never reached: add a valid body for {operation!r} to VALID_BODIES")
            elif status not in (404,) + (() if route.is_api else (405,)) + (lenient if method == "POST" else ()):
                problems.append(f"{where}: {status}, expected 404 — {response.content[:300]!r}")
            content = response.content.decode(errors="replace").lower()
            for text in forbidden:
                if text.lower() in content:
                    problems.append(f"{where}: the answer contains B's {text!r}")
            if callbacks:
                problems.append(f"{where}: scheduled {len(callbacks)} after-commit side effect(s) (e-mail?)")
    return problems, sent


# --- the tests ----------------------------------------------------------------------------------------------

def test_every_parametrised_pattern_is_walked_or_allow_listed():
    """A new pattern with parameters is either exercised below or consciously allow-listed — never
    silently ignored. Also guards the walker itself: it must find the routes we know exist."""
    problems = [f"{r.route}: {'; '.join(unmapped(r))}" for r in ROUTES if skip_reason(r) is None and unmapped(r)]
    assert not problems, "patterns with parameters the isolation walker cannot exercise:\n" + "\n".join(problems)

    walked = {r.route for r in WALKED}
    for known in (
        "api/v1/workspaces/<ws>",
        "api/v1/workspaces/<ws>/members",
        "api/v1/workspaces/<ws>/members/<int:member_id>",
        "api/v1/workspaces/<ws>/invitations/<int:invitation_id>/resend",
        "api/v1/workspaces/<ws>/audit",
        "api/v1/me/tokens/<int:token_id>",
        "w/<slug:ws>/",
    ):
        assert known in walked
    names = {r.name for r in ROUTES} | {op for r in ROUTES for _m, op in r.operations}
    stale = (HTML_FORM_BODIES.keys() | VALID_BODIES.keys()) - names
    assert not stale, f"bodies for routes/operations that no longer exist: {sorted(stale)}"
    skipped_with_params = {r.route for r in ROUTES if r.params and skip_reason(r) == "link token, not workspace-bound"}
    assert "api/v1/invitations/<token>" in skipped_with_params


def test_walker_sees_every_operation_of_a_route():
    routes = {r.route: r for r in ROUTES}
    assert routes["api/v1/workspaces/<ws>/members/<int:member_id>"].methods == {
        "GET": "member_detail", "PATCH": "member_update"}
    assert not routes["w/<slug:ws>/"].is_api


@pytest.mark.parametrize("route", OTHER_WORKSPACE_CASES)
def test_other_workspace_answers_404(route, api_tenants, api_client, api_snapshot,
                                     django_capture_on_commit_callbacks):
    """(a) A's owner, with B's slug and B's real ids, reaches nothing of B (R-ROLE-4)."""
    a, b = api_tenants.a, api_tenants.b
    before = api_snapshot(b.workspace)
    client = api_client(a.owner)

    problems, sent = exercise(client, route, ws=b.slug, ids=tenant_ids(b), forbidden=b.identifying_strings,
                              django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert sent
    assert not problems, "\n".join(problems)
    assert api_snapshot(b.workspace) == before


@pytest.mark.parametrize("route", FOREIGN_ID_CASES)
def test_foreign_object_ids_answer_404(route, api_tenants, api_client, api_snapshot,
                                       django_capture_on_commit_callbacks):
    """(b) A's owner, in A's own workspace, names B's objects (in the path or the body): 404."""
    a, b = api_tenants.a, api_tenants.b
    before_a, before_b = api_snapshot(a.workspace), api_snapshot(b.workspace)
    client = api_client(a.owner)

    problems, sent = exercise(client, route, ws=a.slug, ids=tenant_ids(b),
                              forbidden=[*b.identifying_strings, b.slug],
                              django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
                              foreign_only_in_form=not route.object_params)

    assert sent
    assert not problems, "\n".join(problems)
    assert api_snapshot(b.workspace) == before_b
    assert api_snapshot(a.workspace) == before_a


def _personal_workspace_ids(owner) -> tuple[object, Ids]:
    """The owner's personal workspace, given a contact person, a cancelled contact and a pending invitation
    so every id the walker substitutes is real there."""
    from praxis.billing import invoicing
    from praxis.clients.relationships import relationship_create
    from praxis.clients.services import client_create, clients_cancel
    from praxis.workspaces.access import resolve_access
    from praxis.workspaces.invitations import invitations_create
    from praxis.workspaces.models import Membership, Workspace
    from praxis.workspaces.services import contact_person_add, members_cancel

    with scopes_disabled():
        personal = Workspace.objects.get(is_personal=True, memberships__user=owner)
        own = Membership.objects.get(workspace=personal, user=owner)
    access = resolve_access(owner, personal.slug)
    with scope(workspace=personal):
        contact = contact_person_add(access=access, first_name="Persoonlijk", last_name="Contact")
        gone = contact_person_add(access=access, first_name="Persoonlijk", last_name="Vertrokken")
        members_cancel(access=access, membership_ids=[gone.pk])
        [(invitation, token)] = invitations_create(access=access, emails=["personal-invitee@alfa-noord.example"],
                                                   role="staff", account_type="free")
        anchor = personal.billing_anchor
        assert anchor is not None  # a personal workspace is billed from sign-up
        invoice = invoicing.issue(workspace=personal, draft=invoicing.draft_cycle_invoice(workspace=personal, cycle_start=anchor,
                                                                          seats={"pro": 1}))
        own_client = client_create(access=access, values={"first_name": "Persoonlijk", "last_name": "Cliënt"})
        gone_client = client_create(access=access, values={"first_name": "Persoonlijk", "last_name": "Oud"})
        clients_cancel(access=access, client_ids=[gone_client.pk])
        relationship = relationship_create(access=access, client_id=own_client.pk, kind="other",
                                           new_contact={"name": "Persoonlijk Contact"})
    from praxis.clients.tests.factories import import_job_make

    personal_job = import_job_make(access)
    from praxis.api.tests.conftest import _tenant_custom_fields

    custom = _tenant_custom_fields(access, label="Persoonlijk")
    from praxis.api.tests.conftest import _tenant_ticket

    support = _tenant_ticket(access, label="Persoonlijk", follower=False)
    from praxis.api.tests.conftest import _tenant_appointments

    appointments = _tenant_appointments(access, client=own_client, practitioner=own)
    ids = Ids(slug=personal.slug, members=(own.pk, contact.pk, gone.pk), invitations=(invitation.pk,),
              tokens=(), invoices=(invoice.pk,), active_member=contact.pk, contact_member=contact.pk, admin_member=contact.pk, cancelled_member=gone.pk,
              invitation_token=token, clients=(own_client.pk, gone_client.pk), client=own_client.pk,
              cancelled_client=gone_client.pk, relationships=(relationship.pk,), contact=relationship.contact_id,
              import_jobs=(personal_job.pk,),
              fields=(custom["custom_field"].pk, custom["retired_field"].pk),
              sections=(custom["custom_section"].pk, custom["retired_section"].pk), section=custom["custom_section"].pk,
              tickets=(support["ticket"].pk,), attachments=(support["attachment"].pk,),
              # Nobody else is in a personal workspace to follow its ticket: any id is refused first by the
              # token's scope.
              watchers=(0,), sales_requests=(support["sales_request"].pk,),
              appointments=(appointments["appointment"].pk, appointments["cancelled_appointment"].pk))
    return personal, ids


@pytest.mark.parametrize("route", SCOPED_TOKEN_CASES)
def test_token_scoped_to_a_cannot_reach_owners_other_workspace(route, api_tenants, api_client, api_snapshot,
                                                                django_capture_on_commit_callbacks):
    """(c) SPEC §13: a token is scoped to one workspace — even its owner's other workspace answers 404."""
    a = api_tenants.a
    personal, ids = _personal_workspace_ids(a.owner)
    before = api_snapshot(personal)
    client = api_client(token=a.owner_token_secret)
    assert client.get(f"/api/v1/workspaces/{a.slug}").status_code == 200  # the token itself works
    assert api_client(a.owner).get(f"/api/v1/workspaces/{personal.slug}").status_code == 200  # the session does

    problems, sent = exercise(client, route, ws=personal.slug, ids=ids, forbidden=[personal.name],
                              django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert sent
    assert not problems, "\n".join(problems)
    assert api_snapshot(personal) == before


def test_scoped_token_cannot_mint_a_token_for_another_workspace(api_tenants, api_client):
    from praxis.api.models import ApiToken

    a = api_tenants.a
    personal, _ids = _personal_workspace_ids(a.owner)
    client = api_client(token=a.owner_token_secret)

    response = client.post("/api/v1/me/tokens", json.dumps({"name": "escape", "workspace": personal.slug}),
                           content_type="application/json")

    assert response.status_code in (403, 404), response.content
    assert not ApiToken.objects.with_scopes_disabled().filter(workspace=personal).exists()
