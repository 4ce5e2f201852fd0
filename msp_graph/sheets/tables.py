"""Reading and writing the sheets as CSV files and XLSX workbooks, cell by cell.

The reader turns every input (an ``.xlsx`` workbook, a ``.csv`` file, a folder or ``.zip`` of CSV files)
into ``RawTable``s: the header of one sheet and an iterator over its rows, each cell as text, each row with
the number a spreadsheet program shows. Rows are streamed (openpyxl's read-only mode; the csv module over
the lines of the file), never read whole first, and every input is bounded before it is read:

* a workbook or ``.zip`` whose members declare more than ``limit("max_sheet_bytes")`` bytes in all, or
  one member that would inflate more than ``MAX_RATIO`` times (a zip bomb), is refused from the sizes in
  its directory (``zipfile`` never inflates a member beyond the size it declares, so the check holds); a
  CSV file larger than ``max_sheet_bytes`` too;
* a sheet or CSV file is read up to ``limit("max_rows")`` rows under its header; one row more and it is
  refused; a cell longer than ``MAX_CELL_CHARS`` characters, a value beyond column ``MAX_COLUMNS``, a CSV
  line longer than ``MAX_LINE_BYTES``, more than ``MAX_TABLES`` sheets or CSV files in one input: refused;
* a workbook part holding a DTD (``<!DOCTYPE``) is refused (the XML parsers never expand entities either).

What cannot be read becomes a located ``Problem``, never an exception from openpyxl, zipfile or the csv
module. ``Problems`` counts them all and keeps the first ``MAX_LISTED`` errors and warnings to list.

Cells that begin with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed are written with
a leading ``'`` so no spreadsheet program runs them as formulas; the reader takes that ``'`` away again.
In workbooks, the characters XML cannot hold (control characters) and carriage returns are written with the
OOXML escape ``_xHHHH_``, as Excel writes them, and the reader undoes it.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import io
import os
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..limits import LIMITS, limit

__all__ = [
    "MAX_LISTED",
    "Bounds",
    "DropDown",
    "Problem",
    "Problems",
    "RawTable",
    "SheetOut",
    "escape",
    "ooxml_escape",
    "ooxml_unescape",
    "read_inputs",
    "unescape",
    "write_csv_tables",
    "write_xlsx",
]

#: Problems listed in full (errors and warnings each); the rest are counted.
MAX_LISTED = 100
#: Characters of one cell (the csv module's own field limit; Excel's is 32,767).
MAX_CELL_CHARS = 131_072
_EXCEL_CELL = 32_767  # openpyxl cuts longer strings when it writes a workbook
#: Columns read in one row; a value further right is refused.
MAX_COLUMNS = 1024
#: Bytes of one line of a CSV file.
MAX_LINE_BYTES = 16 * 1024 * 1024
#: Sheets of one workbook, or CSV files of one folder or ``.zip``.
MAX_TABLES = 100
#: How many times a zip member may inflate (Apache POI's default), for members over ``_RATIO_FROM`` bytes.
MAX_RATIO = 100
_RATIO_FROM = 1024 * 1024

_FORMULA = re.compile(r"^'*[=+\-@\t\r\n]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r\n]")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_OOXML_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_OOXML_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # XML 1.0 cannot hold these at all
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an encrypted workbook, or an .xls
_BOM = b"\xef\xbb\xbf"
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")
_HEAD = 64 * 1024
_DOCTYPE = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s>/])[^>]*>")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)")
_MERGE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']([A-Za-z]{1,3}\d+:[A-Za-z]{1,3}\d+)"
)
# What reading a zip archive or one of its members can raise (a damaged deflate stream is a zlib.error,
# an encrypted member a RuntimeError, an unknown compression method a NotImplementedError).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, RuntimeError,
               NotImplementedError, ValueError)  # fmt: skip


def escape(text: str) -> str:
    """A cell that no spreadsheet program runs as a formula: ``=1+1`` -> ``'=1+1`` (reversible)."""
    return "'" + text if _FORMULA.match(text) else text


