"""What the kernel needs from billing, as an explicit port (issue 6 point 9, STYLE "Layout": `core` and
`workspaces` never import a domain app).

Workspaces keeps licences (who holds which account type, who pays); billing owns what that costs and
the seat ledger. Instead of importing `praxis.billing` — even inside a function — workspaces calls the
`Billing` protocol below. The billing app provides it and registers it in its `AppConfig.ready()`
(`praxis.billing.apps`), so the dependency points from billing to the kernel only. Calling the port
before anything registered is a programming error and says so (`BillingNotRegistered`).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class SelfPaidEnding:
    """What ending a user's own subscription today credits to their personal balance (R-BIL-7)."""

    account_type: str
    credit_cents: int
    currency: str
    credit: str = ""  # `credit_cents` formatted for people (`€ 29.50`), filled in by billing


@dataclass(frozen=True)
class SeatPrice:
    """One paid account type and its formatted price per cycle, for pages outside billing."""

    account_type: str
    label: str
    price: str


@runtime_checkable
class Billing(Protocol):
    """Everything workspaces asks billing (the whole list; add here rather than importing billing)."""

    def is_paid(self, *, account_type: str) -> bool:
        """Whether the catalogue charges for the account type (the one notion of "paid", point 8)."""
        ...

    def seat_start(self, *, workspace, user, account_type: str, day: dt.date, reason: str, actor) -> None:
        """A paid seat of `user` starts on `day` in `workspace`'s ledger (R-BIL-6, R-BIL-7)."""
        ...

    def seat_end(self, *, workspace, user, account_type: str, day: dt.date, reason: str, actor) -> None:
        """`user`'s paid seat in `workspace` ends on `day`; the unused rest becomes credit (R-BIL-10)."""
        ...

    def seat_prices(self, *, interval: str) -> list[SeatPrice]:
        """The paid account types with their price for a billing interval (R-BIL-14, the invite form)."""
        ...

    def self_paid_ending(self, *, user) -> SelfPaidEnding | None:
        """`None` unless `user` pays their own subscription; else what ending it today credits them (the
        same figure the accept page shows and the seat ledger credits, issue 6 point 4)."""
        ...


class BillingNotRegistered(RuntimeError):
    """Raised when the kernel needs billing and no app registered the port."""


_billing: Billing | None = None


def register_billing(provider: Billing) -> None:
    """Called once by `praxis.billing.apps.BillingConfig.ready()`; a second call replaces the first
    (tests may register a fake)."""
    global _billing
    if not isinstance(provider, Billing):
        raise TypeError(f"{provider!r} does not implement praxis.workspaces.ports.Billing")
    _billing = provider


def billing() -> Billing:
    if _billing is None:
        raise BillingNotRegistered(
            "No billing provider is registered: add 'praxis.billing' to INSTALLED_APPS (its AppConfig.ready() "
            "calls praxis.workspaces.ports.register_billing), or register one in the test."
        )
    return _billing


def self_paid_ending(*, user) -> SelfPaidEnding | None:
    """Shorthand for `billing().self_paid_ending(user=user)` (the accept page and the acceptance)."""
    return billing().self_paid_ending(user=user)


# --- client portals (R-CLI-11) ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PortalEntry:
    """A workspace where a user is a client (or acts for one): one more entry of the workspace switcher."""

    workspace_slug: str
    name: str
    url: str


@runtime_checkable
class Portals(Protocol):
    """What the kernel asks the clients app: where a user has a client portal. The kernel never imports
    `praxis.clients`; the clients app registers this in its `AppConfig.ready()`."""

    def portals_of(self, *, user) -> list[PortalEntry]:
        """The portals `user` may open, by workspace name. Asked on every page: a lookup or two, compiled once."""
        ...


class _NoPortals:
    """Until an app registers portals (a deployment without the clients app) nobody has one."""

    def portals_of(self, *, user) -> list[PortalEntry]:
        return []


_portals: Portals = _NoPortals()


def register_portals(provider: Portals) -> None:
    """Called by `praxis.clients.apps.ClientsConfig.ready()`."""
    global _portals
    if not isinstance(provider, Portals):
        raise TypeError(f"{provider!r} does not implement praxis.workspaces.ports.Portals")
    _portals = provider


def portals() -> Portals:
    return _portals


# --- what awaits a member on their home page (R-SUP-4) ----------------------------------------------------

@dataclass(frozen=True)
class HomePanel:
    """One panel of a member's home page, supplied by a domain app: a template and its context."""

    order: int  # lower first: what needs the member's answer comes before history
    template: str
    context: dict


class HomePanels(Protocol):
    def panels_for(self, *, access) -> list[HomePanel]: ...


_home_panels: list[HomePanels] = []


def register_home_panels(provider: HomePanels) -> None:
    """A domain app (support; notes and intake forms later) adds what awaits a member at home."""
    if provider not in _home_panels:
        _home_panels.append(provider)


def home_panels(*, access) -> list[HomePanel]:
    panels = [panel for provider in _home_panels for panel in provider.panels_for(access=access)]
    return sorted(panels, key=lambda panel: panel.order)
