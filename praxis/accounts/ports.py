"""What accounts needs from the layers above it, as an explicit port (issue 6 point 9).

`workspaces` depends on `accounts` (memberships point at users), so `accounts` must not import
`workspaces` back — not even inside a function. The few things accounts still needs from above are
listed in the `Host` protocol; the workspaces app provides them and registers them in its
`AppConfig.ready()` (`praxis.workspaces.apps`). What used to be imported, and where it went:

- creating the personal workspace and the first licence at sign-up → `Host.sign_up` (the
  `user_sign_up` orchestrator in `praxis.workspaces.signup`; `accounts.services.user_create` only
  creates the user), and which account types one may sign up for → `Host.sign_up_account_types`;
- the account type in force (`/me`, the referral panel) → `Host.account_type`, `Host.is_paid`;
- the workspaces a user belongs to (the API-token form) → `Host.workspaces_of`;
- referral codes (R-BIL-16) are fields of `User`, so `referrals.py` moved here from billing.
"""

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .models import User


@runtime_checkable
class Host(Protocol):
    def sign_up(self, *, email: str, password: str | None, first_name: str, last_name: str,
                language: str | None, referred_by: "User | None", account_type: str) -> "User":
        """Create a user the way sign-up does: user, personal workspace and the Pro trial (R-BIL-9) or a
        Support account (R-ROLE-2)."""
        ...

    def sign_up_account_types(self) -> frozenset[str]:
        """The account types a person may sign up for (issue 6 point 6)."""
        ...

    def account_type(self, *, user) -> str:
        """The account type in force for `user` (a lapsed trial counts as `free`)."""
        ...

    def is_paid(self, *, account_type: str) -> bool:
        """Whether the catalogue charges for `account_type` (issue 6 point 8)."""
        ...

    def workspaces_of(self, *, user) -> list:
        """The workspaces `user` is an active member of, personal first."""
        ...


class HostNotRegistered(RuntimeError):
    """Raised when accounts needs its host and none is registered."""


_host: Host | None = None


def register_host(provider: Host) -> None:
    """Called once by `praxis.workspaces.apps.WorkspacesConfig.ready()`."""
    global _host
    if not isinstance(provider, Host):
        raise TypeError(f"{provider!r} does not implement praxis.accounts.ports.Host")
    _host = provider


def host() -> Host:
    if _host is None:
        raise HostNotRegistered(
            "No accounts host is registered: add 'praxis.workspaces' to INSTALLED_APPS (its AppConfig.ready() "
            "calls praxis.accounts.ports.register_host), or register one in the test."
        )
    return _host
