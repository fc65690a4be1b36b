"""The kernel's ports (issue 6 point 9) and the one sign-up orchestrator.

Workspaces asks billing through `praxis.workspaces.ports.Billing`; accounts asks the layers above it
through `praxis.accounts.ports.Host`. Both are registered by the providing app's `AppConfig.ready()`.
"""

import pytest
from django_scopes import scopes_disabled

from praxis.accounts import ports as accounts_ports
from praxis.accounts import services as accounts_services
from praxis.testing import PASSWORD
from praxis.workspaces import licences, ports
from praxis.workspaces.models import Licence, Membership, Workspace
from praxis.workspaces.signup import WorkspacesHost, user_sign_up

from .test_services import invite


def test_point_9_both_ports_are_registered_at_start_up():
    """Issue 6 point 9: billing and workspaces register their providers in `AppConfig.ready()`."""
    assert isinstance(ports.billing(), ports.Billing)
    assert type(ports.billing()).__module__ == "praxis.billing.kernel"
    assert isinstance(accounts_ports.host(), WorkspacesHost)


def test_point_9_an_unregistered_billing_port_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(ports, "_billing", None)
    with pytest.raises(ports.BillingNotRegistered, match="register_billing"):
        ports.billing()


def test_point_9_an_unregistered_accounts_host_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(accounts_ports, "_host", None)
    with pytest.raises(accounts_ports.HostNotRegistered, match="register_host"):
        accounts_ports.host()


def test_point_9_registering_something_that_is_not_a_port_is_refused():
    with pytest.raises(TypeError):
        ports.register_billing(object())
    with pytest.raises(TypeError):
        accounts_ports.register_host(object())


class FakeBilling:
    """A billing that charges only for `support`, and records the seats it is asked to start."""

    def __init__(self):
        self.started = []

    def is_paid(self, *, account_type):
        return account_type == "support"

    def seat_start(self, *, workspace, user, account_type, day, reason, actor):
        self.started.append((workspace.pk, user.pk, account_type, reason))

    def seat_end(self, *, workspace, user, account_type, day, reason, actor):
        pass

    def seat_prices(self, *, interval):
        return [ports.SeatPrice(account_type="support", label="Support", price="€ 1.00")]


@pytest.mark.django_db
def test_point_9_workspaces_reach_billing_only_through_the_port(workspace_with_team, make_user, monkeypatch):
    """Issue 6 points 8 and 9: a licence change and an invitation's "who pays" default ask the registered
    port, so a replaced provider is what the kernel sees (nothing reaches billing another way)."""
    fake = FakeBilling()
    monkeypatch.setattr(ports, "_billing", fake)
    team = workspace_with_team
    person = make_user()
    [(invitation, _token)] = invite(team, [person.email], account_type="support")
    assert invitation.pay_for_user is True  # the port says `support` is paid
    [(invitation, _token)] = invite(team, [make_user().email], account_type="pro")
    assert invitation.pay_for_user is False  # …and `pro` is not
    licences.licence_assign(user=person, account_type="support", payer_workspace=team.workspace, actor=team.owner)
    assert fake.started == [(team.workspace.pk, person.pk, "support", "joined")]


@pytest.mark.django_db
def test_point_9_user_create_makes_only_the_user_and_user_sign_up_the_rest():
    """Issue 6 point 9: accounts creates the user; the workspaces orchestrator adds workspace and trial."""
    bare = accounts_services.user_create(email="bare@example.test", password=PASSWORD)
    assert not Licence.objects.filter(user=bare).exists()
    assert not Workspace.objects.filter(created_by=bare).exists()

    user = user_sign_up(email="ann@example.test", password=PASSWORD, first_name="Ann")
    licence = Licence.objects.get(user=user)
    assert (licence.account_type, licence.status) == ("pro", "trialing")
    personal = Workspace.objects.get(created_by=user)
    assert personal.is_personal
    with scopes_disabled():
        assert Membership.objects.get(workspace=personal).user == user


@pytest.mark.django_db
def test_point_9_sign_up_by_e_mail_goes_through_the_host_port(monkeypatch):
    """The e-mail sign-up task (accounts) creates workspace and trial through `Host.sign_up`."""
    calls = []
    real = accounts_ports.host()

    class RecordingHost(WorkspacesHost):
        def sign_up(self, **kwargs):
            calls.append(kwargs["email"])
            return real.sign_up(**kwargs)

    monkeypatch.setattr(accounts_ports, "_host", RecordingHost())
    accounts_services.signup_process(email="new@example.test", first_name="New", last_name="Person",
                                     language="en", referred_by_id=None)
    assert calls == ["new@example.test"]
    assert Workspace.objects.filter(created_by__email="new@example.test", is_personal=True).count() == 1
