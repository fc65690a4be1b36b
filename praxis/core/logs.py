"""Structured logs for production (SPEC §14, issue 10 point 7): one JSON object per line, each with the
id of the request it belongs to, and never personal data.

- `RequestIdMiddleware` gives every request an id — the proxy's `X-Request-ID` when it is a plain token,
  else a new one — answers it in the `X-Request-ID` header (so a support ticket can quote it) and logs one
  `praxis.request` line per request: method, path without its query string (a search's query is a name),
  route name, status and duration. No user, no address, no body.
- `RequestIdFilter` puts the current id on every record logged while the request runs.
- `JsonFormatter` writes the record as JSON (time in UTC, level, logger, message, request id, and the
  exception's type and traceback when there is one).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("praxis_request_id", default="")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_log = logging.getLogger("praxis.request")

# Attributes every LogRecord has; anything else on a record was passed as `extra=` and is logged.
# Django's request logger passes the request object itself, whose text includes the query string: never
# logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "request"}


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _SAFE_ID.match(offered) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            request_log.info("request", extra={
                "method": request.method, "path": request.path, "route": match.view_name if match else "",
                "status": response.status_code, "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            })
            return response
        finally:
            _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
