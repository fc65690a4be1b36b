"""Every role × every protected API operation (SPEC §3, STYLE item 13).

The expected answer comes from the SPEC §3 matrix (`praxis.testing.spec`) — not from `roles.py` — so a wrong
bundle in code and a wrong declaration on an endpoint both fail. For every operation: allowed roles get
2xx; refused roles get 403 `{"code": "forbidden"}`, nothing changes and a `refused` audit entry is
written; anonymous callers get 401 and outsiders 404 (R-ROLE-4). An operation that declares a
capability but is missing from `OPERATIONS` fails `test_every_declared_capability_is_in_the_matrix`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django_scopes import scope

from praxis.audit.models import AuditEvent
from praxis.testing import PASSWORD
from praxis.testing.db import shared_per_module
from praxis.testing.spec import HOLDERS, ROLES
from praxis.workspaces import roles

from .test_isolation import all_routes

if TYPE_CHECKING:  # annotations only
    from praxis.billing.models import Invoice
    from praxis.workspaces.models import Invitation, Membership

EVERYONE = frozenset(ROLES)

# SPEC §3 as data (`praxis.testing.spec`): capability → the roles holding it (`grant` cells excluded).
SPEC_MATRIX: dict[str, frozenset[str]] = HOLDERS


@dataclass
class Targets:
    """Objects the operations act on, made by the owner through the services."""

    contact: "Membership"  # an active login-less contact person (staff)
    gone: "Membership"  # a cancelled contact person
    invitation: "Invitation"  # a pending invitation
    invoice: "Invoice"  # the workspace's first cycle invoice
    owner_member: "Membership"  # the owner (in their own trial)
    paid_member: "Membership"  # the clinician, a `pro` seat the workspace pays for
    client: Any = None  # an active clients.Client (issue 7)
    gone_client: Any = None  # a cancelled one
    relationship: Any = None  # the active client's link to an external contact (R-CLI-4)
    import_job: Any = None  # an uploaded client import (R-CLI-9)
    custom_field: Any = None  # a live clients.CustomField in `custom_section` (R-CLI-2)
    custom_section: Any = None  # a live clients.CustomSection
    ticket: Any = None  # a support ticket of the owner that every member follows (SPEC §10)
    contact_with_login: Any = None  # a member who does not follow it (a second clinician)
    resolved_ticket: Any = None  # the same, resolved by the operator (it can be reopened)
    attachment: Any = None  # the ticket's file
    watcher: Any = None  # the staff member's follow of `ticket`
    appointment: Any = None  # the client's booked appointment with the clinician, begun an hour ago (SPEC §9)


@dataclass(frozen=True)
class Op:
    method: str
    path: Callable[[Targets], str]  # relative to /api/v1/workspaces/<ws>
    capability: str | None  # what SPEC §3 requires; None: every member
    body: Callable[[Targets], dict] | None = None
    declared: bool = True  # False: the service checks it (the endpoint declares nothing)
    multipart: bool = False  # a file upload (multipart form), not a JSON body


OPERATIONS: dict[str, Op] = {
    "workspace_detail": Op("GET", lambda t: "", None, declared=False),
    "workspace_update": Op("PATCH", lambda t: "", roles.WORKSPACE_EDIT, lambda t: {"name": "Praktijk Zuid"},
                           declared=False),
    "member_list": Op("GET", lambda t: "/members", roles.MEMBERS_VIEW),
    "member_detail": Op("GET", lambda t: f"/members/{t.contact.pk}", roles.MEMBERS_VIEW),
    "member_update": Op("PATCH", lambda t: f"/members/{t.contact.pk}", roles.MEMBERS_MANAGE,
                        lambda t: {"role": "clinician", "password": PASSWORD}),
    "member_cancel": Op("POST", lambda t: "/members/cancel", roles.MEMBERS_MANAGE,
                        lambda t: {"ids": [t.contact.pk]}),
    "member_restore": Op("POST", lambda t: "/members/restore", roles.MEMBERS_MANAGE,
                         lambda t: {"ids": [t.gone.pk]}),
    "contact_create": Op("POST", lambda t: "/contacts", roles.MEMBERS_MANAGE,
                         lambda t: {"first_name": "Nieuw", "last_name": "Contact"}),
    "contact_access": Op("POST", lambda t: f"/contacts/{t.contact.pk}/access", roles.MEMBERS_MANAGE,
                         lambda t: {"email": "portal.access@example.test"}),
    "invitation_list": Op("GET", lambda t: "/invitations", roles.MEMBERS_MANAGE),
    "invitation_create": Op("POST", lambda t: "/invitations", roles.MEMBERS_MANAGE,
                            lambda t: {"emails": ["new.one@example.test", "new.two@example.test"],
                                       "role": "staff", "account_type": "free"}),
    "invitation_resend": Op("POST", lambda t: f"/invitations/{t.invitation.pk}/resend", roles.MEMBERS_MANAGE),
    "invitation_revoke": Op("POST", lambda t: f"/invitations/{t.invitation.pk}/revoke", roles.MEMBERS_MANAGE),
    "audit_list": Op("GET", lambda t: "/audit", roles.AUDIT_VIEW),
    "billing_summary": Op("GET", lambda t: "/billing", roles.BILLING_VIEW),
    "billing_seats": Op("GET", lambda t: "/billing/seats", roles.BILLING_VIEW),
    "billing_invoice_list": Op("GET", lambda t: "/billing/invoices", roles.BILLING_VIEW),
    "billing_invoice_detail": Op("GET", lambda t: f"/billing/invoices/{t.invoice.pk}", roles.BILLING_VIEW),
    "billing_invoice_pdf": Op("GET", lambda t: f"/billing/invoices/{t.invoice.pk}/pdf", roles.BILLING_VIEW),
    "billing_preview": Op("GET", lambda t: "/billing/preview", roles.BILLING_VIEW),
    "billing_seat_cost": Op("GET", lambda t: "/billing/seat-cost?account_type=pro&count=2", roles.BILLING_VIEW),
    "billing_change_request_list": Op("GET", lambda t: "/billing/change-requests", roles.BILLING_VIEW),
    "billing_change_request_create": Op("POST", lambda t: "/billing/change-requests", roles.BILLING_MANAGE,
                                        lambda t: {"subject": "Annual billing", "agreed_to_costs": True}),
    # The owner's own membership: in their own trial, so the workspace may start paying for them.
    "billing_member_subscribe": Op("POST", lambda t: f"/billing/members/{t.owner_member.pk}/subscribe",
                                   roles.BILLING_MANAGE, lambda t: {"account_type": "essentials"}),
    "billing_member_account_type": Op("POST", lambda t: f"/billing/members/{t.paid_member.pk}/account-type",
                                      roles.BILLING_MANAGE, lambda t: {"account_type": "essentials"}),
    "billing_member_unsubscribe": Op("POST", lambda t: f"/billing/members/{t.paid_member.pk}/unsubscribe",
                                     roles.BILLING_MANAGE),
    "client_list": Op("GET", lambda t: "/clients", roles.CLIENTS_VIEW),
    "client_detail": Op("GET", lambda t: f"/clients/{t.client.pk}", roles.CLIENTS_VIEW),
    "client_export": Op("GET", lambda t: f"/clients/{t.client.pk}/export?format=fhir", roles.CLIENTS_MANAGE),
    "client_create": Op("POST", lambda t: "/clients", roles.CLIENTS_MANAGE,
                        lambda t: {"first_name": "Nieuwe", "last_name": "Cliënt"}),
    "client_update": Op("PATCH", lambda t: f"/clients/{t.client.pk}", roles.CLIENTS_MANAGE,
                        lambda t: {"city": "Utrecht"}),
    "client_cancel": Op("POST", lambda t: "/clients/cancel", roles.MEMBERS_MANAGE, lambda t: {"ids": [t.client.pk]}),
    "client_restore": Op("POST", lambda t: "/clients/restore", roles.MEMBERS_MANAGE,
                         lambda t: {"ids": [t.gone_client.pk]}),
    "relationship_list": Op("GET", lambda t: f"/clients/{t.client.pk}/relationships", roles.CLIENTS_VIEW),
    "relationship_create": Op("POST", lambda t: f"/clients/{t.client.pk}/relationships", roles.CLIENTS_MANAGE,
                              lambda t: {"kind": "sibling", "other_client": t.gone_client.pk}),
    "relationship_update": Op("PATCH", lambda t: f"/clients/{t.client.pk}/relationships/{t.relationship.pk}",
                              roles.CLIENTS_MANAGE, lambda t: {"portal_access": True}),
    "relationship_delete": Op("DELETE", lambda t: f"/clients/{t.client.pk}/relationships/{t.relationship.pk}",
                              roles.CLIENTS_MANAGE),
    "client_contact_list": Op("GET", lambda t: "/client-contacts", roles.CLIENTS_VIEW),
    "client_contact_create": Op("POST", lambda t: "/client-contacts", roles.CLIENTS_MANAGE,
                                lambda t: {"name": "Dr. Jansen"}),
    "client_import_upload": Op("POST", lambda t: "/clients/import", roles.CLIENTS_MANAGE, multipart=True),
    "client_import_detail": Op("GET", lambda t: f"/clients/import/{t.import_job.pk}", roles.CLIENTS_MANAGE),
    "client_import_mapping": Op("PUT", lambda t: f"/clients/import/{t.import_job.pk}/mapping", roles.CLIENTS_MANAGE,
                                lambda t: {"columns": {"First name": "first_name"}}),
    "client_import_check": Op("POST", lambda t: f"/clients/import/{t.import_job.pk}/check", roles.CLIENTS_MANAGE),
    "client_import_commit": Op("POST", lambda t: f"/clients/import/{t.import_job.pk}/commit", roles.CLIENTS_MANAGE),
    # Custom fields and sections (R-CLI-2): read with clients.view, defined with workspace.edit.
    "custom_field_list": Op("GET", lambda t: "/custom-fields", roles.CLIENTS_VIEW),
    "custom_field_create": Op("POST", lambda t: "/custom-fields", roles.WORKSPACE_EDIT,
                              lambda t: {"label": "Huisarts", "field_type": "text", "builtin_section": "care"}),
    "custom_field_update": Op("PATCH", lambda t: f"/custom-fields/{t.custom_field.pk}", roles.WORKSPACE_EDIT,
                              lambda t: {"required": True}),
    "custom_field_retire": Op("DELETE", lambda t: f"/custom-fields/{t.custom_field.pk}", roles.WORKSPACE_EDIT),
    "custom_field_restore": Op("POST", lambda t: f"/custom-fields/{t.custom_field.pk}/restore",
                               roles.WORKSPACE_EDIT),
    "custom_field_move": Op("POST", lambda t: f"/custom-fields/{t.custom_field.pk}/move", roles.WORKSPACE_EDIT,
                            lambda t: {"builtin_section": "personal"}),
    "custom_section_list": Op("GET", lambda t: "/custom-field-sections", roles.CLIENTS_VIEW),
    "custom_section_create": Op("POST", lambda t: "/custom-field-sections", roles.WORKSPACE_EDIT,
                                lambda t: {"name": "Zorgverzekering"}),
    "custom_section_update": Op("PATCH", lambda t: f"/custom-field-sections/{t.custom_section.pk}",
                                roles.WORKSPACE_EDIT, lambda t: {"name": "Doorverwijzing"}),
    "custom_section_retire": Op("DELETE", lambda t: f"/custom-field-sections/{t.custom_section.pk}",
                                roles.WORKSPACE_EDIT),
    "custom_section_restore": Op("POST", lambda t: f"/custom-field-sections/{t.custom_section.pk}/restore",
                                 roles.WORKSPACE_EDIT),
    "custom_section_move": Op("POST", lambda t: f"/custom-field-sections/{t.custom_section.pk}/move",
                              roles.WORKSPACE_EDIT, lambda t: {"direction": "up"}),
    # Support (SPEC §10): every role files tickets and sees its own and followed ones (tickets.view_own).
    "ticket_list": Op("GET", lambda t: "/tickets", roles.TICKETS_VIEW_OWN),
    "ticket_create": Op("POST", lambda t: "/tickets", roles.TICKETS_CREATE,
                        lambda t: {"kind": "question", "category": "technical", "subject": "Export",
                                   "description": "Where is it?"}),
    "ticket_detail": Op("GET", lambda t: f"/tickets/{t.ticket.pk}", roles.TICKETS_VIEW_OWN),
    "ticket_reopen": Op("POST", lambda t: f"/tickets/{t.resolved_ticket.pk}/reopen", roles.TICKETS_VIEW_OWN),
    "message_list": Op("GET", lambda t: f"/tickets/{t.ticket.pk}/messages", roles.TICKETS_VIEW_OWN),
    "message_create": Op("POST", lambda t: f"/tickets/{t.ticket.pk}/messages", roles.TICKETS_VIEW_OWN,
                         lambda t: {"body": "Here is more detail"}),
    "attachment_list": Op("GET", lambda t: f"/tickets/{t.ticket.pk}/attachments", roles.TICKETS_VIEW_OWN),
    "attachment_create": Op("POST", lambda t: f"/tickets/{t.ticket.pk}/attachments", roles.TICKETS_VIEW_OWN,
                            multipart=True),
    "attachment_download": Op("GET", lambda t: f"/tickets/{t.ticket.pk}/attachments/{t.attachment.pk}",
                              roles.TICKETS_VIEW_OWN),
    "watcher_list": Op("GET", lambda t: f"/tickets/{t.ticket.pk}/watchers", roles.TICKETS_VIEW_OWN),
    "watcher_create": Op("POST", lambda t: f"/tickets/{t.ticket.pk}/watchers", roles.TICKETS_VIEW_OWN,
                         lambda t: {"membership": t.contact_with_login.pk}),
    "watcher_delete": Op("DELETE", lambda t: f"/tickets/{t.ticket.pk}/watchers/{t.watcher.pk}",
                         roles.TICKETS_VIEW_OWN),
    # SPEC §9: the schedule is seen with clients.view (staff too: reception), changed with appointments.manage.
    "appointment_list": Op("GET", lambda t: "/appointments", roles.CLIENTS_VIEW),
    "appointment_detail": Op("GET", lambda t: f"/appointments/{t.appointment.pk}", roles.CLIENTS_VIEW),
    "appointment_create": Op("POST", lambda t: "/appointments", roles.APPOINTMENTS_MANAGE,
                             lambda t: {"client": t.client.pk, "practitioner": t.paid_member.pk, **_slot(days=2)}),
    "appointment_reschedule": Op("POST", lambda t: f"/appointments/{t.appointment.pk}/reschedule",
                                 roles.APPOINTMENTS_MANAGE, lambda t: _slot(days=3)),
    "appointment_cancel": Op("POST", lambda t: f"/appointments/{t.appointment.pk}/cancel", roles.APPOINTMENTS_MANAGE,
                             lambda t: {"reason": "Ziek"}),
    "appointment_mark": Op("POST", lambda t: f"/appointments/{t.appointment.pk}/mark", roles.APPOINTMENTS_MANAGE,
                           lambda t: {"status": "completed"}),
}


def _slot(*, days: int) -> dict:
    """A free 50-minute slot `days` from now, as the API takes it."""
    import datetime as dt

    from praxis.core import clock

    start = (clock.now() + dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return {"start": start.isoformat(), "end": (start + dt.timedelta(minutes=50)).isoformat()}


# Ownership transfer is not a capability but the owner's alone (R-WS-5): tested on its own below.
NOT_A_CAPABILITY = {"ownership_transfer"}


def _workspace_operations() -> set[str]:
    """The name of every API operation under /workspaces/<ws>."""
    return {name for route in all_routes() if route.is_api and "ws" in route.params
            for _method, name in route.operations}


def _declared_capabilities() -> dict[str, str | None]:
    from praxis.api.api import api

    declared = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if hasattr(operation.view_func, "required_capability"):
                    declared[operation.view_func.__name__] = operation.view_func.required_capability
    return declared


def test_code_matrix_is_the_spec_matrix():
    for role in ROLES:
        granted = roles.capabilities_for(role=role, grants=[], account_type="pro")
        expected = {cap for cap, holders in SPEC_MATRIX.items() if role in holders}
        assert granted == expected, role
    # R-ROLE-1: staff+ is an extra grant valid with tickets.create only.
    assert "tickets.view_all" in roles.capabilities_for(role="staff", grants=["tickets.view_all"], account_type="pro")
    assert "audit.view" not in roles.capabilities_for(role="staff", grants=["audit.view"], account_type="pro")


def test_every_declared_capability_is_in_the_matrix():
    declared = _declared_capabilities()
    for name in _workspace_operations():
        assert name in OPERATIONS or name in NOT_A_CAPABILITY, (
            f"{name}: a workspace operation this matrix does not test — add it to OPERATIONS")
        assert name in declared, f"{name} is not wrapped by @workspace_endpoint"
    for name, op in OPERATIONS.items():
        if op.declared:
            assert declared[name] == op.capability, f"{name} declares {declared[name]!r}, SPEC says {op.capability!r}"
        else:
            assert declared[name] is None


def _support_targets(team, make_user) -> dict:
    """The owner's tickets, followed by every other member, one of them resolved by the operator."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from praxis.support import services as support
    from praxis.support.models import Category
    from praxis.testing.team import join

    access = team.access("owner")
    second = join(team.owner, team.workspace, make_user(first_name="Tweede"), "pro", role="clinician")
    operator = make_user(first_name="Otto")
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    from praxis.support.catalogue import ensure_default_categories

    ensure_default_categories()
    category = Category.objects.get(code="technical")
    with scope(workspace=team.workspace):
        ticket, resolved = (support.ticket_create(
            access=access, kind="question", category_id=category.pk, subject=subject, description="Hoe?",
            files=[SimpleUploadedFile("stappen.txt", b"1. open 2. klik")]) for subject in ("Open", "Opgelost"))
        watchers = {role: [support.watcher_add(access=access, ticket_id=t.pk, membership_id=team.members[role].pk)
                           for t in (ticket, resolved)][0]
                    for role in ("admin", "assistant", "clinician", "staff")}
        attachment = ticket.attachments.get()
    support.operator_update(operator=operator, ticket_id=resolved.pk, status="resolved")
    return {"ticket": ticket, "resolved_ticket": resolved, "attachment": attachment, "watcher": watchers["staff"],
            "contact_with_login": second}


