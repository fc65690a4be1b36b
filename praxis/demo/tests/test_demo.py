"""The demo practice (issue 7 point 11): about 200 realistic clients, built through the clients app's
validation and services, deterministic and idempotent (R-CLI-1, R-CLI-2, R-CLI-4, R-MEM-1, R-AUD-1)."""

import time

import pytest
from django.test.utils import override_settings
from django_scopes import scopes_disabled

from praxis.audit.models import AuditEvent
from praxis.audit.services import verify_chain
from praxis.clients import search
from praxis.clients.models import Client, CustomField, Relationship
from praxis.core import clock
from praxis.demo import clients as demo_clients
from praxis.demo.loader import DEMO_SLUG, load_demo
from praxis.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def test_demo_has_a_living_client_list_and_loads_once():
    """Counts, accents, sections, minors with a parent, cancelled clients; a second run adds nothing."""
    start = time.perf_counter()
    assert load_demo() is True
    seconds = time.perf_counter() - start
    with scopes_disabled():
        workspace = Workspace.objects.get(slug=DEMO_SLUG)
        rows = Client.objects.filter(workspace=workspace)
        assert rows.count() == demo_clients.COUNT
        assert rows.filter(status="cancelled").count() == demo_clients.CANCELLED
        assert rows.filter(email="").count() > 10 and rows.exclude(email="").count() > 150
        assert all(c.phone.startswith("+") for c in rows.exclude(phone=""))
        names = " ".join(f"{first} {last}" for first, last in rows.values_list("first_name", "last_name"))
        assert any(ch in names for ch in "ëüèéöä")
        assert all(c.search_text == search.search_text_for(c) for c in rows)
        assert rows.filter(clinicians__isnull=True).count() == 0
        assert rows.filter(tags__isnull=False).distinct().count() > 100
        fields = {f.key: f for f in CustomField.objects.filter(workspace=workspace).select_related("section")}
        assert {k: (f.section.name, f.sensitive) for k, f in fields.items()} == {
            "huisarts": ("Verwijzing", False), "verwijsdatum": ("Verwijzing", False),
            "verzekeraar": ("Zorgverzekering", False), "polisnummer": ("Zorgverzekering", True)}
        assert rows.filter(custom__has_key="polisnummer").count() > 100
        ids = list(rows.exclude(national_id="").values_list("country", "national_id"))
        assert len(ids) > 100  # R-CLI-1: the sensitive field a staff member never sees has values to hide
        assert all(_well_formed_national_id(country, number) for country, number in ids), ids[:5]
        links = Relationship.objects.filter(workspace=workspace, kind="parent")
        assert links.count() == demo_clients.MINORS
        today = clock.today()
        assert all(link.client.age(today) < 18 <= link.other_client.age(today) for link in links)
        assert all(link.client.last_name == link.other_client.last_name for link in links)
        assert AuditEvent.objects.filter(workspace=workspace, event_code="client.created").count() == demo_clients.COUNT
        snapshot = sorted(rows.values_list("first_name", "last_name", "email", "phone"))
        entries = AuditEvent.objects.count()
    assert verify_chain() == []
    assert seconds < 10  # the whole demo; the brief's budget for the clients is ~3 s on an idle machine

    assert load_demo() is False
    with scopes_disabled():
        assert sorted(rows.values_list("first_name", "last_name", "email", "phone")) == snapshot
        assert AuditEvent.objects.count() == entries


def _well_formed_national_id(country: str, number: str) -> bool:
    if country == "NL":  # BSN: the eleven test
        return len(number) == 9 and sum(int(d) * w for d, w in zip(number, (9, 8, 7, 6, 5, 4, 3, 2, -1),
                                                                     strict=True)) % 11 == 0
    if country == "BE":  # national register number: 97 minus the first nine digits (2 prefixed from 2000)
        base, check = int(number[:9]), int(number[9:])
        return len(number) == 11 and check in (97 - base % 97, 97 - (2_000_000_000 + base) % 97)
    if country == "FR":  # NIR: 13 digits and a 97-key
        return len(number) == 15 and int(number[13:]) == 97 - int(number[:13]) % 97
    return False


