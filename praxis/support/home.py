"""The support app's part of a member's home page (R-SUP-4): first the tickets waiting for their answer,
then their recent history — through `workspaces.ports`, so the kernel does not import support."""

from __future__ import annotations

from praxis.workspaces.ports import HomePanel

from . import policies, selectors


class SupportHome:
    def panels_for(self, *, access) -> list[HomePanel]:
        if not access.can("tickets.view_own"):
            return []
        awaiting = selectors.awaiting_answer(access=access)
        recent = selectors.recent_history(access=access)
        return [HomePanel(order=10, template="support/_home_panel.html",
                          context={"awaiting": awaiting, "recent": recent, "may_file": policies.may_file(access)})]
