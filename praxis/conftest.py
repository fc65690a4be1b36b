"""Fixtures shared by every app's tests.

`workspace_with_team` builds a practice the way a real one comes about — the owner creates it, invites
one person per role and each accepts — so tests start from states the services can actually produce.
"""

import itertools
from dataclasses import dataclass, field

import pytest
from django_scopes import scope, scopes_disabled

pytest_plugins = ["praxis.testing.browser", "praxis.testing.db"]

PASSWORD = "correct horse battery staple"
TEAM_ROLES = ("admin", "assistant", "clinician", "staff")

_email_numbers = itertools.count(1)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db, password):
    """`make_user(first_name="Ann", language="nl")` → a user made by `user_sign_up`, unique e-mail."""
    from praxis.workspaces.signup import user_sign_up

    def _make_user(email: str | None = None, *, first_name: str = "", last_name: str = "",
                   language: str = "en", password: str | None = password):
        if email is None:
            email = f"user{next(_email_numbers)}@example.test"
        return user_sign_up(email=email, password=password, first_name=first_name, last_name=last_name,
                           language=language)

    return _make_user


@dataclass
class Team:
    """A practice workspace with one member per role; `users[role]` / `members[role]` by role name."""

    workspace: object
    users: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)

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
        from praxis.workspaces.models import Membership

        with scopes_disabled():
            return Membership.objects.select_related("user").get(pk=self.members[role].pk)


@pytest.fixture
def workspace_with_team(db, make_user) -> Team:
    """Owner creates a `practice`; admin, assistant, clinician and staff are invited (as `pro`, paid by
    the workspace) and accept through the real services."""
    from praxis.workspaces.access import resolve_access
    from praxis.workspaces.invitations import invitation_accept, invitations_create
    from praxis.workspaces.models import Membership
    from praxis.workspaces.services import workspace_create

    owner = make_user(first_name="Olivia", last_name="Owner")
    workspace = workspace_create(actor=owner, name="Praktijk Noord", tier="practice")
    team = Team(workspace=workspace, users={"owner": owner})
    owner_access = resolve_access(owner, workspace.slug)
    names = {"admin": "Adam", "assistant": "Asha", "clinician": "Clara", "staff": "Stan"}
    for role in TEAM_ROLES:
        user = make_user(first_name=names[role], last_name=role.title())
        with scope(workspace=workspace):
            [(_invitation, token)] = invitations_create(access=owner_access, emails=[user.email], role=role,
                                                        account_type="pro")
        invitation_accept(token=token, user=user)
        team.users[role] = user
    with scopes_disabled():
        for role, user in team.users.items():
            team.members[role] = Membership.objects.select_related("user").get(workspace=workspace, user=user)
    return team
