"""HTML views for workspaces, members, invitations and contact persons.

Views are thin: `@workspace_view(capability)` resolves the workspace and the member's capabilities once
(404 for a workspace the user is not an active member of, 403 for a missing capability), a form shapes the
input, one service does the work and its `ServiceError` becomes a form error or a message (`NotFound`
becomes 404, R-ROLE-4). Every change is a POST with CSRF and answers with a redirect (post/redirect/get);
an htmx request gets a named partial of the same template instead, so every page also works without
JavaScript.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from praxis.accounts.middleware import REAUTHENTICATED, mark_authenticated, reauthenticated_at
from praxis.billing import catalogue
from praxis.core import clock
from praxis.core.errors import NotFound, ServiceError
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.transactions import record_refusal
from praxis.core.web import form_error, is_htmx, keep_link_token_private

from . import selectors, services
from .forms import (
    BulkMembersForm,
    BulkRestoreForm,
    ContactAccessForm,
    ContactPersonForm,
    InvitationsForm,
    InvitationSignupForm,
    MemberRoleForm,
    OrganisationForm,
    OwnershipTransferForm,
    WorkspaceCreateForm,
)
from .invitations import (
    LinkState,
    contact_person_grant_access,
    invitation_accept,
    invitation_accept_new_user,
    invitation_inspect,
    invitation_resend,
    invitation_revoke,
    invitations_create,
)
from .middleware import CURRENT_WORKSPACE
from .roles import MEMBERS_MANAGE, MEMBERS_VIEW, TICKETS_VIEW_ALL, WORKSPACE_EDIT, Role
from .services import REAUTH_WINDOW
from .web import workspace_view

# --- helpers ----------------------------------------------------------------------------------------


def _mark_reauthenticated(request) -> None:
    """The user just confirmed their password: for 10 minutes they need not enter it again (R-ROLE-5)."""
    request.session[REAUTHENTICATED] = clock.now().isoformat()


def _recently_reauthenticated(request) -> bool:
    moment = reauthenticated_at(request)
    return bool(moment and clock.now() - moment <= REAUTH_WINDOW)


def _ws_url(request, name: str, **kwargs) -> str:
    return reverse(f"workspaces:{name}", kwargs={"ws": request.access.workspace.slug, **kwargs})


def _refuse(request, exc: ServiceError) -> None:
    """A refusal outside a form: a message, or the same 404 as a missing object (R-ROLE-4)."""
    record_refusal(exc)
    if isinstance(exc, NotFound):
        raise Http404
    messages.error(request, exc.message)


def _may_make_admins(access) -> bool:
    return access.membership.role in (Role.OWNER, Role.ADMIN)


# --- entry points -----------------------------------------------------------------------------------


def home(request):
    """`/`: back to the workspace worked in last, else a shared workspace (a practice member usually
    comes to work there), else the personal workspace, else the list."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    memberships = selectors.user_memberships(user=request.user)
    last = request.session.get(CURRENT_WORKSPACE)
    target = next((m.workspace for m in memberships if m.workspace.slug == last), None)
    if target is None:
        target = next((m.workspace for m in memberships if not m.workspace.is_personal), None)
    if target is None:
        target = next((m.workspace for m in memberships if m.workspace.is_personal and m.role == Role.OWNER), None)
    if target is None:
        return redirect("workspaces:list")
    return redirect("workspaces:dashboard", ws=target.slug)


@login_required
def workspace_list(request):
    """The user's workspaces with their role there (R-WS-3), and creating a new one (R-WS-1)."""
    form = WorkspaceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                actor=request.user, name=form.cleaned_data["name"], tier=form.cleaned_data["tier"]
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Workspace “%(name)s” created.") % {"name": workspace.name})
            return redirect("workspaces:dashboard", ws=workspace.slug)
    return render(request, "workspaces/list.html", {
        "memberships": selectors.user_memberships(user=request.user),
        "form": form,
    })


@workspace_view()
def dashboard(request):
    access = request.access
    counts = selectors.member_counts(workspace=access.workspace)
    pending = (
        selectors.invitations_pending_count(workspace=access.workspace) if access.can(MEMBERS_MANAGE) else None
    )
    return render(request, "workspaces/dashboard.html", {
        "workspace": access.workspace,
        "membership": access.membership,
        "active_count": counts["active"],
        "pending_count": pending,
    })


# --- organisation details and ownership -------------------------------------------------------------


def _render_settings(request, *, form=None, transfer_form=None, status: int = 200):
    access = request.access
    is_owner = access.membership.role == Role.OWNER
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
            if access.membership.role != Role.OWNER:
                _refuse(request, exc)
                return redirect(_ws_url(request, "settings"))
            form_error(form, exc)
        else:
            if password:
                _mark_reauthenticated(request)
            messages.success(request, _("%(name)s is now the owner of this workspace; you are an admin.")
                             % {"name": new_owner.display_name})
            return redirect(_ws_url(request, "dashboard"))
    return _render_settings(request, transfer_form=form)


# --- members ----------------------------------------------------------------------------------------


