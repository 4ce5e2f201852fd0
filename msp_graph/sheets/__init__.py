"""Spreadsheets in and out: the template, the import of CSV/XLSX files and the export back to them.

Partnership officers keep partner lists in spreadsheets; this package turns them into RDF in the
ontology (one named graph per file, with provenance down to the row) and back. The layout is described
once, in ``msp_graph.sheets.layout``, and documented in ``docs/spreadsheets.md``.

>>> import tempfile
>>> from msp_graph.stores import EmbeddedStore
>>> folder = Path(tempfile.mkdtemp())
>>> paths = write_template(folder)
>>> result = import_sheets([paths[0]], store=EmbeddedStore(), validate=False)
>>> result.counts["partnerships"]
1
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import Graph

from ..errors import SpreadsheetError
from ..stores import Store
from .exporter import LANGUAGES, SHEET_FORMATS, export_tables, ill_typed, write_sheets
from .importer import ImportResult, Location, SheetImportError, import_sheets
from .layout import SHEETS, quiet_libraries, strip_import_provenance
from .tables import Problem

__all__ = [
    "LANGUAGES",
    "SHEET_FORMATS",
    "ImportResult",
    "Location",
    "Problem",
    "SheetImportError",
    "export_sheets",
    "import_sheets",
    "strip_import_provenance",
    "template_tables",
    "write_template",
]

TEMPLATE_NAME = "msp-template"


def template_tables() -> list[tuple[str, list[str], list[list[str]]]]:
    """The empty layout: per sheet the header and one example row (the help is in the workbook's notes and
    ``about`` sheet, and in ``docs/spreadsheets.md``)."""
    return [(s.name, [c.name for c in s.columns], [[c.example for c in s.columns]]) for s in SHEETS]


def write_template(directory: str | Path, *, lang: str = "en") -> list[Path]:
    """Write ``msp-template.xlsx`` and the folder ``msp-template/`` of CSV files into ``directory``; the
    workbook's drop-down lists show the labels in ``lang`` (``en``, ``fr`` or ``es``)."""
    directory = Path(directory)
    tables = template_tables()
    written = write_sheets(tables, directory / f"{TEMPLATE_NAME}.xlsx", format="xlsx", lang=lang)
    written += write_sheets(tables, directory / TEMPLATE_NAME, format="csv")
    return written


def export_sheets(
    source: Store | Graph,
    target: str | Path,
    *,
    format: str,
    graphs: list[str] | None = None,
    warn: Callable[[str], None] | None = None,
    lang: str = "en",
) -> list[Path]:
    """Export the data of a store (its asserted data graphs) or of a graph as ``xlsx`` or ``csv``.

    ``csv`` writes a folder of CSV files, or a ``.zip`` of them when ``target`` ends in ``.zip``. ``warn``
    hears what is written otherwise than it is (ill-typed literals, characters a format cannot hold).
    ``lang``: the language of the workbook's drop-down lists.
    ``SpreadsheetError`` for an unknown format or a target that cannot be written.
    """
    if format not in SHEET_FORMATS:
        raise SpreadsheetError(
            f"unknown spreadsheet format {format!r}; use one of {', '.join(SHEET_FORMATS)}"
        )
    with quiet_libraries():
        if isinstance(source, Graph):
            graph = source
        else:
            from ..loading import asserted_graphs

            names = graphs if graphs is not None else asserted_graphs(source, ontology=False)
            graph = source.to_rdflib(names, as_written=True, union=True) if names else Graph()
        for line in ill_typed(graph) if warn is not None else ():
            warn(line)
        tables = export_tables(graph)
        try:
            return write_sheets(tables, target, format=format, warn=warn, lang=lang)
        except OSError as error:
            where = error.filename or target
            raise SpreadsheetError(f"{where}: cannot write it: {error.strerror or error}") from None
