"""One audit hash chain per workspace (R-AUD-1; issue 7 "Audit at the scale of client reads").

Appends of different workspaces never wait for each other: each workspace has its own chain (`chain` =
the workspace id, gapless `seq` per chain) and its own advisory lock on PostgreSQL; events outside any
workspace have chain 0; entries from before chains existed stay, unchanged, in the legacy chain (-1).
`verify_audit` verifies every chain, names the chain of each problem and takes one `--head` per chain.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction

from praxis.audit import services as audit
from praxis.audit.models import DEPLOYMENT_CHAIN, LEGACY_CHAIN, AuditEvent
from praxis.workspaces.services import workspace_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_workspaces(make_user):
    owner = make_user(first_name="Chain")
    return (workspace_create(actor=owner, name="Praktijk A", tier="practice"),
            workspace_create(actor=owner, name="Praktijk B", tier="practice"))


def _write(workspace, n: int) -> list[AuditEvent]:
    return [audit.record(code="test.event", action="execute", workspace=workspace, data={"n": i}) for i in range(n)]


def _seqs(chain: int) -> list[int]:
    return list(AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True))


def _verify(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# --- chains ------------------------------------------------------------------------------------------------


def test_r_aud_1_each_workspace_has_its_own_gapless_chain(two_workspaces):
    a, b = two_workspaces
    in_a, in_b = _write(a, 3), _write(b, 2)
    outside = audit.record(code="test.event", action="execute")
    assert [(e.chain, e.seq) for e in in_a] == [(a.pk, n) for n in (_seqs(a.pk)[-3:])]
    assert _seqs(a.pk) == list(range(1, len(_seqs(a.pk)) + 1))
    assert _seqs(b.pk) == list(range(1, len(_seqs(b.pk)) + 1))
    assert in_b[1].prev_hash == in_b[0].hash and in_a[1].prev_hash == in_a[0].hash
    assert outside.chain == DEPLOYMENT_CHAIN
    assert audit.verify_chain() == []


def test_r_aud_1_record_many_splits_entries_over_their_chains(two_workspaces):
    """A bulk write touching two workspaces links each entry into its own workspace's chain, in order."""
    a, b = two_workspaces
    last_a, last_b = _seqs(a.pk)[-1], _seqs(b.pk)[-1]
    events = audit.record_many([
        {"code": "test.event", "action": "execute", "workspace": ws, "data": {"n": i}}
        for i, ws in enumerate([a, b, a, b, a])
    ])
    assert [(e.chain, e.seq) for e in events] == [
        (a.pk, last_a + 1), (b.pk, last_b + 1), (a.pk, last_a + 2), (b.pk, last_b + 2), (a.pk, last_a + 3)]
    assert events[2].prev_hash == events[0].hash and events[3].prev_hash == events[1].hash
    assert audit.verify_chain() == []


def test_r_aud_1_tampered_entry_names_its_chain(two_workspaces):
    a, b = two_workspaces
    _write(a, 3)
    victim = _write(b, 3)[1]
    AuditEvent.objects.filter(pk=victim.pk).update(data={"n": "forged"})
    reports = {r.chain: r for r in audit.verify_chains()}
    assert reports[b.pk].problems == [f"chain {b.pk}: entry #{victim.seq} was altered"]
    assert reports[a.pk].problems == [] and reports[DEPLOYMENT_CHAIN].problems == []
    with pytest.raises(CommandError, match=r"1 problem\(s\) in 1 chain"):
        _verify()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=StringIO(), stderr=err)
    assert f"chain {b.pk}: entry #{victim.seq} was altered" in err.getvalue()
    assert f"chain {b.pk} (workspace {b.slug}): " in err.getvalue()


def test_r_aud_1_moving_an_entry_to_another_chain_is_detected(two_workspaces):
    a, b = two_workspaces
    victim = _write(a, 2)[-1]
    top_b = _seqs(b.pk)[-1]
    AuditEvent.objects.filter(pk=victim.pk).update(chain=b.pk, seq=top_b + 1)
    assert f"chain {b.pk}: entry #{top_b + 1} is not of this chain's workspace" in audit.verify_chain()


def test_r_aud_1_verify_audit_reports_every_chain_with_its_head(two_workspaces):
    a, b = two_workspaces
    _write(a, 2)
    out, _err = _verify()
    total, chains = AuditEvent.objects.count(), AuditEvent.objects.values("chain").distinct().count()
    assert chains == 4  # outside any workspace, the owner's personal workspace, A and B
    assert f"audit log intact: {total} entries in {chains} chain(s)" in out
    for chain, label in [(DEPLOYMENT_CHAIN, "outside any workspace"), (a.pk, f"workspace {a.slug}"),
                         (b.pk, f"workspace {b.slug}")]:
        head = AuditEvent.objects.filter(chain=chain).order_by("-seq").first()
        assert (f"chain {chain} ({label}): {_seqs(chain)[-1]} entries, intact  head: {chain}:{head.seq}:{head.hash}"
                in out)