def unescape(text: str) -> str:
    """Undo ``escape``: ``'=1+1`` -> ``=1+1``; other text is left as it is."""
    return text[1:] if _ESCAPED.match(text) else text


def ooxml_escape(text: str) -> str:
    """Text a workbook can hold: control characters as ``_xHHHH_`` and a ``_`` that starts such a sequence
    as ``_x005F_``, as Excel writes them (ECMA-376 ST_Xstring).

    >>> ooxml_escape("bell\\x07 _x0041_")
    'bell_x0007_ _x005F_x0041_'
    """
    return _OOXML_UNSAFE.sub(lambda m: "_x005F_" if m[0] == "_" else f"_x{ord(m[0]):04X}_", text)


def ooxml_unescape(text: str) -> str:
    """Undo ``ooxml_escape`` (and read what Excel wrote): ``_x000D_`` -> a carriage return."""
    return _OOXML_ESCAPED.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


def column_letter(index: int) -> str:
    """``0`` -> ``A``, ``27`` -> ``AB``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = _LETTERS[rest] + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One located finding: an ``error`` (nothing is imported) or a ``warning``."""

    severity: str
    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{', '.join(where)}: {prefix}{self.message}"


class Problems:
    """The problems of one import: every one counted, the first ``keep`` errors and warnings kept in order."""

    def __init__(self, keep: int = MAX_LISTED):
        self.keep = keep
        self.errors = 0
        self.warnings = 0
        self.listed: list[Problem] = []
        self.over_limit = False  # a sheet had more rows than allowed: the import stops once all is read

    def add(self, problem: Problem) -> None:
        if problem.severity == "error":
            self.errors += 1
            seen = self.errors
        else:
            self.warnings += 1
            seen = self.warnings
        if seen <= self.keep:
            self.listed.append(problem)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.listed)


@dataclass(frozen=True)
class Bounds:
    """The limits one import reads its inputs within (``msp_graph.limits``)."""

    rows: int
    bytes: int

    @classmethod
    def current(cls) -> Bounds:
        return cls(rows=int(limit("max_rows")), bytes=int(limit("max_sheet_bytes")))


@dataclass
class RawTable:
    """The cells of one sheet: its header, and its rows as text (read once, as they are iterated), each
    numbered as a spreadsheet shows it."""

    file: Path
    display: str
    sheet: str
    header: list[str]
    rows: Iterable[tuple[int, list[str]]] = field(default_factory=list)
    header_row: int = 1
    is_xlsx: bool = False

    def column_name(self, index: int) -> str:
        name = self.header[index] if index < len(self.header) and self.header[index] else "(no header)"
        return f"{name} ({column_letter(index)})" if self.is_xlsx else name

    def close(self) -> None:
        """Stop reading the rows (a sheet skipped before its end)."""
        closing = getattr(self.rows, "close", None)
        if closing is not None:
            closing()


class Unreadable(Exception):
    """An input that is not a spreadsheet at all; carries the located problem (an error of the file)."""

    def __init__(self, display: str, message: str, *, sheet: str | None = None, row: int | None = None):
        self.problem = Problem("error", display, message, sheet, row)
        super().__init__(str(self.problem))


