"""Client portal access (R-CLI-11): inviting a client — or a relationship with `portal_access` on their
behalf — accepting, and the audited reads the portal makes of the client's own data (R-AUD-1).

It reuses the invitation and sign-up machinery of the kernel rather than a copy of it: the token is
`praxis.core.tokens` (random, only its SHA-256 stored), the lifetime is `INVITATION_LIFETIME_DAYS`, the
link states and their messages are those of `praxis.workspaces.invitations` (R-INV-3, R-INV-4), a new
person's account is made by `praxis.accounts.services.user_create`. What differs is the result: no staff
membership (a client is not a member — every staff page of the workspace answers them 404) but
`Client.user`, or the accepted invitation itself as the grant of a representative.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from praxis.accounts.services import user_create
from praxis.audit import services as audit
from praxis.core import clock, ratelimits
from praxis.core.errors import Conflict, NotFound, ServiceError
from praxis.core.mail import send_templated_email, site_url
from praxis.core.prepared import Prepared
from praxis.core.tokens import hash_token, new_token
from praxis.core.transactions import service_transaction
from praxis.workspaces.invitations import InvitationLink, LinkState, wrong_user_message
from praxis.workspaces.ports import PortalEntry
from praxis.workspaces.roles import CLIENTS_MANAGE

from . import policies, selectors
from .models import Client, ClientInvitation, Contact, Relationship

if TYPE_CHECKING:
    from praxis.accounts.models import User
    from praxis.workspaces.access import Access
    from praxis.workspaces.models import Invitation


def _expiry(at: dt.datetime) -> dt.datetime:
    return at + dt.timedelta(days=settings.INVITATION_LIFETIME_DAYS)


def invitation_link(token: str) -> str:
    return site_url(reverse("clients:portal_invite", kwargs={"token": token}))


# --- inviting -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Invitee:
    """Who an invitation goes to: the client themself, or the other end of a relationship."""

    email: str
    name: str
    language: str
    relationship: Relationship | None = None


def _other_end(relationship: Relationship, client: Client) -> Client | Contact | None:
    if relationship.client_id == client.pk:
        return relationship.other_client or relationship.contact
    return relationship.client


def representatives(*, access: Access, client: Client) -> list[Invitee]:
    """The relationships of `client` with `portal_access` whose other end has an e-mail address: who may
    be invited on the client's behalf (a parent of a minor)."""
    from django.db.models import Q

    rows = (Relationship.objects.filter(workspace=access.workspace, portal_access=True)
            .filter(Q(client=client) | Q(other_client=client))
            .select_related("client", "other_client", "contact").order_by("created_at", "id"))
    found = []
    for rel in rows:
        other = _other_end(rel, client)
        if other is None or not other.email:
            continue
        language = (other.language if isinstance(other, Client) else "") or client.language
        found.append(Invitee(email=other.email, name=str(other), relationship=rel,
                             language=language or access.workspace.language))
    return found


def _invitee(access: Access, client: Client, relationship_id: int | None) -> Invitee:
    if relationship_id is None:
        if not policies.may_invite_to_portal(access, client):
            if client.user_id:
                raise Conflict("portal_exists", _("This client already has portal access."))
            if not client.email:
                raise ServiceError("email_required", _("Add the client's e-mail address first."), field="email")
            raise Conflict("client_cancelled", _("A cancelled client cannot be invited to the portal."))
        return Invitee(email=client.email, name=client.display_name,
                       language=client.language or access.workspace.language)
    invitee = next((i for i in representatives(access=access, client=client)
                    if i.relationship is not None and i.relationship.pk == relationship_id), None)
    if (invitee is None or invitee.relationship is None
            or not policies.may_invite_on_behalf(access, client, invitee.relationship, invitee.email)):
        raise ServiceError("invalid_relationship", _("Choose a relationship with portal access and an e-mail "
                                                     "address."), field="relationship")
    return invitee