def _status(request) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return LifecycleStatus.CANCELLED if source.get("status") == LifecycleStatus.CANCELLED else LifecycleStatus.ACTIVE


MEMBERS_PER_PAGE = 100


def _members_context(request, status: str) -> dict:
    workspace = request.access.workspace
    return {
        "workspace": workspace,
        "status": status,
        "page": (page := Paginator(selectors.members_list(workspace=workspace, status=status),
                                   MEMBERS_PER_PAGE).get_page(request.GET.get("page"))),
        "members": page.object_list,
        "counts": selectors.member_counts(workspace=workspace),
        "can_manage": request.access.can(MEMBERS_MANAGE),
        "restore_form": BulkRestoreForm(),
        "htmx": is_htmx(request),
    }


def _members_url(request, status: str) -> str:
    url = _ws_url(request, "members")
    return f"{url}?status={LifecycleStatus.CANCELLED}" if status == LifecycleStatus.CANCELLED else url


@workspace_view(MEMBERS_VIEW)
def members(request):
    """Active and cancelled members (R-MEM-1), with bulk cancel / restore for `members.manage`."""
    context = _members_context(request, _status(request))
    # A tab switch swaps only the panel; restoring history after a cache miss needs the whole page.
    if is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true":
        return render(request, "workspaces/members.html#member-panel", context)
    return render(request, "workspaces/members.html", context)


@require_POST
@workspace_view(MEMBERS_MANAGE)
def members_cancel(request):
    """Two steps: the selection is confirmed first (a page, or a dialog for htmx), then cancelled."""
    form = BulkMembersForm(request.POST)
    ids = form.cleaned_data["ids"] if form.is_valid() else []
    confirmed = form.is_valid() and form.cleaned_data["confirm"]
    if not confirmed:
        selected = selectors.members_by_ids(workspace=request.access.workspace, member_ids=ids)
        if len(selected) != len(ids):
            raise Http404
        context = {"workspace": request.access.workspace, "selected": selected, "htmx": is_htmx(request)}
        if is_htmx(request):
            # An empty selection gets the dialog too (saying so), never a redirect swapped into the slot.
            return render(request, "workspaces/members_cancel.html#confirm-dialog", context)
        if not selected:
            messages.error(request, _("Select at least one member."))
            return redirect(_members_url(request, LifecycleStatus.ACTIVE))
        return render(request, "workspaces/members_cancel.html", context)
    try:
        changed = services.members_cancel(access=request.access, membership_ids=ids)
    except ServiceError as exc:
        _refuse(request, exc)
    else:
        messages.success(request, ngettext(
            "The membership of %(count)d person was cancelled.",
            "The memberships of %(count)d people were cancelled.", len(changed),
        ) % {"count": len(changed)})
    return redirect(_members_url(request, LifecycleStatus.ACTIVE))


@require_POST
@workspace_view(MEMBERS_MANAGE)
def members_restore(request):
    form = BulkRestoreForm(request.POST)
    ids = form.cleaned_data["ids"] if form.is_valid() else []
    if not ids:
        messages.error(request, _("Select at least one member."))
    else:
        try:
            changed = services.members_restore(
                access=request.access, membership_ids=ids, pay_for_user=form.cleaned_data["pay_for_user"]
            )
        except ServiceError as exc:
            _refuse(request, exc)
        else:
            messages.success(request, ngettext(
                "The membership of %(count)d person was restored.",
                "The memberships of %(count)d people were restored.", len(changed),
            ) % {"count": len(changed)})
    if is_htmx(request):
        return render(request, "workspaces/members.html#member-panel",
                      _members_context(request, LifecycleStatus.CANCELLED))
    return redirect(_members_url(request, LifecycleStatus.CANCELLED))


