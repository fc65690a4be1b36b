"""Issue 6 point 6: the non-clinical practice manager (seed 001: "converti en compte Support gratuit").

Someone can sign up for a `support` account (free, non-clinical, R-ROLE-2), run a team from it (R-WS-1:
a team needs a paid or support account type), and the owner's own row of the billing tab offers every
account type, support included. Clinical capabilities stay off throughout.
"""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from praxis.accounts.models import User
from praxis.audit.models import AuditEvent
from praxis.core.errors import ServiceError
from praxis.workspaces import licences
from praxis.workspaces.access import resolve_access
from praxis.workspaces.models import Licence, Membership
from praxis.workspaces.roles import BILLING_MANAGE, CLIENTS_SENSITIVE, MEMBERS_MANAGE, NOTES_WRITE
from praxis.workspaces.services import workspace_create

pytestmark = pytest.mark.django_db


def test_point_6_sign_up_for_a_support_account_then_run_a_team(client, django_capture_on_commit_callbacks,
                                                               mailoutbox):
    """Issue 6 point 6, R-ROLE-2, R-WS-1: sign-up offers Support; the new manager creates a team from it and
    holds every management capability but no clinical one."""
    page = client.get("/accounts/signup/").content.decode()
    assert 'value="support"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {"email": "manager@example.org", "first_name": "Mara",
                                                     "last_name": "Manager", "language": "en",
                                                     "account_type": "support"})
    assert response["Location"] == "/accounts/signup/sent/"
    assert "free Support account" in mailoutbox[-1].body and "Pro trial" not in mailoutbox[-1].body
    manager = User.objects.get(email="manager@example.org")
    licence = licences.current_licence(manager)
    assert (licence.account_type, licence.status, licence.payer_workspace_id, licence.trial_ends_at) == (
        "support", "active", None, None)
    assert AuditEvent.objects.filter(event_code="licence.support_started", user=manager).exists()

    team = workspace_create(actor=manager, name="Kliniek West", tier="team")  # R-WS-1: support may
    access = resolve_access(manager, team.slug)
    assert {BILLING_MANAGE, MEMBERS_MANAGE} <= access.capabilities
    assert not {NOTES_WRITE, CLIENTS_SENSITIVE} & access.capabilities
    with scopes_disabled():
        assert Membership.objects.get(workspace=team, user=manager).account_type == "support"


def test_point_6_sign_up_refuses_other_account_types_and_changes_nothing(client):
    before = User.objects.count()
    response = client.post("/accounts/signup/", {"email": "x@example.org", "language": "en",
                                                 "account_type": "essentials"})
    assert response.status_code == 200 and response.context["form"].errors["account_type"]
    assert User.objects.count() == before


def test_point_6_a_free_user_still_cannot_create_a_team(make_user, time_machine):
    """R-WS-1 stays: `free` (a trial that ran out) cannot create a team; `support` can."""
    import datetime as dt

    user = make_user()
    time_machine.move_to(licences.current_licence(user).trial_ends_at + dt.timedelta(seconds=1), tick=False)
    with pytest.raises(ServiceError) as exc:
        workspace_create(actor=user, name="No team", tier="team")
    assert exc.value.code == "paid_account_required"


def _billing(client, workspace) -> str:
    return client.get(reverse("billing:overview", kwargs={"ws": workspace.slug})).content.decode()


def test_point_6_owner_row_offers_every_account_type_and_switches_to_support(client, workspace_with_team):
    """Issue 6 point 6: the owner's own row lists free, essentials, pro and support; choosing support is
    confirmed, then nobody pays for it and the owner keeps running the practice without clinical access."""
    team = workspace_with_team
    client.force_login(team.owner)
    body = _billing(client, team.workspace)
    own_form = body[body.index(reverse("billing:own_account_type", kwargs={"ws": team.workspace.slug})):]
    own_form = own_form[:own_form.index("</form>")]
    for code in ("free", "essentials", "pro", "support"):
        assert f'value="{code}"' in own_form

    url = reverse("billing:own_account_type", kwargs={"ws": team.workspace.slug})
    confirm = client.post(url, {"account_type": "support"}).content.decode()
    assert "Change your own account type to Support?" in confirm
    assert licences.current_licence(team.owner).account_type == "pro"  # nothing changed yet

    response = client.post(url, {"account_type": "support", "confirm": "1"}, follow=True)
    assert "Your account type is now Support" in response.content.decode()
    licence = licences.current_licence(team.owner)
    assert (licence.account_type, licence.payer_workspace_id) == ("support", None)
    access = team.access("owner")
    assert BILLING_MANAGE in access.capabilities and NOTES_WRITE not in access.capabilities
    assert AuditEvent.objects.filter(event_code="licence.assigned", user=team.owner).exists()


def test_point_6_own_row_paid_type_shows_the_cost_first(client, workspace_with_team):
    """A paid type from one's own row goes through the same cost confirmation as for any member (R-BIL-14)."""
    team = workspace_with_team
    client.force_login(team.owner)
    url = reverse("billing:own_account_type", kwargs={"ws": team.workspace.slug})
    before = Licence.objects.filter(user=team.owner).count()
    body = client.post(url, {"account_type": "essentials"}).content.decode()
    assert "Pay for Olivia Owner as Essentials?" in body
    assert Licence.objects.filter(user=team.owner).count() == before


def test_point_6_own_account_type_needs_billing_manage(client, workspace_with_team):
    team = workspace_with_team
    client.force_login(team.clinician)
    url = reverse("billing:own_account_type", kwargs={"ws": team.workspace.slug})
    before = licences.current_licence(team.clinician).pk
    assert client.post(url, {"account_type": "support", "confirm": "1"}).status_code == 403
    assert licences.current_licence(team.clinician).pk == before


def test_point_6_convert_own_account_to_support_before_creating_a_team(client, make_user, time_machine):
    """Seed 001: the manager converts their account to a free Support account, then creates the team —
    even after their Pro trial ran out (free cannot create a team, support can: R-WS-1)."""
    import datetime as dt

    user = make_user()
    time_machine.move_to(licences.current_licence(user).trial_ends_at + dt.timedelta(days=1), tick=False)
    client.force_login(user)
    page = client.get(reverse("billing:own_subscription")).content.decode()
    assert "Switch to a free Support account" in page
    response = client.post(reverse("billing:own_subscription"), {"action": "support"}, follow=True)
    assert "Your account is now a free Support account" in response.content.decode()
    assert licences.effective_account_type(user) == "support"
    team = workspace_create(actor=user, name="Team Oost", tier="team")
    assert NOTES_WRITE not in resolve_access(user, team.slug).capabilities


def test_point_6_api_sign_up_for_support_and_refusal(client, django_capture_on_commit_callbacks):
    """The API offers the same choice as the page (issue 6 point 6); another type is a clear 4xx."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/auth/signup", {"email": "desk@example.org", "account_type": "support"},
                               content_type="application/json")
    assert response.status_code == 202
    assert licences.current_licence(User.objects.get(email="desk@example.org")).account_type == "support"
    before = User.objects.count()
    response = client.post("/api/v1/auth/signup", {"email": "odd@example.org", "account_type": "pro_plus"},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_account_type"
    assert User.objects.count() == before
