"""Invitations: the admin's side (R-INV-1, R-INV-2, R-INV-5) and the invitee's (R-INV-3, R-INV-4)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from praxis.accounts.middleware import activate_language, mark_authenticated
from praxis.accounts.sessions import LOGIN_BACKEND
from praxis.core import clock
from praxis.core.errors import ServiceError
from praxis.core.web import form_error, is_htmx, keep_link_token_private, refuse

from .. import policies, ports, selectors, services
from ..forms import (
    InvitationsForm,
    InvitationSignupForm,
)
from ..invitations import (
    LinkState,
    invitation_accept,
    invitation_accept_new_user,
    invitation_inspect,
    invitation_resend,
    invitation_revoke,
    invitations_create,
    wrong_user_message,
)
from ..roles import MEMBERS_MANAGE
from ..web import workspace_view
from ._common import _ws_url

# --- invitations ------------------------------------------------------------------------------------


def _pending_context(request) -> dict:
    return {
        "workspace": request.access.workspace,
        "pending": selectors.invitations_pending(workspace=request.access.workspace),
        "now": clock.now(),
        "htmx": is_htmx(request),
    }


@workspace_view(MEMBERS_MANAGE)
def invitations(request):
    """Invite many addresses at once (R-INV-1, R-BIL-7) and list the pending invitations (R-INV-5)."""
    access = request.access
    may_commit_money = policies.may_commit_money(access=access)  # issue 6 point 2: one answer for all
    form = InvitationsForm(request.POST or None, roles=policies.assignable_roles(access=access),
                           may_commit_money=may_commit_money)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = invitations_create(
                access=access, emails=data["emails"], role=data["role"], account_type=data["account_type"],
                pay_for_user=data["pay_for_user"], pay_timing=data["pay_timing"],
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, ngettext(
                "Invitation sent to %(count)d address.", "Invitations sent to %(count)d addresses.", len(created),
            ) % {"count": len(created)})
            return redirect(_ws_url(request, "invitations"))
    # R-BIL-14: the page lists what a seat costs per cycle (asked through the billing port, issue 6
    # point 9); its cost panel (billing:seat_cost) refines it with htmx. Both only for
    # `policies.may_commit_money` (issue 6 point 2).
    seat_prices = ports.billing().seat_prices(interval=access.workspace.billing_interval) if may_commit_money else []
    return render(request, "workspaces/invitations.html",
                  {**_pending_context(request), "form": form, "seat_prices": seat_prices,
                   "may_commit_money": may_commit_money})


def _after_invitation_action(request):
    if is_htmx(request):
        return render(request, "workspaces/invitations.html#pending", _pending_context(request))
    return redirect(_ws_url(request, "invitations"))


@require_POST
@workspace_view(MEMBERS_MANAGE)
def invitation_resend_view(request, invitation_id: int):
    try:
        invitation, _token = invitation_resend(access=request.access, invitation_id=invitation_id)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("A new invitation link was sent to %(email)s; the old link no longer works.")
                         % {"email": invitation.email})
    return _after_invitation_action(request)


@require_POST
@workspace_view(MEMBERS_MANAGE)
def invitation_revoke_view(request, invitation_id: int):
    try:
        invitation = invitation_revoke(access=request.access, invitation_id=invitation_id)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("The invitation for %(email)s was revoked.") % {"email": invitation.email})
    return _after_invitation_action(request)


# --- the invitee's side -----------------------------------------------------------------------------


@never_cache
def invite(request, token: str):
    """The link in an invitation e-mail (R-INV-3, R-INV-4). Open to anyone holding the link."""
    link = invitation_inspect(token)
    if link.state != LinkState.VALID:
        # R-INV-4: the link's message only, nothing about the workspace.
        return keep_link_token_private(render(request, "workspaces/invite.html",
                                              {"dead_message": link.message, "dead_state": link.state}, status=410))
    invitation = link.invitation
    assert invitation is not None  # invitation_inspect() gives every VALID link its invitation
    user = request.user
    existing = None if user.is_authenticated else services.user_by_email(invitation.email)
    if not user.is_authenticated:
        # Issue 6 point 16: the page, and the login or sign-up after it, speak the invitation e-mail's
        # language (the invitee's own, else the workspace's) unless the person picked one (`?lang=`).
        activate_language(request, request.GET.get("lang") or (
            existing.language if existing else invitation.workspace.language), remember=True)
    context = {"invitation": invitation, "workspace_name": invitation.workspace.name,
               "role_label": invitation.get_role_display(), "token": token}
    if user.is_authenticated:
        if message := wrong_user_message(invitation, user):
            context["state"] = "wrong_user"
            context["wrong_user_message"] = message
        else:
            context["state"] = "accept"
            # Issue 6 point 4 (R-BIL-7): what accepting ends for a self-paying invitee, asked through the
            # billing port (point 9: this kernel page loads no billing template tags).
            context["ending"] = ports.self_paid_ending(user=user) if invitation.pay_for_user else None
            if request.method == "POST":
                try:
                    member = invitation_accept(token=token, user=user)
                except ServiceError as exc:
                    context["error"] = exc.message
                else:
                    messages.success(request, _("Welcome to %(name)s.") % {"name": member.workspace.name})
                    return keep_link_token_private(redirect("workspaces:dashboard", ws=member.workspace.slug))
    elif existing is not None:
        context["state"] = "login"
        context["login_url"] = f"{reverse('accounts:login')}?{urlencode({'next': request.path})}"
    else:
        context["state"] = "signup"
        # Issue 6 point 16: names the inviter already entered (a contact person's) come filled in, editable.
        contact = invitation.contact
        form = InvitationSignupForm(request.POST or None, initial={
            "first_name": contact.first_name, "last_name": contact.last_name} if contact else None)
        if request.method == "POST" and form.is_valid():
            try:
                new_user, member = invitation_accept_new_user(
                    token=token, password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"], last_name=form.cleaned_data["last_name"],
                    language=translation.get_language(),  # the language they read the page in
                )
            except ServiceError as exc:
                form_error(form, exc)
            else:
                login(request, new_user, backend=LOGIN_BACKEND)
                mark_authenticated(request)
                activate_language(request, user=new_user)
                messages.success(request, _("Welcome to %(name)s.") % {"name": member.workspace.name})
                return keep_link_token_private(redirect("workspaces:dashboard", ws=member.workspace.slug))
        context["form"] = form
    return keep_link_token_private(render(request, "workspaces/invite.html", context))
