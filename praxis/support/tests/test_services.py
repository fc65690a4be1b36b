"""The support portal's rules (SPEC §10): who sees which ticket, the status machine with its 14-day reopen
window, internal notes that never reach the customer, followers, attachments by content, contact sales."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from praxis.audit.models import AuditEvent
from praxis.core.errors import NotFound, PermissionDenied, ServiceError
from praxis.support import policies, selectors, services
from praxis.support.models import Attachment, Message, SalesRequest, Ticket
from praxis.testing.team import build_team

from .factories import PNG, category, grant_staff_plus, make_operator, ticket_file

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def operator(make_user):
    return make_operator(make_user)


def _visible(team, role, ticket) -> bool:
    access = team.access(role)
    with scope(workspace=team.workspace):
        by_policy = policies.may_view(access, ticket)
        listed = policies.visible_tickets(access).filter(pk=ticket.pk).exists()
        detail = selectors.ticket_detail(access=access, ticket_id=ticket.pk) is not None
    assert by_policy == listed == detail, "the policy, the list and the detail agree"
    return by_policy


# --- visibility (R-SUP-3, R-SUP-6, R-ROLE-1) ---------------------------------------------------------------

def test_who_sees_a_ticket_own_colleagues_followed(team):
    """owner, admin and staff+ see every ticket; plain members their own and followed ones only."""
    grant_staff_plus(team, "staff")
    own = ticket_file(team.access("clinician"), subject="Mine")
    colleagues = ticket_file(team.access("assistant"), subject="Asha's")
    followed = ticket_file(team.access("admin"), subject="Followed by Clara")
    with scope(workspace=team.workspace):
        services.watcher_add(access=team.access("admin"), ticket_id=followed.pk,
                             membership_id=team.member("clinician").pk)
    expected = {
        "owner": (True, True, True), "admin": (True, True, True), "staff": (True, True, True),  # staff+
        "clinician": (True, False, True), "assistant": (False, True, False),
    }
    for role, (sees_own, sees_colleagues, sees_followed) in expected.items():
        assert (_visible(team, role, own), _visible(team, role, colleagues), _visible(team, role, followed)) == (
            sees_own, sees_colleagues, sees_followed), role


def test_another_workspaces_ticket_is_never_seen(team, make_user):
    other = build_team(make_user, name="Praktijk Zuid", label="Z")
    foreign = ticket_file(other.access("owner"), subject="Theirs")
    for role in ("owner", "admin", "clinician"):
        access = team.access(role)
        with scope(workspace=team.workspace):
            assert not policies.may_view(access, foreign)
            assert not policies.visible_tickets(access).filter(pk=foreign.pk).exists()
            with pytest.raises(NotFound):
                services.ticket_reply(access=access, ticket_id=foreign.pk, body="Hello")
    assert Message.objects.with_scopes_disabled().count() == 0


def test_the_all_list_needs_view_all_and_open_lists_only_open(team):
    mine = ticket_file(team.access("staff"), subject="Staff's")
    theirs = ticket_file(team.access("clinician"), subject="Clara's")
    with scope(workspace=team.workspace):
        staff = team.access("staff")
        assert [t.pk for t in selectors.tickets_list(access=staff, filters=selectors.TicketFilters(view="all"))] == []
        owner = team.access("owner")
        assert {t.pk for t in selectors.tickets_list(access=owner, filters=selectors.TicketFilters(view="all"))} == {
            mine.pk, theirs.pk}
    operator_user = make_operator_for(team)
    with scopes_disabled():
        services.operator_update(operator=operator_user, ticket_id=theirs.pk, status="resolved")
    with scope(workspace=team.workspace):
        open_for_owner = selectors.tickets_list(access=team.access("owner"),
                                                filters=selectors.TicketFilters(view="open"))
        assert [t.pk for t in open_for_owner] == [mine.pk]


def make_operator_for(team):
    from praxis.workspaces.signup import user_sign_up

    user = user_sign_up(email=f"op-{team.workspace.slug}@praxis.test", password="Op-erator-Pass-1", first_name="Ops")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


# --- filing (R-SUP-1) ---------------------------------------------------------------------------------------

def test_filing_needs_a_category_and_a_bug_needs_steps_and_page(team):
    access = team.access("clinician")
    with scope(workspace=team.workspace):
        with pytest.raises(ServiceError) as no_category:
            services.ticket_create(access=access, kind="question", category_id=None, subject="S", description="D")
        assert no_category.value.field == "category"
        with pytest.raises(ServiceError) as no_steps:
            services.ticket_create(access=access, kind="bug", category_id=category().pk, subject="Crash",
                                   description="It broke", page_url="/w/x/clients/")
        assert no_steps.value.field == "steps"
        with pytest.raises(ServiceError) as no_page:
            services.ticket_create(access=access, kind="bug", category_id=category().pk, subject="Crash",
                                   description="It broke", steps="1. click")
        assert no_page.value.field == "page_url"
    assert Ticket.objects.with_scopes_disabled().count() == 0
    ticket = ticket_file(access, kind="bug")
    assert (ticket.status, ticket.kind, ticket.steps.startswith("1."), ticket.created_by) == (
        "new", "bug", True, team.clinician)
    assert AuditEvent.objects.filter(event_code="ticket.created", object_id=str(ticket.pk)).count() == 1


def test_filing_takes_an_active_category_only(team):
    """R-SUP-1: a ticket is filed in one of the categories offered; a retired one (kept on its old
    tickets) is refused like a missing one, and nothing is written."""
    access = team.access("clinician")
    retired = category("financial")
    retired.active = False
    retired.save(update_fields=["active"])
    with scope(workspace=team.workspace):
        with pytest.raises(ServiceError) as refused:
            services.ticket_create(access=access, kind="question", category_id=retired.pk, subject="S",
                                   description="D")
        assert (refused.value.code, refused.value.field) == ("category_required", "category")
        assert Ticket.objects.count() == 0
        filed = services.ticket_create(access=access, kind="question", category_id=category().pk, subject="S",
                                       description="D")
    assert filed.category.code == "technical"


def test_filing_mails_the_operator_after_commit(team, django_capture_on_commit_callbacks, settings):
    settings.PRAXIS_SUPPORT_EMAIL = "desk@praxis.test"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_file(team.access("clinician"), subject="Export button")
    [message] = [m for m in mail.outbox if m.to == ["desk@praxis.test"]]
    assert ticket.reference in message.subject and "Export button" in message.subject
    assert "Where is the export button?" in message.body


def test_attachments_are_checked_by_content_and_stored_under_a_generated_name(team):
    access = team.access("clinician")
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf")
    with scope(workspace=team.workspace):
        with pytest.raises(ServiceError) as refused:
            services.ticket_create(access=access, kind="question", category_id=category().pk, subject="S",
                                   description="D", files=[fake])
        assert refused.value.code == "file_type"
    assert Ticket.objects.with_scopes_disabled().count() == 0
    screenshot = SimpleUploadedFile("../../etc/screen shot.png", PNG, content_type="text/html")
    ticket = ticket_file(access, files=[screenshot])
    with scopes_disabled():
        [stored] = Attachment.objects.filter(ticket=ticket)
    assert (stored.original_name, stored.content_type, stored.size) == ("screen shot.png", "image/png", len(PNG))
    assert "screen" not in stored.file.name and stored.file.name.startswith(f"support/{team.workspace.pk}/")


def test_an_attachment_over_the_limit_is_refused(team, settings):
    settings.PRAXIS_SUPPORT_MAX_ATTACHMENT_BYTES = 1000
    big = SimpleUploadedFile("notes.txt", b"a" * 1001, content_type="text/plain")
    with pytest.raises(ServiceError) as refused:
        ticket_file(team.access("clinician"), files=[big])
    assert refused.value.code == "file_too_large"
    assert Ticket.objects.with_scopes_disabled().count() == 0


# --- status machine (R-SUP-2) -------------------------------------------------------------------------------

def test_a_customer_reply_on_awaiting_customer_moves_it_back_to_in_progress(team, operator):
    ticket = ticket_file(team.access("clinician"))
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Which browser?", status="awaiting_customer")
    with scope(workspace=team.workspace):
        services.ticket_reply(access=team.access("clinician"), ticket_id=ticket.pk, body="Firefox")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ticket.assignee == operator  # the first operator to answer takes it


def test_an_operator_reply_on_a_new_ticket_puts_it_in_progress(team, operator):
    ticket = ticket_file(team.access("clinician"))
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Looking into it")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_the_reopen_window_is_14_days_to_the_second(team, operator):
    with time_machine.travel(START, tick=False):
        ticket = ticket_file(team.access("clinician"))
        services.operator_update(operator=operator, ticket_id=ticket.pk, status="resolved")
    ticket.refresh_from_db()
    assert ticket.resolved_at == START
    deadline = START + dt.timedelta(days=14)
    assert services.reopen_deadline(ticket) == deadline
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        assert services.may_reopen(ticket)
        assert services.tickets_close_resolved() == 0
        with scope(workspace=team.workspace):
            services.ticket_reopen(access=team.access("clinician"), ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == ("in_progress", None)

    with time_machine.travel(START + dt.timedelta(days=20), tick=False):
        services.operator_update(operator=operator, ticket_id=ticket.pk, status="resolved")
    ticket.refresh_from_db()
    at_deadline = ticket.resolved_at + dt.timedelta(days=14)
    with time_machine.travel(at_deadline, tick=False):
        assert not services.may_reopen(ticket)
        with scope(workspace=team.workspace), pytest.raises(ServiceError) as late:
            services.ticket_reopen(access=team.access("clinician"), ticket_id=ticket.pk)
        assert late.value.code == "reopen_window_over"
        with scope(workspace=team.workspace), pytest.raises(ServiceError) as late_reply:
            services.ticket_reply(access=team.access("clinician"), ticket_id=ticket.pk, body="Still broken")
        assert late_reply.value.code == "ticket_closed"
        assert services.tickets_close_resolved() == 1
        assert services.tickets_close_resolved() == 0  # once
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == ("closed", at_deadline)
    assert AuditEvent.objects.filter(event_code="ticket.closed_automatically", object_id=str(ticket.pk)).count() == 1


def test_answering_a_resolved_ticket_within_the_window_reopens_it(team, operator):
    ticket = ticket_file(team.access("clinician"))
    services.operator_update(operator=operator, ticket_id=ticket.pk, status="resolved")
    with scope(workspace=team.workspace):
        services.ticket_reply(access=team.access("clinician"), ticket_id=ticket.pk, body="Not solved yet")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_a_closed_ticket_takes_no_answer_and_an_unknown_move_is_refused(team, operator):
    ticket = ticket_file(team.access("clinician"))
    services.operator_update(operator=operator, ticket_id=ticket.pk, status="closed")
    with scope(workspace=team.workspace), pytest.raises(ServiceError):
        services.ticket_reply(access=team.access("clinician"), ticket_id=ticket.pk, body="Hello?")
    with pytest.raises(ServiceError) as refused:
        services.operator_update(operator=operator, ticket_id=ticket.pk, status="awaiting_customer")
    assert refused.value.code == "invalid_status"
    assert Message.objects.with_scopes_disabled().count() == 0


def test_only_operators_act_in_the_console(team):
    ticket = ticket_file(team.access("clinician"))
    with pytest.raises(PermissionDenied):
        services.operator_reply(operator=team.owner, ticket_id=ticket.pk, body="I am not the operator")
    with pytest.raises(PermissionDenied):
        services.operator_update(operator=team.owner, ticket_id=ticket.pk, status="resolved")
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_every_step_of_a_ticket_is_audited_in_its_workspace(team, operator):
    """R-AUD-1: filing, answering, following, the operator's reply, note and status change, reopening."""
    ticket = ticket_file(team.access("clinician"))
    with scope(workspace=team.workspace):
        watcher = services.watcher_add(access=team.access("clinician"), ticket_id=ticket.pk,
                                       membership_id=team.member("staff").pk)
        services.attachment_add(access=team.access("clinician"), ticket_id=ticket.pk,
                                file=SimpleUploadedFile("s.png", PNG))
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Note", internal=True)
    services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Answer", status="resolved")
    with scope(workspace=team.workspace):
        services.ticket_reopen(access=team.access("clinician"), ticket_id=ticket.pk)
        services.ticket_reply(access=team.access("clinician"), ticket_id=ticket.pk, body="Thanks")
        services.watcher_remove(access=team.access("clinician"), ticket_id=ticket.pk, watcher_id=watcher.pk)
    services.operator_update(operator=operator, ticket_id=ticket.pk, status="closed")
    entries = list(AuditEvent.objects.filter(object_type="support.ticket", object_id=str(ticket.pk)).order_by("id"))
    assert [e.event_code for e in entries] == [
        "ticket.created", "ticket.watcher_added", "ticket.attachment_added", "ticket.operator_noted",
        "ticket.operator_replied", "ticket.reopened", "ticket.replied", "ticket.watcher_removed",
        "ticket.operator_updated"]
    assert {e.workspace_id for e in entries} == {team.workspace.pk}
    assert [e.user for e in entries if e.role == "operator"] == [operator] * 3
    assert all("Answer" not in str(e.data) and "Note" not in str(e.data) for e in entries)  # never contents


