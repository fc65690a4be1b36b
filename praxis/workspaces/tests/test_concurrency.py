"""Concurrency rules guarded by the database, with real parallel transactions.

"One membership per invitation" (R-INV-2 single use) and "one pending invitation per address" must hold
when requests race. On PostgreSQL the conditional UPDATE waits for the row lock; on SQLite (WAL,
IMMEDIATE transactions) writers queue — in both cases the constraints are the last guard.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scope, scopes_disabled

from praxis.core.errors import Conflict
from praxis.testing import PASSWORD
from praxis.workspaces import invitations
from praxis.workspaces.access import resolve_access
from praxis.workspaces.models import Invitation, Membership
from praxis.workspaces.services import workspace_create
from praxis.workspaces.signup import user_sign_up

WORKERS = 6


def _race(fn, n=WORKERS):
    barrier = threading.Barrier(n)

    def run(_):
        barrier.wait()
        try:
            return fn()
        except Conflict as exc:
            return exc.code
        except IntegrityError:
            return "integrity_error"
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.fixture
def practice(transactional_db):
    owner = user_sign_up(email="owner@race.test", password=PASSWORD, first_name="Olga")
    workspace = workspace_create(actor=owner, name="Race practice", tier="practice")
    return owner, workspace


def test_parallel_acceptance_of_one_invitation_creates_one_membership(practice):
    """R-INV-2: a link is single-use even when six tabs accept it at the same moment."""
    owner, workspace = practice
    invitee = user_sign_up(email="invitee@race.test", password=PASSWORD)
    with scope(workspace=workspace):
        [(_invitation, token)] = invitations.invitations_create(
            access=resolve_access(owner, workspace.slug), emails=["invitee@race.test"], role="clinician",
            account_type="pro")

    results = _race(lambda: invitations.invitation_accept(token=token, user=invitee) and "accepted")

    assert results.count("accepted") == 1, results
    assert set(results) - {"accepted"} <= {"invitation_used", "already_member"}
    with scopes_disabled():
        assert Membership.objects.filter(workspace=workspace, user=invitee).count() == 1
        assert Invitation.objects.get(workspace=workspace).status == Invitation.Status.ACCEPTED


def test_parallel_invites_of_one_address_leave_one_pending_invitation(practice):
    """R-INV-2 / SPEC §15: one pending invitation per (workspace, e-mail), even under a race."""
    owner, workspace = practice

    def invite():
        with scope(workspace=workspace):
            invitations.invitations_create(access=resolve_access(owner, workspace.slug),
                                           emails=["Same@Race.test"], role="staff", account_type="support")
        return "invited"

    results = _race(invite)

    assert results.count("invited") == 1, results
    assert set(results) - {"invited"} == {"already_invited"}
    with scopes_disabled():
        assert Invitation.objects.filter(workspace=workspace, status="pending").count() == 1


def test_database_refuses_a_second_pending_invitation_and_a_second_membership(practice):
    """The constraints themselves, without the services' friendly checks."""
    owner, workspace = practice
    with scope(workspace=workspace):
        [(first, _token)] = invitations.invitations_create(
            access=resolve_access(owner, workspace.slug), emails=["dup@race.test"], role="staff",
            account_type="free")
        with pytest.raises(IntegrityError), transaction.atomic():
            Invitation.objects.create(workspace=workspace, email="DUP@race.test", role="staff",
                                      account_type="free", token_hash="x" * 64, batch=first.batch,
                                      expires_at=first.expires_at)
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(workspace=workspace, user=owner, role="staff")
        with pytest.raises(IntegrityError), transaction.atomic():
            other = user_sign_up(email="second-owner@race.test", password=PASSWORD)
            Membership.objects.create(workspace=workspace, user=other, role="owner")
