"""The support API (`/api/v1/workspaces/{ws}/tickets`, SPEC §10/§13) and replies by e-mail (R-SUP-5)."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from praxis.support import services
from praxis.support.models import Message, Ticket

from .factories import PNG, category, make_operator, ticket_file

pytestmark = pytest.mark.django_db
SECRET = "inbound-secret-for-tests"


def api(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


def base(team) -> str:
    return f"/api/v1/workspaces/{team.workspace.slug}/tickets"


@pytest.fixture
def operator(make_user):
    return make_operator(make_user)


def test_file_list_and_read_a_ticket(team):
    category()
    client = api(team.clinician)
    created = client.post(base(team), data=json.dumps({
        "kind": "bug", "category": "technical", "subject": "Export fails", "description": "Blank row",
        "steps": "1. Export", "page_url": "/w/x/clients/"}), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["status"], body["category"]["code"], body["created_by"]["id"]) == (
        "bug", "new", "technical", team.clinician.pk)
    assert body["reference"] == f"T-{body['id']:06d}"
    listed = client.get(base(team)).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert client.get(f"{base(team)}/{body['id']}").json()["steps"] == "1. Export"


def test_bad_input_is_a_json_error_and_changes_nothing(team):
    category()
    client = api(team.clinician)
    no_steps = client.post(base(team), data=json.dumps({
        "kind": "bug", "category": "technical", "subject": "S", "description": "D", "page_url": "/x"}),
        content_type="application/json")
    assert no_steps.status_code == 400
    assert no_steps.json()["code"] == "required" and no_steps.json()["field"] == "steps"
    unknown_category = client.post(base(team), data=json.dumps({
        "kind": "question", "category": "nope", "subject": "S", "description": "D"}), content_type="application/json")
    assert unknown_category.json()["code"] == "category_required"
    assert Ticket.objects.with_scopes_disabled().count() == 0


def test_a_colleagues_ticket_is_404_unless_followed_or_view_all(team):
    ticket = ticket_file(team.access("assistant"))
    url = f"{base(team)}/{ticket.pk}"
    clinician = api(team.clinician)
    for suffix in ("", "/messages", "/attachments", "/watchers"):
        assert clinician.get(url + suffix).status_code == 404, suffix
    assert clinician.post(url + "/messages", data=json.dumps({"body": "Me too"}),
                          content_type="application/json").status_code == 404
    assert api(team.owner).get(url).status_code == 200  # tickets.view_all
    with scope(workspace=team.workspace):
        services.watcher_add(access=team.access("assistant"), ticket_id=ticket.pk,
                             membership_id=team.member("clinician").pk)
    assert clinician.get(url).status_code == 200
    with scopes_disabled():
        assert Message.objects.count() == 0


def test_api_visibility_matrix(team, make_user):
    """owner / admin / staff+ / plain members × own, colleague's, followed and another workspace's ticket —
    the same answers as the pages (test_views.py), detail and list."""
    from praxis.testing.team import build_team

    from .factories import grant_staff_plus

    grant_staff_plus(team, "staff")
    other = build_team(make_user, name="Praktijk Zuid", label="Z")
    own = ticket_file(team.access("clinician"), subject="Clara's own")
    colleagues = ticket_file(team.access("assistant"), subject="Asha's question")
    followed = ticket_file(team.access("owner"), subject="Followed by Clara")
    foreign = ticket_file(other.access("owner"), subject="Zuid's ticket")
    with scope(workspace=team.workspace):
        services.watcher_add(access=team.access("owner"), ticket_id=followed.pk,
                             membership_id=team.member("clinician").pk)
    expected = {
        "owner": (200, 200, 200), "admin": (200, 200, 200), "staff": (200, 200, 200),
        "clinician": (200, 404, 200), "assistant": (404, 200, 404),
    }
    for role, codes in expected.items():
        client = api(team.users[role])
        got = tuple(client.get(f"{base(team)}/{t.pk}").status_code for t in (own, colleagues, followed))
        assert got == codes, role
        view = "all" if role in ("owner", "admin", "staff") else "mine"
        listed = {item["id"] for item in client.get(f"{base(team)}?view={view}").json()["items"]}
        assert listed == {t.pk for t, code in zip((own, colleagues, followed), codes, strict=True) if code == 200}, role
        foreign_answer = client.get(f"{base(team)}/{foreign.pk}")
        assert foreign_answer.status_code == 404 and "Zuid" not in foreign_answer.content.decode()
        assert client.get(f"/api/v1/workspaces/{other.workspace.slug}/tickets").status_code == 404


def test_the_all_list_needs_view_all(team):
    response = api(team.clinician).get(base(team) + "?view=all")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert api(team.admin).get(base(team) + "?view=all").status_code == 200


def test_internal_notes_are_not_in_the_api(team, operator):
    ticket = ticket_file(team.access("clinician"))
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="SECRET note", internal=True,
                            files=[SimpleUploadedFile("internal.txt", b"SECRET")])
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Public answer")
    client = api(team.owner)
    messages = client.get(f"{base(team)}/{ticket.pk}/messages").json()
    assert [m["body"] for m in messages] == ["Public answer"]
    assert "SECRET" not in client.get(f"{base(team)}/{ticket.pk}/attachments").content.decode()
    assert "internal.txt" not in client.get(f"{base(team)}/{ticket.pk}/attachments").content.decode()


def test_answer_attach_and_download(team, operator):
    ticket = ticket_file(team.access("clinician"))
    services.operator_update(operator=operator, ticket_id=ticket.pk, status="awaiting_customer")
    client = api(team.clinician)
    answered = client.post(f"{base(team)}/{ticket.pk}/messages", data=json.dumps({"body": "Firefox"}),
                           content_type="application/json")
    assert answered.status_code == 201
    assert client.get(f"{base(team)}/{ticket.pk}").json()["status"] == "in_progress"
    uploaded = client.post(f"{base(team)}/{ticket.pk}/attachments", {"file": SimpleUploadedFile("s.png", PNG)})
    assert uploaded.status_code == 201 and uploaded.json()["content_type"] == "image/png"
    refused = client.post(f"{base(team)}/{ticket.pk}/attachments", {"file": SimpleUploadedFile("a.exe", b"MZ\x90\x00")})
    assert refused.status_code == 400 and refused.json()["code"] == "file_type"
    download = client.get(f"{base(team)}/{ticket.pk}/attachments/{uploaded.json()['id']}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment;")


def test_reopen_and_watchers_through_the_api(team, operator):
    ticket = ticket_file(team.access("clinician"))
    client = api(team.clinician)
    not_resolved = client.post(f"{base(team)}/{ticket.pk}/reopen")
    assert not_resolved.status_code == 400 and not_resolved.json()["code"] == "not_resolved"
    services.operator_update(operator=operator, ticket_id=ticket.pk, status="resolved")
    detail = client.get(f"{base(team)}/{ticket.pk}").json()
    assert detail["reopen_until"] is not None
    assert client.post(f"{base(team)}/{ticket.pk}/reopen").json()["status"] == "in_progress"
    added = client.post(f"{base(team)}/{ticket.pk}/watchers", data=json.dumps({"membership": team.member("staff").pk}),
                        content_type="application/json")
    assert added.status_code == 201
    assert api(team.staff).get(f"{base(team)}/{ticket.pk}").status_code == 200
    assert client.delete(f"{base(team)}/{ticket.pk}/watchers/{added.json()['id']}").status_code == 204
    assert api(team.staff).get(f"{base(team)}/{ticket.pk}").status_code == 404


def test_categories_in_the_callers_language(team):
    from praxis.accounts.services import profile_update

    category()
    profile_update(user=team.clinician, changes={"language": "de"})
    names = {c["code"]: c["name"] for c in api(team.clinician).get("/api/v1/support/categories").json()}
    assert names["financial"] == "Finanzen" and len(names) == 5


def test_the_list_takes_a_constant_number_of_queries(team, operator):
    client = api(team.owner)
    for i in range(2):
        ticket_file(team.access("clinician"), subject=f"T{i}")
    client.get(base(team) + "?view=all")
    with CaptureQueriesContext(connection) as few:
        client.get(base(team) + "?view=all")
    for i in range(10):
        ticket_file(team.access("assistant"), subject=f"More {i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(base(team) + "?view=all").json()["count"] == 12
    assert len(many.captured_queries) == len(few.captured_queries)


# --- replies by e-mail (R-SUP-5) -----------------------------------------------------------------------------

def _reply_mail(*, to: str, sender: str, body: str, message_id: str = "<r1@mail.example>") -> bytes:
    return (f"From: Clara <{sender}>\r\nTo: {to}\r\nSubject: Re: [T-000001] Export\r\n"
            f"Message-ID: {message_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}").encode()


def _post_inbound(raw: bytes, secret: str | None = SECRET):
    headers = {"X-Praxis-Inbound-Secret": secret} if secret else {}
    return Client().post("/api/v1/support/inbound", data=raw, content_type="message/rfc822", headers=headers)


@pytest.fixture
def inbound(settings):
    settings.PRAXIS_SUPPORT_INBOUND_SECRET = SECRET
    settings.PRAXIS_SUPPORT_REPLY_ADDRESS = "reply@praxis.test"


def test_a_reply_by_email_lands_in_the_thread(team, operator, inbound, django_capture_on_commit_callbacks):
    ticket = ticket_file(team.access("clinician"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Which browser?",
                                status="awaiting_customer")
    [sent] = mail.outbox
    [reply_to] = sent.reply_to
    assert reply_to.startswith("reply+") and reply_to.endswith("@praxis.test")
    raw = _reply_mail(to=reply_to, sender=team.clinician.email,
                      body="Firefox 140, on Windows.\r\n\r\nOn Mon, 2 Nov 2026 Praxis wrote:\r\n> Which browser?\r\n")
    response = _post_inbound(raw)
    assert response.status_code == 202, response.content
    with scopes_disabled():
        message = Message.objects.get(pk=response.json()["message"])
    assert (message.body, message.author, message.via_email) == ("Firefox 140, on Windows.", team.clinician, True)
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    again = _post_inbound(raw)  # the mail service retries: filed once
    assert again.json()["message"] == message.pk
    with scopes_disabled():
        assert Message.objects.filter(ticket=ticket, from_operator=False).count() == 1


def test_inbound_refuses_without_secret_forged_token_or_another_sender(team, operator, inbound):
    ticket = ticket_file(team.access("clinician"))
    address = services.reply_address(ticket=ticket, user=team.clinician)
    good = _reply_mail(to=address, sender=team.clinician.email, body="Hello")
    assert _post_inbound(good, secret=None).status_code == 401
    assert _post_inbound(good, secret="wrong").status_code == 401
    assert _post_inbound(_reply_mail(to=address, sender="mallory@evil.example", body="Hello")).status_code == 404
    forged = address.replace("reply+", "reply+x")
    assert _post_inbound(_reply_mail(to=forged, sender=team.clinician.email, body="Hello")).status_code == 404
    assert _post_inbound(_reply_mail(to="reply@praxis.test", sender=team.clinician.email, body="Hi")).status_code == 404
    # a member no longer in the workspace cannot answer by mail either
    from praxis.workspaces.services import members_cancel

    with scope(workspace=team.workspace):
        members_cancel(access=team.access("owner"), membership_ids=[team.member("clinician").pk])
    assert _post_inbound(good).status_code == 404
    with scopes_disabled():
        assert Message.objects.count() == 0


def test_an_html_only_reply_keeps_only_its_text(team, operator, inbound):
    ticket = ticket_file(team.access("clinician"))
    address = services.reply_address(ticket=ticket, user=team.clinician)
    raw = (f"From: {team.clinician.email}\r\nTo: {address}\r\nSubject: Re\r\nMessage-ID: <h1@x>\r\n"
           "Content-Type: text/html; charset=utf-8\r\n\r\n"
           "<p>It works <b>now</b><script>alert(1)</script></p><img src=x onerror=alert(2)>").encode()
    assert _post_inbound(raw).status_code == 202
    with scopes_disabled():
        body = Message.objects.get().body
    assert "It works now" in body and "<" not in body and "alert(2)" not in body
