"""Licences: the account type a user holds and who pays for it (SPEC §1, R-WS-3, R-BIL-7, R-BIL-9).

Only the licence facts live here; what they cost is the billing app's business, asked through
`ports.billing()` (issue 6 point 9: workspaces never imports billing).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.db.models import FilteredRelation, Q

from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.prepared import Prepared
from praxis.core.transactions import service_transaction

from . import ports
from .models import Licence, Membership, Workspace
from .roles import AccountType, account_type_label

TRIAL_DAYS = 14  # R-BIL-9


def current_licence(user) -> Licence | None:
    """The user's licence that has not ended (at most one: the `licence_one_current` constraint)."""
    return _CURRENT_LICENCE.first(user_id=user.pk) if user.pk is not None else None


# Read on every dashboard, `/me` and billing page: compiled once (issue 10 point 11).
_CURRENT_LICENCE = Prepared(lambda *, user_id: Licence.objects.filter(user_id=user_id)
                            .exclude(status=Licence.Status.ENDED).order_by("pk")[:1], user_id=int)


def with_current_licence(queryset, user_path: str):
    """`queryset` with the current licence of the user at `user_path` joined in — the same licence
    `current_licence` reads (not ended; at most one per user, the `licence_one_current` constraint),
    without a query of its own. Read it with `joined_licence(row)`: Django sets the attribute only when
    the join found a licence."""
    licences_path = f"{user_path}__licences"
    return queryset.annotate(current_licence=FilteredRelation(
        licences_path, condition=~Q(**{f"{licences_path}__status": Licence.Status.ENDED}))).select_related(
        "current_licence")


def joined_licence(row) -> Licence | None:
    """The current licence `with_current_licence` joined into `row`, or None when the user has none."""
    return getattr(row, "current_licence", None)


def effective_account_type(user, at: dt.datetime | None = None) -> str:
    """The account type in force: a trial that ran out without payment counts as `free`."""
    return account_type_in_force(current_licence(user), at or clock.now())


def account_type_in_force(licence: Licence | None, at: dt.datetime) -> str:
    """The account type a (current) licence grants at `at`; for lists that read many licences at once."""
    if licence is None or not licence.in_force(at):
        return AccountType.FREE
    if licence.status == Licence.Status.TRIALING and not licence.trial_running(at):
        return AccountType.FREE if licence.payer_workspace_id is None else licence.account_type
    return licence.account_type


def in_trial(user, at: dt.datetime | None = None) -> bool:
    licence = current_licence(user)
    return bool(licence and licence.trial_running(at or clock.now()))


def own_trial_ended(licence: Licence | None, at: dt.datetime) -> dt.datetime | None:
    """When the user's own trial (nobody paying) ran out without a subscription, now counting as `free`
    (R-BIL-9): the dashboard says so instead of a trial date in the past (issue 6 point 5)."""
    if (licence is not None and licence.status == Licence.Status.TRIALING and licence.payer_workspace_id is None
            and licence.trial_ends_at is not None and not licence.trial_running(at)):
        return licence.trial_ends_at
    return None


def current_licences(*, user_ids: Iterable[int]) -> dict[int, Licence]:
    """The current licence of each of many users, in one query (for lists)."""
    return {licence.user_id: licence for licence in
            Licence.objects.filter(user_id__in=list(user_ids)).exclude(status=Licence.Status.ENDED)}


@dataclass(frozen=True)
class Standing:
    """What a person is shown with, everywhere (issue 6 point 5): the account type in force, the end of a
    trial still running, and which workspace pays for it. The members list, the billing tab and the
    dashboard all read this, so they cannot disagree."""

    account_type: str
    trial_until: dt.datetime | None
    payer_workspace_id: int | None
    has_login: bool = True

    @property
    def label(self) -> str:
        return account_type_label(self.account_type)


NO_LOGIN = Standing(account_type="", trial_until=None, payer_workspace_id=None, has_login=False)


def standing(licence: Licence | None, at: dt.datetime) -> Standing:
    """The standing a user's current licence gives at `at` (see `Standing`)."""
    if licence is None or not licence.in_force(at):
        return Standing(account_type=AccountType.FREE, trial_until=None, payer_workspace_id=None)
    account_type = account_type_in_force(licence, at)
    paid = licence.payer_workspace_id if account_type != AccountType.FREE else None
    return Standing(account_type=account_type,
                    trial_until=licence.trial_ends_at if licence.trial_running(at) else None,
                    payer_workspace_id=paid)


def member_standings(*, members: Iterable[Membership], at: dt.datetime | None = None) -> dict[int, Standing]:
    """`standing()` of each membership (by membership id), in one query. A cancelled member holds no seat
    of the workspace (R-MEM-3), so no workspace pays for them *there*; a contact person has no login."""
    at = at or clock.now()
    members = list(members)
    current = current_licences(user_ids=[m.user_id for m in members if m.user_id])
    result = {}
    for member in members:
        if member.user_id is None:
            result[member.pk] = NO_LOGIN
            continue
        shown = standing(current.get(member.user_id), at)
        if not member.is_active and shown.payer_workspace_id == member.workspace_id:
            shown = replace(shown, payer_workspace_id=None)
        result[member.pk] = shown
    return result


def pays_for_self(user) -> bool:
    licence = current_licence(user)
    return bool(
        licence
        and licence.payer_workspace_id is None
        and licence.status == Licence.Status.ACTIVE
        and ports.billing().is_paid(account_type=licence.account_type)
    )


