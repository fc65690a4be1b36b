"""Fixtures for the API tests.

The project-wide fixtures (`password`, `make_user`, `workspace_with_team`) live in `praxis/testing/team.py`;
this module adds what only the API tests need, under `api_`-prefixed names so nothing clashes:

- `api_tenants`: two practices, A and B, built the way real ones come about (services only), each with
  an owner, an admin, a clinician, a cancelled member, a login-less contact person, a pending invitation,
  an API token of its owner, clients, a support ticket and appointments (a booked and a cancelled one of
  its client with its clinician) — the raw material of the tenant-isolation walker.
- `api_client`: a factory of Django test clients logged in by session or carrying a bearer token.
- `api_snapshot`: everything a workspace owns, as plain data, to prove that a refused call changed nothing.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

if TYPE_CHECKING:  # annotations only
    from praxis.accounts.models import User
    from praxis.api.models import ApiToken
    from praxis.workspaces.models import Invitation, Workspace


@dataclass
class Tenant:
    """One practice of the isolation world and the ids/strings the walker substitutes and looks for."""

    label: str
    workspace: "Workspace"
    owner: "User"
    admin: "User"
    clinician: "User"
    cancelled_user: "User"
    members: dict  # role-ish name → Membership: owner, admin, clinician, cancelled, contact
    invitation: "Invitation"  # pending
    invitation_token: str
    owner_token: "ApiToken"  # ApiToken of the owner, scoped to this workspace
    owner_token_secret: str
    contact_name: str
    invitee_email: str
    extra: dict = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.workspace.slug

    @property
    def emails(self) -> list[str]:
        return [self.owner.email, self.admin.email, self.clinician.email, self.cancelled_user.email,
                self.invitee_email]

    @property
    def identifying_strings(self) -> list[str]:
        """What must never appear in another tenant's answers (R-ROLE-4: never its data)."""
        return [self.workspace.name, self.contact_name, *self.emails, *self.extra.get("strings", [])]


def build_tenant(*, make_user, label: str, name: str, domain: str) -> Tenant:
    """A practice with one member of each kind, built through the services (never rows written by hand)."""
    from praxis.api.services import token_create
    from praxis.testing.team import join
    from praxis.workspaces.access import resolve_access
    from praxis.workspaces.invitations import invitations_create
    from praxis.workspaces.models import Membership
    from praxis.workspaces.services import contact_person_add, members_cancel, workspace_create

    owner = make_user(f"owner@{domain}", first_name=f"{label}owner", last_name="Eigenaar")
    workspace = workspace_create(actor=owner, name=name, tier="practice")
    access = resolve_access(owner, workspace.slug)

    users = {"owner": owner}
    for role, who in (("admin", "admin"), ("clinician", "clinician"), ("clinician", "cancelled")):
        user = make_user(f"{who}@{domain}", first_name=f"{label}{who}", last_name="Lid")
        join(owner, workspace, user, "pro", role=role)
        users[who] = user

    contact_name = f"{label}contact Zonderlogin"
    invitee_email = f"invitee@{domain}"
    with scope(workspace=workspace):
        contact = contact_person_add(access=access, first_name=f"{label}contact", last_name="Zonderlogin")
        [(invitation, invitation_token)] = invitations_create(access=access, emails=[invitee_email],
                                                              role="staff", account_type="free")
        cancelled = Membership.objects.get(workspace=workspace, user=users["cancelled"])
        members_cancel(access=access, membership_ids=[cancelled.pk])
    owner_token, secret = token_create(user=owner, workspace_slug=workspace.slug, name=f"{label} owner token")
    clients = _tenant_clients(access, label=label, clinician=users["clinician"])

    with scopes_disabled():
        members = {who: Membership.objects.select_related("user").get(workspace=workspace, user=user)
                   for who, user in users.items()}
    members["contact"] = contact
    return Tenant(
        label=label, workspace=workspace, owner=owner, admin=users["admin"], clinician=users["clinician"],
        cancelled_user=users["cancelled"], members=members, invitation=invitation,
        invitation_token=invitation_token, owner_token=owner_token, owner_token_secret=secret,
        contact_name=contact_name, invitee_email=invitee_email,
        extra={**clients, "strings": [clients["client"].last_name, clients["client"].email],
               **_tenant_appointments(access, client=clients["client"], practitioner=members["clinician"])},
    )


