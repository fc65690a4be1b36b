"""The plan catalogue (SPEC §4 table) and the limits of account types."""

from decimal import Decimal

from django.utils.translation import gettext as _

from praxis.core.errors import ServiceError
from praxis.core.money import from_cents

from .models import Plan


def plans() -> dict[str, Plan]:
    return {plan.account_type: plan for plan in Plan.objects.all()}


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
