"""Workspaces (tenants), their members, invitations and the licences users hold.

Every tenant-owned row carries a `workspace` foreign key and uses a django-scopes manager, so a query
outside `scope(workspace=...)` fails loudly instead of leaking another practice's rows.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from praxis.core import clock
from praxis.core.lifecycle import Cancellable, LifecycleStatus

from .roles import AccountType, Role


class Tier(models.TextChoices):
    TEAM = "team", _("Team (central billing)")
    # Issue 6 point 16: a context of its own, so German can say "Gemeinschaftspraxis" — not "Praxis", which
    # is the product's name.
    PRACTICE = "practice", pgettext_lazy(
        "workspace tier: a group practice that shares billing and work; never the product name Praxis",
        "Practice (billing and collaboration)")


class BillingInterval(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")


class Workspace(models.Model):
    """A practice, team or organisation: the tenant.

    Invariants: exactly one active owner membership (R-WS-5, enforced by a partial unique constraint on
    Membership plus the ownership-transfer service); `billing_anchor` never changes once set (R-BIL-2).
    """

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.TEAM)
    is_personal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Organisation details (R-WS-4)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    registration_number = models.CharField(_("chamber of commerce / registration number"), max_length=64, blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=32, blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    country = models.CharField(_("country"), max_length=2, default="NL")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Amsterdam")
    language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES, default="nl")
    # R-ACC-1: members without a second factor are sent to set one up before they can open the workspace.
    require_two_factor = models.BooleanField(_("require two-step verification"), default=False)
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)

    # Billing (acted on by the billing app)
    currency = models.CharField(max_length=3, default="EUR")
    billing_interval = models.CharField(
        max_length=16, choices=BillingInterval.choices, default=BillingInterval.MONTHLY
    )
    billing_anchor = models.DateField(null=True, blank=True)
    trial_ends_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name

    def trial_running(self, at: dt.datetime) -> bool:
        """A `practice` workspace's own trial (R-BIL-9) is still on at `at`."""
        return self.trial_ends_at is not None and self.trial_ends_at > at


class Membership(Cancellable):
    """A person's staff membership in a workspace, with one role.

    `user` is empty for a login-less contact person (R-INV-6), who then has a name of their own. The
    invitation's billing choices are recorded here so billing can act on them (R-BIL-7). Cancelling keeps
    the row (R-MEM-4); one membership per (workspace, user).
    """

    class PayTiming(models.TextChoices):
        NOW = "now", _("Pay now")
        AFTER_TRIAL = "after_trial", _("Pay after trial")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    grants = models.JSONField(default=list, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    gender = models.CharField(_("gender"), max_length=16, blank=True)
    account_type = models.CharField(max_length=16, choices=AccountType.choices, default=AccountType.FREE)
    pay_for_user = models.BooleanField(default=False)
    pay_timing = models.CharField(max_length=16, choices=PayTiming.choices, default=PayTiming.NOW)
    joined_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_one_per_user"),
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(role="owner") & Q(status=LifecycleStatus.ACTIVE),
                name="membership_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "status", "role"])]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_contact_person(self) -> bool:
        return self.user_id is None


class Invitation(models.Model):
    """An invitation to join a workspace (SPEC §5).

    The token is random and only its SHA-256 is stored (R-INV-2); one pending invitation per
    (workspace, e-mail) is a database constraint. A batch of invitations shares `batch`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    account_type = models.CharField(max_length=16, choices=AccountType.choices)
    pay_for_user = models.BooleanField(default=False)
    pay_timing = models.CharField(max_length=16, choices=Membership.PayTiming.choices, default="now")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    batch = models.UUIDField()
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Set when the invitation gives portal access to an existing login-less contact person (R-INV-6).
    contact = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(workspace="workspace")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace", Lower("email"), condition=Q(status="pending"), name="invitation_one_pending"
            )
        ]

    def __str__(self):
        return f"{self.email} ({self.status})"

    def is_expired(self, at: dt.datetime) -> bool:
        return at >= self.expires_at


class Licence(models.Model):
    """The account type a user holds and who pays for it (SPEC §1, R-WS-3).

    Invariant: at most one current (not ended) licence per user — a partial unique constraint. The payer
    is the user themself (`payer_workspace` empty) or exactly one workspace.
    """

    class Status(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="licences")
    account_type = models.CharField(max_length=16, choices=AccountType.choices)
    payer_workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.PROTECT, related_name="paid_licences"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(default=clock.now)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=~Q(status="ended"), name="licence_one_current")
        ]

    def __str__(self):
        return f"{self.user_id}:{self.account_type}:{self.status}"

    def trial_running(self, at: dt.datetime) -> bool:
        """The one definition of "in a trial" (issue 6 point 8): a trialing licence whose trial has not
        ended by `at`. A trial that ran out is over whether or not anything was paid for afterwards."""
        return (self.status == self.Status.TRIALING and self.trial_ends_at is not None
                and self.trial_ends_at > at)

    def in_force(self, at: dt.datetime) -> bool:
        """Not ended (an ended licence, or one whose `ends_at` has passed, grants nothing)."""
        return self.status != self.Status.ENDED and (self.ends_at is None or self.ends_at > at)
