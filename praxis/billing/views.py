"""HTML views of the billing tab (SPEC §4: R-BIL-8, R-BIL-14, R-BIL-15) and the invite dialog's cost preview.

Views are thin, like the workspace pages: `@workspace_view(capability)` resolves the workspace and the
member's capabilities once (404 for a workspace the user is not an active member of, 403 for a missing
capability — R-BIL-14: only `billing.view` sees invoices, seats and this tab), a form shapes the input, one
service does the work and its `ServiceError` becomes a form error or a message (`NotFound` → 404).

Every amount shown before a change renders the billing plan (`plan.py`, issue 6 point 1): the next invoice
is the plan's draft, and what a change costs is the plan with the ledger rows the seat service would write
minus the plan without them — the same code the billing run issues from, so what an admin is shown and
what is invoiced never differ (R-BIL-14). A paid change is confirmed in two steps, like cancelling a
membership: the first POST shows what it costs (a page, or a dialog for htmx), the second does it.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from praxis.core import clock
from praxis.core.errors import ServiceError
from praxis.core.lifecycle import LifecycleStatus
from praxis.core.web import form_error, is_htmx, refuse
from praxis.workspaces import licences, policies
from praxis.workspaces import selectors as workspace_selectors
from praxis.workspaces.invitations import parse_emails
from praxis.workspaces.models import Licence, Membership
from praxis.workspaces.roles import (
    BILLING_MANAGE,
    BILLING_VIEW,
    MEMBERS_MANAGE,
    account_type_label,
)
from praxis.workspaces.web import workspace_view

from . import catalogue, plan, seats, selectors, services
from .forms import (
    ChangeRequestForm,
    MemberAccountTypeForm,
    MemberSubscribeForm,
    MemberUnsubscribeForm,
    OwnAccountTypeForm,
    OwnSubscriptionForm,
    SeatCostForm,
)
from .selectors import Payer

INVOICES_PER_PAGE = 20
CHANGE_REQUESTS_SHOWN = 50


def _url(request, name: str, **kwargs) -> str:
    return reverse(f"billing:{name}", kwargs={"ws": request.access.workspace.slug, **kwargs})


# --- who pays for whom ------------------------------------------------------------------------------


def _member_rows(access) -> list[selectors.MemberBilling]:
    """The billing rows of the members, with the forms this admin may use on each."""
    rows = selectors.member_billing(workspace=access.workspace)
    for row in rows:
        member = row.member
        # One's own row offers every account type (issue 6 point 6); in a personal workspace one's own
        # subscription page does that (a solo user pays for themself there, R-BIL-8).
        if member.pk == access.membership.pk and not access.workspace.is_personal:
            row.own_form = OwnAccountTypeForm(initial={"account_type": row.account_type}, auto_id="id_own_%s")
        elif row.payer == Payer.WORKSPACE and not row.ends_at:
            row.type_form = MemberAccountTypeForm(initial={"account_type": row.account_type},
                                                  auto_id=f"id_type_{member.pk}_%s")
        elif row.payer in (Payer.WORKSPACE, Payer.TRIAL, Payer.NOBODY):
            row.subscribe_form = MemberSubscribeForm(auto_id=f"id_subscribe_{member.pk}_%s")
    return rows


def _seat_groups(workspace, day: dt.date) -> list[dict]:
    """Paid seats per account type with the people in them: two queries (the ledger, the users)."""
    rows = selectors.seats_by_type(workspace=workspace, day=day)
    users = get_user_model().objects.in_bulk({uid for row in rows for uid in row.user_ids})
    return [{"account_type": row.account_type, "label": account_type_label(row.account_type), "quantity": row.quantity,
             "people": sorted((users[uid] for uid in row.user_ids if uid in users),
                              key=lambda u: (u.last_name.lower(), u.first_name.lower(), u.email))}
            for row in rows]


# --- the billing tab --------------------------------------------------------------------------------


def _render_overview(request, *, change_form: ChangeRequestForm | None = None):
    access = request.access
    workspace = access.workspace
    today = seats.workspace_today(workspace)
    can_manage = access.can(BILLING_MANAGE)
    page = Paginator(selectors.invoices(workspace=workspace), INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "billing/overview.html", {
        "workspace": workspace,
        "today": today,
        "summary": selectors.billing_summary(workspace=workspace),
        "seat_groups": _seat_groups(workspace, today),
        # R-BIL-14: the same draft the billing run will issue at the next cycle start.
        "preview": plan.preview_next_invoice(workspace=workspace, today=today),
        "page": page,
        "invoices": page.object_list,
        "change_requests": selectors.change_requests(workspace=workspace)[:CHANGE_REQUESTS_SHOWN],
        "can_manage": can_manage,
        "change_form": (change_form or ChangeRequestForm()) if can_manage else None,
        "member_rows": _member_rows(access) if can_manage else [],
    })


@require_GET
@workspace_view(BILLING_VIEW)
def overview(request):
    """The billing tab (R-BIL-14): cycle, credit, seats, the next invoice, invoices and change requests;
    with `billing.manage` also who the workspace pays for."""
    return _render_overview(request)


@require_GET
@workspace_view(BILLING_VIEW)
def invoice_detail(request, invoice_id: int):
    """One issued invoice: issuer, billed party, lines, totals and how to pay it (the same copied fields
    its PDF prints); another workspace's invoice is as missing as a wrong id."""
    invoice = selectors.invoice_get(workspace=request.access.workspace, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    return render(request, "billing/invoice.html", {"workspace": request.access.workspace, "invoice": invoice})


@never_cache
@require_GET
@workspace_view(BILLING_VIEW)
def invoice_pdf(request, invoice_id: int):
    """An issued invoice as PDF (R-BIL-11); another workspace's invoice is as missing as a wrong id."""
    invoice = selectors.invoice_get(workspace=request.access.workspace, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    from .pdf import render_invoice_pdf  # rendered on demand; the PDF module pulls in its renderer

    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.pdf"'
    return response


@require_POST
@workspace_view(BILLING_MANAGE)
def change_request_create(request):
    """A subscription change request to the operator (R-BIL-15): subject and cost agreement required."""
    form = ChangeRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_request_create(access=request.access, subject=data["subject"], details=data["details"],
                                           agreed_to_costs=data["agreed_to_costs"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your request was sent. You will find its status below."))
            return redirect(_url(request, "overview") + "#change-requests")
    return _render_overview(request, change_form=form)


# --- paying for members (R-BIL-6, R-BIL-7, R-BIL-8, R-BIL-10) ---------------------------------------


def _member_or_404(request, member_id: int) -> Membership:
    """An active member with a login of this workspace; anything else answers like a missing one."""
    member = workspace_selectors.member_get(workspace=request.access.workspace, member_id=member_id)
    if member is None or member.user_id is None or member.status != LifecycleStatus.ACTIVE:
        raise Http404
    return member


@dataclass
class Credit:
    """The prorated unused rest of a seat that ends today: what `seats.seat_end` will credit."""

    amount: Decimal
    until: dt.date | None


def _credit_for_ending_seat(workspace, user, account_type: str, today: dt.date) -> Credit:
    """What `seats.seat_end` will credit: the same `seats.planned_end` it writes (R-BIL-6, R-BIL-14)."""
    ending = seats.planned_end(workspace=workspace, user=user, account_type=account_type, day=today)
    return Credit(ending.credit, ending.until)


def _apply(request, action, success: str):
    """Step two of a paid change: run the service, say how it went, back to the member list."""
    try:
        action()
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, success)
    return redirect(_url(request, "overview") + "#members")


def _confirm(request, context: dict):
    """Step one of a paid change: what it costs, as a dialog for htmx or as a page."""
    context = {"workspace": request.access.workspace, "htmx": is_htmx(request), **context}
    if is_htmx(request):
        return render(request, "billing/member_confirm.html#confirm-dialog", context)
    return render(request, "billing/member_confirm.html", context)


def _current(member) -> tuple[Licence | None, str]:
    licence = licences.current_licence(member.user)
    return licence, licences.account_type_in_force(licence, clock.now())


def _invalid(request, form) -> HttpResponse:
    messages.error(request, next(iter(form.errors.values()))[0] if form.errors else _("The form is not valid."))
    return redirect(_url(request, "overview") + "#members")


@require_POST
@workspace_view(BILLING_MANAGE)
def member_subscribe(request, member_id: int):
    """"Pay for this member" (R-BIL-7); refused for one who pays for themselves (R-BIL-8)."""
    access = request.access
    member = _member_or_404(request, member_id)
    form = MemberSubscribeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form)
    account_type = form.cleaned_data["account_type"]
    if not form.cleaned_data["confirm"]:
        licence, current_type = _current(member)
        today = seats.workspace_today(access.workspace)
        payer = selectors.payer_kind(licence, access.workspace, current_type, catalogue.plans())
        return _confirm(request, {
            "action": "subscribe", "member": member, "account_type": account_type,
            "account_type_label": account_type_label(account_type), "today": today,
            # R-BIL-8: say at once why it cannot be done, instead of a price for something refused.
            "payer": payer, "blocked": payer in (Payer.SELF, Payer.OTHER),
            "cost": plan.cost_of_new_seats(workspace=access.workspace, account_type=account_type, count=1, today=today),
            "post_url": _url(request, "member_subscribe", member_id=member.pk),
        })
    return _apply(
        request, lambda: services.member_subscribe(access=access, membership_id=member.pk, account_type=account_type),
        _("The workspace now pays for %(name)s (%(type)s).")
        % {"name": member.display_name, "type": account_type_label(account_type)})


@require_POST
@workspace_view(BILLING_MANAGE)
def member_account_type(request, member_id: int):
    """Up- or downgrade a member the workspace pays for (R-BIL-6): credit for the old type's unused rest,
    prorated charge for the new one."""
    access = request.access
    member = _member_or_404(request, member_id)
    form = MemberAccountTypeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form)
    account_type = form.cleaned_data["account_type"]
    if not form.cleaned_data["confirm"]:
        _licence, current_type = _current(member)
        today = seats.workspace_today(access.workspace)
        user = member.user
        assert user is not None  # _member_or_404 answers 404 for a member without a login
        return _confirm(request, {
            "action": "account_type", "member": member, "account_type": account_type,
            "account_type_label": account_type_label(account_type), "old_type_label": account_type_label(current_type),
            "unchanged": current_type == account_type, "blocked": current_type == account_type, "today": today,
            "cost": plan.cost_of_type_change(workspace=access.workspace, user=user, old_type=current_type,
                                             new_type=account_type, today=today),
            "credit": _credit_for_ending_seat(access.workspace, member.user, current_type, today),
            "post_url": _url(request, "member_account_type", member_id=member.pk),
        })
    return _apply(
        request, lambda: services.member_change_account_type(access=access, membership_id=member.pk,
                                                             account_type=account_type),
        _("%(name)s now has the account type %(type)s.")
        % {"name": member.display_name, "type": account_type_label(account_type)})


@require_POST
@workspace_view(BILLING_MANAGE)
def member_unsubscribe(request, member_id: int):
    """Stop paying for a member (R-BIL-10): in a trial they keep access until it ends; when paid, paid
    features end at once and the unused rest is credited to the workspace."""
    access = request.access
    member = _member_or_404(request, member_id)
    form = MemberUnsubscribeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form)
    if not form.cleaned_data["confirm"]:
        licence, current_type = _current(member)
        today = seats.workspace_today(access.workspace)
        trial_until = selectors.running_trial_end(licence, clock.now())
        return _confirm(request, {
            "action": "unsubscribe", "member": member, "account_type_label": account_type_label(current_type),
            "trial_until": trial_until,
            "credit": (Credit(Decimal("0.00"), None) if trial_until
                       else _credit_for_ending_seat(access.workspace, member.user, current_type, today)),
            "post_url": _url(request, "member_unsubscribe", member_id=member.pk),
        })
    try:
        licence = services.member_unsubscribe(access=access, membership_id=member.pk)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        if licence is not None and licence.ends_at and licence.ends_at > clock.now():
            messages.success(request, _("The workspace no longer pays for %(name)s; they keep their account type "
                                        "until their trial ends.") % {"name": member.display_name})
        else:
            messages.success(request, _("The workspace no longer pays for %(name)s.") % {"name": member.display_name})
    return redirect(_url(request, "overview") + "#members")


