"""Signing up: a new person gets a user, a personal workspace and a 14-day `pro` trial (R-BIL-9) — or,
for a practice manager, a free non-clinical `support` account (R-ROLE-2, issue 6 point 6).

`user_sign_up` is the one orchestrator of that (issue 6 point 9): accounts creates only the user
(`accounts.services.user_create`) and reaches this through its port (`praxis.accounts.ports.Host`),
which `WorkspacesHost` implements; invitations, the demo and tests call it directly.
"""

from praxis.accounts.models import User
from praxis.accounts.services import check_sign_up_type, user_create
from praxis.core.transactions import service_transaction

from . import licences, ports
from .access import user_workspaces
from .services import workspace_create


@service_transaction
def user_sign_up(*, email: str, password: str | None, first_name: str = "", last_name: str = "",
                 language: str | None = None, referred_by: User | None = None,
                 account_type: str = "pro") -> User:
    """Create a user with a personal workspace and their first licence; all or nothing."""
    account_type = check_sign_up_type(account_type)
    user = user_create(email=email, password=password, first_name=first_name, last_name=last_name,
                       language=language, referred_by=referred_by)
    licences.licence_start(user=user, account_type=account_type)
    workspace_create(actor=user, name=user.display_name, tier="team", personal=True)
    return user


class WorkspacesHost:
    """Implements `praxis.accounts.ports.Host`: what accounts asks of the layers above it."""

    def sign_up(self, *, email: str, password: str | None, first_name: str, last_name: str,
                language: str | None, referred_by: User | None, account_type: str = "pro") -> User:
        return user_sign_up(email=email, password=password, first_name=first_name, last_name=last_name,
                            language=language, referred_by=referred_by, account_type=account_type)

    def sign_up_account_types(self) -> frozenset[str]:
        return frozenset(licences.SIGN_UP_ACCOUNT_TYPES)

    def account_type(self, *, user: User) -> str:
        return licences.effective_account_type(user)

    def is_paid(self, *, account_type: str) -> bool:
        return ports.billing().is_paid(account_type=account_type)

    def workspaces_of(self, *, user: User) -> list:
        return user_workspaces(user)
