"""About 200 clients for "Praktijk De Linde" (issue 7 point 11), so the demo shows a living practice.

Deterministic (a seeded `random.Random`): Dutch, Belgian, German and French names with their accents,
real-looking addresses, E.164 phones (some clients without e-mail or phone), assigned clinicians, tags,
the custom sections "Verwijzing" (huisarts, verwijsdatum) and "Zorgverzekering" (verzekeraar, polisnummer
— sensitive), minors linked to a parent, a few cancelled. Every value goes through the clients app's own
validation (`services.client_build`, which also fills `search_text`); the clients are bulk-inserted with
one audit entry each (R-AUD-1), the sections, fields, relationships and cancellations go through their
services. Idempotent: a workspace that has clients gets none added.
"""

import datetime as dt
import random

from praxis.audit import services as audit
from praxis.clients import customfields, relationships, selectors
from praxis.clients import services as clients
from praxis.clients.models import Client
from praxis.core import clock
from praxis.workspaces.access import Access
from praxis.workspaces.roles import CLIENTS_MANAGE

SEED = 7_2026
COUNT = 200
MINORS = 18
CANCELLED = 6

# (first names female, first names male, last names, cities as (postal code, city), street names,
#  phone: (country code, national prefixes, digits after the prefix), e-mail domains)
PEOPLE = {
    "NL": (
        ["Zoë", "Anouk", "Femke", "Sanne", "Eline", "Noor", "Maaike", "Inge", "Lotte", "Fenna", "Mirjam", "Saskia"],
        ["Daan", "Sem", "Bram", "Joost", "Thijs", "Ruben", "Wouter", "Gijs", "Jeroen", "Sjoerd", "Maarten", "Luuk"],
        ["de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
         "van Dijk", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit",
         "van der Linden", "IJzerman"],
        [("3521 AB", "Utrecht"), ("3581 KP", "Utrecht"), ("3701 CD", "Zeist"), ("3433 EK", "Nieuwegein"),
         ("3811 MG", "Amersfoort"), ("1017 CT", "Amsterdam"), ("3995 AA", "Houten")],
        ["Biltstraat", "Oudegracht", "Amsterdamsestraatweg", "Lindelaan", "Kerkstraat", "Wilhelminapark",
         "Nachtegaalstraat", "Burgemeester Reigerstraat"],
        ("+31", ["61", "62", "63", "64", "65", "68"], 7), ["ziggo.nl", "kpnmail.nl", "gmail.com", "hotmail.nl", "outlook.com"],
    ),
    "BE": (
        ["Lien", "Elise", "Marie", "Ine", "Hanne", "Anaïs", "Margaux", "Célia"],
        ["Wout", "Arne", "Pieter-Jan", "Jens", "Maxime", "Thibault", "Cédric", "Stijn"],
        ["Peeters", "Janssens", "Maes", "Claes", "Wouters", "De Smet", "Van Damme", "Goossens",
         "Vermeulen", "Dubois", "Lambert", "Dupont"],
        [("2000", "Antwerpen"), ("9000", "Gent"), ("3000", "Leuven"), ("1050", "Elsene"), ("3500", "Hasselt")],
        ["Meir", "Veldstraat", "Bondgenotenlaan", "Rue de la Paix", "Kapelstraat"],
        ("+32", ["470", "475", "486", "497"], 6), ["telenet.be", "skynet.be", "gmail.com", "proximus.be"],
    ),
    "DE": (
        ["Jürgen", "Lena", "Jülia", "Käthe", "Sophie", "Hannah", "Greta", "Lea"],
        ["Lukas", "Jonas", "Björn", "Jörg", "Maximilian", "Felix", "Tobias", "Sören"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Schäfer", "Köhler", "Bräuer", "Hoffmann",
         "Groß", "Krüger", "Böhm"],
        [("10115", "Berlin"), ("50667", "Köln"), ("47533", "Kleve"), ("52062", "Aachen"), ("48143", "Münster")],
        ["Hauptstraße", "Schillerstraße", "Goethestraße", "Lindenallee", "Bahnhofstraße"],
        ("+49", ["151", "160", "170", "176"], 8), ["web.de", "gmx.de", "t-online.de", "gmail.com"],
    ),
    "FR": (
        ["Amélie", "Léa", "Chloé", "Inès", "Hélène", "Noémie", "Maëlle", "Océane"],
        ["Théo", "Loïc", "Jérôme", "François", "Benoît", "Raphaël", "Noël", "Hugo"],
        ["Lefèvre", "Martin", "Bernard", "Moreau", "Laurent", "Girard", "Rousseau", "Fournier", "Mercier",
         "Lemaître", "Chevalier", "Faure"],
        [("75011", "Paris"), ("59000", "Lille"), ("69003", "Lyon"), ("67000", "Strasbourg")],
        ["Rue de la République", "Boulevard Voltaire", "Rue Nationale", "Avenue Jean Jaurès"],
        ("+33", ["61", "62", "64", "66", "67", "68", "75", "77"], 7), ["orange.fr", "free.fr", "laposte.net", "gmail.com"],
    ),
}
COUNTRY_WEIGHTS = {"NL": 70, "BE": 12, "DE": 10, "FR": 8}
LANGUAGE = {"NL": "nl", "BE": "nl", "DE": "de", "FR": "fr"}
TAGS = ["Fysiotherapie", "Psychologie", "Diëtetiek", "Nazorg", "Wachtlijst", "Sportblessure", "Groepstraining"]
HUISARTSEN = ["Huisartsenpraktijk Lombok", "Dr. M. Çelik", "Huisartsen Oudwijk", "Dr. A. van 't Hof",
              "Gezondheidscentrum Overvecht", "Dr. S. Öztürk", "Huisartspraktijk De Bilt"]
