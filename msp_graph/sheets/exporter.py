"""The graph -> the spreadsheet layout (XLSX or CSV), losslessly.

Each record of a known kind becomes a row; a cell is kept only when reading it back gives exactly the
triples it stands for, and whatever no cell holds goes to the ``triples`` sheet. So importing an export
gives back the same graph (blank nodes aside, which keep their shape: the graphs are isomorphic).
"""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from . import layout as L
from . import vocab as V
from .tables import Warn, write_csv_tables, write_xlsx

__all__ = ["SHEET_FORMATS", "export_tables", "ill_typed", "write_sheets"]

SHEET_FORMATS = ("xlsx", "csv")


def _compact(iri: str) -> str:
    """``msp:level`` for an IRI of a known namespace (when it reads back the same), else the IRI."""
    for prefix, namespace in L.PREFIXES.items():
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if local and all(c.isalnum() or c in "-_." for c in local) and not local.endswith("."):
                return f"{prefix}:{local}"
    return iri


class _Exporter:
    def __init__(self, graph: Graph, vocab: V.Vocabularies):
        self.g = graph
        self.vocab = vocab
        self.rows: dict[str, dict[str, dict[str, str]]] = {s.name: {} for s in L.RECORD_SHEETS}
        self.consumed: set[tuple] = set()

    def members(self) -> None:
        """Choose the records of each sheet: IRIs typed with the sheet's class (outputs: any output class)."""
        taken: set = set()
        for sheet in L.RECORD_SHEETS:
            if sheet.rdf_type is not None:
                subjects = set(self.g.subjects(RDF.type, sheet.rdf_type))
            else:
                classes = {URIRef(c) for c in self.vocab.output_classes}
                subjects = {s for c in classes for s in self.g.subjects(RDF.type, c)}
            for s in sorted(x for x in subjects if isinstance(x, URIRef) and x not in taken):
                self.rows[sheet.name][str(s)] = {}
                taken.add(s)

    def _render(self, sheet: L.Sheet, column: L.Column, s: URIRef) -> list[str]:
        """Candidate cell values of ``column`` for ``s`` (one per value, each already checked)."""
        g, kind = self.g, column.kind
        if column.predicate is None:
            values = list(g.subjects(column.reverse, s))
        else:
            values = list(g.objects(s, column.predicate))
        out: list[tuple[str, object]] = []
        for value in values:
            text = None
            if kind in ("label", "text", "iri") and _plain(value, column):
                text = str(value)
            elif kind == "concept" and isinstance(value, URIRef):
                scheme = self.vocab.schemes.get(column.scheme)
                text = scheme.codes.get(str(value)) if scheme else None
            elif kind == "country" and isinstance(value, URIRef):
                text = V.country_code(str(value))
            elif kind == "coverage" and isinstance(value, URIRef):
                text = self.vocab.scheme("region").codes.get(str(value)) or V.country_code(str(value))
            elif kind == "sdg" and isinstance(value, URIRef) and str(value).startswith(V.SDG):
                text = str(value)[len(V.SDG) :]
            elif kind == "ref" and isinstance(value, URIRef):
                if any(str(value) in self.rows[n] for n in L.owner_sheets(column.ref)):
                    text = L.record_text(str(value), L.ref_kind(sheet, column))
            elif kind == "class" and isinstance(value, URIRef):
                text = self.vocab.output_classes.get(str(value))
            if text is None or text != text.strip() or not text or (column.multi and L.SEPARATOR in text):
                continue
            if column.kind != "text" and column.kind != "label" and "\n" in text:
                continue
            out.append((text, value))
        out.sort(key=lambda pair: pair[0])
        if kind == "class" and len(out) > 1:  # the most specific type: anything but msp:Output
            out = [pair for pair in out if pair[0] != "Output"][:1] or out[:1]
        return [text for text, _ in (out if column.multi else out[:1])]

    def _expected(self, sheet: L.Sheet, column: L.Column, s: URIRef, text: str) -> set | None:
        """The triples the importer makes of ``text``; None when it would read something else."""

        def resolve(ref: str) -> URIRef:  # an id only: a name would not read back the same on import
            return L.record_iri(ref, L.ref_kind(sheet, column))

        try:
            term = L.parse_cell(column, text, self.vocab, resolve)
        except L.CellError:
            return None
        triples = {(s, column.predicate, term)} if column.predicate is not None else set()
        return triples | ({(term, column.reverse, s)} if column.reverse is not None else set())

    def fill(self) -> None:
        # A row is kept only when every required cell is filled; dropping one can empty a required
        # reference cell of another, so drop again until nothing changes (four passes at most).
        for _ in range(4):
            if not self._drop_incomplete_rows():
                break
        for sheet in L.RECORD_SHEETS:
            for iri in self.rows[sheet.name]:
                self._fill_row(sheet, URIRef(iri), commit=True)

    def _drop_incomplete_rows(self) -> bool:
        """Drop the rows a required cell of which stays empty; whether any was dropped."""
        dropped = False
        for sheet in L.RECORD_SHEETS:
            for iri in list(self.rows[sheet.name]):
                if self._fill_row(sheet, URIRef(iri)) is None:
                    del self.rows[sheet.name][iri]
                    dropped = True
        return dropped

    def _fill_row(self, sheet: L.Sheet, s: URIRef, *, commit: bool = False) -> dict | None:
        row: dict[str, str] = {"id": L.record_text(str(s), sheet.kind)}
        consumed: set[tuple] = set()
        if sheet.rdf_type is not None:
            consumed.add((s, RDF.type, sheet.rdf_type))
        for column in sheet.columns:
            if column.kind in ("id", "start", "end"):
                continue
            texts = self._render(sheet, column, s)
            kept = []
            for text in texts:
                expected = self._expected(sheet, column, s, text)
                if expected and all(t in self.g for t in expected):
                    kept.append(text)
                    consumed |= expected
            if column.multi:
                row[column.name] = f"{L.SEPARATOR} ".join(kept)
            else:
                row[column.name] = kept[0] if kept else ""
            if column.required and not row[column.name]:
                return None
        period = self._period(sheet, s)
        if period is not None:
            start, end, triples = period
            row["start"], row["end"] = start, end
            consumed |= triples
        if commit:
            self.rows[sheet.name][str(s)] = row
            self.consumed |= consumed
        return row

    def _period(self, sheet: L.Sheet, s: URIRef) -> tuple[str, str, set] | None:
        columns = [c for c in sheet.columns if c.kind == "start"]
        if not columns:
            return None
        predicate = columns[0].predicate
        intervals = list(self.g.objects(s, predicate))
        for interval in intervals:
            dates = {}
            for link, key in ((L.TIME.hasBeginning, "start"), (L.TIME.hasEnd, "end")):
                instants = list(self.g.objects(interval, link))
                if len(instants) == 1:
                    literals = [
                        o
                        for p, o in self.g.predicate_objects(instants[0])
                        if p in (L.TIME.inXSDgYear, L.TIME.inXSDgYearMonth, L.TIME.inXSDDate)
                    ]
                    if len(literals) == 1:
                        dates[key] = literals[0]
            if not dates:
                continue
            try:
                parsed = {k: L.parse_date(str(v)) for k, v in dates.items()}
            except L.CellError:
                continue
            if any(parsed[k] != dates[k] for k in dates):
                continue
            triples = L.period_triples(s, predicate, parsed.get("start"), parsed.get("end"))
            if all(t in self.g for t in triples):
                return str(parsed.get("start", "")), str(parsed.get("end", "")), triples
        return None

    def triples_rows(self) -> list[dict[str, str]]:
        leftover = [t for t in self.g if t not in self.consumed]
        labels: dict[BNode, str] = {}

        def node(term) -> tuple[str, str, str]:
            if isinstance(term, BNode):
                if term not in labels:
                    labels[term] = f"b{len(labels) + 1}"
                return f"_:{labels[term]}", "blank", ""
            if isinstance(term, URIRef):
                return _compact(str(term)), "iri", ""
            if term.language:
                return str(term), "", term.language
            if term.datatype in (None, XSD.string):
                return str(term), "", ""
            return str(term), _compact(str(term.datatype)), ""

        def order(t):
            return tuple((isinstance(x, BNode), "" if isinstance(x, BNode) else str(x)) for x in t)

        rows = []
        for s, p, o in sorted(leftover, key=order):
            obj, obj_type, lang = node(o)
            rows.append(
                {
                    "subject": node(s)[0] if isinstance(s, BNode) else str(s),
                    "property": _compact(str(p)),
                    "object": obj,
                    "object_type": obj_type,
                    "language": lang,
                }
            )
        return rows