class _Refused(Exception):
    """A line of a CSV file that cannot be read (carries what to say and the line)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


# --- reading --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def read_inputs(
    paths: Iterable[str | Path], problems: Problems, bounds: Bounds | None = None
) -> Iterator[Iterator[RawTable]]:
    """The tables of every input, one after the other: read each table's rows before asking for the next.

    What cannot be read goes to ``problems``; files are closed when the block ends.
    """
    tables = _tables([Path(p) for p in paths], problems, bounds or Bounds.current())
    try:
        yield tables
    finally:
        tables.close()


def _tables(paths: list[Path], problems: Problems, bounds: Bounds) -> Iterator[RawTable]:
    for path in paths:
        try:
            yield from _read_one(path, problems, bounds)
        except Unreadable as error:
            problems.add(error.problem)


def _read_one(path: Path, problems: Problems, bounds: Bounds) -> Iterator[RawTable]:
    display = str(path)
    if not path.exists():
        raise Unreadable(display, "no such file")
    if path.is_dir():
        yield from _folder_tables(path, problems, bounds)
        return
    size = _regular_size(path, display)
    if size == 0:
        raise Unreadable(display, "the file is empty; fill in the template (msp-graph template)")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_file(path, display, size, problems, bounds)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_tables(path, display, problems, bounds)
    elif suffix == ".zip":
        yield from _zip_tables(path, display, problems, bounds)
    elif suffix in (".xls", ".ods", ".numbers"):
        raise Unreadable(display, f"{suffix} files are not read; save the workbook as .xlsx")
    else:
        raise Unreadable(
            display, "not a spreadsheet; give .xlsx workbooks, .csv files, or folders or .zip of .csv"
        )


def _regular_size(path: Path, display: str) -> int:
    """The size of a regular file; a device, pipe or socket is refused (reading it could block forever)."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise Unreadable(display, f"cannot read it: {error.strerror or error}") from None
    if not stat.S_ISREG(status.st_mode):
        raise Unreadable(display, "not a regular file (a device, pipe or socket); give a spreadsheet file")
    return status.st_size


def _folder_tables(folder: Path, problems: Problems, bounds: Bounds) -> Iterator[RawTable]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
    if not files:
        raise Unreadable(str(folder), "no .csv files in this folder")
    if len(files) > MAX_TABLES:
        raise Unreadable(
            str(folder), f"more than {MAX_TABLES} .csv files in this folder; import fewer at once"
        )
    for path in files:
        try:
            size = _regular_size(path, str(path))
            if size == 0:
                raise Unreadable(str(path), "the file is empty; fill in the template (msp-graph template)")
            yield from _csv_file(path, str(path), size, problems, bounds)
        except Unreadable as error:
            problems.add(error.problem)


def _too_big(display: str, size: int, bounds: Bounds, what: str) -> Unreadable:
    env = LIMITS["max_sheet_bytes"].env
    return Unreadable(
        display,
        f"{what} {size:,} bytes, over the limit of {bounds.bytes:,} ({env}); split it into smaller "
        f"files, or raise {env} if you trust it",
    )


def _too_many_rows(problems: Problems, table: RawTable, row: int, bounds: Bounds) -> None:
    problems.over_limit = True
    problems.add(Problem("error", table.display, _rows_message(bounds), table.sheet, row))


def _rows_message(bounds: Bounds) -> str:
    env = LIMITS["max_rows"].env
    return (
        f"more than {bounds.rows:,} rows under the header ({env}); nothing after this row was read; split "
        f"the sheet into several files, or raise {env}"
    )


# --- CSV ------------------------------------------------------------------------------------------------


def _csv_file(path: Path, display: str, size: int, problems: Problems, bounds: Bounds) -> Iterator[RawTable]:
    if size > bounds.bytes:
        raise _too_big(display, size, bounds, "the file holds")
    try:
        raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below, after the rows are read
    except OSError as error:
        raise Unreadable(display, f"cannot read it: {error.strerror or error}") from None
    with raw:
        table = _csv_table(path, display, raw, size, problems, bounds)
        if table is not None:
            yield table


def _csv_table(
    path: Path,
    display: str,
    stream: BinaryIO,
    size: int,
    problems: Problems,
    bounds: Bounds,
    *,
    name: str | None = None,
) -> RawTable | None:
    """The table of one CSV byte stream (a file or a zip member): its header now, its rows as read."""
    reader = io.BufferedReader(stream, _HEAD)  # type: ignore[arg-type]
    head = reader.peek(_HEAD)[:_HEAD]
    if size <= len(head) and not head.strip():
        problems.add(
            Problem("error", display, "the file is empty; fill in the template (msp-graph template)")
        )
        return None
    if b"\x00" in head[:4096]:
        problems.add(
            Problem("error", display, "not a CSV file (binary content); save the sheet as CSV UTF-8")
        )
        return None
    first = re.split(rb"[\r\n]", head, maxsplit=1)[0].removeprefix(_BOM).decode("utf-8", "replace")
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    lines = _Lines(reader)
    records = csv.reader(lines, delimiter=delimiter, strict=True)
    table = RawTable(path, display, Path(name or path.name).stem, [])
    try:
        table.header = [unescape(c) for c in next(records, [])]
    except (csv.Error, _Refused, *_ZIP_ERRORS) as error:
        problems.add(_line_problem(table, error, lines.number or 1))
        return None
    table.rows = _csv_rows(records, lines, table, problems, bounds)
    return table


