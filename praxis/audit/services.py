"""Writing and verifying the audit log.

`record()` is called explicitly by every service that changes data or reads a client record. It runs in
the caller's transaction (R-AUD-1: written in the same transaction as the change). Never pass note
contents or other health data in `data`; secrets are masked here as a last line of defence.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from praxis.core import clock

from . import context
from .models import DEPLOYMENT_CHAIN, LEGACY_CHAIN, Action, AuditEvent, Outcome

GENESIS = "0" * 64
LOCK_CLASS = 751300  # first key of the chains' advisory locks; the second is the chain
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


def _lock_key(chain: int) -> int:
    """`chain` as the signed 32-bit second key of `pg_advisory_xact_lock(int, int)`. Beyond 2**31
    workspaces two chains may share a key: they then queue behind each other, still correctly."""
    return (chain + 2**31) % 2**32 - 2**31


def _lock(chain: int) -> None:
    """PostgreSQL: the advisory lock of `chain`, held to the end of the caller's transaction; with it the
    read of the chain's head and the insert that follows are one step (other chains are not touched)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, _lock_key(chain)])


def _head(chain: int, *, lock: bool = True) -> tuple[int, str]:
    """(seq, hash) of `chain`'s newest entry, (0, GENESIS) for an empty chain, read under its lock."""
    if lock:
        _lock(chain)
    return _heads([chain])[chain]


def _heads(chains: Sequence[int]) -> dict[int, tuple[int, str]]:
    """(seq, hash) of the newest entry of each chain — one query for any number of chains (the caller
    holds their locks)."""
    heads = {chain: (0, GENESIS) for chain in chains}
    if not chains:
        return heads
    # Each part is a backward scan of the unique (chain, seq) index that stops at its first row, whatever
    # the chain's length; a GROUP BY or a correlated max() would read every entry of those chains.
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    part = f"SELECT * FROM (SELECT chain, seq, hash FROM {table} WHERE chain = %s ORDER BY seq DESC LIMIT 1) AS h{{}}"
    sql = " UNION ALL ".join(part.format(n) for n in range(len(chains)))
    with connection.cursor() as cursor:
        cursor.execute(sql, list(chains))
        heads.update({chain: (seq, digest) for chain, seq, digest in cursor.fetchall()})
    return heads


def _link(chain: int, events: list[AuditEvent], *, head: tuple[int, str]) -> None:
    """Give `events` the next seqs of `chain` after its `head` (read under the chain's lock), each linked
    to the one before it."""
    seq, prev = head
    for event in events:
        seq += 1
        event.chain, event.seq, event.prev_hash = chain, seq, prev
        event.hash = prev = compute_hash(event)


def _outside_chain() -> int:
    """The chain for entries outside any workspace, locked (PostgreSQL): the deployment chain, unless
    this transaction already holds a workspace's chain — then that one.

    Why: a transaction may append to a workspace and then outside any workspace (cancelling a member ends
    the licence they pay themselves), another one the other way round (accepting an invitation). If the
    first waited for the deployment chain while holding the workspace's, the two could deadlock. With
    this rule the deployment chain is only ever locked as a transaction's first chain (lowest key first),
    so no cycle through it can form. One statement, so the query count is that of a plain lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE((SELECT min(objid::bigint) FROM pg_locks WHERE locktype = 'advisory' AND "
            "pid = pg_backend_pid() AND granted AND classid = %s AND objsubid = 2 AND objid::bigint < %s), "
            "(SELECT 0 FROM pg_advisory_xact_lock(%s, 0)))", [LOCK_CLASS, 2**31, LOCK_CLASS])
        return int(cursor.fetchone()[0])


def _append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Link `events` after the newest entry of their chain (their workspace's, or the deployment chain)
    and insert them: the same few queries for one entry or many."""
    # Inside the caller's transaction no savepoint is needed: on PostgreSQL the chain's advisory lock, on
    # SQLite the IMMEDIATE transaction's write lock (all writers queue there anyway) make the read of the
    # last entry and the insert one step. The unique `(chain, seq)` stays the guard; the retry only
    # matters when called outside any transaction.
    nested = connection.in_atomic_block
    for attempt in range(5):
        try:
            with transaction.atomic(savepoint=not nested):
                chains: dict[int, list[AuditEvent]] = {}
                locked = set()
                outside = DEPLOYMENT_CHAIN
                if connection.vendor == "postgresql" and any(e.workspace_id is None for e in events):
                    outside = _outside_chain()
                    locked.add(outside)
                for event in events:  # in order, so merged entries keep it
                    chain = outside if event.workspace_id is None else event.workspace_id
                    chains.setdefault(chain, []).append(event)
                # One call touching several chains locks them in ascending order, so two such calls
                # cannot deadlock each other.
                ordered = sorted(chains)
                for chain in ordered:
                    if chain not in locked:
                        _lock(chain)
                heads = _heads(ordered)  # one read for every chain of the call, under their locks
                for chain in ordered:
                    _link(chain, chains[chain], head=heads[chain])
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
    """Append one audit entry to its workspace's chain (`fields`: the other keyword arguments of `_event`)."""
    return _append([_event(code=code, action=action, **fields)])[0]


