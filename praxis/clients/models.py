"""Client records (SPEC §7). Every row carries its workspace and has a scoped manager (STYLE 1).

Invariants:
- A client belongs to exactly one workspace; nothing of a client is ever deleted by cancelling (R-MEM-4).
- `email` is stored lower-cased and stripped; `phone` in E.164 (R-CLI-1), both normalised by the services.
- `custom` holds the custom-field values, keyed by `CustomField.key` (R-CLI-2, NetBox's one-JSON-column
  approach); values are validated by `praxis.clients.fields` on every write path.
- `search_text` is the normalised (unaccented, lower-cased) text the search index covers; every write path
  refreshes it through `praxis.clients.search.search_text_for` (R-CLI-8).
- A relationship never crosses workspaces: both ends are of the relationship's workspace (checked by the
  service; the workspace key is on every row so constraints and indexes include it).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from praxis.core import clock
from praxis.core.lifecycle import Cancellable
from praxis.core.lookups import TenantKeyExact
from praxis.workspaces.models import Membership, Workspace


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NON_BINARY = "non_binary", _("Non-binary")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Prefer not to say")


class Tag(models.Model):
    """A label a practice puts on clients ("waiting list", "group therapy"); unique per workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="client_tags")
    name = models.CharField(_("name"), max_length=60)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="client_tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Client(Cancellable):
    """A person receiving care, in one workspace (R-CLI-1)."""

    # Indexed with the status (`client_workspace_status`), not alone: see Meta.indexes.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="clients", db_index=False)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    preferred_name = models.CharField(_("preferred name"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    national_id = models.CharField(_("national identifier"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    clinicians = models.ManyToManyField(Membership, blank=True, related_name="assigned_clients",
                                        verbose_name=_("assigned clinicians"))
    tags: models.ManyToManyField[Tag, models.Model] = models.ManyToManyField(Tag, blank=True, related_name="clients", verbose_name=_("tags"))
    custom = models.JSONField(default=dict, blank=True)
    # The portal login of this client (R-CLI-11), set when they accept their portal invitation.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="client_records")
    search_text = models.TextField(default="", blank=True, editable=False)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # The list: one workspace, one status, in name order, stable by id (keyset pagination).
            models.Index(fields=["workspace", "status", "last_name", "first_name", "id"],
                         name="client_list_order"),
            # The list's two counts (active, cancelled): an index-only range scan of this small index — at
            # 100 000 clients 5 ms on PostgreSQL, where the workspace's own index and the heap took 12–18.
            # It is also the foreign key's index (the workspace first), in place of Django's default one.
            models.Index(fields=["workspace", "status"], name="client_workspace_status"),
            models.Index(fields=["workspace", "email"], name="client_email"),
            models.Index(fields=["workspace", "date_of_birth"], name="client_dob"),
        ]
        constraints = [
            # One portal login per client record in a workspace.
            models.UniqueConstraint(fields=["workspace", "user"], condition=Q(user__isnull=False),
                                    name="client_one_record_per_user"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        """The name a practice calls the client by: the preferred name when there is one."""
        if self.preferred_name and self.preferred_name != self.first_name:
            return f"{self.preferred_name} ({self.first_name}) {self.last_name}"
        return self.full_name

    def age(self, on) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class BuiltinSection(models.TextChoices):
    """The record's fixed sections of personal details; custom fields may be added to them too."""

    PERSONAL = "personal", _("Personal details")
    CONTACT = "contact", _("Contact details")
    ADDRESS = "address", _("Address")
    CARE = "care", _("Care team")


class CustomSection(models.Model):
    """A section of custom fields on the client record, ordered by `position` (R-CLI-2)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="client_sections")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", pgettext_lazy("type of a custom field", "Number")  # not "Number" as in an id
    DATE = "date", _("Date")
    SINGLE_SELECT = "single_select", _("Single select")
    MULTI_SELECT = "multi_select", _("Multi select")
    CHECKBOX = "checkbox", _("Checkbox")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")


class CustomField(models.Model):
    """One custom client field of a workspace (R-CLI-2).

    Invariants: `key` is stable for the field's life (values in `Client.custom` are keyed by it) and
    unique per workspace; the field sits either in a custom section or in a built-in one, never both;
    retiring keeps every value (restoring the field shows them again); `choices` only for select types.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="client_fields")
    key = models.SlugField(max_length=64)
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=16, choices=FieldType.choices)
    section = models.ForeignKey(CustomSection, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="fields")
    builtin_section = models.CharField(max_length=16, choices=BuiltinSection.choices, blank=True)
    required = models.BooleanField(_("required"), default=False)
    sensitive = models.BooleanField(_("sensitive"), default=False)
    choices = models.JSONField(default=list, blank=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="custom_field_unique_key"),
            models.CheckConstraint(
                condition=(Q(section__isnull=False) & Q(builtin_section=""))
                | (Q(section__isnull=True) & ~Q(builtin_section="")),
                name="custom_field_one_section",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


# The workspace is compared as a bigint on PostgreSQL, so the search index over (workspace, trigrams) is
# used whole (see `praxis.core.lookups`).
Client._meta.get_field("workspace").register_lookup(TenantKeyExact)


class Contact(models.Model):
    """An external person linked to clients: a GP, a teacher, a grandparent (R-CLI-4)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="client_contacts")
    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RelationshipType(models.TextChoices):
    """R-CLI-4. Stored from the client's point of view: "parent" means the other one is the client's
    parent. `praxis.clients.relationships.RECIPROCAL` names what the other side sees."""

    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    PARTNER = "partner", _("Partner")
    SIBLING = "sibling", _("Sibling")
    GUARDIAN = "guardian", _("Guardian")
    WARD = "ward", _("Ward")
    EMERGENCY_CONTACT = "emergency_contact", _("Emergency contact")
    REFERRING_PROFESSIONAL = "referring_professional", _("Referring professional")
    OTHER = "other", pgettext_lazy("type of a relationship", "Other")  # not the gender "Other"


class Relationship(models.Model):
    """A link from a client to another client or to an external contact, with grants (R-CLI-4).

    Invariants: exactly one of `other_client` / `contact` is set; never the client itself; both ends in
    the relationship's workspace; one relationship per (client, other end). A relationship between two
    clients is one row, shown on both records — the other side reads the reciprocal type.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="client_relationships")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="relationships")
    other_client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="reverse_relationships")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="relationships")
    kind = models.CharField(_("type"), max_length=32, choices=RelationshipType.choices)
    label = models.CharField(_("description"), max_length=100, blank=True)  # for "other"
    emergency_contact = models.BooleanField(_("emergency contact"), default=False)
    receives_information = models.BooleanField(_("may receive information"), default=False)
    responsible_for_billing = models.BooleanField(_("responsible for billing"), default=False)
    portal_access = models.BooleanField(_("portal access on the client's behalf"), default=False)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(other_client__isnull=False) & Q(contact__isnull=True))
                | (Q(other_client__isnull=True) & Q(contact__isnull=False)),
                name="relationship_one_other_end",
            ),
            models.CheckConstraint(condition=~Q(other_client=models.F("client")),
                                   name="relationship_not_self"),
            models.UniqueConstraint(fields=["client", "other_client"], condition=Q(other_client__isnull=False),
                                    name="relationship_unique_client"),
            models.UniqueConstraint(fields=["client", "contact"], condition=Q(contact__isnull=False),
                                    name="relationship_unique_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.kind}"


class ImportJob(models.Model):
    """One client import (R-CLI-9): the uploaded file, the mapping, the dry-run report and the progress the
    page polls. The commit is one transaction; this row is written outside it so progress is visible."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKED = "checked", _("Checked")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="client_imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    file = models.FileField(upload_to="imports/")
    filename = models.CharField(max_length=255)
    mapping = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The last progress write of a running import (PostgreSQL; on SQLite the progress side file's time):
    # a job that stays `running` with no sign of life for `IMPORT_STALE_AFTER` lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class ClientInvitation(models.Model):
    """An invitation to the client portal (R-CLI-11), the clients' twin of `workspaces.Invitation`.

    It reuses that machinery's guarantees: a random single-use token of which only the SHA-256 is stored
    (`praxis.core.tokens`), the same lifetime (`INVITATION_LIFETIME_DAYS`), acceptance claimed by a
    conditional UPDATE (`pending` → `accepted`) so two acceptances cannot both win. Accepting never makes
    a staff membership: it sets `Client.user` — or, for an invitation `on_behalf` of the client sent to a
    relationship with `portal_access` (a parent), records `accepted_by` as that person's portal grant,
    which lasts as long as the relationship keeps `portal_access` and the client stays active.

    Invariants: one pending invitation per (client, e-mail) — a database constraint; `relationship` is
    set exactly when `on_behalf` is (it becomes empty if the relationship is removed, which ends the
    grant); the row is kept after acceptance or revocation (R-MEM-4).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="client_invitations")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="portal_invitations")
    on_behalf = models.BooleanField(default=False)
    relationship = models.ForeignKey(Relationship, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="portal_invitations")
    email = models.EmailField()
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="client_portal_grants")
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint("client", Lower("email"), condition=Q(status="pending"),
                                    name="client_invitation_one_pending"),
        ]
        indexes = [models.Index(fields=["accepted_by", "status"], name="client_invitation_grants")]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"

    def is_expired(self, at) -> bool:
        return at >= self.expires_at
