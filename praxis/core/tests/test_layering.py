"""The import contract (issue 6 point 9, STYLE "Layout").

The kernel — `core`, `accounts`, `workspaces`, `audit`, `notifications` — never imports a domain app
(`billing`, `clients`, `notes`, `scheduling`, `support`), not even inside a function or through a
template's `{% load %}`; it asks through its ports (`praxis.workspaces.ports`, `praxis.accounts.ports`).
`accounts` never imports `workspaces` (workspaces depends on accounts; what accounts needs from above is
`praxis.accounts.ports.Host`). `api` is wiring and may import everything.

Every module is parsed with `ast`, so imports inside functions count too; tests are not checked (a test
may well build a billing fixture). New apps are picked up by the lists below, new modules automatically.
"""

import ast
import re
import sys
from pathlib import Path

import pytest
from django.template import engines
from django.template.backends.django import DjangoTemplates

ROOT = Path(__file__).resolve().parents[2]  # …/praxis
KERNEL = ("core", "accounts", "workspaces", "audit", "notifications")
DOMAIN = ("billing", "clients", "notes", "scheduling", "support")
# (importing app, forbidden app, why)
EXTRA_RULES = (("accounts", "workspaces", "workspaces depends on accounts; accounts asks its Host port"),)


def _modules(app: str) -> list[Path]:
    base = ROOT / app
    return sorted(p for p in base.rglob("*.py")
                  if "tests" not in p.relative_to(base).parts and "migrations" not in p.relative_to(base).parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, at any depth of the syntax tree, with relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from praxis import billing` imports the app too.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "praxis" else None


def violations(app: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in _modules(app):
        for lineno, module in imported_modules(path):
            if _app_of(module) in forbidden:
                found.append(f"{path.relative_to(ROOT.parent)}:{lineno} imports {module}")
    return sorted(set(found))


LOAD = re.compile(r"{%\s*load\s+(.+?)\s*%}")


def template_violations(app: str, forbidden: tuple[str, ...]) -> list[str]:
    """`{% load %}` tags naming a forbidden app's library in `app`'s templates (`app="templates"`: the
    project-wide ones, base.html and e-mails, which belong to the kernel too)."""
    # Library name → module path, as Django resolved them (`billing_tags` → `praxis.billing.templatetags…`).
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    libraries = backend.engine.libraries
    base = ROOT / app
    paths = base.rglob("*.html") if app == "templates" else base.rglob("templates/**/*.html")
    found = []
    for path in sorted(paths):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in LOAD.finditer(line):
                words = match.group(1).split()
                names = [words[-1]] if "from" in words else words  # `{% load money from billing_tags %}`
                for name in names:
                    if _app_of(libraries.get(name, "")) in forbidden:
                        found.append(f"{path.relative_to(ROOT.parent)}:{lineno} loads {name}")
    return found


@pytest.mark.parametrize("app", KERNEL)
def test_point_9_the_kernel_never_imports_a_domain_app(app):
    """Issue 6 point 9: no kernel module imports billing (or a later domain app), even lazily."""
    assert violations(app, DOMAIN) == []


@pytest.mark.parametrize("app", (*KERNEL, "templates"))
def test_point_9_kernel_templates_load_no_domain_template_tags(app):
    """Issue 6 point 9: a kernel template's `{% load %}` names no domain app's tag library."""
    assert template_violations(app, DOMAIN) == []


@pytest.mark.parametrize(("app", "forbidden", "why"), EXTRA_RULES)
def test_point_9_accounts_never_imports_workspaces(app, forbidden, why):
    """Issue 6 point 9: accounts ↔ workspaces services stop importing each other (only workspaces → accounts)."""
    assert violations(app, (forbidden,)) == [], why


def test_point_9_the_checker_sees_function_local_and_relative_imports(tmp_path, monkeypatch):
    """The contract test itself: a lazy import inside a function, and `from praxis import billing`, count."""
    app = tmp_path / "praxis" / "fakekernel"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "lazy.py").write_text("def f():\n    from praxis.billing import seats\n    return seats\n")
    (app / "package.py").write_text("from praxis import billing\n")
    (app / "relative.py").write_text("from ..billing import catalogue\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path / "praxis")
    assert violations("fakekernel", DOMAIN) == [
        "praxis/fakekernel/lazy.py:2 imports praxis.billing",
        "praxis/fakekernel/lazy.py:2 imports praxis.billing.seats",
        "praxis/fakekernel/package.py:1 imports praxis.billing",
        "praxis/fakekernel/relative.py:1 imports praxis.billing",
        "praxis/fakekernel/relative.py:1 imports praxis.billing.catalogue",
    ]


def test_point_9_the_checker_sees_template_loads(tmp_path, monkeypatch):
    templates = tmp_path / "praxis" / "fakekernel" / "templates" / "fakekernel"
    templates.mkdir(parents=True)
    (templates / "page.html").write_text("{% load i18n billing_tags %}\n{% load money from billing_tags %}\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path / "praxis")
    assert template_violations("fakekernel", DOMAIN) == [
        "praxis/fakekernel/templates/fakekernel/page.html:1 loads billing_tags",
        "praxis/fakekernel/templates/fakekernel/page.html:2 loads billing_tags",
    ]
