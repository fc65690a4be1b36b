"""`manage.py verify_audit`: verify every audit chain (R-AUD-1), reporting per chain.

There is one chain per workspace, one for events outside any workspace (chain 0) and, on databases that
had entries before per-workspace chains, the closed legacy chain (-1) — see `audit/models.py`.
Each run prints every chain's head as `CHAIN:SEQ:HASH`; kept outside the database and given back with
`--head` (once per chain), it detects removal of a chain's newest entries too. A head noted before
chains existed (`SEQ:HASH`) names an entry of the legacy chain.
"""

from django.core.management.base import BaseCommand, CommandError

from praxis.audit.models import DEPLOYMENT_CHAIN, LEGACY_CHAIN, AuditEvent
from praxis.audit.services import ChainReport, verify_chains
from praxis.workspaces.models import Workspace


def _parse_head(value: str) -> tuple[int, int, str]:
    parts = value.split(":")
    try:
        if len(parts) == 2:  # SEQ:HASH, printed before chains existed: the legacy chain
            return LEGACY_CHAIN, int(parts[0]), parts[1]
        if len(parts) == 3:
            return int(parts[0]), int(parts[1]), parts[2]
    except ValueError:
        pass
    raise CommandError(f"--head {value!r}: expected CHAIN:SEQ:HASH")


def _labels(chains: list[int]) -> dict[int, str]:
    names = dict(Workspace.objects.filter(pk__in=[c for c in chains if c > 0]).values_list("pk", "slug"))
    labels = {DEPLOYMENT_CHAIN: "outside any workspace", LEGACY_CHAIN: "legacy, before per-workspace chains"}
    return {c: labels.get(c) or f"workspace {names.get(c, '(deleted)')}" for c in chains}


class Command(BaseCommand):
    help = "Verify the audit log's hash chains (one per workspace); exits non-zero when an entry was altered or removed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--head", action="append", default=[], metavar="CHAIN:SEQ:HASH",
            help="a chain's head printed by an earlier run (kept outside the database); checks that this "
            "entry still exists unchanged, so removing a chain's newest entries is detected too. Repeat it "
            "for every chain; SEQ:HASH (from before per-workspace chains) means the legacy chain.")
        parser.add_argument(
            "--chain", action="append", type=int, default=None, metavar="CHAIN",
            help="verify only this chain (a workspace id, 0 for events outside any workspace); repeatable.")

    def handle(self, *args, **options):
        given = options["head"]
        heads = [_parse_head(value) for value in ([given] if isinstance(given, str) else given)]
        only = options["chain"]
        if isinstance(only, int):  # call_command(..., chain=N)
            only = [only]
        if only is not None:
            only = sorted(set(only) | {chain for chain, _seq, _hash in heads})
        by_chain = {report.chain: report for report in verify_chains(only)}
        for chain, seq, expected in heads:
            entry = AuditEvent.objects.filter(chain=chain, seq=seq).values("hash").first()
            report = by_chain.setdefault(chain, ChainReport(chain))  # a chain removed entirely has no entries
            if entry is None:
                report.problems.append(
                    f"chain {chain}: entry #{seq} (the recorded head) is missing: the log was truncated")
            elif entry["hash"] != expected:
                report.problems.append(f"chain {chain}: entry #{seq} (the recorded head) has a different hash")
        reports = sorted(by_chain.values(), key=lambda report: report.chain)
        labels = _labels([report.chain for report in reports])
        problems = [problem for report in reports for problem in report.problems]
        total = sum(report.entries for report in reports)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
        else:
            self.stdout.write(f"audit log intact: {total} entries in {len(reports)} chain(s)")
        for report in reports:
            state = f"{len(report.problems)} problem(s)" if report.problems else "intact"
            head = f"  head: {report.head_token}" if report.head else ""
            (self.stderr if report.problems else self.stdout).write(
                f"chain {report.chain} ({labels[report.chain]}): {report.entries} entries, {state}{head}")
        if problems:
            broken = sum(1 for report in reports if report.problems)
            raise CommandError(f"audit log verification failed: {len(problems)} problem(s) in {broken} chain(s)")
        if reports:
            self.stdout.write("keep the heads to detect truncation later (--head CHAIN:SEQ:HASH, once per chain)")
