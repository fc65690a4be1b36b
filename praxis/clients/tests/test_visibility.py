"""Who sees which client and which fields, in HTML and in the API (R-ROLE-2, R-ROLE-3, R-WS-2).

The matrix: every role × account type (a clinical `pro` licence or a `support` one) × tier (`team` /
`practice`) × a client assigned to the visitor or not. The expectations below are written out from the
SPEC (§3, R-ROLE-3, R-WS-2), not derived from `policies`, so a wrong policy fails here:

- `practice`: everyone with `clients.view` (every role) lists and opens every client.
- `team`: members who manage the team (owner, admin, assistant) see every client; a clinician only the
  clients assigned to them; staff (who cannot be assigned) none.
- The national identifier and sensitive custom fields (label and value) need `clients.sensitive`: owner,
  admin and clinician on a clinical licence — never assistant, staff or a `support` account. Without it
  they are absent: no label, no value, no input, no API key.
- The Access history tab needs `audit.view` (owner, admin).
"""

import pytest
from django.test import Client as DjangoClient
from django_scopes import scope

from praxis.clients import tabs
from praxis.clients.models import CustomField
from praxis.clients.services import client_create
from praxis.testing.team import build_team
from praxis.workspaces import licences

pytestmark = pytest.mark.django_db

ROLES = ("owner", "admin", "assistant", "clinician", "staff")
ASSIGNABLE = {"owner", "admin", "clinician"}  # selectors.clinicians_list: the roles that write notes
NATIONAL_ID = "999000111"
SECRET = "F41.1-GEHEIM"
VISIBLE = "Dr. Zichtbaar"


def expected_listed(role: str, tier: str) -> set[str]:
    if tier == "practice" or role in ("owner", "admin", "assistant"):
        return {"mine", "other"}
    return {"mine"} if role == "clinician" else set()


def expected_sensitive(role: str, support: bool) -> bool:
    return role in ("owner", "admin", "clinician") and not support


CASES = [pytest.param(role, support, tier, id=f"{role}-{'support' if support else 'pro'}-{tier}")
         for role in ROLES for support in (False, True) for tier in ("team", "practice")]


def _world(make_user, role: str, support: bool, tier: str):
    team = build_team(make_user, tier=tier)
    workspace, owner = team.workspace, team.access("owner")
    visitor = team.members[role]
    with scope(workspace=workspace):
        CustomField.objects.create(workspace=workspace, key="diagnose", label="Diagnosecode", field_type="text",
                                   builtin_section="personal", sensitive=True)
        CustomField.objects.create(workspace=workspace, key="verwijzer", label="Verwijzer", field_type="text",
                                   builtin_section="care")
        assigned = {team.members["clinician"].pk} | ({visitor.pk} if role in ASSIGNABLE else set())
        common = {"national_id": NATIONAL_ID, "email": "zichtbaar@example.test"}
        clients = {
            "mine": client_create(access=owner, values={"first_name": "Mira", "last_name": "Toegewezen", **common},
                                  custom={"diagnose": SECRET, "verwijzer": VISIBLE}, clinician_ids=sorted(assigned)),
            "other": client_create(access=owner, values={"first_name": "Otto", "last_name": "Nietvanjou", **common},
                                   custom={"diagnose": SECRET, "verwijzer": VISIBLE}),
        }
    if support:  # R-ROLE-2: a support account is non-clinical whatever its role
        payer = None if role == "owner" else workspace
        licences.licence_assign(user=team.users[role], account_type="support", payer_workspace=payer,
                                actor=team.owner)
    browser = DjangoClient()
    browser.force_login(team.users[role], backend="praxis.accounts.sessions.AccountBackend")
    return team, clients, browser


@pytest.mark.parametrize(("role", "support", "tier"), CASES)
def test_visibility_matrix_html_and_api(role, support, tier, make_user):
    team, clients, browser = _world(make_user, role, support, tier)
    ws = team.workspace.slug
    listed, sensitive = expected_listed(role, tier), expected_sensitive(role, support)
    names = {"mine": "Toegewezen", "other": "Nietvanjou"}

    # The list (HTML and API): exactly the expected clients, never the national identifier.
    page = browser.get(f"/w/{ws}/clients/").content.decode()
    assert {key for key, name in names.items() if name in page} == listed
    assert NATIONAL_ID not in page
    items = browser.get(f"/api/v1/workspaces/{ws}/clients").json()["items"]
    assert {key for key, c in clients.items() if c.pk in {i["id"] for i in items}} == listed
    assert all("national_id" not in item for item in items)
    # Searching by the identifier finds nothing: it is not in what the search looks at.
    assert browser.get(f"/api/v1/workspaces/{ws}/clients?q={NATIONAL_ID}").json()["count"] == 0

    access = team.access(role)
    assert ("access" in [t.key for t in tabs.tabs_for(access)]) == (role in ("owner", "admin"))

    for key, client in clients.items():
        overview = browser.get(f"/w/{ws}/clients/{client.pk}/")  # the record opens on its Overview tab
        record = browser.get(f"/w/{ws}/clients/{client.pk}/personal/")  # the fields are on Personal
        detail = browser.get(f"/api/v1/workspaces/{ws}/clients/{client.pk}")
        if key not in listed:
            assert overview.status_code == 404 and record.status_code == 404 and detail.status_code == 404
            continue
        assert overview.status_code == 200 and record.status_code == 200 and detail.status_code == 200
        assert VISIBLE not in overview.content.decode() and SECRET not in overview.content.decode()
        html = record.content.decode()
        assert VISIBLE in html and "zichtbaar@example.test" in html
        for shown in (NATIONAL_ID, "National identifier", SECRET, "Diagnosecode"):
            assert (shown in html) == sensitive, shown
        assert ("Access history" in html) == (role in ("owner", "admin"))
        body = detail.json()
        assert ("national_id" in body) == sensitive
        assert body["custom"] == ({"diagnose": SECRET, "verwijzer": VISIBLE} if sensitive else {"verwijzer": VISIBLE})
        assert (SECRET in detail.content.decode()) == sensitive

        edit = browser.get(f"/w/{ws}/clients/{client.pk}/sections/personal/edit/", headers={"HX-Request": "true"})
        if role == "staff":  # no clients.manage
            assert edit.status_code == 403
            continue
        form = edit.content.decode()
        assert edit.status_code == 200 and 'name="first_name"' in form
        assert ('name="national_id"' in form) == sensitive
        assert ('name="custom.diagnose"' in form) == sensitive
        assert (NATIONAL_ID in form) == sensitive and (SECRET in form) == sensitive
