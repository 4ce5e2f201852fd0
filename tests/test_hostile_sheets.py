"""Hostile and oversized spreadsheets (issue 14), each case a regression test.

Inputs are bounded before they are read (the sizes a zip declares, the bytes of a CSV file), read as a
stream up to ``MSP_GRAPH_MAX_ROWS`` rows (what lies beyond is never read: the tests put damage there), and
every broken input is one clean located error, never a traceback; the listing of problems is bounded; an id
names one record across the files of an import; a file with headers only imports nothing, said plainly.
Exports neutralise formula-like cells, escape what XML cannot hold, keep carriage returns, and write
ill-typed literals so that they import again.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import rdflib
from conftest import write_csv
from hostile_inputs import rewrite_zip
from typer.testing import CliRunner

from msp_graph.cli import app
from msp_graph.errors import SettingError
from msp_graph.sheets import SheetImportError, export_sheets, import_sheets, strip_import_provenance
from msp_graph.sheets.tables import escape, unescape
from msp_graph.stores import EmbeddedStore

ORG_HEADER = ["id", "name", "stakeholder_groups"]
SHEET = "xl/worksheets/sheet1.xml"
ID = "https://w3id.org/msp/id/"
XSD_DATE = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#date")


def _cli(*args, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """``msp-graph ARGS`` as a process (only the given MSP_GRAPH_* settings), with a time-out."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MSP_GRAPH_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "msp_graph.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environ,
        stdin=subprocess.DEVNULL,
    )


def _refused(out: subprocess.CompletedProcess) -> list[str]:
    """The stderr lines of a clean refusal: exit 2, nothing on stdout, no traceback, an error line first."""
    assert out.returncode == 2, (out.returncode, out.stderr[-3000:])
    assert "Traceback" not in out.stderr and not out.stdout.strip(), out.stderr[-3000:]
    lines = out.stderr.splitlines()
    assert lines and lines[0].startswith("msp-graph: error: "), lines[:3]
    return lines


def _errors(paths, store=None) -> list[str]:
    with pytest.raises(SheetImportError) as caught:
        import_sheets([str(p) for p in paths], store=store, validate=False)
    return [str(p) for p in caught.value.problems if p.severity == "error"]


def _workbook(path: Path, rows: list[list[object]], title: str = "organisations") -> Path:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = title
    for row in rows:
        ws.append(row)
    workbook.save(path)
    return path


def _organisations(count: int) -> list[list[str]]:
    return [ORG_HEADER] + [[f"org-{i}", f"Organisation {i}", "un"] for i in range(count)]


def _rewrite(path: Path, change) -> Path:
    """Rewrite the zip ``path`` in place, each member's bytes passed through ``change(name, body)``."""
    path.write_bytes(rewrite_zip(path.read_bytes(), change))
    return path


