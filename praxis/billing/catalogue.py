"""The plan catalogue (SPEC §4 table) and the limits of account types."""

from decimal import Decimal

from django.utils.translation import gettext as _

from praxis.core.errors import ServiceError
from praxis.core.money import from_cents

from .models import Plan

# The same table as migration 0002 (which is frozen, as migrations are): used to restore the catalogue
# when the table is empty, e.g. after a test flushed it. Operators edit prices in the admin.
DEFAULT_CATALOGUE = [
    # account type, clinical, monthly cents, annual cents, client limit, workspace templates (SPEC §4)
    ("free", True, 0, 0, 10, False),
    ("essentials", True, 2900, 29000, 250, True),
    ("pro", True, 5900, 59000, None, True),
    ("support", False, 0, 0, None, True),
]


def ensure_catalogue() -> None:
    for code, clinical, monthly, annual, limit, templates in DEFAULT_CATALOGUE:
        Plan.objects.get_or_create(account_type=code, defaults={
            "clinical": clinical, "monthly_price_cents": monthly, "annual_price_cents": annual,
            "client_limit": limit, "workspace_templates": templates})


def plans() -> dict[str, Plan]:
    catalogue = {plan.account_type: plan for plan in Plan.objects.all()}
    if not catalogue:
        ensure_catalogue()
        catalogue = {plan.account_type: plan for plan in Plan.objects.all()}
    return catalogue


def price(account_type: str, interval: str, *, catalogue: dict[str, Plan] | None = None) -> Decimal:
    plan = (catalogue or plans()).get(account_type)
    return from_cents(plan.price_cents(interval)) if plan else Decimal("0.00")


def is_paid(account_type: str, *, catalogue: dict[str, Plan] | None = None) -> bool:
    plan = (catalogue or plans()).get(account_type)
    return bool(plan and plan.is_paid)


def check_client_limit(*, account_type: str, active_clients: int) -> None:
    """Refuse one more active client beyond the account type's limit (e.g. `free`: 10).

    Called by the clients app before it creates or restores an active client.
    """
    plan = plans().get(account_type)
    if plan is not None and plan.client_limit is not None and active_clients >= plan.client_limit:
        raise ServiceError(
            "client_limit_reached",
            _("Your account type allows %(limit)d active clients. Upgrade to add more.") % {"limit": plan.client_limit},
        )