class _Lines:
    """The lines of a CSV byte stream as text, numbered as an editor shows them (CR, LF or CRLF end a line;
    the ends are kept, as the csv module wants them), each at most ``MAX_LINE_BYTES``, UTF-8, no NUL."""

    def __init__(self, stream: io.BufferedReader):
        self.stream = stream
        self.number = 0
        self._pending: list[bytes] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while not self._pending:
            raw = self.stream.readline(MAX_LINE_BYTES + 1)
            if not raw:
                raise StopIteration
            if len(raw) > MAX_LINE_BYTES:
                raise _Refused(
                    f"a line longer than {MAX_LINE_BYTES:,} bytes; is this a CSV file?", self.number + 1
                )
            if self.number == 0:
                raw = raw.removeprefix(_BOM)
            self._pending = [piece for piece in _LONE_CR.split(raw) if piece][::-1]
        piece = self._pending.pop()
        self.number += 1
        if b"\x00" in piece:
            raise _Refused(
                "a NUL byte: binary content, not CSV text; save the sheet as CSV UTF-8", self.number
            )
        try:
            return piece.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _Refused(
                f"not UTF-8 text (byte 0x{piece[error.start]:02x} on line {self.number}); save the file as "
                "'CSV UTF-8' (in Excel: Save As > CSV UTF-8)",
                self.number,
            ) from None


def _line_problem(table: RawTable, error: Exception, line: int) -> Problem:
    if isinstance(error, _Refused):
        return Problem("error", table.display, str(error), row=error.line)
    if isinstance(error, csv.Error) and "field limit" in str(error):
        message = (
            f"a cell longer than {MAX_CELL_CHARS:,} characters; shorten it (or close the quote that makes "
            "the rest of the file one cell)"
        )
    elif isinstance(error, csv.Error):
        message = f"not a well-formed CSV line ({error}); check the quotes"
    else:
        message = f"cannot read the file further ({type(error).__name__}: {error}); is the archive damaged?"
    return Problem("error", table.display, message, row=line)


def _csv_rows(
    records: Iterator[list[str]], lines: _Lines, table: RawTable, problems: Problems, bounds: Bounds
) -> Iterator[tuple[int, list[str]]]:
    start = lines.number + 1  # csv.reader reads no line ahead: the next record starts on the next line
    count = 0
    try:
        for record in records:
            count += 1
            if count > bounds.rows:
                _too_many_rows(problems, table, start, bounds)
                return
            if len(record) > MAX_COLUMNS and any(c.strip() for c in record[MAX_COLUMNS:]):
                message = f"a value beyond column {MAX_COLUMNS}, the last one read; is this the right file?"
                problems.add(Problem("error", table.display, message, row=start))
                return
            yield start, [unescape(c) for c in record[:MAX_COLUMNS]]
            start = lines.number + 1
    except (csv.Error, _Refused, *_ZIP_ERRORS) as error:
        problems.add(_line_problem(table, error, lines.number))


# --- zip archives ---------------------------------------------------------------------------------------


def _check_archive(archive: zipfile.ZipFile, display: str, bounds: Bounds) -> None:
    """Refuse an archive from its directory alone: encrypted members, a zip bomb, too many bytes in all."""
    total = 0
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise Unreadable(display, f"{info.filename} is encrypted; save the file without a password")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FROM and ratio > MAX_RATIO:
            raise Unreadable(
                display,
                f"{info.filename} would inflate {ratio:,.0f} times ({info.compress_size:,} to "
                f"{info.file_size:,} bytes): a zip bomb, not read (at most {MAX_RATIO} times is accepted)",
            )
        if total > bounds.bytes:
            raise _too_big(display, total, bounds, "its members unpack to at least")


