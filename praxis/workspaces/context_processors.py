"""Navigation context for every page: the user's workspaces and the current one."""

from .access import user_workspaces


def workspace_nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = getattr(request, "access", None)
    return {
        "nav_workspaces": user_workspaces(user),
        "current_access": access,
        "current_workspace": access.workspace if access else None,
    }
