"""Nothing changes silently (issue 6 point 4): the notification kinds of workspace and seat events, and
the one-line hooks the services call at each event. Each hook creates the in-app notification and sends
the e-mail of the same event (`praxis.notifications.services.notify`), so the two cannot drift apart.

Kinds and their parameters (JSON, rendered at display time in the reader's language):
- `invitation.accepted` → the inviter: `invitee` (name), `email`;
- `subscription.replaced` → a self-paying invitee whose own subscription ended at acceptance (R-BIL-7):
  `account_type` (their old one), `new_account_type`, `credit_cents`, `currency`;
- `seat.stopped` → a member the workspace stops paying for (R-BIL-10, or cancelled, R-MEM-3):
  `account_type`, `until` (ISO date: a trial runs on until then) or none, `cancelled`;
- `seat.changed` → a member whose paid account type was changed (R-BIL-6): `old`, `new`.
Every kind also carries `workspace_name`, so the text survives the workspace.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import formats
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from praxis.accounts.models import User
from praxis.core.money import format_money, from_cents
from praxis.notifications import kinds
from praxis.notifications.models import Notification
from praxis.notifications.services import notify

from .models import Invitation, Licence, Membership, Workspace
from .ports import SelfPaidEnding
from .roles import account_type_label


def _ws_name(n) -> str:
    return n.workspace.name if n.workspace is not None else n.parameters.get("workspace_name", "")


def _ws_link(name: str):
    def link(n) -> str:
        return reverse(name, kwargs={"ws": n.workspace.slug}) if n.workspace is not None else reverse("home")
    return link


def _invitation_accepted_text(n) -> str:
    p = n.parameters
    return _("%(invitee)s accepted your invitation to %(workspace)s.") % {
        "invitee": p.get("invitee") or p.get("email", ""), "workspace": _ws_name(n)}


def _subscription_replaced_text(n) -> str:
    p = n.parameters
    values = {"workspace": _ws_name(n), "account_type": account_type_label(p.get("account_type", "")),
              "credit": format_money(from_cents(int(p.get("credit_cents") or 0)), p.get("currency", "EUR"))}
    if p.get("credit_cents"):
        return _("Your own %(account_type)s subscription has ended: %(workspace)s pays for your account from now "
                 "on. The unused rest, %(credit)s, was credited to your personal balance.") % values
    return _("Your own %(account_type)s subscription has ended: %(workspace)s pays for your account from now "
             "on.") % values


def _seat_stopped_text(n) -> str:
    p = n.parameters
    values = {"workspace": _ws_name(n), "account_type": account_type_label(p.get("account_type", ""))}
    if p.get("until"):
        values["date"] = formats.date_format(dt.date.fromisoformat(p["until"]), "DATE_FORMAT")
        return _("%(workspace)s no longer pays for your %(account_type)s account. You keep it until your trial "
                 "ends on %(date)s; then you have a Free account.") % values
    return _("%(workspace)s no longer pays for your %(account_type)s account: you have a Free account from now "
             "on.") % values


def _seat_changed_text(n) -> str:
    p = n.parameters
    return _("%(workspace)s changed your account type from %(old)s to %(new)s.") % {
        "workspace": _ws_name(n), "old": account_type_label(p.get("old", "")),
        "new": account_type_label(p.get("new", ""))}


def _seat_stopped_link(n) -> str:
    # A cancelled member can no longer open the workspace: their list of workspaces instead.
    return reverse("workspaces:list") if n.parameters.get("cancelled") else _ws_link("workspaces:dashboard")(n)


INVITATION_ACCEPTED = kinds.register(kinds.Kind(
    "invitation.accepted", _invitation_accepted_text, _ws_link("workspaces:members"), "invitation_accepted"))
SUBSCRIPTION_REPLACED = kinds.register(kinds.Kind(
    "subscription.replaced", _subscription_replaced_text, _ws_link("workspaces:dashboard"),
    "subscription_replaced"))
SEAT_STOPPED = kinds.register(kinds.Kind("seat.stopped", _seat_stopped_text, _seat_stopped_link, "seat_stopped"))
SEAT_CHANGED = kinds.register(kinds.Kind(
    "seat.changed", _seat_changed_text, _ws_link("workspaces:dashboard"), "seat_changed"))


# --- the hooks the services call ------------------------------------------------------------------


def invitation_accepted(*, invitation: Invitation, member: Membership) -> None:
    """Tell the inviter that their invitation was accepted."""
    inviter = invitation.invited_by
    invitee = member.user
    if inviter is None or invitee is None or inviter.pk == invitee.pk:  # accepting always sets member.user
        return
    notify(recipient=inviter, kind=INVITATION_ACCEPTED.code, workspace=invitation.workspace, actor=invitee,
           parameters={"workspace_name": invitation.workspace.name, "invitee": invitee.display_name,
                       "email": invitee.email})


def subscription_replaced(*, user: User, workspace: Workspace, ending: SelfPaidEnding | None,
                          account_type: str) -> None:
    """Tell a self-paying invitee that their own subscription ended and `workspace` pays (R-BIL-7)."""
    if ending is None:
        return
    notify(recipient=user, kind=SUBSCRIPTION_REPLACED.code, workspace=workspace, actor=user,
           parameters={"workspace_name": workspace.name, "account_type": ending.account_type,
                       "new_account_type": account_type, "credit_cents": ending.credit_cents,
                       "currency": ending.currency})


def seat_stopped(*, member: Membership, workspace: Workspace, licence: Licence | None, account_type: str,
                 actor: User, cancelled: bool = False) -> Notification | None:
    """Tell a member that `workspace` stopped paying for their seat (R-BIL-10, R-MEM-3). `licence` is what
    `licences.licence_end_paid_by` returned (`None`: the workspace paid nothing, nothing to tell).

    With a cancelled membership the person gets one e-mail, the cancellation's, which carries this text
    (`message`): the in-app notification only here."""
    if licence is None or member.user_id is None:
        return None
    until = licence.ends_at if licence.payer_workspace_id == workspace.pk else None
    return notify(recipient=member.user, kind=SEAT_STOPPED.code, workspace=workspace, actor=actor,
                  email=not cancelled,
                  parameters={"workspace_name": workspace.name, "account_type": account_type, "cancelled": cancelled,
                              "until": _local_date(until, workspace) if until else None})


def message(notification: Notification | None):
    """A notification's text for an e-mail of another event: rendered when that e-mail is, in its
    recipient's language. Empty without a notification."""
    return lazy(kinds.text_of, str)(notification) if notification is not None else ""


def seat_changed(*, member: Membership, workspace: Workspace, old: str, new: str, actor: User) -> None:
    """Tell a member that the account type `workspace` pays for changed (R-BIL-6)."""
    notify(recipient=member.user, kind=SEAT_CHANGED.code, workspace=workspace, actor=actor,
           parameters={"workspace_name": workspace.name, "old": old, "new": new})


def _local_date(at: dt.datetime, workspace: Workspace) -> str:
    return at.astimezone(ZoneInfo(workspace.time_zone or "UTC")).date().isoformat()