def _zip_tables(path: Path, display: str, problems: Problems, bounds: Bounds) -> Iterator[RawTable]:
    with open(path, "rb") as handle:
        try:
            archive = zipfile.ZipFile(handle)
            _check_archive(archive, display, bounds)
        except _ZIP_ERRORS:
            raise Unreadable(display, "not a readable .zip archive") from None
        members = sorted(
            (i for i in archive.infolist() if i.filename.lower().endswith(".csv") and not i.is_dir()),
            key=lambda i: i.filename,
        )
        if not members:
            raise Unreadable(display, "no .csv files in this archive")
        if len(members) > MAX_TABLES:
            raise Unreadable(
                display, f"more than {MAX_TABLES} .csv files in this archive; import fewer at once"
            )
        for info in members:
            where = f"{display}!{info.filename}"
            try:
                stream = archive.open(info)
            except _ZIP_ERRORS as error:
                problems.add(Problem("error", where, f"cannot read it from the archive: {error}"))
                continue
            with stream:
                table = _csv_table(path, where, stream, info.file_size, problems, bounds, name=info.filename)
                if table is not None:
                    yield table


# --- XLSX -----------------------------------------------------------------------------------------------


def _xlsx_tables(path: Path, display: str, problems: Problems, bounds: Bounds) -> Iterator[RawTable]:
    with open(path, "rb") as handle:
        if handle.read(len(_OLE)) == _OLE:
            raise Unreadable(
                display,
                "a password-protected (encrypted) workbook, or an old .xls file; remove the password or "
                "save it as .xlsx, then import it again",
            )
        handle.seek(0)
        archive, workbook = _open_workbook(handle, display, bounds)
        try:
            sheets = workbook.worksheets
            if len(sheets) > MAX_TABLES:
                raise Unreadable(display, f"more than {MAX_TABLES} sheets; import fewer at once")
            for ws in sheets:
                table = _sheet_table(path, display, ws, archive, problems, bounds)
                if table is not None:
                    yield table
        finally:
            workbook.close()


def _open_workbook(handle: BinaryIO, display: str, bounds: Bounds):
    """The zip archive (checked) and the workbook opened read-only by openpyxl."""
    import openpyxl

    try:
        archive = zipfile.ZipFile(handle)
        _check_archive(archive, display, bounds)
        _refuse_doctype(archive, display)
        _refuse_long_sheets(archive, display, bounds)
        if "xl/workbook.xml" not in archive.namelist():
            raise Unreadable(
                display,
                "not an .xlsx workbook (no xl/workbook.xml in it); save it from your spreadsheet program as "
                ".xlsx",
            )
        return archive, openpyxl.load_workbook(handle, read_only=True, data_only=False)
    except Unreadable:
        raise
    except Exception as error:  # openpyxl, zipfile, zlib and the XML parsers raise a zoo of types
        raise Unreadable(display, _unreadable_workbook(error)) from None


def _unreadable_workbook(error: Exception) -> str:
    if _is_defused(error):
        return (
            "the workbook holds a DTD or an entity declaration, which is not read (entity expansion); "
            "save it again from your spreadsheet program"
        )
    if isinstance(error, zipfile.BadZipFile):
        why = "not a zip archive, or a damaged or cut-off one"
    else:
        why = f"{type(error).__name__}: {' '.join(str(error).split())[:200]}"
    return f"not an .xlsx workbook (cannot open it: {why}); save it from your spreadsheet program as .xlsx"


def _is_defused(error: Exception) -> bool:
    return type(error).__module__.startswith("defusedxml")


