"""Billing's entry points under scoped managers (issue 6 point 10, STYLE 1 and 8).

The ledger models only answer inside `scope(workspace=...)`; these are the places that legitimately
work outside one request's scope, and each must still see the right workspace's rows.
"""

import datetime as dt

import pytest
from django.test import Client
from django_scopes import scope

from praxis.api import services as api_services
from praxis.billing.models import Invoice, SeatChange
from praxis.billing.run import billing_run
from praxis.testing.team import join
from praxis.workspaces import licences
from praxis.workspaces.services import workspace_create

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC)


def _seats(workspace) -> list[tuple[str, int, str]]:
    return list(SeatChange.objects.with_scopes_disabled().filter(workspace=workspace).order_by("pk")
                .values_list("account_type", "delta", "reason"))


def test_point_10_a_seat_moving_between_workspaces_ends_in_the_old_payers_ledger(make_user, time_machine):
    """A self-paying user (billed through their personal workspace) joins a team that pays for them.
    Accepting runs in the team's scope; the personal workspace's seat must still end in its own ledger
    (the billing port enters each payer's scope), or they would pay twice."""
    time_machine.move_to(T0, tick=False)
    owner, person = make_user(first_name="Bert"), make_user(first_name="Sam")
    team = workspace_create(actor=owner, name="Praktijk B", tier="team")
    licences.licence_assign(user=person, account_type="pro", payer_workspace=None, actor=person)
    personal = licences.personal_workspace(person)
    assert _seats(personal) == [("pro", 1, "joined")]
    time_machine.move_to(T0 + dt.timedelta(days=10), tick=False)
    join(owner, team, person, "essentials")
    assert _seats(personal) == [("pro", 1, "joined"), ("pro", -1, "left")]
    assert _seats(team) == [("essentials", 1, "joined")]


def test_point_10_the_billing_run_crosses_workspaces_even_inside_another_scope(make_user, time_machine):
    time_machine.move_to(T0, tick=False)
    owners = [make_user(first_name=name) for name in ("Anna", "Bert")]
    workspaces = [workspace_create(actor=owner, name=f"Praktijk {owner.first_name}", tier="team") for owner in owners]
    for i, (owner, workspace) in enumerate(zip(owners, workspaces, strict=True)):
        join(owner, workspace, f"pro{i}@example.test", "pro")
    with scope(workspace=workspaces[0]):  # e.g. started from a page of one practice
        report = billing_run(at=dt.date(2026, 11, 1))
    assert report.cycle_invoices == ["2026-000001", "2026-000002"]
    assert sorted(Invoice.objects.with_scopes_disabled().values_list("workspace_id", flat=True)) == sorted(
        w.pk for w in workspaces)


def test_point_10_collecting_a_payment_from_a_task_finds_its_invoice(make_user, time_machine, settings):
    """A task gets only an invoice id and no scope: it re-enters the invoice's workspace."""
    from praxis.billing import payments

    settings.PRAXIS_PAYMENT_PROVIDER = "test"
    time_machine.move_to(T0, tick=False)
    owner = make_user()
    workspace = workspace_create(actor=owner, name="Praktijk De Linde", tier="team")
    join(owner, workspace, "pro@example.test", "pro")
    billing_run(at=dt.date(2026, 11, 1))
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=workspace)
    assert payments.collect_payment_task.call(invoice.pk) == "paid"
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_point_10_a_users_own_tokens_are_listed_across_their_workspaces(workspace_with_team, make_user):
    """The token page is personal: it lists the user's tokens of every workspace (and only theirs)."""
    team = workspace_with_team
    own = workspace_create(actor=team.clinician, name="Eigen praktijk", tier="practice")
    api_services.token_create(user=team.clinician, workspace_slug=team.workspace.slug, name="team-cli")
    api_services.token_create(user=team.clinician, workspace_slug=own.slug, name="own-cli")
    api_services.token_create(user=team.owner, workspace_slug=team.workspace.slug, name="not-mine")
    client = Client()
    client.force_login(team.clinician)
    html = client.get("/accounts/profile/tokens/").content.decode()
    assert "team-cli" in html and "own-cli" in html and "not-mine" not in html
    assert [t.name for t in api_services.token_list(user=team.clinician)] == ["own-cli", "team-cli"]