def ill_typed(graph: Graph, *, show: int = 10) -> list[str]:
    """The ill-typed literals of ``graph`` (``"2020-13-45"^^xsd:date``), as warnings: the export writes them
    as they are, in the ``triples`` sheet, and the import reads them back the same."""
    found = sorted(f"<{s}> <{p}> {o.n3()}" for s, p, o in graph if isinstance(o, Literal) and o.ill_typed)
    lines = [f"ill-typed literal kept as written: {triple}" for triple in found[:show]]
    if len(found) > show:
        lines.append(f"{len(found) - show} more ill-typed literals kept as written")
    return lines


def _plain(value, column: L.Column) -> bool:
    """Whether a label, text or IRI cell can hold ``value`` as it is."""
    if column.kind == "iri":
        return isinstance(value, URIRef) and L.is_iri(str(value))
    if not isinstance(value, Literal):
        return False
    if column.kind == "label":
        return value.language == column.language
    return not value.language and value.datatype in (None, XSD.string)


def export_tables(
    graph: Graph, *, vocab: V.Vocabularies | None = None
) -> list[tuple[str, list[str], list[list[str]]]]:
    """The sheets of ``graph``: per sheet its name, header and rows (the description row first)."""
    exporter = _Exporter(L.strip_import_provenance(graph), vocab or V.Vocabularies.bundled())
    exporter.members()
    exporter.fill()
    tables = []
    for sheet in L.SHEETS:
        header = [c.name for c in sheet.columns]
        rows = [description_row(sheet)]
        if sheet.name == "triples":
            records = exporter.triples_rows()
        else:
            records = [exporter.rows[sheet.name][iri] for iri in sorted(exporter.rows[sheet.name])]
        rows += [[record.get(name, "") for name in header] for record in records]
        tables.append((sheet.name, header, rows))
    return tables


