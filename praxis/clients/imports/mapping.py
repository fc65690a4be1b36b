"""Which column of an import file fills which client field (R-CLI-9).

A mapping is `{header: target}`: a target is a built-in field name (`praxis.clients.fields.BUILTIN_FIELDS`),
`full_name` (one "Name" column, split at its last space), `custom.<key>` for a custom field, or "" to
leave the column out. `auto_map()` proposes one from the header names; the person importing adjusts it in
the browser, the API or a `--mapping` JSON file. `check_mapping()` is the one place a mapping is accepted:
first and last name (or a full name) mapped, no field twice, every target known, and no sensitive field
for a member without `clients.sensitive` (R-ROLE-3) — refused, audited, never silently dropped.

Header names are compared normalised (accents, case, spaces and punctuation removed: "E-mailadres",
"e-mail adres" and "EMAILADRES" are one name). The synonyms cover English, Dutch, French and German and
the documented client/patient fields of practice-management products:
- Cliniko — patient resource of the Cliniko API, the fields of its patient data export
  (https://docs.api.cliniko.com/openapi/reference/tag/Patient): first_name, last_name,
  preferred_first_name, date_of_birth, sex, gender_identity, email, address_1, city, post_code,
  country_code, patient_phone_numbers;
- SimplePractice — the client data template of "Transferring client data to SimplePractice"
  (https://support.simplepractice.com/hc/en-us/articles/31454473981197) and its client profile
  ("Legal first name", "Legal last name", "Preferred name", "Date of birth", "Email", "Phone number");
- Semble — the createPatient input (https://docs.semble.io/docs/API/inputs/create-patient-data-input/):
  first, last, dob, email, phoneNumber, address, city, postcode, country, gender, sex;
- Caspen — its client fields reference (https://support.caspen.com/using-caspen/clients/client-fields-reference):
  "Client full name", "Preferred name", "Primary phone number", "Date of birth" (DD/MM/YYYY);
- Carepatron — imports match columns automatically to its client fields
  (https://carepatron-learn-static.pages.dev/courses/add-your-first-client/add-or-import-clients/):
  "First name", "Last name", "Email", "Phone number", "Date of birth", "Gender", "Address".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from praxis.core.errors import PermissionDenied, ServiceError
from praxis.workspaces.roles import CLIENTS_SENSITIVE

from .. import policies
from ..fields import BUILTIN_FIELDS, SENSITIVE_BUILTIN_FIELDS
from ..models import CustomField
from ..search import normalise

if TYPE_CHECKING:
    from praxis.workspaces.access import Access

FULL_NAME = "full_name"
_NOT_ALNUM = re.compile(r"[\W_]+")

# target → header names (normalised when the table is built). Order within a target does not matter.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "first name", "firstname", "first", "given name", "given names", "forename", "legal first name",
        "patient first name", "client first name", "first_name", "patient_first_name", "fname",
        "voornaam", "voornamen", "roepnaam voornaam", "prenom", "prénom", "vorname",
    ),
    "last_name": (
        "last name", "lastname", "last", "surname", "family name", "legal last name", "patient last name",
        "client last name", "last_name", "patient_last_name", "lname",
        "achternaam", "familienaam", "naam achternaam", "nom", "nom de famille", "nachname", "familienname",
    ),
    FULL_NAME: (
        "name", "full name", "client name", "patient name", "client full name", "patient",
        "naam", "volledige naam", "nom complet", "name vollständig", "vollständiger name",
    ),
    "preferred_name": (
        "preferred name", "preferred first name", "preferred_first_name", "nickname", "known as",
        "chosen first name", "roepnaam", "nom d'usage", "prénom usuel", "rufname",
    ),
    "date_of_birth": (
        "date of birth", "dob", "birth date", "birthdate", "birthday", "date_of_birth", "patient_dob",
        "geboortedatum", "geb datum", "geboren", "date de naissance", "né le", "naissance",
        "geburtsdatum", "geboren am",
    ),
    "gender": (
        "gender", "sex", "gender identity", "gender_identity", "geslacht", "genre", "sexe", "geschlecht",
    ),
    "email": (
        "email", "e-mail", "email address", "e-mail address", "mail", "patient_email", "emailadres",
        "e-mailadres", "adresse e-mail", "courriel", "e-mail-adresse", "mailadresse",
    ),
    "phone": (
        "phone", "phone number", "telephone", "mobile", "mobile phone", "mobile number", "cell", "cell phone",
        "primary phone number", "phonenumber", "patient_phone_numbers", "patient_phone_number", "home phone",
        "telefoon", "telefoonnummer", "mobiel", "mobiel nummer", "gsm", "téléphone", "portable",
        "numéro de téléphone", "telefon", "telefonnummer", "handy", "mobilnummer",
    ),
    "street": (
        "street", "address", "address 1", "address_1", "address line 1", "street address", "patient_street",
        "straat", "adres", "straat en huisnummer", "adresse", "rue", "straße", "strasse", "anschrift",
    ),
    "postal_code": (
        "postal code", "postcode", "post code", "post_code", "zip", "zip code", "patient_zip_code",
        "code postal", "postleitzahl", "plz",
    ),
    "city": (
        "city", "town", "suburb", "patient_city", "plaats", "woonplaats", "stad", "ville", "localité", "ort",
        "stadt", "wohnort",
    ),
    "country": ("country", "country code", "country_code", "land", "pays", "landcode"),
    "national_id": (
        "national id", "national identifier", "bsn", "burgerservicenummer", "rijksregisternummer",
        "insz", "social security number", "ssn", "numéro de sécurité sociale", "nir",
        "sozialversicherungsnummer",
    ),
    "language": ("language", "preferred language", "taal", "voorkeurstaal", "langue", "sprache"),
}


def header_key(name: str) -> str:
    """A header name as compared: unaccented, lower-cased, without spaces and punctuation."""
    return _NOT_ALNUM.sub("", normalise(str(name or "")))


_BY_HEADER: dict[str, str] = {header_key(name): target for target, names in SYNONYMS.items() for name in names}


def targets(definitions: Iterable[CustomField]) -> list[tuple[str, str]]:
    """(target, label) of everything a column may be mapped to, built-in fields first."""
    from ..forms import builtin_label as field_label

    result = [(name, field_label(name)) for name in BUILTIN_FIELDS]
    result.insert(2, (FULL_NAME, _("Full name (first and last)")))
    result += [(f"custom.{d.key}", d.label) for d in definitions]
    return result


def auto_map(header: Sequence[str], definitions: Iterable[CustomField], *,
             exclude: Iterable[str] = ()) -> dict[str, str]:
    """Propose a target per header: a custom field by its label or key, else a synonym; each target
    once (the first column that names it wins), a full-name column only when first and last are absent.
    `exclude`: built-in targets never proposed (the sensitive ones, for a member who may not see them)."""
    custom: dict[str, str] = {}
    for definition in definitions:
        custom.setdefault(header_key(definition.label), f"custom.{definition.key}")
        custom.setdefault(header_key(definition.key), f"custom.{definition.key}")
    proposed: dict[str, str] = {}
    used: set[str] = set(exclude)
    for name in header:
        if name in proposed:
            continue
        key = header_key(name)
        target = custom.get(key) or _BY_HEADER.get(key, "")
        if target and target not in used:
            proposed[name] = target
            used.add(target)
        else:
            proposed[name] = ""
    if {"first_name", "last_name", FULL_NAME} <= set(proposed.values()):
        proposed = {name: ("" if target == FULL_NAME else target) for name, target in proposed.items()}
    return proposed


def check_mapping(access: Access, mapping: Mapping[str, str], *, header: Sequence[str],
                  definitions: Iterable[CustomField], code: str = "clients.imported") -> dict[str, str]:
    """The accepted mapping (every header present, "" for a column left out), or a refusal."""
    known = {target for target, _label in targets(definitions)}
    result = {name: "" for name in header}
    for name, target in mapping.items():
        target = (target or "").strip()
        if name not in result:
            raise ServiceError("unknown_column", _("The file has no column “%(name)s”.") % {"name": name},
                               field="mapping")
        if target and target not in known:
            raise ServiceError("unknown_field", _("There is no field “%(name)s”.") % {"name": target},
                               field="mapping")
        result[name] = target
    chosen = [target for target in result.values() if target]
    twice = sorted({target for target in chosen if chosen.count(target) > 1})
    if twice:
        raise ServiceError("mapped_twice", _("Two columns are mapped to the same field “%(name)s”.")
                           % {"name": twice[0]}, field="mapping")
    has_names = {"first_name", "last_name"} <= set(chosen) or FULL_NAME in chosen
    if not has_names or (FULL_NAME in chosen and ({"first_name", "last_name"} & set(chosen))):
        raise ServiceError("names_unmapped",
                           _("Map a column to first name and one to last name (or one to full name)."),
                           field="mapping")
    if not policies.may_see_sensitive(access):
        sensitive = {f"custom.{d.key}" for d in definitions if d.sensitive} | set(SENSITIVE_BUILTIN_FIELDS)
        hidden = [target for target in chosen if target in sensitive]
        if hidden:
            raise PermissionDenied(
                "forbidden", _("You do not have permission to import into this field."), field="mapping",
                audit=access.refusal(code=code, permission=CLIENTS_SENSITIVE, fields=hidden))
    return result


def split_full_name(value: str) -> tuple[str, str]:
    """"Anna de Vries" → ("Anna", "de Vries") when a lower-case particle precedes the surname, else split
    at the last space; "Vries, Anna" → ("Anna", "Vries")."""
    text = " ".join(str(value or "").split())
    if "," in text:
        last, _sep, first = text.partition(",")
        return first.strip(), last.strip()
    words = text.split(" ")
    if len(words) < 2:
        return text, ""
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].islower():
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])
