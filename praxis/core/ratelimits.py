"""Rate limits on the requests that send an e-mail to an address someone typed (issue 10 point 3).

Sign-up, password reset and invitations each mail a link to an address the requester chooses: without a
limit, Praxis could be used to flood a mailbox, or to try addresses by the thousand. Each of those
services calls `check(action, addresses=[...])` before it does anything; the action's limits in
`settings.PRAXIS_RATE_LIMITS` are counted per client IP address and per e-mail address:

    PRAXIS_RATE_LIMITS = {"signup": {"ip": (20, 3600), "address": (3, 3600)}, ...}
                                       # (requests, seconds)

How it counts: one counter row per (limit, key, slot of `seconds`), incremented with a single
`INSERT … ON CONFLICT DO UPDATE … RETURNING` — atomic on PostgreSQL and SQLite, so parallel requests in
different processes each see their own number and exactly `requests` of them pass. The number compared
with the limit is a sliding-window estimate: this slot's count plus the previous slot's count weighted by
how much of it still lies inside the window (the approach of Cloudflare's and nginx's limiters), so a
burst across a slot boundary does not get twice the limit.

A refused request raises `RateLimited` inside the counting transaction, which rolls its own counts back:
only requests that went ahead are counted, and nothing else has changed. The answer is the same for a
known and an unknown address (R-ACC-5): the count is of requests, never of accounts.

The keys are keyed hashes (HMAC with the secret key) of the normalised address: the table holds no
address. Requests without a client address (management commands, background tasks) are counted per
e-mail address only.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import ngettext

from . import clock
from .errors import RateLimited
from .models import RateLimitCounter

log = logging.getLogger("praxis.security")


@dataclass(frozen=True)
class Count:
    scope: str  # e.g. "signup.ip"
    value: str  # the normalised address counted
    hits: int  # how many requests this one adds


def _digest(scope: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{scope}\x00{value}".encode(), hashlib.sha256).hexdigest()


def _counts(action: str, ip: str, addresses: Iterable[str]) -> list[tuple[Count, int, int]]:
    """(count, limit, period) for every limit of `action` this request touches."""
    limits = settings.PRAXIS_RATE_LIMITS[action]
    rows: list[tuple[Count, int, int]] = []
    unique = list(dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()))
    if ip and "ip" in limits:
        # An invitation to twenty addresses is twenty e-mails from this IP address.
        rows.append((Count(f"{action}.ip", ip, max(1, len(unique))), *limits["ip"]))
    if "address" in limits:
        rows.extend((Count(f"{action}.address", address, 1), *limits["address"]) for address in unique)
    return rows


def _retry_after(*, current: int, previous: int, hits: int, limit: int, period: int, elapsed: float) -> int:
    """Seconds until the estimate has room for this request again (`current`: this slot's count before it)."""
    room = max(0, limit - hits)
    if current <= room:
        if previous == 0:  # the request alone is larger than the limit: a whole slot is the honest answer
            return max(1, math.ceil(period - elapsed))
        # Within this slot only the previous slot's share shrinks:
        # current + previous * (1 - (elapsed + t) / period) <= room
        return max(1, math.ceil(period * (1 - (room - current) / previous) - elapsed))
    # After the boundary this slot becomes the previous one and shrinks: current * (1 - t / period) <= room.
    return max(1, math.ceil((period - elapsed) + period * (1 - room / current)))


def _message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext("Too many requests. Please try again in %(minutes)d minute.",
                    "Too many requests. Please try again in %(minutes)d minutes.", minutes) % {"minutes": minutes}


def check(action: str, *, addresses: Iterable[str] = (), ip: str | None = None) -> None:
    """Count this request against the limits of `action`; raise `RateLimited` (and count nothing) when any
    of them is reached. `ip` defaults to the client address of the request being served."""
    if ip is None:
        # Read here, not imported at the top: audit sits above core.
        from praxis.audit.context import current as access_point

        ip = access_point().ip
    rows = _counts(action, ip or "", addresses)
    if not rows:
        return
    now = clock.now().timestamp()
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    with transaction.atomic():
        keyed = []
        for count, limit, period in rows:
            slot, elapsed = divmod(now, period)
            keyed.append((count, _digest(count.scope, count.value), int(slot), elapsed, limit, period))
        values = ", ".join(["(%s, %s, %s, %s)"] * len(keyed))
        params: list[str | int] = []
        for count, digest, slot, _elapsed, _limit, _period in keyed:
            params += [count.scope, digest, slot, count.hits]
        with connection.cursor() as cursor:
            # One statement for every limit of the request; each row returns its own count.
            cursor.execute(
                f"INSERT INTO {table} (scope, digest, slot, hits) VALUES {values} "
                f"ON CONFLICT (scope, digest, slot) DO UPDATE SET hits = {table}.hits + excluded.hits "
                "RETURNING scope, digest, hits", params)
            counted = {(scope, digest): hits for scope, digest, hits in cursor.fetchall()}
        wanted = {(count.scope, digest, slot - 1) for count, digest, slot, *_rest in keyed}
        previous = {
            (scope, digest): hits
            for scope, digest, slot, hits in RateLimitCounter.objects.filter(
                scope__in={w[0] for w in wanted}, digest__in={w[1] for w in wanted}, slot__in={w[2] for w in wanted},
            ).values_list("scope", "digest", "slot", "hits")
            if (scope, digest, slot) in wanted
        }
        waits = []
        for count, digest, _slot, elapsed, limit, period in keyed:
            now_hits = counted[(count.scope, digest)]
            before = previous.get((count.scope, digest), 0)
            estimate = now_hits + before * (1 - elapsed / period)
            if estimate > limit:
                waits.append((_retry_after(current=now_hits - count.hits, previous=before, hits=count.hits,
                                           limit=limit, period=period, elapsed=elapsed), count.scope))
        if waits:
            seconds, scope = max(waits)
            log.warning("rate limit reached", extra={"limit": scope, "retry_after": seconds})
            # Raised inside the atomic block: this request's counts are rolled back with it.
            raise RateLimited(_message(seconds), retry_after=seconds)


def purge() -> int:
    """Delete the counters no limit reads any more (older than the previous slot); the daily job runs it."""
    now = clock.now().timestamp()
    deleted = 0
    for action, limits in settings.PRAXIS_RATE_LIMITS.items():
        for kind, (_requests, period) in limits.items():
            deleted += RateLimitCounter.objects.filter(
                scope=f"{action}.{kind}", slot__lt=int(now // period) - 1).delete()[0]
    return deleted
