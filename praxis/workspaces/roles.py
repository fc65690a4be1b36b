"""Roles are ordered bundles of capability strings (SPEC §3); code checks capabilities, never roles.

`capabilities_for()` is the single place that turns a membership into what it may do: the role's bundle,
plus extra grants that are valid (R-ROLE-1), minus clinical capabilities for `support` accounts
(R-ROLE-2). It runs on every request, so a change takes effect on the member's next request (R-ROLE-6).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Ordered from most to least powerful.
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    ASSISTANT = "assistant", _("Assistant")
    CLINICIAN = "clinician", _("Clinician")
    STAFF = "staff", _("Staff")


class AccountType(models.TextChoices):
    FREE = "free", _("Free")
    ESSENTIALS = "essentials", _("Essentials")
    PRO = "pro", _("Pro")
    SUPPORT = "support", _("Support")


# Which account types cost money is the catalogue's answer (`praxis.billing.catalogue`, `Plan.is_paid`),
# asked through `praxis.workspaces.ports.billing().is_paid()` (issue 6 point 8); there is no list here.


_ACCOUNT_TYPE_LABELS = {member.value: member.label for member in AccountType}  # lazy: translated when shown


def account_type_label(code: str) -> str:
    """The translated name of an account type; an unknown code is shown as it is. (Read for every row of
    the members list: a dict, not `AccountType.values`, which builds its list on every call.)"""
    label = _ACCOUNT_TYPE_LABELS.get(code)
    return str(label) if label is not None else code


MEMBERS_VIEW = "members.view"
MEMBERS_MANAGE = "members.manage"
BILLING_VIEW = "billing.view"
BILLING_MANAGE = "billing.manage"
WORKSPACE_EDIT = "workspace.edit"
TEMPLATES_USE = "templates.use"
TEMPLATES_MANAGE = "templates.manage"
CLIENTS_VIEW = "clients.view"
CLIENTS_MANAGE = "clients.manage"
CLIENTS_SENSITIVE = "clients.sensitive"
NOTES_WRITE = "notes.write"
APPOINTMENTS_MANAGE = "appointments.manage"
CLIENT_INVOICES_MANAGE = "client_invoices.manage"
TICKETS_CREATE = "tickets.create"
TICKETS_VIEW_OWN = "tickets.view_own"
TICKETS_VIEW_ALL = "tickets.view_all"
AUDIT_VIEW = "audit.view"

ALL_CAPABILITIES = (
    MEMBERS_VIEW, MEMBERS_MANAGE, BILLING_VIEW, BILLING_MANAGE, WORKSPACE_EDIT, TEMPLATES_USE,
    TEMPLATES_MANAGE, CLIENTS_VIEW, CLIENTS_MANAGE, CLIENTS_SENSITIVE, NOTES_WRITE, APPOINTMENTS_MANAGE,
    CLIENT_INVOICES_MANAGE, TICKETS_CREATE, TICKETS_VIEW_OWN, TICKETS_VIEW_ALL, AUDIT_VIEW,
)  # fmt: skip

_EVERYONE = {MEMBERS_VIEW, TEMPLATES_USE, CLIENTS_VIEW, TICKETS_CREATE, TICKETS_VIEW_OWN}
_CLINICAL = {CLIENTS_SENSITIVE, NOTES_WRITE}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(ALL_CAPABILITIES),
    Role.ADMIN: frozenset(ALL_CAPABILITIES),
    Role.ASSISTANT: frozenset(
        _EVERYONE | {MEMBERS_MANAGE, CLIENTS_MANAGE, APPOINTMENTS_MANAGE, CLIENT_INVOICES_MANAGE}
    ),
    Role.CLINICIAN: frozenset(_EVERYONE | {CLIENTS_MANAGE, CLIENTS_SENSITIVE, NOTES_WRITE, APPOINTMENTS_MANAGE}),
    Role.STAFF: frozenset(_EVERYONE),
}

# Extra capabilities an admin may grant, each with the capability it requires (R-ROLE-1).
GRANTABLE: dict[str, str] = {TICKETS_VIEW_ALL: TICKETS_CREATE}

CAPABILITY_LABELS = {
    MEMBERS_VIEW: _("See all members"),
    MEMBERS_MANAGE: _("Manage members"),
    BILLING_VIEW: _("See billing"),
    BILLING_MANAGE: _("Manage billing"),
    WORKSPACE_EDIT: _("Edit the organisation"),
    TEMPLATES_USE: _("Use templates"),
    TEMPLATES_MANAGE: _("Manage templates"),
    CLIENTS_VIEW: _("See clients"),
    CLIENTS_MANAGE: _("Manage clients"),
    CLIENTS_SENSITIVE: _("See sensitive client data"),
    NOTES_WRITE: _("Write notes"),
    APPOINTMENTS_MANAGE: _("Manage appointments"),
    CLIENT_INVOICES_MANAGE: _("Manage client invoices"),
    TICKETS_CREATE: _("File support tickets"),
    TICKETS_VIEW_OWN: _("See own tickets"),
    TICKETS_VIEW_ALL: _("See every ticket of the workspace"),
    AUDIT_VIEW: _("See the audit log"),
}


def capabilities_for(*, role: str, grants: list[str] | tuple[str, ...], account_type: str) -> frozenset[str]:
    caps = set(ROLE_CAPABILITIES[role])
    for grant in grants:
        required = GRANTABLE.get(grant)
        if required is not None and required in caps:
            caps.add(grant)
    if account_type == AccountType.SUPPORT:
        caps -= _CLINICAL
    return frozenset(caps)