@service_transaction
def portal_invitation_create(*, access: Access, client_id: int,
                             relationship_id: int | None = None) -> tuple[ClientInvitation, str]:
    """Invite a client to the portal, or a relationship with `portal_access` on their behalf (R-CLI-11).

    The e-mail is in the invitee's language (the client's, else the workspace's). Inviting the same
    address again replaces its pending invitation: the old link stops working (R-INV-2).
    """
    access.require(CLIENTS_MANAGE, code="client.portal_invited")
    try:
        client = selectors.client_get(access=access, client_id=client_id)
    except NotFound:
        raise NotFound("not_found", _("That client does not exist.")) from None
    invitee = _invitee(access, client, relationship_id)
    ratelimits.check("invitation", addresses=[invitee.email])  # issue 10 point 3
    ClientInvitation.objects.filter(client=client, email__iexact=invitee.email,
                                    status=ClientInvitation.Status.PENDING).update(
        status=ClientInvitation.Status.REVOKED)
    token, token_hash = new_token()
    now = clock.now()
    invitation = ClientInvitation.objects.create(
        workspace=access.workspace, client=client, on_behalf=invitee.relationship is not None,
        relationship=invitee.relationship, email=invitee.email.lower(), language=invitee.language,
        token_hash=token_hash, created_at=now, sent_at=now, expires_at=_expiry(now), invited_by=access.user)
    audit.record(code="client.portal_invited", action="create", actor=access.user, workspace=access.workspace,
                 obj=invitation, client_id=client.pk, role=access.membership.role, permission=CLIENTS_MANAGE,
                 data={"on_behalf": invitation.on_behalf})
    send_templated_email(to=invitation.email, template="portal_invitation", language=invitation.language,
                         context={"name": invitee.name, "client": client.display_name,
                                  "on_behalf": invitation.on_behalf, "workspace": access.workspace.name,
                                  "inviter": access.user.display_name, "link": invitation_link(token),
                                  "expires_at": invitation.expires_at})
    return invitation, token


def pending_invitations(*, client: Client) -> list[ClientInvitation]:
    """The client's portal invitations still waiting for an answer (not accepted, revoked or expired),
    newest first — what the record shows with "Send again" and "Revoke"."""
    return list(ClientInvitation.objects.filter(client=client, status=ClientInvitation.Status.PENDING,
                                                expires_at__gt=clock.now())
                .select_related("relationship").order_by("-created_at", "-id"))


@service_transaction
def portal_invitation_revoke(*, access: Access, client_id: int, invitation_id: int) -> ClientInvitation:
    """Withdraw a pending portal invitation (R-CLI-11, as R-INV-2 for staff): its link stops working at
    once; the row is kept, revoked (R-MEM-4). One conditional UPDATE, so an acceptance at the same moment
    and the revocation cannot both win. Another client's or workspace's invitation: `NotFound`."""
    access.require(CLIENTS_MANAGE, code="client.portal_invitation_revoked")
    try:
        client = selectors.client_get(access=access, client_id=client_id)
    except NotFound:
        raise NotFound("not_found", _("That client does not exist.")) from None
    invitation = ClientInvitation.objects.filter(client=client, pk=invitation_id).first()
    if invitation is None:
        raise NotFound("not_found", _("That invitation does not exist."))
    revoked = ClientInvitation.objects.filter(pk=invitation.pk, status=ClientInvitation.Status.PENDING).update(
        status=ClientInvitation.Status.REVOKED)
    if not revoked:
        raise Conflict("not_pending", _("This invitation has already been answered or withdrawn."))
    invitation.status = ClientInvitation.Status.REVOKED
    audit.record(code="client.portal_invitation_revoked", action="update", actor=access.user,
                 workspace=access.workspace, obj=invitation, client_id=client.pk, role=access.membership.role,
                 permission=CLIENTS_MANAGE, data={"on_behalf": invitation.on_behalf})
    return invitation


# --- the invitee's side -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PortalLink:
    """What a portal link is now; the states and messages are the staff invitation's (R-INV-4)."""

    state: str
    invitation: ClientInvitation | None = None

    @property
    def message(self) -> str:
        return InvitationLink(self.state).message


def portal_invitation_inspect(token: str) -> PortalLink:
    with scopes_disabled():
        invitation = (ClientInvitation.objects.select_related("workspace", "client")
                      .filter(token_hash=hash_token(token or "")).first())
    if invitation is None:
        return PortalLink(LinkState.UNKNOWN)
    if invitation.status == ClientInvitation.Status.ACCEPTED:
        return PortalLink(LinkState.USED)
    if invitation.status == ClientInvitation.Status.REVOKED:
        return PortalLink(LinkState.REVOKED)
    if invitation.is_expired(clock.now()):
        return PortalLink(LinkState.EXPIRED)
    return PortalLink(LinkState.VALID, invitation)


def wrong_invitee(invitation: ClientInvitation, user) -> str:
    """The staff invitation's rule and message (R-INV-3): only the invited address may accept; it reads
    nothing but the e-mail address, which both kinds of invitation have."""
    return wrong_user_message(cast("Invitation", invitation), user)


