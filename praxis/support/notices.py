"""The support portal's in-app notifications (the bell): the operator answered a ticket, or changed its
status. The e-mail itself is the support app's own (it carries the reply address), so these kinds send
none; the bell links to the ticket. Worded at display time, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from praxis.notifications import kinds


def _answered_text(notification) -> str:
    return _("Praxis support answered your ticket “%(subject)s”.") % {"subject": notification.parameters["subject"]}


def _status_text(notification) -> str:
    from .models import Ticket

    status = notification.parameters["status"]
    label = (_("Awaiting your answer") if status == Ticket.Status.AWAITING_CUSTOMER
             else Ticket.Status(status).label)
    return _("Your ticket “%(subject)s” is now: %(status)s.") % {"subject": notification.parameters["subject"],
                                                                 "status": label}


def _ticket_link(notification) -> str:
    return f"/w/{notification.parameters['workspace']}/support/{notification.parameters['ticket']}/"


ANSWERED = kinds.register(kinds.Kind("support.answered", _answered_text, _ticket_link))
STATUS_CHANGED = kinds.register(kinds.Kind("support.status_changed", _status_text, _ticket_link))