def tenant_appointment_times(days: int = 3) -> tuple:
    """A 50-minute slot `days` from now, on the quarter hour (UTC)."""
    import datetime as dt

    from praxis.core import clock

    start = (clock.now() + dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(minutes=50)


def _tenant_appointments(access, *, client, practitioner) -> dict:
    """SPEC §9: a booked appointment of the active client with the clinician (the `appointment_id` routes)
    and a cancelled one, booked through the service (so its history and audit are real)."""
    from praxis.scheduling import services as scheduling

    start, end = tenant_appointment_times()
    with scope(workspace=access.workspace):
        [appointment] = scheduling.book(access=access, client_id=client.pk, practitioner_id=practitioner.pk,
                                        start=start, end=end, kind="video", video_link="https://video.example/x")
        [cancelled] = scheduling.book(access=access, client_id=client.pk, practitioner_id=practitioner.pk,
                                      start=end, end=end + (end - start), kind="phone")
        cancelled = scheduling.cancel(access=access, appointment_id=cancelled.pk, reason="Ziek")
    return {"appointment": appointment, "cancelled_appointment": cancelled}


def _tenant_clients(access, *, label: str, clinician) -> dict:
    """An active client (with a care team and a tag) and a cancelled one (issue 7)."""
    from praxis.clients.relationships import relationship_create
    from praxis.clients.services import client_create, clients_cancel
    from praxis.workspaces.models import Membership

    with scope(workspace=access.workspace):
        member = Membership.objects.get(workspace=access.workspace, user=clinician)
        client = client_create(access=access, values={"first_name": f"{label}client", "last_name": f"{label}Cliëntnaam",
                                                      "email": f"client@{label.lower()}.example"},
                               clinician_ids=[member.pk], tag_names=[f"{label}tag"])
        gone = client_create(access=access, values={"first_name": f"{label}gone", "last_name": "Vertrokken"})
        clients_cancel(access=access, client_ids=[gone.pk])
        # R-CLI-4: a relationship (to an external contact) for the `relationship_id` routes.
        relationship = relationship_create(access=access, client_id=client.pk, kind="referring_professional",
                                           new_contact={"name": f"{label}huisarts"})
    from praxis.clients.tests.factories import import_job_make

    return {"client": client, "cancelled_client": gone, "relationship": relationship,
            "contact": relationship.contact, "import_job": import_job_make(access),
            **_tenant_custom_fields(access, label=label), **_tenant_ticket(access, label=label)}


def _tenant_ticket(access, *, label: str, follower: bool = True) -> dict:
    """A support ticket with a file and (`follower`) the admin following it, and a sales request (SPEC §10)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from praxis.support import services as support
    from praxis.support.catalogue import ensure_default_categories
    from praxis.support.models import Attachment, Category
    from praxis.workspaces.models import Membership

    ensure_default_categories()
    with scope(workspace=access.workspace):
        ticket = support.ticket_create(
            access=access, kind="question", category_id=Category.objects.get(code="other").pk,
            subject=f"{label} vraag", description=f"{label} beschrijving",
            files=[SimpleUploadedFile("note.txt", f"{label} bijlage".encode())])
        watcher = None
        if follower:
            colleague = Membership.objects.filter(workspace=access.workspace, role="admin").get()
            watcher = support.watcher_add(access=access, ticket_id=ticket.pk, membership_id=colleague.pk)
        attachment = Attachment.objects.get(ticket=ticket)
    sales = support.sales_request_create(user=access.user, workspace=access.workspace, values={
        "topic": "large_team", "organisation": f"{label} kliniek", "contact_name": f"{label} eigenaar",
        "email": f"sales@{label.lower()}.example", "message": "Twaalf mensen"})
    return {"ticket": ticket, "attachment": attachment, "watcher": watcher, "sales_request": sales}


def _tenant_custom_fields(access, *, label: str) -> dict:
    """A live custom section with a field, a retired field and a retired section (R-CLI-2)."""
    from praxis.clients import customfields

    with scope(workspace=access.workspace):
        section = customfields.section_create(access=access, name=f"{label} verwijzing")
        field = customfields.field_create(access=access, label=f"{label} huisarts", field_type="text",
                                          section_id=section.pk)
        retired = customfields.field_create(access=access, label=f"{label} oud", field_type="number",
                                            builtin_section="personal")
        customfields.field_retire(access=access, field_id=retired.pk)
        retired_section = customfields.section_create(access=access, name=f"{label} vroeger")
        customfields.section_retire(access=access, section_id=retired_section.pk)
    return {"custom_section": section, "custom_field": field, "retired_field": retired,
            "retired_section": retired_section}


@dataclass
class Tenants:
    a: Tenant
    b: Tenant


def build_tenants(make_user=None) -> Tenants:
    """Practices A ("Alfa Praktijk Noord") and B ("Bravo Kliniek Zuid"); nothing is shared between them."""
    from praxis.billing.models import Invoice
    from praxis.testing.team import new_user

    make_user = make_user or new_user
    from praxis.billing.run import billing_run

    a = build_tenant(make_user=make_user, label="Alfa", name="Alfa Praktijk Noord", domain="alfa-noord.example")
    b = build_tenant(make_user=make_user, label="Bravo", name="Bravo Kliniek Zuid", domain="bravo-zuid.example")
    # Each practice's first cycle invoice (at the end of its trial, R-BIL-9) for the billing routes.
    anchors = [a.workspace.billing_anchor, b.workspace.billing_anchor]
    assert None not in anchors  # a team workspace is billed from its creation
    billing_run(at=max(day for day in anchors if day is not None))
    for tenant in (a, b):
        tenant.extra["invoice"] = Invoice.objects.with_scopes_disabled().get(workspace=tenant.workspace, kind="cycle")
    return Tenants(a=a, b=b)


@pytest.fixture
def api_tenants(db, make_user) -> Tenants:
    """The two practices, built for this test (modules whose tests never commit share one build per
    module instead: `praxis.testing.db.shared_per_module`, as test_isolation.py does)."""
    return build_tenants(make_user)


@pytest.fixture
def api_client(db):
    """`api_client(user)` → session login; `api_client(token=secret)` → bearer token; `api_client()` → anonymous."""

    def _make(user=None, *, token: str | None = None, enforce_csrf_checks: bool = False) -> Client:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        client = Client(enforce_csrf_checks=enforce_csrf_checks, headers=headers)
        if user is not None:
            client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
        return client

    return _make


def workspace_state(workspace) -> dict:
    """Everything the workspace owns (except its audit trail), as comparable plain data."""
    from django.forms.models import model_to_dict

    from praxis.api.models import ApiToken
    from praxis.billing.models import BalanceEntry, ChangeRequest, Invoice, SeatChange
    from praxis.clients.models import Client, CustomField, CustomSection, Tag
    from praxis.scheduling.models import Appointment, CalendarFeed, Change
    from praxis.workspaces.models import Invitation, Licence, Membership, Workspace

    with scopes_disabled():
        ws = Workspace.objects.get(pk=workspace.pk)
        memberships = list(Membership.objects.filter(workspace=ws).order_by("pk").values())
        user_ids = [m["user_id"] for m in memberships if m["user_id"]]
        return {
            "workspace": {k: str(v) for k, v in model_to_dict(ws).items()},
            "memberships": memberships,
            "invitations": list(Invitation.objects.filter(workspace=ws).order_by("pk").values()),
            "tokens": list(ApiToken.objects.with_scopes_disabled().filter(workspace=ws).order_by("pk").values()),
            "licences": list(Licence.objects.filter(user_id__in=user_ids).order_by("pk").values()),
            "paid_licences": list(Licence.objects.filter(payer_workspace=ws).order_by("pk").values()),
            "invoices": list(Invoice.objects.with_scopes_disabled().filter(workspace=ws).order_by("pk").values()),
            "seat_changes": list(SeatChange.objects.with_scopes_disabled().filter(workspace=ws).order_by("pk").values()),
            "balance": list(BalanceEntry.objects.with_scopes_disabled().filter(workspace=ws).order_by("pk").values()),
            "change_requests": list(ChangeRequest.objects.with_scopes_disabled().filter(workspace=ws).order_by("pk").values()),
            "clients": list(Client.objects.filter(workspace=ws).order_by("pk").values()),
            "client_care_teams": list(Client.clinicians.through.objects.filter(client__workspace=ws)
                                      .order_by("pk").values()),
            "client_tags": list(Tag.objects.filter(workspace=ws).order_by("pk").values()),
            "custom_sections": list(CustomSection.objects.filter(workspace=ws).order_by("pk").values()),
            "custom_fields": list(CustomField.objects.filter(workspace=ws).order_by("pk").values()),
            "appointments": list(Appointment.objects.filter(workspace=ws).order_by("pk").values()),
            "appointment_changes": list(Change.objects.filter(workspace=ws).order_by("pk").values()),
            "calendar_feeds": list(CalendarFeed.objects.filter(workspace=ws).order_by("pk").values()),
        }


@pytest.fixture
def api_snapshot():
    return workspace_state
