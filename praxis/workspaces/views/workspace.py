"""Entry points, the workspace list and dashboard, organisation details and ownership (R-WS-1..5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praxis.accounts.middleware import mark_reauthenticated, reauthenticated_at
from praxis.core import clock
from praxis.core.errors import ServiceError
from praxis.core.web import form_error

from .. import licences, policies, ports, selectors, services
from ..forms import (
    OrganisationForm,
    OwnershipTransferForm,
    WorkspaceCreateForm,
)
from ..middleware import CURRENT_WORKSPACE
from ..roles import MEMBERS_MANAGE, WORKSPACE_EDIT, Role
from ..web import workspace_view
from ._common import _recently_reauthenticated, _ws_url

# --- entry points -----------------------------------------------------------------------------------


def home(request):
    """`/`: back to the workspace worked in last, else a shared workspace (a practice member usually
    comes to work there), else the personal workspace, else the list."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    memberships = selectors.user_memberships(user=request.user)
    last = request.session.get(CURRENT_WORKSPACE)
    target = next((m.workspace for m in memberships if m.workspace.slug == last), None)
    portals = ports.portals().portals_of(user=request.user) if target is None else []
    if (portal := next((p for p in portals if p.workspace_slug == last), None)) is not None:
        return redirect(portal.url)  # R-CLI-11: the client portal worked in last
    if target is None:
        target = next((m.workspace for m in memberships if not m.workspace.is_personal), None)
    if target is None:
        target = next((m.workspace for m in memberships if m.workspace.is_personal and m.role == Role.OWNER), None)
    if target is None:
        # R-CLI-11: someone who is only a client somewhere goes to their portal (asked through the port).
        if portals:
            return redirect(portals[0].url)
        return redirect("workspaces:list")
    return redirect("workspaces:dashboard", ws=target.slug)


@login_required
def workspace_list(request):
    """The user's workspaces with their role there (R-WS-3), and creating a new one (R-WS-1)."""
    form = WorkspaceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                actor=request.user, name=form.cleaned_data["name"], tier=form.cleaned_data["tier"],
                billing_interval=form.cleaned_data["billing_interval"],
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Workspace “%(name)s” created.") % {"name": workspace.name})
            return redirect("workspaces:dashboard", ws=workspace.slug)
    return render(request, "workspaces/list.html", {
        "memberships": selectors.user_memberships(user=request.user),
        "portals": ports.portals().portals_of(user=request.user),  # client portals they use (R-CLI-11)
        "form": form,
    })


@workspace_view()
def dashboard(request):
    access = request.access
    counts = selectors.member_counts(workspace=access.workspace)
    pending = (
        selectors.invitations_pending_count(workspace=access.workspace) if access.can(MEMBERS_MANAGE) else None
    )
    now = clock.now()
    licence = licences.current_licence(request.user)
    return render(request, "workspaces/dashboard.html", {
        "workspace": access.workspace,
        "membership": access.membership,
        "active_count": counts["active"],
        "pending_count": pending,
        # Issue 6 point 5: a trial date in the past is said as "ended", with what happens now.
        "workspace_trial_running": access.workspace.trial_running(now),
        "own": licences.standing(licence, now),
        "own_trial_ended": licences.own_trial_ended(licence, now),
        # R-SUP-4: what awaits the member — tickets waiting for their answer first (from the support
        # app, through the port), then invitations they have not answered.
        "panels": ports.home_panels(access=access),
        "invitations_awaiting": selectors.invitations_awaiting(user=request.user, at=now),
    })


# --- organisation details and ownership -------------------------------------------------------------


def _render_settings(request, *, form=None, transfer_form=None, status: int = 200):
    access = request.access
    is_owner = policies.may_transfer_ownership(access=access)
    if is_owner and transfer_form is None:
        transfer_form = OwnershipTransferForm(
            candidates=selectors.transfer_candidates(workspace=access.workspace)
        )
    return render(request, "workspaces/settings.html", {
        "workspace": access.workspace,
        "form": form or OrganisationForm(workspace=access.workspace),
        "is_owner": is_owner,
        "transfer_form": transfer_form if is_owner else None,
        "recently_reauthenticated": _recently_reauthenticated(request),
    }, status=status)


@workspace_view(WORKSPACE_EDIT)
def workspace_settings(request):
    """Organisation details (R-WS-4); the owner also sees the ownership transfer (R-WS-5)."""
    access = request.access
    form = OrganisationForm(request.POST or None, workspace=access.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_update(access=access, changes=form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The organisation details were saved."))
            return redirect(_ws_url(request, "settings"))
    return _render_settings(request, form=form)


@require_POST
@workspace_view(WORKSPACE_EDIT)
def ownership_transfer(request):
    access = request.access
    candidates = selectors.transfer_candidates(workspace=access.workspace)
    form = OwnershipTransferForm(request.POST, candidates=candidates)
    if form.is_valid():
        password = form.cleaned_data["password"]
        try:
            new_owner = services.ownership_transfer(
                access=access, to_membership_id=form.cleaned_data["member"], password=password,
                reauthenticated_at=reauthenticated_at(request),
            )
        except ServiceError as exc:
            form_error(form, exc)  # a refusal of the policy is an audited 403 (issue 6 point 7)
        else:
            if password:
                mark_reauthenticated(request)
            messages.success(request, _("%(name)s is now the owner of this workspace; you are an admin.")
                             % {"name": new_owner.display_name})
            return redirect(_ws_url(request, "dashboard"))
    return _render_settings(request, transfer_form=form)
