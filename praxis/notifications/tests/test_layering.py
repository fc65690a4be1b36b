"""Issue 6 point 4 (and point 9's rule): the notifications app is kernel-level — it imports core, accounts
and audit only; workspaces and billing call it. The kernel's new modules do not import billing."""

import ast
from pathlib import Path

import praxis

ROOT = Path(praxis.__file__).parent
ALLOWED = {"praxis.core", "praxis.accounts", "praxis.audit", "praxis.notifications"}


def _praxis_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):  # also imports inside functions
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {".".join(name.split(".")[:2]) for name in names if name.startswith("praxis.")}


def test_notifications_imports_only_the_kernel():
    offending = {
        str(path.relative_to(ROOT)): sorted(_praxis_imports(path) - ALLOWED)
        for path in (ROOT / "notifications").rglob("*.py")
        if "tests" not in path.parts and _praxis_imports(path) - ALLOWED
    }
    assert offending == {}


def test_the_kernels_notification_modules_do_not_import_billing():
    for name in ("notices.py", "ports.py", "views/inviting.py"):
        assert "praxis.billing" not in _praxis_imports(ROOT / "workspaces" / name), name