def _refuse_doctype(archive: zipfile.ZipFile, display: str) -> None:
    """A DTD in any XML part of the workbook is refused, whichever parser would read the part."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(info) as member:
                head = member.read(_HEAD)
        except _ZIP_ERRORS as error:
            raise Unreadable(
                display,
                f"not an .xlsx workbook ({info.filename} is damaged: {error}); save it again from your "
                "spreadsheet program",
            ) from None
        if any(marker in head for marker in _DOCTYPE):
            raise Unreadable(
                display,
                f"{info.filename} holds a DTD (<!DOCTYPE ...>), which is not read (entity expansion); save "
                "the workbook again from your spreadsheet program",
            )


def _refuse_long_sheets(archive: zipfile.ZipFile, display: str, bounds: Bounds) -> None:
    """Count the rows of each sheet in its XML before openpyxl opens the workbook (openpyxl reads a whole
    sheet at opening when the sheet does not declare its size): a sheet with more than ``max_rows`` rows
    under a header is refused after reading that many, however long it is."""
    titles = _sheet_titles(archive)
    for info in archive.infolist():
        name = info.filename
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        past = _row_past(archive, info, bounds.rows + 1)
        if past is not None:
            raise Unreadable(display, _rows_message(bounds), sheet=titles.get(name, name), row=past)


def _row_past(archive: zipfile.ZipFile, info: zipfile.ZipInfo, allowed: int) -> int | None:
    """The number of the row after the first ``allowed`` rows of a sheet's XML, or None if there is none."""
    count = 0
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            cut = max(data.rfind(b"<"), len(data) - 4096)  # a tag cut in two is read whole next time
            for match in _ROW.finditer(data, 0, cut):
                count += 1
                if count > allowed:
                    number = _ROW_NUMBER.search(match[0])
                    return int(number[1]) if number else count
            tail = data[cut:]
    return None


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """The title of each sheet by its part (``xl/worksheets/sheet2.xml``), for messages; {} if unclear."""
    from defusedxml.ElementTree import fromstring

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    relation = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        links = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {link.get("Id"): link.get("Target") or "" for link in links}
        titles = {}
        for sheet in fromstring(archive.read("xl/workbook.xml")).iter(f"{main}sheet"):
            target = targets.get(sheet.get(relation), "")
            part = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            titles[part] = sheet.get("name") or part
        return titles
    except Exception:  # only names for messages: a part the parser refuses is reported when it is read
        return {}


def _sheet_table(path: Path, display: str, ws, archive, problems: Problems, bounds: Bounds) -> RawTable:
    """The table of one worksheet: its header now (the first row with cells), its rows as read."""
    ws.reset_dimensions()  # never trust the declared size: it could cut rows off, or pad every row
    rows = enumerate(ws.iter_rows(), start=1)
    table = RawTable(path, display, ws.title, [], [], is_xlsx=True)
    try:
        for number, cells in rows:
            if number > bounds.rows + 1:
                _too_many_rows(problems, table, number, bounds)
                return table
            if cells:
                header = _values(cells, number, table, problems)
                if header is None:
                    return table
                table.header, table.header_row = header, number
                break
    except Exception as error:  # the sheet's XML, as openpyxl parses it
        problems.add(_sheet_problem(table, error))
        return table
    table.rows = _sheet_rows(rows, table, ws, archive, problems, bounds)
    return table


def _sheet_rows(rows, table: RawTable, ws, archive, problems: Problems, bounds: Bounds):
    last = table.header_row + bounds.rows
    try:
        for number, cells in rows:
            if number > last:
                _too_many_rows(problems, table, number, bounds)
                return
            if not cells:
                continue
            values = _values(cells, number, table, problems)
            if values is None:
                return
            yield number, values
    except Exception as error:  # the sheet's XML, as openpyxl parses it
        problems.add(_sheet_problem(table, error))
        return
    _merged_cells(table, getattr(ws, "_worksheet_path", None), archive, problems)


def _sheet_problem(table: RawTable, error: Exception) -> Problem:
    if _is_defused(error):
        message = (
            "the sheet holds a DTD or an entity declaration, which is not read (entity expansion); save "
            "the workbook again from your spreadsheet program"
        )
    else:
        detail = " ".join(str(error).split())[:200]
        message = (
            f"cannot read the sheet further ({type(error).__name__}: {detail}); is the workbook damaged?"
        )
    return Problem("error", table.display, message, table.sheet)