def entry(*, code: str, action: str, **fields) -> dict:
    """One entry to append later with `record_many` (the keyword arguments `record` takes)."""
    return {"code": code, "action": action, **fields}


def record_many(entries: list[dict]) -> list[AuditEvent]:
    """Append several entries (each the keyword arguments of `record`) in one step, in order: a bulk
    write costs the same queries for 1 row as for 20 (issue 6 point 11)."""
    return _append([_event(**entry) for entry in entries]) if entries else []


_SEQ_MARK, _OBJECT_MARK, _CLIENT_MARK = -7_391_158_207, "\u2063object\u2063", "\u2063client\u2063"


def record_each(*, code: str, action: str, object_type: str, ids: Sequence[tuple[int | str, int | str]],
                **fields) -> int:
    """Append one entry per `(object_id, client_id)` of `ids`, all else equal (`fields`: the other keyword
    arguments of `_event`) — the bulk path of a write of many thousands of records (the client import,
    R-CLI-9): each record still gets its own entry (R-AUD-1), hashed here exactly as `compute_hash` does
    and inserted raw (`praxis.core.bulk`: COPY on PostgreSQL, executemany on SQLite) in the caller's
    transaction, which must be open (the chain's head is read once and extended). Returns the count."""
    from praxis.core import bulk

    if not ids:
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError("record_each runs inside the caller's transaction")
    template = _event(code=code, action=action, object_type=object_type, **fields)
    if template.workspace_id is None:
        raise ValueError("record_each appends to a workspace's chain")  # the import: always one workspace
    chain = template.workspace_id
    seq, prev = _head(chain)
    payload = {}
    for name in _HASHED_FIELDS:
        value = getattr(template, name)
        payload[name] = value.isoformat() if hasattr(value, "isoformat") else value
    # The payload's JSON is the same for every entry but for three values: serialise it once with
    # markers in their place and fill them in per entry with what `json.dumps` writes for them (a str
    # through the encoder it uses, an int as its digits) — the text `compute_hash` hashes, byte for byte.
    payload["seq"], payload["object_id"], payload["client_id"] = _SEQ_MARK, _OBJECT_MARK, _CLIENT_MARK
    text = json.dumps(payload, sort_keys=True, default=str)
    marks = (json.dumps(_CLIENT_MARK), json.dumps(_OBJECT_MARK), str(_SEQ_MARK))  # keys sorted in this order
    if any(text.count(mark) != 1 for mark in marks):
        raise ValueError("record_each: the entry's data holds a marker")  # never by accident
    head, rest = text.split(marks[0])
    middle, rest = rest.split(marks[1])
    tail_a, tail_b = rest.split(marks[2])
    quote, sha256 = json.encoder.encode_basestring_ascii, hashlib.sha256
    rows = []
    for object_id, client_id in ids:
        seq += 1
        object_text, client_text = str(object_id), str(client_id or "")
        raw = f"{head}{quote(client_text)}{middle}{quote(object_text)}{tail_a}{seq}{tail_b}{prev}"
        digest = sha256(raw.encode()).hexdigest()
        rows.append((chain, seq, object_text, client_text, prev, digest))
        prev = digest
    bulk.Inserter(AuditEvent, template, ("chain", "seq", "object_id", "client_id", "prev_hash", "hash")).insert(rows)
    return len(rows)


