"""Scheduling's part of a member's home page: a practitioner's appointments of today, after what waits
for their answer (R-SUP-4's order) — through `workspaces.ports`, so the kernel does not import scheduling."""

from __future__ import annotations

from praxis.workspaces.ports import HomePanel

from . import policies, selectors, times


class SchedulingHome:
    def panels_for(self, *, access) -> list[HomePanel]:
        if not access.can("clients.view") or not policies.is_practitioner(access.membership):
            return []
        today = times.today(times.zone(access.workspace))
        [day] = selectors.days(access, today, 1, practitioner=access.membership)
        booked = [a for a in day.appointments if a.status != "cancelled"]
        return [HomePanel(order=20, template="scheduling/_home_panel.html",
                          context={"appointments": booked, "today": today})]
