"""The client portal in HTML (R-CLI-11): "Invite to portal" on the record, the invitation link, and the
portal itself — the client's own details, their access history and a download of their own data.

A portal user is no member of the workspace: `@portal_view` resolves the workspace and the records the
user may open there (`policies.portal_clients`) once, and answers 404 — audited, like every refused open
— when there are none (not theirs, cancelled, or no such workspace). Every staff page answers them 404
too, because `workspace_view` finds no membership. Every portal page is an audited read (R-AUD-1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scope, scopes_disabled

from praxis.accounts.middleware import activate_language, mark_authenticated
from praxis.accounts.sessions import LOGIN_BACKEND
from praxis.audit import services as audit
from praxis.core.errors import NotFound, ServiceError
from praxis.core.web import form_error, keep_link_token_private
from praxis.workspaces.forms import InvitationSignupForm
from praxis.workspaces.invitations import LinkState
from praxis.workspaces.licences import workspace_today
from praxis.workspaces.middleware import remember_workspace
from praxis.workspaces.models import Workspace
from praxis.workspaces.ports import PortalEntry
from praxis.workspaces.roles import CLIENTS_MANAGE
from praxis.workspaces.services import user_by_email
from praxis.workspaces.web import workspace_view

from .. import display, exports, portal, selectors, tabs
from ..models import Client

# --- the staff side: "Invite to portal" ---------------------------------------------------------------


def _relationship_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


@require_POST
@workspace_view(CLIENTS_MANAGE)
def portal_invite_send(request, client_id: int):
    """The record's quick action: invite the client, or (`relationship`) someone with portal access on
    their behalf. Refusals come back as a message on the record (post/redirect/get)."""
    record = reverse("clients:record", kwargs={"ws": request.access.workspace.slug, "client_id": client_id})
    try:
        invitation, _token = portal.portal_invitation_create(
            access=request.access, client_id=client_id,
            relationship_id=_relationship_id(request.POST.get("relationship")))
    except NotFound:
        raise Http404 from None
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(record)
    messages.success(request, _("A portal invitation was sent to %(email)s.") % {"email": invitation.email})
    return redirect(record)


@require_POST
@workspace_view(CLIENTS_MANAGE)
def portal_invite_revoke(request, client_id: int, invitation_id: int):
    """The record's "Revoke" beside a pending portal invitation: its link stops working."""
    record = reverse("clients:record", kwargs={"ws": request.access.workspace.slug, "client_id": client_id})
    try:
        invitation = portal.portal_invitation_revoke(access=request.access, client_id=client_id,
                                                     invitation_id=invitation_id)
    except NotFound:
        raise Http404 from None
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(record)
    messages.success(request, _("The portal invitation to %(email)s was withdrawn; its link no longer works.")
                     % {"email": invitation.email})
    return redirect(record)


def portal_actions(request, client: Client) -> dict:
    """The record header's portal quick actions (for `records._header_context`): whether the client may be
    invited, and the representatives who may be invited on their behalf."""
    from .. import policies

    if not policies.may_manage_clients(request.access) or client.status != "active":
        return {"can_invite_portal": False, "portal_representatives": [], "portal_pending": []}
    return {"can_invite_portal": policies.may_invite_to_portal(request.access, client),
            "portal_representatives": portal.representatives(access=request.access, client=client),
            "portal_pending": portal.pending_invitations(client=client)}


# --- the invitee's side: the link in the e-mail -------------------------------------------------------


