#!/usr/bin/env bash
# `make bench`: every benchmark of the project, on the embedded SQLite database and on a throw-away
# PostgreSQL cluster (started here, removed on exit), each figure printed beside the floor it measures
# in the same run. Installs PostgreSQL and wrk with apt-get when they are missing.
#
#   make bench                                   # all of them (about 45 minutes on 2 cores)
#   BENCH="bench_billing bench_server" make bench  # some
#   BENCH_DATABASES=postgresql make bench          # one database
#
# Prints numbers; asserts nothing. docs/development.md says what each one measures.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$ROOT/.venv/bin/python"
# shellcheck source=scripts/pg_cluster.sh
source "$ROOT/scripts/pg_cluster.sh"

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
        echo "bench.sh: need root (or sudo) to run: $*" >&2; return 1; fi
}
apt_install() {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
            --no-install-recommends "$@"
}
command -v wrk >/dev/null 2>&1 || apt_install wrk || echo "bench.sh: no wrk; bench_server will say so"
pg_find_bindir >/dev/null || apt_install postgresql || echo "bench.sh: no PostgreSQL; its half is skipped"

# Each benchmark with its arguments; `postgresql-only` ones measure what exists only there.
ALL=(
    "bench"
    "bench_billing"
    "bench_import --rows 100000"
    "bench_import --rows 300000"
    "bench_search"
    "bench_support"
    "bench_scheduling"
    "bench_audit postgresql-only"
    "bench_server postgresql-only"
)
WANTED=${BENCH:-}
DATABASES=${BENCH_DATABASES:-"sqlite postgresql"}
FAILED=0

run_all() {
    local database=$1 entry name args
    for entry in "${ALL[@]}"; do
        name=${entry%% *}
        args=${entry#"$name"}
        if [[ -n "$WANTED" && " $WANTED " != *" $name "* ]]; then continue; fi
        if [[ "$args" == *postgresql-only* ]]; then
            [[ $database == postgresql ]] || continue
            args=${args/postgresql-only/}
        fi
        echo
        echo "=== $database: manage.py $name$args ($(date -u +%H:%M:%S) UTC)"
        # shellcheck disable=SC2086
        "$PY" manage.py $name $args || { echo "=== $name FAILED"; FAILED=1; }
    done
}

if [[ " $DATABASES " == *" sqlite "* ]]; then
    DATABASE_URL="" run_all sqlite
fi
if [[ " $DATABASES " == *" postgresql "* ]]; then
    trap pg_cluster_stop EXIT
    if pg_cluster_start; then
        "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres praxis_bench || true
        DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/praxis_bench" run_all postgresql
    else
        echo "bench.sh: could not start PostgreSQL; its half is skipped"
        FAILED=1
    fi
    pg_cluster_stop
fi
exit $FAILED
