"""Writes of notifications: `notify` (called by the services that own an event), `mark_read`,
`mark_all_read`. Each writes its audit entry in the caller's transaction; e-mail goes out after commit.
"""

import json
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext as _

from praxis.accounts.models import User
from praxis.audit import services as audit
from praxis.core import clock
from praxis.core.errors import NotFound
from praxis.core.mail import send_templated_email, site_url
from praxis.core.transactions import service_transaction

from . import kinds
from .models import Notification
from .policies import visible_to

# A workspaces.Workspace: this kernel-level app may not import it (issue 6 point 9), so it is typed loosely.
WorkspaceRef = Any


@service_transaction
def notify(*, recipient: User | None, kind: str, workspace: WorkspaceRef | None = None, parameters: dict | None = None,
           actor: User | None = None, email: bool = True) -> Notification | None:
    """Tell `recipient` that `kind` happened: one in-app notification and, if the kind has one, the
    e-mail in the recipient's language (sent after commit). Nobody to tell (a contact person without a
    login): nothing happens and `None` is returned.

    `workspace` is where it happened (a `workspaces.Workspace`; not imported: this app is kernel-level).
    `parameters` must be JSON (it is rendered later, in the reader's language); an unknown kind is a
    programming error.
    """
    if recipient is None:
        return None
    spec = kinds.get(kind)
    if spec is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    parameters = dict(parameters or {})
    json.dumps(parameters)  # fail here, in the event's transaction, not when someone opens the list
    notification = Notification.objects.create(recipient=recipient, workspace=workspace, kind=kind,
                                               parameters=parameters, created_at=clock.now())
    audit.record(code="notification.created", action="create", actor=actor, workspace=workspace,
                 obj=notification, data={"kind": kind, "recipient": recipient.pk})
    if email and spec.email and recipient.email:
        send_templated_email(
            to=recipient.email, template=spec.email, language=recipient.language,
            context={
                **parameters,
                "name": recipient.display_name,
                "workspace": workspace.name if workspace is not None else "",
                # Rendered while the e-mail is rendered, i.e. in the recipient's language: the same text
                # the bell shows.
                "message": lazy(kinds.text_of, str)(notification),
                "link": site_url(kinds.link_of(notification)),
            },
        )
    return notification


def _own(user: User, notification_id: int) -> Notification:
    notification = visible_to(user=user).filter(pk=notification_id).first()
    if notification is None:  # missing or someone else's: the same answer
        raise NotFound("not_found", _("That notification does not exist."))
    return notification


@service_transaction
def mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read (once: an already read one keeps its first `read_at`)."""
    notification = _own(user, notification_id)
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
        audit.record(code="notification.read", action="update", actor=user, obj=notification,
                     data={"kind": notification.kind})
    return notification


@service_transaction
def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of `user` read in one UPDATE; returns how many changed."""
    count = visible_to(user=user).unread().update(read_at=clock.now())
    if count:
        audit.record(code="notification.all_read", action="update", actor=user, object_type="notification",
                     data={"count": count})
    return count