def portal_invite(request, token: str):
    """The link of a portal invitation (R-INV-3, R-INV-4 as for staff): a dead link says only that; a
    logged-in invitee accepts; someone with an account logs in first; a new person creates an account."""
    link = portal.portal_invitation_inspect(token)
    if link.state != LinkState.VALID or link.invitation is None:
        return keep_link_token_private(render(request, "clients/portal/invite.html",
                                              {"dead_message": link.message, "dead_state": link.state},
                                              status=410))
    invitation = link.invitation
    user = request.user
    existing = None if user.is_authenticated else user_by_email(invitation.email)
    if not user.is_authenticated:
        activate_language(request, request.GET.get("lang") or (existing.language if existing else invitation.language),
                          remember=True)
    context: dict = {"invitation": invitation, "workspace_name": invitation.workspace.name,
                     "client_name": invitation.client.display_name}
    if user.is_authenticated:
        if message := portal.wrong_invitee(invitation, user):
            context.update(state="wrong_user", wrong_user_message=message)
        else:
            context["state"] = "accept"
            if request.method == "POST":
                try:
                    client = portal.portal_invitation_accept(token=token, user=user, link=link)
                except ServiceError as exc:
                    context["error"] = exc.message
                else:
                    return keep_link_token_private(_welcome(request, client))
    elif existing is not None:
        context.update(state="login",
                       login_url=f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")
    else:
        context["state"] = "signup"
        form = InvitationSignupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                new_user, client = portal.portal_invitation_accept_new_user(
                    token=token, password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"], last_name=form.cleaned_data["last_name"],
                    language=translation.get_language())
            except ServiceError as exc:
                form_error(form, exc)
            else:
                login(request, new_user, backend=LOGIN_BACKEND)
                mark_authenticated(request)
                activate_language(request, user=new_user)
                return keep_link_token_private(_welcome(request, client))
        context["form"] = form
    return keep_link_token_private(render(request, "clients/portal/invite.html", context))


def _welcome(request, client: Client):
    messages.success(request, _("Welcome to the client portal of %(name)s.") % {"name": client.workspace.name})
    return redirect("clients:portal", ws=client.workspace.slug)


# --- the portal ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Portal:
    """The request's portal: the workspace and the records this user may open there (at least one)."""

    workspace: Workspace
    clients: list[Client]
    entry: PortalEntry

    def client(self, client_id: int) -> Client:
        found = next((c for c in self.clients if c.pk == client_id), None)
        if found is None:
            raise Http404
        return found


def portal_view(view):
    """Resolve `ws` to the user's portal there, or an audited 404 (R-ROLE-4: the same for a workspace
    that does not exist, one where they are no client, and a cancelled record)."""

    @login_required
    @wraps(view)
    def wrapper(request, ws: str, *args, **kwargs):
        with scopes_disabled():
            workspace = Workspace.objects.filter(slug=ws).first()
        clients = []
        if workspace is not None:
            with scope(workspace=workspace):
                clients = portal.portal_clients_of(user=request.user, workspace=workspace)
        if workspace is None or not clients:
            audit.record_not_found(request=request, actor=request.user)
            raise Http404
        entry = PortalEntry(workspace_slug=workspace.slug, name=workspace.name,
                            url=reverse("clients:portal", kwargs={"ws": workspace.slug}))
        request.portal = Portal(workspace=workspace, clients=clients, entry=entry)
        remember_workspace(request, workspace)
        with scope(workspace=workspace):
            try:
                return view(request, *args, **kwargs)
            except Http404:
                audit.record_not_found(request=request, actor=request.user, workspace=workspace)
                raise

    return wrapper


def _context(request, **extra) -> dict:
    return {"workspace": request.portal.workspace, "current_portal": request.portal.entry,
            "portal_clients": request.portal.clients, **extra}


@require_GET
@portal_view
def portal_home(request):
    """The portal's start: the one record straight away, or a choice (a parent who acts for two children)."""
    if len(request.portal.clients) == 1:
        return redirect("clients:portal_record", ws=request.portal.workspace.slug,
                        client_id=request.portal.clients[0].pk)
    return render(request, "clients/portal/home.html", _context(request))


# The fields the portal shows of a person's own record, in order (everything of their own; the custom
# fields a practice marks sensitive are clinical working notes, left to the download, R-CLI-11).
PORTAL_FIELDS = ("first_name", "last_name", "preferred_name", "date_of_birth", "gender", "email", "phone",
                 "street", "postal_code", "city", "country", "national_id", "language")


def _details(client: Client) -> list[tuple[str, display.Value]]:
    from ..forms import builtin_label
    from .records import _builtin_value

    rows = [(str(builtin_label(name)), _builtin_value(client, name)) for name in PORTAL_FIELDS]
    definitions = [d for d in selectors.live_fields(workspace=client.workspace) if not d.sensitive]
    rows += [(d.label, display.custom_value(d, (client.custom or {}).get(d.key))) for d in definitions
             if (client.custom or {}).get(d.key) not in (None, "", [])]
    return rows


@require_GET
@portal_view
def portal_record(request, client_id: int):
    """One record in the portal: the client's details and who accessed their record (R-AUD-3)."""
    client = request.portal.client(client_id)
    portal.portal_read(user=request.user, client=client, page="record")
    return render(request, "clients/portal/record.html", _context(
        request, client=client, details=_details(client), history=selectors.access_history_rows(client, limit=200),
        sections=tabs.portal_sections(client),
        age=client.age(workspace_today(client.workspace)), own=client.user_id == request.user.pk))


@require_GET
@portal_view
def portal_download(request, client_id: int):
    """The client's own data as JSON — the same content as the GDPR export (`exports.client_data`)."""
    client = request.portal.client(client_id)
    portal.portal_read(user=request.user, client=client, page="download")
    body = json.dumps(exports.client_data(client, sensitive=True, history=True), ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="praxis-client-{client.pk}.json"'
    return response


urlpatterns = [
    path("portal/invite/<str:token>/", portal_invite, name="portal_invite"),
    path("w/<slug:ws>/portal/", portal_home, name="portal"),
    path("w/<slug:ws>/portal/<int:client_id>/", portal_record, name="portal_record"),
    path("w/<slug:ws>/portal/<int:client_id>/download/", portal_download, name="portal_download"),
    path("w/<slug:ws>/clients/<int:client_id>/portal-invite/", portal_invite_send, name="portal_invite_send"),
    path("w/<slug:ws>/clients/<int:client_id>/portal-invite/<int:invitation_id>/revoke/", portal_invite_revoke,
         name="portal_invite_revoke"),
]