@require_POST
@workspace_view(BILLING_MANAGE)
def own_account_type(request):
    """One's own row of the billing tab (issue 6 point 6): any account type. A paid one goes through the
    two-step "pay for" / "change account type" of every member (the cost first); `free` and the
    non-clinical `support` are confirmed, then nobody pays for them."""
    access = request.access
    if access.workspace.is_personal:
        raise Http404  # the own-subscription page is where a solo user chooses (`own_subscription`)
    member = _member_or_404(request, access.membership.pk)
    form = OwnAccountTypeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form)
    account_type = form.cleaned_data["account_type"]
    licence, current_type = _current(member)
    if catalogue.is_paid(account_type):
        paid_here = licence is not None and licence.payer_workspace_id == access.workspace.pk and not licence.ends_at
        view = member_account_type if paid_here else member_subscribe
        return view(request, ws=access.workspace.slug, member_id=member.pk)
    if not form.cleaned_data["confirm"]:
        today = seats.workspace_today(access.workspace)
        paid_here = licence is not None and licence.payer_workspace_id == access.workspace.pk
        return _confirm(request, {
            "action": "own_unpaid", "member": member, "account_type": account_type,
            "account_type_label": account_type_label(account_type), "old_type_label": account_type_label(current_type),
            "credit": (_credit_for_ending_seat(access.workspace, member.user, current_type, today) if paid_here
                       else Credit(Decimal("0.00"), None)),
            "post_url": _url(request, "own_account_type"),
        })
    return _apply(request, lambda: services.own_account_type_unpaid(access=access, account_type=account_type),
                  _("Your account type is now %(type)s; nobody pays for it.") % {"type": account_type_label(account_type)})


