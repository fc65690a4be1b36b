"""The normalised text the client search looks in, and the words a query looks for (R-CLI-8).

`normalise()` is the one definition of "the same letters": accents removed, case folded, a few letters
without a decomposition spelled out (ø → o, æ → ae, ı → i, …), typographic apostrophes and dashes made
plain, whitespace collapsed — "Zoë" and "ZOE" both become "zoe", "Müller" "muller", "De  Vries"
"de vries", "Lætitia" "laetitia". Both sides of the search pass through it: the stored text
(`search_text_for`) and the query (`query_terms`).

A client matches a query when the stored text contains every query term as a substring. The stored
`Client.search_text` holds, normalised:
- the first, last and preferred name, and each name written without spaces and punctuation when that
  differs ("De Vries" also as "devries", "O'Brien" as "obrien");
- the e-mail address;
- the phone number as its international digits without "+" ("31612345678"). A query in national
  notation is looked for without its leading 0 (the national prefix of every country Praxis serves):
  "06 12345678" → "612345678", contained in "31612345678" — so "06 12345678", "+31 6 1234 5678",
  "0031612345678" and "612345678" all find +31612345678, and a Belgian number typed nationally
  ("0470 12 34 56") is found in a Dutch workspace too. Storing one form keeps the text (and its
  trigram index) small and spares every write a national formatting of the number;
- the date of birth as "1985-03-12", "12-03-1985" and "12031985"; a date typed as dd-mm-yyyy,
  dd/mm/yyyy, dd.mm.yyyy or yyyy-mm-dd is looked for in its ISO form, a part of one ("12-03", "12/03",
  "1985-03") as written with dashes. A query that is one whole date is answered from the date of birth
  itself (`query_date`): the clients born that day.
The national identifier and custom fields are never in it: search must not reveal what a member may not
see (R-ROLE-3).

Every write path sets `search_text` through `search_text_for()` (services, the import's bulk insert, the
demo); the index over it — a GIN index over (workspace, trigrams) on PostgreSQL (migration `0006`), a
contentless FTS5 `trigram` table kept by triggers on SQLite, keyed so that a workspace's rows are one rowid
range (migration `0007`) — and the query side live in `praxis.clients.selectors.matching`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")
# Letters NFKD does not decompose, and typographic variants people type or paste interchangeably.
_SPELLED = str.maketrans({
    "ø": "o", "ł": "l", "đ": "d", "ı": "i", "ħ": "h", "ŧ": "t", "ð": "d", "þ": "th",
    "æ": "ae", "œ": "oe",
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
})  # fmt: skip
_NOT_ALNUM = re.compile(r"[\W_]+")

# What a query is, in order of precedence (see `query_terms`).
_FULL_DATE = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
_DATE_PART = re.compile(r"\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{0,3})?|\d{4}[-/.]\d{1,2}(?:[-/.]\d?)?")
_PHONE_NOISE = re.compile(r"[\s\-().\/]")
_PHONE = re.compile(r"\+?\d{6,}")


class _WithoutMarks(dict):
    """A `str.translate` table that drops combining marks (`unicodedata.combining`) and keeps every
    other character; filled as characters are met, so a run over many names stays in C."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_MARKS = _WithoutMarks()


def normalise(text: str) -> str:
    text = text or ""
    if text.isascii():
        # ASCII has nothing to decompose and no marks, its case fold is `lower()`, and of `_SPELLED` only
        # the backtick is ASCII: the same result without a `translate` over every character (the import
        # normalises a few names per row, R-CLI-9; `test_search.py::test_normalise_…` holds the two equal).
        text = text.lower()
        if "`" in text:
            text = text.replace("`", "'")
    else:
        text = unicodedata.normalize("NFKD", text).translate(_MARKS).casefold().translate(_SPELLED)
    # `str.split()` splits at what `\s` matches (both are `str.isspace`): whitespace collapsed and trimmed.
    return " ".join(text.split())


def phone_digits(e164: str) -> list[str]:
    """The digits a stored E.164 phone number is found by: "+31612345678" → ["31612345678"]."""
    digits = (e164 or "").lstrip("+")
    return [digits] if digits else []


