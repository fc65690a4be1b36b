"""The support portal (SPEC §10): tickets a practice files to the operator, their threads, followers,
attachments, and contact-sales requests.

Invariants:
- A ticket belongs to exactly one workspace; every row that hangs off it (message, attachment, watcher)
  carries that workspace too and has a scoped manager (STYLE 1). The operator console reads across
  workspaces with scopes disabled — only ticket rows, never a workspace's client data (R-SUP-5).
- `status` moves only through `praxis.support.services` (R-SUP-2); `resolved_at` is set when it becomes
  resolved and cleared when the customer reopens it; a resolved ticket closes by itself 14 days later.
- An internal message (`internal=True`) is written by an operator and never reaches the customer: the
  customer-side selectors, the API and every e-mail leave it out (R-SUP-5).
- A watcher is an active member of the ticket's workspace, at most once per ticket (R-SUP-6).
- Categories are the operator's list, one per deployment, each with its name in the four languages;
  retired ones stay on the tickets that carry them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from praxis.core import clock
from praxis.workspaces.models import Membership, Workspace


class Category(models.Model):
    """A main category of tickets (R-SUP-1), managed by the operator; names in every language."""

    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_nl = models.CharField(_("name (Dutch)"), max_length=80)
    name_fr = models.CharField(_("name (French)"), max_length=80)
    name_de = models.CharField(_("name (German)"), max_length=80)
    hint = models.CharField(_("examples (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (English when it has none)."""
        language = (get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name_en


class Ticket(models.Model):
    """A question, improvement or bug report of a member to the operator (R-SUP-1, R-SUP-2)."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        IMPROVEMENT = "improvement", _("Improvement")
        BUG = "bug", _("Bug report")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.AWAITING_CUSTOMER)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tickets")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tickets",
                                 verbose_name=_("main category"))
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    steps = models.TextField(_("steps to reproduce"), blank=True)
    page_url = models.CharField(_("page it happened on"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    # Whether the status is one of OPEN_STATUSES, stored (and checked by a constraint) so the open queues
    # are read from a plain (workspace, is_open, updated_at) index on both databases: SQLite cannot use a
    # partial index on `status IN (…)` when the values are bound parameters.
    is_open = models.BooleanField(default=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="support_tickets")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_tickets", verbose_name=_("assigned to"))
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)  # the thread's last public activity
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # A workspace's lists (open first, newest first) and the operator's queue across workspaces.
            models.Index(fields=["workspace", "status", "-updated_at", "-id"], name="ticket_ws_status_recent"),
            models.Index(fields=["workspace", "created_by", "-updated_at", "-id"], name="ticket_ws_author_recent"),
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_recent"),
            models.Index(fields=["-updated_at", "-id"], name="ticket_recent"),
            # The open queues (new, in progress, awaiting customer) — a workspace's and the operator's — are
            # read newest first from these directly: among 100 000 tickets, mostly closed, a page of the
            # open ones is the first rows of an index, not a sort of every open ticket.
            models.Index(fields=["workspace", "is_open", "-updated_at", "-id"], name="ticket_ws_open_recent"),
            models.Index(fields=["is_open", "-updated_at", "-id"], name="ticket_open_recent"),
        ]
        constraints = [models.CheckConstraint(
            condition=models.Q(is_open=True, status__in=["new", "in_progress", "awaiting_customer"])
            | models.Q(is_open=False, status__in=["resolved", "closed"]), name="ticket_is_open_is_its_status")]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        """How people name the ticket in a mail or on the phone."""
        return f"T-{self.pk:06d}"

    @property
    def customer_status_label(self) -> str:
        """The status as the practice reads it: "awaiting customer" is *their* answer awaited."""
        if self.status == self.Status.AWAITING_CUSTOMER:
            return str(_("Awaiting your answer"))
        return self.get_status_display()


class Message(models.Model):
    """One message of a ticket's thread; `internal` ones are operator notes the customer never sees."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_operator = models.BooleanField(default=False)
    internal = models.BooleanField(default=False)
    body = models.TextField()
    via_email = models.BooleanField(default=False)
    # The Message-ID of a reply by e-mail: a mail service that posts the same mail twice files it once.
    email_id = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_message_thread")]
        constraints = [models.CheckConstraint(condition=~models.Q(internal=True, from_operator=False),
                                              name="ticket_message_internal_is_operator"),
                       models.UniqueConstraint(fields=["ticket", "email_id"], condition=~models.Q(email_id=""),
                                               name="ticket_message_email_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """A server-generated name: the uploaded name is kept only as `original_name` (never a path)."""
    import secrets

    return f"support/{instance.workspace_id}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """A file on a ticket or one of its messages; its type decided by its content (`core.uploads`)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Watcher(models.Model):
    """A colleague following a ticket: they get its e-mails and see it (R-SUP-6)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="watchers")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="watched_tickets")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "membership"], name="ticket_watcher_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.membership_id}"


class CannedReply(models.Model):
    """A reply the operator's staff use often; not tenant data (one list per deployment)."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title


class SalesRequest(models.Model):
    """A contact-sales request (R-SUP-9, R-WS-6): a team of 10+ or central billing across workspaces.
    Its own kind of request in the operator console, with its own status."""

    class Topic(models.TextChoices):
        LARGE_TEAM = "large_team", _("A team of 10 or more")
        CENTRAL_BILLING = "central_billing", _("Central billing across several workspaces")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        PROPOSAL = "proposal", _("Proposal sent")
        WON = "won", _("Agreed")
        LOST = "lost", _("Not pursued")

    # Not a tenant row: it comes from a workspace, but belongs to the operator's sales pipeline.
    workspace = models.ForeignKey(Workspace, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    topic = models.CharField(_("what it is about"), max_length=20, choices=Topic.choices)
    organisation = models.CharField(_("organisation"), max_length=200)
    contact_name = models.CharField(_("your name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    team_size = models.PositiveIntegerField(_("number of people"), null=True, blank=True)
    workspaces = models.PositiveIntegerField(_("number of workspaces"), null=True, blank=True)
    message = models.TextField(_("message"))
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    # Whether the status is one of OPEN_STATUSES, stored (and checked by a constraint) so the open queues
    # are read from a plain (workspace, is_open, updated_at) index on both databases: SQLite cannot use a
    # partial index on `status IN (…)` when the values are bound parameters.
    is_open = models.BooleanField(default=True, editable=False)
    operator_note = models.TextField(_("internal note"), blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="sales_request_queue")]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_topic_display()})"
