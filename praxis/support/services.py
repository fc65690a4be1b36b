"""Writes of the support portal (SPEC §10): filing, answering, following and moving tickets.

Every function is one transaction (`service_transaction`), checks its permission through
`praxis.support.policies`, writes its audit entry (R-AUD-1) and sends its e-mail only after commit, in each
recipient's language. Status changes follow one table (`TRANSITIONS`, R-SUP-2):

- the customer's reply on "awaiting customer" moves the ticket back to "in progress";
- a resolved ticket can be reopened (or answered, which reopens it) by the customer for 14 days after it
  was resolved; from that moment on it is closed — by `tickets_close_resolved`, run daily by the
  `support_close_resolved` command (and a ticket past its window is never reopened, even before the run);
- a closed ticket takes no more messages: the customer files a new one.

Operators (`User.is_staff`) act from the console: they reply, add internal notes (never shown or mailed to
the customer), assign and change status. Their entries are audited in the ticket's workspace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_scopes import scope

from praxis.audit import services as audit
from praxis.core import clock, mail
from praxis.core.errors import NotFound, PermissionDenied, ServiceError
from praxis.core.transactions import service_transaction
from praxis.core.uploads import check_upload
from praxis.core.validation import check_max_length, check_plain_text, unstorable_text
from praxis.workspaces.access import Access
from praxis.workspaces.models import LifecycleStatus, Membership
from praxis.workspaces.roles import TICKETS_CREATE, TICKETS_VIEW_OWN

from . import policies, selectors
from .models import Attachment, Message, SalesRequest, Ticket, Watcher

REOPEN_WINDOW = dt.timedelta(days=14)
MAX_FILES = 5
MAX_BODY = 20_000
Status = Ticket.Status

# What may follow what, and who may do it ("customer" or "operator").
TRANSITIONS: dict[str, dict[str, set[str]]] = {
    "customer": {Status.AWAITING_CUSTOMER: {Status.IN_PROGRESS}, Status.RESOLVED: {Status.IN_PROGRESS}},
    "operator": {
        Status.NEW: {Status.IN_PROGRESS, Status.AWAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED},
        Status.IN_PROGRESS: {Status.AWAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED},
        Status.AWAITING_CUSTOMER: {Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED},
        Status.RESOLVED: {Status.IN_PROGRESS, Status.CLOSED},
        Status.CLOSED: {Status.IN_PROGRESS},
    },
}


# --- checks shared by every write path ------------------------------------------------------------------

def _text(value: Any, *, field: str, limit: int, required: bool = True, multiline: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ServiceError("required", _("This field is required."), field=field)
    if unstorable_text(text):
        raise ServiceError("unstorable", _("The input contains characters that cannot be stored."), field=field)
    check_max_length(text, limit, field=field)
    check_plain_text(text, field=field, multiline=multiline)
    return text


def _checked_files(files: Sequence[Any]) -> list[tuple[Any, Any]]:
    files = [f for f in files if f]
    if len(files) > MAX_FILES:
        raise ServiceError("too_many_files", _("At most %(count)d files per message.") % {"count": MAX_FILES},
                           field="attachments")
    return [(f, check_upload(f, max_bytes=settings.PRAXIS_SUPPORT_MAX_ATTACHMENT_BYTES)) for f in files]


def _store_files(ticket: Ticket, message: Message | None, checked: list[tuple[Any, Any]], user) -> None:
    for upload, info in checked:
        attachment = Attachment(workspace_id=ticket.workspace_id, ticket=ticket, message=message,
                                original_name=info.name, content_type=info.content_type, size=info.size,
                                uploaded_by=user)
        upload.seek(0)
        attachment.file.save(info.name, upload, save=False)
        attachment.save()


def _visible_ticket(access: Access, ticket_id: int, *, lock: bool = False) -> Ticket:
    tickets = Ticket.objects.filter(workspace=access.workspace, pk=ticket_id)
    ticket = (tickets.select_for_update(of=("self",)) if lock else tickets).select_related("category").first()
    if ticket is None or not policies.may_view(access, ticket):
        raise NotFound("not_found", _("Not found."))
    return ticket


def reopen_deadline(ticket: Ticket) -> dt.datetime | None:
    """Until when the customer may reopen a resolved ticket (exclusive), else None."""
    if ticket.status != Status.RESOLVED or ticket.resolved_at is None:
        return None
    return ticket.resolved_at + REOPEN_WINDOW


def may_reopen(ticket: Ticket, at: dt.datetime | None = None) -> bool:
    deadline = reopen_deadline(ticket)
    return deadline is not None and (at or clock.now()) < deadline


def takes_answers(ticket: Ticket, at: dt.datetime | None = None) -> bool:
    """Whether the customer may still answer: not closed, and a resolved one only within its window."""
    return ticket.status != Status.CLOSED and (ticket.status != Status.RESOLVED or may_reopen(ticket, at))


def _move(ticket: Ticket, to: str, *, by: str, at: dt.datetime) -> str:
    """Apply a status change allowed by `TRANSITIONS`; return the previous status."""
    previous = ticket.status
    if to == previous:
        return previous
    if to not in TRANSITIONS[by].get(previous, set()):
        raise ServiceError("invalid_status", _("A ticket that is %(status)s cannot be moved to %(to)s.")
                           % {"status": Status(previous).label, "to": Status(to).label}, field="status")
    if by == "customer" and previous == Status.RESOLVED and not may_reopen(ticket, at):
        raise ServiceError("reopen_window_over", _("This ticket was resolved more than 14 days ago and is "
                                                   "closed. Please file a new ticket."))
    ticket.status = to
    ticket.is_open = to in Ticket.OPEN_STATUSES
    ticket.resolved_at = at if to == Status.RESOLVED else None
    ticket.closed_at = at if to == Status.CLOSED else None
    return previous


# --- who is told ---------------------------------------------------------------------------------------

REPLY_SALT = "praxis.support.reply"


def reply_token(*, ticket: Ticket, user) -> str:
    """"<ticket>-<user>-<mac>": names the ticket and the person who may answer it by e-mail, signed with
    the deployment's secret key. Lower-case hex only, so it survives mail systems that change the case of
    an address's local part. No expiry: the ticket's own state decides whether an answer is still taken."""
    from django.utils.crypto import salted_hmac

    mac = salted_hmac(REPLY_SALT, f"{ticket.pk}-{user.pk}", algorithm="sha256").hexdigest()[:32]
    return f"{ticket.pk}-{user.pk}-{mac}"


def reply_address(*, ticket: Ticket, user) -> str:
    local, _at, domain = settings.PRAXIS_SUPPORT_REPLY_ADDRESS.partition("@")
    return f"{local}+{reply_token(ticket=ticket, user=user)}@{domain}"


def _customers(ticket: Ticket) -> list:
    """The people of the workspace the ticket's e-mails go to: its author and its followers, while they
    are active members of the workspace."""
    people: dict[int, Any] = {}
    author = ticket.created_by
    if author is not None and Membership.objects.filter(
            workspace_id=ticket.workspace_id, user=author, status=LifecycleStatus.ACTIVE).exists():
        people[author.pk] = author
    for watcher in (Watcher.objects.filter(ticket=ticket, membership__status=LifecycleStatus.ACTIVE)
                    .select_related("membership__user")):
        user = watcher.membership.user
        if user is not None:
            people.setdefault(user.pk, user)
    return list(people.values())


# The operator's e-mails to the practice that are also shown in the bell (`support.notices`).
BELL = {"support_operator_reply": "support.answered", "support_status_changed": "support.status_changed"}


def _mail_customers(ticket: Ticket, *, template: str, message: Message | None, exclude: Iterable[int] = (),
                    actor=None) -> None:
    from praxis.notifications.services import notify

    skip = set(exclude)
    for person in _customers(ticket):
        if person.pk in skip or not person.is_active:
            continue
        if template in BELL:
            notify(recipient=person, kind=BELL[template], workspace=ticket.workspace, actor=actor, email=False,
                   parameters={"ticket": ticket.pk, "subject": ticket.subject, "status": ticket.status,
                               "workspace": ticket.workspace.slug})
        mail.send_templated_email(
            to=person.email, template=template, language=person.language,
            reply_to=reply_address(ticket=ticket, user=person),
            context={"ticket": ticket, "message": message, "recipient": person,
                     "path": f"/w/{ticket.workspace.slug}/support/{ticket.pk}/"})


def _mail_operator(ticket: Ticket, *, template: str, message: Message | None) -> None:
    assignee = ticket.assignee
    to = assignee.email if assignee is not None and assignee.is_active else settings.PRAXIS_SUPPORT_EMAIL
    mail.send_templated_email(to=to, template=template, language="en",
                              context={"ticket": ticket, "message": message,
                                       "path": f"/console/tickets/{ticket.pk}/"})


def _audit(code: str, action: str, *, ticket: Ticket, actor, role: str = "", permission: str = "",
           data: dict | None = None) -> None:
    audit.record(code=code, action=action, actor=actor, workspace=ticket.workspace, obj=ticket, role=role,
                 permission=permission, data=data or {})


# --- the customer side ---------------------------------------------------------------------------------

@service_transaction
def ticket_create(*, access: Access, kind: str, category_id: int | None, subject: str, description: str,
                  steps: str = "", page_url: str = "", files: Sequence[Any] = ()) -> Ticket:
    """File a ticket (R-SUP-1); a bug report needs the steps and the page it happened on."""
    access.require(TICKETS_CREATE)
    if kind not in Ticket.Kind.values:
        raise ServiceError("invalid_kind", _("Choose a question, an improvement or a bug report."), field="kind")
    category = selectors.category(category_id) if category_id else None
    if category is None:
        raise ServiceError("category_required", _("Choose the main category of your ticket."), field="category")
    subject = _text(subject, field="subject", limit=200)
    description = _text(description, field="description", limit=MAX_BODY, multiline=True)
    is_bug = kind == Ticket.Kind.BUG
    steps = _text(steps, field="steps", limit=MAX_BODY, required=is_bug, multiline=True) if is_bug else ""
    page_url = _text(page_url, field="page_url", limit=500, required=is_bug) if is_bug else ""
    checked = _checked_files(files)
    now = clock.now()
    ticket = Ticket.objects.create(workspace=access.workspace, kind=kind, category=category, subject=subject,
                                   description=description, steps=steps, page_url=page_url,
                                   created_by=access.user, created_at=now, updated_at=now)
    _store_files(ticket, None, checked, access.user)
    _audit("ticket.created", "create", ticket=ticket, actor=access.user, role=access.membership.role,
           permission=TICKETS_CREATE, data={"kind": kind, "category": category.code, "files": len(checked)})
    _mail_operator(ticket, template="support_ticket_new", message=None)
    return ticket


@service_transaction
def ticket_reply(*, access: Access, ticket_id: int, body: str, files: Sequence[Any] = (),
                 email_id: str = "") -> Message:
    """The customer's answer (R-SUP-2): "awaiting customer" and (within 14 days) "resolved" go back to
    "in progress"; a closed ticket takes no answer. `email_id`: the Message-ID of an answer by e-mail — the
    same mail posted again is the message already filed."""
    ticket = _visible_ticket(access, ticket_id, lock=True)
    via_email = bool(email_id)
    if email_id:
        email_id = email_id[:250]
        already = Message.objects.filter(ticket=ticket, email_id=email_id).first()
        if already is not None:
            return already
    body = _text(body, field="body", limit=MAX_BODY, multiline=True)
    checked = _checked_files(files)
    now = clock.now()
    if not takes_answers(ticket, now):
        raise ServiceError("ticket_closed", _("This ticket is closed. Please file a new ticket."))
    previous = ticket.status
    if previous in (Status.AWAITING_CUSTOMER, Status.RESOLVED):
        _move(ticket, Status.IN_PROGRESS, by="customer", at=now)
    ticket.updated_at = now
    ticket.save(update_fields=["status", "is_open", "resolved_at", "closed_at", "updated_at"])
    message = Message.objects.create(workspace=access.workspace, ticket=ticket, author=access.user, body=body,
                                     via_email=via_email, email_id=email_id, created_at=now)
    _store_files(ticket, message, checked, access.user)
    _audit("ticket.replied", "update", ticket=ticket, actor=access.user, role=access.membership.role,
           permission=TICKETS_VIEW_OWN, data={"from": previous, "to": ticket.status, "files": len(checked),
                                              "via_email": via_email})
    _mail_operator(ticket, template="support_customer_reply", message=message)
    _mail_customers(ticket, template="support_colleague_reply", message=message, exclude=[access.user.pk])
    return message


@service_transaction
def ticket_reopen(*, access: Access, ticket_id: int) -> Ticket:
    """Reopen a resolved ticket within 14 days of its resolution (R-SUP-2)."""
    ticket = _visible_ticket(access, ticket_id, lock=True)
    now = clock.now()
    if ticket.status != Status.RESOLVED:
        raise ServiceError("not_resolved", _("Only a resolved ticket can be reopened."))
    _move(ticket, Status.IN_PROGRESS, by="customer", at=now)
    ticket.updated_at = now
    ticket.save(update_fields=["status", "is_open", "resolved_at", "closed_at", "updated_at"])
    _audit("ticket.reopened", "update", ticket=ticket, actor=access.user, role=access.membership.role,
           permission=TICKETS_VIEW_OWN)
    _mail_operator(ticket, template="support_reopened", message=None)
    return ticket


@service_transaction
def attachment_add(*, access: Access, ticket_id: int, file: Any) -> Attachment:
    """Attach a file to the ticket itself (the API's path; on the page files go with a message)."""
    ticket = _visible_ticket(access, ticket_id, lock=True)
    if ticket.status == Status.CLOSED:
        raise ServiceError("ticket_closed", _("This ticket is closed. Please file a new ticket."))
    if Attachment.objects.filter(ticket=ticket, message__isnull=True).count() >= 4 * MAX_FILES:
        raise ServiceError("too_many_files", _("This ticket has as many files as it can take."), field="attachments")
    [(upload, info)] = _checked_files([file]) or [(None, None)]
    if upload is None:
        raise ServiceError("file_required", _("Choose a file."), field="file")
    _store_files(ticket, None, [(upload, info)], access.user)
    _audit("ticket.attachment_added", "update", ticket=ticket, actor=access.user, role=access.membership.role,
           permission=TICKETS_VIEW_OWN, data={"content_type": info.content_type, "size": info.size})
    return Attachment.objects.filter(ticket=ticket).order_by("-pk").first()  # type: ignore[return-value]


@service_transaction
def watcher_add(*, access: Access, ticket_id: int, membership_id: int) -> Watcher:
    """Add a colleague of the same workspace as a follower (R-SUP-6)."""
    ticket = _visible_ticket(access, ticket_id)
    member = (Membership.objects.filter(workspace=access.workspace, pk=membership_id,
                                        status=LifecycleStatus.ACTIVE, user__isnull=False)
              .select_related("user").first())
    if member is None or member.user is None:
        raise ServiceError("not_a_colleague", _("Choose a colleague of this workspace."), field="membership")
    if member.user_id == ticket.created_by_id or Watcher.objects.filter(ticket=ticket, membership=member).exists():
        raise ServiceError("already_following", _("%(name)s already follows this ticket.")
                           % {"name": member.user.display_name}, field="membership")
    try:
        with transaction.atomic():  # the constraint decides between two people adding the same colleague
            watcher = Watcher.objects.create(workspace=access.workspace, ticket=ticket, membership=member,
                                             added_by=access.user)
    except IntegrityError:
        raise ServiceError("already_following", _("%(name)s already follows this ticket.")
                           % {"name": member.user.display_name}, field="membership") from None
    _audit("ticket.watcher_added", "update", ticket=ticket, actor=access.user, role=access.membership.role,
           permission=TICKETS_VIEW_OWN, data={"membership": member.pk})
    mail.send_templated_email(to=member.user.email, template="support_watcher_added", language=member.user.language,
                              reply_to=reply_address(ticket=ticket, user=member.user),
                              context={"ticket": ticket, "added_by": access.user, "recipient": member.user,
                                       "path": f"/w/{ticket.workspace.slug}/support/{ticket.pk}/"})
    return watcher


@service_transaction
def watcher_remove(*, access: Access, ticket_id: int, watcher_id: int) -> None:
    """Stop a follower (anyone who sees the ticket may; a follower may stop following themselves)."""
    ticket = _visible_ticket(access, ticket_id)
    watcher = Watcher.objects.filter(ticket=ticket, pk=watcher_id).first()
    if watcher is None:
        raise NotFound("not_found", _("Not found."))
    membership_id = watcher.membership_id
    watcher.delete()
    _audit("ticket.watcher_removed", "update", ticket=ticket, actor=access.user, role=access.membership.role,
           permission=TICKETS_VIEW_OWN, data={"membership": membership_id})


# --- by e-mail -----------------------------------------------------------------------------------------

def read_reply_token(token: str) -> tuple[int, int]:
    """(ticket id, user id) of a genuine token; `NotFound` for anything else."""
    from django.utils.crypto import constant_time_compare, salted_hmac

    parts = token.lower().split("-")
    if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit() and len(parts[0]) < 19 and len(parts[1]) < 19:
        mac = salted_hmac(REPLY_SALT, f"{parts[0]}-{parts[1]}", algorithm="sha256").hexdigest()[:32]
        if constant_time_compare(mac, parts[2]):
            return int(parts[0]), int(parts[1])
    raise NotFound("bad_token", _("This reply address is not valid."))


# --- the operator's side -------------------------------------------------------------------------------

def _require_operator(operator) -> None:
    if not policies.is_operator(operator):
        raise PermissionDenied("forbidden", _("You do not have permission to do this."))


def _operator_ticket(ticket_id: int) -> Ticket:
    ticket = (Ticket.objects.with_scopes_disabled().select_for_update(of=("self",)).filter(pk=ticket_id)
              .select_related("workspace", "category", "assignee", "created_by").first())
    if ticket is None:
        raise NotFound("not_found", _("Not found."))
    return ticket


@service_transaction
def operator_reply(*, operator, ticket_id: int, body: str, internal: bool = False, status: str | None = None,
                   files: Sequence[Any] = ()) -> Message:
    """A reply to the customer (e-mailed to the author and the followers, R-SUP-5) or an internal note
    (`internal`, never shown or sent to the customer), optionally with a status change."""
    _require_operator(operator)
    ticket = _operator_ticket(ticket_id)
    with scope(workspace=ticket.workspace):  # what hangs off the ticket is read in its workspace
        return _operator_reply(operator, ticket, body=body, internal=internal, status=status, files=files)


def _operator_reply(operator, ticket: Ticket, *, body: str, internal: bool, status: str | None,
                    files: Sequence[Any]) -> Message:
    body = _text(body, field="body", limit=MAX_BODY, multiline=True)
    checked = _checked_files(files)
    now = clock.now()
    previous = ticket.status
    if status:
        if status not in Status.values:
            raise ServiceError("invalid_status", _("Choose a status."), field="status")
        _move(ticket, status, by="operator", at=now)
    elif not internal and previous == Status.NEW:
        _move(ticket, Status.IN_PROGRESS, by="operator", at=now)
    fields = ["status", "is_open", "resolved_at", "closed_at"]
    if not internal:
        ticket.updated_at = now
        fields.append("updated_at")
    if ticket.assignee_id is None:
        ticket.assignee = operator
        fields.append("assignee")
    ticket.save(update_fields=fields)
    message = Message.objects.create(workspace_id=ticket.workspace_id, ticket=ticket, author=operator,
                                     from_operator=True, internal=internal, body=body, created_at=now)
    _store_files(ticket, message, checked, operator)
    _audit("ticket.operator_noted" if internal else "ticket.operator_replied", "update", ticket=ticket,
           actor=operator, role="operator", data={"from": previous, "to": ticket.status, "files": len(checked)})
    if not internal:
        _mail_customers(ticket, template="support_operator_reply", message=message, actor=operator)
    elif ticket.status != previous:
        _mail_customers(ticket, template="support_status_changed", message=None, actor=operator)
    return message


@service_transaction
def operator_update(*, operator, ticket_id: int, status: str | None = None,
                    assignee_id: int | None | str = "") -> Ticket:
    """Change the status and/or the assignee (`assignee_id=None` unassigns; "" leaves it)."""
    _require_operator(operator)
    ticket = _operator_ticket(ticket_id)
    with scope(workspace=ticket.workspace):
        return _operator_update(operator, ticket, status=status, assignee_id=assignee_id)


def _operator_update(operator, ticket: Ticket, *, status: str | None, assignee_id: int | None | str) -> Ticket:
    now = clock.now()
    data: dict[str, Any] = {}
    if status and status != ticket.status:
        if status not in Status.values:
            raise ServiceError("invalid_status", _("Choose a status."), field="status")
        data["from"] = _move(ticket, status, by="operator", at=now)
        data["to"] = status
        ticket.updated_at = now
    if assignee_id != "":
        from praxis.accounts.models import User

        assignee = None
        if assignee_id is not None:
            assignee = User.objects.filter(pk=assignee_id, is_staff=True, is_active=True).first()
            if assignee is None:
                raise ServiceError("not_an_operator", _("Choose someone of the support team."), field="assignee")
        if (assignee.pk if assignee else None) != ticket.assignee_id:
            ticket.assignee = assignee
            data["assignee"] = assignee.pk if assignee else None
    if not data:
        return ticket
    ticket.save(update_fields=["status", "is_open", "resolved_at", "closed_at", "updated_at", "assignee"])
    _audit("ticket.operator_updated", "update", ticket=ticket, actor=operator, role="operator", data=data)
    if "to" in data:
        _mail_customers(ticket, template="support_status_changed", message=None, actor=operator)
    return ticket


def tickets_close_resolved(*, at: dt.datetime | None = None) -> int:
    """Close every ticket resolved 14 days ago or longer (the scheduled task, R-SUP-2); returns how many.
    One UPDATE per batch; each closed ticket gets its audit entry in its workspace's chain."""
    at = at or clock.now()
    closed = 0
    tickets = Ticket.objects.with_scopes_disabled()
    while True:
        with transaction.atomic():
            batch = list(tickets.select_for_update(of=("self",)).filter(status=Status.RESOLVED,
                                                            resolved_at__lte=at - REOPEN_WINDOW)
                         .select_related("workspace").order_by("pk")[:500])
            if not batch:
                return closed
            tickets.filter(pk__in=[t.pk for t in batch]).update(status=Status.CLOSED, is_open=False, closed_at=at)
            for t in batch:  # the instances carry the new state for their audit entries
                t.status, t.closed_at = Status.CLOSED, at
            audit.record_many([{"code": "ticket.closed_automatically", "action": "update", "workspace": t.workspace,
                                "obj": t, "data": {"resolved_at": t.resolved_at.isoformat()}} for t in batch])
            closed += len(batch)


# --- contact sales (R-SUP-9, R-WS-6) -------------------------------------------------------------------

SALES_FIELDS = ("topic", "organisation", "contact_name", "email", "phone", "team_size", "workspaces", "message")


@service_transaction
def sales_request_create(*, user, workspace=None, values: dict[str, Any]) -> SalesRequest:
    from django.core.validators import validate_email

    topic = values.get("topic") or ""
    if topic not in SalesRequest.Topic.values:
        raise ServiceError("invalid_topic", _("Choose what your request is about."), field="topic")
    cleaned: dict[str, Any] = {"topic": topic}
    for name, limit, required in (("organisation", 200, True), ("contact_name", 200, True), ("phone", 32, False)):
        cleaned[name] = _text(values.get(name), field=name, limit=limit, required=required)
    cleaned["message"] = _text(values.get("message"), field="message", limit=MAX_BODY, multiline=True)
    email = _text(values.get("email"), field="email", limit=254).lower()
    try:
        validate_email(email)
    except Exception:
        raise ServiceError("invalid_email", _("Enter a valid e-mail address."), field="email") from None
    cleaned["email"] = email
    for name in ("team_size", "workspaces"):
        raw = values.get(name)
        if raw in (None, ""):
            cleaned[name] = None
            continue
        try:
            number = int(str(raw))
        except (TypeError, ValueError):
            number = -1
        if not 1 <= number <= 100_000:
            raise ServiceError("invalid_number", _("Enter a whole number from 1 to 100000."), field=name)
        cleaned[name] = number
    request = SalesRequest.objects.create(workspace=workspace, requested_by=user,
                                          language=getattr(user, "language", "") or "en", **cleaned)
    audit.record(code="sales_request.created", action="create", actor=user, workspace=workspace, obj=request,
                 data={"topic": topic})
    mail.send_templated_email(to=settings.PRAXIS_SUPPORT_EMAIL, template="support_sales_request", language="en",
                              context={"request": request, "path": f"/console/sales/{request.pk}/"})
    return request


@service_transaction
def sales_request_update(*, operator, request_id: int, status: str, note: str) -> SalesRequest:
    _require_operator(operator)
    request = SalesRequest.objects.select_for_update(of=("self",)).filter(pk=request_id).first()
    if request is None:
        raise NotFound("not_found", _("Not found."))
    if status not in SalesRequest.Status.values:
        raise ServiceError("invalid_status", _("Choose a status."), field="status")
    note = _text(note, field="operator_note", limit=MAX_BODY, required=False, multiline=True)
    data = {"from": request.status, "to": status}
    request.status, request.operator_note, request.updated_at = status, note, clock.now()
    request.save(update_fields=["status", "operator_note", "updated_at"])
    audit.record(code="sales_request.updated", action="update", actor=operator, workspace=request.workspace,
                 obj=request, role="operator", data=data)
    return request
