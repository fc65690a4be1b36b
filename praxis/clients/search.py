"""The normalised text the client search looks in (R-CLI-8).

`normalise()` is the one definition of "the same letters": accents removed, case folded, whitespace
collapsed — "Zoë" and "ZOE" both become "zoe", "Müller" "muller", "De  Vries" "de vries". The stored
`Client.search_text` holds the normalised name parts, e-mail, phone (E.164 digits and the national
notation's digits) and date of birth in both written forms; every write path sets it through
`search_text_for()`. The index over it (PostgreSQL trigram GIN, SQLite FTS5 trigram) and the query side
live in `praxis.clients.selectors`.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SPACES.sub(" ", stripped.casefold().replace("ø", "o").replace("ł", "l").replace("đ", "d")).strip()


def phone_digits(e164: str) -> list[str]:
    """The digit strings a phone number can be typed as: "31612345678" and national "0612345678"."""
    if not e164:
        return []
    forms = [e164.lstrip("+")]
    try:
        number = phonenumbers.parse(e164, None)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        forms.append(re.sub(r"\D", "", national))
    except phonenumbers.NumberParseException:
        pass
    return forms


def search_text_for(client) -> str:
    parts = [client.first_name, client.last_name, client.preferred_name, client.email]
    parts += phone_digits(client.phone)
    if client.date_of_birth:
        born = client.date_of_birth
        parts += [born.isoformat(), born.strftime("%d-%m-%Y")]
    return normalise(" ".join(part for part in parts if part))


def query_terms(q: str) -> list[str]:
    """The normalised words of a search query; a phone number typed with spaces or dashes becomes one
    run of digits ("06 12345678" → "0612345678"), a date becomes its stored form."""
    from .fields import ServiceError, parse_date

    text = q.strip()
    digits = re.sub(r"[\s\-().]", "", text)
    if re.fullmatch(r"\+?\d{6,}", digits):
        return [digits.lstrip("+").removeprefix("00")]
    try:
        born = parse_date(text) if re.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", text) else None
    except ServiceError:
        born = None
    if born:
        return [born.isoformat()]
    return [word for word in normalise(text).split(" ") if word]
