"""Reading and writing the sheets as CSV files and XLSX workbooks, cell by cell.

The reader turns every input (an ``.xlsx`` workbook, a ``.csv`` file, a folder or ``.zip`` of CSV files)
into ``RawTable``s: the header and the rows of one sheet, each cell as text, each row with the number a
spreadsheet program shows. What cannot be read becomes a located ``Problem``, never an exception from
openpyxl or the csv module.

Cells that begin with ``=``, ``+``, ``-`` or ``@`` are written with a leading ``'`` so no spreadsheet
program runs them as formulas; the reader takes that ``'`` away again.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Problem", "RawTable", "escape", "read_inputs", "unescape", "write_csv_tables", "write_xlsx"]

_FORMULA = re.compile(r"^'*[=+\-@]")
_ESCAPED = re.compile(r"^'+[=+\-@]")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def escape(text: str) -> str:
    """A cell that no spreadsheet program runs as a formula: ``=1+1`` -> ``'=1+1`` (reversible)."""
    return "'" + text if _FORMULA.match(text) else text


def unescape(text: str) -> str:
    """Undo ``escape``: ``'=1+1`` -> ``=1+1``; other text is left as it is."""
    return text[1:] if _ESCAPED.match(text) else text


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


@dataclass
class RawTable:
    """The cells of one sheet: its header and rows as text, rows numbered as a spreadsheet shows them."""

    file: Path
    display: str
    sheet: str
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    header_row: int = 1
    is_xlsx: bool = False

    def column_name(self, index: int) -> str:
        name = self.header[index] if index < len(self.header) and self.header[index] else "(no header)"
        return f"{name} ({column_letter(index)})" if self.is_xlsx else name


class Unreadable(Exception):
    """An input that is not a spreadsheet at all; carries the located problem (an error of the file)."""

    def __init__(self, display: str, message: str):
        self.problem = Problem("error", display, message)
        super().__init__(str(self.problem))


# --- reading --------------------------------------------------------------------------------------------


def read_inputs(paths: list[Path]) -> tuple[list[RawTable], list[Problem]]:
    """Read every input; return the tables read and the problems met (errors and warnings)."""
    tables: list[RawTable] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            found, found_problems = _read_one(path)
        except Unreadable as error:
            problems.append(error.problem)
            continue
        tables += found
        problems += found_problems
    return tables, problems


def _read_one(path: Path) -> tuple[list[RawTable], list[Problem]]:
    display = str(path)
    if not path.exists():
        raise Unreadable(display, "no such file")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            raise Unreadable(display, "no .csv files in this folder")
        return _gather(_read_csv(p, p.read_bytes(), str(p)) for p in files)
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if not data.strip():
        raise Unreadable(display, "the file is empty; fill in the template (msp-graph template)")
    if suffix == ".csv":
        return _gather([_read_csv(path, data, display)])
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, data, display)
    if suffix == ".zip":
        return _read_zip(path, data, display)
    if suffix in (".xls", ".ods", ".numbers"):
        raise Unreadable(display, f"{suffix} files are not read; save the workbook as .xlsx")
    raise Unreadable(
        display, "not a spreadsheet; give .xlsx workbooks, .csv files, or folders or .zip of .csv"
    )


def _gather(results) -> tuple[list[RawTable], list[Problem]]:
    tables, problems = [], []
    for table, found in results:
        if table is not None:
            tables.append(table)
        problems += found
    return tables, problems


