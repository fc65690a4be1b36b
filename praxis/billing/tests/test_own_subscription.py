"""A solo user's own subscription through the HTML (R-BIL-7, R-BIL-8): billed through the personal
workspace; cancelling is the consent that lets a workspace pay instead."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from praxis.billing.models import Invoice
from praxis.testing.billing import balance_cents
from praxis.workspaces import licences

URL = reverse("billing:own_subscription")


@pytest.fixture
def solo(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC), tick=False)
    return make_user(first_name="Sol")


def test_subscribe_then_cancel_with_credit_to_the_personal_balance(client, solo, time_machine):
    client.force_login(solo)
    assert "trial until" in client.get(URL).content.decode()
    response = client.post(URL, {"account_type": "essentials"})
    assert response.status_code == 302
    assert licences.pays_for_self(solo)
    personal = licences.personal_workspace(solo)
    call_command("billing_run", at="2026-11-02", force=True)  # the seat started on the anchor day: the cycle invoice
    invoice = Invoice.objects.with_scopes_disabled().get(workspace=personal, kind="cycle")
    assert (invoice.subtotal_cents, invoice.vat_cents, invoice.total_cents) == (2900, 609, 3509)

    time_machine.move_to(dt.datetime(2026, 11, 16, 11, 0, tzinfo=dt.UTC), tick=False)
    client.force_login(solo)  # two weeks later: the old session expired long ago (R-ACC-5)
    response = client.post(URL, {"action": "cancel"})
    assert response.url == URL
    assert licences.effective_account_type(solo) == "free"
    assert balance_cents(workspace=personal) == 1450  # 29.00 × 15/30 unused


def test_a_user_paid_by_a_workspace_cannot_subscribe_themselves(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.clinician)
    page = client.get(URL).content.decode()
    assert team.workspace.name in page
    response = client.post(URL, {"account_type": "pro"})
    assert response.status_code == 200
    assert "A workspace pays for your account" in response.content.decode()
    assert licences.current_licence(team.clinician).payer_workspace_id == team.workspace.pk


def test_page_needs_a_login(client):
    assert client.get(URL).status_code == 302
