#!/usr/bin/env bash
# Full test run: lint, migration check, the pytest suite on SQLite, then the
# same suite on a throw-away PostgreSQL cluster. Extra arguments go to pytest.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh -k invoices -x  # both runs, filtered
#   PYTEST_WORKERS=0 scripts/test.sh   # serially, without pytest-xdist
#
# PYTEST_WORKERS: pytest-xdist workers per run: "auto" (one per CPU, the default), a number, or 0 for a
# serial run. Each run prints its wall time, the machine's load and its 15 slowest test phases.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$ROOT/.venv/bin/python"
ARTIFACTS="$ROOT/test-artifacts"

# shellcheck source=scripts/pg_cluster.sh
source "$ROOT/scripts/pg_cluster.sh"

# --- system dependencies ------------------------------------------------------

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "test.sh: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

APT_UPDATED=0
apt_install() {
    # Wait for a concurrent apt/dpkg (e.g. unattended upgrades) instead of failing.
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
    if [[ $APT_UPDATED -eq 0 ]]; then
        as_root "${apt[@]}" update
        APT_UPDATED=1
    fi
    as_root "${apt[@]}" install -y --no-install-recommends "$@"
}

ensure_system_deps() {
    if [[ ! -x /usr/bin/chromium ]]; then
        echo "test.sh: installing chromium"
        apt_install chromium
    fi
    if ! pg_find_bindir >/dev/null; then
        echo "test.sh: installing postgresql"
        apt_install postgresql
    fi
}

ensure_system_deps

export PRAXIS_TEST_CHROMIUM=/usr/bin/chromium
# The page walker's width/axe sweep: half of the visitors on each database, every visitor once in all
# (praxis/core/tests/test_pages_browser.py); the rest of the suite runs whole on both.
export PRAXIS_SPLIT_PAGE_SWEEP=${PRAXIS_SPLIT_PAGE_SWEEP:-1}
mkdir -p "$ARTIFACTS"

PYTEST_WORKERS=${PYTEST_WORKERS:-auto}
declare -a PYTEST_OPTS=(--durations=15)
if [[ $PYTEST_WORKERS != 0 ]]; then
    # loadgroup: like load, but tests marked @pytest.mark.xdist_group(name) share one worker.
    PYTEST_OPTS+=(-n "$PYTEST_WORKERS" --dist loadgroup)
fi

# --- static checks ------------------------------------------------------------

declare -a SUMMARY=()
FAILED=0

echo "== ruff check"
if "$ROOT/.venv/bin/ruff" check .; then
    SUMMARY+=("ruff: ok")
else
    SUMMARY+=("ruff: FAILED")
    FAILED=1
fi

echo "== mypy"
if env -u DATABASE_URL "$ROOT/.venv/bin/mypy" praxis; then
    SUMMARY+=("mypy: ok")
else
    SUMMARY+=("mypy: FAILED")
    FAILED=1
fi

echo "== makemigrations --check"
if env -u DATABASE_URL "$PY" manage.py makemigrations --check --dry-run; then
    SUMMARY+=("migrations: ok")
else
    SUMMARY+=("migrations: FAILED (missing migrations or broken project)")
    FAILED=1
fi

# --- pytest runs --------------------------------------------------------------

TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0

# Reads a JUnit XML report; prints "passed failed skipped xfailed" (errors count as failed).
junit_counts() {
    "$PY" - "$1" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("-1 -1 -1 -1")
    raise SystemExit(0)
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = failures = errors = skipped = 0
for s in suites:
    tests += int(s.get("tests", 0))
    failures += int(s.get("failures", 0))
    errors += int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0))
# JUnit reports an expected failure as skipped: count it apart, so "skipped" means really skipped.
xfailed = sum(1 for e in root.iter("skipped") if e.get("type") == "pytest.xfail")
print(tests - failures - errors - skipped, failures + errors, skipped - xfailed, xfailed)
PYEOF
}

_load_average() {
    cut -d' ' -f1-3 /proc/loadavg 2>/dev/null | sed 's/^/ /' || true
}

# run_pytest NAME [env(1) options and VAR=value...] -- PYTEST-ARGS...
run_pytest() {
    local name=$1
    shift
    local -a envs=()
    while [[ $# -gt 0 && $1 != -- ]]; do
        envs+=("$1")
        shift
    done
    shift
    local junit="$ARTIFACTS/junit-$name.xml"
    rm -f "$junit"
    local start=$SECONDS rc=0 workers="xdist -n $PYTEST_WORKERS"
    [[ $PYTEST_WORKERS != 0 ]] || workers="serial"
    echo "== pytest on $name ($workers; load average at start:$(_load_average))"
    # Screenshots of failing browser tests go to test-artifacts/<run>/screenshots/ (praxis/testing/artifacts.py).
    env "${envs[@]}" PRAXIS_TEST_ARTIFACTS="$ARTIFACTS/$name" \
        "$PY" -m pytest --junitxml="$junit" "${PYTEST_OPTS[@]}" "$@" || rc=$?
    local secs=$((SECONDS - start))
    echo "== pytest on $name: wall time ${secs}s ($workers; load average at end:$(_load_average))"
    local passed="" failed="" skipped="" xfailed=""
    read -r passed failed skipped xfailed < <(junit_counts "$junit") || true
    passed=${passed:--1} failed=${failed:--1} skipped=${skipped:--1} xfailed=${xfailed:-0}
    if [[ $rc -eq 5 ]]; then
        # pytest: no tests collected. Not an error of the suite itself.
        SUMMARY+=("$name: no tests collected (${secs}s wall, $workers)")
        return 0
    fi
    if [[ $passed -lt 0 ]]; then
        SUMMARY+=("$name: FAILED, pytest exit $rc, no report (${secs}s wall, $workers)")
        FAILED=1
        return 0
    fi
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
    if [[ $rc -eq 0 ]]; then
        SUMMARY+=("$name: $passed passed, $failed failed, $skipped skipped, $xfailed xfailed (${secs}s wall, $workers)")
    else
        SUMMARY+=("$name: $passed passed, $failed failed, $skipped skipped, $xfailed xfailed (${secs}s wall, $workers, pytest exit $rc)")
        FAILED=1
    fi
}

# Run 1: SQLite (settings fall back to SQLite when DATABASE_URL is empty).
run_pytest sqlite -u PRAXIS_EXPECT_POSTGRES DATABASE_URL= -- "$@"

# Run 2: PostgreSQL, on a cluster that is removed whatever happens.
trap pg_cluster_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== starting PostgreSQL"
if pg_cluster_start; then
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres praxis || true
    run_pytest postgresql \
        DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/praxis" PRAXIS_EXPECT_POSTGRES=1 \
        -- "$@"
else
    SUMMARY+=("postgresql: FAILED, could not start a PostgreSQL cluster")
    FAILED=1
fi
pg_cluster_stop

# --- summary ------------------------------------------------------------------

echo
echo "== summary"
for line in "${SUMMARY[@]}"; do
    echo "$line"
done
echo "total: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
exit "$FAILED"
