"""The page walker: every HTML page of the app, for each kind of visitor (issue 6 points 14 and 15).

It enumerates the project's URL patterns when asked (like the tenant-isolation walker,
praxis/api/tests/test_isolation.py), so a page added tomorrow is visited without anyone listing it.
Each route is probed with Django's test client as each visitor: a 200 HTML answer makes it one of that
visitor's pages, 405 (a POST-only action), a redirect or a download (PDF, CSV) does not. A route that
is a page for nobody must be allow-listed in `NOT_PAGES` with its reason; a parameter the walker cannot
fill must be taught in `PARAM_VALUES` (and the world below must hold such an object).

The browser side (`check_page`) measures horizontal overflow and runs axe-core (vendored in
praxis/testing/vendor/axe-core) at each width.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django_scopes import scope, scopes_disabled

from praxis.accounts.sessions import LOGIN_BACKEND
from praxis.testing import artifacts

if TYPE_CHECKING:  # types only: models are imported inside the functions, once the app registry is ready
    from playwright._impl._api_structures import SetCookieParam

    from praxis.api.models import ApiToken
    from praxis.billing.models import Invoice
    from praxis.testing.team import Team
    from praxis.workspaces.models import Invitation, Membership

WIDTHS = (390, 768, 1280)  # a phone, a tablet, a laptop (issue 6 point 15)
HEIGHT = 900
AXE_PATH = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

SKIPPED_PREFIXES = {
    "api/": "the REST API answers JSON (its docs page has its own browser test)",
    "operator/": "the operator's administration is Django's admin, staff only (the console at /console/ is walked)",
    "i18n/": "the language switch is a POST-only endpoint",
    "static/": "static files",
    "media/": "uploaded files",
}
# Routes that answer 200 HTML to nobody, and why. Everything else must be a page for some visitor.
NOT_PAGES = {
    "home": "redirects to the last workspace, the list or the login page",
    "billing:seat_cost": "an htmx partial of the invitations page's form, checked inside that page",
    "clients:portal": "redirects a client to their one record; a choice only for someone acting for several "
                      "(tested in clients/tests/test_portal.py)",
    "support_console:home": "redirects the operator to the console's ticket list",
    "accounts:login_code": "the code step exists only between a password and its code, for a user with a second "
                           "factor; at every width with axe in accounts/tests/test_two_factor_browser.py",
    "clients:relationship_search": "an htmx partial of the relationship dialog (search-as-you-type), checked "
                                   "inside that dialog (clients/tests/test_relationships_browser.py)",
    "scheduling_feed:ics": "a practitioner's calendar feed: text/calendar for calendar applications, no HTML "
                           "(tested in scheduling/tests/test_ical.py)",
}


VISITOR_LANGUAGES = {"admin": "de", "assistant": "fr", "clinician": "nl"}  # the others: English


@dataclass
class World:
    """A practice as the demo has it: every role, a login-less contact, a cancelled member, a pending
    invitation, an API token, an issued invoice, and live invitation and password links."""

    team: Team
    contact: Membership
    cancelled: Membership
    invitation: Invitation
    invitation_token: str
    api_token: ApiToken
    invoice: Invoice
    password_token: str
    visitors: dict = field(default_factory=dict)  # name → user, or None for the anonymous visitor
    client: Any = None  # a clients.Client with a care team, tags and a custom section (issue 7)
    import_job: Any = None  # an uploaded client import (R-CLI-9), made on first use
    portal_token: str = ""  # a pending client-portal invitation's link (R-CLI-11)
    ticket: Any = None  # the owner's support ticket: a file, a follower, an operator reply and note (SPEC §10)
    sales_request: Any = None  # a contact-sales request in the operator console (R-SUP-9)
    appointment: Any = None  # the client's next appointment (booked, with its history), SPEC §9

    @property
    def slug(self) -> str:
        return self.team.workspace.slug


# Values of URL parameters: by (route name, parameter) first, then by parameter.
PARAM_VALUES: dict[str, Callable[[World], object]] = {
    "ws": lambda w: w.slug,
    "member_id": lambda w: w.team.members["clinician"].pk,
    "invitation_id": lambda w: w.invitation.pk,
    "token_id": lambda w: w.api_token.pk,
    "invoice_id": lambda w: w.invoice.pk,
    "notification_id": lambda w: _owner_notification(w),  # the owner was told of the team's acceptances
    "client_id": lambda w: w.client.pk,
    "job_id": lambda w: _world_import_job(w),  # an uploaded client import (R-CLI-9)
    # The record page itself shows its first tab, Overview (the client's appointments); the tab route is
    # walked with another tab every visitor with clients.view has, and the Personal tab is the full page
    # the `section` routes answer without htmx (the Access history tab is checked in
    # clients/tests/test_exports_browser.py).
    "tab": lambda w: "relationships",
    "section": lambda w: "personal",
    "field_id": lambda w: _world_custom(w, "field"),  # the client's custom field (R-CLI-2)
    "section_id": lambda w: _world_custom(w, "section"),
    "relationship_id": lambda w: _world_relationship(w),  # the client's link to her GP (R-CLI-4)
    "ticket_id": lambda w: w.ticket.pk,
    "attachment_id": lambda w: _world_ticket_part(w, "attachment"),
    "watcher_id": lambda w: _world_ticket_part(w, "watcher"),
    "request_id": lambda w: w.sales_request.pk,
    "kind": lambda w: "bug",  # the form with the most fields: steps and page
    # The client's booked appointment (its page, and the reschedule form only a booked one has).
    "appointment_id": lambda w: w.appointment.pk,
}
ROUTE_PARAM_VALUES: dict[tuple[str, str], Callable[[World], object]] = {
    ("workspaces:invite", "token"): lambda w: w.invitation_token,
    ("accounts:password_set", "token"): lambda w: w.password_token,
    ("workspaces:contact_edit", "member_id"): lambda w: w.contact.pk,  # a login-less contact (R-INV-6)
    ("clients:portal_invite", "token"): lambda w: w.portal_token,
    # The second client's pending portal invitation, which the record offers to revoke (R-CLI-11).
    ("clients:portal_invite_revoke", "client_id"): lambda w: _world_pending_portal_invitation(w).client_id,
    ("clients:portal_invite_revoke", "invitation_id"): lambda w: _world_pending_portal_invitation(w).pk,
    # The clinician's calendar address (not walked: NOT_PAGES; a real secret all the same).
    ("scheduling_feed:ics", "token"): lambda w: _world_feed_secret(w),
}
# Routes only a client user opens (R-CLI-11): the portal is no capability of a member, so the owner —
# who holds every capability — is refused them like any non-client (404).
PORTAL_ONLY = {"clients:portal", "clients:portal_record", "clients:portal_download"}
# The operator console (R-SUP-5) is the operator's staff's only: to every member, the owner included, 404.
OPERATOR_ONLY_NAMESPACE = "support_console:"


def _world_feed_secret(world: World) -> str:
    from praxis.scheduling import services as scheduling

    with scope(workspace=world.team.workspace):
        return scheduling.feed_create(access=world.team.access("clinician"))


def _world_appointments(team, world_client) -> Any:
    """The client's appointments with the clinician (SPEC §9): one past and completed, one cancelled with
    its reason, and the next one — booked, then rescheduled, so its page shows a history. They fall in
    this week and the next, so the calendar pages have rows too. Returns the next one."""
    import datetime as dt

    from praxis.core import clock
    from praxis.scheduling import services as scheduling
    from praxis.scheduling import times

    access, practitioner = team.access("owner"), team.members["clinician"].pk
    tz = times.zone(team.workspace)
    today = times.today(tz)

    def book(day, hour, **options):
        start = times.to_utc(day, dt.time(hour), tz)
        [appointment] = scheduling.book(access=access, client_id=world_client.pk, practitioner_id=practitioner,
                                        start=start, end=start + dt.timedelta(minutes=50), **options)
        return appointment

    with scope(workspace=team.workspace):
        past = book(today - dt.timedelta(days=1), 9, location="Kamer 2")
        scheduling.mark(access=access, appointment_id=past.pk, status="completed")
        gone = book(today + dt.timedelta(days=1), 9, kind="phone")
        scheduling.cancel(access=access, appointment_id=gone.pk, reason="De cliënt is ziek")
        upcoming = book(today + dt.timedelta(days=2), 14, kind="video", video_link="https://video.example/praktijk/zoe")
        start = times.to_utc(today + dt.timedelta(days=3), dt.time(11), tz)
        scheduling.reschedule(access=access, appointment_id=upcoming.pk, start=start,
                              end=start + dt.timedelta(minutes=50), reason="Op verzoek van de cliënt")
        assert upcoming.start > clock.now()
        return upcoming


def _world_ticket_part(world: World, part: str) -> int:
    from praxis.support.models import Attachment, Watcher

    model = Attachment if part == "attachment" else Watcher
    with scopes_disabled():
        return model.objects.filter(ticket=world.ticket).order_by("pk").values_list("pk", flat=True)[0]


def _world_support(team, operator) -> tuple[Any, Any]:
    """The owner files a bug report with a screenshot and a follower; the operator answers and notes."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from praxis.support import services as support
    from praxis.support.catalogue import ensure_default_categories
    from praxis.support.models import Category

    ensure_default_categories()
    access = team.access("owner")
    with scope(workspace=team.workspace):
        ticket = support.ticket_create(
            access=access, kind="bug", category_id=Category.objects.get(code="technical").pk,
            subject="De export van cliënten geeft een foutmelding", description="Bij exporteren krijg ik een fout.",
            steps="1. Cliënten\n2. Exporteren\n3. Foutmelding", page_url="/w/praktijk/clients/",
            files=[SimpleUploadedFile("stappen.txt", b"1. Clienten 2. Exporteren")])
        support.watcher_add(access=access, ticket_id=ticket.pk, membership_id=team.members["admin"].pk)
    support.operator_reply(operator=operator, ticket_id=ticket.pk, body="Customer is on Firefox 140.", internal=True)
    support.operator_reply(operator=operator, ticket_id=ticket.pk, body="Welke browser gebruik je?",
                           status="awaiting_customer")
    sales = support.sales_request_create(user=team.owner, workspace=team.workspace, values={
        "topic": "central_billing", "organisation": "Zorggroep Noord", "contact_name": "Olivia Owner",
        "email": "olivia@example.test", "team_size": "14", "workspaces": "3", "message": "Drie locaties."})
    return ticket, sales