def build_team_with_targets():
    """The team of the tests and one object of each kind the operations act on."""
    from praxis.testing.team import build_team, new_user
    from praxis.workspaces.invitations import invitations_create
    from praxis.workspaces.services import contact_person_add, members_cancel

    make_user = new_user
    team = build_team(make_user)
    access = team.access("owner")
    with scope(workspace=team.workspace):
        contact = contact_person_add(access=access, first_name="Carla", last_name="Contact")
        gone = contact_person_add(access=access, first_name="Gijs", last_name="Gegaan")
        members_cancel(access=access, membership_ids=[gone.pk])
        [(invitation, _token)] = invitations_create(access=access, emails=["pending@example.test"], role="staff",
                                                    account_type="free")
    from praxis.billing.models import Invoice
    from praxis.billing.run import billing_run
    from praxis.clients import customfields
    from praxis.clients.relationships import relationship_create
    from praxis.clients.services import client_create, clients_cancel
    from praxis.clients.tests.factories import import_job_make

    billing_run(at=team.workspace.billing_anchor)
    with scope(workspace=team.workspace):
        client = client_create(access=access, values={"first_name": "Carla", "last_name": "Cliënt"},
                               clinician_ids=[team.members["clinician"].pk])
        gone_client = client_create(access=access, values={"first_name": "Gerrit", "last_name": "Gestopt"})
        clients_cancel(access=access, client_ids=[gone_client.pk])
        relationship = relationship_create(access=access, client_id=client.pk, kind="referring_professional",
                                           new_contact={"name": "Dr. De Huisarts"})
        custom_section = customfields.section_create(access=access, name="Verwijzing")
        custom_field = customfields.field_create(access=access, label="Verwijzer", field_type="text",
                                                 section_id=custom_section.pk)
    tickets = _support_targets(team, make_user)
    import datetime as dt

    from praxis.core import clock
    from praxis.scheduling import services as scheduling

    begun = clock.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)  # so it can be marked
    with scope(workspace=team.workspace):
        [appointment] = scheduling.book(access=access, client_id=client.pk,
                                        practitioner_id=team.members["clinician"].pk, start=begun,
                                        end=begun + dt.timedelta(minutes=50))
    team.targets = Targets(contact=contact, gone=gone, invitation=invitation, **tickets,
                           invoice=Invoice.objects.with_scopes_disabled().get(workspace=team.workspace, kind="cycle"),
                           owner_member=team.members["owner"], paid_member=team.members["clinician"],
                           client=client, gone_client=gone_client, relationship=relationship,
                           import_job=import_job_make(access), custom_field=custom_field,
                           custom_section=custom_section, appointment=appointment)
    return team