# --- the invite dialog's cost preview (R-BIL-14) ----------------------------------------------------


@require_GET
@workspace_view(MEMBERS_MANAGE)
def seat_cost(request):
    """What the people being invited will cost now (prorated) and per cycle, as an htmx partial; the
    invitations page without JavaScript shows the per-cycle prices instead. Only for those who may commit
    the workspace's money: the same policy as the invite form and the API (issue 6 point 2)."""
    policies.require_commit_money(access=request.access, code="billing.seat_cost_viewed")
    workspace = request.access.workspace
    form = SeatCostForm(request.GET)
    context = {"workspace": workspace, "form": form, "valid": form.is_valid()}
    if context["valid"]:
        data = form.cleaned_data
        addresses = len(parse_emails(data["emails"] or ""))
        count = data["count"] or addresses or 1
        account_type = data["account_type"]
        paying = data["pay_for_user"] or not data["invite"]
        today = seats.workspace_today(workspace)
        paid_type = catalogue.is_paid(account_type)
        context.update({
            "count": count,
            "per_person": not data["count"] and not addresses,
            "account_type_label": account_type_label(account_type),
            "paid_type": paid_type,
            "paying": paying,
            "after_trial": data["pay_timing"] == Membership.PayTiming.AFTER_TRIAL,
            "today": today,
            "cost": (plan.cost_of_new_seats(workspace=workspace, account_type=account_type, count=count, today=today)
                     if paying and paid_type else None),
        })
    return render(request, "billing/seat_cost.html", context)