def _compact(name: str) -> str:
    """A name without spaces and punctuation ("de vries" → "devries"), or "" when that is the same."""
    if name.isalnum():  # `[\W_]` is exactly what `isalnum()` is not, and "_": nothing to take out
        return ""
    compact = _NOT_ALNUM.sub("", name)
    return compact if compact != name else ""


def search_text_for(client) -> str:
    """The normalised text stored in `Client.search_text` (see the module docstring for what is in it)."""
    return search_text_of(first_name=client.first_name, last_name=client.last_name,
                          preferred_name=client.preferred_name, email=client.email, phone=client.phone,
                          date_of_birth=client.date_of_birth)


def search_text_of(*, first_name: str, last_name: str, preferred_name: str, email: str, phone: str,
                   date_of_birth) -> str:
    """`search_text_for` of these values (the import computes it before any `Client` exists)."""
    return search_text_of_normalised(names=[normalise(part) for part in (first_name, last_name, preferred_name)],
                                     email=email, phone=phone, date_of_birth=date_of_birth)


def search_text_of_normalised(*, names: Iterable[str], email: str, phone: str, date_of_birth) -> str:
    """`search_text_of` with the first, last and preferred name already `normalise`d ("" for none): the
    import has them from its duplicate check."""
    names = [name for name in names if name]
    parts = names + [_compact(name) for name in names]
    parts.append(email or "")
    parts += phone_digits(phone)
    if date_of_birth:
        iso = date_of_birth.isoformat()  # yyyy-mm-dd
        parts += [iso, f"{iso[8:10]}-{iso[5:7]}-{iso[:4]}", f"{iso[8:10]}{iso[5:7]}{iso[:4]}"]
    return normalise(" ".join(part for part in parts if part))


def _date_term(word: str, *, country: str) -> str | None:
    """A whole date → its ISO form; a part of one → with dashes ("12/03" → "12-03"); else None."""
    from .fields import ServiceError, parse_date

    if _FULL_DATE.fullmatch(word):
        try:
            born = parse_date(word, country=country or "NL")
        except ServiceError:
            return None  # "31-02-1985": not a date; read next as digits, which no date of birth holds
        return born.isoformat() if born else None
    if _DATE_PART.fullmatch(word):
        return re.sub(r"[/.]", "-", word)
    return None


def query_date(q: str, *, country: str = "") -> dt.date | None:
    """The date a query is, when the whole query is one full date ("12-03-1985", "1985-03-12"): such a
    search finds the clients born that day (`selectors.matching` compares `date_of_birth`, which its own
    index answers), not every text that happens to contain those digits."""
    from .fields import ServiceError, parse_date

    text = (q or "").strip()
    if not _FULL_DATE.fullmatch(text):
        return None
    try:
        return parse_date(text, country=country or "NL")
    except ServiceError:
        return None


def _phone_term(text: str) -> str | None:
    """Six or more digits, however grouped ("06-123 456 78", "+31 (0)6 1234 5678", "0031 6…") → what the
    stored international digits contain: international without "+" or "00"; national without its
    leading 0 ("0612345678" → "612345678")."""
    digits = _PHONE_NOISE.sub("", text.replace("(0)", "") if text.startswith("+") else text)
    if not _PHONE.fullmatch(digits):
        return None
    if digits.startswith("+"):
        return digits[1:]
    if digits.startswith("00"):
        return digits[2:]
    return digits[1:] if digits.startswith("0") else digits


def query_terms(q: str, *, country: str = "") -> list[str]:
    """The normalised terms of a search query; a client matches when its search text contains each one.

    The whole query is first read as a date ("12/03/1985" → "1985-03-12", "12.03" → "12-03") and then as
    a phone number ("06 12345678" → "0612345678", "+31 6 1234 5678" → "31612345678"); otherwise each
    word is a term, with the same two readings per word ("jansen 12-03-1985"). A term contained in
    another is dropped ("jan jansen" → "jansen"): it cannot narrow the result. `country` decides an
    ambiguous date (03/04/2020) as the import does (the workspace's country).
    """
    text = _SPACES.sub(" ", (q or "").strip())
    if not text:
        return []
    whole = _date_term(text, country=country) or _phone_term(text)
    if whole:
        return [whole]
    terms: list[str] = []
    for word in normalise(text).split(" "):
        term = _date_term(word, country=country) or _phone_term(word) or word.removeprefix("+")
        if term and term not in terms:
            terms.append(term)
    return [term for term in terms if not any(term != other and term in other for other in terms)]