def _world_pending_portal_invitation(world: World):
    from praxis.clients.models import ClientInvitation

    with scopes_disabled():
        return ClientInvitation.objects.filter(workspace=world.team.workspace,
                                               status=ClientInvitation.Status.PENDING).order_by("pk").first()


def _world_custom(world: World, kind: str) -> int:
    """The id of the world's first custom field or custom section (made with its client)."""
    from praxis.clients.models import CustomField, CustomSection

    model = CustomField if kind == "field" else CustomSection
    with scopes_disabled():
        pk = model.objects.filter(workspace=world.team.workspace).order_by("pk").values_list("pk", flat=True).first()
    assert pk is not None, "the world's client has a custom section and field"
    return pk


def _owner_notification(world: World) -> int:
    from praxis.notifications.models import Notification

    pk = Notification.objects.for_user(world.team.owner).values_list("pk", flat=True).first()
    assert pk is not None, "the owner was told of the team's acceptances"
    return pk


def _world_relationship(world: World) -> int:
    from praxis.clients.models import Relationship

    with scopes_disabled():
        pk = Relationship.objects.filter(client=world.client).values_list("pk", flat=True).first()
    assert pk is not None, "the world's client is linked to her GP"
    return pk


def build_world(team, make_user) -> World:
    """Everything is made through the services, as a real practice comes about."""
    from praxis.accounts.services import password_reset_request, profile_update
    from praxis.api.services import token_create
    from praxis.billing.models import Invoice
    from praxis.billing.run import billing_run
    from praxis.workspaces.invitations import invitation_accept, invitations_create
    from praxis.workspaces.models import Membership
    from praxis.workspaces.services import contact_person_add, members_cancel

    workspace = team.workspace
    access = team.access("owner")
    cancelled_user = make_user(first_name="Cas", last_name="Oud-collega")
    with scope(workspace=workspace):
        contact = contact_person_add(access=access, first_name="Cora", last_name="Contactpersoon")
        [(_inv, cancelled_token)] = invitations_create(access=access, emails=[cancelled_user.email],
                                                       role="clinician", account_type="free")
    invitation_accept(token=cancelled_token, user=cancelled_user)
    with scope(workspace=workspace):
        [(invitation, invitation_token)] = invitations_create(access=access, emails=["nieuw@example.test"],
                                                              role="staff", account_type="free")
        cancelled = Membership.objects.get(workspace=workspace, user=cancelled_user)
        members_cancel(access=access, membership_ids=[cancelled.pk])
    api_token, _secret = token_create(user=team.owner, workspace_slug=workspace.slug, name="Walker")
    billing_run(at=workspace.billing_anchor)
    with scopes_disabled():
        invoice = Invoice.objects.filter(workspace=workspace).order_by("pk").first()
    assert invoice is not None, "the billing run above issues the first cycle's invoice"
    forgetful = make_user(first_name="Vera", last_name="Vergeetachtig")
    password_reset_request(email=forgetful.email)
    [password_token] = [t for m in mail.outbox if forgetful.email in m.to
                        for t in re.findall(r"/accounts/password/set/([^/\s]+)/", str(m.body))]
    # The four languages spread over the roles, so long German or French words are checked too.
    for role, language in VISITOR_LANGUAGES.items():
        team.users[role] = profile_update(user=team.users[role], changes={"language": language})
    world_client = _world_client(team)
    client_user, portal_token = _world_portal(team, world_client)
    operator = make_user(first_name="Otto", last_name="Operator")
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    ticket, sales = _world_support(team, operator)
    appointment = _world_appointments(team, world_client)
    visitors = {"anonymous": None, **{role: team.users[role] for role in team.users}, "cancelled": cancelled_user,
                "client": client_user, "operator": operator}
    return World(team=team, contact=contact, cancelled=cancelled_user, invitation=invitation,
                 invitation_token=invitation_token, api_token=api_token, invoice=invoice,
                 password_token=password_token, visitors=visitors, client=world_client, portal_token=portal_token,
                 ticket=ticket, sales_request=sales, appointment=appointment)


