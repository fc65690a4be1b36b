"""The one mapping of client records to FHIR R4 (R-CLI-10): a client is a `Patient`, each of their
relationships a `RelatedPerson`. The per-client Bundle (`bundle`) and the Bulk Data NDJSON of
`manage.py export_fhir` (`ndjson_lines`) both build their resources here, so both say the same.

Resources are plain JSON dicts, checked with the R4 models of `fhir.resources` (its `R4B` package: FHIR
4.3, whose Patient, RelatedPerson and Bundle are structurally R4 — the package's top level is R5) before
they leave (`validated`). What a member may not see is not put in: the national identifier goes in only
with `sensitive=True` (R-ROLE-3); custom values are not mapped (they have no FHIR meaning; the JSON
export carries them).

Codes: gender to FHIR AdministrativeGender; relationship types to HL7 v3 RoleCode where one fits, and to
HL7 v2 table 0131 (contact role) for the emergency-contact and billing grants; the label is always in
`relationship.text` as well.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.relatedperson import RelatedPerson

from praxis.core import clock

from .models import Client, Contact, Gender, Relationship, RelationshipType

ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"
LANGUAGE = "urn:ietf:bcp:47"

# The national identifier's naming system by the workspace's country (R-CLI-1): the Dutch BSN, the
# Belgian INSZ/SSIN, the French NIR, the German KVNR; elsewhere a Praxis-local system.
NATIONAL_ID_SYSTEMS = {
    "NL": "http://fhir.nl/fhir/NamingSystem/bsn",
    "BE": "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin",
    "FR": "urn:oid:1.2.250.1.213.1.4.8",
    "DE": "http://fhir.de/sid/gkv/kvid-10",
}
NATIONAL_ID_FALLBACK = "urn:praxis:national-id"

GENDERS: dict[str, str] = {
    Gender.FEMALE: "female",
    Gender.MALE: "male",
    Gender.NON_BINARY: "other",
    Gender.OTHER: "other",
    Gender.UNKNOWN: "unknown",
}

# (system, code, display) of the relationship as seen from the patient: "parent" = the related person is
# the patient's parent.
RELATIONSHIP_CODES: dict[str, tuple[str, str, str]] = {
    RelationshipType.PARENT: (ROLE_CODE, "PRN", "parent"),
    RelationshipType.CHILD: (ROLE_CODE, "CHILD", "child"),
    RelationshipType.PARTNER: (ROLE_CODE, "SIGOTHR", "significant other"),
    RelationshipType.SIBLING: (ROLE_CODE, "SIB", "sibling"),
    RelationshipType.GUARDIAN: (ROLE_CODE, "GUARD", "guardian"),
    RelationshipType.EMERGENCY_CONTACT: (CONTACT_ROLE, "C", "Emergency Contact"),
    RelationshipType.REFERRING_PROFESSIONAL: (CONTACT_ROLE, "PR", "Person preparing referral"),
    RelationshipType.OTHER: (CONTACT_ROLE, "O", "Other"),
}


def identifier_system(client: Client) -> str:
    """The system of the Praxis client id: one per instance and workspace, so ids never collide."""
    return f"urn:praxis:{settings.PRAXIS_INSTANCE}:workspace:{client.workspace_id}:client"


def full_url(resource_type: str, resource_id: str, *, workspace_id: int) -> str:
    """A stable `urn:uuid:` for a resource in a Bundle (there is no FHIR server to point at)."""
    name = f"{settings.PRAXIS_INSTANCE}/{workspace_id}/{resource_type}/{resource_id}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _telecom(*, phone: str, email: str) -> list[dict]:
    telecom = []
    if phone:
        telecom.append({"system": "phone", "value": phone})
    if email:
        telecom.append({"system": "email", "value": email})
    return telecom


def _drop_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def patient(client: Client, *, sensitive: bool, country: str = "") -> dict[str, Any]:
    """The client as a FHIR Patient. `sensitive`: may the reader receive the national identifier."""
    identifiers = [{"system": identifier_system(client), "value": str(client.pk)}]
    if sensitive and client.national_id:
        system = NATIONAL_ID_SYSTEMS.get((client.country or country or "").upper(), NATIONAL_ID_FALLBACK)
        identifiers.append({"use": "official", "system": system, "value": client.national_id})
    names = [_drop_empty({"use": "official", "family": client.last_name, "given": [client.first_name]})]
    if client.preferred_name and client.preferred_name != client.first_name:
        names.append(_drop_empty({"use": "usual", "family": client.last_name, "given": [client.preferred_name]}))
    address = _drop_empty({"line": [client.street] if client.street else [], "postalCode": client.postal_code,
                           "city": client.city, "country": client.country})
    return _drop_empty({
        "resourceType": "Patient",
        "id": str(client.pk),
        "identifier": identifiers,
        "active": client.status == "active",
        "name": names,
        "telecom": _telecom(phone=client.phone, email=client.email),
        "gender": GENDERS.get(client.gender),
        "birthDate": client.date_of_birth.isoformat() if client.date_of_birth else None,
        "address": [address] if address else [],
        "communication": ([{"language": {"coding": [{"system": LANGUAGE, "code": client.language}]},
                            "preferred": True}] if client.language else []),
    })


def _relationship_concepts(kind: str, label: str, relationship: Relationship) -> list[dict]:
    system, code, display = RELATIONSHIP_CODES.get(kind, RELATIONSHIP_CODES[RelationshipType.OTHER])
    text = label or (str(RelationshipType(kind).label) if kind in RelationshipType.values else kind)
    concepts = [{"coding": [{"system": system, "code": code, "display": display}], "text": str(text)}]
    if relationship.emergency_contact and kind != RelationshipType.EMERGENCY_CONTACT:
        concepts.append({"coding": [{"system": CONTACT_ROLE, "code": "C", "display": "Emergency Contact"}]})
    if relationship.responsible_for_billing:
        concepts.append({"coding": [{"system": CONTACT_ROLE, "code": "BP", "display": "Billing contact person"}]})
    return concepts


def related_person(client: Client, relationship: Relationship, kind: str, other: Client | Contact, *,
                   patient_reference: str) -> dict[str, Any]:
    """One relationship of `client` as a RelatedPerson: `kind` is the type seen from this client
    (`relationships.seen_from`), `other` the other end. Its id joins the relationship and the patient: a
    link between two clients is one row but a RelatedPerson of each of them."""
    if isinstance(other, Client):
        name = _drop_empty({"family": other.last_name, "given": [other.first_name]})
        telecom = _telecom(phone=other.phone, email=other.email)
    else:
        name = {"text": other.name}
        telecom = _telecom(phone=other.phone, email=other.email)
    return _drop_empty({
        "resourceType": "RelatedPerson",
        "id": f"{relationship.pk}-{client.pk}",
        "active": True,
        "patient": {"reference": patient_reference},
        "relationship": _relationship_concepts(kind, relationship.label, relationship),
        "name": [name] if name else [],
        "telecom": telecom,
    })


def related_persons(client: Client, relationships: Iterable[tuple[Relationship, str, object]], *,
                    patient_reference: str) -> list[dict[str, Any]]:
    """`relationships`: what `selectors.relationships_of` / `relationships.seen_from` give."""
    return [related_person(client, rel, kind, other, patient_reference=patient_reference)  # type: ignore[arg-type]
            for rel, kind, other in relationships if other is not None]


_MODELS: dict[str, Any] = {"Patient": Patient, "RelatedPerson": RelatedPerson, "Bundle": Bundle}


@dataclass(frozen=True)
class Contribution:
    """Resources another app adds to a client's FHIR export (issue 8 point 9: appointments, documents,
    invoices), so the per-client Bundle and the Bulk Data files carry them without this app knowing that
    app: `of_client(client, patient_reference)` for the Bundle, `of_workspace(workspace, client_id)` (all
    clients, or one) for `export_fhir`'s `<resource_type>.ndjson`. `model` is the `fhir.resources` R4(B)
    class every resource is validated against."""

    resource_type: str
    model: Any
    of_client: Callable[[Client, str], Iterable[dict[str, Any]]]
    of_workspace: Callable[[Any, int | None], Iterable[dict[str, Any]]]


_CONTRIBUTIONS: dict[str, Contribution] = {}


def contribute(contribution: Contribution) -> None:
    _CONTRIBUTIONS[contribution.resource_type] = contribution
    _MODELS[contribution.resource_type] = contribution.model


def contributions() -> list[Contribution]:
    return sorted(_CONTRIBUTIONS.values(), key=lambda c: c.resource_type)


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, after `fhir.resources` accepted it as R4 (raises `pydantic.ValidationError` if not).
    The dict is returned as built, so the output is exactly what was checked."""
    _MODELS[resource["resourceType"]].model_validate(resource)
    return resource


