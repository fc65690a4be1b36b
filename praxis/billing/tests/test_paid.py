"""One notion of "paid" (issue 6 point 8): the catalogue (`Plan.is_paid`), asked by the kernel through
its port (point 9) — there is no static list of paid account types any more."""

import pytest
from django.test import Client
from django_scopes import scope

from praxis.billing import catalogue
from praxis.billing.forms import MemberSubscribeForm, OwnSubscriptionForm
from praxis.billing.models import Plan
from praxis.workspaces import licences, ports, roles
from praxis.workspaces.invitations import invitations_create

pytestmark = pytest.mark.django_db


def _make_support_paid():
    catalogue.ensure_catalogue()
    Plan.objects.filter(account_type="support").update(monthly_price_cents=900, annual_price_cents=9000)


def test_point_8_there_is_no_static_list_of_paid_types():
    assert not hasattr(roles, "PAID_ACCOUNT_TYPES")


def test_point_8_the_kernel_asks_the_catalogue():
    catalogue.ensure_catalogue()
    assert [code for code in roles.AccountType.values if ports.billing().is_paid(account_type=code)] == [
        "essentials", "pro"]
    _make_support_paid()
    assert ports.billing().is_paid(account_type="support")


def test_point_8_an_operator_pricing_a_plan_changes_every_paid_default(workspace_with_team):
    """An operator who puts a price on `support` in the admin: invitations default to "the workspace
    pays", and the billing forms offer it as a paid type — without a code change."""
    team = workspace_with_team
    _make_support_paid()
    with scope(workspace=team.workspace):
        [(invitation, _token)] = invitations_create(access=team.access("owner"), emails=["s@example.test"],
                                                    role="staff", account_type="support")
    assert invitation.pay_for_user is True
    offered = [value for value, _label in MemberSubscribeForm().fields["account_type"].choices]
    assert offered == ["essentials", "pro", "support"]
    assert [value for value, _label in OwnSubscriptionForm().fields["account_type"].choices] == offered


def test_point_8_pays_for_self_follows_the_catalogue(make_user):
    user = make_user()
    licences.licence_assign(user=user, account_type="support", payer_workspace=None, actor=user)
    assert licences.pays_for_self(user) is False
    _make_support_paid()
    assert licences.pays_for_self(user) is True


def test_point_9_the_invite_page_lists_seat_prices_from_the_port(workspace_with_team):
    """The invite form shows the paid types with prices, without loading billing's template tags."""
    team = workspace_with_team
    client = Client()
    client.force_login(team.owner)
    html = client.get(f"/w/{team.workspace.slug}/invitations/").content.decode()
    assert "Essentials: € 29.00" in html and "Pro: € 59.00" in html
