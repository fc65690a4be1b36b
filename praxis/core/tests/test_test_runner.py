"""The test run itself (issue 6 point 12, CI): `scripts/test.sh` splits each run over pytest-xdist workers,
so every worker needs its own test database, browser and artefact paths, and with `CI=true` a test that
needs PostgreSQL or Chromium must fail, never skip, in every worker.

The xdist checks run a small probe suite in a child pytest with `-n 2 --dist each`: every worker runs
every probe test, so both workers are seen whatever the scheduling.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from django.conf import settings

from praxis.testing import artifacts

PROBES = '''
import json, os
import pytest

def test_database_names(django_db_modify_db_settings, worker_id):
    from django.conf import settings
    test = settings.DATABASES["default"]["TEST"].get("NAME")
    out = os.path.join(os.environ["PROBE_OUT"], f"{worker_id}.json")
    with open(out, "w") as f:
        json.dump({"pid": os.getpid(), "test_name": test}, f)

@pytest.mark.postgres
def test_needs_postgres():
    pass

def test_needs_chromium(browser):
    pass
'''

INI = """[pytest]
DJANGO_SETTINGS_MODULE = praxis.settings.test
addopts = -p no:cacheprovider -p praxis.testing.db -p praxis.testing.browser
markers =
    postgres: needs PostgreSQL
    browser: runs a real Chromium through Playwright
"""


def _run_probes(tmp_path: Path, **environ: str) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """Run the probes with two workers; (test name → outcome per worker, worker id → what it recorded)."""
    (tmp_path / "pytest.ini").write_text(INI)
    (tmp_path / "test_probes.py").write_text(textwrap.dedent(PROBES))
    out = tmp_path / "out"
    out.mkdir()
    junit = tmp_path / "junit.xml"
    # The child is a fresh run: nothing of this (possibly xdist worker) process's own test state.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "PRAXIS_", "DJANGO_")) and k not in ("CI", "DATABASE_URL")}
    env |= {"PYTHONPATH": str(settings.BASE_DIR), "PROBE_OUT": str(out)} | environ
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "each", f"--junitxml={junit}", "-q",
         "test_probes.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert junit.exists(), result.stdout + result.stderr
    outcomes: dict[str, list[str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes.setdefault(case.get("name", ""), []).append(kinds[0] if kinds else "passed")
    recorded = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    return {name: sorted(kinds) for name, kinds in outcomes.items()}, recorded


def _assert_own_database_per_worker(recorded: dict[str, dict], pattern: str) -> None:
    assert sorted(recorded) == ["gw0", "gw1"]
    names = {worker: Path(seen["test_name"]).name for worker, seen in recorded.items()}
    assert names == {worker: pattern.format(pid=seen["pid"], worker=worker) for worker, seen in recorded.items()}
    assert len(set(names.values())) == 2


# One child run per test (each costs three interpreters): a module-scoped fixture would not help, xdist
# tears it down whenever the worker's next test comes from another module.

def test_with_ci_a_missing_postgresql_or_chromium_fails_in_every_worker_never_skips(tmp_path):
    """As .ci/run's PostgreSQL run would be if DATABASE_URL were lost (CI=true, PRAXIS_EXPECT_POSTGRES=1,
    SQLite, no Chromium): the variables reach both xdist workers, where the PostgreSQL-only test and the
    browser test error instead of skipping. Each worker has its own SQLite file: praxis/settings/test.py
    names it after the worker's pid and pytest-django adds `_gwN`."""
    outcomes, recorded = _run_probes(tmp_path, CI="true", PRAXIS_EXPECT_POSTGRES="1", DATABASE_URL="",
                                     PRAXIS_TEST_CHROMIUM="/nonexistent/chromium")
    assert outcomes == {"test_database_names": ["passed", "passed"],
                        "test_needs_postgres": ["error", "error"],
                        "test_needs_chromium": ["error", "error"]}
    _assert_own_database_per_worker(recorded, "praxis-test-{pid}.sqlite3_{worker}")


def test_without_ci_a_missing_chromium_only_skips_and_each_worker_has_its_own_postgresql_database(tmp_path):
    """The counterpart on a developer's machine (no CI): no Chromium skips. On PostgreSQL (never connected
    to here: the probes only read the settings) each worker's test database is `test_<name>_gwN`."""
    outcomes, recorded = _run_probes(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:9/praxis_probe",
                                     PRAXIS_TEST_CHROMIUM="/nonexistent/chromium")
    assert outcomes == {"test_database_names": ["passed", "passed"],
                        "test_needs_postgres": ["passed", "passed"],
                        "test_needs_chromium": ["skipped", "skipped"]}
    _assert_own_database_per_worker(recorded, "test_praxis_probe_{worker}")


def test_screenshots_are_per_run_and_per_test(monkeypatch, tmp_path):
    """Two visitors' tests checking the same URL, in two workers or two runs, never write one file."""
    monkeypatch.setenv("PRAXIS_TEST_ARTIFACTS", str(tmp_path / "sqlite"))
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "praxis/core/tests/test_pages_browser.py::test_x[owner] (call)")
    owner = artifacts.screenshot_path("/w/praktijk-noord/-390")
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "praxis/core/tests/test_pages_browser.py::test_x[admin] (call)")
    admin = artifacts.screenshot_path("/w/praktijk-noord/-390")
    assert owner != admin
    assert owner.parent.parent == tmp_path / "sqlite" / "screenshots"
    assert owner.name == "w_praktijk-noord_-390.png"
    assert "test_x_owner" in owner.parent.name and "test_x_admin" in admin.parent.name
    monkeypatch.setenv("PRAXIS_TEST_ARTIFACTS", str(tmp_path / "postgresql"))
    assert artifacts.screenshot_path("/w/praktijk-noord/-390").parent.parent == tmp_path / "postgresql" / "screenshots"
    monkeypatch.delenv("PRAXIS_TEST_ARTIFACTS")
    assert artifacts.artifacts_dir() == Path(settings.BASE_DIR) / "test-artifacts"
