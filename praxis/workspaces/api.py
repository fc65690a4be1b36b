"""API for workspaces, members, contact persons and invitations (SPEC §2, §3, §5, §6, §13).

Handlers only translate between JSON and the services; each declares the capability it needs.
"""

from django.contrib.auth import login
from django_scopes import scope
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.utils import check_csrf

from praxis.accounts.middleware import mark_authenticated, reauthenticated_at
from praxis.accounts.sessions import LOGIN_BACKEND
from praxis.api.scoping import paginate, workspace_endpoint
from praxis.core.errors import NotFound

from . import invitations, licences, selectors, services
from .access import user_workspaces
from .models import Membership
from .roles import MEMBERS_MANAGE, MEMBERS_VIEW
from .schemas import (
    AcceptedOut,
    ContactAccessIn,
    ContactIn,
    IdsIn,
    InvitationAcceptIn,
    InvitationCreateIn,
    InvitationLinkOut,
    InvitationOut,
    InvitationPage,
    MemberOut,
    MemberPage,
    MemberUpdateIn,
    OwnershipTransferIn,
    RestoreIn,
    WorkspaceCreateIn,
    WorkspaceDetailOut,
    WorkspaceOut,
    WorkspaceUpdateIn,
)

workspaces_router = Router(tags=["workspaces"])
invitation_links_router = Router(tags=["invitation links"], auth=None)


def _reauth(request):
    return reauthenticated_at(request) if getattr(request, "api_token", None) is None else None


# --- workspaces ---------------------------------------------------------------------------------------

@workspaces_router.get("", response=list[WorkspaceOut])
def workspace_list(request):
    token = getattr(request, "api_token", None)
    return [ws for ws in user_workspaces(request.auth) if token is None or ws.pk == token.workspace_id]


@workspaces_router.post("", response={201: WorkspaceDetailOut})
def workspace_create(request, payload: WorkspaceCreateIn):
    return services.workspace_create(actor=request.auth, name=payload.name, tier=payload.tier,
                                     billing_interval=payload.billing_interval)


@workspaces_router.get("/{ws}", response=WorkspaceDetailOut)
@workspace_endpoint()
def workspace_detail(request, ws: str):
    return request.access.workspace


@workspaces_router.patch("/{ws}", response=WorkspaceDetailOut)
@workspace_endpoint()
def workspace_update(request, ws: str, payload: WorkspaceUpdateIn):
    return services.workspace_update(access=request.access, changes=payload.dict(exclude_unset=True))


@workspaces_router.post("/{ws}/ownership", response=MemberOut)
@workspace_endpoint()
def ownership_transfer(request, ws: str, payload: OwnershipTransferIn):
    return services.ownership_transfer(access=request.access, to_membership_id=payload.member_id,
                                       password=payload.password, reauthenticated_at=_reauth(request))


# --- members ------------------------------------------------------------------------------------------

@workspaces_router.get("/{ws}/members", response=MemberPage)
@workspace_endpoint(MEMBERS_VIEW)
def member_list(request, ws: str, status: str = "active", page: int = 1, page_size: int = 50):
    result = paginate(selectors.members_list(workspace=request.access.workspace, status=status),
                      page=page, page_size=page_size)
    # The account type and payer the members page and the billing tab show (issue 6 point 5).
    standings = licences.member_standings(members=result["items"])
    for member in result["items"]:
        member.standing = standings[member.pk]
    return result


@workspaces_router.post("/{ws}/members/cancel", response=list[MemberOut])
@workspace_endpoint(MEMBERS_MANAGE)
def member_cancel(request, ws: str, payload: IdsIn):
    return services.members_cancel(access=request.access, membership_ids=payload.ids)


@workspaces_router.post("/{ws}/members/restore", response=list[MemberOut])
@workspace_endpoint(MEMBERS_MANAGE)
def member_restore(request, ws: str, payload: RestoreIn):
    return services.members_restore(access=request.access, membership_ids=payload.ids,
                                    pay_for_user=payload.pay_for_user)


@workspaces_router.get("/{ws}/members/{int:member_id}", response=MemberOut)
@workspace_endpoint(MEMBERS_VIEW)
def member_detail(request, ws: str, member_id: int):
    member = selectors.member_get(workspace=request.access.workspace, member_id=member_id)
    if member is None:
        raise NotFound("not_found", "Not found.")
    return member