def _world_portal(team, world_client) -> tuple[Any, str]:
    """The world's client has portal access (R-CLI-11, the "client" visitor); a second client's portal
    invitation is still pending (its link is a page for the anonymous visitor)."""
    from praxis.clients.portal import portal_invitation_accept_new_user, portal_invitation_create
    from praxis.clients.services import client_create

    access = team.access("owner")
    with scope(workspace=team.workspace):
        _invitation, token = portal_invitation_create(access=access, client_id=world_client.pk)
        milan = client_create(access=access, values={"first_name": "Milan", "last_name": "Janssens",
                                                     "email": "milan.janssens@example.test"})
        _pending, pending_token = portal_invitation_create(access=access, client_id=milan.pk)
    from praxis.testing import PASSWORD

    user, _client = portal_invitation_accept_new_user(token=token, password=PASSWORD, first_name="Zoë",
                                                      last_name="van der Berg-Müller", language="en")
    return user, pending_token


def _world_import_job(world: World) -> int:
    """An uploaded client import of the world's workspace, made once through `import_upload`."""
    job = world.import_job
    if job is None:
        from praxis.clients.tests.factories import import_job_make
        from praxis.workspaces.access import resolve_access

        job = import_job_make(resolve_access(world.team.owner, world.team.workspace.slug))
        world.import_job = job
    return job.pk


