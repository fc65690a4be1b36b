"""Booking an appointment (from the calendar or a client's record), one appointment with its history,
and its actions: reschedule, cancel, mark as completed or no-show (R-SCH-1 … R-SCH-3). Thin: the forms
collect, `services` decide, a refusal shows on the form (a clash names the clashing appointment)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from praxis.clients import policies as client_policies
from praxis.clients import selectors as client_selectors
from praxis.core import clock
from praxis.core.errors import NotFound, ServiceError
from praxis.core.web import form_error, refuse
from praxis.workspaces.roles import APPOINTMENTS_MANAGE, CLIENTS_VIEW
from praxis.workspaces.web import workspace_view

from .. import policies, selectors, services, times
from ..forms import BookingForm, CancelForm, MarkForm, RescheduleForm
from ..models import Appointment


def _booked_message(appointments: list[Appointment], tz) -> str:
    first = times.local(appointments[0].start, tz)
    when = f"{formats.date_format(first, 'DATE_FORMAT')} {first:%H:%M}"
    if len(appointments) == 1:
        return _("Appointment booked: %(when)s.") % {"when": when}
    return ngettext("%(count)s weekly appointment booked, the first on %(when)s.",
                    "%(count)s weekly appointments booked, the first on %(when)s.",
                    len(appointments)) % {"count": len(appointments), "when": when}


def _client_choice(request):
    """Step one when no client is given: find the client (the list's own search, R-CLI-8)."""
    access = request.access
    q = " ".join(request.GET.get("q", "").split())[:200]
    found = []
    if q:
        clients = client_selectors.clients_list(access=access, q=q)
        found = list(clients[:20])
    return render(request, "scheduling/choose_client.html", {"workspace": access.workspace, "q": q, "found": found,
                                                              "date": request.GET.get("date", "")})


@workspace_view(APPOINTMENTS_MANAGE)
def appointment_new(request):
    """Book an appointment: for `?client=` (from the record), else first choose the client."""
    access = request.access
    client_id = request.GET.get("client", "")
    if not client_id.isdigit():
        return _client_choice(request)
    client = client_policies.visible_clients(access).filter(pk=int(client_id)).first()
    if client is None:
        raise Http404
    practitioners = policies.practitioners(access.workspace)
    initial = {"practitioner": next((m.pk for m in practitioners if m.pk == access.membership.pk), None),
               "date": request.GET.get("date") or times.today(times.zone(access.workspace)).isoformat()}
    form = BookingForm(request.POST or None, practitioners=practitioners, workspace=access.workspace, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booked = services.book(access=access, client_id=client.pk, practitioner_id=data["practitioner"],
                                   start=data["start"], end=data["end"], kind=data["kind"],
                                   location=data["location"], video_link=data["video_link"], weeks=data["weeks"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _booked_message(booked, times.zone(access.workspace)))
            return redirect("scheduling:appointment", access.workspace.slug, booked[0].pk)
    return render(request, "scheduling/new.html", {"workspace": access.workspace, "client": client, "form": form,
                                                    "time_zone": access.workspace.time_zone})


def _appointment_or_404(request, appointment_id: int) -> Appointment:
    appointment = selectors.get(request.access, appointment_id)
    if appointment is None:
        raise Http404
    return appointment


@require_GET
@workspace_view(CLIENTS_VIEW)
def appointment(request, appointment_id: int):
    """One appointment: when, with whom, where, its status and its history, and what can be done."""
    access = request.access
    found = _appointment_or_404(request, appointment_id)
    return render(request, "scheduling/appointment.html", {
        "workspace": access.workspace, "appointment": found, "history": selectors.history(found),
        "may_manage": policies.may_manage(access), "has_begun": found.start <= clock.now(),
        "cancel_form": CancelForm(), "time_zone": access.workspace.time_zone,
    })


@workspace_view(APPOINTMENTS_MANAGE)
def appointment_reschedule(request, appointment_id: int):
    access = request.access
    found = _appointment_or_404(request, appointment_id)
    if not found.is_booked:
        raise Http404
    practitioners = policies.practitioners(access.workspace)
    if not any(m.pk == found.practitioner_id for m in practitioners):
        practitioners = [found.practitioner, *practitioners]
    initial = {"practitioner": found.practitioner_id, "date": found.local_start.date().isoformat(),
               "start_time": found.local_start.strftime("%H:%M"), "duration": found.duration_minutes}
    form = RescheduleForm(request.POST or None, practitioners=practitioners, workspace=access.workspace,
                          initial=initial, duration=found.duration_minutes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.reschedule(access=access, appointment_id=found.pk, start=data["start"], end=data["end"],
                                practitioner_id=data["practitioner"], reason=data["reason"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Appointment rescheduled."))
            return redirect("scheduling:appointment", access.workspace.slug, found.pk)
    return render(request, "scheduling/reschedule.html", {"workspace": access.workspace, "appointment": found,
                                                           "form": form, "time_zone": access.workspace.time_zone})


@require_POST
@workspace_view(APPOINTMENTS_MANAGE)
def appointment_cancel(request, appointment_id: int):
    access = request.access
    form = CancelForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("invalid_reason", _("The reason is at most 300 characters."), field="reason")
        services.cancel(access=access, appointment_id=appointment_id, reason=form.cleaned_data["reason"])
    except NotFound:
        raise Http404 from None
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("Appointment cancelled. It stays in the client's history."))
    return redirect("scheduling:appointment", access.workspace.slug, appointment_id)


@require_POST
@workspace_view(APPOINTMENTS_MANAGE)
def appointment_mark(request, appointment_id: int):
    access = request.access
    form = MarkForm(request.POST)
    try:
        status = form.cleaned_data["status"] if form.is_valid() else ""
        services.mark(access=access, appointment_id=appointment_id, status=status)
    except NotFound:
        raise Http404 from None
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("Appointment marked as completed.") if status == Appointment.Status.COMPLETED
                         else _("Appointment marked as a no-show."))
    back = request.POST.get("next", "")
    if back == "client":
        found = selectors.get(access, appointment_id)
        if found is not None:
            return redirect(reverse("clients:record", args=[access.workspace.slug, found.client_id]))
    return redirect("scheduling:appointment", access.workspace.slug, appointment_id)


urlpatterns = [
    path("w/<slug:ws>/appointments/new/", appointment_new, name="new"),
    path("w/<slug:ws>/appointments/<int:appointment_id>/", appointment, name="appointment"),
    path("w/<slug:ws>/appointments/<int:appointment_id>/reschedule/", appointment_reschedule, name="reschedule"),
    path("w/<slug:ws>/appointments/<int:appointment_id>/cancel/", appointment_cancel, name="cancel"),
    path("w/<slug:ws>/appointments/<int:appointment_id>/mark/", appointment_mark, name="mark"),
]
