"""Template helpers for workspace pages.

Templates cannot call `Access.can(capability)` with an argument, so `{% if current_access|can:"x" %}`
does it. An absent access (a page outside any workspace) can nothing.
"""

from django import template
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import gettext as _

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


@register.simple_tag
def account_standing(standing) -> str:
    """One rendering of a person's account type (issue 6 point 5): the members list and the billing tab
    show a `licences.Standing` with this — the account type, "(trial until …)" while a trial runs, or
    "no login". A tag, not an included template: it is rendered for every row of a list of 100."""
    if not standing.has_login:
        return format_html('<span class="muted">{}</span>', _("no login"))
    if standing.trial_until is None:
        return conditional_escape(standing.label)
    until = date_format(template_localtime(standing.trial_until), "DATE_FORMAT")
    return format_html('{} <span class="muted">{}</span>', standing.label,
                       _("(trial until %(date)s)") % {"date": until})
