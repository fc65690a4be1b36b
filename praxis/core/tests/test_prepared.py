"""`core.prepared`: a query compiled once answers exactly what the ORM answers (issue 10 point 11).

The per-request lookups (session, user, API token, membership, licence) run through it, so a divergence
here would log people in or out wrongly: each test compares with the plain ORM or pins a refusal.
"""

import datetime as dt
import threading

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from praxis.accounts.models import User
from praxis.accounts.sessions import AccountBackend, SessionStore
from praxis.core import clock
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.prepared import Prepared
from praxis.workspaces import licences
from praxis.workspaces.access import resolve_access
from praxis.workspaces.models import Licence, Membership
from praxis.workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2031, 3, 10, 9, 0, tzinfo=dt.UTC)


def _membership_query(*, slug, user_id):
    return (licences.with_current_licence(Membership.objects.select_related("workspace"), "user")
            .filter(workspace__slug=slug, user_id=user_id, status=LifecycleStatus.ACTIVE).order_by("pk"))


MEMBERSHIP = Prepared(lambda *, slug, user_id: _membership_query(slug=slug, user_id=user_id)[:1],
                      slug=str, user_id=int)


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_joined_query_builds_the_instances_the_orm_builds():
    owner = UserFactory()
    workspace = WorkspaceFactory(owner=owner)
    member = MembershipFactory(workspace=workspace).user
    with scopes_disabled():
        Licence.objects.filter(user=member).update(status=Licence.Status.ENDED)  # no current licence
        cases = [(workspace.slug, owner.pk), (workspace.slug, member.pk), ("no-such-workspace", owner.pk),
                 (workspace.slug, 10**6)]
        for slug, user_id in cases:
            expected = _membership_query(slug=slug, user_id=user_id).first()
            found = MEMBERSHIP.first(slug=slug, user_id=user_id)
            if expected is None:
                assert found is None
                continue
            assert _fields(found) == _fields(expected)
            assert _fields(found.workspace) == _fields(expected.workspace)
            found_licence, expected_licence = licences.joined_licence(found), licences.joined_licence(expected)
            assert (found_licence and _fields(found_licence)) == (expected_licence and _fields(expected_licence))
    assert licences.joined_licence(MEMBERSHIP.first(slug=workspace.slug, user_id=owner.pk)) is not None
    assert licences.joined_licence(MEMBERSHIP.first(slug=workspace.slug, user_id=member.pk)) is None


def test_it_is_one_query_through_djangos_cursor_and_compiled_once_per_thread():
    owner = UserFactory()
    workspace = WorkspaceFactory(owner=owner)
    builds = []

    def build(*, pk):
        builds.append(pk)
        return User.objects.filter(pk=pk)[:1]

    users = Prepared(build, pk=int)
    assert users.first(pk=owner.pk) == owner
    with CaptureQueriesContext(connection) as captured:
        assert users.first(pk=owner.pk) == owner
        assert users.first(pk=owner.pk + 1000) is None
    assert len(captured) == 2
    assert str(owner.pk) in captured.captured_queries[0]["sql"]  # the real value was bound
    assert len(builds) == 1
    assert workspace.slug  # (the workspace only makes the database less empty)

    def in_another_thread():
        try:
            users.first(pk=owner.pk)  # its own connection: it does not see this test's uncommitted rows
        finally:
            connections.close_all()  # that thread's connections, so the test database can be dropped

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    assert len(builds) == 2  # the other thread compiled its own (its own connection)


def test_a_datetime_parameter_is_adapted_as_the_field_is(time_machine):
    time_machine.move_to(T0, tick=False)
    expiring = Prepared(lambda *, key, now: Session.objects.filter(session_key=key, expire_date__gt=now)[:1],
                        key=str, now=dt.datetime)
    Session.objects.create(session_key="a" * 32, session_data="", expire_date=T0 + dt.timedelta(seconds=1))
    assert expiring.first(key="a" * 32, now=T0) is not None
    assert expiring.first(key="a" * 32, now=T0 + dt.timedelta(seconds=1)) is None  # strictly later: expired
    assert expiring.first(key="b" * 32, now=T0) is None


