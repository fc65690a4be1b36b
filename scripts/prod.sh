#!/usr/bin/env bash
# Praxis as it runs in production, on this machine: gunicorn (deploy/gunicorn.conf.py) with static files
# through WhiteNoise, one task worker (db_worker), production settings, on PostgreSQL.
#
#   make prod                                   # a throw-away PostgreSQL cluster, removed on exit
#   DATABASE_URL=postgres://… make prod         # your own database (migrated; no demo data loaded)
#
# Served on http://127.0.0.1:8000 (PRAXIS_BIND) without TLS, so the HTTPS redirect is off here
# (PRAXIS_SSL_REDIRECT=0); behind a real proxy it stays on (deploy/nginx.conf). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$ROOT/.venv/bin/python"
# shellcheck source=scripts/pg_cluster.sh
source "$ROOT/scripts/pg_cluster.sh"

WORKER_PID=""
cleanup() {
    [[ -n "$WORKER_PID" ]] && kill "$WORKER_PID" 2>/dev/null || true
    pg_cluster_stop
}
trap cleanup EXIT

THROWAWAY=0
if [[ -z "${DATABASE_URL:-}" ]]; then
    THROWAWAY=1
    pg_cluster_start || { echo "prod.sh: could not start PostgreSQL (apt-get install postgresql)" >&2; exit 1; }
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres praxis
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/praxis"
fi
export DJANGO_SETTINGS_MODULE=praxis.settings.production
export PRAXIS_BIND="${PRAXIS_BIND:-127.0.0.1:8000}"
export PRAXIS_SITE_URL="${PRAXIS_SITE_URL:-http://$PRAXIS_BIND}"
export PRAXIS_SSL_REDIRECT="${PRAXIS_SSL_REDIRECT:-0}"
export PRAXIS_SECRET_KEY="${PRAXIS_SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')}"

"$PY" manage.py check --deploy --fail-level ERROR
"$PY" manage.py migrate --noinput
"$PY" manage.py collectstatic --noinput -v 0
# The demo practice (with its well-known passwords) only in the throw-away database, never in yours.
if [[ $THROWAWAY -eq 1 ]]; then
    "$PY" manage.py demo
fi
"$PY" manage.py db_worker &
WORKER_PID=$!
echo "prod.sh: serving on http://$PRAXIS_BIND (health: /healthz, readiness: /readyz); Ctrl-C to stop"
"$ROOT/.venv/bin/gunicorn" -c deploy/gunicorn.conf.py praxis.wsgi
