"""The support pages (seed 002) and the operator console, through the HTML: who sees which ticket, filing,
answering, internal notes, files, the home page, and the query counts of the lists."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from praxis.support import services
from praxis.support.models import Attachment, Message, Ticket
from praxis.testing.team import build_team

from .factories import PNG, category, grant_staff_plus, make_operator, ticket_file

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user, backend="praxis.accounts.sessions.AccountBackend")
    return client


@pytest.fixture
def operator(make_user):
    return make_operator(make_user)


def _url(team, ticket, suffix: str = "") -> str:
    return f"/w/{team.workspace.slug}/support/{ticket.pk}/{suffix}"


def test_ticket_pages_visibility_matrix(team, make_user):
    """owner / admin / staff+ / plain members × own, colleague's, followed and another workspace's ticket."""
    grant_staff_plus(team, "staff")
    other = build_team(make_user, name="Praktijk Zuid", label="Z")
    own = ticket_file(team.access("clinician"), subject="Clara's own")
    colleagues = ticket_file(team.access("assistant"), subject="Asha's question")
    followed = ticket_file(team.access("owner"), subject="Followed by Clara")
    foreign = ticket_file(other.access("owner"), subject="Zuid's ticket",
                          files=[SimpleUploadedFile("zuid.txt", b"Zuid file")])
    with scopes_disabled():
        foreign_file = Attachment.objects.get(ticket=foreign).pk
    with scope(workspace=team.workspace):
        services.watcher_add(access=team.access("owner"), ticket_id=followed.pk,
                             membership_id=team.member("clinician").pk)
    expected = {  # role → (own, colleague's, followed)
        "owner": (200, 200, 200), "admin": (200, 200, 200), "staff": (200, 200, 200),
        "clinician": (200, 404, 200), "assistant": (404, 200, 404),
    }
    for role, codes in expected.items():
        client = browser(team.users[role])
        got = tuple(client.get(_url(team, t)).status_code for t in (own, colleagues, followed))
        assert got == codes, role
        # another workspace's ticket, under this workspace's address: the same 404, and nothing of it shown
        response = client.get(_url(team, foreign))
        assert response.status_code == 404 and b"Zuid&#x27;s ticket" not in response.content
        download = client.get(f"/w/{team.workspace.slug}/support/files/{foreign_file}/")
        assert download.status_code == 404 and b"Zuid file" not in download.content


def test_the_lists_my_open_and_all(team):
    ticket_file(team.access("clinician"), subject="Clara's export question")
    ticket_file(team.access("assistant"), subject="Asha's billing question")
    clinician = browser(team.clinician)
    page = clinician.get(f"/w/{team.workspace.slug}/support/").content.decode()
    assert "Clara&#x27;s export question" in page and "Asha" not in page
    assert "All tickets" not in page  # R-SUP-3: only with tickets.view_all
    # asking for it anyway shows their own list
    assert "Asha" not in clinician.get(f"/w/{team.workspace.slug}/support/?view=all").content.decode()
    owner_page = browser(team.owner).get(f"/w/{team.workspace.slug}/support/?view=all").content.decode()
    assert "All tickets" in owner_page and "Clara&#x27;s export" in owner_page and "Asha&#x27;s billing" in owner_page
    mine = browser(team.owner).get(f"/w/{team.workspace.slug}/support/").content.decode()
    assert "You have no tickets yet." in mine


def test_filtering_and_searching_the_list(team, operator):
    access = team.access("owner")
    bug = ticket_file(access, kind="bug", subject="Crash on export")
    ticket_file(access, subject="Question about invoices")
    services.operator_update(operator=operator, ticket_id=bug.pk, status="resolved")
    base = f"/w/{team.workspace.slug}/support/?view=all"
    client = browser(team.owner)
    assert "Crash on export" in client.get(base + "&status=resolved").content.decode()
    assert "Question about invoices" not in client.get(base + "&status=resolved").content.decode()
    assert "Crash on export" not in client.get(base + "&kind=question").content.decode()
    assert "Crash on export" in client.get(base + "&q=crash").content.decode()
    assert "Crash on export" not in client.get(base + "&view=open").content.decode().split("<table")[-1]
    # an unknown status or an absurd page is no error
    assert client.get(base + "&status=nonsense&page=99999999").status_code == 200


def test_filing_a_bug_report_with_a_screenshot_through_the_form(team, django_capture_on_commit_callbacks):
    client = browser(team.clinician)
    url = f"/w/{team.workspace.slug}/support/new/bug/"
    form = client.get(url).content.decode()
    assert 'id="no-patient-data"' in form and "Steps to reproduce" in form and "Page it happened on" in form
    missing = client.post(url, {"category": "technical", "subject": "Export fails", "description": "It fails"})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    assert Ticket.objects.with_scopes_disabled().count() == 0
    category()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {
            "category": "technical", "subject": "Export fails", "description": "It fails",
            "steps": "1. Clients\n2. Export", "page_url": "/w/x/clients/",
            "attachments": [SimpleUploadedFile("screen.png", PNG, content_type="image/png")]})
    ticket = Ticket.objects.with_scopes_disabled().get()
    assert response.status_code == 302 and response["Location"] == _url(team, ticket)
    assert (ticket.kind, ticket.steps, ticket.created_by) == ("bug", "1. Clients\n2. Export", team.clinician)
    page = client.get(_url(team, ticket)).content.decode()
    assert "screen.png" in page and "1. Clients" in page


def test_a_bug_report_names_the_page_the_member_came_from(team):
    client = browser(team.clinician)
    url = f"/w/{team.workspace.slug}/support/new/bug/"
    came_from = client.get(url, headers={"Referer": f"http://testserver/w/{team.workspace.slug}/clients/?q=jan"})
    assert f'value="/w/{team.workspace.slug}/clients/?q=jan"' in came_from.content.decode()
    elsewhere = client.get(url, headers={"Referer": "https://evil.example/phish"}).content.decode()
    assert "evil.example" not in elsewhere


def test_a_refused_file_is_a_form_error_and_nothing_is_filed(team):
    category()
    response = browser(team.clinician).post(f"/w/{team.workspace.slug}/support/new/question/", {
        "category": "technical", "subject": "S", "description": "D",
        "attachments": [SimpleUploadedFile("virus.pdf", b"MZ\x90\x00binary", content_type="application/pdf")]})
    assert response.status_code == 400
    assert "is not a file type we accept" in response.content.decode()
    assert Ticket.objects.with_scopes_disabled().count() == 0
    assert Attachment.objects.with_scopes_disabled().count() == 0


def test_answering_on_awaiting_customer_puts_it_back_in_progress(team, operator):
    ticket = ticket_file(team.access("clinician"))
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Which browser?", status="awaiting_customer")
    client = browser(team.clinician)
    assert "We are waiting for your answer." in client.get(_url(team, ticket)).content.decode()
    response = client.post(_url(team, ticket, "reply/"), {"body": "Firefox 140"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    empty = client.post(_url(team, ticket, "reply/"), {"body": "  "})
    assert empty.status_code == 400
    with scopes_disabled():
        assert Message.objects.filter(ticket=ticket, from_operator=False).count() == 1


def test_internal_notes_are_not_in_the_customer_page_but_in_the_console(team, operator):
    ticket = ticket_file(team.access("clinician"))
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="SECRET-NOTE for colleagues", internal=True,
                            files=[SimpleUploadedFile("internal.txt", b"SECRET-FILE")])
    for role in ("clinician", "owner"):
        page = browser(team.users[role]).get(_url(team, ticket)).content.decode()
        assert "SECRET" not in page and "internal.txt" not in page, role
    with scopes_disabled():
        internal_file = Attachment.objects.get(message__internal=True)
    assert browser(team.owner).get(f"/w/{team.workspace.slug}/support/files/{internal_file.pk}/").status_code == 404
    console = browser(operator).get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert "SECRET-NOTE for colleagues" in console and "Internal note" in console
    assert browser(operator).get(f"/console/files/{internal_file.pk}/").status_code == 200


def test_a_download_is_an_attachment_with_its_checked_type(team):
    ticket = ticket_file(team.access("clinician"), files=[SimpleUploadedFile("Stappen <1>.txt", b"1. open")])
    with scopes_disabled():
        attachment = Attachment.objects.get(ticket=ticket)
    response = browser(team.clinician).get(f"/w/{team.workspace.slug}/support/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"1. open"
    assert browser(team.assistant).get(f"/w/{team.workspace.slug}/support/files/{attachment.pk}/").status_code == 404


def test_followers_are_added_and_removed_on_the_page(team, django_capture_on_commit_callbacks):
    ticket = ticket_file(team.access("clinician"))
    client = browser(team.clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(team, ticket, "followers/"), {"membership": team.member("staff").pk})
    assert response.status_code == 302
    assert any(team.staff.email in m.to and "follow" in m.subject.lower() for m in mail.outbox)
    assert browser(team.staff).get(_url(team, ticket)).status_code == 200
    with scopes_disabled():
        watcher = ticket.watchers.get()
    client.post(_url(team, ticket, f"followers/{watcher.pk}/remove/"))
    assert browser(team.staff).get(_url(team, ticket)).status_code == 404


def test_reopen_button_within_the_window(team, operator):
    ticket = ticket_file(team.access("clinician"))
    services.operator_update(operator=operator, ticket_id=ticket.pk, status="resolved")
    client = browser(team.clinician)
    assert "Reopen" in client.get(_url(team, ticket)).content.decode()
    client.post(_url(team, ticket, "reopen/"))
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_home_shows_tickets_awaiting_an_answer_first(team, operator):
    waiting = ticket_file(team.access("clinician"), subject="Waiting on Clara")
    ticket_file(team.access("clinician"), subject="Just filed")
    services.operator_reply(operator=operator, ticket_id=waiting.pk, body="Which page?", status="awaiting_customer")
    page = browser(team.clinician).get(f"/w/{team.workspace.slug}/").content.decode()
    awaiting_at, history_at = page.index('id="tickets-awaiting"'), page.index('id="tickets-history"')
    assert awaiting_at < history_at < page.index('id="dash-people"')
    assert awaiting_at < page.index("Waiting on Clara") < history_at < page.index("Just filed")


def test_home_lists_invitations_awaiting_the_member(team, make_user):
    other = build_team(make_user, name="Praktijk Zuid", label="Z")
    from praxis.workspaces.invitations import invitations_create

    with scope(workspace=other.workspace):
        invitations_create(access=other.access("owner"), emails=[team.clinician.email], role="clinician",
                           account_type="free")
    page = browser(team.clinician).get(f"/w/{team.workspace.slug}/").content.decode()
    assert 'id="invitations-awaiting"' in page and "Praktijk Zuid" in page
    assert 'id="invitations-awaiting"' not in browser(team.owner).get(f"/w/{team.workspace.slug}/").content.decode()


def test_the_console_is_the_operators_only(team, operator):
    ticket = ticket_file(team.access("clinician"), subject="Export question")
    for user in (team.owner, team.admin):
        client = browser(user)
        for url in ("/console/tickets/", f"/console/tickets/{ticket.pk}/", "/console/sales/"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/console/tickets/{ticket.pk}/reply/", {"body": "x"}).status_code == 404
    assert Client().get("/console/tickets/").status_code == 302  # to the login page
    console = browser(operator).get("/console/tickets/").content.decode()
    assert "Export question" in console and team.workspace.name in console


def test_the_operator_answers_and_the_customer_is_mailed(team, operator, django_capture_on_commit_callbacks):
    ticket = ticket_file(team.access("clinician"))
    client = browser(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/console/tickets/{ticket.pk}/reply/", {
            "body": "Please try again", "status": "awaiting_customer"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("awaiting_customer", operator)
    [message] = [m for m in mail.outbox if team.clinician.email in m.to]
    assert "Please try again" in message.body and ticket.reference in message.subject
    client.post(f"/console/tickets/{ticket.pk}/update/", {"status": "resolved", "assignee": ""})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("resolved", None)


def test_console_filters(team, operator, make_user):
    other = build_team(make_user, name="Praktijk Zuid", label="Z")
    ticket_file(team.access("clinician"), subject="Noord question")
    zuid = ticket_file(other.access("owner"), kind="bug", subject="Zuid bug")
    services.operator_update(operator=operator, ticket_id=zuid.pk, assignee_id=operator.pk)
    client = browser(operator)

    def subjects(query: str) -> set[str]:
        page = client.get("/console/tickets/?" + query).content.decode()
        return {s for s in ("Noord question", "Zuid bug") if s in page}

    assert subjects("") == {"Noord question", "Zuid bug"}
    assert subjects(f"workspace={other.workspace.slug}") == {"Zuid bug"}
    assert subjects("kind=bug") == {"Zuid bug"}
    assert subjects("assignee=me") == {"Zuid bug"}
    assert subjects("assignee=none") == {"Noord question"}
    assert subjects(f"q={zuid.reference}") == {"Zuid bug"}
    assert subjects("status=closed") == set()
    assert subjects("age=7d") == set()


def test_contact_sales_form(team, django_capture_on_commit_callbacks, settings, operator):
    settings.PRAXIS_SUPPORT_EMAIL = "desk@praxis.test"
    client = browser(team.owner)
    url = f"/w/{team.workspace.slug}/contact-sales/"
    assert team.workspace.name in client.get(url).content.decode()  # filled in from the workspace
    bad = client.post(url, {"topic": "large_team", "organisation": "X", "contact_name": "O", "email": "not-mail",
                            "message": "Hi"})
    assert bad.status_code == 400 and "Enter a valid e-mail address." in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(url, {"topic": "large_team", "organisation": "Zorggroep", "contact_name": "Olivia",
                               "email": "olivia@example.test", "team_size": "15", "message": "We are 15"})
    assert ok.status_code == 302
    assert any(m.to == ["desk@praxis.test"] for m in mail.outbox)
    assert "Zorggroep" in browser(operator).get("/console/sales/").content.decode()


# --- query counts (constant in the number of tickets) ------------------------------------------------------

def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/w/{ws}/support/?view=all", "/w/{ws}/support/?view=mine", "/w/{ws}/",
                                 "/console/tickets/"])
def test_list_pages_take_a_constant_number_of_queries(team, operator, url):
    client = browser(operator if url.startswith("/console") else team.owner)
    url = url.format(ws=team.workspace.slug)

    def add(n):
        for i in range(n):
            ticket = ticket_file(team.access("owner" if i % 2 else "clinician"), subject=f"Ticket {i}")
            with scope(workspace=team.workspace):
                services.watcher_add(access=team.access("owner"), ticket_id=ticket.pk,
                                     membership_id=team.member("admin").pk)
            services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Ok", status="awaiting_customer")

    add(2)
    _queries(client, url)  # warm: sessions, content types
    few = _queries(client, url)
    add(12)
    assert _queries(client, url) == few


def test_the_ticket_page_takes_a_constant_number_of_queries(team, operator):
    ticket = ticket_file(team.access("clinician"))
    client = browser(team.clinician)
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="One")
    _queries(client, _url(team, ticket))
    few = _queries(client, _url(team, ticket))
    for i in range(6):
        services.operator_reply(operator=operator, ticket_id=ticket.pk, body=f"More {i}",
                                files=[SimpleUploadedFile(f"f{i}.txt", b"x")])
        with scope(workspace=team.workspace):
            services.ticket_reply(access=team.access("clinician"), ticket_id=ticket.pk, body=f"Reply {i}")
    assert _queries(client, _url(team, ticket)) == few
    console = browser(operator)
    assert _queries(console, f"/console/tickets/{ticket.pk}/") <= few + 4