@workspace_view(MEMBERS_MANAGE)
def member_edit(request, member_id: int):
    """Change a member's role and the staff+ grant (R-ROLE-1), confirmed by password (R-ROLE-5)."""
    access = request.access
    member = selectors.member_get(workspace=access.workspace, member_id=member_id)
    if member is None:
        raise Http404
    form = MemberRoleForm(
        request.POST or None,
        initial={"role": member.role, "staff_plus": TICKETS_VIEW_ALL in (member.grants or [])},
    )
    if not _may_make_admins(access):
        form.fields["role"].choices = [c for c in form.fields["role"].choices if c[0] != Role.ADMIN]
    if request.method == "POST" and member.role != Role.OWNER and form.is_valid():
        password = form.cleaned_data["password"]
        try:
            services.member_change_role(
                access=access, membership_id=member.pk, role=form.cleaned_data["role"], grants=form.grants,
                password=password, reauthenticated_at=reauthenticated_at(request),
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            if password:
                _mark_reauthenticated(request)
            messages.success(request, _("The role of %(name)s was changed.") % {"name": member.display_name})
            return redirect(_ws_url(request, "members"))
    return render(request, "workspaces/member_edit.html", {
        "workspace": access.workspace,
        "member": member,
        "form": form,
        "recently_reauthenticated": _recently_reauthenticated(request),
    })


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
    form = InvitationsForm(request.POST or None, may_invite_admins=_may_make_admins(access))
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
    # R-BIL-14: what a seat costs per cycle; the page's cost panel (billing:seat_cost) refines it with htmx.
    plans = [plan for plan in catalogue.plans().values() if plan.is_paid]
    return render(request, "workspaces/invitations.html", {**_pending_context(request), "form": form,
                                                            "plans": plans})


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
        _refuse(request, exc)
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
        _refuse(request, exc)
    else:
        messages.success(request, _("The invitation for %(email)s was revoked.") % {"email": invitation.email})
    return _after_invitation_action(request)


# --- contact persons --------------------------------------------------------------------------------

ROLE_COLUMNS = [(role.value, role.label) for role in Role]


def _render_contacts(request, *, add_form=None, access_form=None, access_for: int | None = None, status=200):
    """One row per active member, with or without a login, and a ✓ in their role's column (R-INV-6)."""
    access = request.access
    rows = []
    for member, pending in selectors.contact_persons(workspace=access.workspace):
        rows.append({
            "member": member,
            "email": member.user.email if member.user_id else None,
            "pending": pending,
            "roles": [member.role == role for role, _label in ROLE_COLUMNS],
            "staff_plus": TICKETS_VIEW_ALL in (member.grants or []),
            "access_form": access_form if member.pk == access_for else ContactAccessForm(
                auto_id=f"id_access_{member.pk}_%s"
            ),
        })
    return render(request, "workspaces/contacts.html", {
        "workspace": access.workspace,
        "rows": rows,
        "role_columns": [label for _role, label in ROLE_COLUMNS],
        "can_manage": access.can(MEMBERS_MANAGE),
        "add_form": add_form or ContactPersonForm(),
        "add_open": add_form is not None,
    }, status=status)


@workspace_view(MEMBERS_VIEW)
def contacts(request):
    return _render_contacts(request)


@require_POST
@workspace_view(MEMBERS_MANAGE)
def contact_add(request):
    form = ContactPersonForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = services.contact_person_add(
                access=request.access, first_name=data["first_name"], last_name=data["last_name"],
                gender=data["gender"], role=data["role"],
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added as a contact person.") % {"name": member.display_name})
            return redirect(_ws_url(request, "contacts"))
    return _render_contacts(request, add_form=form)


@require_POST
@workspace_view(MEMBERS_MANAGE)
def contact_access(request, member_id: int):
    """Give a login-less contact person portal access: an invitation to the address entered (R-INV-6)."""
    form = ContactAccessForm(request.POST, auto_id=f"id_access_{member_id}_%s")
    if form.is_valid():
        try:
            invitation, _token = contact_person_grant_access(
                access=request.access, membership_id=member_id, email=form.cleaned_data["email"]
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("An invitation for portal access was sent to %(email)s.")
                             % {"email": invitation.email})
            return redirect(_ws_url(request, "contacts"))
    if selectors.member_get(workspace=request.access.workspace, member_id=member_id) is None:
        raise Http404
    return _render_contacts(request, access_form=form, access_for=member_id)


# --- the invitee's side -----------------------------------------------------------------------------




@never_cache
def invite(request, token: str):
    """The link in an invitation e-mail (R-INV-3, R-INV-4). Open to anyone holding the link."""
    link = invitation_inspect(token)
    if link.state != LinkState.VALID:
        # R-INV-4: the link's message only, nothing about the workspace.
        return keep_link_token_private(render(request, "workspaces/invite.html", {"dead_message": link.message}, status=410))
    invitation = link.invitation
    context = {"invitation": invitation, "workspace_name": invitation.workspace.name,
               "role_label": invitation.get_role_display(), "token": token}
    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            context["state"] = "wrong_user"
            context["wrong_user_message"] = _(
                "This invitation was sent to %(email)s, but you are logged in as %(current)s. Log out and open "
                "the link again."
            ) % {"email": invitation.email, "current": user.email}
        else:
            context["state"] = "accept"
            if request.method == "POST":
                try:
                    member = invitation_accept(token=token, user=user)
                except ServiceError as exc:
                    context["error"] = exc.message
                else:
                    messages.success(request, _("Welcome to %(name)s.") % {"name": member.workspace.name})
                    return keep_link_token_private(redirect("workspaces:dashboard", ws=member.workspace.slug))
    elif services.user_by_email(invitation.email) is not None:
        context["state"] = "login"
        context["login_url"] = f"{reverse('accounts:login')}?{urlencode({'next': request.path})}"
    else:
        context["state"] = "signup"
        form = InvitationSignupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                new_user, member = invitation_accept_new_user(
                    token=token, password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"], last_name=form.cleaned_data["last_name"],
                )
            except ServiceError as exc:
                form_error(form, exc)
            else:
                login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
                mark_authenticated(request)
                messages.success(request, _("Welcome to %(name)s.") % {"name": member.workspace.name})
                return keep_link_token_private(redirect("workspaces:dashboard", ws=member.workspace.slug))
        context["form"] = form
    return keep_link_token_private(render(request, "workspaces/invite.html", context))
