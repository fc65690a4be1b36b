"""The demo practice's calendar (SPEC §9): this week and the next, Monday to Friday, four to six
50-minute appointments a day for every practitioner — in person in their room, by video (an https
link) or by phone. Of those already begun most are marked completed, one is a no-show and a few wait to
be marked; one upcoming appointment is cancelled with its reason and one is rescheduled, so its history
shows. Booked, moved, cancelled and marked through the scheduling services (the clash check, the
history and the audit trail are real), by the practice's assistant at the front desk.

Deterministic (a fixed seed) and relative to `clock.now()` in the practice's time zone, so the demo
always shows a living week. Idempotent: nothing is added to a practice that has appointments.
"""

from __future__ import annotations

import datetime as dt
import random

from praxis.clients.models import Client
from praxis.core import clock
from praxis.core.lifecycle import LifecycleStatus
from praxis.scheduling import policies, services, times
from praxis.scheduling.models import Appointment
from praxis.workspaces.access import Access, resolve_access
from praxis.workspaces.models import Membership

SEED = 20261207
MINUTES = 50
# The day's hours an appointment may start at (local time); a day takes the first four to six of them.
HOURS = (9, 10, 11, 13, 14, 15)
FREE_HOUR = 16  # never booked by the loop: where the rescheduled appointment moves to
ROOMS = ("Kamer 1", "Kamer 2", "Kamer 3", "Kamer 4")
DAYS = 12  # Monday of this week to Friday of the next
CANCEL_REASON = "De cliënt is ziek en belt voor een nieuwe afspraak."
RESCHEDULE_REASON = "Op verzoek van de cliënt: later op de dag."


def _desk(access: Access) -> Access:
    """The assistant books, as the front desk does; the owner when the practice has no assistant."""
    assistant = (Membership.objects.filter(workspace=access.workspace, role="assistant",
                                           status=LifecycleStatus.ACTIVE, user__isnull=False)
                 .select_related("user").order_by("pk").first())
    return resolve_access(assistant.user, access.workspace.slug) if assistant and assistant.user else access


def _clients_of(practitioner: Membership, everyone: list[Client]) -> list[Client]:
    """The practitioner's own clients (their care team) first; anyone the practitioner may see after."""
    own = [c for c in everyone if any(m.pk == practitioner.pk for m in c.clinicians.all())]  # prefetched
    return own or [c for c in everyone if policies.practitioner_may_see(practitioner, c)]


def _place(rng: random.Random, room: str, practitioner: Membership, n: int) -> dict:
    roll = rng.random()
    if roll < 0.6:
        return {"kind": Appointment.Kind.IN_PERSON, "location": room}
    if roll < 0.85:
        return {"kind": Appointment.Kind.VIDEO,
                "video_link": f"https://video.delinde.example/{practitioner.pk}-{n:03d}"}
    return {"kind": Appointment.Kind.PHONE}


def load_demo_appointments(access: Access) -> int:
    """Book the demo appointments of `access.workspace` (inside the caller's transaction and scope);
    return how many were booked — 0 when the workspace already has appointments."""
    workspace = access.workspace
    if Appointment.objects.filter(workspace=workspace).exists():
        return 0
    practitioners = policies.practitioners(workspace)
    active = list(Client.objects.filter(workspace=workspace, status=LifecycleStatus.ACTIVE)
                  .select_related("workspace").prefetch_related("clinicians").order_by("pk"))
    if not practitioners or not active:
        return 0
    desk = _desk(access)
    rng = random.Random(SEED)
    tz = times.zone(workspace)
    monday = times.week_of(times.today(tz))
    now = clock.now()
    booked: list[Appointment] = []
    for index, practitioner in enumerate(practitioners):
        room = ROOMS[index % len(ROOMS)]
        clients = _clients_of(practitioner, active)
        for offset in range(DAYS):
            day = monday + dt.timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for hour in HOURS[:rng.randint(4, 6)]:
                start = times.to_utc(day, dt.time(hour), tz)
                [appointment] = services.book(
                    access=desk, client_id=rng.choice(clients).pk, practitioner_id=practitioner.pk, start=start,
                    end=start + dt.timedelta(minutes=MINUTES), **_place(rng, room, practitioner, len(booked)))
                booked.append(appointment)
    _mark_the_past(desk, [a for a in booked if a.start <= now])
    _change_the_future(desk, [a for a in booked if a.start > now], tz)
    return len(booked)


def _mark_the_past(desk: Access, begun: list[Appointment]) -> None:
    """Most begun appointments are completed; the earliest one the client missed (a no-show); the last
    three (today's, say) still wait for their practitioner to mark them."""
    if not begun:
        return
    no_show, *rest = begun
    services.mark(access=desk, appointment_id=no_show.pk, status=Appointment.Status.NO_SHOW)
    for appointment in rest[:-3]:
        services.mark(access=desk, appointment_id=appointment.pk, status=Appointment.Status.COMPLETED)


def _change_the_future(desk: Access, upcoming: list[Appointment], tz) -> None:
    """One upcoming appointment is cancelled with its reason; another moves to later that day."""
    if len(upcoming) < 2:
        return
    cancelled, moved = upcoming[len(upcoming) // 3], upcoming[len(upcoming) // 2]
    services.cancel(access=desk, appointment_id=cancelled.pk, reason=CANCEL_REASON)
    start = times.to_utc(times.local(moved.start, tz).date(), dt.time(FREE_HOUR), tz)
    services.reschedule(access=desk, appointment_id=moved.pk, start=start, end=start + dt.timedelta(minutes=MINUTES),
                        reason=RESCHEDULE_REASON)