def fts5_string(term: str) -> str:
    """One term as an FTS5 string literal (double quotes, inner quotes doubled): matched as a phrase,
    which for the trigram tokenizer is a substring — no FTS5 operator or column filter can slip in."""
    return '"' + term.replace('"', '""') + '"'


# --- a bulk insert and the SQLite index -----------------------------------------------------------------

SQLITE_INSERT_TRIGGER = "clients_client_fts_insert"
# SQLite's index is keyed by `workspace_id * 2**32 + id`, so one workspace's matches are one rowid range
# (migration `0007_sqlite_search_per_workspace`).
FTS_WORKSPACE_SHIFT = 2**32


def fts_rowid_range(workspace_id: int) -> tuple[int, int]:
    """The first and last rowid of `clients_client_fts` that can belong to this workspace."""
    first = workspace_id * FTS_WORKSPACE_SHIFT
    return first, first + FTS_WORKSPACE_SHIFT - 1


@contextmanager
def sqlite_index_in_bulk() -> Iterator[Callable[[int, int], None]]:
    """For a bulk insert of many clients on SQLite (the import, R-CLI-9), inside its transaction: the
    FTS5 insert trigger (one index insert per row, the slowest part of the write) is dropped and the
    context gives `index(first_id, last_id)`, which indexes those clients in one INSERT … SELECT; the
    trigger is re-created as it was (its SQL read back from `sqlite_master`) before the block ends. All
    within the caller's transaction, which holds SQLite's write lock, so no other writer runs meanwhile;
    should anything fail, the rollback restores the trigger with the rest. Elsewhere: nothing to do."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield lambda first, last: None
        return
    if not connection.in_atomic_block:
        raise RuntimeError("sqlite_index_in_bulk runs inside the caller's transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [SQLITE_INSERT_TRIGGER])
        row = cursor.fetchone()
    if row is None:  # no index on this database: nothing to keep up
        yield lambda first, last: None
        return

    def index(first: int, last: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO clients_client_fts (rowid, search_text) "
                           "SELECT workspace_id * %s + id, search_text FROM clients_client WHERE id BETWEEN %s AND %s",
                           [FTS_WORKSPACE_SHIFT, first, last])

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {SQLITE_INSERT_TRIGGER}")
    try:
        yield index
    finally:
        with connection.cursor() as cursor:
            cursor.execute(row[0])


POSTGRES_INDEX = "client_search_ws_trgm"  # migration 0006


def settle_index(*, using: str = "default") -> None:
    """After a bulk write of clients (the import), on PostgreSQL: move the search index's pending entries
    into the index proper (`gin_clean_pending_list`).

    A GIN index takes new entries into an unsorted "pending list" (up to `gin_pending_list_limit`, 4 MB)
    and merges them later, in bulk — which is why a COPY of 100 000 clients costs 4.6 s instead of 6.7 s
    with a 512 kB list. Every search reads the whole pending list, though, in every workspace: a list
    full after an import made the search for "jansen" at 1 000 000 clients take 3.9 ms instead of 1.9. So
    the writer that filled it empties it once, at the end, for the searches that follow. Ordinary edits
    fill it slowly; autovacuum empties it (docs/operating.md). Elsewhere: nothing (SQLite's FTS5 index has
    no such list)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [POSTGRES_INDEX])
    except DatabaseError:  # not the index's owner (a read-only replica, a restricted role): searches still work
        if connection.in_atomic_block:
            raise
        logger.warning("could not settle the client search index %s", POSTGRES_INDEX, exc_info=True)
