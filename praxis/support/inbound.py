"""Answers by e-mail (R-SUP-5): the customer replies to an operator's mail and the answer lands in the
ticket's thread, as if typed on the ticket's page.

Each mail to a customer carries a reply address with a signed token naming the ticket and the recipient
(`services.reply_address`). A mail service posts the raw RFC 5322 message to `POST /api/v1/support/inbound`
(`praxis.support.api`), authenticated by `PRAXIS_SUPPORT_INBOUND_SECRET`. The message is accepted only when
the token is genuine, the sender is the person it was issued to, and that person still may see the ticket
(an active member, the same policy as the page). Only the new text is kept: the quoted earlier mail below
it is cut off; an HTML-only mail is reduced to its text (no markup, no active content is ever stored).
"""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from praxis.core.errors import NotFound, ServiceError
from praxis.workspaces.access import resolve_access

from . import services
from .models import Message, Ticket

_QUOTE_STARTS = (
    re.compile(r"^\s*On .+ wrote:\s*$"),  # English clients
    re.compile(r"^\s*Op .+ schreef .+:\s*$"),  # Dutch
    re.compile(r"^\s*Le .+ a écrit\s*:\s*$"),  # French
    re.compile(r"^\s*Am .+ schrieb .+:\s*$"),  # German
    re.compile(r"^\s*-{2,}\s*(Original Message|Oorspronkelijk bericht|Message d'origine|Ursprüngliche Nachricht)"),
    re.compile(r"^\s*From: "),
    re.compile(r"^\s*Van: "),
    re.compile(r"^\s*De : "),
    re.compile(r"^\s*Von: "),
)


def new_text(body: str) -> str:
    """The part of a reply above the quoted earlier mail."""
    kept = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if line.startswith(">") or any(p.match(line) for p in _QUOTE_STARTS):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return part.get_content()
    part = message.get_body(preferencelist=("html",))
    if part is None:
        return ""
    html = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", part.get_content())
    return nh3.clean(html, tags=set()).replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def _token_of(message: EmailMessage) -> str | None:
    addresses = getaddresses([str(v) for name in ("Delivered-To", "X-Original-To", "To", "Cc")
                              for v in message.get_all(name, [])])
    for _name, address in addresses:
        local = address.partition("@")[0]
        if "+" in local:
            return local.split("+", 1)[1]
    return None


def reply_receive(*, raw: bytes) -> Message:
    """File the reply in `raw` under its ticket; `ServiceError` (nothing written) when it cannot be."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    token = _token_of(message)
    if token is None:
        raise NotFound("no_reply_token", _("This message is not addressed to a ticket's reply address."))
    ticket_id, user_id = services.read_reply_token(token)
    from praxis.accounts.models import User

    with scopes_disabled():
        ticket = Ticket.objects.filter(pk=ticket_id).select_related("workspace").first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    if ticket is None or user is None or sender != user.email.lower():
        raise NotFound("not_found", _("This reply address is not valid."))
    access = resolve_access(user, ticket.workspace.slug)  # Http404 when no longer a member
    text = new_text(_body_of(message))
    if not text:
        raise ServiceError("empty_reply", _("The reply has no text above the quoted message."))
    files = [SimpleUploadedFile(part.get_filename() or "attachment", part.get_content(),
                                part.get_content_type())
             for part in message.iter_attachments() if isinstance(part.get_content(), bytes)]
    with scope(workspace=ticket.workspace):
        email_id = str(message.get("Message-ID", "")).strip() or "<sha256:" + hashlib.sha256(raw).hexdigest() + ">"
        return services.ticket_reply(access=access, ticket_id=ticket.pk, body=text, files=files, email_id=email_id)
