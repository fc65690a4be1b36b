"""Issue 6 point 16: the audit log shows translated event names and outcomes, not raw codes.

`test_every_code_written_has_a_label` reads the code base (not a list kept by hand): every audit code a
service, view or hook writes — `code="…"` arguments, `"code": "…"` entries and the constants passed as
codes — must have a label in `praxis.audit.labels`, so a new event cannot reach the log unlabelled.
"""

import ast
import pathlib
import re

import pytest
from django.urls import reverse

from praxis.audit import labels
from praxis.audit.services import record

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOTTED = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _codes_in(tree: ast.AST) -> set[str]:
    constants = {target.id: node.value.value
                 for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 for target in node.targets
                 if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant)
                 and isinstance(node.value.value, str)}

    def values(node) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Name) and node.id in constants:
            return {constants[node.id]}
        if isinstance(node, ast.BoolOp):
            return set().union(*(values(v) for v in node.values))
        if isinstance(node, ast.IfExp):
            return values(node.body) | values(node.orelse)
        return set()

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "code":
            found |= values(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    found |= values(value)
    return {code for code in found if DOTTED.match(code)}


def written_codes() -> set[str]:
    codes = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "labels.py":
            continue
        codes |= _codes_in(ast.parse(path.read_text(), filename=str(path)))
    return codes


def test_every_code_written_has_a_label():
    codes = written_codes()
    assert {"member.role_changed", "invitation.created", "permission.refused", "seat.added"} <= codes
    missing = sorted(code for code in codes if code not in labels.EVENT_LABELS)
    assert missing == []


def test_unknown_codes_fall_back_readably():
    assert labels.event_label("operator.plan.updated") == "Operator: plan updated"
    assert labels.event_label("something_new.done_now") == "Something new: done now"
    assert labels.outcome_label("odd") == "odd"


@pytest.mark.django_db
def test_audit_list_shows_labels_in_the_readers_language(client, workspace_with_team):
    """The HTML list shows the label ("Role changed", in the page's language), not `member.role_changed`."""
    team = workspace_with_team
    record(code="member.role_changed", action="update", actor=team.owner, workspace=team.workspace,
           outcome="refused")
    client.force_login(team.owner)
    body = client.get(reverse("audit:list", kwargs={"ws": team.workspace.slug})).content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    text = " ".join(" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows)
    assert "Role changed" in text and "Refused" in text
    assert "member.role_changed" not in text  # only in the title attribute, not as the text people read
