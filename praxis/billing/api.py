"""API of the billing tab (SPEC §4, §13): summary, seats, invoices and their PDFs, the preview of the next
invoice, the cost of new seats, change requests and who the workspace pays for; plus one's own
subscription under `/me`.

Handlers translate between JSON and the services/selectors only. Reads need `billing.view`, writes
`billing.manage` (R-BIL-14); both are declared on the endpoint and checked before the handler runs. The
preview and the seat cost are built by the same draft functions the billing run issues (R-BIL-14).
"""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from praxis.api.scoping import paginate, workspace_endpoint
from praxis.core.errors import NotFound, PermissionDenied, ServiceError
from praxis.core.money import to_cents
from praxis.workspaces import policies
from praxis.workspaces import selectors as workspace_selectors
from praxis.workspaces.roles import BILLING_MANAGE, BILLING_VIEW, AccountType

from . import plan, seats, selectors, services
from .models import Invoice
from .pdf import render_invoice_pdf
from .schemas import (
    AccountTypeIn,
    BillingSummaryOut,
    ChangeRequestIn,
    ChangeRequestOut,
    ChangeRequestPage,
    DraftOut,
    InvoiceDetailOut,
    InvoicePage,
    LicenceOut,
    MemberLicenceOut,
    SeatCostOut,
    SeatCostQuery,
    SeatsOut,
    amount,
    rate,
)
from .vat import vat_rate

router = Router(tags=["billing"])
me_billing_router = Router(tags=["me"])


def _invoice(request, invoice_id: int) -> Invoice:
    invoice = selectors.invoice_get(workspace=request.access.workspace, invoice_id=invoice_id)
    if invoice is None:  # missing, or another workspace's: the same answer (R-ROLE-4)
        raise NotFound("not_found", _("That invoice does not exist."))
    return invoice


# --- summary and seats ----------------------------------------------------------------------------------

@router.get("/{ws}/billing", response=BillingSummaryOut)
@workspace_endpoint(BILLING_VIEW)
def billing_summary(request, ws: str):
    """Interval, anchor, next billing date, trial and the credit balance."""
    return selectors.billing_summary(workspace=request.access.workspace)


@router.get("/{ws}/billing/seats", response=SeatsOut)
@workspace_endpoint(BILLING_VIEW)
def billing_seats(request, ws: str):
    """The paid seats today, per account type, with whom they are for."""
    workspace = request.access.workspace
    day = seats.workspace_today(workspace)
    rows = selectors.seats_by_type(workspace=workspace, day=day)
    user_ids = {pk for row in rows for pk in row.user_ids}
    member_of = dict(workspace_selectors.members_list(workspace=workspace).filter(user_id__in=user_ids)
                     .order_by().values_list("user_id", "pk")) if user_ids else {}
    return {"day": day, "seats": [
        {"account_type": row.account_type, "quantity": row.quantity, "user_ids": row.user_ids,
         "member_ids": sorted(member_of[pk] for pk in row.user_ids if pk in member_of)}
        for row in rows]}


# --- invoices ---------------------------------------------------------------------------------------------

@router.get("/{ws}/billing/invoices", response=InvoicePage)
@workspace_endpoint(BILLING_VIEW)
def billing_invoice_list(request, ws: str, status: Invoice.Status | None = None, kind: Invoice.Kind | None = None,
                         page: int = 1, page_size: int = 50):
    """The workspace's invoices and credit notes, newest first."""
    invoices = selectors.invoices(workspace=request.access.workspace).select_related("credited_invoice")
    if status:
        invoices = invoices.filter(status=status)
    if kind:
        invoices = invoices.filter(kind=kind)
    return paginate(invoices, page=page, page_size=page_size)


@router.get("/{ws}/billing/invoices/{int:invoice_id}", response=InvoiceDetailOut)
@workspace_endpoint(BILLING_VIEW)
def billing_invoice_detail(request, ws: str, invoice_id: int):
    return _invoice(request, invoice_id)