def test_r_aud_1_truncation_of_one_chain_is_detected_against_its_head(two_workspaces):
    """`--head` per chain: removing workspace B's newest entry fails B's head, A's head still passes."""
    a, b = two_workspaces
    _write(a, 2)
    newest_b = _write(b, 2)[-1]
    head_a = AuditEvent.objects.filter(chain=a.pk).order_by("-seq").first()
    heads = [f"{a.pk}:{head_a.seq}:{head_a.hash}", f"{b.pk}:{newest_b.seq}:{newest_b.hash}"]
    _verify(head=heads)
    AuditEvent.objects.filter(pk=newest_b.pk).delete()
    assert audit.verify_chain() == []  # a shorter chain is valid by itself
    err = StringIO()
    with pytest.raises(CommandError, match=r"1 problem\(s\) in 1 chain"):
        call_command("verify_audit", head=heads, stdout=StringIO(), stderr=err)
    assert f"chain {b.pk}: entry #{newest_b.seq} (the recorded head) is missing" in err.getvalue()
    _verify(head=[heads[0]], chain=[a.pk])  # chain A alone: intact


def test_r_aud_1_verify_audit_checks_only_the_chains_asked_for(two_workspaces):
    a, b = two_workspaces
    victim = _write(b, 2)[0]
    AuditEvent.objects.filter(pk=victim.pk).update(data={"n": "forged"})
    out, _err = _verify(chain=[a.pk])
    assert f"chain {a.pk} (workspace {a.slug})" in out and f"chain {b.pk} " not in out
    with pytest.raises(CommandError):
        _verify(chain=[b.pk])


def test_r_aud_1_head_without_chain_means_the_legacy_chain(two_workspaces):
    """A head noted before chains existed (`SEQ:HASH`) is checked against the legacy chain."""
    legacy = AuditEvent.objects.create(chain=LEGACY_CHAIN, seq=1, prev_hash=audit.GENESIS, hash="",
                                       occurred_at=audit.clock.now(), event_code="test.event", action="execute")
    legacy.hash = audit.compute_hash(legacy)
    legacy.save()
    _verify(head=f"1:{legacy.hash}")
    with pytest.raises(CommandError, match="expected CHAIN:SEQ:HASH"):
        _verify(head="nonsense")
    AuditEvent.objects.filter(pk=legacy.pk).delete()
    with pytest.raises(CommandError):
        _verify(head=f"1:{legacy.hash}")


