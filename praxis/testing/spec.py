"""SPEC §3's capability table, as data, for the tests (issue 6 point 12: one SPEC-matrix module).

Copied from SPEC §3 by hand, on purpose: deriving it from `praxis.workspaces.roles.ROLE_CAPABILITIES`
would only test that the code equals itself. `test_roles` checks every cell against `capabilities_for`,
`test_capabilities` every role against every API operation.

✓ = granted by the role, "grant" = only through an explicit grant (R-ROLE-1), "-" = never.
"""

ROLES = ("owner", "admin", "assistant", "clinician", "staff")

SPEC_TABLE = """
capability              owner  admin  assistant  clinician  staff
members.view            ✓      ✓      ✓          ✓          ✓
members.manage          ✓      ✓      ✓          -          -
billing.view            ✓      ✓      -          -          -
billing.manage          ✓      ✓      -          -          -
workspace.edit          ✓      ✓      -          -          -
templates.use           ✓      ✓      ✓          ✓          ✓
templates.manage        ✓      ✓      -          -          -
clients.view            ✓      ✓      ✓          ✓          ✓
clients.manage          ✓      ✓      ✓          ✓          -
clients.sensitive       ✓      ✓      -          ✓          -
notes.write             ✓      ✓      -          ✓          -
appointments.manage     ✓      ✓      ✓          ✓          -
client_invoices.manage  ✓      ✓      ✓          -          -
tickets.create          ✓      ✓      ✓          ✓          ✓
tickets.view_own        ✓      ✓      ✓          ✓          ✓
tickets.view_all        ✓      ✓      grant      grant      grant
audit.view              ✓      ✓      -          -          -
"""

# The capabilities SPEC §3 marks clinical: a `support` account never has them (R-ROLE-2).
CLINICAL = frozenset({"notes.write", "clients.sensitive"})


def _parse(table: str) -> dict[tuple[str, str], str]:
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    assert tuple(header) == ROLES
    return {(role, row[0]): mark for row in rows for role, mark in zip(header, row[1:], strict=True)}


# (role, capability) → "✓" / "grant" / "-"
MATRIX: dict[tuple[str, str], str] = _parse(SPEC_TABLE)
CAPABILITIES: tuple[str, ...] = tuple(sorted({cap for _role, cap in MATRIX}))
# capability → the roles that hold it by their role alone (✓ cells)
HOLDERS: dict[str, frozenset[str]] = {
    cap: frozenset(role for role in ROLES if MATRIX[role, cap] == "✓") for cap in CAPABILITIES}


def spec_caps(role: str) -> set[str]:
    """The capabilities SPEC §3 gives `role` (its ✓ cells)."""
    return {cap for (r, cap), mark in MATRIX.items() if r == role and mark == "✓"}