@service_transaction
def portal_invitation_accept(*, token: str, user: User, link: PortalLink | None = None) -> Client:
    """A logged-in person with the invited address accepts: the client record gets its portal login
    (`Client.user`), or — on the client's behalf — the invitation becomes their grant. Returns the
    client record the portal opens."""
    link = link or portal_invitation_inspect(token)
    if link.state != LinkState.VALID or link.invitation is None:
        raise Conflict(f"invitation_{link.state}", link.message)
    invitation = link.invitation
    if message := wrong_invitee(invitation, user):
        raise Conflict("wrong_user", message)
    workspace = invitation.workspace
    with scope(workspace=workspace):
        claimed = ClientInvitation.objects.filter(
            pk=invitation.pk, status=ClientInvitation.Status.PENDING, token_hash=hash_token(token)).update(
            status=ClientInvitation.Status.ACCEPTED, accepted_at=clock.now(), accepted_by=user)
        if claimed != 1:  # a concurrent acceptance won
            raise Conflict("invitation_used", PortalLink(LinkState.USED).message)
        client = Client.objects.select_for_update().get(pk=invitation.client_id)
        if client.status != "active":
            raise Conflict("client_cancelled", _("This portal is closed. Ask the practice for more information."))
        if not invitation.on_behalf:
            if client.user_id not in (None, user.pk):
                raise Conflict("portal_exists", _("This client record already has a portal login."))
            client.user = user
            try:
                with transaction.atomic():
                    client.save(update_fields=["user"])
            except IntegrityError:  # `client_one_record_per_user`
                raise Conflict("already_client", _("Your account already has a client record in this "
                                                   "practice.")) from None
        audit.record(code="client.portal_joined", action="update", actor=user, workspace=workspace,
                     obj=invitation, client_id=client.pk, role=policies.portal_role(user, client),
                     data={"on_behalf": invitation.on_behalf})
    return client


@service_transaction
def portal_invitation_accept_new_user(*, token: str, password: str, first_name: str = "", last_name: str = "",
                                      language: str | None = None) -> tuple[User, Client]:
    """A person without an account signs up from the link with the invited address (R-INV-3): a user only
    — no personal workspace, no trial: a client needs neither."""
    link = portal_invitation_inspect(token)
    if link.state != LinkState.VALID or link.invitation is None:
        raise Conflict(f"invitation_{link.state}", link.message)
    from praxis.workspaces.services import user_by_email

    if user_by_email(link.invitation.email) is not None:
        raise Conflict("account_exists", _("An account with this address exists: log in to accept."))
    user = user_create(email=link.invitation.email, password=password, first_name=first_name,
                       last_name=last_name, language=language or link.invitation.language)
    return user, portal_invitation_accept(token=token, user=user, link=link)


# --- the portal's reads (R-AUD-1) ---------------------------------------------------------------------

PORTAL_PAGES = ("details", "history", "download")


def portal_read(*, user: User, client: Client, page: str) -> None:
    """The portal showed (or handed out) the client's own data: logged like any read of the record."""
    code = "client.portal_downloaded" if page == "download" else "client.portal_viewed"
    audit.record(code=code, action="read", actor=user, workspace=client.workspace, obj=client,
                 client_id=client.pk, role=policies.portal_role(user, client), data={"page": page})


def portal_clients_of(*, user: User, workspace) -> list[Client]:
    return list(policies.portal_clients(user, workspace=workspace).order_by("last_name", "first_name", "id"))


# The two halves of `policies.portal_client_parts` with their workspace, compiled once (`core.prepared`):
# the switcher asks on every page.
_OWN_PORTALS = Prepared(lambda *, user_id: policies.portal_client_parts(user_id)[0].select_related("workspace"),
                        user_id=int)
_ACTING_PORTALS = Prepared(lambda *, user_id: policies.portal_client_parts(user_id)[1].select_related("workspace"),
                           user_id=int)


class ClientPortals:
    """Implements `praxis.workspaces.ports.Portals` (registered in `ClientsConfig.ready()`)."""

    def portals_of(self, *, user) -> list[PortalEntry]:
        if not getattr(user, "is_authenticated", False):
            return []
        # On every page (the switcher): each half answered from an index (`Client.user`, the invitation's
        # `accepted_by`) — `portal_clients`' OR of the two made PostgreSQL scan every client of the
        # deployment (26 ms at 30 000 clients) — and each a compiled, server-prepared query: as one ORM
        # UNION it cost ~3 ms of query building and planning on every page.
        workspaces = {client.workspace.slug: client.workspace.name
                      for half in (_OWN_PORTALS, _ACTING_PORTALS) for client in half(user_id=user.pk)}
        return [PortalEntry(workspace_slug=slug, name=name, url=reverse("clients:portal", kwargs={"ws": slug}))
                for slug, name in sorted(workspaces.items(), key=lambda item: (item[1], item[0]))]