@workspaces_router.patch("/{ws}/members/{int:member_id}", response=MemberOut)
@workspace_endpoint(MEMBERS_MANAGE)
def member_update(request, ws: str, member_id: int, payload: MemberUpdateIn):
    """Change role and grants; confirm with your password (R-ROLE-5)."""
    return services.member_change_role(access=request.access, membership_id=member_id, role=payload.role,
                                       grants=payload.grants, password=payload.password,
                                       reauthenticated_at=_reauth(request))


@workspaces_router.post("/{ws}/contacts", response={201: MemberOut})
@workspace_endpoint(MEMBERS_MANAGE)
def contact_create(request, ws: str, payload: ContactIn):
    return services.contact_person_add(access=request.access, first_name=payload.first_name,
                                            last_name=payload.last_name, gender=payload.gender, role=payload.role)


@workspaces_router.post("/{ws}/contacts/{int:member_id}/access", response={201: InvitationOut})
@workspace_endpoint(MEMBERS_MANAGE)
def contact_access(request, ws: str, member_id: int, payload: ContactAccessIn):
    invitation, _token = invitations.contact_person_grant_access(access=request.access, membership_id=member_id,
                                                                 email=payload.email)
    return invitation


# --- invitations (admin side) ---------------------------------------------------------------------------

@workspaces_router.get("/{ws}/invitations", response=InvitationPage)
@workspace_endpoint(MEMBERS_MANAGE)
def invitation_list(request, ws: str, status: str = "pending", page: int = 1, page_size: int = 50):
    return paginate(selectors.invitations_list(workspace=request.access.workspace, status=status),
                    page=page, page_size=page_size)


@workspaces_router.post("/{ws}/invitations", response={201: list[InvitationOut]})
@workspace_endpoint(MEMBERS_MANAGE)
def invitation_create(request, ws: str, payload: InvitationCreateIn):
    created = invitations.invitations_create(
        access=request.access, emails=payload.emails, role=payload.role, account_type=payload.account_type,
        pay_for_user=payload.pay_for_user, pay_timing=payload.pay_timing)
    return [invitation for invitation, _token in created]


@workspaces_router.post("/{ws}/invitations/{int:invitation_id}/resend", response=InvitationOut)
@workspace_endpoint(MEMBERS_MANAGE)
def invitation_resend(request, ws: str, invitation_id: int):
    invitation, _token = invitations.invitation_resend(access=request.access, invitation_id=invitation_id)
    return invitation


@workspaces_router.post("/{ws}/invitations/{int:invitation_id}/revoke", response=InvitationOut)
@workspace_endpoint(MEMBERS_MANAGE)
def invitation_revoke(request, ws: str, invitation_id: int):
    return invitations.invitation_revoke(access=request.access, invitation_id=invitation_id)


# --- invitation links (the invitee's side; no workspace access needed) ------------------------------------

@invitation_links_router.get("/{token}", response=InvitationLinkOut)
def invitation_link(request, token: str):
    """What a link is: valid (with the workspace name and role) or why not (R-INV-4)."""
    link = invitations.invitation_inspect(token)
    out: dict[str, object] = {"state": link.state, "message": link.message}
    if link.invitation is not None:
        out.update(workspace=link.invitation.workspace.name, email=link.invitation.email,
                   role=link.invitation.role,
                   account_exists=services.user_by_email(link.invitation.email) is not None)
    return out


@invitation_links_router.post("/{token}/accept", response={200: AcceptedOut, 201: AcceptedOut})
def invitation_link_accept(request, token: str, payload: InvitationAcceptIn):
    """Logged in: accept as yourself. Not logged in: sign up with the invited address and a password."""
    if request.user.is_authenticated:
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed")
        member = invitations.invitation_accept(token=token, user=request.user)
        status = 200
    else:
        user, member = invitations.invitation_accept_new_user(
            token=token, password=payload.password or "", first_name=payload.first_name,
            last_name=payload.last_name, language=payload.language)
        login(request, user, backend=LOGIN_BACKEND)
        mark_authenticated(request)
        status = 201
    with scope(workspace=member.workspace):
        member = Membership.objects.select_related("user", "workspace").get(pk=member.pk)
    return Status(status, {"workspace": member.workspace.slug, "member": member})

