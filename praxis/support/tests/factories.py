"""Support tickets for tests, made through the services as members and operators make them."""

from __future__ import annotations

from django_scopes import scope

from praxis.support import services
from praxis.support.models import Category, Ticket

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def category(code: str = "technical") -> Category:
    from praxis.support.catalogue import ensure_default_categories

    ensure_default_categories()  # a flushed (transactional) test database has lost the migration's rows
    return Category.objects.get(code=code)


def ticket_file(access, *, kind: str = "question", subject: str = "How do I export clients?", **extra) -> Ticket:
    if kind == "bug":
        extra.setdefault("steps", "1. Open the client list\n2. Click Export")
        extra.setdefault("page_url", "/w/x/clients/")
    with scope(workspace=access.workspace):
        return services.ticket_create(access=access, kind=kind, category_id=category().pk, subject=subject,
                                      description="Where is the export button?", **extra)


def make_operator(make_user, *, first_name: str = "Otto"):
    user = make_user(first_name=first_name, last_name="Operator")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def grant_staff_plus(team, role: str = "staff") -> None:
    """The owner gives `role` the extra capability tickets.view_all ("staff+", R-ROLE-1), confirming with
    their password (R-ROLE-5) as on the member page."""
    from praxis.testing import PASSWORD
    from praxis.workspaces.services import member_change_role

    member = team.member(role)
    with scope(workspace=team.workspace):
        member_change_role(access=team.access("owner"), membership_id=member.pk, role=member.role,
                           grants=["tickets.view_all"], password=PASSWORD)