@dataclass
class ChainReport:
    """What `verify_chains` found in one chain."""

    chain: int
    entries: int = 0
    head: tuple[int, str] | None = None  # (seq, hash) of the newest entry
    problems: list[str] = field(default_factory=list)

    @property
    def head_token(self) -> str:
        """`CHAIN:SEQ:HASH`, the value `verify_audit --head` takes back."""
        return f"{self.chain}:{self.head[0]}:{self.head[1]}" if self.head else ""


def _check_entry(report: ChainReport, event: AuditEvent, expected_seq: int, expected_prev: str) -> None:
    say = report.problems.append
    chain = report.chain
    if event.seq != expected_seq:
        say(f"chain {chain}: entry #{expected_seq} is missing (found #{event.seq})")
    if event.prev_hash != expected_prev:
        say(f"chain {chain}: entry #{event.seq} does not link to the entry before it")
    if compute_hash(event) != event.hash:
        say(f"chain {chain}: entry #{event.seq} was altered")
    # A workspace's chain holds its entries and entries outside any workspace written in the same
    # transaction (`_outside_chain`); the deployment chain only the latter.
    if chain != LEGACY_CHAIN and event.workspace_id not in (None, chain if chain != DEPLOYMENT_CHAIN else None):
        say(f"chain {chain}: entry #{event.seq} is not of this chain's workspace")


def verify_chains(chains: list[int] | None = None) -> list[ChainReport]:
    """Verify every chain (or only `chains`), in one pass over the `(chain, seq)` index; one report per
    chain, in chain order. A chain asked for that has no entries reports 0 entries."""
    reports: dict[int, ChainReport] = {c: ChainReport(c) for c in sorted(chains or [])}
    events = AuditEvent.objects.order_by("chain", "seq")
    if chains is not None:
        events = events.filter(chain__in=chains)
    report: ChainReport | None = None
    expected_prev, expected_seq = GENESIS, 1
    for event in events.iterator(chunk_size=2000):
        if report is None or event.chain != report.chain:
            report = reports.setdefault(event.chain, ChainReport(event.chain))
            expected_prev, expected_seq = GENESIS, 1
        _check_entry(report, event, expected_seq, expected_prev)
        report.entries += 1
        report.head = (event.seq, event.hash)
        expected_prev, expected_seq = event.hash, event.seq + 1
    return sorted(reports.values(), key=lambda r: r.chain)


def verify_chain() -> list[str]:
    """Every problem of every chain (each message names its chain); empty when all chains are intact."""
    return [problem for report in verify_chains() for problem in report.problems]


def record_not_found(*, request, actor=None, workspace=None, role: str = "", asked: dict | None = None) -> None:
    """A 404 answered to a signed-in caller — an unknown object, or one of another workspace — is a refused
    access attempt (issue 6 point 23, R-AUD-1): logged with the path and the ids asked for, never with the
    object (which may belong to someone else). The caller gets the same 404 as for a truly missing one."""
    match = getattr(request, "resolver_match", None)
    kwargs = {**(match.kwargs if match else {}), **(asked or {})}
    record(code="access.not_found", action="read", actor=actor, workspace=workspace, role=role,
           outcome=Outcome.REFUSED, data={"path": request.path[:300], "method": request.method,
                                          "asked": {k: str(v)[:100] for k, v in kwargs.items()}})