# --- the migration ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_r_aud_1_migration_keeps_old_entries_verifiable_in_the_legacy_chain():
    """Migration 0002 assigns the entries of the single global chain to the legacy chain and rewrites no
    hash: the old chain verifies, the head noted before the migration still matches, and new entries
    start their own chains at seq 1."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    old_model = executor.loader.project_state([("audit", "0001_initial")]).apps.get_model("audit", "AuditEvent")
    prev = audit.GENESIS
    for seq in range(1, 6):
        event = old_model(seq=seq, occurred_at=audit.clock.now(), event_code="test.event", action="execute",
                          outcome="success", data={"n": seq}, prev_hash=prev)
        event.hash = prev = audit.compute_hash(event)
        event.save()
    old_head = f"5:{prev}"
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert list(AuditEvent.objects.order_by("seq").values_list("chain", "seq", "hash")) == [
        (LEGACY_CHAIN, seq, h) for seq, h in old_model.objects.order_by("seq").values_list("seq", "hash")]
    fresh = audit.record(code="test.event", action="execute")
    assert (fresh.chain, fresh.seq, fresh.prev_hash) == (DEPLOYMENT_CHAIN, 1, audit.GENESIS)
    assert audit.verify_chain() == []
    out, _err = _verify(head=old_head)
    assert "chain -1 (legacy, before per-workspace chains): 5 entries, intact" in out


# --- concurrency -----------------------------------------------------------------------------------------


def _in_thread(fn, *, lock_timeout: str):
    """Run `fn` on a connection of its own (a thread), with `SET lock_timeout`; the result or the error."""
    def run():
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{lock_timeout}'")
            with transaction.atomic():
                return fn()
        except Exception as exc:  # returned to the test, which asserts on it
            return exc
        finally:
            connection.close()

    return ThreadPoolExecutor(1).submit(run)


def _append_in(workspace):
    return lambda: audit.record(code="test.event", action="execute", workspace=workspace)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_aud_1_uncommitted_append_of_a_does_not_block_b(two_workspaces):
    """On PostgreSQL: workspace A has appended and not committed (its chain lock is held); an append in
    workspace B on another connection goes through within a 1 s lock timeout, while an append in A itself
    times out — it has to wait for A's transaction."""
    a, b = two_workspaces
    with transaction.atomic():
        audit.record(code="test.event", action="execute", workspace=a)
        in_b = _in_thread(_append_in(b), lock_timeout="1s").result(timeout=30)
        assert isinstance(in_b, AuditEvent), in_b
        in_a = _in_thread(_append_in(a), lock_timeout="200ms").result(timeout=30)
        assert isinstance(in_a, OperationalError) and "lock timeout" in str(in_a)
    assert audit.verify_chain() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_aud_1_entry_outside_any_workspace_joins_the_transactions_workspace_chain(two_workspaces):
    """On PostgreSQL, a transaction that appended in workspace A and then writes an entry outside any
    workspace (cancelling a member ends the licence they pay themselves) links it into A's chain instead of
    waiting for the deployment chain — held here by another transaction that will want A next: waiting
    would deadlock. A transaction whose first entry is outside any workspace uses the deployment chain."""
    a, _b = two_workspaces
    with transaction.atomic():
        audit.record(code="test.event", action="execute")  # holds the deployment chain, uncommitted
        other = _in_thread(lambda: [audit.record(code="test.event", action="execute", workspace=a),
                                    audit.record(code="test.event", action="execute")], lock_timeout="1s")
        entries = other.result(timeout=30)
    assert isinstance(entries, list), entries
    assert [(e.chain, e.workspace_id) for e in entries] == [(a.pk, a.pk), (a.pk, None)]
    assert entries[1].prev_hash == entries[0].hash
    assert audit.verify_chain() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_aud_1_second_append_in_the_same_workspace_waits_and_chains(two_workspaces):
    """The second append of workspace A waits on A's chain lock until the first transaction commits, then
    links to the entry that transaction wrote."""
    a, _b = two_workspaces
    with transaction.atomic():
        first = audit.record(code="test.event", action="execute", workspace=a)
        second = _in_thread(_append_in(a), lock_timeout="20s")
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            waiting = 0
            while not waiting and time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                               "AND classid = %s AND objid = %s", [audit.LOCK_CLASS, a.pk])
                waiting = cursor.fetchone()[0]
                time.sleep(0.02)
        assert waiting == 1, "the second append does not wait for the first"
        assert not second.done()
    entry = second.result(timeout=30)
    assert isinstance(entry, AuditEvent), entry
    assert (entry.chain, entry.seq, entry.prev_hash) == (a.pk, first.seq + 1, first.hash)
    assert audit.verify_chain() == []


@pytest.mark.django_db(transaction=True)
def test_r_aud_1_parallel_appends_keep_every_chain_gapless(two_workspaces):
    """Four threads (two per workspace) appending at once, on SQLite (IMMEDIATE transactions queue) and on
    PostgreSQL (a lock per chain): every chain stays gapless and verifies."""
    a, b = two_workspaces
    before = {ws.pk: len(_seqs(ws.pk)) for ws in (a, b)}
    barrier = threading.Barrier(4)

    def run(i):
        workspace = (a, b)[i % 2]
        try:
            barrier.wait(timeout=30)
            for n in range(15):
                with transaction.atomic():
                    audit.record(code="test.event", action="execute", workspace=workspace, data={"n": n})
        except Exception as exc:  # asserted on below
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(run, range(4))) == [None] * 4
    for ws in (a, b):
        assert _seqs(ws.pk) == list(range(1, before[ws.pk] + 31))
    assert audit.verify_chain() == []


def test_r_aud_1_record_each_hashes_every_entry_as_compute_hash_does(two_workspaces):
    """The bulk path (the client import) fills one serialised payload per entry; each entry must hash to
    what `compute_hash` gives for it and link to the one before, after entries of the ordinary path."""
    a, _b = two_workspaces
    _write(a, 2)
    with transaction.atomic():
        count = audit.record_each(code="client.created", action="create", workspace=a, object_type="clients.client",
                                  ids=[(7, 7), (8, 8), ("x\"é", "")], data={"via": "import", "ü": ["a", 1]})
    assert count == 3
    entries = list(AuditEvent.objects.filter(chain=a.pk).order_by("seq"))
    assert [e.hash for e in entries] == [audit.compute_hash(e) for e in entries]
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))
    assert (entries[-1].object_id, entries[-1].client_id) == ('x"é', "")
    assert audit.verify_chain() == []
