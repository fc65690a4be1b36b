"""The client record's tabs: a registry that later apps plug into (issue 7: Documentation, Communication,
Billing and Overview come with the notes, scheduling and client-invoicing apps).

A tab is shown only when it is registered (no "coming soon" tabs) and the member may see it
(`policies.may_see_tab`: its capability, and `clients.sensitive` for a sensitive tab). A provider is a
function `(request, client) -> dict` returning the template context of the tab's panel; the template
renders the panel alone for htmx tab switches and inside the record page otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from praxis.workspaces.roles import AUDIT_VIEW, CLIENTS_VIEW

from . import policies

if TYPE_CHECKING:
    from praxis.workspaces.access import Access


@dataclass(frozen=True)
class Tab:
    key: str
    label: str | Promise
    template: str
    provider: Callable[..., dict[str, Any]]
    capability: str | None = CLIENTS_VIEW
    sensitive: bool = False
    order: int = 100


_REGISTRY: dict[str, Tab] = {}


def register(tab: Tab) -> None:
    """Add (or replace, for tests and reloads) a tab of the client record."""
    _REGISTRY[tab.key] = tab


def unregister(key: str) -> None:
    _REGISTRY.pop(key, None)


def tabs_for(access: Access) -> list[Tab]:
    """The tabs this member may open on a client record, in order."""
    return sorted((t for t in _REGISTRY.values()
                   if policies.may_see_tab(access, capability=t.capability, sensitive=t.sensitive)),
                  key=lambda t: (t.order, t.key))


def get(access: Access, key: str) -> Tab | None:
    return next((t for t in tabs_for(access) if t.key == key), None)


def register_builtin_tabs() -> None:
    # Imported here: the providers live with the views, which import this module.
    from .views import access, records, relationships

    register(Tab("personal", _("Personal"), "clients/tabs/personal.html", records.personal_tab, order=20))
    register(Tab("relationships", _("Relationships"), "clients/tabs/relationships.html",
                 relationships.relationships_tab, order=30))
    register(Tab("access", _("Access history"), "clients/tabs/access.html", access.access_tab,
                 capability=AUDIT_VIEW, order=90))


# --- the client portal's sections (R-CLI-11) ---------------------------------------------------------------
# Later apps add what a client sees of their own care — upcoming appointments, invoices, shared documents —
# as a section of the portal's record page, the way they add a tab to the record: a template and a provider
# `(client) -> dict` (its context, or None for nothing to show). The portal asks nothing else of them.


@dataclass(frozen=True)
class PortalSection:
    key: str
    template: str
    provider: Callable[..., dict[str, Any] | None]
    order: int = 100


_PORTAL_SECTIONS: dict[str, PortalSection] = {}


def register_portal_section(section: PortalSection) -> None:
    _PORTAL_SECTIONS[section.key] = section


def portal_sections(client) -> list[tuple[PortalSection, dict[str, Any]]]:
    """The sections the portal shows for this client, in order, each with its context."""
    shown = []
    for section in sorted(_PORTAL_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        context = section.provider(client)
        if context is not None:
            shown.append((section, context))
    return shown
