"""Gunicorn configuration for Praxis (SPEC §14). `gunicorn -c deploy/gunicorn.conf.py praxis.wsgi`.

Every setting can be changed through the environment of the unit (deploy/praxis.env.example):
PRAXIS_BIND, PRAXIS_WEB_WORKERS, PRAXIS_WEB_THREADS, PRAXIS_WEB_TIMEOUT. The processes keep nothing in
memory between requests — sessions, locks, throttles and tasks live in the database — so any number of
them, on any number of machines, can serve behind one proxy.
"""

import os

bind = os.environ.get("PRAXIS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PRAXIS_WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("PRAXIS_WEB_THREADS", "4"))
timeout = int(os.environ.get("PRAXIS_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, so they do not all restart at once):
# a slow leak in a library cannot grow without bound.
max_requests = int(os.environ.get("PRAXIS_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Application logs (JSON, with the request id) already record each request without its query string;
# gunicorn's own access log would print query strings (search terms are names), so it stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("PRAXIS_GUNICORN_LOG_LEVEL", "warning")
forwarded_allow_ips = os.environ.get("PRAXIS_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "praxis-web"
