"""Reads for workspaces and memberships. Views and API handlers list through these, never by hand.

Functions that read scoped models (Membership, Invitation) run inside the request's
`scope(workspace=...)`; they still filter by `workspace` explicitly so the intent is visible. Every list
joins what its rows display (`select_related`), so a page costs the same number of queries for 3 rows as
for 300 (query-count budgets in `tests/test_views.py`).
"""

import datetime as dt

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Lower
from django_scopes import scopes_disabled

from praxis.core import clock
from praxis.core.lifecycle import LifecycleStatus

from .models import Invitation, Membership, Workspace
from .roles import Role

# Owner first, then by decreasing power (the order `Role` is declared in).
_ROLE_ORDER = Case(
    *(When(role=role, then=Value(rank)) for rank, role in enumerate(Role.values)),
    default=Value(len(Role.values)),
    output_field=IntegerField(),
)


def _by_role_and_name(qs: QuerySet[Membership]) -> QuerySet[Membership]:
    return qs.annotate(
        role_rank=_ROLE_ORDER,
        sort_last=Lower(Coalesce("user__last_name", "last_name")),
        sort_first=Lower(Coalesce("user__first_name", "first_name")),
    ).order_by("role_rank", "sort_last", "sort_first", "pk")


def members_list(*, workspace: Workspace, status: str = LifecycleStatus.ACTIVE) -> QuerySet[Membership]:
    """Members with a login or without (contact persons) in one lifecycle state, owner first."""
    qs = Membership.objects.filter(workspace=workspace, status=status).select_related("user")
    return _by_role_and_name(qs)


def member_counts(*, workspace: Workspace) -> dict[str, int]:
    """How many members are active and how many cancelled, in one query."""
    return Membership.objects.filter(workspace=workspace).aggregate(
        active=Count("pk", filter=Q(status=LifecycleStatus.ACTIVE)),
        cancelled=Count("pk", filter=Q(status=LifecycleStatus.CANCELLED)),
    )


def member_get(*, workspace: Workspace, member_id: int) -> Membership | None:
    """One member of this workspace, or None for a missing one and for another workspace's alike."""
    return Membership.objects.filter(workspace=workspace, pk=member_id).select_related("user").first()


def members_by_ids(*, workspace: Workspace, member_ids: list[int]) -> list[Membership]:
    return list(_by_role_and_name(
        Membership.objects.filter(workspace=workspace, pk__in=member_ids).select_related("user")
    ))


def transfer_candidates(*, workspace: Workspace) -> QuerySet[Membership]:
    """Whom the owner can hand the workspace to (R-WS-5): active admins with a login."""
    return _by_role_and_name(
        Membership.objects.filter(
            workspace=workspace, status=LifecycleStatus.ACTIVE, role=Role.ADMIN, user__isnull=False
        ).select_related("user")
    )


def invitations_list(*, workspace: Workspace, status: str = Invitation.Status.PENDING) -> QuerySet[Invitation]:
    """Invitations in one status (or "all"), newest first; an expired one stays pending (it can be resent)."""
    qs = Invitation.objects.filter(workspace=workspace).select_related("invited_by").order_by("-sent_at", "-pk")
    return qs if status == "all" else qs.filter(status=status)


def invitations_pending(*, workspace: Workspace) -> QuerySet[Invitation]:
    return invitations_list(workspace=workspace)


def invitations_live(*, workspace: Workspace, at: dt.datetime | None = None) -> QuerySet[Invitation]:
    """Pending invitations whose link still works at `at`: the one definition behind every count shown
    (issue 6 point 5). An expired one stays listed (it can be resent) but is not counted as pending."""
    return Invitation.objects.filter(workspace=workspace, status=Invitation.Status.PENDING,
                                     expires_at__gt=at or clock.now())


def invitations_pending_count(*, workspace: Workspace, at: dt.datetime | None = None) -> int:
    return invitations_live(workspace=workspace, at=at).count()


def contact_persons(*, workspace: Workspace) -> list[tuple[Membership, Invitation | None]]:
    """Every active member, with and without a login, plus the pending portal invitation of a
    login-less one (R-INV-6): two queries whatever the number of rows."""
    members = list(members_list(workspace=workspace))
    pending = {
        inv.contact_id: inv
        for inv in Invitation.objects.filter(
            workspace=workspace, status=Invitation.Status.PENDING, contact__isnull=False
        ).order_by("sent_at")
    }
    return [(member, pending.get(member.pk)) for member in members]


def user_memberships(*, user) -> list[Membership]:
    """The user's active memberships across workspaces, personal workspace first (R-WS-3)."""
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, status=LifecycleStatus.ACTIVE)
            .select_related("workspace")
            .order_by("-workspace__is_personal", Lower("workspace__name"), "pk")
        )


def invitations_awaiting(*, user, at: dt.datetime | None = None) -> list[Invitation]:
    """Live invitations addressed to this person by workspaces they have not joined (R-SUP-4: what awaits
    them beside their tickets). Read across workspaces: they are the invitee's, whatever workspace sent them."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return list(Invitation.objects.filter(email__iexact=user.email, status=Invitation.Status.PENDING,
                                              expires_at__gt=at or clock.now())
                    .exclude(workspace__memberships__user=user)
                    .select_related("workspace", "invited_by").order_by("-sent_at")[:10])
