"""What the audit log shows people: one registry of event labels (issue 6 point 16, R-AUD-2).

Entries store stable dotted codes (`member.role_changed`); the HTML list shows their translated label,
the action and the outcome in the reader's language. A code without a label (a new one, or a pattern
such as `operator.plan.updated`) falls back to a readable form of the code, never to nothing. The CSV
export keeps the raw codes: it is for machines and auditors.
`tests/test_labels.py` fails when the code base writes a code that has no label here.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

EVENT_LABELS = {
    # accounts
    "user.created": _("Account created"),
    "user.signup_existing": _("Sign-up with an existing address"),
    "user.logged_in": _("Logged in"),
    "user.logged_out": _("Logged out"),
    "user.login_failed": _("Login failed"),
    "user.updated": _("Personal details changed"),
    "user.email_changed": _("Login e-mail changed"),
    "user.password_changed": _("Password changed"),
    "user.password_reset": _("Password set by link"),
    "user.password_reset_requested": _("Password reset requested"),
    "user.password_confirm_failed": _("Password confirmation failed"),
    "user.two_factor_enabled": _("Two-step verification turned on"),
    "user.two_factor_removed": _("Two-step verification turned off"),
    "user.two_factor_recovery_codes_renewed": _("New recovery codes made"),
    "user.two_factor_recovery_code_used": _("Recovery code used"),
    "user.two_factor_verified": _("Two-step verification code"),
    "user.two_factor_reset": _("Two-step verification reset by the operator"),
    "two_factor.required": _("Refused without two-step verification"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "api_token.refused": _("API token refused outside its workspace"),
    # workspaces and members
    "workspace.created": _("Workspace created"),
    "workspace.updated": _("Organisation details changed"),
    "workspace.ownership_transferred": _("Ownership transferred"),
    "member.added": _("Member added"),
    "member.cancelled": _("Membership cancelled"),
    "member.restored": _("Membership restored"),
    "member.role_changed": _("Role changed"),
    "member.managed": _("Member managed"),
    "member.subscribed": _("Workspace started paying for a member"),
    "member.unsubscribed": _("Workspace stopped paying for a member"),
    "member.account_type_changed": _("Account type changed"),
    "member.own_account_type_changed": _("Own account type changed"),
    "contact.added": _("Contact person added"),
    "contact.updated": _("Contact person changed"),
    "contact.access_granted": _("Portal access offered to a contact person"),
    "invitation.created": _("Invitation sent"),
    "invitation.resent": _("Invitation sent again"),
    "invitation.revoked": _("Invitation revoked"),
    "invitation.accepted": _("Invitation accepted"),
    "permission.refused": _("Access refused"),
    "access.not_found": _("Access to a missing or foreign object refused"),
    # client records (SPEC §7)
    "client.created": _("Client created"),
    "client.updated": _("Client details changed"),
    "client.viewed": _("Client record opened"),
    "client.searched": _("Clients searched"),
    "client.cancelled": _("Client cancelled"),
    "client.restored": _("Client restored"),
    "client.exported": _("Client data exported"),
    "clients.exported": _("Client list exported"),
    "clients.imported": _("Clients imported"),
    "clients.import_uploaded": _("Client import file uploaded"),
    "clients.import_mapped": _("Client import columns mapped"),
    "clients.import_checked": _("Client import checked (dry run)"),
    "relationship.created": _("Relationship added"),
    "relationship.updated": _("Relationship changed"),
    "relationship.deleted": _("Relationship removed"),
    "contact.created": _("External contact added"),
    "custom_field.created": _("Custom field added"),
    "custom_field.updated": _("Custom field changed"),
    "custom_field.retired": _("Custom field retired"),
    "custom_field.restored": _("Custom field restored"),
    "custom_field.moved": _("Custom field moved"),
    "custom_section.created": _("Custom section added"),
    "custom_section.updated": _("Custom section changed"),
    "custom_section.retired": _("Custom section retired"),
    "custom_section.restored": _("Custom section restored"),
    "custom_section.moved": _("Custom section moved"),
    "client.portal_invited": _("Client invited to the portal"),
    "client.portal_invitation_revoked": _("Portal invitation withdrawn"),
    "client.portal_joined": _("Client portal invitation accepted"),
    "client.portal_viewed": _("Client record opened in the portal"),
    "client.portal_downloaded": _("Client data downloaded from the portal"),
    # support portal (SPEC §10)
    "ticket.created": _("Support ticket filed"),
    "ticket.replied": _("Support ticket answered"),
    "ticket.reopened": _("Support ticket reopened"),
    "ticket.attachment_added": _("File attached to a support ticket"),
    "ticket.watcher_added": _("Follower added to a support ticket"),
    "ticket.watcher_removed": _("Follower removed from a support ticket"),
    "ticket.operator_replied": _("Support answered a ticket"),
    "ticket.operator_noted": _("Support added an internal note"),
    "ticket.operator_updated": _("Support changed a ticket's status or assignee"),
    "ticket.closed_automatically": _("Resolved support ticket closed after 14 days"),
    "sales_request.created": _("Sales contact requested"),
    "sales_request.updated": _("Sales request updated"),
    # scheduling (SPEC §9)
    "appointment.booked": _("Appointment booked"),
    "appointment.rescheduled": _("Appointment rescheduled"),
    "appointment.cancelled": _("Appointment cancelled"),
    "appointment.completed": _("Appointment marked as completed"),
    "appointment.no_show": _("Appointment marked as a no-show"),
    "calendar_feed.created": _("Calendar address created"),
    "calendar_feed.revoked": _("Calendar address switched off"),
    "calendar_feed.read": _("Calendar address read by a calendar application"),
    # licences, seats and billing
    "licence.trial_started": _("Trial started"),
    "licence.support_started": _("Support account started"),
    "licence.assigned": _("Account type assigned"),
    "licence.ends_with_trial": _("Paid seat ends with the trial"),
    "seat.added": _("Seat added"),
    "seat.removed": _("Seat removed"),
    "invoice.issued": _("Invoice issued"),
    "invoice.paid": _("Invoice paid"),
    "invoice.payment_failed": _("Payment failed"),
    "invoice.credited": _("Invoice credited"),
    "invoice.emailed": _("Invoice e-mailed"),
    "invoice.overdue_reminded": _("Overdue invoice reminded"),
    "change_request.created": _("Subscription change requested"),
    "change_request.updated": _("Subscription change request updated"),
    "billing.viewed": _("Billing viewed"),
    "billing.seat_cost_viewed": _("Seat cost viewed"),
    # notifications (issue 6 point 4)
    "notification.created": _("Notification sent"),
    "notification.read": _("Notification read"),
    "notification.all_read": _("All notifications read"),
    # the audit log itself
    "audit.exported": _("Audit log exported"),
    "audit.viewed": _("Audit log viewed"),
}

ACTION_LABELS = {
    "create": pgettext_lazy("audit action", "create"),
    "read": pgettext_lazy("audit action", "read"),
    "update": pgettext_lazy("audit action", "update"),
    "delete": pgettext_lazy("audit action", "delete"),
    "execute": pgettext_lazy("audit action", "execute"),
}

OUTCOME_LABELS = {
    "success": pgettext_lazy("audit outcome", "Success"),
    "refused": pgettext_lazy("audit outcome", "Refused"),
    "error": pgettext_lazy("audit outcome", "Error"),
}


def _readable(code: str) -> str:
    """`operator.plan.updated` → "Operator: plan updated" — for codes without a label."""
    head, _dot, rest = (code or "").partition(".")
    words = " ".join(part.replace("_", " ") for part in rest.split(".") if part)
    head = head.replace("_", " ").capitalize()
    return f"{head}: {words}" if words else head


def event_label(code: str) -> str:
    label = EVENT_LABELS.get(code)
    return str(label) if label is not None else _readable(code)


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def outcome_label(outcome: str) -> str:
    label = OUTCOME_LABELS.get(outcome)
    return str(label) if label is not None else outcome