@router.get("/{ws}/billing/invoices/{int:invoice_id}/pdf", openapi_extra={
    "responses": {200: {"description": "The invoice as PDF (A4).",
                        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
@workspace_endpoint(BILLING_VIEW)
def billing_invoice_pdf(request, ws: str, invoice_id: int):
    """The invoice's PDF (R-BIL-11), in the invoice's language."""
    invoice = _invoice(request, invoice_id)
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response


# --- what the next invoice and new seats will cost (R-BIL-14) ----------------------------------------------

@router.get("/{ws}/billing/preview", response={200: DraftOut, 204: None})
@workspace_endpoint(BILLING_VIEW)
def billing_preview(request, ws: str):
    """The next cycle invoice as the billing run would issue it with today's seats and credit; 204 when the
    workspace has no billing cycle."""
    workspace = request.access.workspace
    draft = plan.preview_next_invoice(workspace=workspace, today=seats.workspace_today(workspace))
    if draft is None:
        return Status(204, None)
    return draft


@router.get("/{ws}/billing/seat-cost", response=SeatCostOut)
@workspace_endpoint(BILLING_VIEW)
def billing_seat_cost(request, ws: str, query: Query[SeatCostQuery]):
    """What adding `count` seats of `account_type` today costs now and per cycle: the billing plan with the
    seats minus the plan without them (R-BIL-14), i.e. exactly what the next run adds to the invoices. The
    same policy as the invite form's cost panel decides who may ask (issue 6 point 2)."""
    policies.require_commit_money(access=request.access, code="billing.seat_cost_viewed")
    if query.account_type not in AccountType.values:
        raise ServiceError("invalid_account_type", _("Choose a valid account type."), field="account_type")
    workspace = request.access.workspace
    cost = plan.cost_of_new_seats(workspace=workspace, account_type=query.account_type, count=query.count,
                                  today=seats.workspace_today(workspace))
    per_cycle_total = cost.per_cycle + cost.per_cycle_vat
    return {
        "account_type": query.account_type, "count": query.count, "currency": workspace.currency,
        "interval": cost.interval, "now": cost.now, "cycle": cost.cycle, "vat_rate": rate(vat_rate(workspace.country)),
        "per_cycle": amount(cost.per_cycle), "per_cycle_cents": to_cents(cost.per_cycle),
        "per_cycle_vat": amount(cost.per_cycle_vat), "per_cycle_vat_cents": to_cents(cost.per_cycle_vat),
        "per_cycle_total": amount(per_cycle_total), "per_cycle_total_cents": to_cents(per_cycle_total),
    }


# --- change requests (R-BIL-15) ----------------------------------------------------------------------------

@router.get("/{ws}/billing/change-requests", response=ChangeRequestPage)
@workspace_endpoint(BILLING_VIEW)
def billing_change_request_list(request, ws: str, page: int = 1, page_size: int = 50):
    return paginate(selectors.change_requests(workspace=request.access.workspace), page=page, page_size=page_size)


@router.post("/{ws}/billing/change-requests", response={201: ChangeRequestOut})
@workspace_endpoint(BILLING_MANAGE)
def billing_change_request_create(request, ws: str, payload: ChangeRequestIn):
    """Ask the operator for a subscription change; needs a subject and the agreement to the costs."""
    return services.change_request_create(access=request.access, subject=payload.subject, details=payload.details,
                                          agreed_to_costs=payload.agreed_to_costs)


# --- who the workspace pays for (R-BIL-6, R-BIL-7, R-BIL-8, R-BIL-10) ---------------------------------------

@router.post("/{ws}/billing/members/{int:member_id}/subscribe", response=MemberLicenceOut)
@workspace_endpoint(BILLING_MANAGE)
def billing_member_subscribe(request, ws: str, member_id: int, payload: AccountTypeIn):
    """The workspace starts paying for a member; refused (409 `pays_for_self`) for a member who pays for
    themselves until they cancel their own subscription (R-BIL-8)."""
    licence = services.member_subscribe(access=request.access, membership_id=member_id,
                                        account_type=payload.account_type)
    return {"member_id": member_id, "licence": licence}


@router.post("/{ws}/billing/members/{int:member_id}/account-type", response=MemberLicenceOut)
@workspace_endpoint(BILLING_MANAGE)
def billing_member_account_type(request, ws: str, member_id: int, payload: AccountTypeIn):
    """Upgrade or downgrade a member the workspace pays for: both sides prorated (R-BIL-6)."""
    licence = services.member_change_account_type(access=request.access, membership_id=member_id,
                                                  account_type=payload.account_type)
    return {"member_id": member_id, "licence": licence}


@router.post("/{ws}/billing/members/{int:member_id}/unsubscribe", response=MemberLicenceOut)
@workspace_endpoint(BILLING_MANAGE)
def billing_member_unsubscribe(request, ws: str, member_id: int):
    """Stop paying for a member: in a trial at its end, otherwise at once with the rest credited (R-BIL-10)."""
    licence = services.member_unsubscribe(access=request.access, membership_id=member_id)
    return {"member_id": member_id, "licence": licence}


# --- one's own subscription (outside workspaces) ----------------------------------------------------------

def _session_only(request) -> None:
    """A token opens one workspace (SPEC §13); one's own subscription is billed elsewhere (the personal
    workspace), so it is managed from a logged-in session, like tokens themselves."""
    if getattr(request, "api_token", None) is not None:
        raise PermissionDenied("session_required", _("Manage your subscription from a logged-in session."))


@me_billing_router.post("/subscription", response=LicenceOut)
def me_subscription_start(request, payload: AccountTypeIn):
    """Pay for your own account type (billed through your personal workspace)."""
    _session_only(request)
    return services.subscription_start(user=request.auth, account_type=payload.account_type)


@me_billing_router.delete("/subscription", response=LicenceOut)
def me_subscription_cancel(request):
    """End your own subscription: `free` from now, the unused rest credited (the consent of R-BIL-8)."""
    _session_only(request)
    return services.subscription_cancel(user=request.auth)