def bundle(client: Client, relationships: Iterable[tuple[Relationship, str, object]], *,
           sensitive: bool, country: str = "") -> dict[str, Any]:
    """A per-client `collection` Bundle: the Patient first, then a RelatedPerson per relationship, then what
    other apps contribute (`contribute`: appointments, …)."""
    patient_url = full_url("Patient", str(client.pk), workspace_id=client.workspace_id)
    entries = [{"fullUrl": patient_url, "resource": patient(client, sensitive=sensitive, country=country)}]
    for resource in related_persons(client, relationships, patient_reference=patient_url):
        entries.append({"fullUrl": full_url("RelatedPerson", resource["id"], workspace_id=client.workspace_id),
                        "resource": resource})
    for contribution in contributions():
        for resource in contribution.of_client(client, patient_url):
            entries.append({"fullUrl": full_url(contribution.resource_type, resource["id"],
                                                workspace_id=client.workspace_id), "resource": resource})
    return validated({
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": clock.now().isoformat(),
        "entry": entries,
    })


def ndjson_line(resource: dict[str, Any]) -> str:
    """One Bulk Data NDJSON line: the validated resource, compact, without a newline inside."""
    return json.dumps(validated(resource), ensure_ascii=False, separators=(",", ":")) + "\n"


def ndjson_lines(resources: Iterable[dict[str, Any]]) -> Iterator[str]:
    for resource in resources:
        yield ndjson_line(resource)