def _with_doctype(name: str, body: bytes) -> bytes:
    declaration = b""
    if body.startswith(b"<?xml"):
        declaration, _, body = body.partition(b"?>")
        declaration += b"?>"
    root = body.split(b" ", 1)[0].lstrip(b"<")
    return declaration + b"<!DOCTYPE " + root + b' [<!ENTITY e "Entity Org">]>' + body


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fail the test if a workbook is opened: the checks must refuse it from the zip directory alone."""

    def opened(*args, **kwargs):
        raise AssertionError("openpyxl was asked to read a workbook that the size checks must refuse")

    monkeypatch.setattr(openpyxl, "load_workbook", opened)


# --- sizes, bounded before reading ------------------------------------------------------------------


def test_a_workbook_over_the_byte_limit_is_refused_from_its_zip_directory(tmp_path, monkeypatch, no_openpyxl):
    book = _workbook(tmp_path / "book.xlsx", _organisations(3))
    monkeypatch.setenv("MSP_GRAPH_MAX_SHEET_BYTES", "2000")
    [error] = _errors([book])
    assert "over the limit of 2,000" in error and "MSP_GRAPH_MAX_SHEET_BYTES" in error


def test_a_zip_bomb_is_refused_by_its_inflation_ratio(tmp_path, no_openpyxl):
    book = _workbook(tmp_path / "bomb.xlsx", _organisations(3))
    pad = b" " * (8 << 20)  # valid XML, deflated a thousand times
    _rewrite(
        book, lambda name, body: body.replace(b"<sheetData>", b"<sheetData>" + pad) if name == SHEET else None
    )
    [error] = _errors([book])
    assert "zip bomb" in error and SHEET in error


def test_a_zip_of_csv_that_inflates_too_much_gives_one_error(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("organisations.csv", "id,name,stakeholder_groups\n" + "x,X,un\n" * 300_000)
    lines = _refused(_cli("import", bomb, "--no-validate"))
    assert (
        len(lines) == 2 and "zip bomb" in lines[0] and lines[1] == "msp-graph: 1 error; nothing was imported"
    )


def test_a_csv_file_over_the_byte_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "organisations.csv", *_organisations(50))
    monkeypatch.setenv("MSP_GRAPH_MAX_SHEET_BYTES", "500")
    [error] = _errors([path])
    assert "over the limit of 500" in error


def test_csv_rows_over_the_limit_are_refused_and_the_rest_is_never_read(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "organisations.csv", *_organisations(7))
    with open(path, "ab") as handle:  # damage after the limit: read, it would be another error
        handle.write(b"bad,\xff\xfe not UTF-8,un\n")
    monkeypatch.setenv("MSP_GRAPH_MAX_ROWS", "5")
    [error] = _errors([path])
    assert "more than 5 rows" in error and "MSP_GRAPH_MAX_ROWS" in error and "row 7" in error


def test_sheet_rows_over_the_limit_are_refused_and_the_rest_is_never_read(tmp_path, monkeypatch):
    book = _workbook(tmp_path / "book.xlsx", _organisations(20))
    # The sheet's XML cut off after row 8: a workbook read whole (or parsed to its end) is unreadable.
    _rewrite(book, lambda name, body: body[: body.index(b'<row r="9"')] if name == SHEET else None)
    monkeypatch.setenv("MSP_GRAPH_MAX_ROWS", "5")
    [error] = _errors([book])
    assert "more than 5 rows" in error and "sheet organisations, row 7" in error


def test_a_stray_cell_far_below_counts_as_rows(tmp_path, monkeypatch):
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = "organisations"
    for row in _organisations(2):
        ws.append(row)
    ws.cell(row=100_000, column=1, value="stray")
    workbook.save(tmp_path / "book.xlsx")
    monkeypatch.setenv("MSP_GRAPH_MAX_ROWS", "50")
    [error] = _errors([tmp_path / "book.xlsx"])
    assert "more than 50 rows" in error and "row 52" in error


def test_a_bad_row_limit_setting_is_one_setting_error(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "organisations.csv", *_organisations(2))
    monkeypatch.setenv("MSP_GRAPH_MAX_ROWS", "nan")
    with pytest.raises(SettingError, match="MSP_GRAPH_MAX_ROWS"):
        import_sheets([path], validate=False)


def test_the_listing_of_problems_is_bounded(tmp_path):
    rows = [[f"org-{i}", f"Organisation {i}", f"nonsense-{i}"] for i in range(250)]
    path = write_csv(tmp_path / "organisations.csv", ORG_HEADER, *rows)
    with pytest.raises(SheetImportError) as caught:
        import_sheets([path], validate=False)
    assert caught.value.error_count == 250 and len(caught.value.problems) == 100
    assert "(and 249 more errors)" in str(caught.value)
    out = CliRunner().invoke(app, ["import", str(path), "--no-validate"])
    assert out.exit_code == 2
    lines = out.output.splitlines()
    assert len(lines) == 102, lines[-3:]
    assert lines[-2] == "msp-graph: error: 150 more errors not listed"
    assert lines[-1] == "msp-graph: 250 errors; nothing was imported"


# --- broken and hostile inputs: one clean error each --------------------------------------------------


def test_a_dtd_in_a_sheet_is_one_clean_error(tmp_path):
    book = _workbook(tmp_path / "dtd.xlsx", [ORG_HEADER, ["x", "Hostile Org", "un"]])
    _rewrite(book, lambda name, body: _with_doctype(name, body) if name == SHEET else None)
    lines = _refused(_cli("import", book, "--no-validate"))
    assert "DTD" in lines[0] and SHEET in lines[0]
    assert lines[1:] == ["msp-graph: 1 error; nothing was imported"]


def test_a_dtd_in_the_workbook_part_is_refused_too(tmp_path):
    book = _workbook(tmp_path / "dtd.xlsx", _organisations(1))
    _rewrite(book, lambda name, body: _with_doctype(name, body) if name == "xl/workbook.xml" else None)
    [error] = _errors([book])
    assert "DTD" in error and "xl/workbook.xml" in error


def _encrypted_member(path: Path) -> None:
    """Set the 'encrypted' flag of every member in the zip's central directory."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        (flags,) = struct.unpack_from("<H", data, at + 8)
        struct.pack_into("<H", data, at + 8, flags | 0x1)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def _corrupt_sheet(path: Path) -> None:
    """Damage the deflate stream of the sheet (its bytes in the middle)."""
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(SHEET)
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length + info.compress_size // 3
    data[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))