# Built once per module; each of the ~1 500 matrix cases runs in a savepoint over it.
_shared_world, team = shared_per_module(build_team_with_targets, name="team")


def _request(client, team, op: Op):
    url = f"/api/v1/workspaces/{team.workspace.slug}{op.path(team.targets)}"
    body = op.body(team.targets) if op.body else None
    if op.method == "GET":
        return client.get(url)
    if op.multipart:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(url, {"file": SimpleUploadedFile("import.csv", b"First name,Last name\nAda,Lovelace\n")})
    return client.generic(op.method, url, data=json.dumps(body or {}), content_type="application/json")


def _last_seq() -> int:
    """The newest entry's id: `seq` only orders one chain (one per workspace), `id` orders them all."""
    last = AuditEvent.objects.order_by("-id").first()
    return last.pk if last else 0


MATRIX = [pytest.param(name, role, id=f"{name}-{role}") for name in OPERATIONS for role in ROLES]
REFUSALS = [
    pytest.param(name, role, id=f"{name}-{role}")
    for name, op in OPERATIONS.items() for role in ROLES
    if op.capability is not None and role not in SPEC_MATRIX[op.capability]
]


@pytest.mark.parametrize(("name", "role"), MATRIX)
def test_role_matrix(name, role, team, api_client, api_snapshot, django_capture_on_commit_callbacks):
    """Allowed → 2xx; refused → 403 `forbidden`, nothing changed, no e-mail scheduled."""
    op = OPERATIONS[name]
    client = api_client(team.users[role])
    allowed = op.capability is None or role in SPEC_MATRIX[op.capability]
    before = api_snapshot(team.workspace)

    with django_capture_on_commit_callbacks() as callbacks:
        response = _request(client, team, op)

    if allowed:
        assert 200 <= response.status_code < 300, response.content
        return
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"
    assert response.json()["detail"]
    assert api_snapshot(team.workspace) == before
    assert not callbacks  # no e-mail


