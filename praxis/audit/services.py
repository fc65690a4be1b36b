"""Writing and verifying the audit log.

`record()` is called explicitly by every service that changes data or reads a client record. It runs in
the caller's transaction (R-AUD-1: written in the same transaction as the change). Never pass note
contents or other health data in `data`; secrets are masked here as a last line of defence.
"""

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from praxis.core import clock

from . import context
from .models import Action, AuditEvent, Outcome

GENESIS = "0" * 64
_SECRET_KEYS = {"password", "token", "token_hash", "secret", "current_password", "new_password"}
_HASHED_FIELDS = (
    "seq", "occurred_at", "event_code", "action", "outcome", "user_id", "user_display", "role",
    "on_behalf_of_id", "ip", "user_agent", "via", "workspace_id", "object_type", "object_id", "client_id",
    "permission", "query", "source_instance", "data",
)  # fmt: skip


def _mask(data):
    """Replace the values of secret-looking keys, at any depth."""
    if isinstance(data, dict):
        return {k: ("***" if k in _SECRET_KEYS else _mask(v)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_mask(v) for v in data]
    return data


def compute_hash(event: AuditEvent) -> str:
    payload = {}
    for name in _HASHED_FIELDS:
        value = getattr(event, name)
        payload[name] = value.isoformat() if hasattr(value, "isoformat") else value
    raw = json.dumps(payload, sort_keys=True, default=str) + event.prev_hash
    return hashlib.sha256(raw.encode()).hexdigest()


def _event(
    *,
    code: str,
    action: str,
    actor=None,
    workspace=None,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = Outcome.SUCCESS,
    role: str = "",
    permission: str = "",
    client_id: str | int = "",
    query: str = "",
    on_behalf_of=None,
    data: dict | None = None,
) -> AuditEvent:
    """One unsaved entry, not yet linked into the chain."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    point = context.current()
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        occurred_at=clock.now(),
        event_code=code,
        action=Action(action),
        outcome=Outcome(outcome),
        user=user,
        user_display=user.display_name if user else "",
        role=role,
        on_behalf_of=on_behalf_of,
        ip=point.ip,
        user_agent=point.user_agent,
        via=point.via,
        workspace=workspace,
        object_type=object_type,
        object_id=str(object_id or ""),
        client_id=str(client_id or ""),
        permission=permission,
        query=query[:300],
        source_instance=settings.PRAXIS_INSTANCE,
        data=json.loads(json.dumps(_mask(data or {}), default=str)),
    )


def _append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Link `events` after the newest entry and insert them: the same few queries for one entry or many."""
    # Inside the caller's transaction no savepoint is needed: on PostgreSQL the advisory lock, on SQLite
    # the IMMEDIATE transaction's write lock make the read of the last entry and the insert one step.
    # The unique `seq` stays the guard; the retry only matters when called outside any transaction.
    nested = connection.in_atomic_block
    for attempt in range(5):
        try:
            with transaction.atomic(savepoint=not nested):
                if connection.vendor == "postgresql":
                    # Serialise appends so each entry links to the one truly before it.
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_xact_lock(751300)")
                last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
                seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
                for event in events:
                    seq += 1
                    event.seq, event.prev_hash = seq, prev
                    event.hash = prev = compute_hash(event)
                if len(events) == 1:
                    events[0].save(force_insert=True)
                else:
                    AuditEvent.objects.bulk_create(events)
                return events
        except IntegrityError:
            if nested or attempt == 4:
                raise
    raise RuntimeError("unreachable")


def record(*, code: str, action: str, **fields) -> AuditEvent:
    """Append one audit entry to the chain (`fields`: the other keyword arguments of `_event`)."""
    return _append([_event(code=code, action=action, **fields)])[0]


def record_many(entries: list[dict]) -> list[AuditEvent]:
    """Append several entries (each the keyword arguments of `record`) in one step, in order: a bulk
    write costs the same queries for 1 row as for 20 (issue 6 point 11)."""
    return _append([_event(**entry) for entry in entries]) if entries else []


def verify_chain() -> list[str]:
    """Return a list of problems; empty when the chain is intact."""
    problems = []
    expected_prev = GENESIS
    expected_seq = 1
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            problems.append(f"entry #{expected_seq} is missing (found #{event.seq})")
        if event.prev_hash != expected_prev:
            problems.append(f"entry #{event.seq} does not link to the entry before it")
        if compute_hash(event) != event.hash:
            problems.append(f"entry #{event.seq} was altered")
        expected_prev = event.hash
        expected_seq = event.seq + 1
    return problems


def record_not_found(*, request, actor=None, workspace=None, role: str = "", asked: dict | None = None) -> None:
    """A 404 answered to a signed-in caller — an unknown object, or one of another workspace — is a refused
    access attempt (issue 6 point 23, R-AUD-1): logged with the path and the ids asked for, never with the
    object (which may belong to someone else). The caller gets the same 404 as for a truly missing one."""
    match = getattr(request, "resolver_match", None)
    kwargs = {**(match.kwargs if match else {}), **(asked or {})}
    record(code="access.not_found", action="read", actor=actor, workspace=workspace, role=role,
           outcome=Outcome.REFUSED, data={"path": request.path[:300], "method": request.method,
                                          "asked": {k: str(v)[:100] for k, v in kwargs.items()}})