def _values(cells, number: int, table: RawTable, problems: Problems) -> list[str] | None:
    """The text of a row's cells (formulas, over-long cells and far columns are problems); None: stop."""
    values = []
    for index, cell in enumerate(cells):
        value = cell.value
        if value is None:
            values.append("")
            continue
        if index >= MAX_COLUMNS:
            message = (
                f"a value in column {column_letter(index)}, beyond column {MAX_COLUMNS}, the last one read"
            )
            problems.add(Problem("error", table.display, message, table.sheet, number, column_letter(index)))
            return None
        if cell.data_type == "f" or type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
            formula = str(getattr(value, "text", value))[:200]
            message = (
                f"formula {formula!r} in {column_letter(index)}{number}; type the value instead (copy, then "
                "Paste Special > Values)"
            )
            problems.add(Problem("error", table.display, message, table.sheet, number, column_letter(index)))
            values.append("")
            continue
        text = _cell_text(value)
        if len(text) > MAX_CELL_CHARS:
            message = f"a cell longer than {MAX_CELL_CHARS:,} characters ({len(text):,}); shorten it"
            problems.add(Problem("error", table.display, message, table.sheet, number, column_letter(index)))
            text = text[:MAX_CELL_CHARS]  # refused already; cut, not emptied, so no second error follows
        values.append(text)
    while values and not values[-1]:
        values.pop()
    return values


def _merged_cells(table: RawTable, member: str | None, archive: zipfile.ZipFile, problems: Problems) -> None:
    """Merged ranges of the sheet (read-only openpyxl does not report them), found in the sheet's XML."""
    from openpyxl.utils.cell import range_boundaries

    if member is None:
        return
    seen: set[bytes] = set()
    tail = b""
    with archive.open(member.lstrip("/")) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            for match in _MERGE.finditer(data):
                if match[1] in seen:
                    continue
                seen.add(match[1])
                ref = match[1].decode("ascii").upper()
                min_col, min_row, _, _ = range_boundaries(ref)
                message = f"merged cells {ref}; unmerge them and type the value in each cell"
                problems.add(
                    Problem("error", table.display, message, table.sheet, min_row, column_letter(min_col - 1))
                )
            tail = data[-256:]


def _cell_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return unescape(ooxml_unescape(value))
    return unescape(str(value))


# --- writing --------------------------------------------------------------------------------------------

Warn = Callable[[str], None]
#: The last row of a worksheet (Excel's limit): a drop-down list covers its column down to it.
LAST_ROW = 1_048_576


@dataclass(frozen=True)
class DropDown:
    """A drop-down list on one column of a worksheet, under the header: ``choices`` is the range that holds
    the values (``lists!$A$2:$A$4``). With ``several`` a cell may hold more than one value (separated by
    ';'), so the list only suggests; otherwise a value not in the list gets a warning the officer may
    overrule (codes and the other languages' labels are read too)."""

    column: int
    choices: str
    several: bool
    prompt: str


@dataclass(frozen=True)
class SheetOut:
    """One worksheet to write: its header and rows, column widths, a note on each header cell (empty: none),
    drop-down lists, and whether the sheet is hidden."""

    name: str
    header: list[str]
    rows: list[list[str]]
    widths: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    drop_downs: list[DropDown] = field(default_factory=list)
    hidden: bool = False


