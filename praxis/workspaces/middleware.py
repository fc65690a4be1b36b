CURRENT_WORKSPACE = "praxis_current_workspace"


def remember_workspace(request, workspace) -> None:
    """The workspace the user last worked in; `/` takes them back there."""
    if request.session.get(CURRENT_WORKSPACE) != workspace.slug:
        request.session[CURRENT_WORKSPACE] = workspace.slug