def _world_client(team) -> Any:
    """A client as a practice has them: care team, tags, a custom section and a sensitive field."""
    from praxis.clients.models import CustomField, CustomSection
    from praxis.clients.relationships import relationship_create
    from praxis.clients.services import client_create

    workspace = team.workspace
    with scope(workspace=workspace):
        section = CustomSection.objects.create(workspace=workspace, name="Verwijzing", position=1)
        CustomField.objects.create(workspace=workspace, key="verwijzer", label="Verwijzer", field_type="text",
                                   section=section)
        CustomField.objects.create(workspace=workspace, key="diagnose", label="Diagnose", field_type="long_text",
                                   builtin_section="personal", sensitive=True)
        client = client_create(
            access=team.access("owner"),
            values={"first_name": "Zoë", "last_name": "van der Berg-Müller", "date_of_birth": "03-04-2015",
                    "email": "zoe.vdberg@example.test", "phone": "06 12345678", "national_id": "123456782",
                    "street": "Lange Voorhout 1", "postal_code": "2514 EA", "city": "Den Haag", "country": "NL"},
            custom={"verwijzer": "Huisartsenpraktijk De Linde", "diagnose": "F41.1"},
            clinician_ids=[team.members["clinician"].pk], tag_names=["Wachtlijst", "Groepstherapie"])
        relationship_create(access=team.access("owner"), client_id=client.pk, kind="referring_professional",
                            new_contact={"name": "Dr. A. de Linde", "organisation": "Huisartsenpraktijk De Linde",
                                         "phone": "070 123 4567"}, grants={"receives_information": True})
        return client


