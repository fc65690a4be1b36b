"""factory_boy factories for accounts and workspaces.

Users and workspaces are made through their services (`user_sign_up`, `workspace_create`) so every user
has a trial licence and a personal workspace and every workspace has its owner, as in production.
`MembershipFactory` and `InvitationFactory` write rows directly: use them for states the services refuse
to produce (a second owner, an invitation expired long ago), not as a shortcut for normal flows.
"""

import datetime as dt
import uuid

import factory
from django_scopes import scopes_disabled

from praxis.accounts.models import User
from praxis.core import clock
from praxis.core.tokens import new_token
from praxis.testing import PASSWORD
from praxis.workspaces.models import Invitation, Membership, Workspace


class UserFactory(factory.Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@factory.test")
    password = PASSWORD
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    language = "en"

    @classmethod
    def _create(cls, model_class, **kwargs):
        from praxis.workspaces.signup import user_sign_up

        return user_sign_up(**kwargs)


class WorkspaceFactory(factory.Factory):
    class Meta:
        model = Workspace

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Practice {n}")
    tier = "practice"

    @classmethod
    def _create(cls, model_class, *, owner, **kwargs):
        from praxis.workspaces.services import workspace_create

        return workspace_create(actor=owner, **kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = "staff"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation; the clear token (never stored) is available as `invitation.token`."""

    class Meta:
        model = Invitation

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@factory.test")
    role = "clinician"
    account_type = "pro"
    pay_for_user = True
    created_at = factory.LazyFunction(clock.now)
    sent_at = factory.LazyAttribute(lambda o: o.created_at)
    expires_at = factory.LazyAttribute(lambda o: o.sent_at + dt.timedelta(days=30))
    batch = factory.LazyFunction(uuid.uuid4)
    invited_by = factory.LazyAttribute(lambda o: o.workspace.created_by)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        token, kwargs["token_hash"] = new_token()
        with scopes_disabled():
            invitation = super()._create(model_class, *args, **kwargs)
        invitation.token = token
        return invitation