@pytest.mark.parametrize(("name", "role"), REFUSALS)
def test_refusal_is_audited(name, role, team, api_client):
    """R-AUD-1: refused attempts are logged too — with the user, role, workspace and the rule — also when
    the service (not the endpoint) refuses inside its transaction (workspace_update)."""
    op = OPERATIONS[name]
    user = team.users[role]
    client = api_client(user)
    seq = _last_seq()

    assert _request(client, team, op).status_code == 403

    new = AuditEvent.objects.filter(id__gt=seq)
    assert [e.outcome for e in new] == ["refused"]
    event = new.get()
    assert (event.user_id, event.workspace_id, event.permission, event.role) == (
        user.pk, team.workspace.pk, op.capability, role)


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_anonymous_gets_401_and_changes_nothing(name, team, api_client, api_snapshot):
    client = api_client()
    before, seq = api_snapshot(team.workspace), _last_seq()
    response = _request(client, team, OPERATIONS[name])
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required.", "code": "unauthenticated"}
    assert api_snapshot(team.workspace) == before
    assert _last_seq() == seq


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_outsider_gets_404_and_changes_nothing(name, team, make_user, api_client, api_snapshot):
    """A logged-in user who is no member: the same 404 as for a workspace that does not exist."""
    client = api_client(make_user())
    before = api_snapshot(team.workspace)
    response = _request(client, team, OPERATIONS[name])
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert api_snapshot(team.workspace) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])  # the owner cannot be cancelled (R-WS-5)
def test_cancelled_member_loses_access_at_the_next_request(role, team, api_client):
    """R-MEM-2, R-ROLE-6: cancellation takes effect on the very next request, without logging out."""
    from praxis.workspaces.services import members_cancel

    client = api_client(team.users[role])
    url = f"/api/v1/workspaces/{team.workspace.slug}/members"
    assert client.get(url).status_code == 200
    with scope(workspace=team.workspace):
        members_cancel(access=team.access("owner"), membership_ids=[team.members[role].pk])
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/me").status_code == 200  # they keep their own account


