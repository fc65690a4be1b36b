"""The demo practice "Praktijk De Linde", built through the real services so it obeys every rule.

Idempotent: when the workspace exists nothing is created again (only the demo clients, `demo/clients.py`,
and the demo appointments, `demo/scheduling.py`, are added to a practice that has none).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django_scopes import scope, scopes_disabled

from praxis.accounts.models import User
from praxis.billing import terms
from praxis.billing.models import Issuer
from praxis.billing.run import billing_run
from praxis.core import clock
from praxis.demo.clients import load_demo_clients
from praxis.demo.scheduling import load_demo_appointments
from praxis.demo.support import load_demo_support
from praxis.workspaces import invitations, services
from praxis.workspaces.access import resolve_access
from praxis.workspaces.licences import workspace_today
from praxis.workspaces.models import Invitation, Workspace
from praxis.workspaces.signup import user_sign_up

DEMO_SLUG = "de-linde"
DEMO_PASSWORD = "linde-demo-2026"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    role: str
    account_type: str
    language: str


PEOPLE = [
    DemoPerson("eva@delinde.example", "Eva", "de Linde", "owner", "pro", "nl"),
    DemoPerson("admin@delinde.example", "Sanne", "Bakker", "admin", "support", "nl"),
    DemoPerson("assistent@delinde.example", "Lotte", "Visser", "assistant", "support", "nl"),
    DemoPerson("pieter@delinde.example", "Pieter", "Jansen", "clinician", "pro", "nl"),
    DemoPerson("amelie@delinde.example", "Amélie", "Dubois", "clinician", "essentials", "fr"),
    DemoPerson("receptie@delinde.example", "Jonas", "Schmidt", "staff", "support", "de"),
]


def demo_logins() -> list[DemoPerson]:
    return PEOPLE


@transaction.atomic
def load_demo() -> bool:
    """Create the demo practice; return False when it already existed (a practice loaded before the
    demo had clients or appointments gets them added — silently, nothing else changes)."""
    existing = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        owner = User.objects.filter(email=PEOPLE[0].email).first()
        if owner is not None:
            with scope(workspace=existing):
                load_demo_clients(resolve_access(owner, DEMO_SLUG))
                load_demo_appointments(resolve_access(owner, DEMO_SLUG))
            load_demo_support(existing, password=DEMO_PASSWORD)
        return False
    owner_spec, *staff = PEOPLE
    demo_issuer()
    owner = user_sign_up(email=owner_spec.email, password=DEMO_PASSWORD, first_name=owner_spec.first_name,
                        last_name=owner_spec.last_name, language=owner_spec.language)
    workspace = services.workspace_create(actor=owner, name="Praktijk De Linde", tier="practice")
    # The practice's trial ended ten days ago, so the demo shows billing at work: its members join
    # mid-cycle (prorated), and the next cycle invoice is previewed on the billing tab.
    started = clock.now() - dt.timedelta(days=24)
    Workspace.objects.filter(pk=workspace.pk).update(
        created_at=started, trial_ends_at=started + dt.timedelta(days=14),
        billing_anchor=(started + dt.timedelta(days=14)).date(),
        slug=DEMO_SLUG, address="Lindelaan 12\n3521 AB Utrecht", phone="+31302345678",
        email="info@delinde.example", registration_number="81234567", vat_id="NL812345678B01",
        billing_address="Lindelaan 12\n3521 AB Utrecht", country="NL", time_zone="Europe/Amsterdam",
    )
    workspace.refresh_from_db()
    access = resolve_access(owner, DEMO_SLUG)
    with scope(workspace=workspace):
        for person in staff:
            [(_inv, token)] = invitations.invitations_create(
                access=access, emails=[person.email], role=person.role, account_type=person.account_type,
                pay_for_user=True)
            invitations.invitation_accept_new_user(
                token=token, password=DEMO_PASSWORD, first_name=person.first_name, last_name=person.last_name,
                language=person.language)
        former = user_sign_up(email="oud-collega@delinde.example", password=DEMO_PASSWORD, first_name="Kees",
                             last_name="de Vries", language="nl")
        [(_inv, token)] = invitations.invitations_create(access=access, emails=[former.email], role="clinician",
                                                         account_type="essentials")
        member = invitations.invitation_accept(token=token, user=former)
        services.members_cancel(access=access, membership_ids=[member.pk])
        services.contact_person_add(access=access, first_name="Marieke", last_name="Smit", gender="female",
                                    role="staff")
        invitations.invitations_create(access=access, emails=["nieuwe.fysio@example.com", "stagiair@example.com"],
                                       role="clinician", account_type="essentials")
        [(expired, _token)] = invitations.invitations_create(
            access=access, emails=["verlopen@example.com"], role="staff", account_type="support")
        with scopes_disabled():
            past = clock.now() - dt.timedelta(days=40)
            Invitation.objects.filter(pk=expired.pk).update(sent_at=past, created_at=past,
                                                            expires_at=past + dt.timedelta(days=30))
        load_demo_clients(resolve_access(owner, DEMO_SLUG))  # after the members: clients get clinicians
        load_demo_appointments(resolve_access(owner, DEMO_SLUG))  # this week and the next (SPEC §9)
    load_demo_support(workspace, password=DEMO_PASSWORD)  # tickets in every status, the operator (SPEC §10)
    # Issue what is due: the proration invoice of today's joins (the run invoices days that have ended).
    # "Today" is the practice's day: just after midnight in Utrecht the joins are dated tomorrow in UTC terms.
    billing_run(at=workspace_today(workspace) + dt.timedelta(days=1))
    return True


DEMO_ISSUER = {
    "legal_name": "Praxis Software B.V.",
    "address": "Keizersgracht 174\n1016 DW Amsterdam\nNederland",
    "vat_id": "NL864321987B01",
    "account_holder": "Praxis Software B.V.",
    "iban": "NL91ABNA0417164300",  # a well-formed example IBAN (its check digits are right), not a real account
    "bic": "ABNANL2A",
    "payment_term_days": 14,
}


def demo_issuer() -> None:
    """The operator as invoice issuer, as an operator would set it in /operator/ → Billing → Invoice issuer;
    left alone when the operator already saved one. Set before the demo's invoices are issued, which copy it."""
    if not Issuer.objects.exists():
        terms.issuer_set(actor=None, values=DEMO_ISSUER)


def demo_user_exists() -> bool:
    return User.objects.filter(email=PEOPLE[0].email).exists()
