"""Navigation context for every page: the user's workspaces, their client portals and the current one."""

from . import ports
from .access import user_workspaces


def workspace_nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = getattr(request, "access", None)
    return {
        "nav_workspaces": user_workspaces(user),
        # R-CLI-11: a client portal is one more entry of the switcher (asked through the port: the kernel
        # never imports the clients app). The portal's own pages set `current_portal`.
        "nav_portals": ports.portals().portals_of(user=user),
        "current_access": access,
        "current_workspace": access.workspace if access else None,
    }