# --- a user's own subscription (outside any workspace) -------------------------------------------------


@login_required
def own_subscription(request):
    """The user's own account type and who pays it; subscribe to a paid type or cancel one's own
    subscription (the consent of R-BIL-8). Billed monthly through the personal workspace."""
    user = request.user
    licence = licences.current_licence(user)
    pays_self = licences.pays_for_self(user)
    if request.method == "POST":
        form = OwnSubscriptionForm(request.POST)
        try:
            if request.POST.get("action") == "support":
                services.subscription_support(user=user)
                messages.success(request, _("Your account is now a free Support account: you can run a team, "
                                            "its members and billing, without clinical data."))
                return redirect("billing:own_subscription")
            if request.POST.get("action") == "cancel":
                services.subscription_cancel(user=user)
                messages.success(request, _("Your subscription has ended; your account type is now Free."))
                return redirect("billing:own_subscription")
            if form.is_valid():
                services.subscription_start(user=user, account_type=form.cleaned_data["account_type"])
                messages.success(request, _("You are now subscribed. The first invoice is on the billing tab of "
                                            "your personal workspace."))
                return redirect("billing:own_subscription")
        except ServiceError as exc:
            form_error(form, exc)
    else:
        form = OwnSubscriptionForm()
    personal = licences.personal_workspace(user)
    prices = [(plan, plan.monthly_price_cents) for plan in catalogue.plans().values() if plan.is_paid]
    return render(request, "billing/own_subscription.html", {
        "tab": "subscription", "form": form, "licence": licence, "pays_self": pays_self,
        "account_type": account_type_label(licences.effective_account_type(user)), "personal": personal,
        "standing": licences.standing(licence, clock.now()),  # the trial as every page says it (issue 6 pt 8)
        "paid_by_workspace": licence.payer_workspace if licence and licence.payer_workspace_id else None,
        "prices": prices,
    })
