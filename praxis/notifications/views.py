"""The person's notification list: newest first, each entry linking to where it happened, with
mark-as-read and mark-all-read (htmx swaps the list; without JavaScript the forms post and redirect)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from praxis.core.errors import ServiceError
from praxis.core.web import is_htmx, refuse

from . import kinds, selectors, services


def _entries(user) -> list[dict]:
    return [{"notification": n, "text": kinds.text_of(n), "link": kinds.link_of(n)}
            for n in selectors.notifications_for(user=user)]


def _render_list(request):
    template = "notifications/list.html#entries" if is_htmx(request) else "notifications/list.html"
    return render(request, template, {"entries": _entries(request.user), "htmx": is_htmx(request)})


@login_required
def notification_list(request):
    return _render_list(request)


@require_POST
@login_required
def notification_mark_read(request, notification_id: int):
    try:
        services.mark_read(user=request.user, notification_id=notification_id)
    except ServiceError as exc:
        refuse(request, exc)  # someone else's or missing: 404
    return _render_list(request) if is_htmx(request) else redirect("notifications:list")


@require_POST
@login_required
def notification_mark_all_read(request):
    services.mark_all_read(user=request.user)
    return _render_list(request) if is_htmx(request) else redirect("notifications:list")