def _read_zip(path: Path, data: bytes, display: str) -> tuple[list[RawTable], list[Problem]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = sorted(n for n in archive.namelist() if n.lower().endswith(".csv") and not n.endswith("/"))
        members = [(n, archive.read(n)) for n in names]
    except (zipfile.BadZipFile, OSError, EOFError):
        raise Unreadable(display, "not a readable .zip archive") from None
    if not members:
        raise Unreadable(display, "no .csv files in this archive")
    return _gather(_read_csv(path, body, f"{display}!{name}", name=name) for name, body in members)


def _read_csv(path: Path, data: bytes, display: str, *, name: str | None = None):
    sheet = Path(name or path.name).stem
    if not data.strip():
        return None, [
            Problem("error", display, "the file is empty; fill in the template (msp-graph template)")
        ]
    if b"\x00" in data[:4096]:
        return None, [
            Problem("error", display, "not a CSV file (binary content); save the sheet as CSV UTF-8")
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        return None, [
            Problem(
                "error",
                display,
                f"not UTF-8 text (byte 0x{byte:02x} on line {line}); save the file as 'CSV UTF-8' "
                "(in Excel: Save As > CSV UTF-8)",
                row=line,
            )
        ]
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        return None, [Problem("error", display, f"not a well-formed CSV file: {error}; check the quotes")]
    # csv.reader counts records, a spreadsheet counts lines: the same unless a quoted cell spans lines.
    # Keep the line number where each record starts, as an editor shows it.
    lines = _record_lines(text, delimiter)
    table = RawTable(path, display, sheet, [unescape(c) for c in records[0]] if records else [])
    for index, record in enumerate(records[1:], start=1):
        table.rows.append((lines[index] if index < len(lines) else index + 1, [unescape(c) for c in record]))
    return table, []


def _record_lines(text: str, delimiter: str) -> list[int]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, line = [], 1
    while True:
        starts.append(line)
        try:
            next(reader)
        except (StopIteration, csv.Error):
            return starts
        line = reader.line_num + 1


def _read_xlsx(path: Path, data: bytes, display: str) -> tuple[list[RawTable], list[Problem]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise Unreadable(
            display, "not an .xlsx workbook (cannot open it); save it from your spreadsheet program as .xlsx"
        ) from None
    tables, problems = [], []
    for ws in workbook.worksheets:
        for merged in ws.merged_cells.ranges:
            problems.append(
                Problem(
                    "error",
                    display,
                    f"merged cells {merged.coord}; unmerge them and type the value in each cell",
                    sheet=ws.title,
                    row=merged.min_row,
                    column=column_letter(merged.min_col - 1),
                )
            )
        rows: list[tuple[int, list[str]]] = []
        header: list[str] | None = None
        for cells in ws.iter_rows():
            values = []
            for cell in cells:
                if cell.data_type == "f" or type(cell.value).__name__ in ("ArrayFormula", "DataTableFormula"):
                    problems.append(
                        Problem(
                            "error",
                            display,
                            f"formula {str(getattr(cell.value, 'text', cell.value))!r} in {cell.coordinate}; "
                            "type the value instead (copy, then Paste Special > Values)",
                            sheet=ws.title,
                            row=cell.row,
                            column=cell.column_letter,
                        )
                    )
                    values.append("")
                    continue
                values.append(_cell_text(cell.value))
            if not cells:
                continue
            if header is None:
                header = values
                header_row = cells[0].row
            else:
                rows.append((cells[0].row, values))
        if header is None:
            header, header_row = [], 1
        table = RawTable(path, display, ws.title, header, rows, header_row=header_row, is_xlsx=True)
        tables.append(table)
    return tables, problems


def _cell_text(value) -> str:
    if value is None:
        return ""
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
    return unescape(str(value))


# --- writing --------------------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: list[tuple[str, list[str], list[list[str]], list[int]]]) -> None:
    """Write a workbook: per sheet its name, header, rows and column widths. Cells are escaped."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    grey = Font(italic=True, color="555555")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for name, header, rows, widths in sheets:
        ws = workbook.create_sheet(name)
        ws.append([escape(h) for h in header])
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
        for row in rows:
            ws.append([escape(v) if v else None for v in row])
            if row and row[0].startswith("#"):
                for cell in ws[ws.max_row]:
                    cell.font = grey
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(widths):
            ws.column_dimensions[column_letter(index)].width = width
        ws.freeze_panes = "A2"
    workbook.save(path)


def write_csv_tables(target: Path, tables: list[tuple[str, list[str], list[list[str]]]]) -> list[Path]:
    """Write one UTF-8 CSV per table into the folder ``target``, or into a ``.zip`` when it ends so."""
    blobs = []
    for name, header, rows in tables:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([escape(h) for h in header])
        writer.writerows([[escape(v) for v in row] for row in rows])
        # A byte-order mark lets Excel open the file as UTF-8; the reader accepts files with or without.
        blobs.append((f"{name}.csv", out.getvalue().encode("utf-8-sig")))
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