VERZEKERAARS = ["Zilveren Kruis", "VGZ", "CZ", "Menzis", "DSW", "ONVZ", "Anders"]


def _phone(rng: random.Random, spec: tuple[str, list[str], int]) -> str:
    code, prefixes, digits = spec
    return code + rng.choice(prefixes) + "".join(str(rng.randint(0, 9)) for _ in range(digits))


def _email(rng: random.Random, first: str, last: str, domains: list[str], n: int) -> str:
    import unicodedata

    def plain(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
        return "".join(c for c in folded if c.isascii() and (c.isalnum() or c == "-")).lower()

    return f"{plain(first)}.{plain(last)}{n % 100 if n > 60 else ''}@{rng.choice(domains)}"


def _person(rng: random.Random, n: int, today: dt.date, *, minor: bool = False) -> tuple[dict, dict, list[str]]:
    country = rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
    females, males, lasts, cities, streets, phone, domains = PEOPLE[country]
    gender = rng.choice(["female", "male"]) if rng.random() > 0.03 else "non_binary"
    first = rng.choice(females if gender == "female" else males if gender == "male" else females + males)
    last = rng.choice(lasts)
    age_days = rng.randint(4 * 365, 17 * 365) if minor else rng.randint(18 * 365, 88 * 365)
    postal_code, city = rng.choice(cities)
    values = {
        "first_name": first, "last_name": last, "gender": gender,
        "date_of_birth": (today - dt.timedelta(days=age_days)).isoformat(),
        "street": f"{rng.choice(streets)} {rng.randint(1, 180)}", "postal_code": postal_code, "city": city,
        "country": country, "language": LANGUAGE[country],
    }
    if rng.random() < 0.1:
        values["preferred_name"] = first[:3] if len(first) > 4 else first
    if not minor and rng.random() < 0.85:  # some clients have no e-mail
        values["email"] = _email(rng, first, last, domains, n)
    if not minor and rng.random() < 0.93:
        values["phone"] = _phone(rng, phone)
    custom: dict = {}
    if rng.random() < 0.7:
        custom["huisarts"] = rng.choice(HUISARTSEN)
        custom["verwijsdatum"] = (today - dt.timedelta(days=rng.randint(3, 400))).isoformat()
    if rng.random() < 0.8:
        custom["verzekeraar"] = rng.choice(VERZEKERAARS)
        custom["polisnummer"] = str(rng.randint(100_000_000, 999_999_999))
    tags = rng.sample(TAGS, k=rng.choice([0, 1, 1, 1, 2]))
    return values, custom, tags


def national_id(rng: random.Random, values: dict) -> str:
    """A well-formed national identifier of the client's country (R-CLI-1; sensitive): a Dutch BSN
    (nine digits passing the eleven test), a Belgian national register number (date of birth, serial,
    97-check), a French NIR (sex, year, month, department, commune, order, 97-key); "" in Germany,
    which has no general one."""
    born = dt.date.fromisoformat(values["date_of_birth"])
    country = values["country"]
    if country == "NL":
        while True:
            digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
            rest = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
            if rest < 10:
                return "".join(map(str, digits)) + str(rest)
    if country == "BE":
        serial = rng.randint(0, 498) * 2 + (1 if values["gender"] == "male" else 2)  # odd for men
        base = f"{born:%y%m%d}{serial:03d}"
        number = int(base) + (2_000_000_000 if born.year >= 2000 else 0)
        return f"{base}{97 - number % 97:02d}"
    if country == "FR":
        base = (f"{1 if values['gender'] == 'male' else 2}{born:%y%m}{rng.randint(1, 95):02d}"
                f"{rng.randint(1, 990):03d}{rng.randint(1, 999):03d}")
        return f"{base}{97 - int(base) % 97:02d}"
    return ""


def _custom_fields(access: Access) -> dict[str, str]:
    """The two demo sections and their fields, through the custom-field services; their keys by name."""
    referral = customfields.section_create(access=access, name="Verwijzing")
    insurance = customfields.section_create(access=access, name="Zorgverzekering")
    specs = [
        ("huisarts", referral, {"label": "Huisarts", "field_type": "text"}),
        ("verwijsdatum", referral, {"label": "Verwijsdatum", "field_type": "date"}),
        ("verzekeraar", insurance, {"label": "Verzekeraar", "field_type": "single_select", "choices": VERZEKERAARS}),
        ("polisnummer", insurance, {"label": "Polisnummer", "field_type": "text", "sensitive": True}),
    ]
    return {name: customfields.field_create(access=access, section_id=section.pk, **spec).key
            for name, section, spec in specs}


def load_demo_clients(access: Access) -> int:
    """Add the demo clients to `access.workspace` (inside the caller's transaction and scope); return
    how many were created — 0 when the workspace already has clients."""
    workspace = access.workspace
    if Client.objects.filter(workspace=workspace).exists():
        return 0
    rng = random.Random(SEED)
    today = clock.today()
    keys = _custom_fields(access)
    clinicians = list(selectors.clinicians_list(workspace=workspace))
    tags = {t.name: t for t in clients.tags_resolve(workspace=workspace, names=TAGS)}
    people = [_person(rng, n, today) for n in range(COUNT - MINORS)]
    parents = rng.sample(range(len(people)), k=MINORS)
    for n, parent in enumerate(parents, start=len(people)):
        values, custom, names = _person(rng, n, today, minor=True)
        # A child lives with their parent and (mostly) carries their surname.
        values.update({k: v for k, v in people[parent][0].items()
                       if k in ("last_name", "street", "postal_code", "city", "country", "language")})
        people.append((values, custom, names))
    identities = random.Random(SEED + 1)  # its own sequence: the rest of the demo stays as it was
    for values, _custom, _names in people:
        if identities.random() < 0.9:
            values["national_id"] = national_id(identities, values)
    built, tag_names = [], []
    for values, custom, names in people:
        built.append(clients.client_build(workspace=workspace, values=values, actor=access.user,
                                          custom={keys[k]: v for k, v in custom.items()}))
        tag_names.append(names)
    clients.check_room_for(workspace=workspace, adding=len(built))
    created = Client.objects.bulk_create(built)
    Clinicians, Tags = Client.clinicians.through, Client.tags.through  # noqa: N806
    Clinicians._default_manager.bulk_create(
        Clinicians(client_id=c.pk, membership_id=m.pk)
        for c in created for m in rng.sample(clinicians, k=1 if rng.random() < 0.85 else min(2, len(clinicians))))
    Tags._default_manager.bulk_create(Tags(client_id=c.pk, tag_id=tags[name].pk)
                             for c, names in zip(created, tag_names, strict=True) for name in names)
    audit.record_many([
        {"code": "client.created", "action": "create", "actor": access.user, "workspace": workspace, "obj": c,
         "client_id": c.pk, "role": access.membership.role, "permission": CLIENTS_MANAGE, "data": {"via": "demo"}}
        for c in created
    ])
    adults = created[: COUNT - MINORS]
    for minor, parent in zip(created[COUNT - MINORS:], parents, strict=True):
        relationships.relationship_create(
            access=access, client_id=minor.pk, kind="parent", other_client_id=adults[parent].pk,
            grants={"receives_information": True, "responsible_for_billing": True})
    not_parents = [c.pk for i, c in enumerate(adults) if i not in set(parents)]
    clients.clients_cancel(access=access, client_ids=rng.sample(not_parents, k=CANCELLED))
    return len(created)
