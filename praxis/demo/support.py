"""The demo practice's support tickets (SPEC §10): a handful in every status, one followed by a colleague,
one with an internal note, a contact-sales request — and the operator who answers them. Made through the
support services, as the people of the practice and the operator would."""

from __future__ import annotations

from django_scopes import scope

from praxis.accounts.models import User
from praxis.support import services
from praxis.support.models import CannedReply, Category, Ticket
from praxis.workspaces.access import resolve_access
from praxis.workspaces.models import Membership
from praxis.workspaces.signup import user_sign_up

OPERATOR_EMAIL = "support@praxis.example"
OPERATOR_NAME = ("Olaf", "Operator")

CANNED = [
    ("Thanks, we are on it", "Thank you for your message. We are looking into it and will get back to you today."),
    ("Which browser?", "Which browser (and version) do you use? A screenshot of the page helps us too — please "
                       "hide any client details in it."),
    ("Fixed in the latest release", "This is fixed in today's release. Could you check whether it works for you "
                                    "now? If so, we will close the ticket."),
]


def demo_operator(password: str) -> User:
    user = User.objects.filter(email=OPERATOR_EMAIL).first()
    if user is None:
        user = user_sign_up(email=OPERATOR_EMAIL, password=password, first_name=OPERATOR_NAME[0],
                            last_name=OPERATOR_NAME[1], language="en")
    if not (user.is_staff and user.is_superuser):  # the console and the administration at /operator/
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


def load_demo_support(workspace, *, password: str) -> int:
    """Add the demo tickets to `workspace` (inside the caller's transaction); 0 when it has tickets."""
    from praxis.support.catalogue import ensure_default_categories

    ensure_default_categories()
    operator = demo_operator(password)
    for position, (title, body) in enumerate(CANNED):
        CannedReply.objects.get_or_create(title=title, defaults={"body": body, "position": position})
    if Ticket.objects.with_scopes_disabled().filter(workspace=workspace).exists():
        return 0
    people = {m.user.email.split("@")[0]: m for m in Membership.objects.with_scopes_disabled()
              .filter(workspace=workspace, user__isnull=False).select_related("user")}

    def access(name):
        return resolve_access(people[name].user, workspace.slug)

    category = {c.code: c.pk for c in Category.objects.all()}
    with scope(workspace=workspace):
        awaiting = services.ticket_create(
            access=access("pieter"), kind="bug", category_id=category["technical"],
            subject="Export van cliëntenlijst geeft een lege regel",
            description="Als ik de cliëntenlijst exporteer staat er bovenaan een lege regel.",
            steps="1. Cliënten\n2. Exporteren als CSV\n3. Openen in Excel", page_url="/w/de-linde/clients/")
        services.watcher_add(access=access("pieter"), ticket_id=awaiting.pk, membership_id=people["amelie"].pk)
        new = services.ticket_create(
            access=access("assistent"), kind="question", category_id=category["integrations"],
            subject="Kunnen afspraakbevestigingen vanaf ons eigen domein komen?",
            description="We willen dat e-mails aan cliënten van info@delinde.example komen.")
        in_progress = services.ticket_create(
            access=access("admin"), kind="question", category_id=category["financial"],
            subject="Btw op de factuur van november", description="Klopt het btw-bedrag op onze laatste factuur?")
        resolved = services.ticket_create(
            access=access("eva"), kind="improvement", category_id=category["technical"],
            subject="Sneltoets voor een nieuwe cliënt", description="Een sneltoets (n) zou veel klikken schelen.")
        closed = services.ticket_create(
            access=access("receptie"), kind="question", category_id=category["account"],
            subject="Wachtwoord vergeten", description="Ich komme nicht mehr in mein Konto.")
    services.operator_reply(operator=operator, ticket_id=awaiting.pk, internal=True,
                            body="Reproduced with a BOM-less CSV in Excel 365; engineering is aware.")
    services.operator_reply(operator=operator, ticket_id=awaiting.pk, status="awaiting_customer",
                            body="Thank you! Which version of Excel do you use, and does it also happen in LibreOffice?")
    services.operator_reply(operator=operator, ticket_id=in_progress.pk,
                            body="We are checking the VAT amount and will come back to you today.")
    services.operator_reply(operator=operator, ticket_id=resolved.pk, status="resolved",
                            body="Good idea — press n on the client list to start a new client (since today).")
    services.operator_reply(operator=operator, ticket_id=closed.pk, status="closed",
                            body="We sent you a link to set a new password. Closing this ticket.")
    del new  # left new: nobody at the operator has picked it up yet
    services.sales_request_create(user=people["eva"].user, workspace=workspace, values={
        "topic": "central_billing", "organisation": "Praktijk De Linde", "contact_name": "Eva de Linde",
        "email": "eva@delinde.example", "phone": "+31302345678", "team_size": "12", "workspaces": "2",
        "message": "We openen een tweede locatie in Zeist en willen één factuur voor beide werkruimtes."})
    return 5
