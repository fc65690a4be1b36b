"""Issue 6 point 4: `/api/v1/me/notifications` — one's own only; the same texts and links as the page;
marking read needs the session (a workspace token reads its workspace's notifications only)."""

import pytest
from django.test import Client

from praxis.api.services import token_create
from praxis.notifications.models import Notification
from praxis.notifications.services import notify
from praxis.workspaces.services import workspace_create

URL = "/api/v1/me/notifications"


@pytest.fixture
def api(db):
    def _make(user=None, *, token: str | None = None) -> Client:
        client = Client(headers={"Authorization": f"Bearer {token}"} if token else None)
        if user is not None:
            client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
        return client
    return _make


def _unread(user) -> int:
    return Notification.objects.for_user(user).unread().count()


def test_list_is_ones_own_with_text_and_link(api, two_people):
    ann, bram, workspace = two_people
    body = api(ann).get(URL).json()
    assert body["unread"] == 2
    assert sorted(item["text"] for item in body["items"]) == [
        "Carla Claes accepted your invitation to Praktijk Oost.", "Dirk Dams accepted your invitation to Praktijk Oost."]
    assert {item["link"] for item in body["items"]} == {f"/w/{workspace.slug}/members/"}
    assert {item["workspace"] for item in body["items"]} == {workspace.slug}
    [only] = api(bram).get(URL).json()["items"]
    assert only["kind"] == "seat.changed"


def test_unread_filter(api, two_people):
    ann, _bram, _workspace = two_people
    Notification.objects.filter(pk=Notification.objects.for_user(ann).first().pk).update(read_at="2026-12-01T10:00Z")
    body = api(ann).get(URL, {"unread": "true"}).json()
    assert body["unread"] == 1 and len(body["items"]) == 1


def test_mark_read_and_mark_all_read(api, two_people):
    ann, bram, _workspace = two_people
    client = api(ann)
    first = Notification.objects.for_user(ann).first()
    response = client.post(f"{URL}/{first.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert client.post(f"{URL}/read-all").json() == {"marked": 1}
    assert _unread(ann) == 0 and _unread(bram) == 1


def test_someone_elses_notification_is_not_found_and_unchanged(api, two_people):
    ann, bram, _workspace = two_people
    foreign = Notification.objects.for_user(bram).get()
    response = api(ann).post(f"{URL}/{foreign.pk}/read")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert _unread(bram) == 1


def test_anonymous_gets_401(api, two_people):
    _ann, bram, _workspace = two_people
    assert api().get(URL).status_code == 401
    assert api().post(f"{URL}/read-all").status_code == 401
    assert _unread(bram) == 1


def test_a_workspace_token_reads_only_its_workspace_and_cannot_mark(api, two_people):
    ann, _bram, workspace = two_people
    elsewhere = workspace_create(actor=ann, name="Praktijk Elders", tier="practice")
    notify(recipient=ann, kind="seat.changed", workspace=elsewhere, email=False,
           parameters={"workspace_name": elsewhere.name, "old": "pro", "new": "free"})
    _row, secret = token_create(user=ann, workspace_slug=elsewhere.slug, name="script")
    client = api(token=secret)
    body = client.get(URL).json()
    assert [item["workspace"] for item in body["items"]] == [elsewhere.slug] and body["unread"] == 1
    response = client.post(f"{URL}/read-all")
    assert response.status_code == 403 and response.json()["code"] == "session_required"
    assert _unread(ann) == 3
