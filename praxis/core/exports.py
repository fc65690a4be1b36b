"""Every spreadsheet export (CSV, XLSX) writes its cells through `safe_cell` (issue 6 point 24).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets ("CSV/formula injection", OWASP): a member named `=HYPERLINK(…)` or a
User-Agent `@SUM(…)` in the audit export would run when the operator opens the file. Such text is
prefixed with a single quote, the spreadsheet convention for "this is text"; numbers stay numbers.
Exports use `csv_writer()` / `xlsx_append()` below, never `csv.writer` or `worksheet.append` directly.
"""

import csv
import datetime as dt
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet cell that can never be evaluated as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | dt.date | dt.datetime):
        return value  # a negative number is a number, not a formula
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _SafeWriter:
    """A `csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class _Echo:
    """A file-like object that hands each written line back, for streamed responses."""

    def write(self, value):
        return value


def csv_writer(out=None, **kwargs) -> _SafeWriter:
    """`csv.writer(out)` with formula-safe cells; without `out`, `writerow` returns the line (streaming)."""
    return _SafeWriter(csv.writer(out if out is not None else _Echo(), **kwargs))


def xlsx_append(worksheet, row) -> None:
    """`worksheet.append(row)` for openpyxl with formula-safe cells; text is stored as text, so even a
    value openpyxl would take for a formula (it treats any string starting with "=" as one) is not."""
    cells = [safe_cell(value) for value in row]
    worksheet.append(cells)
    for cell in worksheet[worksheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
