"""Issue 6 point 4: the bell (unread count, one query per page) and the list page (mark as read, mark all
read; htmx or plain forms); nobody sees or changes another person's notifications."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from praxis.notifications.models import Notification

from .factories import NotificationFactory

LIST = reverse("notifications:list")


def _bell_count(html: str) -> str | None:
    match = re.search(r'data-testid="unread-count">(\d+)<', html)
    return match.group(1) if match else None


def _unread(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def test_bell_shows_the_unread_count_on_every_page(client, two_people):
    ann, bram, workspace = two_people
    client.force_login(ann)
    for url in (LIST, f"/w/{workspace.slug}/", reverse("workspaces:list")):
        html = client.get(url).content.decode()
        assert _bell_count(html) == "2", url
        assert "Notifications: 2 unread" in html
    client.force_login(bram)
    assert _bell_count(client.get(reverse("workspaces:list")).content.decode()) == "1"


def test_bell_costs_one_query_per_page(client, two_people):
    """Point 4: the count is one COUNT query, however many notifications there are."""
    ann, _bram, workspace = two_people
    client.force_login(ann)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/w/{workspace.slug}/")
        assert response.status_code == 200
        touching = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
        assert len(touching) == 1 and "COUNT(" in touching[0].upper()
        NotificationFactory(recipient=ann, workspace=workspace)


def test_no_bell_and_no_query_for_anonymous_visitors(client, db):
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("accounts:login")).content.decode()
    assert "notification-bell" not in html
    assert not [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]


def test_list_shows_only_ones_own_notifications_with_links(client, two_people):
    ann, bram, workspace = two_people
    client.force_login(ann)
    html = client.get(LIST).content.decode()
    assert "Carla Claes accepted your invitation to Praktijk Oost." in html
    assert "Dirk Dams accepted your invitation to Praktijk Oost." in html
    assert f'href="/w/{workspace.slug}/members/"' in html
    assert "changed your account type" not in html  # Bram's
    client.force_login(bram)
    html = client.get(LIST).content.decode()
    assert "Carla Claes" not in html and "Dirk Dams" not in html


def test_list_query_count_does_not_grow_with_the_rows(client, two_people):
    """No N+1: the workspace of each entry comes with the list query."""
    ann, _bram, workspace = two_people
    client.force_login(ann)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries.captured_queries)

    small = count()
    for _ in range(10):
        NotificationFactory(recipient=ann, workspace=workspace)
    assert count() == small


def test_mark_read_without_javascript_redirects_back(client, two_people):
    ann, _bram, _workspace = two_people
    client.force_login(ann)
    first = Notification.objects.for_user(ann).first()
    response = client.post(reverse("notifications:mark_read", args=[first.pk]))
    assert response.status_code == 302 and response.url == LIST
    first.refresh_from_db()
    assert first.read_at is not None
    assert _bell_count(client.get(LIST).content.decode()) == "1"


def test_mark_all_read_with_htmx_returns_the_list_and_the_new_bell(client, two_people):
    ann, bram, _workspace = two_people
    client.force_login(ann)
    response = client.post(reverse("notifications:mark_all_read"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="notification-entries"' in html and "<html" not in html
    assert 'hx-swap-oob="true"' in html and _bell_count(html) is None  # the bell, now without a count
    assert _unread(ann) == 0 and _unread(bram) == 1


def test_marking_someone_elses_notification_is_not_found_and_changes_nothing(client, two_people):
    ann, bram, _workspace = two_people
    client.force_login(ann)
    foreign = Notification.objects.for_user(bram).get()
    response = client.post(reverse("notifications:mark_read", args=[foreign.pk]))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None
    assert _unread(ann) == 2


def test_list_and_actions_need_a_login(client, two_people):
    _ann, bram, _workspace = two_people
    foreign = Notification.objects.for_user(bram).get()
    assert client.get(LIST).status_code == 302
    assert client.post(reverse("notifications:mark_read", args=[foreign.pk])).status_code == 302
    assert client.post(reverse("notifications:mark_all_read")).status_code == 302
    assert _unread(bram) == 1


def test_actions_are_post_only(client, two_people):
    ann, _bram, _workspace = two_people
    client.force_login(ann)
    first = Notification.objects.for_user(ann).first()
    assert client.get(reverse("notifications:mark_read", args=[first.pk])).status_code == 405
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    assert _unread(ann) == 2


@pytest.mark.parametrize("language, greeting", [("nl", 'lang="nl"'), ("en", 'lang="en"')])
def test_list_renders_in_the_readers_language(client, two_people, language, greeting):
    ann, _bram, _workspace = two_people
    ann.language = language
    ann.save(update_fields=["language"])
    client.force_login(ann)
    assert greeting in client.get(LIST).content.decode()