def description_row(sheet: L.Sheet) -> list[str]:
    """The documentation row under the header: one short description per column, the first with '#'."""
    cells = []
    for column in sheet.columns:
        need = "required" if column.required else "optional"
        cells.append(f"{column.doc} ({need}; {column.format})")
    cells[0] = "# " + cells[0]
    return cells


def write_sheets(tables, target: str | Path, *, format: str, warn: Warn | None = None) -> list[Path]:
    """Write tables as one ``.xlsx`` workbook (with an ``about`` sheet) or CSV files (folder or ``.zip``);
    ``warn`` hears what had to be written otherwise than it is (characters a format cannot hold)."""
    target = Path(target)
    if format == "xlsx":
        sheets = [
            ("about", ["sheet", "column", "required", "format", "description", "example"], about_rows(), [])
        ]
        sheets = [(n, h, r, [24, 22, 10, 60, 60, 30]) for n, h, r, _ in sheets]
        for name, header, rows in tables:
            widths = [
                max(12, min(40, max((len(r[i]) for r in rows[1:] if i < len(r)), default=0) + 2))
                for i in range(len(header))
            ]
            sheets.append((name, header, rows, widths))
        target.parent.mkdir(parents=True, exist_ok=True)
        write_xlsx(target, sheets, warn=warn)
        return [target]
    if format == "csv":
        return write_csv_tables(target, tables, warn=warn)
    raise ValueError(f"unknown spreadsheet format {format!r}; use one of {', '.join(SHEET_FORMATS)}")


def about_rows() -> list[list[str]]:
    rows = []
    for sheet in L.SHEETS:
        rows.append([sheet.name, "", "", "", sheet.doc, ""])
        for column in sheet.columns:
            rows.append(
                [
                    sheet.name,
                    column.name,
                    "yes" if column.required else "no",
                    column.format,
                    column.doc,
                    column.example,
                ]
            )
    return rows