def test_the_demo_has_tickets_in_every_status_and_an_operator(db, django_capture_on_commit_callbacks):
    """Issue 9 point 9: a handful of tickets in every status, one followed, one with an internal note, a
    sales request, canned replies — and an operator who can log in to the console."""
    from django_scopes import scopes_disabled

    from praxis.demo.loader import DEMO_PASSWORD, load_demo
    from praxis.demo.support import OPERATOR_EMAIL
    from praxis.support.models import CannedReply, Message, SalesRequest, Ticket, Watcher

    with django_capture_on_commit_callbacks(execute=True):
        assert load_demo() is True
    with scopes_disabled():
        statuses = set(Ticket.objects.filter(workspace__slug="de-linde").values_list("status", flat=True))
        assert statuses == set(Ticket.Status.values)
        assert Watcher.objects.count() == 1 and Message.objects.filter(internal=True).count() == 1
    assert SalesRequest.objects.count() == 1 and CannedReply.objects.count() == 3
    from praxis.accounts.models import User

    operator = User.objects.get(email=OPERATOR_EMAIL)
    assert operator.is_staff and operator.check_password(DEMO_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        assert load_demo() is False  # idempotent: nothing is added twice
    with scopes_disabled():
        assert Ticket.objects.count() == 5


@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def test_the_demo_has_a_calendar_this_week_and_the_next(time_machine):
    """SPEC §9: every practitioner has 4–6 appointments of 50 minutes each weekday of this week and the next
    (in the practice's time zone), in person in a room, by video or by phone; of the past ones most are
    completed and one is a no-show; one is cancelled with its reason and one rescheduled (its history
    shows). Every appointment's client is one its practitioner may see. A second load adds nothing."""
    import datetime as dt
    from collections import Counter

    from praxis.scheduling import policies, times
    from praxis.scheduling.models import Appointment, Change

    time_machine.move_to(dt.datetime(2026, 12, 9, 12, 30, tzinfo=dt.UTC), tick=False)  # a Wednesday
    assert load_demo() is True
    with scopes_disabled():
        workspace = Workspace.objects.get(slug=DEMO_SLUG)
        tz = times.zone(workspace)
        practitioners = policies.practitioners(workspace)
        assert len(practitioners) >= 2
        rows = list(Appointment.objects.filter(workspace=workspace).select_related("client__workspace"))
        assert {a.practitioner_id for a in rows} == {m.pk for m in practitioners}
        days = Counter((a.practitioner_id, times.local(a.start, tz).date()) for a in rows)
        weekdays = {dt.date(2026, 12, 7) + dt.timedelta(days=n) for n in range(12)} - {
            dt.date(2026, 12, 12), dt.date(2026, 12, 13)}
        assert {day for _m, day in days} == weekdays  # Monday 7 to Friday 18 December, no weekend
        assert all(4 <= count <= 6 for count in days.values()), days
        assert all(a.duration_minutes == 50 for a in rows)
        kinds = Counter(a.kind for a in rows)
        assert set(kinds) == {"in_person", "video", "phone"}
        assert all(a.location for a in rows if a.kind == "in_person")
        assert all(a.video_link.startswith("https://") for a in rows if a.kind == "video")
        by_pk = {m.pk: m for m in practitioners}
        assert all(policies.practitioner_may_see(by_pk[a.practitioner_id], a.client) for a in rows)
        now = clock.now()
        statuses = Counter(a.status for a in rows if a.start <= now)
        assert statuses["no_show"] == 1 and statuses["completed"] > 10 and statuses["booked"] >= 1
        assert all(a.status in ("booked", "cancelled") for a in rows if a.start > now)
        [cancelled] = [a for a in rows if a.status == "cancelled"]
        assert cancelled.cancel_reason and cancelled.start > now
        [moved] = Change.objects.filter(workspace=workspace, kind="rescheduled")
        assert moved.previous_start != moved.appointment.start and moved.reason
        assert [c.kind for c in moved.appointment.changes.all()] == ["booked", "rescheduled"]
        count, entries = len(rows), AuditEvent.objects.count()
        assert AuditEvent.objects.filter(workspace=workspace, event_code="appointment.booked").count() == count
    assert verify_chain() == []

    assert load_demo() is False
    with scopes_disabled():
        assert Appointment.objects.filter(workspace=workspace).count() == count
        assert Change.objects.filter(workspace=workspace).count() == count + statuses["completed"] + 3
        assert AuditEvent.objects.count() == entries
