# shellcheck shell=bash
# Throw-away PostgreSQL cluster for the test suite. Source this file, then:
#
#   pg_cluster_start      # sets PG_PORT, PG_BIN, PG_BASE; returns non-zero on failure
#   pg_cluster_stop       # idempotent; stops the server and removes PG_BASE
#
# The caller is responsible for `trap pg_cluster_stop EXIT`.
# PostgreSQL refuses to run as root, so as root the cluster is owned by (and
# run as) a non-root system user: `postgres` if it exists, else `praxistest`.

PG_BIN=""
PG_BASE=""
PG_DATA=""
PG_SOCKDIR=""
PG_LOG=""
PG_PORT=""
PG_RUN_AS=""

# Prints the bin directory of the highest PostgreSQL server version installed,
# preferring Debian's /usr/lib/postgresql/<version>/bin over wrappers on PATH.
pg_find_bindir() {
    local dir
    dir=$(
        for d in /usr/lib/postgresql/*/bin; do
            [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] && echo "$d"
        done | sort -V | tail -n 1
    )
    if [[ -z "$dir" ]] && command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] || dir=""
    fi
    if [[ -z "$dir" ]] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dir=$(dirname "$(readlink -f "$(command -v initdb)")")
    fi
    [[ -n "$dir" ]] || return 1
    echo "$dir"
}

# Runs a command as the cluster owner (directly when not root).
_pg_as_owner() {
    if [[ -n "$PG_RUN_AS" ]]; then
        # cd somewhere the owner can read, so a root-only cwd does not bother postgres
        (cd "$PG_BASE" && runuser -u "$PG_RUN_AS" -- "$@")
    else
        "$@"
    fi
}

_pg_pick_owner() {
    PG_RUN_AS=""
    [[ $(id -u) -eq 0 ]] || return 0
    if id -u postgres >/dev/null 2>&1; then
        PG_RUN_AS=postgres
    else
        if ! id -u praxistest >/dev/null 2>&1; then
            useradd -r -M -d /nonexistent -s /usr/sbin/nologin praxistest
        fi
        PG_RUN_AS=praxistest
    fi
    command -v runuser >/dev/null 2>&1 || {
        echo "pg_cluster: running as root but runuser is missing" >&2
        return 1
    }
}

_pg_free_port() {
    local py
    py=$(command -v python3 || command -v python || echo .venv/bin/python)
    "$py" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

pg_cluster_start() {
    PG_BIN=$(pg_find_bindir) || {
        echo "pg_cluster: no PostgreSQL server binaries found" >&2
        return 1
    }
    _pg_pick_owner || return 1

    PG_BASE=$(mktemp -d "${TMPDIR:-/tmp}/praxis-pg.XXXXXX")
    PG_DATA="$PG_BASE/data"
    PG_SOCKDIR="$PG_BASE/sock"
    PG_LOG="$PG_BASE/postgres.log"
    mkdir -p "$PG_SOCKDIR"
    if [[ -n "$PG_RUN_AS" ]]; then
        chown -R "$PG_RUN_AS" "$PG_BASE"
    fi

    if ! _pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$PG_BASE/initdb.log" 2>&1; then
        echo "pg_cluster: initdb with --locale=C.UTF-8 failed, retrying with --locale=C" >&2
        rm -rf "$PG_DATA"
        if ! _pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 \
            --locale=C >"$PG_BASE/initdb.log" 2>&1; then
            echo "pg_cluster: initdb failed:" >&2
            cat "$PG_BASE/initdb.log" >&2
            return 1
        fi
    fi

    # The free port can be taken by someone else before the server binds it: retry.
    local attempt
    for attempt in 1 2 3; do
        PG_PORT=$(_pg_free_port)
        if _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" \
            -o "-p $PG_PORT -k $PG_SOCKDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            -l "$PG_LOG" -w -t 60 start >/dev/null; then
            echo "pg_cluster: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (data in $PG_DATA)"
            return 0
        fi
        echo "pg_cluster: start attempt $attempt on port $PG_PORT failed; log:" >&2
        tail -n 20 "$PG_LOG" >&2 || true
    done
    PG_PORT=""
    return 1
}

pg_cluster_stop() {
    if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
        _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [[ -n "$PG_BASE" && -d "$PG_BASE" ]]; then
        rm -rf "$PG_BASE"
    fi
    PG_BASE=""
    PG_DATA=""
    PG_PORT=""
}
