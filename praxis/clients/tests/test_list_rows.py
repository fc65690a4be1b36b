"""What a client list row shows besides the client (R-CLI-1, R-CLI-8): the care team (names on the page,
membership ids in the API) and the tags, read for a whole page at once (`selectors.with_team_and_tags`)."""

import pytest
from django_scopes import scope

from praxis.clients import selectors

from .test_exports import logged_in
from .test_exports import make as _client

pytestmark = pytest.mark.django_db


def test_the_care_team_and_tags_of_each_row_are_the_clients_own(team, client):
    clinician, admin = team.members["clinician"], team.members["admin"]
    first = _client(team, first_name="Anna", last_name="Eerst", clinician_ids=[clinician.pk, admin.pk],
                    tag_names=["Wachtlijst", "Groep"])
    second = _client(team, first_name="Bram", last_name="Tweede", clinician_ids=[clinician.pk], tag_names=[])
    alone = _client(team, first_name="Cas", last_name="Derde")

    with scope(workspace=team.workspace):
        rows = selectors.with_team_and_tags([first, second, alone])
    by_surname = sorted([clinician, admin], key=lambda m: m.user.last_name)
    assert [m.pk for m in rows[0].care_team] == [m.pk for m in by_surname]
    # Each member as stored: the user's own name and address (not another column's value).
    assert [(m.user.email, m.display_name) for m in rows[0].care_team] == \
        [(m.user.email, m.user.display_name) for m in by_surname]
    assert [t.name for t in rows[0].tag_list] == ["Groep", "Wachtlijst"]
    assert [m.pk for m in rows[1].care_team] == [clinician.pk] and rows[1].tag_list == []
    assert rows[2].care_team == [] and rows[2].tag_list == []

    api = logged_in(client, team.owner).get(f"/api/v1/workspaces/{team.workspace.slug}/clients").json()
    items = {item["last_name"]: item for item in api["items"]}
    assert items["Eerst"]["clinicians"] == [m.pk for m in by_surname]
    assert items["Eerst"]["tags"] == ["Groep", "Wachtlijst"]
    assert (items["Tweede"]["clinicians"], items["Derde"]["clinicians"]) == ([clinician.pk], [])

    page = logged_in(client, team.owner).get(f"/w/{team.workspace.slug}/clients/").content.decode()
    assert ", ".join(m.user.display_name for m in by_surname) in page
