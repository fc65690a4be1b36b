"""Gapless invoice numbers per series and year (R-BIL-11): `2026-000001`.

The sequence row is locked and incremented inside the transaction that inserts the invoice: if that
transaction rolls back (e.g. a concurrent run already issued this cycle's invoice), the number is not
used either. The increment is one `UPDATE … RETURNING`, which on PostgreSQL locks the row to the end of
the transaction and so serialises issuers; on SQLite the IMMEDIATE transaction already holds the
database's write lock. The unique `number` column is the last guard.
"""

from django.db import IntegrityError, connection, transaction

from .models import InvoiceSequence

OPERATOR_SERIES = "praxis"


def next_number(*, series: str, year: int) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("invoice numbers are drawn inside the issuing transaction")
    last = _increment(series, year)
    if last is None:
        try:
            with transaction.atomic():
                InvoiceSequence.objects.create(series=series, year=year, last=0)
        except IntegrityError:
            pass  # created concurrently; increment it below
        last = _increment(series, year)
    return f"{year}-{last:06d}"


def _increment(series: str, year: int) -> int | None:
    """The sequence's next number, in one statement that also locks its row to the end of the transaction
    (`UPDATE … RETURNING`: PostgreSQL, SQLite ≥ 3.35) — or None when the sequence has no row yet."""
    table = connection.ops.quote_name(InvoiceSequence._meta.db_table)
    last = connection.ops.quote_name("last")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE series = %s AND year = %s RETURNING {last}",
                       [series, year])
        row = cursor.fetchone()
    return None if row is None else int(row[0])