# --- internal notes (R-SUP-5) ---------------------------------------------------------------------------------

def test_internal_notes_never_reach_the_customer_page_list_or_mail(team, operator, django_capture_on_commit_callbacks):
    ticket = ticket_file(team.access("clinician"))
    with scope(workspace=team.workspace):
        services.watcher_add(access=team.access("clinician"), ticket_id=ticket.pk,
                             membership_id=team.member("assistant").pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.operator_reply(operator=operator, ticket_id=ticket.pk, body="SECRET-NOTE customer is difficult",
                                internal=True, files=[SimpleUploadedFile("n.txt", b"SECRET-FILE")])
        services.operator_reply(operator=operator, ticket_id=ticket.pk, body="We fixed it.", status="resolved")
    with scope(workspace=team.workspace):
        for role in ("clinician", "assistant", "owner"):
            view = selectors.ticket_detail(access=team.access(role), ticket_id=ticket.pk)
            assert [m.body for m in view.messages] == ["We fixed it."], role
            with scopes_disabled():
                internal_file = Attachment.objects.get(message__internal=True)
            assert selectors.attachment_for(access=team.access(role), attachment_id=internal_file.pk) is None
    assert len(mail.outbox) == 2  # the author and the follower, each in their own message
    assert {tuple(m.to) for m in mail.outbox} == {(team.clinician.email,), (team.assistant.email,)}
    for message in mail.outbox:
        assert "SECRET" not in message.body and "SECRET" not in message.subject
        assert "We fixed it." in message.body
        assert message.reply_to and "+" in message.reply_to[0]
    # the console shows it, marked
    view = selectors.console_ticket(ticket_id=ticket.pk)
    assert [m.internal for m in view.messages] == [True, False]


def test_the_customer_is_mailed_in_their_language(team, operator, django_capture_on_commit_callbacks):
    from praxis.accounts.services import profile_update

    profile_update(user=team.clinician, changes={"language": "nl"})
    ticket = ticket_file(team.access("clinician"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.operator_reply(operator=operator, ticket_id=ticket.pk, body="Opgelost")
    [message] = mail.outbox
    assert "Praxis-support heeft je ticket beantwoord" in message.body
    # and the bell says it, in the reader's language, linking to the ticket
    from django.utils import translation

    from praxis.notifications import kinds
    from praxis.notifications.models import Notification

    [bell] = Notification.objects.for_user(team.clinician)
    with translation.override("nl"):
        assert kinds.text_of(bell) == "Praxis-support heeft je ticket “How do I export clients?” beantwoord."
    assert kinds.link_of(bell) == f"/w/{team.workspace.slug}/support/{ticket.pk}/"


# --- followers (R-SUP-6) --------------------------------------------------------------------------------------

def test_followers_are_colleagues_of_the_same_workspace_once(team, make_user):
    other = build_team(make_user, name="Praktijk Zuid", label="Z")
    ticket = ticket_file(team.access("clinician"))
    access = team.access("clinician")
    with scope(workspace=team.workspace):
        with pytest.raises(ServiceError):
            services.watcher_add(access=access, ticket_id=ticket.pk, membership_id=other.member("clinician").pk)
        with pytest.raises(ServiceError):  # the author follows already
            services.watcher_add(access=access, ticket_id=ticket.pk, membership_id=team.member("clinician").pk)
        watcher = services.watcher_add(access=access, ticket_id=ticket.pk, membership_id=team.member("staff").pk)
        with pytest.raises(ServiceError) as twice:
            services.watcher_add(access=access, ticket_id=ticket.pk, membership_id=team.member("staff").pk)
        assert twice.value.code == "already_following"
        assert policies.may_view(team.access("staff"), ticket)
        services.watcher_remove(access=team.access("staff"), ticket_id=ticket.pk, watcher_id=watcher.pk)
        assert not policies.may_view(team.access("staff"), ticket)


# --- home (R-SUP-4) -------------------------------------------------------------------------------------------

def test_home_lists_what_awaits_the_member_first_then_history(team, operator):
    with time_machine.travel(START, tick=False):
        first = ticket_file(team.access("clinician"), subject="First")
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        second = ticket_file(team.access("clinician"), subject="Second")
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        services.operator_reply(operator=operator, ticket_id=first.pk, body="Which page?", status="awaiting_customer")
    with scope(workspace=team.workspace):
        access = team.access("clinician")
        assert [t.pk for t in selectors.awaiting_answer(access=access)] == [first.pk]
        assert [t.pk for t in selectors.recent_history(access=access)] == [second.pk]
        assert selectors.awaiting_answer(access=team.access("owner")) == []  # not the owner's to answer


# --- contact sales (R-SUP-9) ---------------------------------------------------------------------------------

def test_a_sales_request_reaches_the_operator(team, operator, django_capture_on_commit_callbacks, settings):
    settings.PRAXIS_SUPPORT_EMAIL = "desk@praxis.test"
    values = {"topic": "central_billing", "organisation": "Kliniek De Linde", "contact_name": "Olivia Owner",
              "email": "Olivia@Example.test", "team_size": "24", "workspaces": "3", "message": "Three departments"}
    with pytest.raises(ServiceError) as bad:
        services.sales_request_create(user=team.owner, workspace=team.workspace, values={**values, "team_size": "-2"})
    assert bad.value.field == "team_size"
    assert SalesRequest.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        request = services.sales_request_create(user=team.owner, workspace=team.workspace, values=values)
    assert (request.email, request.team_size, request.status) == ("olivia@example.test", 24, "new")
    assert any(m.to == ["desk@praxis.test"] and "Kliniek De Linde" in m.subject for m in mail.outbox)
    services.sales_request_update(operator=operator, request_id=request.pk, status="contacted", note="Called")
    request.refresh_from_db()
    assert (request.status, request.operator_note) == ("contacted", "Called")
    created = AuditEvent.objects.get(event_code="sales_request.created")
    updated = AuditEvent.objects.get(event_code="sales_request.updated")
    assert (created.user, created.workspace, created.object_id) == (team.owner, team.workspace, str(request.pk))
    assert (updated.user, updated.data) == (operator, {"from": "new", "to": "contacted"})
    with pytest.raises(PermissionDenied):
        services.sales_request_update(operator=team.owner, request_id=request.pk, status="won", note="")


def test_upload_check_reads_the_bytes_not_the_name():
    from praxis.core.uploads import check_upload

    assert check_upload(io.BytesIO(b"%PDF-1.7\n...") and SimpleUploadedFile("x.txt", b"%PDF-1.7\n1 0 obj"),
                        max_bytes=100).kind == "pdf"
    assert check_upload(SimpleUploadedFile("x.pdf", "Gewoon tekst, één regel".encode()), max_bytes=100).kind == "txt"
    for bad in (b"\x00\x01\x02binary", b"\xff\xfe\xfa not utf-8 at all \xff\xff" * 3):
        with pytest.raises(ServiceError):
            check_upload(SimpleUploadedFile("x.txt", bad), max_bytes=1000)
