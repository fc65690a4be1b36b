"""Issue 6 point 4: the notification services — per-user rows, audited writes, text at display time."""

import datetime as dt

import pytest
from django.utils import translation

from praxis.audit.models import AuditEvent
from praxis.core.errors import NotFound
from praxis.notifications import kinds, selectors, services
from praxis.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _state():
    return sorted(Notification.objects.values_list("pk", "recipient_id", "read_at"))


def test_notify_creates_one_row_with_an_audit_entry_and_the_kinds_email(make_user, mailoutbox,
                                                                        django_capture_on_commit_callbacks):
    ann = make_user(first_name="Ann", language="nl")
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(recipient=ann, kind="seat.changed", workspace=None,
                                       parameters={"workspace_name": "Praktijk X", "old": "pro", "new": "free"})
    assert Notification.objects.for_user(ann).get() == notification
    assert notification.read_at is None
    event = AuditEvent.objects.get(event_code="notification.created")
    assert event.object_id == str(notification.pk) and event.data == {"kind": "seat.changed", "recipient": ann.pk}
    [mail] = mailoutbox
    assert mail.to == [ann.email] and mail.body.startswith("Hallo Ann,")


def test_notify_refuses_an_unknown_kind_and_unserialisable_parameters(make_user):
    ann = make_user()
    with pytest.raises(ValueError):
        services.notify(recipient=ann, kind="no.such.kind")
    with pytest.raises(TypeError):
        services.notify(recipient=ann, kind="seat.changed", parameters={"when": dt.date(2026, 1, 1)})
    assert not Notification.objects.exists()


def test_notify_without_a_recipient_does_nothing():
    assert services.notify(recipient=None, kind="seat.changed") is None
    assert not Notification.objects.exists()


def test_text_is_rendered_at_display_time_in_the_readers_language(two_people):
    """Point 4: the stored row holds kind + parameters only; the text follows the reader's language and
    the workspace's current name."""
    _ann, bram, workspace = two_people
    notification = Notification.objects.for_user(bram).get()
    assert set(notification.parameters) == {"workspace_name", "old", "new"}
    workspace.name = "Praktijk Oost-West"
    workspace.save(update_fields=["name"])
    notification.refresh_from_db()
    with translation.override("en"):
        assert kinds.text_of(notification) == "Praktijk Oost-West changed your account type from Pro to Essentials."


def test_mark_read_is_per_user_and_a_foreign_row_is_not_found_and_unchanged(two_people):
    ann, bram, _workspace = two_people
    foreign = Notification.objects.for_user(bram).get()
    before = _state()
    with pytest.raises(NotFound):
        services.mark_read(user=ann, notification_id=foreign.pk)
    with pytest.raises(NotFound):
        services.mark_read(user=ann, notification_id=10**9)
    assert _state() == before
    assert not AuditEvent.objects.filter(event_code="notification.read").exists()


def test_mark_read_sets_read_at_once_and_is_audited(two_people, time_machine):
    ann, _bram, _workspace = two_people
    time_machine.move_to(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    first = Notification.objects.for_user(ann).first()
    services.mark_read(user=ann, notification_id=first.pk)
    time_machine.move_to(dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC), tick=False)
    again = services.mark_read(user=ann, notification_id=first.pk)
    assert again.read_at == dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    assert AuditEvent.objects.filter(event_code="notification.read", user=ann).count() == 1
    assert selectors.unread_count(user=ann) == 1


def test_mark_all_read_touches_only_the_users_rows(two_people):
    ann, bram, _workspace = two_people
    assert services.mark_all_read(user=ann) == 2
    assert selectors.unread_count(user=ann) == 0
    assert selectors.unread_count(user=bram) == 1
    assert AuditEvent.objects.get(event_code="notification.all_read").data == {"count": 2}
    assert services.mark_all_read(user=ann) == 0  # nothing left: no audit entry for nothing
    assert AuditEvent.objects.filter(event_code="notification.all_read").count() == 1