@service_transaction
def licence_start_trial(*, user) -> Licence:
    now = clock.now()
    licence = Licence.objects.create(
        user=user,
        account_type=AccountType.PRO,
        status=Licence.Status.TRIALING,
        trial_ends_at=now + dt.timedelta(days=TRIAL_DAYS),
        starts_at=now,
    )
    audit.record(code="licence.trial_started", action="create", actor=user, obj=licence,
                 data={"account_type": licence.account_type})
    return licence


# What a person can sign up for (issue 6 point 6): a clinician's 14-day Pro trial (R-BIL-9), or the free,
# non-clinical Support account of a practice manager or receptionist (R-ROLE-2), who can still run a
# team from it (R-WS-1).
SIGN_UP_ACCOUNT_TYPES = (AccountType.PRO, AccountType.SUPPORT)


@service_transaction
def licence_start(*, user, account_type: str = AccountType.PRO) -> Licence:
    """The first licence of a new user: the Pro trial, or a Support account (free, nobody pays)."""
    if account_type == AccountType.PRO:
        return licence_start_trial(user=user)
    if account_type != AccountType.SUPPORT:
        raise ValueError(f"not a sign-up account type: {account_type}")
    licence = Licence.objects.create(user=user, account_type=AccountType.SUPPORT, status=Licence.Status.ACTIVE,
                                     starts_at=clock.now())
    audit.record(code="licence.support_started", action="create", actor=user, obj=licence,
                 data={"account_type": licence.account_type})
    return licence


@service_transaction
def licence_assign(
    *, user, account_type: str, payer_workspace: Workspace | None, actor, keep_trial: bool = False
) -> Licence:
    """End the user's current licence and start a new one (R-WS-3: one payer at a time).

    `keep_trial` (R-BIL-7 *pay after trial*): the new licence stays in trial until the old trial's end.
    """
    now = clock.now()
    old = Licence.objects.select_for_update().filter(user=user).exclude(status=Licence.Status.ENDED).first()
    trial_end = None
    if old is not None:
        if keep_trial and old.trial_running(now):
            trial_end = old.trial_ends_at
        old.status = Licence.Status.ENDED
        old.ends_at = now
        old.save(update_fields=["status", "ends_at"])
    licence = Licence.objects.create(
        user=user,
        account_type=account_type,
        payer_workspace=payer_workspace,
        status=Licence.Status.TRIALING if trial_end else Licence.Status.ACTIVE,
        trial_ends_at=trial_end,
        starts_at=now,
    )
    _move_seat(old, licence, actor=actor)
    audit.record(
        code="licence.assigned", action="update", actor=actor, workspace=payer_workspace, obj=licence,
        data={"user": user.pk, "account_type": account_type,
              "payer": payer_workspace.pk if payer_workspace else "self",
              "ended": old.pk if old else None},
    )
    return licence


def workspace_today(workspace: Workspace, at: dt.datetime | None = None) -> dt.date:
    """Which day it is where the practice is (STYLE 11)."""
    return (at or clock.now()).astimezone(ZoneInfo(workspace.time_zone or "UTC")).date()


def personal_workspace(user) -> Workspace | None:
    return Workspace.objects.filter(is_personal=True, created_by=user).first()


def payer_of(licence: Licence) -> Workspace | None:
    """The workspace billed for a licence: the paying workspace, or for a self-paid one the user's
    personal workspace (a solo practitioner is billed like a team of one)."""
    if licence.payer_workspace_id:
        return licence.payer_workspace
    return personal_workspace(licence.user)


def _move_seat(old: Licence | None, new: Licence, *, actor) -> None:
    """Keep the seat ledger in step with licences (R-BIL-6, R-BIL-7): the old payer's seat ends today,
    the new payer's seat starts today, or at the trial's end for *pay after trial*."""
    billing = ports.billing()
    if old is not None and old.status != Licence.Status.TRIALING:
        payer = payer_of(old)
        if payer is not None:
            billing.seat_end(workspace=payer, user=new.user, account_type=old.account_type,
                             day=workspace_today(payer), reason="left", actor=actor)
    if new.payer_workspace_id is None and new.status == Licence.Status.TRIALING:
        return  # the user's own trial costs nothing
    payer = payer_of(new)
    if payer is None:
        return
    start = new.trial_ends_at or clock.now()
    billing.seat_start(workspace=payer, user=new.user, account_type=new.account_type,
                       day=workspace_today(payer, start),
                       reason="trial_ended" if new.trial_ends_at else "joined", actor=actor)


def licence_end_paid_by(*, user, workspace: Workspace, actor) -> Licence | None:
    """A workspace stops paying for the user (R-BIL-10).

    Paid: access to paid features ends at once — they fall back to `free`, paid by themselves.
    In a trial: they keep the account type until the trial ends (`ends_at`), then count as `free`.
    """
    licence = current_licence(user)
    if licence is None or licence.payer_workspace_id != workspace.pk:
        return None
    now = clock.now()
    if licence.trial_running(now):
        licence.ends_at = licence.trial_ends_at
        licence.save(update_fields=["ends_at"])
        # The seat was scheduled for the trial's end: cancelled today, it never starts and costs nothing.
        ports.billing().seat_end(workspace=workspace, user=user, account_type=licence.account_type,
                                 day=workspace_today(workspace), reason="cancelled", actor=actor)
        audit.record(code="licence.ends_with_trial", action="update", actor=actor, workspace=workspace,
                     obj=licence, data={"user": user.pk, "ends_at": licence.ends_at})
        return licence
    return licence_assign(user=user, account_type=AccountType.FREE, payer_workspace=None, actor=actor)