def write_xlsx(path: Path, sheets: list[SheetOut], *, warn: Warn | None = None) -> None:
    """Write a workbook. Cells are escaped (formulas, then the characters XML cannot hold); ``warn`` hears
    how many cells held such characters."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    controls = cut = 0
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.name)
        _header(ws, sheet)
        for row in sheet.rows:
            cells = [ooxml_escape(escape(v)) if v else None for v in row]
            controls += sum(1 for v in row if v and _XML_ILLEGAL.search(v))
            cut += sum(1 for v in cells if v and len(v) > _EXCEL_CELL)
            ws.append(cells)
        for index, width in enumerate(sheet.widths):
            ws.column_dimensions[column_letter(index)].width = width
        for drop_down in sheet.drop_downs:
            ws.add_data_validation(_validation(drop_down))
        ws.freeze_panes = "A2"
        if sheet.hidden:
            ws.sheet_state = "hidden"
    if controls and warn is not None:
        warn(
            f"{controls} cell{'s' if controls != 1 else ''} hold control characters, which XML cannot: "
            "written as _xHHHH_ (the escape Excel uses; import reads them back)"
        )
    if cut and warn is not None:
        warn(
            f"{cut} cell{'s' if cut != 1 else ''} longer than {_EXCEL_CELL:,} characters (Excel's limit) "
            "cut to that length; export as csv to keep them whole"
        )
    # The same data, the same bytes: no save time in the document, none on the zip members.
    buffer = io.BytesIO()
    workbook.save(buffer)
    _write_fixed_times(buffer, path)


_FIXED_TIME = _dt.datetime(2000, 1, 1)


def _write_fixed_times(workbook: io.BytesIO, path: Path) -> None:
    """Copy the zip ``workbook`` to ``path`` with every member dated ``_FIXED_TIME``."""
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = source.read(info)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = _STAMP.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            target.writestr(fixed, data)


_STAMP = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def _header(ws, sheet: SheetOut) -> None:
    """The header row: bold on blue, each cell with its note as a comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    ws.append([escape(h) for h in sheet.header])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for index, cell in enumerate(ws[1]):
        cell.font, cell.fill = bold, fill
        if index < len(sheet.notes) and sheet.notes[index]:
            cell.comment = Comment(ooxml_escape(sheet.notes[index]), "msp-graph", width=320, height=160)


_NOT_LISTED = (  # Excel shows at most 225 characters
    "Not one of the listed values. Keep it if it is a code, or a label in another language (the import "
    "reads English, French and Spanish); otherwise pick from the list."
)


def _validation(drop_down: DropDown):
    """The list validation of a drop-down: a warning the officer may overrule, or (``several``) none."""
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = column_letter(drop_down.column)
    several = drop_down.several
    validation = DataValidation(
        type="list",
        formula1=drop_down.choices,
        allow_blank=True,
        showErrorMessage=not several,
        errorStyle="information" if several else "warning",
        errorTitle=None if several else "Not in the list",
        error=None if several else _NOT_LISTED,
        showInputMessage=True,
        prompt=drop_down.prompt[:255],  # Excel's limit
    )
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    return validation


def write_csv_tables(
    target: Path, tables: list[tuple[str, list[str], list[list[str]]]], *, warn: Warn | None = None
) -> list[Path]:
    """Write one UTF-8 CSV per table into the folder ``target``, or into a ``.zip`` when it ends so."""
    blobs = []
    nuls = long = 0
    for name, header, rows in tables:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([escape(h) for h in header])
        for row in rows:
            nuls += sum(1 for v in row if "\x00" in v)
            long += sum(1 for v in row if len(v) > MAX_CELL_CHARS)
            writer.writerow([escape(v.replace("\x00", "\ufffd")) for v in row])
        # A byte-order mark lets Excel open the file as UTF-8; the reader accepts files with or without.
        blobs.append((f"{name}.csv", out.getvalue().encode("utf-8-sig")))
    if long and warn is not None:
        warn(
            f"{long} cell{'s' if long != 1 else ''} longer than {MAX_CELL_CHARS:,} characters, which import "
            "refuses (MAX_CELL_CHARS): shorten them before importing the files again"
        )
    if nuls and warn is not None:
        warn(
            f"{nuls} cell{'s' if nuls != 1 else ''} hold a NUL character, which CSV cannot: written as U+FFFD"
        )
    if target.suffix.lower() == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, blob in blobs:
                archive.writestr(name, blob)
        return [target]
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, blob in blobs:
        (target / name).write_bytes(blob)
        written.append(target / name)
    return written
