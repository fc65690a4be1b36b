"""Contact persons (R-INV-6, seed 002 "Contactpersonen aanmaken / wijzigen"), issue 6 point 18.

A contact person is a membership without a login. An admin creates one with first name, last name,
gender and role, and may give the portal e-mail at once (which sends the invitation); later they edit the
name, gender and portal e-mail — a new address ends the pending invitation and sends one to the new
address, an emptied one ends it. Once the person has a login, their name and e-mail are their own
(R-ACC-3): the admin no longer edits them here.
"""

from django.utils.translation import gettext as _

from praxis.accounts.models import Gender
from praxis.audit import services as audit
from praxis.core.errors import NotFound, ServiceError
from praxis.core.transactions import service_transaction
from praxis.core.validation import check_max_length

from . import policies
from .access import Access
from .invitations import contact_person_grant_access, invitation_revoke
from .models import Invitation, Membership
from .roles import MEMBERS_MANAGE
from .services import contact_person_add


def _clean_names(first_name: str, last_name: str, gender: str) -> tuple[str, str, str]:
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not first_name and not last_name:
        raise ServiceError("name_required", _("Enter a first or last name."), field="first_name")
    check_max_length(first_name, 150, field="first_name")
    check_max_length(last_name, 150, field="last_name")
    if (gender or "") not in Gender.values:
        raise ServiceError("invalid_gender", _("Choose a valid option."), field="gender")
    return first_name, last_name, gender or ""


def pending_access(contact: Membership) -> Invitation | None:
    """The contact person's pending portal invitation, if any."""
    return (Invitation.objects.filter(workspace=contact.workspace_id, contact=contact,
                                      status=Invitation.Status.PENDING).order_by("-sent_at", "-pk").first())


@service_transaction
def contact_person_create(*, access: Access, first_name: str, last_name: str, gender: str = "", role: str,
                          email: str = "") -> tuple[Membership, Invitation | None]:
    """Add a contact person and, when an e-mail is given, invite it for portal access — one transaction,
    so a refused address adds nobody (issue 6 point 18)."""
    member = contact_person_add(access=access, first_name=first_name, last_name=last_name, gender=gender,
                                role=role)
    invitation = None
    if (email or "").strip():
        invitation, _token = contact_person_grant_access(access=access, membership_id=member.pk,
                                                         email=email.strip())
    return member, invitation


@service_transaction
def contact_person_update(*, access: Access, membership_id: int, first_name: str, last_name: str,
                          gender: str = "", email: str = "") -> Membership:
    """Edit a login-less contact person's name, gender and portal e-mail (issue 6 point 18, R-INV-6)."""
    access.require(MEMBERS_MANAGE, code="contact.updated")
    contact = Membership.objects.select_for_update().filter(pk=membership_id).first()
    if contact is None or contact.workspace_id != access.workspace.pk or not contact.is_active:
        raise NotFound("not_found", _("That contact person does not exist."))
    # The role order (issue 6 point 7): an assistant does not edit an admin's entry.
    policies.require_manage_member(access=access, target_role=contact.role, code="contact.updated",
                                   member=contact.pk)
    if contact.user_id is not None:
        raise ServiceError("has_login", _("%(name)s has a login: their name and e-mail are in their own "
                                          "personal details.") % {"name": contact.display_name})
    first_name, last_name, gender = _clean_names(first_name, last_name, gender)
    email = (email or "").strip()
    changed = {field: value for field, value in
               (("first_name", first_name), ("last_name", last_name), ("gender", gender))
               if getattr(contact, field) != value}
    pending = pending_access(contact)
    if (pending.email if pending else "").lower() != email.lower():
        if pending is not None:
            invitation_revoke(access=access, invitation_id=pending.pk)
        if email:
            contact_person_grant_access(access=access, membership_id=contact.pk, email=email)
        changed["portal_email"] = email
    fields = [field for field in ("first_name", "last_name", "gender") if field in changed]
    for field in fields:
        setattr(contact, field, changed[field])
    if fields:
        contact.save(update_fields=fields)
    if changed:
        audit.record(code="contact.updated", action="update", actor=access.user, workspace=access.workspace,
                     obj=contact, role=access.membership.role, permission=MEMBERS_MANAGE,
                     data={"fields": sorted(changed)})
    return contact
