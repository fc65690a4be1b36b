"""The scheduling services (SPEC §9, R-SCH-1 … R-SCH-3, R-SCH-5): booking in UTC with its history and
audit, no double booking, weekly series across daylight-saving changes, reschedule and cancel keeping
the record, marking, who may book whom, and the practitioners' calendar feeds."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django_scopes import scope, scopes_disabled

from praxis.audit.models import AuditEvent
from praxis.clients import services as client_services
from praxis.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from praxis.scheduling import policies, services, times
from praxis.scheduling.forms import BookingForm
from praxis.scheduling.models import Appointment, CalendarFeed, Change
from praxis.testing import PASSWORD
from praxis.testing.team import build_team, join
from praxis.workspaces.models import Membership
from praxis.workspaces.signup import user_sign_up

from .factories import AMS, MONDAY, NOW, book, book_one, client_for, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def events(code: str):
    return AuditEvent.objects.filter(event_code=code).order_by("pk")


def appointments():
    with scopes_disabled():
        return Appointment.objects.order_by("start", "pk")


def changes(appointment):
    with scopes_disabled():
        return list(Change.objects.filter(appointment=appointment).order_by("at", "pk"))


def reloaded(appointment) -> Appointment:
    with scopes_disabled():
        return Appointment.objects.get(pk=appointment.pk)


# --- booking (R-SCH-1) ------------------------------------------------------------------------------------

def test_book_stores_utc_history_and_audit(team):
    """R-SCH-1: 10:00 in Amsterdam (CEST) is stored as 08:00 UTC; the history starts with `booked`; the
    booking is audited with the client it concerns (R-AUD-1)."""
    anna = client_for(team)
    appointment = book_one(team, anna, start=local(MONDAY, 10), minutes=50, location="Kamer 2")
    stored = reloaded(appointment)
    assert stored.start == dt.datetime(2026, 10, 5, 8, 0, tzinfo=dt.UTC)
    assert stored.end == dt.datetime(2026, 10, 5, 8, 50, tzinfo=dt.UTC)
    assert stored.start.utcoffset() == dt.timedelta(0)
    assert (stored.status, stored.client_id, stored.practitioner_id, stored.location, stored.created_by) == (
        "booked", anna.pk, team.members["clinician"].pk, "Kamer 2", team.owner)
    assert [c.kind for c in changes(stored)] == ["booked"]
    assert changes(stored)[0].by == team.owner
    [event] = events("appointment.booked")
    assert event.event_code == "appointment.booked"
    assert event.client_id == str(anna.pk)
    assert event.object_id == str(appointment.pk)
    assert event.user == team.owner and event.workspace == team.workspace


def test_a_clash_is_refused_naming_the_time_and_client(team):
    """R-SCH-2: an overlapping booking of the same practitioner is refused, naming the clashing one."""
    anna = client_for(team, first_name="Anna", last_name="Jansen")
    bram = client_for(team, first_name="Bram", last_name="Visser")
    book_one(team, anna, start=local(MONDAY, 10), minutes=50)
    with pytest.raises(Conflict) as refused:
        book(team, bram, start=local(MONDAY, 10, 30), minutes=30)
    assert refused.value.code == "double_booked"
    assert refused.value.field == "start"
    message = str(refused.value)
    assert "10:00" in message and "10:50" in message and "Anna Jansen" in message
    assert appointments().count() == 1
    assert events("appointment.booked").count() == 1
    # the other practitioner is free then
    book_one(team, bram, start=local(MONDAY, 10, 30), minutes=30, practitioner="admin")


def test_back_to_back_is_allowed(team):
    """R-SCH-2: half-open ranges — one may end when the next begins."""
    anna, bram = client_for(team), client_for(team)
    book_one(team, anna, start=local(MONDAY, 10), minutes=50)
    book_one(team, bram, start=local(MONDAY, 10, 50), minutes=50)
    book_one(team, bram, start=local(MONDAY, 9, 10), minutes=50)
    assert appointments().count() == 3


def test_a_cancelled_appointment_frees_its_slot(team):
    anna, bram = client_for(team), client_for(team)
    first = book_one(team, anna, start=local(MONDAY, 10))
    with scope(workspace=team.workspace):
        services.cancel(access=team.access("owner"), appointment_id=first.pk, reason="Ill")
    again = book_one(team, bram, start=local(MONDAY, 10))
    assert reloaded(again).status == "booked"
    assert appointments().count() == 2


def test_weekly_series_is_all_or_nothing(team):
    """R-SCH-2: one clash in week 3 refuses the whole series; nothing of it is written."""
    anna, bram = client_for(team), client_for(team)
    blocker = book_one(team, bram, start=local(MONDAY + dt.timedelta(weeks=2), 10, 30), minutes=30)
    booked_before = events("appointment.booked").count()
    with pytest.raises(Conflict) as refused:
        book(team, anna, start=local(MONDAY, 10), minutes=60, weeks=4)
    assert refused.value.code == "double_booked"
    assert list(appointments()) == [blocker]
    assert events("appointment.booked").count() == booked_before
    with scopes_disabled():
        assert Change.objects.count() == 1
    series = book(team, anna, start=local(MONDAY, 9), minutes=60, weeks=4)
    assert [a.start for a in series] == [local(MONDAY + dt.timedelta(weeks=w), 9) for w in range(4)]
    assert events("appointment.booked").count() == booked_before + 4


def test_weekly_series_keeps_the_local_time_across_the_dst_change(team):
    """R-SCH-1: weekly at 10:00 Amsterdam from 19 October: 08:00 UTC, then 09:00 UTC after 25 October."""
    anna = client_for(team)
    series = book(team, anna, start=local(dt.date(2026, 10, 19), 10), minutes=50, weeks=3)
    assert [a.start for a in series] == [dt.datetime(2026, 10, 19, 8, 0, tzinfo=dt.UTC),
                                         dt.datetime(2026, 10, 26, 9, 0, tzinfo=dt.UTC),
                                         dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)]
    assert [times.local(reloaded(a).start, AMS).time() for a in series] == [dt.time(10, 0)] * 3
    assert all(a.end - a.start == dt.timedelta(minutes=50) for a in series)


def test_a_nonexistent_local_time_is_refused():
    """The hour skipped when clocks go forward (28 March 2027, 02:00–03:00 Amsterdam) does not exist; of
    the hour that happens twice in autumn the first is meant."""
    with pytest.raises(times.NoSuchLocalTime):
        times.to_utc(dt.date(2027, 3, 28), dt.time(2, 30), AMS)
    assert times.to_utc(dt.date(2027, 3, 28), dt.time(3, 0), AMS) == dt.datetime(2027, 3, 28, 1, 0, tzinfo=dt.UTC)
    assert times.to_utc(dt.date(2026, 10, 25), dt.time(2, 30), AMS) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)


def test_the_booking_form_refuses_a_nonexistent_time_on_its_field(team):
    with scope(workspace=team.workspace):
        practitioners = policies.practitioners(team.workspace)
    data = {"practitioner": team.members["clinician"].pk, "date": "2027-03-28", "start_time": "02:30",
            "duration": "50", "kind": "in_person", "weeks": "1"}
    form = BookingForm(data, practitioners=practitioners, workspace=team.workspace)
    assert not form.is_valid()
    assert list(form.errors) == ["start_time"]
    assert "start" not in form.cleaned_data
    ok = BookingForm({**data, "start_time": "03:30"}, practitioners=practitioners, workspace=team.workspace)
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data["start"] == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
    assert ok.cleaned_data["end"] == dt.datetime(2027, 3, 28, 2, 20, tzinfo=dt.UTC)


def test_times_must_be_aware_ordered_and_at_most_12_hours(team):
    anna = client_for(team)
    start = local(MONDAY, 10)
    with scope(workspace=team.workspace):
        for begin, end in [(start, start), (start, start - dt.timedelta(minutes=5)),
                           (start, start + dt.timedelta(hours=13)), (start.replace(tzinfo=None), start)]:
            with pytest.raises(ServiceError) as refused:
                services.book(access=team.access("owner"), client_id=anna.pk,
                              practitioner_id=team.members["clinician"].pk, start=begin, end=end.replace(tzinfo=None)
                              if begin.tzinfo is None else end)
            assert refused.value.code == "invalid_time"
    assert appointments().count() == 0


# --- reschedule and cancel keep the record (R-SCH-3) -------------------------------------------------------

def test_reschedule_keeps_the_earlier_times_in_the_history(team):
    anna = client_for(team)
    appointment = book_one(team, anna, start=local(MONDAY, 10), minutes=50)
    new_start = local(MONDAY + dt.timedelta(days=1), 14)
    with scope(workspace=team.workspace):
        services.reschedule(access=team.access("assistant"), appointment_id=appointment.pk, start=new_start,
                            end=new_start + dt.timedelta(minutes=45), reason="  Client  asked ")
    stored = reloaded(appointment)
    assert (stored.start, stored.end, stored.status) == (new_start, new_start + dt.timedelta(minutes=45), "booked")
    booked, moved = changes(stored)
    assert (booked.kind, moved.kind) == ("booked", "rescheduled")
    assert (moved.previous_start, moved.previous_end) == (local(MONDAY, 10), local(MONDAY, 10, 50))
    assert moved.previous_practitioner_id == team.members["clinician"].pk
    assert (moved.reason, moved.by) == ("Client asked", team.assistant)
    [event] = events("appointment.rescheduled")
    assert event.event_code == "appointment.rescheduled"
    assert event.client_id == str(anna.pk)


def test_reschedule_to_another_practitioner_and_unchanged_refused(team):
    anna = client_for(team)
    appointment = book_one(team, anna, start=local(MONDAY, 10))
    with scope(workspace=team.workspace):
        with pytest.raises(ServiceError) as unchanged:
            services.reschedule(access=team.access("owner"), appointment_id=appointment.pk,
                                start=appointment.start, end=appointment.end)
        assert unchanged.value.code == "unchanged"
        services.reschedule(access=team.access("owner"), appointment_id=appointment.pk, start=appointment.start,
                            end=appointment.end, practitioner_id=team.members["admin"].pk)
    assert reloaded(appointment).practitioner_id == team.members["admin"].pk
    assert changes(appointment)[-1].previous_practitioner_id == team.members["clinician"].pk


def test_reschedule_into_a_clash_is_refused(team):
    anna, bram = client_for(team, first_name="Anna"), client_for(team, first_name="Bram", last_name="Visser")
    book_one(team, anna, start=local(MONDAY, 10), minutes=60)
    other = book_one(team, bram, start=local(MONDAY, 14), minutes=60)
    with scope(workspace=team.workspace):
        with pytest.raises(Conflict) as refused:
            services.reschedule(access=team.access("owner"), appointment_id=other.pk, start=local(MONDAY, 10, 30),
                                end=local(MONDAY, 11, 30))
    assert refused.value.code == "double_booked"
    assert "Anna" in str(refused.value) and "10:00" in str(refused.value)
    assert reloaded(other).start == local(MONDAY, 14)
    assert [c.kind for c in changes(other)] == ["booked"]
    assert not events("appointment.rescheduled").exists()
    # moving within its own time is no clash with itself
    with scope(workspace=team.workspace):
        services.reschedule(access=team.access("owner"), appointment_id=other.pk, start=local(MONDAY, 14, 30),
                            end=local(MONDAY, 15, 30))
    assert reloaded(other).start == local(MONDAY, 14, 30)


def test_cancel_keeps_the_record(team):
    anna = client_for(team)
    appointment = book_one(team, anna, start=local(MONDAY, 10))
    with scope(workspace=team.workspace):
        services.cancel(access=team.access("assistant"), appointment_id=appointment.pk, reason="Client is ill")
    stored = reloaded(appointment)
    assert (stored.status, stored.cancel_reason, stored.cancelled_at) == ("cancelled", "Client is ill", NOW)
    assert [c.kind for c in changes(stored)] == ["booked", "cancelled"]
    assert changes(stored)[-1].reason == "Client is ill"
    [event] = events("appointment.cancelled")
    assert event.event_code == "appointment.cancelled" and event.client_id == str(anna.pk)
    with scope(workspace=team.workspace):
        with pytest.raises(ServiceError) as again:
            services.cancel(access=team.access("owner"), appointment_id=appointment.pk)
        assert again.value.code == "not_booked"
        with pytest.raises(ServiceError) as moved:
            services.reschedule(access=team.access("owner"), appointment_id=appointment.pk,
                                start=local(MONDAY, 12), end=local(MONDAY, 13))
        assert moved.value.code == "not_booked"
    assert appointments().count() == 1


# --- marking ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "code"), [("completed", "appointment.completed"),
                                                ("no_show", "appointment.no_show")])
def test_mark_only_once_begun_and_only_when_booked(team, status, code):
    anna = client_for(team)
    appointment = book_one(team, anna, start=local(MONDAY, 10), minutes=50)
    with scope(workspace=team.workspace):
        with pytest.raises(ServiceError) as early:
            services.mark(access=team.access("clinician"), appointment_id=appointment.pk, status=status)
        assert early.value.code == "not_started"
        assert reloaded(appointment).status == "booked"
        with time_machine.travel(local(MONDAY, 10), tick=False):  # the moment it begins
            services.mark(access=team.access("clinician"), appointment_id=appointment.pk, status=status)
        assert reloaded(appointment).status == status
        assert [c.kind for c in changes(appointment)] == ["booked", status]
        [event] = events(code)
        assert event.event_code == code and event.client_id == str(anna.pk)
        with time_machine.travel(local(MONDAY, 12), tick=False):
            with pytest.raises(ServiceError) as twice:
                services.mark(access=team.access("clinician"), appointment_id=appointment.pk, status="completed")
            assert twice.value.code == "not_booked"
            with pytest.raises(ServiceError) as wrong:
                services.mark(access=team.access("clinician"), appointment_id=appointment.pk, status="cancelled")
            assert wrong.value.code == "invalid_status"


def test_a_cancelled_appointment_cannot_be_marked(team):
    appointment = book_one(team, client_for(team), start=local(MONDAY, 10))
    with scope(workspace=team.workspace):
        services.cancel(access=team.access("owner"), appointment_id=appointment.pk)
        with time_machine.travel(local(MONDAY, 11), tick=False):
            with pytest.raises(ServiceError) as refused:
                services.mark(access=team.access("owner"), appointment_id=appointment.pk, status="completed")
    assert refused.value.code == "not_booked"
    assert reloaded(appointment).status == "cancelled"


# --- who may book whom (R-ROLE-1, R-ROLE-2, R-WS-2) ----------------------------------------------------------

def test_staff_without_appointments_manage_is_denied_everything(team):
    anna = client_for(team)
    appointment = book_one(team, anna, start=local(MONDAY, 10))
    staff = team.access("staff")
    with scope(workspace=team.workspace):
        with pytest.raises(PermissionDenied):
            services.book(access=staff, client_id=anna.pk, practitioner_id=team.members["clinician"].pk,
                          start=local(MONDAY, 12), end=local(MONDAY, 13))
        with pytest.raises(PermissionDenied):
            services.reschedule(access=staff, appointment_id=appointment.pk, start=local(MONDAY, 12),
                                end=local(MONDAY, 13))
        with pytest.raises(PermissionDenied):
            services.cancel(access=staff, appointment_id=appointment.pk)
        with time_machine.travel(local(MONDAY, 11), tick=False), pytest.raises(PermissionDenied):
            services.mark(access=staff, appointment_id=appointment.pk, status="completed")
        # staff see the schedule (R-SCH-1: reception), only managing is refused
        assert policies.visible_appointments(staff).filter(pk=appointment.pk).exists()
    stored = reloaded(appointment)
    assert (stored.start, stored.status) == (local(MONDAY, 10), "booked")
    assert appointments().count() == 1


def test_practitioners_are_the_clinical_members_never_support_accounts(team):
    """Owner, admin and clinician hold appointments; staff and assistant do not; a `support` account
    never does, whatever its role (R-ROLE-2)."""
    helper = user_sign_up(email="sam@example.test", password=PASSWORD, first_name="Sam", last_name="Support",
                          account_type="support")
    join(team.owner, team.workspace, helper, "support", role="clinician", pay_for_user=False)
    assert "notes.write" not in team.access(helper).capabilities
    with scope(workspace=team.workspace):
        found = {m.pk for m in policies.practitioners(team.workspace)}
    assert found == {team.members[r].pk for r in ("owner", "admin", "clinician")}
    anna = client_for(team)
    for who in ("staff", "assistant"):
        with pytest.raises(ServiceError) as refused:
            book(team, anna, start=local(MONDAY, 10), practitioner=who)
        assert refused.value.code == "invalid_practitioner"
    with scope(workspace=team.workspace):
        with pytest.raises(ServiceError) as support:
            services.book(access=team.access("owner"), client_id=anna.pk,
                          practitioner_id=team.member("owner").pk + 10_000, start=local(MONDAY, 10),
                          end=local(MONDAY, 11))
        assert support.value.code == "invalid_practitioner"
        helper_member = Membership.objects.get(workspace=team.workspace, user=helper)
        assert helper_member.pk not in found
        with pytest.raises(ServiceError) as refused_support:
            services.book(access=team.access("owner"), client_id=anna.pk, practitioner_id=helper_member.pk,
                          start=local(MONDAY, 10), end=local(MONDAY, 11))
        assert refused_support.value.code == "invalid_practitioner"
    assert appointments().count() == 0


def test_team_tier_books_only_the_care_team_and_shows_clinicians_their_clients(make_user):
    """R-WS-2: in a `team` workspace a clinician not on the client's care team cannot hold their
    appointment, and a clinician sees only the appointments of their assigned clients."""
    team = build_team(make_user, name="Team West", tier="team")
    clara = team.members["clinician"]
    unassigned = client_for(team, first_name="Una")
    with pytest.raises(ServiceError) as refused:
        book(team, unassigned, start=local(MONDAY, 10))
    assert refused.value.code == "not_care_team"
    assert appointments().count() == 0
    assigned = client_for(team, first_name="Ada", clinician_ids=[clara.pk])
    hers = book_one(team, assigned, start=local(MONDAY, 10))
    others = book_one(team, unassigned, start=local(MONDAY, 10), practitioner="admin")  # admin manages the team
    with scope(workspace=team.workspace):
        assert set(policies.visible_appointments(team.access("clinician"))) == {hers}
        assert set(policies.visible_appointments(team.access("owner"))) == {hers, others}
        # a clinician cannot change what they cannot see: the same answer as a missing one
        with pytest.raises(NotFound):
            services.cancel(access=team.access("clinician"), appointment_id=others.pk)
        with pytest.raises(NotFound):
            services.book(access=team.access("clinician"), client_id=unassigned.pk, practitioner_id=clara.pk,
                          start=local(MONDAY, 15), end=local(MONDAY, 16))
    assert reloaded(others).status == "booked"


def test_a_cancelled_client_cannot_be_booked(team):
    anna = client_for(team)
    with scope(workspace=team.workspace):
        client_services.clients_cancel(access=team.access("owner"), client_ids=[anna.pk])
    with pytest.raises(ServiceError) as refused:
        book(team, anna, start=local(MONDAY, 10))
    assert refused.value.code == "client_cancelled"
    assert appointments().count() == 0


def test_another_workspaces_appointment_is_not_found(team, make_user):
    other = build_team(make_user, name="Praktijk Zuid", label="Z")
    theirs_client = client_for(other)
    theirs = book_one(other, theirs_client, start=local(MONDAY, 10))
    ours = client_for(team)
    access = team.access("owner")
    with scope(workspace=team.workspace):
        with pytest.raises(NotFound):
            services.reschedule(access=access, appointment_id=theirs.pk, start=local(MONDAY, 12),
                                end=local(MONDAY, 13))
        with pytest.raises(NotFound):
            services.cancel(access=access, appointment_id=theirs.pk)
        with time_machine.travel(local(MONDAY, 11), tick=False), pytest.raises(NotFound):
            services.mark(access=access, appointment_id=theirs.pk, status="completed")
        with pytest.raises(NotFound):  # their client
            services.book(access=access, client_id=theirs_client.pk, practitioner_id=team.members["clinician"].pk,
                          start=local(MONDAY, 12), end=local(MONDAY, 13))
        with pytest.raises(ServiceError) as foreign_practitioner:  # their practitioner
            services.book(access=access, client_id=ours.pk, practitioner_id=other.members["clinician"].pk,
                          start=local(MONDAY, 12), end=local(MONDAY, 13))
        assert foreign_practitioner.value.code == "invalid_practitioner"
        assert not policies.visible_appointments(access).filter(pk=theirs.pk).exists()
    stored = reloaded(theirs)
    assert (stored.status, stored.start) == ("booked", local(MONDAY, 10))
    assert appointments().count() == 1


# --- calendar feeds (R-SCH-5) ---------------------------------------------------------------------------------

def test_feed_create_stores_only_the_hash_and_replacing_revokes(team):
    access = team.access("clinician")
    with scope(workspace=team.workspace):
        first = services.feed_create(access=access)
        [feed] = CalendarFeed.objects.all()
        assert feed.secret_hash == hashlib.sha256(first.encode()).hexdigest()
        assert first not in feed.secret_hash and len(first) >= 32
        assert feed.practitioner_id == team.members["clinician"].pk and feed.revoked_at is None
        second = services.feed_create(access=access)
        assert second != first
        old, new = CalendarFeed.objects.order_by("pk")
        assert old.pk == feed.pk and old.revoked_at == NOW
        assert new.revoked_at is None and new.secret_hash == hashlib.sha256(second.encode()).hexdigest()
        assert policies.live_feed(team.member("clinician")) == new
    assert [e.event_code for e in events("calendar_feed.created")] == ["calendar_feed.created"] * 2
    assert all(first not in str(e.data) and second not in str(e.data) for e in AuditEvent.objects.all())


def test_feed_revoke(team):
    access = team.access("clinician")
    with scope(workspace=team.workspace):
        assert services.feed_revoke(access=access) is False  # nothing to switch off: nothing audited
        assert not events("calendar_feed.revoked").exists()
        services.feed_create(access=access)
        assert services.feed_revoke(access=access) is True
        [feed] = CalendarFeed.objects.all()
        assert feed.revoked_at == NOW
        assert policies.live_feed(team.member("clinician")) is None
    [event] = events("calendar_feed.revoked")
    assert event.event_code == "calendar_feed.revoked" and event.user == team.clinician


def test_only_practitioners_have_a_feed(team):
    with scope(workspace=team.workspace):
        for role in ("staff", "assistant"):
            with pytest.raises(ServiceError) as refused:
                services.feed_create(access=team.access(role))
            assert refused.value.code == "not_practitioner"
        assert not CalendarFeed.objects.exists()