# --- enumerating the routes -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    route: str  # e.g. "w/<slug:ws>/members/<int:member_id>/"
    name: str  # "namespace:name"
    params: tuple[str, ...]
    regex: bool

    def url(self, world: World) -> str:
        def sub(match):
            name = match.group("name")
            return str(ROUTE_PARAM_VALUES.get((self.name, name), PARAM_VALUES.get(name))(world))

        return "/" + re.sub(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", sub, self.route)

    def unmapped(self) -> list[str]:
        problems = [f"unknown parameter {p!r}" for p in self.params
                    if (self.name, p) not in ROUTE_PARAM_VALUES and p not in PARAM_VALUES]
        if self.regex:
            problems.append("a re_path pattern: teach the page walker to build its URL")
        return problems


def _walk(patterns, prefix: str = "", params: tuple = (), regex: bool = False, namespace: tuple = ()):
    for entry in patterns:
        if isinstance(entry.pattern, RoutePattern):
            names, is_regex = list(entry.pattern.converters), False
        else:
            names = list(entry.pattern.regex.groupindex)
            is_regex = bool(names)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry.url_patterns, route, params + tuple(names), regex or is_regex, inner)
        elif isinstance(entry, URLPattern):
            yield Route(route=route, name=":".join((*namespace, entry.name or "")), params=params + tuple(names),
                        regex=regex or is_regex)