BROKEN_WORKBOOKS = {
    "not-a-zip": (lambda p: p.write_bytes(b"this is not a workbook\n"), "not an .xlsx workbook"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:1500]), "not an .xlsx workbook"),
    "encrypted": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), "password"),
    "encrypted-member": (_encrypted_member, "encrypted"),
    "missing-part": (
        lambda p: p.write_bytes(_without(p.read_bytes(), "xl/workbook.xml")),
        "no xl/workbook.xml",
    ),
    "corrupt-deflate": (_corrupt_sheet, f"{SHEET} is damaged"),
    "not-well-formed": (
        lambda p: _rewrite(p, lambda name, body: body[: len(body) // 2] if name == SHEET else None),
        "sheet organisations",
    ),
}


def _without(data: bytes, member: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as sink:
        for info in source.infolist():
            if info.filename != member:
                sink.writestr(info, source.read(info))
    return out.getvalue()


@pytest.mark.parametrize("case", sorted(BROKEN_WORKBOOKS))
def test_a_broken_workbook_is_one_clean_error(tmp_path, case):
    damage, expected = BROKEN_WORKBOOKS[case]
    book = _workbook(tmp_path / "book.xlsx", _organisations(30))
    damage(book)
    lines = _refused(_cli("import", book, "--no-validate"))
    assert expected in lines[0], lines
    assert lines[-1] == "msp-graph: 1 error; nothing was imported"


def test_a_nul_byte_deep_in_a_csv_file_is_refused_with_its_line(tmp_path):
    rows = [[f"org-{i}", f"Organisation {i}", "un"] for i in range(300)]  # past the first 4 KiB
    path = write_csv(tmp_path / "organisations.csv", ORG_HEADER, *rows, ["nul", "N\x00L", "un"])
    [error] = _errors([path])
    assert "NUL" in error and "row 302" in error


def test_a_bom_and_mixed_line_endings_keep_the_line_numbers(tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_bytes(
        b'\xef\xbb\xbfid,name,stakeholder_groups\r\na,A,un\nb,B,un\rc,C,nonsense\r\nd,"D\rE",un\n'
    )
    [error] = _errors([path])
    assert "row 4" in error and "'nonsense'" in error
    write_csv(path, ORG_HEADER, ["a", "A", "un"])
    path.write_bytes(b'\xef\xbb\xbfid,name,stakeholder_groups\r\na,A,un\nb,B,un\rd,"D\rE",un\n')
    store = EmbeddedStore()
    import_sheets([path], store=store, validate=False)
    names = {str(o) for o in store.to_rdflib(union=True).objects(None, rdflib.RDFS.label)}
    assert {"A", "B", "D\rE"} <= names


def test_a_ten_megabyte_cell_is_one_located_error(tmp_path):
    path = write_csv(tmp_path / "organisations.csv", ORG_HEADER, ["big", "N" * 10_000_000, "un"])
    [error] = _errors([path])
    assert "a cell longer than 131,072 characters" in error and "row 2" in error
    book = _workbook(tmp_path / "big.xlsx", [ORG_HEADER, ["big", "N" * 32_767, "un"]])  # openpyxl's most
    _rewrite(book, lambda name, body: body.replace(b"N" * 32_767, b"N" * 200_000) if name == SHEET else None)
    [error] = _errors([book])
    assert "a cell longer than 131,072 characters" in error and "row 2, column B" in error


def test_ragged_rows_are_read_and_values_without_a_header_are_warned_of(tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_text(
        "id,name,stakeholder_groups\nshort,Short Org\nlong,Long Org,un,,extra\n", encoding="utf-8"
    )
    [error] = _errors([path])  # the short row lacks its required group; the long row reads
    assert "row 2" in error and "'stakeholder_groups' is required" in error
    path.write_text("id,name,stakeholder_groups\nlong,Long Org,un,,extra\n", encoding="utf-8")
    result = import_sheets([path], validate=False)
    [warning] = result.warnings
    assert "value 'extra' in a column with no header ignored" in str(warning)


def test_an_iri_that_passes_the_cell_checks_but_is_no_iri_is_a_located_error(tmp_path):
    header = [*ORG_HEADER, "homepage"]
    path = write_csv(tmp_path / "organisations.csv", header, ["x", "X", "un", "https://[::1/"])
    [error] = _errors([path], EmbeddedStore())
    assert "row 2" in error and "cannot be written as RDF" in error


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "organisations.csv"
    os.mkfifo(fifo)
    lines = _refused(_cli("import", fifo, "--no-validate", timeout=60))
    assert "not a regular file" in lines[0]


# --- ids across the files of one import -------------------------------------------------------------


def test_the_same_id_in_two_files_must_say_the_same_thing(tmp_path):
    first = write_csv(tmp_path / "a" / "organisations.csv", ORG_HEADER, ["same-id", "First Name", "un"])
    second = write_csv(
        tmp_path / "b" / "organisations.csv", ORG_HEADER, ["same-id", "Second Name", "workers-organisations"]
    )
    [error] = _errors([first, second])
    assert str(second) in error and "row 2" in error and "column id" in error
    assert f"also given in {first}, sheet organisations, row 2" in error
    write_csv(second, ORG_HEADER, ["same-id", "First Name", "un"])  # the same facts: one record
    store = EmbeddedStore()
    result = import_sheets([first, second], store=store, validate=False)
    assert [str(loc) for loc in result.records[f"{ID}organisation/same-id"]] == [
        f"{first}, sheet organisations, row 2",
        f"{second}, sheet organisations, row 2",
    ]
    labels = set(
        store.to_rdflib(union=True).objects(rdflib.URIRef(f"{ID}organisation/same-id"), rdflib.RDFS.label)
    )
    assert labels == {rdflib.Literal("First Name", lang="en")}


# --- a file with headers only -------------------------------------------------------------------------


def test_a_file_with_headers_only_says_nothing_was_imported(tmp_path):
    path = write_csv(tmp_path / "organisations.csv", ORG_HEADER)
    runner = CliRunner()
    out = runner.invoke(app, ["import", str(path), "--no-validate", "--store", str(tmp_path / "db")])
    assert out.exit_code == 0, out.output
    assert "imported  from" not in out.output
    said = "nothing imported: no rows under the headers of 1 file; its graph in {} now holds none"
    assert said.format(tmp_path / "db") in out.output
    out = runner.invoke(app, ["import", str(path), "--no-validate", "--dry-run"])
    assert out.exit_code == 0 and "nothing to import: no rows under the headers of 1 file" in out.output


# --- export fidelity -----------------------------------------------------------------------------------

TTL = """@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/msp/id/partnership/p> a msp:Partnership ; rdfs:label "P"@en ;
  <http://purl.org/dc/terms/date> "2020-13-45"^^xsd:date ;
  <https://example.org/note> "bell\\u0007 and vt\\u000B", "a\\rb", "\\tstart", "\\r\\nfirst", "=1+1" .
"""


def _imported(path: Path) -> rdflib.Graph:
    store = EmbeddedStore()
    import_sheets([path], store=store, validate=False)
    return strip_import_provenance(
        store.to_rdflib([g for g in store.graphs() if "/source/" in g], union=True)
    )


def test_cells_starting_like_a_formula_tab_or_line_break_are_neutralised(tmp_path):
    for text in ("\tcmd", "\rcmd", "\ncmd", "=1+1", "@x", "'\tx"):
        assert escape(text).startswith("'") and unescape(escape(text)) == text
    graph = rdflib.Graph().parse(data=TTL, format="turtle")
    export_sheets(graph, tmp_path / "out", format="csv")
    text = (tmp_path / "out" / "triples.csv").read_text(encoding="utf-8-sig")
    assert ",'\tstart," in text and ",'=1+1," in text
    export_sheets(graph, tmp_path / "out.xlsx", format="xlsx")
    cells = [
        c.value for row in openpyxl.load_workbook(tmp_path / "out.xlsx")["triples"].iter_rows() for c in row
    ]
    assert "'\tstart" in cells and not any(
        isinstance(c, str) and c.startswith(("\t", "\r", "\n")) for c in cells
    )


def test_control_characters_export_to_xlsx_with_a_warning_and_come_back(tmp_path):
    (tmp_path / "data.ttl").write_text(TTL, encoding="utf-8")
    out = _cli("export", tmp_path / "data.ttl", "-f", "xlsx", "-o", tmp_path / "out.xlsx")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert "msp-graph: warning: 1 cell hold control characters" in out.stderr
    back = _imported(tmp_path / "out.xlsx")
    assert rdflib.Literal("bell\x07 and vt\x0b") in set(back.objects())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_carriage_returns_survive_the_round_trip(tmp_path, fmt):
    """A guard more than a regression: the CSV reader now splits lines itself (CR, LF and CRLF end one)."""
    graph = rdflib.Graph().parse(data=TTL.replace('"2020-13-45"', '"2020-12-25"'), format="turtle")
    target = tmp_path / ("out.zip" if fmt == "csv" else "out.xlsx")
    export_sheets(graph, target, format=fmt)
    objects = set(_imported(target).objects())
    assert {rdflib.Literal("a\rb"), rdflib.Literal("\r\nfirst"), rdflib.Literal("\tstart")} <= objects


def test_an_ill_typed_literal_exports_without_a_traceback_and_imports_again(tmp_path):
    (tmp_path / "data.ttl").write_text(TTL, encoding="utf-8")
    for fmt, target in (("csv", tmp_path / "out.zip"), ("xlsx", tmp_path / "out.xlsx")):
        out = _cli("export", tmp_path / "data.ttl", "-f", fmt, "-o", target)
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-3000:]
        assert "ill-typed literal kept as written" in out.stderr and "2020-13-45" in out.stderr
    out = _cli("import", tmp_path / "out.zip", "--no-validate", "--dry-run")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert "'2020-13-45' is not a valid xsd:date; kept as written" in out.stderr
    date = rdflib.Literal("2020-13-45", datatype=XSD_DATE)
    assert date in set(_imported(tmp_path / "out.zip").objects())
    assert date in set(_imported(tmp_path / "out.xlsx").objects())
