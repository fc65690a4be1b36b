"""Reading an uploaded client file as a stream of (line number, cells) (R-CLI-9).

CSV: the encoding is found from a byte-order mark (UTF-8, UTF-16), else strict UTF-8, else
`charset-normalizer` (Windows-1252, Latin-1, …); a UTF-8 file with a few stray Windows-1252 bytes (two
exports pasted together) is read as UTF-8 with those bytes read as Windows-1252, so no line is lost. The
delimiter (`,` `;` tab `|`) is sniffed from the header line, outside quotes. Quoted fields, CRLF and
blank lines are the `csv` module's. Line numbers are physical lines: the header is line 1, blank lines
count, a row whose quoted cell spans lines is numbered by its first line.

XLSX: read streaming with `python-calamine`; the line number is the sheet's row number. Date cells arrive
as `date`/`datetime` (the validators take them), whole numbers as `int`, so a postal code typed as a
number is "1234", not "1234.0".

Nothing here holds more than one row at a time: 300 000 rows read in flat memory.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from praxis.core.errors import ServiceError

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE = 256 * 1024
_XLSX_MAGIC = b"PK\x03\x04"


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 refused as Windows-1252 (Latin-1 where 1252 has no character)."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start:error.end]
    try:
        return bad.decode("cp1252"), error.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), error.end


codecs.register_error("praxis-cp1252", _cp1252_fallback)


@dataclass
class Table:
    """A file opened for reading: its header cells and a fresh iterator over its data rows."""

    kind: str  # "csv" | "xlsx"
    header: list[str]
    header_line: int
    encoding: str = ""
    delimiter: str = ""
    _open: Any = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(line number, cells) for every non-blank data row, in file order; each call reads afresh."""
        return self._open()


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # A sample may end inside a multi-byte character: allow up to 3 bytes of it to be cut off.
        sample.decode("utf-8") if len(sample) < _SAMPLE else _decode_cut(sample)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if sample.count(b"\x00") > len(sample) // 4:  # UTF-16 without a BOM
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    from charset_normalizer import from_bytes

    results = from_bytes(sample[:64 * 1024])
    best = results.best()
    name = (best.encoding if best else "cp1252").lower()
    if name in {"ascii", "utf_8"}:
        return "utf-8"
    # A Western European file that is "mostly UTF-8" is best read as UTF-8 with a 1252 fallback.
    if _mostly_utf8(sample):
        return "utf-8"
    # Praxis is used in Western Europe: among the single-byte code pages that read the bytes, prefer
    # Windows-1252 (a superset of Latin-1 for printable text) over a lookalike such as cp1250.
    # (charset-normalizer often guesses cp1250 for short Western text: Zoë, Müller, Émile.)
    single_byte = name.startswith(("cp", "mac", "latin", "iso8859", "hp_", "windows"))
    if any(match.encoding in _WESTERN for match in results) or (single_byte and _reads_as_cp1252(sample)):
        return "cp1252"
    return name


def _reads_as_cp1252(sample: bytes) -> bool:
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


_WESTERN = {"cp1252", "latin_1", "iso8859_15", "iso8859_1", "windows_1252"}


def _decode_cut(sample: bytes) -> None:
    for cut in range(4):
        try:
            sample[:len(sample) - cut].decode("utf-8")
            return
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:
                raise
    raise UnicodeDecodeError("utf-8", sample, 0, 1, "cut")


def _mostly_utf8(sample: bytes) -> bool:
    """More well-formed multi-byte UTF-8 sequences than stray high bytes."""
    text = sample.decode("utf-8", errors="replace")
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return good > text.count("\ufffd")


def sniff_delimiter(line: str) -> str:
    """The delimiter that occurs most often outside quotes in the header line (`,` on a tie or none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] else ","


def _is_blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def open_table(path: str | Path, *, filename: str = "") -> Table:
    """Open `path` (CSV or XLSX, told apart by content, not by name) and read its header row."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(_SAMPLE)
    if head.startswith(_XLSX_MAGIC) or (filename or path.name).lower().endswith((".xlsx", ".xlsm")):
        return _open_xlsx(path)
    return _open_csv(path, head)


def _open_csv(path: Path, sample: bytes) -> Table:
    encoding = detect_encoding(sample)
    errors = "praxis-cp1252" if encoding in {"utf-8", "utf-8-sig"} else "strict"

    def text() -> IO[str]:
        return io.TextIOWrapper(path.open("rb"), encoding=encoding, errors=errors, newline="")

    with text() as handle:
        header_line, first = 0, ""
        for number, line in enumerate(handle, start=1):
            if line.strip():
                header_line, first = number, line
                break
    if not header_line:
        raise ServiceError("empty_file", _("The file is empty."), field="file")
    delimiter = sniff_delimiter(first)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with text() as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            last = 0
            header_seen = False
            try:
                for cells in reader:
                    start, last = last + 1, reader.line_num
                    if not cells or _is_blank(cells):
                        continue
                    if not header_seen:
                        header_seen = True
                        continue
                    yield start, cells
            except (csv.Error, UnicodeError):
                raise ServiceError("unreadable_file", _("Line %(line)d of the file cannot be read.")
                                   % {"line": last + 1}, field="file") from None

    with text() as handle:
        try:
            header = next(csv.reader(_skip_blank(handle), delimiter=delimiter))
        except (csv.Error, UnicodeError, StopIteration):
            raise ServiceError("unreadable_file", _("The file cannot be read as CSV or XLSX."),
                               field="file") from None
    header = [cell.strip().lstrip("\ufeff") for cell in header]
    return Table(kind="csv", header=header, header_line=header_line, encoding=encoding, delimiter=delimiter,
                 _open=rows)


def _skip_blank(handle: IO[str]) -> Iterator[str]:
    started = False
    for line in handle:
        if started or line.strip():
            started = True
            yield line


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def _open_xlsx(path: Path) -> Table:
    from python_calamine import CalamineWorkbook

    def sheet_rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            sheet = workbook.get_sheet_by_index(0)
        except Exception:  # calamine raises its own error types for every kind of broken file
            raise ServiceError("unreadable_file", _("The file cannot be read as CSV or XLSX."),
                               field="file") from None
        first_row = sheet.start[0] + 1 if sheet.start else 1
        for index, cells in enumerate(sheet.iter_rows()):
            values = [_cell(value) for value in cells]
            if not _is_blank(values):
                yield first_row + index, values

    first = next(sheet_rows(), None)
    if first is None:
        raise ServiceError("empty_file", _("The file is empty."), field="file")
    header_line = first[0]
    header = ["" if h is None else str(h).strip() for h in first[1]]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        iterator = sheet_rows()
        next(iterator, None)  # the header row
        yield from iterator

    return Table(kind="xlsx", header=header, header_line=header_line, _open=rows)
