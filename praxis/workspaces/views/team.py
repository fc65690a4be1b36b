"""Members (R-MEM-1, R-ROLE-5) and contact persons (R-INV-6)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from praxis.accounts.middleware import mark_reauthenticated, reauthenticated_at
from praxis.core import clock
from praxis.core.errors import ServiceError
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.web import form_error, is_htmx, refuse

from .. import licences, policies, selectors, services
from ..contacts import contact_person_create, contact_person_update, pending_access
from ..forms import (
    BulkMembersForm,
    BulkRestoreForm,
    ContactAccessForm,
    ContactEditForm,
    ContactPersonForm,
    MemberRoleForm,
)
from ..invitations import (
    contact_person_grant_access,
)
from ..roles import MEMBERS_MANAGE, MEMBERS_VIEW, TICKETS_VIEW_ALL, Role
from ..web import workspace_view
from ._common import _recently_reauthenticated, _ws_url

# --- members ----------------------------------------------------------------------------------------


def _status(request) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return LifecycleStatus.CANCELLED if source.get("status") == LifecycleStatus.CANCELLED else LifecycleStatus.ACTIVE


MEMBERS_PER_PAGE = 100


def _members_context(request, status: str) -> dict:
    access = request.access
    workspace = access.workspace
    page = Paginator(selectors.members_list(workspace=workspace, status=status),
                     MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    members = list(page.object_list)
    # Account type and payer as the billing tab shows them (issue 6 point 5): one query for the page.
    standings = licences.member_standings(members=members)
    for member in members:
        member.standing = standings[member.pk]
    return {
        "workspace": workspace,
        "status": status,
        "page": page,
        "members": members,
        # Whom this member may select for cancel / restore: the policy decides, the template only shows it.
        "selectable": {m.pk for m in members if policies.may_cancel_member(access=access, target_role=m.role)},
        "counts": selectors.member_counts(workspace=workspace),
        "can_manage": request.access.can(MEMBERS_MANAGE),
        "restore_form": BulkRestoreForm(),
        # Paying for a restored seat is a billing decision (issue 6 point 2).
        "may_commit_money": policies.may_commit_money(access=request.access),
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
        refuse(request, exc)
    else:
        messages.success(request, ngettext(
            "The membership of %(count)d person was cancelled.",
            "The memberships of %(count)d people were cancelled.", len(changed),
        ) % {"count": len(changed)})
    return redirect(_members_url(request, LifecycleStatus.ACTIVE))


@require_POST
@workspace_view(MEMBERS_MANAGE)
def members_restore(request):
    # A posted `pay_for_user` without `billing.manage` is refused by the service (403, audited), not
    # silently dropped (issue 6 point 2).
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
            refuse(request, exc)
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
    # The decision comes from the policy (issue 6 point 7); the template only shows it. A refused POST is
    # the service's audited 403.
    editable = member.role != Role.OWNER and policies.may_manage_member(access=access, target_role=member.role)
    form = MemberRoleForm(
        request.POST or None, roles=policies.assignable_roles(access=access),
        initial={"role": member.role, "staff_plus": TICKETS_VIEW_ALL in (member.grants or [])},
    )
    if request.method == "POST" and form.is_valid():
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
                mark_reauthenticated(request)
            messages.success(request, _("The role of %(name)s was changed.") % {"name": member.display_name})
            return redirect(_ws_url(request, "members"))
    return render(request, "workspaces/member_edit.html", {
        "workspace": access.workspace,
        "member": member,
        "form": form,
        "is_owner": member.role == Role.OWNER,
        "editable": editable,
        "recently_reauthenticated": _recently_reauthenticated(request),
    })


# --- contact persons --------------------------------------------------------------------------------

ROLE_COLUMNS = [(role.value, role.label) for role in Role]


def _render_contacts(request, *, add_form=None, access_form=None, access_for: int | None = None, status=200):
    """One row per active member, with or without a login, and a ✓ in their role's column (R-INV-6)."""
    access = request.access
    rows = []
    for member, pending in selectors.contact_persons(workspace=access.workspace):
        rows.append({
            "member": member,
            "email": member.user.email if member.user is not None else None,
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
        "add_form": add_form or ContactPersonForm(roles=policies.assignable_roles(access=access)),
        "add_open": add_form is not None,
        "now": clock.now(),  # an expired portal invitation says so (issue 6 point 5)
    }, status=status)


@workspace_view(MEMBERS_VIEW)
def contacts(request):
    return _render_contacts(request)


@require_POST
@workspace_view(MEMBERS_MANAGE)
def contact_add(request):
    form = ContactPersonForm(request.POST)  # all roles: a refused one is the service's audited 403
    if form.is_valid():
        data = form.cleaned_data
        try:
            member, invitation = contact_person_create(
                access=request.access, first_name=data["first_name"], last_name=data["last_name"],
                gender=data["gender"], role=data["role"], email=data["email"],
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added as a contact person.") % {"name": member.display_name})
            if invitation is not None:
                messages.success(request, _("An invitation for portal access was sent to %(email)s.")
                                 % {"email": invitation.email})
            return redirect(_ws_url(request, "contacts"))
    return _render_contacts(request, add_form=form)


@workspace_view(MEMBERS_MANAGE)
def contact_edit(request, member_id: int):
    """Edit a login-less contact person's name, gender and portal e-mail (issue 6 point 18, R-INV-6)."""
    access = request.access
    member = selectors.member_get(workspace=access.workspace, member_id=member_id)
    if member is None or not member.is_active:
        raise Http404
    if member.user_id is not None:  # their details are their own (R-ACC-3); the role is on member_edit
        return redirect(_ws_url(request, "member_edit", member_id=member.pk))
    pending = pending_access(member)
    form = ContactEditForm(request.POST or None, initial={
        "first_name": member.first_name, "last_name": member.last_name, "gender": member.gender,
        "email": pending.email if pending else "",
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact_person_update(access=access, membership_id=member.pk, first_name=data["first_name"],
                                  last_name=data["last_name"], gender=data["gender"], email=data["email"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The details of %(name)s were saved.")
                             % {"name": f"{data['first_name']} {data['last_name']}".strip()})
            return redirect(_ws_url(request, "contacts"))
    return render(request, "workspaces/contact_edit.html", {
        "workspace": access.workspace, "member": member, "form": form, "pending": pending,
    })


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