def _transfer(client, team):
    return client.post(f"/api/v1/workspaces/{team.workspace.slug}/ownership",
                       {"member_id": team.members["admin"].pk, "password": PASSWORD}, content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_transfers_ownership(role, team, api_client, api_snapshot):
    """R-WS-5."""
    client = api_client(team.users[role])
    before = api_snapshot(team.workspace)
    response = _transfer(client, team)
    if role == "owner":
        assert response.status_code == 200, response.content
        assert response.json()["role"] == "owner"
        return
    assert response.status_code == 403
    assert response.json()["code"] == "owner_only"
    assert api_snapshot(team.workspace) == before


def test_refused_ownership_transfer_is_audited(team, api_client):
    """R-AUD-1: the refusal is raised inside the service's transaction and must survive its rollback."""
    client = api_client(team.admin)
    seq = _last_seq()
    assert _transfer(client, team).status_code == 403
    assert [(e.outcome, e.user_id) for e in AuditEvent.objects.filter(id__gt=seq)] == [("refused", team.admin.pk)]


def test_role_change_takes_effect_on_the_next_request(team, api_client):
    """R-ROLE-6: promoted staff can manage members at once; demoted back, they cannot."""
    staff_client = api_client(team.staff)
    url = f"/api/v1/workspaces/{team.workspace.slug}/invitations"
    assert staff_client.get(url).status_code == 403
    owner_client = api_client(team.owner)
    member_url = f"/api/v1/workspaces/{team.workspace.slug}/members/{team.members['staff'].pk}"
    response = owner_client.patch(member_url, {"role": "assistant", "password": PASSWORD},
                                  content_type="application/json")
    assert response.status_code == 200
    assert staff_client.get(url).status_code == 200
    owner_client.patch(member_url, {"role": "staff", "password": PASSWORD}, content_type="application/json")
    assert staff_client.get(url).status_code == 403


def test_support_account_never_gets_clinical_capabilities(workspace_with_team, make_user, api_client):
    """R-ROLE-2: a clinician on a `support` licence (paid by the workspace) is non-clinical."""
    from praxis.workspaces.invitations import invitation_accept, invitations_create

    team = workspace_with_team
    reception = make_user(first_name="Rita", last_name="Receptie")
    with scope(workspace=team.workspace):
        [(_invitation, token)] = invitations_create(access=team.access("owner"), emails=[reception.email],
                                                    role="clinician", account_type="support", pay_for_user=True)
    member = invitation_accept(token=token, user=reception)

    me = api_client(reception).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["account_type"] == "support"
    detail = api_client(team.owner).get(f"/api/v1/workspaces/{team.workspace.slug}/members/{member.pk}")
    assert (detail.json()["role"], detail.json()["account_type"]) == ("clinician", "support")

    caps = team.access(reception).capabilities
    assert member.role == "clinician"
    assert not caps & {roles.NOTES_WRITE, roles.CLIENTS_SENSITIVE}
    clinician = {cap for cap, holders in SPEC_MATRIX.items() if "clinician" in holders}
    assert caps == clinician - {roles.NOTES_WRITE, roles.CLIENTS_SENSITIVE}
    # …while a clinician on a clinical licence has them.
    assert {roles.NOTES_WRITE, roles.CLIENTS_SENSITIVE} <= team.access("clinician").capabilities
