"""Roles and capabilities (SPEC §3): the matrix, grants, support accounts and per-request resolution.

The expected matrix is SPEC §3's table as data (`praxis.testing.spec`), copied from SPEC by hand on
purpose: deriving it from `ROLE_CAPABILITIES` would only test that the code equals itself.
"""

import pytest
from django.http import Http404
from django_scopes import scope
from hypothesis import given, settings
from hypothesis import strategies as st

from praxis.testing.spec import CAPABILITIES, CLINICAL, MATRIX, ROLES, spec_caps
from praxis.workspaces import licences
from praxis.workspaces.access import resolve_access
from praxis.workspaces.roles import capabilities_for
from praxis.workspaces.services import member_change_role, members_cancel, workspace_create

# --- the matrix ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "capability"), sorted(MATRIX))
def test_spec_3_capability_matrix_cell(role, capability):
    """SPEC §3: every (role × capability) cell, for a `pro` member without grants."""
    granted = capability in capabilities_for(role=role, grants=[], account_type="pro")
    assert granted is (MATRIX[role, capability] == "✓")


@pytest.mark.parametrize("role", ROLES)
def test_spec_3_role_has_no_capability_outside_the_matrix(role):
    """SPEC §3: a role's bundle is exactly its ✓ cells — nothing the spec does not list."""
    assert capabilities_for(role=role, grants=[], account_type="pro") == spec_caps(role)


# --- R-ROLE-1 grants -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["assistant", "clinician", "staff"])
def test_r_role_1_view_all_grant_adds_it(role):
    caps = capabilities_for(role=role, grants=["tickets.view_all"], account_type="pro")
    assert caps == spec_caps(role) | {"tickets.view_all"}


@pytest.mark.parametrize("role", ["assistant", "clinician", "staff"])
@pytest.mark.parametrize("grant", ["billing.manage", "audit.view", "notes.write", "members.manage", "superpowers"])
def test_r_role_1_grant_of_something_not_grantable_adds_nothing(role, grant):
    assert capabilities_for(role=role, grants=[grant], account_type="pro") == spec_caps(role)


@settings(database=None)  # no example database written into the working tree
@given(grants=st.lists(st.sampled_from([*CAPABILITIES, "x", ""]) | st.text(max_size=20), max_size=6),
       role=st.sampled_from(ROLES))
def test_r_role_1_any_grants_add_at_most_tickets_view_all(grants, role):
    """R-ROLE-1 as a property: whatever is granted, the only possible extra is `tickets.view_all`."""
    caps = capabilities_for(role=role, grants=grants, account_type="pro")
    assert spec_caps(role) <= caps
    assert caps - spec_caps(role) <= {"tickets.view_all"}


# --- R-ROLE-2 support accounts ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_r_role_2_support_account_loses_clinical_capabilities_only(role):
    caps = capabilities_for(role=role, grants=["tickets.view_all"], account_type="support")
    assert not caps & CLINICAL
    expected_extra = {"tickets.view_all"}
    assert caps == (spec_caps(role) | expected_extra) - CLINICAL


@pytest.mark.parametrize("account_type", ["free", "essentials", "pro"])
@pytest.mark.parametrize("role", ["owner", "admin", "clinician"])
def test_r_role_2_clinical_account_types_keep_clinical_capabilities(role, account_type):
    assert CLINICAL <= capabilities_for(role=role, grants=[], account_type=account_type)


def test_r_role_2_support_licence_member_gets_no_clinical_caps_through_resolve_access(workspace_with_team):
    team = workspace_with_team
    assert CLINICAL <= team.access("clinician").capabilities
    licences.licence_assign(user=team.clinician, account_type="support", payer_workspace=team.workspace,
                            actor=team.owner)
    access = team.access("clinician")
    assert not access.capabilities & CLINICAL
    assert access.capabilities == spec_caps("clinician") - CLINICAL


def test_r_role_2_support_owner_gets_no_clinical_caps(workspace_with_team):
    team = workspace_with_team
    licences.licence_assign(user=team.owner, account_type="support", payer_workspace=None, actor=team.owner)
    assert team.access("owner").capabilities == spec_caps("owner") - CLINICAL


# --- R-ROLE-4 / R-ROLE-6 resolution per request ------------------------------------------------------


def test_r_role_4_team_members_resolve_to_their_role(workspace_with_team):
    team = workspace_with_team
    for role in ROLES:
        access = team.access(role)
        assert access.workspace.pk == team.workspace.pk
        assert access.membership.role == role
        assert access.capabilities == spec_caps(role)


def test_r_role_4_non_member_gets_404(workspace_with_team, make_user):
    outsider = make_user()
    slug = workspace_with_team.workspace.slug
    with pytest.raises(Http404):
        resolve_access(outsider, slug)
    # …exactly like a workspace that does not exist.
    with pytest.raises(Http404):
        resolve_access(outsider, slug + "-missing")


def test_r_role_4_anonymous_gets_404(workspace_with_team):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        resolve_access(AnonymousUser(), workspace_with_team.workspace.slug)


def test_r_role_4_member_of_another_workspace_gets_404(workspace_with_team, make_user):
    other_owner = make_user()
    other = workspace_create(actor=other_owner, name="Elsewhere", tier="practice")
    with pytest.raises(Http404):
        resolve_access(other_owner, workspace_with_team.workspace.slug)
    with pytest.raises(Http404):
        resolve_access(workspace_with_team.owner, other.slug)


def test_r_role_6_cancelled_member_gets_404_on_next_request(workspace_with_team):
    team = workspace_with_team
    assert team.access("staff")  # works before
    with scope(workspace=team.workspace):
        members_cancel(access=team.access("admin"), membership_ids=[team.members["staff"].pk])
    with pytest.raises(Http404):
        team.access("staff")


def test_r_role_6_role_change_takes_effect_on_next_resolve(workspace_with_team, password):
    team = workspace_with_team
    before = team.access("clinician")
    assert "notes.write" in before.capabilities
    with scope(workspace=team.workspace):
        member_change_role(access=team.access("admin"), membership_id=team.members["clinician"].pk,
                           role="staff", password=password)
    after = team.access("clinician")
    assert after.membership.role == "staff"
    assert after.capabilities == spec_caps("staff")


def test_r_role_6_grant_takes_effect_on_next_resolve(workspace_with_team, password):
    team = workspace_with_team
    assert "tickets.view_all" not in team.access("staff").capabilities
    with scope(workspace=team.workspace):
        member_change_role(access=team.access("owner"), membership_id=team.members["staff"].pk,
                           role="staff", grants=["tickets.view_all"], password=password)
    assert team.access("staff").capabilities == spec_caps("staff") | {"tickets.view_all"}


def test_r_role_4_require_refuses_missing_capability(workspace_with_team):
    from praxis.core.errors import PermissionDenied

    access = workspace_with_team.access("staff")
    access.require("members.view")  # allowed: returns quietly
    with pytest.raises(PermissionDenied):
        access.require("members.manage")

