"""The graph -> the spreadsheet layout (XLSX or CSV), losslessly.

Each record of a known kind becomes a row; a cell is kept only when reading it back gives exactly the
triples it stands for, and whatever no cell holds goes to the ``triples`` sheet. So importing an export
gives back the same graph (blank nodes aside, which keep their shape: the graphs are isomorphic).
"""

from __future__ import annotations

import functools
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from ..errors import SpreadsheetError
from . import layout as L
from . import vocab as V
from .tables import DropDown, SheetOut, Warn, column_letter, write_csv_tables, write_xlsx

__all__ = ["LANGUAGES", "SHEET_FORMATS", "choice_lists", "export_tables", "ill_typed", "write_sheets"]

SHEET_FORMATS = ("xlsx", "csv")
#: The languages of the drop-down lists (the import reads labels in all of them whichever is shown).
LANGUAGES = ("en", "fr", "es")
#: The hidden sheet holding the drop-down lists, and the name of the list of output types in it.
LISTS = "lists"
OUTPUT_TYPES = "output-type"


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
                text = L.instant_text(self.g, instants[0]) if len(instants) == 1 else None
                if text is not None:
                    dates[key] = text  # as typed: 2019, 2010/2012 or c. 2011
            if not dates:
                continue
            try:
                parsed = {k: L.parse_date(v) for k, v in dates.items()}
            except L.CellError:
                continue
            # The cell stands for the period only when it gives back exactly its statements (datatypes too).
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
    """The sheets of ``graph``: per sheet its name, header and rows (one per record, nothing else)."""
    exporter = _Exporter(L.strip_import_provenance(graph), vocab or V.Vocabularies.bundled())
    exporter.members()
    exporter.fill()
    tables = []
    for sheet in L.SHEETS:
        header = [c.name for c in sheet.columns]
        if sheet.name == "triples":
            records = exporter.triples_rows()
        else:
            records = [exporter.rows[sheet.name][iri] for iri in sorted(exporter.rows[sheet.name])]
        tables.append((sheet.name, header, [[record.get(name, "") for name in header] for record in records]))
    return tables


def column_note(sheet: L.Sheet, column: L.Column) -> str:
    """What a column is for, as the note on its header cell: description, mark (``column_mark``), format."""
    return f"{column.doc} ({L.column_mark(sheet, column)}; {column.format})"


def write_sheets(
    tables, target: str | Path, *, format: str, warn: Warn | None = None, lang: str = "en"
) -> list[Path]:
    """Write tables as one ``.xlsx`` workbook or CSV files (folder or ``.zip``); ``warn`` hears what had to be
    written otherwise than it is (characters a format cannot hold).

    CSV files hold the header and the records only. The workbook adds the help: a note on each header cell,
    the ``about`` sheet, and drop-down lists on the coded columns whose values (labels in ``lang``: ``en``,
    ``fr`` or ``es``) stand in the hidden ``lists`` sheet."""
    target = Path(target)
    if lang not in LANGUAGES:
        raise SpreadsheetError(f"unknown language {lang!r} for the lists; use one of {', '.join(LANGUAGES)}")
    if format == "csv":
        return write_csv_tables(target, tables, warn=warn)
    if format != "xlsx":
        raise ValueError(f"unknown spreadsheet format {format!r}; use one of {', '.join(SHEET_FORMATS)}")
    about = ["sheet", "column", "need", "format", "description", "example"]
    sheets = [SheetOut("about", about, about_rows(), [24, 22, 12, 60, 60, 30])]
    lists, where = _lists_sheet()
    for name, header, rows in tables:
        widths = [
            max(12, min(40, max((len(r[i]) for r in rows if i < len(r)), default=0) + 2))
            for i in range(len(header))
        ]
        sheet = L.sheet_named(name)
        columns = [sheet.column(h) for h in header] if sheet is not None else []
        notes = [column_note(sheet, c) for c in columns]
        drop_downs = [
            DropDown(i, where[key], c.multi, _prompt(c))
            for i, c in enumerate(columns)
            if (key := (_list_name(c), lang)) in where
        ]
        sheets.append(SheetOut(name, header, rows, widths, notes, drop_downs))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_xlsx(target, [*sheets, lists], warn=warn)
    return [target]


def _list_name(column: L.Column) -> str | None:
    """The list a column's drop-down offers: its concept scheme, or the output types (no drop-down when
    ``choice_lists`` has no such list)."""
    if column.kind in ("concept", "coverage"):
        return column.scheme
    return OUTPUT_TYPES if column.kind == "class" else None


def _prompt(column: L.Column) -> str:
    if column.multi:
        return f"{column.doc} Pick one; for several, type them separated by '{L.SEPARATOR} '."
    return f"{column.doc} Pick one from the list."


def _lists_sheet() -> tuple[SheetOut, dict[tuple[str, str], str]]:
    """The hidden ``lists`` sheet (one column per list and language) and where each list stands in it."""
    lists = choice_lists()
    header, columns, where = [], [], {}
    for name in sorted(lists):
        for lang in LANGUAGES:
            letter = column_letter(len(header))
            labels = lists[name][lang]
            where[(name, lang)] = f"{LISTS}!${letter}$2:${letter}${len(labels) + 1}"
            header.append(f"{name} ({lang})")
            columns.append(labels)
    rows = [[c[i] if i < len(c) else "" for c in columns] for i in range(max(map(len, columns)))]
    return SheetOut(LISTS, header, rows, [24] * len(header), hidden=True), where


@functools.cache
def choice_lists() -> dict[str, dict[str, list[str]]]:
    """Per concept scheme (and ``output-type``) and language, the labels a drop-down offers: each concept's
    ``skos:prefLabel`` (an output type's ``rdfs:label``) in that language, else its code, sorted."""
    graph = V.bundled_graph()
    vocab = V.Vocabularies.bundled()
    concepts = {name: (SKOS.prefLabel, scheme.codes) for name, scheme in vocab.schemes.items()}
    concepts[OUTPUT_TYPES] = (RDFS.label, vocab.output_classes)
    lists: dict[str, dict[str, list[str]]] = {}
    for name, (predicate, codes) in concepts.items():
        for lang in LANGUAGES:
            labels = {
                next((str(x) for x in graph.objects(URIRef(iri), predicate) if x.language == lang), code)
                for iri, code in codes.items()
            }
            lists.setdefault(name, {})[lang] = sorted(labels, key=lambda t: (V.normalise(t), t))
    return lists


def about_rows() -> list[list[str]]:
    rows = []
    for sheet in L.SHEETS:
        rows.append([sheet.name, "", "", "", sheet.doc, ""])
        for column in sheet.columns:
            rows.append(
                [
                    sheet.name,
                    column.name,
                    L.column_mark(sheet, column),
                    column.format,
                    column.doc,
                    column.example,
                ]
            )
    return rows
