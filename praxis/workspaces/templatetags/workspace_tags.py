"""Template helpers for workspace pages.

Templates cannot call `Access.can(capability)` with an argument, so `{% if current_access|can:"x" %}`
does it. An absent access (a page outside any workspace) can nothing.
"""

from django import template

from praxis.workspaces.roles import Role
from praxis.workspaces.roles import account_type_label as _account_type_label

register = template.Library()


@register.filter
def can(access, capability: str) -> bool:
    return bool(access) and access.can(capability)


@register.filter
def role_label(value: str) -> str:
    """The translated name of a stored role value (`"clinician"` → "Clinician"); other text unchanged."""
    return str(Role(value).label) if value in Role.values else value


@register.filter
def account_type_label(value: str) -> str:
    """The translated name of a stored account type (`"pro"` → "Pro")."""
    return _account_type_label(value)
