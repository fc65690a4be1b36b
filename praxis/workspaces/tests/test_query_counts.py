"""Query budgets of the invitation write paths (issue 6 point 11, STYLE 13).

Bulk invite reads users, memberships and pending invitations once per batch (before: ~8 queries per
address, 10 for one and 162 for twenty); accepting reads the token once (before: 28 queries). The numbers
are exact: a change that adds a query per address, or reads the token again, fails here. On PostgreSQL
every audit append also takes the chain's advisory lock (one query per append, not per entry).
"""

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from praxis.workspaces.invitations import invitation_accept, invitations_create
from praxis.workspaces.models import Invitation, Membership

pytestmark = pytest.mark.django_db

# SAVEPOINT, the catalogue (is the account type paid? point 8), users, memberships, pending invitations,
# the rate limits (SAVEPOINT, one upsert of every address's counter, one read of the previous slot, RELEASE;
# issue 10 point 3), SAVEPOINT + INSERT + RELEASE (the batch), the audit chain's last entry + one INSERT of
# all entries, RELEASE.
BULK_INVITE = {"sqlite": 15, "postgresql": 16}
BULK_INVITE_AFTER_TRIAL = {"sqlite": 16, "postgresql": 17}  # + the batch's licences
# Token read once; claim; membership; licence (read, lock, end, start); the seat ledger; the inviter's
# notification (point 4); the catalogue (paid? point 8); 4 audit appends (PostgreSQL: + 4 advisory locks).
ACCEPT = {"sqlite": 32, "postgresql": 36}


def _budget(numbers: dict[str, int]) -> int:
    return numbers[connection.vendor]


@pytest.mark.parametrize("count", [1, 20])
def test_point_11_bulk_invite_costs_the_same_for_1_and_20_addresses(count, workspace_with_team, make_user,
                                                                    django_assert_num_queries):
    team = workspace_with_team
    access = team.access("owner")
    # Some addresses already have accounts (whose language the e-mail uses), some not.
    existing = [make_user(f"known{i}@example.test", language="nl") for i in range(count // 2)]
    addresses = [u.email for u in existing] + [f"new{i}@example.test" for i in range(count - len(existing))]
    with scope(workspace=team.workspace), django_assert_num_queries(_budget(BULK_INVITE)):
        created = invitations_create(access=access, emails=addresses, role="staff", account_type="pro")
    assert sorted(inv.email for inv, _token in created) == sorted(addresses)
    with scopes_disabled():
        assert Invitation.objects.filter(workspace=team.workspace, email__in=addresses).count() == count


@pytest.mark.parametrize("count", [1, 20])
def test_point_11_bulk_invite_after_trial_reads_licences_once(count, workspace_with_team, make_user,
                                                             django_assert_num_queries):
    team = workspace_with_team
    addresses = [make_user().email for _ in range(count)]  # new accounts start in their own trial
    access = team.access("owner")
    with scope(workspace=team.workspace), django_assert_num_queries(_budget(BULK_INVITE_AFTER_TRIAL)):
        invitations_create(access=access, emails=addresses, role="staff", account_type="pro",
                           pay_for_user=True, pay_timing="after_trial")


def test_point_11_bulk_invite_refusal_still_names_the_first_refused_address(workspace_with_team):
    team = workspace_with_team
    from praxis.core.errors import Conflict

    with scope(workspace=team.workspace), pytest.raises(Conflict) as exc:
        invitations_create(access=team.access("owner"), emails=["fresh@example.test", team.staff.email.upper()],
                           role="staff", account_type="free")
    assert exc.value.code == "already_member" and team.staff.email in exc.value.message


def test_point_11_accepting_reads_the_token_once(workspace_with_team, make_user, django_assert_num_queries):
    team = workspace_with_team
    user = make_user()
    with scope(workspace=team.workspace):
        [(_inv, token)] = invitations_create(access=team.access("owner"), emails=[user.email], role="staff",
                                             account_type="pro")
    with django_assert_num_queries(_budget(ACCEPT)) as captured:
        member = invitation_accept(token=token, user=user)
    token_reads = [q for q in captured.captured_queries
                   if q["sql"].startswith("SELECT") and 'FROM "workspaces_invitation"' in q["sql"]]
    assert len(token_reads) == 1
    with scopes_disabled():
        member = Membership.objects.get(pk=member.pk)
        invitation = Invitation.objects.get(token_hash__isnull=False, email=user.email)
    assert (member.status, member.pay_for_user) == ("active", True)
    assert (invitation.status, invitation.accepted_by_id) == ("accepted", user.pk)
