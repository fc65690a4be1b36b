"""People and teams for tests, made through the real services (issue 6 point 12).

- `join(owner, workspace, who, ...)`: `who` (an e-mail: a new person signs up now, in their own 14-day
  trial; or an existing user) is invited by `owner` and accepts, through `invitations_create` and
  `invitation_accept` — so tests start from states the services can actually produce.
- `workspace_with_team` (alias `team`): a `practice` with one member per role, each invited as `pro`.
- `make_user`, `password`: users made by `user_sign_up`, with `PASSWORD`.

This module is loaded as a pytest plugin by praxis/conftest.py, before Django's app registry is ready,
so the model and service imports are inside the functions (pytest's plugin loading order, not a cycle).
"""

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from django_scopes import scopes_disabled

from praxis.testing import PASSWORD

if TYPE_CHECKING:  # types only: the app registry is not ready when this plugin loads
    from praxis.accounts.models import User
    from praxis.workspaces.models import Membership, Workspace

TEAM_ROLES = ("admin", "assistant", "clinician", "staff")
TEAM_NAMES = {"admin": "Adam", "assistant": "Asha", "clinician": "Clara", "staff": "Stan"}

_email_numbers = itertools.count(1)


def join(owner, workspace, who, account_type: str = "pro", *, role: str = "clinician",
         pay_for_user: bool | None = None, first_name: str = "", password: str = PASSWORD, **options):
    """`owner` invites `who` (an e-mail or a user) to `workspace` with `role` and `account_type`, and
    they accept now; returns the membership. `pay_for_user=None` is the service's default (the
    workspace pays for paid account types); `options` go to `invitations_create` (e.g. `pay_timing`)."""
    from django_scopes import scope

    from praxis.workspaces import invitations
    from praxis.workspaces.access import resolve_access
    from praxis.workspaces.signup import user_sign_up

    email = who if isinstance(who, str) else who.email
    with scope(workspace=workspace):
        [(_invitation, token)] = invitations.invitations_create(
            access=resolve_access(owner, workspace.slug), emails=[email], role=role, account_type=account_type,
            pay_for_user=pay_for_user, **options)
    user = user_sign_up(email=email, password=password, first_name=first_name) if isinstance(who, str) else who
    return invitations.invitation_accept(token=token, user=user)


@dataclass
class Team:
    """A workspace with one member per role; `users[role]` / `members[role]` by role name."""

    workspace: "Workspace"
    users: "dict[str, User]" = field(default_factory=dict)
    members: "dict[str, Membership]" = field(default_factory=dict)
    invoice: Any = None  # a billing.Invoice some billing tests attach (this kernel helper does not import billing)

    @property
    def owner(self):
        return self.users["owner"]

    @property
    def admin(self):
        return self.users["admin"]

    @property
    def assistant(self):
        return self.users["assistant"]

    @property
    def clinician(self):
        return self.users["clinician"]

    @property
    def staff(self):
        return self.users["staff"]

    def access(self, role_or_user):
        """A freshly resolved `Access` (as a request would get it) for a role name or a user."""
        from praxis.workspaces.access import resolve_access

        user = self.users[role_or_user] if isinstance(role_or_user, str) else role_or_user
        return resolve_access(user, self.workspace.slug)

    def member(self, role: str):
        """The membership of `role`, re-read from the database."""
        from django_scopes import scopes_disabled

        from praxis.workspaces.models import Membership

        with scopes_disabled():
            return Membership.objects.select_related("user").get(pk=self.members[role].pk)

    def reload_members(self) -> None:
        from django_scopes import scopes_disabled

        from praxis.workspaces.models import Membership

        with scopes_disabled():
            for role, user in self.users.items():
                self.members[role] = Membership.objects.select_related("user").get(workspace=self.workspace,
                                                                                   user=user)


@pytest.fixture
def password() -> str:
    return PASSWORD


def new_user(email: str | None = None, *, first_name: str = "", last_name: str = "", language: str = "en",
             password: str | None = PASSWORD):
    """A user made by `user_sign_up`, with a unique e-mail unless one is given (what `make_user` returns;
    usable where no function-scoped fixture is, e.g. in a world built once per module)."""
    from praxis.workspaces.signup import user_sign_up

    if email is None:
        email = f"user{next(_email_numbers)}@example.test"
    return user_sign_up(email=email, password=password, first_name=first_name, last_name=last_name,
                        language=language)


@pytest.fixture
def make_user(db, password):
    """`make_user(first_name="Ann", language="nl")` → a user made by `user_sign_up`, unique e-mail."""
    return new_user


def build_team(make_user, *, name: str = "Praktijk Noord", tier: str = "practice", label: str = "") -> Team:
    """Owner creates the workspace; admin, assistant, clinician and staff are invited (as `pro`, paid by
    the workspace) and accept through the real services. `label` prefixes first names, so the people of
    a second team are told apart in pages and answers."""
    from praxis.workspaces.services import workspace_create

    owner = make_user(first_name=f"{label}Olivia", last_name="Owner")
    workspace = workspace_create(actor=owner, name=name, tier=tier)
    team = Team(workspace=workspace, users={"owner": owner})
    for role in TEAM_ROLES:
        user = make_user(first_name=f"{label}{TEAM_NAMES[role]}", last_name=role.title())
        join(owner, workspace, user, "pro", role=role)
        team.users[role] = user
    team.reload_members()
    return team


@pytest.fixture
def workspace_with_team(db, make_user) -> Team:
    """The team of the tests: a `practice` with one `pro` member per role (see `build_team`)."""
    return build_team(make_user)


@pytest.fixture
def team(workspace_with_team) -> Team:
    """The same team, by its short name (a test module may define its own `team` on top of it)."""
    return workspace_with_team


@pytest.fixture
def unscoped():
    """For tests that check amounts across the ledger, invoices and balances of several workspaces
    directly: lifts the workspace scope (issue 6 point 10; scoping itself is tested in
    billing/tests/test_scoping.py). Views called inside still enter their own scope."""
    with scopes_disabled():
        yield