def html_routes() -> list[Route]:
    """Every URL pattern that could be an HTML page (first pattern wins, as at resolve time)."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns):
        if not any(route.route.startswith(prefix) for prefix in SKIPPED_PREFIXES):
            seen.setdefault(route.route, route)
    return list(seen.values())


def django_client(user=None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user, backend=LOGIN_BACKEND)
    return client


def classify(client: Client, url: str) -> str:
    """"page" (200 HTML), "action" (405: POST only), "redirect", "download", or the status code."""
    response = client.get(url)
    if response.status_code == 405:
        return "action"
    if response.status_code in (301, 302, 303):
        return "redirect"
    if response.status_code == 200:
        return "page" if response["Content-Type"].startswith("text/html") else "download"
    return str(response.status_code)


def pages_by_visitor(world: World, *, only: tuple[str, ...] = ()) -> tuple[dict[str, list[str]],
                                                                          dict[str, dict[str, str]]]:
    """(visitor → URLs of their pages, route name → {visitor: classification}); `only` some visitors."""
    clients = {name: django_client(user) for name, user in world.visitors.items() if not only or name in only}
    pages: dict[str, list[str]] = {name: [] for name in clients}
    seen: dict[str, dict[str, str]] = {}
    for route in html_routes():
        if route.unmapped() or route.name in NOT_PAGES:
            continue
        url = route.url(world)
        seen[route.name] = {}
        for name, client in clients.items():
            kind = classify(client, url)
            seen[route.name][name] = kind
            if kind == "page":
                pages[name].append(url)
    return pages, seen


def session_cookie(user, base_url: str) -> SetCookieParam:
    """A logged-in session for the browser, made once (no login form per page)."""
    client = django_client(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": base_url}


# --- the browser side --------------------------------------------------------------------------------------

OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const culprits = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    let clipped = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") { clipped = true; break; }
    }
    if (!clipped && r.right > width + 1 && getComputedStyle(el).position !== "fixed") {
      culprits.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
        " right=" + Math.round(r.right));
      if (culprits.length >= 5) break;
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits};
}"""

AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


INLINE_SCRIPT_JS = """() => {
  const found = [];
  for (const s of document.querySelectorAll("script:not([src])")) {
    if (!/json/.test(s.type || "")) found.push("<script> " + s.textContent.trim().slice(0, 60));
  }
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (a.name.startsWith("on") || /^\\s*javascript:/i.test(a.value)) found.push(el.tagName + " " + a.name);
    }
  }
  return found;
}"""


def install_axe(context) -> None:
    """axe-core in every page the context opens (an init script: no per-page injection by hand)."""
    context.add_init_script(path=str(AXE_PATH))


def _screenshot(page, where: str, width: int) -> str:
    """A full-page picture of a failing width, for CI's artefacts (test-artifacts/ is git-ignored), in a
    directory of the running test and run: visitors share URLs, and xdist workers run them at once."""
    path = artifacts.screenshot_path(f"{where}-{width}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # the picture is a help, the failure itself matters more
        return f"(no screenshot: {exc})"
    return f"(screenshot: {path})"


def check_page(page, *, where: str, widths=WIDTHS, screenshots: bool = True) -> list[str]:
    """The page as loaded: no inline script or handler; at each width no horizontal overflow and no
    serious or critical axe violation."""
    # Let htmx requests started by the page (hx-trigger="load") land first, so axe sees a settled page.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    problems = [f"{where}: inline script (a Content-Security-Policy forbids it): {found}"
                for found in page.evaluate(INLINE_SCRIPT_JS)]
    for width in widths:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        found = []
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow:
            found.append(f"{where} @{width}px: horizontal overflow {json.dumps(overflow)}")
        for violation in page.evaluate(AXE_JS):
            if violation["impact"] in BLOCKING_IMPACTS:
                found.append(f"{where} @{width}px: axe {violation['impact']} {violation['id']} "
                             f"({violation['help']}) at {violation['nodes']}")
        if found and screenshots:
            found.append(_screenshot(page, where, width))
        problems += found
    return problems


def logged_in_page(browser, live_server, user, *, width: int, locale: str = "en-US"):
    """A browser context for `user` (logged in by cookie, axe installed, 10 s timeouts) at `width` and its
    page: the person of a multi-user browser test. Close the context when done."""
    context = browser.new_context(locale=locale, base_url=live_server.url, viewport={"width": width, "height": HEIGHT})
    context.set_default_timeout(10_000)
    install_axe(context)
    context.add_cookies([session_cookie(user, live_server.url)])
    return context, context.new_page()
