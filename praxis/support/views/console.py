"""The operator console (R-SUP-5): pages for the operator's support staff (`User.is_staff`), not the
Django admin. Tickets of every workspace with filters, assignment, replies and internal notes, canned
replies, status changes; contact-sales requests (R-SUP-9). Operators see the ticket only — no page here
reads a workspace's clients. Anyone else gets the same 404 as for a page that does not exist."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praxis.core.errors import ServiceError
from praxis.core.web import form_error

from .. import policies, selectors, services
from ..forms import ConsoleFilterForm, OperatorReplyForm, OperatorUpdateForm, SalesUpdateForm
from ..models import CannedReply, SalesRequest
from ._common import download, files_of, page_of


def operator_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policies.is_operator(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@operator_view
def console_home(request):
    return redirect("support_console:tickets")


@operator_view
def tickets(request):
    operators = selectors.operators()
    data = request.GET.copy()
    data.setdefault("status", "open")
    form = ConsoleFilterForm(data, operators=operators)
    cleaned = form.cleaned_data if form.is_valid() else {"status": "open"}
    filters = selectors.ConsoleFilters(
        status=cleaned.get("status") or "", kind=cleaned.get("kind") or "",
        category=cleaned["category"].pk if cleaned.get("category") else None,
        workspace=cleaned.get("workspace") or "", assignee=cleaned.get("assignee") or "",
        age=cleaned.get("age") or "", q=cleaned.get("q") or "")
    page = page_of(selectors.console_tickets(operator=request.user, filters=filters), request)
    return render(request, "support/console/tickets.html", {"page": page, "form": form})


def _render_ticket(request, ticket_id: int, *, reply_form=None, update_form=None, status: int = 200):
    view = selectors.console_ticket(ticket_id=ticket_id)
    if view is None:
        raise Http404
    operators = selectors.operators()
    ticket = view.ticket
    return render(request, "support/console/ticket.html", {
        "view": view, "ticket": ticket, "canned": list(CannedReply.objects.all()),
        "reply_form": reply_form or OperatorReplyForm(),
        "update_form": update_form or OperatorUpdateForm(
            operators=operators, initial={"status": ticket.status, "assignee": str(ticket.assignee_id or "")}),
    }, status=status)


@operator_view
def ticket(request, ticket_id: int):
    return _render_ticket(request, ticket_id)


@require_POST
@operator_view
def reply(request, ticket_id: int):
    form = OperatorReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.operator_reply(operator=request.user, ticket_id=ticket_id, body=data["body"],
                                    internal=data["internal"], status=data["status"] or None,
                                    files=files_of(request))
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Internal note added.") if data["internal"]
                             else _("Reply sent to the customer."))
            return redirect("support_console:ticket", ticket_id=ticket_id)
    return _render_ticket(request, ticket_id, reply_form=form, status=400)


@require_POST
@operator_view
def update(request, ticket_id: int):
    form = OperatorUpdateForm(request.POST, operators=selectors.operators())
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            services.operator_update(operator=request.user, ticket_id=ticket_id, status=form.cleaned_data["status"],
                                     assignee_id=int(assignee) if assignee else None)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Ticket updated."))
            return redirect("support_console:ticket", ticket_id=ticket_id)
    return _render_ticket(request, ticket_id, update_form=form, status=400)


@operator_view
def attachment(request, attachment_id: int):
    found = selectors.console_attachment(attachment_id=attachment_id)
    if found is None:
        raise Http404
    return download(found)


@operator_view
def sales(request):
    status = request.GET.get("status", "")
    page = page_of(selectors.sales_requests(status=status), request)
    return render(request, "support/console/sales.html", {"page": page, "status": status,
                                                           "statuses": SalesRequest.Status.choices})


@operator_view
def sales_request(request, request_id: int):
    found = SalesRequest.objects.select_related("workspace", "requested_by").filter(pk=request_id).first()
    if found is None:
        raise Http404
    form = SalesUpdateForm(request.POST or None, initial={"status": found.status,
                                                          "operator_note": found.operator_note})
    if request.method == "POST" and form.is_valid():
        try:
            services.sales_request_update(operator=request.user, request_id=found.pk,
                                          status=form.cleaned_data["status"], note=form.cleaned_data["operator_note"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Request updated."))
            return redirect("support_console:sales_request", request_id=found.pk)
    return render(request, "support/console/sales_request.html", {"sales": found, "form": form},
                  status=400 if form.errors else 200)


urlpatterns = [
    path("", console_home, name="home"),
    path("tickets/", tickets, name="tickets"),
    path("tickets/<int:ticket_id>/", ticket, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", reply, name="reply"),
    path("tickets/<int:ticket_id>/update/", update, name="update"),
    path("files/<int:attachment_id>/", attachment, name="attachment"),
    path("sales/", sales, name="sales"),
    path("sales/<int:request_id>/", sales_request, name="sales_request"),
]
