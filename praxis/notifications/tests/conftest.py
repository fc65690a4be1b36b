import pytest


@pytest.fixture
def two_people(make_user):
    """Ann (English) and Bram (Dutch), each with notifications of their own, in a workspace of Ann's."""
    from praxis.notifications.services import notify
    from praxis.workspaces.services import workspace_create

    ann = make_user(first_name="Ann", last_name="Arts")
    bram = make_user(first_name="Bram", last_name="Bos", language="nl")
    workspace = workspace_create(actor=ann, name="Praktijk Oost", tier="practice")
    for invitee in ("Carla Claes", "Dirk Dams"):
        notify(recipient=ann, kind="invitation.accepted", workspace=workspace, email=False,
               parameters={"workspace_name": workspace.name, "invitee": invitee, "email": "x@example.test"})
    notify(recipient=bram, kind="seat.changed", workspace=workspace, email=False,
           parameters={"workspace_name": workspace.name, "old": "pro", "new": "essentials"})
    return ann, bram, workspace
