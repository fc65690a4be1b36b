"""Issue 6 point 24: no export cell can be evaluated as a spreadsheet formula."""

import csv
import io

import pytest

from praxis.accounts.services import profile_update
from praxis.core.exports import FORMULA_TRIGGERS, csv_writer, safe_cell, xlsx_append

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+SUM(1,1)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_cell_turns_formulas_into_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Ann", "", "a=b", "O'Brien", 42, -3, 1.5])
def test_safe_cell_keeps_ordinary_values(value):
    assert safe_cell(value) == value


def test_csv_writer_escapes_every_cell():
    out = io.StringIO()
    csv_writer(out).writerow(HOSTILE)
    [row] = list(csv.reader(io.StringIO(out.getvalue())))
    assert all(cell.startswith("'") for cell in row)


def test_xlsx_append_stores_text_not_formulas():
    from openpyxl import Workbook

    sheet = Workbook().active
    xlsx_append(sheet, [*HOSTILE, 7])
    cells = list(sheet[1])
    assert [c.value for c in cells[:-1]] == ["'" + v for v in HOSTILE]
    assert all(c.data_type == "s" for c in cells[:-1])
    assert cells[-1].value == 7


def test_audit_export_escapes_hostile_names_and_user_agents(client, workspace_with_team):
    """Issue 6 point 24 / R-AUD-2: a member named like a formula, acting with a formula User-Agent, shows up
    in the audit export as text."""
    team = workspace_with_team
    admin = team.admin
    profile_update(user=admin, changes={"first_name": "=HYPERLINK(\"http://evil.example\")",
                                        "last_name": "@SUM(1)"})
    client.force_login(admin)
    for agent in HOSTILE:
        client.post(f"/w/{team.workspace.slug}/settings/", {"name": ""}, HTTP_USER_AGENT=agent)  # refused, audited
        client.get(f"/w/{team.workspace.slug}/audit/export.csv", HTTP_USER_AGENT=agent)

    response = client.get(f"/w/{team.workspace.slug}/audit/export.csv", HTTP_USER_AGENT="+cmd|' /C calc'!A0")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    agents = {row[9] for row in rows[1:]}
    names = {row[6] for row in rows[1:]}
    assert "'" + HOSTILE[0] in agents and "'@SUM(A1)" in agents
    assert any(name.startswith("'=HYPERLINK") for name in names)
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS), (cell, row)