def test_a_lookup_that_rewrites_its_value_is_refused():
    UserFactory()
    with pytest.raises(ValueError, match="'email'"):
        Prepared(lambda *, email: User.objects.filter(email__icontains=email), email=str).first(email="x")
    with pytest.raises(TypeError):
        Prepared(lambda *, pk: User.objects.filter(pk=pk).prefetch_related("memberships"), pk=int).first(pk=1)
    with pytest.raises(TypeError):
        Prepared(lambda *, pk: User.objects.filter(pk=pk).values("email"), pk=int).first(pk=1)
    with pytest.raises(TypeError):
        Prepared(lambda *, pks: User.objects.filter(pk__in=pks), pks=list)


# --- the request's lookups that use it ----------------------------------------------------------------


def test_the_session_store_reads_a_live_session_and_drops_an_expired_one(time_machine):
    time_machine.move_to(T0, tick=False)
    store = SessionStore()
    store["answer"] = 42
    store.set_expiry(60)
    store.save()
    assert SessionStore(store.session_key).load() == {"answer": 42, "_session_expiry": 60}
    time_machine.shift(dt.timedelta(seconds=61))
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new key on the next save, as Django's store does
    assert SessionStore("not a valid key!").load() == {}


def test_the_backend_returns_active_users_only():
    user = UserFactory()
    backend = AccountBackend()
    assert backend.get_user(user.pk) == user
    assert backend.get_user(str(user.pk)) == user
    assert backend.get_user("nonsense") is None
    assert backend.get_user(user.pk + 1000) is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None


def test_resolve_access_sees_a_cancelled_membership_and_an_ended_licence_at_once():
    owner = UserFactory()
    workspace = WorkspaceFactory(owner=owner)
    membership = MembershipFactory(workspace=workspace)
    assert resolve_access(membership.user, workspace.slug).membership == membership
    with scopes_disabled():
        Membership.objects.filter(pk=membership.pk).update(status=LifecycleStatus.CANCELLED,
                                                           cancelled_at=clock.now())
    from django.http import Http404

    with pytest.raises(Http404):
        resolve_access(membership.user, workspace.slug)
    with scopes_disabled():
        Licence.objects.filter(user=owner).update(status=Licence.Status.ENDED)
    access = resolve_access(owner, workspace.slug)  # a user without a current licence: `free` (it crashed)
    assert licences.joined_licence(access.membership) is None
    assert access.can("clients.view")
    assert licences.current_licence(owner) is None


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
def test_on_postgresql_the_lookup_is_a_server_side_prepared_statement(settings):
    owner = UserFactory()
    users = Prepared(lambda *, pk: User.objects.filter(pk=pk, email__endswith="@factory.test")[:1], pk=int)
    assert users.first(pk=owner.pk) == owner
    assert users.first(pk=owner.pk + 1000) is None  # the same statement, another value
    prepared = [sql for sql in _prepared_statements() if "LIKE" in sql and '"accounts_user"' in sql]
    assert len(prepared) == 1 and "$1" in prepared[0], prepared
    with CaptureQueriesContext(connection) as captured:  # a logged connection: unprepared, SQL with values
        assert users.first(pk=owner.pk) == owner
    assert str(owner.pk) in captured.captured_queries[0]["sql"]


@pytest.mark.postgres
def test_prepared_statements_can_be_switched_off_for_a_pooler(settings):
    settings.PRAXIS_PREPARED_STATEMENTS = False
    owner = UserFactory()
    users = Prepared(lambda *, pk: User.objects.filter(pk=pk, email__endswith="@pooler.test")[:1], pk=int)
    assert users.first(pk=owner.pk) is None
    assert not [sql for sql in _prepared_statements() if "pooler.test" in sql]
