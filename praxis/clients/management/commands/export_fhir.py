"""`manage.py export_fhir WORKSPACE_SLUG [--client ID] [--out DIR]` (R-CLI-10): a practice can always leave
with its data — FHIR Bulk Data NDJSON, one resource type per file: `Patient.ndjson` (every client, active
and cancelled) and `RelatedPerson.ndjson` (each relationship, once from each client's side), then one file per
resource type other apps contribute (`fhir.contribute`: `Appointment.ndjson`). The mapping
is `praxis.clients.fhir`, the same as the per-client Bundle; every resource is validated as R4.

This is the practice's own full export, run by the operator: the national identifier is included (it is
the practice's data). Files are written under temporary names and renamed when complete, so a failed run
leaves no half file behind. The run is one audit entry (R-AUD-1) with the counts — with `--client`, on
that client's access history. Rows stream (`iterator()`), so the workspace size does not matter.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django_scopes import scope, scopes_disabled

from praxis.audit import context
from praxis.audit import services as audit
from praxis.clients import fhir
from praxis.clients.models import Client, Relationship
from praxis.clients.relationships import seen_from
from praxis.workspaces.models import Workspace

CHUNK = 2000


class Command(BaseCommand):
    help = "Export a workspace's clients as FHIR R4 Bulk Data NDJSON (Patient.ndjson, RelatedPerson.ndjson)."

    def add_arguments(self, parser):
        parser.add_argument("workspace", help="the workspace slug")
        parser.add_argument("--client", type=int, help="only this client (its id)")
        parser.add_argument("--out", default=".", help="the directory to write to (created if missing)")

    def handle(self, *args, **options):
        with scopes_disabled():
            workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"There is no workspace {options['workspace']!r}.")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        token = context.set_current(context.AccessPoint(via="command"))
        try:
            with scope(workspace=workspace):
                counts = self._export(workspace, out, client_id=options["client"])
        finally:
            context.reset(token)
        self.stdout.write(", ".join(f"{kind}.ndjson: {count} resources" for kind, count in counts.items())
                          + f", in {out}")

    def _export(self, workspace: Workspace, out: Path, *, client_id: int | None) -> dict[str, int]:
        clients = Client.objects.filter(workspace=workspace).order_by("pk")
        relationships = (Relationship.objects.filter(workspace=workspace)
                         .select_related("client", "other_client", "contact").order_by("pk"))
        if client_id is not None:
            clients = clients.filter(pk=client_id)
            if not clients.exists():
                raise CommandError(f"There is no client {client_id} in {workspace.slug!r}.")
            relationships = relationships.filter(Q(client_id=client_id) | Q(other_client_id=client_id))
        counts = {"Patient": 0, "RelatedPerson": 0}

        def patients():
            for client in clients.iterator(chunk_size=CHUNK):
                counts["Patient"] += 1
                yield fhir.patient(client, sensitive=True, country=workspace.country)

        def related():
            for rel in relationships.iterator(chunk_size=CHUNK):
                sides = [rel.client] + ([rel.other_client] if rel.other_client_id else [])
                for side in sides:
                    if client_id is not None and side.pk != client_id:
                        continue
                    _rel, kind, other = seen_from(rel, side)
                    counts["RelatedPerson"] += 1
                    yield fhir.related_person(side, rel, kind, other,
                                              patient_reference=f"Patient/{side.pk}")

        self._write(out / "Patient.ndjson", fhir.ndjson_lines(patients()))
        self._write(out / "RelatedPerson.ndjson", fhir.ndjson_lines(related()))
        for contribution in fhir.contributions():  # what other apps add: appointments, …
            counts[contribution.resource_type] = 0

            def contributed(contribution=contribution):
                for resource in contribution.of_workspace(workspace, client_id):
                    counts[contribution.resource_type] += 1
                    yield resource

            self._write(out / f"{contribution.resource_type}.ndjson", fhir.ndjson_lines(contributed()))
        audit.record(code="clients.exported", action="read", workspace=workspace, object_type="clients.client",
                     client_id=client_id or "", permission="operator.command",
                     data={"format": "fhir-ndjson", "count": counts["Patient"], "resources": counts,
                           "via": "export_fhir"})
        return counts

    @staticmethod
    def _write(path: Path, lines) -> None:
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8") as handle:
                handle.writelines(lines)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
