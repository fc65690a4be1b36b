"""The customer side of the support portal (seed 002): the Support page with its three buttons and the
lists My tickets / Open tickets / All tickets (R-SUP-3), filing a ticket (R-SUP-1), its thread with
answers, reopening and followers (R-SUP-2, R-SUP-6). Reads through `selectors`, writes through
`services`, visibility through `policies`; a ticket the member may not see is the same 404 as a missing
one (R-ROLE-4)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from praxis.core.errors import ServiceError
from praxis.core.web import form_error, refuse
from praxis.workspaces.roles import TICKETS_CREATE, TICKETS_VIEW_OWN
from praxis.workspaces.web import workspace_view

from .. import policies, selectors, services
from ..forms import ReplyForm, TicketFilterForm, TicketForm, WatcherForm
from ..models import Ticket
from ._common import download, files_of, page_of

KIND_INTRO = {
    Ticket.Kind.QUESTION: gettext_lazy("Ask your general question."),
    Ticket.Kind.IMPROVEMENT: gettext_lazy("Do you have an improvement for our product?"),
    Ticket.Kind.BUG: gettext_lazy("Did something break, or did you get an error message?"),
}


@workspace_view(TICKETS_VIEW_OWN)
def support(request):
    """The Support page: file a question, improvement or bug report; the three lists below."""
    access = request.access
    view = request.GET.get("view", "mine")
    if view not in selectors.VIEWS or (view == "all" and not policies.sees_all(access)):
        view = "mine"
    form = TicketFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    filters = selectors.TicketFilters(view=view, status=cleaned.get("status") or "", kind=cleaned.get("kind") or "",
                                      category=cleaned["category"].pk if cleaned.get("category") else None,
                                      q=cleaned.get("q") or "")
    page = page_of(selectors.tickets_list(access=access, filters=filters), request)
    return render(request, "support/support.html", {
        "workspace": access.workspace, "page": page, "view": view, "form": form,
        "sees_all": policies.sees_all(access), "may_file": policies.may_file(access),
        "kinds": [(kind, KIND_INTRO[kind]) for kind in Ticket.Kind],
    })


def _page_it_happened_on(request) -> str:
    """The page the member came from (`?page=` or this site's Referer), so a bug report names it for them;
    never another site's address, and never the support pages themselves."""
    from urllib.parse import urlsplit

    from django.utils.http import url_has_allowed_host_and_scheme

    page = request.GET.get("page") or request.headers.get("Referer", "")
    if not page or not url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}):
        return ""
    parts = urlsplit(page)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return "" if "/support/" in path else path[:500]


@workspace_view(TICKETS_CREATE)
def ticket_new(request, kind: str):
    if kind not in Ticket.Kind.values:
        raise Http404
    access = request.access
    form = TicketForm(request.POST or None, request.FILES or None, kind=kind,
                      initial={"page_url": _page_it_happened_on(request)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                access=access, kind=kind, category_id=data["category"].pk, subject=data["subject"],
                description=data["description"], steps=data.get("steps", ""), page_url=data.get("page_url", ""),
                files=files_of(request))
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Ticket %(ref)s sent. We will answer you here and by e-mail.")
                             % {"ref": ticket.reference})
            return redirect("support:ticket", ws=access.workspace.slug, ticket_id=ticket.pk)
    return render(request, "support/ticket_new.html", {
        "workspace": access.workspace, "form": form, "kind": Ticket.Kind(kind), "intro": KIND_INTRO[Ticket.Kind(kind)],
    }, status=400 if form.errors else 200)


def _render_ticket(request, ticket_id: int, *, reply_form=None, watcher_form=None, status: int = 200):
    access = request.access
    view = selectors.ticket_detail(access=access, ticket_id=ticket_id)
    if view is None:
        raise Http404
    return render(request, "support/ticket.html", {
        "workspace": access.workspace, "view": view, "ticket": view.ticket,
        "reply_form": reply_form or ReplyForm(),
        "watcher_form": watcher_form or WatcherForm(colleagues=view.colleagues),
        "may_reopen": services.may_reopen(view.ticket), "reopen_until": services.reopen_deadline(view.ticket),
        "takes_answers": services.takes_answers(view.ticket),
    }, status=status)


@workspace_view(TICKETS_VIEW_OWN)
def ticket(request, ticket_id: int):
    return _render_ticket(request, ticket_id)


@require_POST
@workspace_view(TICKETS_VIEW_OWN)
def ticket_reply(request, ticket_id: int):
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.ticket_reply(access=request.access, ticket_id=ticket_id, body=form.cleaned_data["body"],
                                  files=files_of(request))
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your answer was sent."))
            return redirect("support:ticket", ws=request.access.workspace.slug, ticket_id=ticket_id)
    return _render_ticket(request, ticket_id, reply_form=form, status=400)


@require_POST
@workspace_view(TICKETS_VIEW_OWN)
def ticket_reopen(request, ticket_id: int):
    try:
        services.ticket_reopen(access=request.access, ticket_id=ticket_id)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("The ticket is open again."))
    return redirect("support:ticket", ws=request.access.workspace.slug, ticket_id=ticket_id)


@require_POST
@workspace_view(TICKETS_VIEW_OWN)
def watcher_add(request, ticket_id: int):
    view = selectors.ticket_detail(access=request.access, ticket_id=ticket_id)
    if view is None:
        raise Http404
    form = WatcherForm(request.POST, colleagues=view.colleagues)
    if form.is_valid():
        try:
            services.watcher_add(access=request.access, ticket_id=ticket_id,
                                 membership_id=form.cleaned_data["membership"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your colleague now follows this ticket."))
            return redirect("support:ticket", ws=request.access.workspace.slug, ticket_id=ticket_id)
    return _render_ticket(request, ticket_id, watcher_form=form, status=400)


@require_POST
@workspace_view(TICKETS_VIEW_OWN)
def watcher_remove(request, ticket_id: int, watcher_id: int):
    try:
        services.watcher_remove(access=request.access, ticket_id=ticket_id, watcher_id=watcher_id)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("Stopped following."))
    return redirect("support:ticket", ws=request.access.workspace.slug, ticket_id=ticket_id)


@workspace_view(TICKETS_VIEW_OWN)
def attachment(request, attachment_id: int):
    found = selectors.attachment_for(access=request.access, attachment_id=attachment_id)
    if found is None:
        raise Http404
    return download(found)


urlpatterns = [
    path("w/<slug:ws>/support/", support, name="list"),
    path("w/<slug:ws>/support/new/<str:kind>/", ticket_new, name="new"),
    path("w/<slug:ws>/support/<int:ticket_id>/", ticket, name="ticket"),
    path("w/<slug:ws>/support/<int:ticket_id>/reply/", ticket_reply, name="reply"),
    path("w/<slug:ws>/support/<int:ticket_id>/reopen/", ticket_reopen, name="reopen"),
    path("w/<slug:ws>/support/<int:ticket_id>/followers/", watcher_add, name="watcher_add"),
    path("w/<slug:ws>/support/<int:ticket_id>/followers/<int:watcher_id>/remove/", watcher_remove,
         name="watcher_remove"),
    path("w/<slug:ws>/support/files/<int:attachment_id>/", attachment, name="attachment"),
]
