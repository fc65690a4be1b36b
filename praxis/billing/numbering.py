"""Gapless invoice numbers per series and year (R-BIL-11): `2026-000001`.

The sequence row is locked and incremented inside the transaction that inserts the invoice: if that
transaction rolls back (e.g. a concurrent run already issued this cycle's invoice), the number is not
used either. On PostgreSQL `select_for_update` serialises issuers; on SQLite the IMMEDIATE transaction
already holds the database's write lock. The unique `number` column is the last guard.
"""

from django.db import IntegrityError, transaction

from .models import InvoiceSequence

OPERATOR_SERIES = "praxis"


def next_number(*, series: str, year: int) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("invoice numbers are drawn inside the issuing transaction")
    sequence = InvoiceSequence.objects.select_for_update().filter(series=series, year=year).first()
    if sequence is None:
        try:
            with transaction.atomic():
                InvoiceSequence.objects.create(series=series, year=year, last=0)
        except IntegrityError:
            pass  # created concurrently; lock it below
        sequence = InvoiceSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{year}-{sequence.last:06d}"
