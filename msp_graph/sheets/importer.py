"""Spreadsheet rows -> RDF in the ontology, one named graph per imported file, all or nothing.

Every record gets a stable IRI (its ``id`` cell, or a slug of its acronym or name under
``https://w3id.org/msp/id/<kind>/``) and ``prov:wasDerivedFrom`` a row node (``csvw:Row`` with
``csvw:rownum``, the row number the spreadsheet shows, part of a ``csvw:Table`` named after the sheet), so
every fact and every validation result leads back to file, sheet and row. The description of the graph
itself (file, import time) goes to the metadata graph, as ``msp_graph.loading`` does for RDF files.
"""

from __future__ import annotations

import difflib
import hashlib
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ..errors import SpreadsheetError
from ..loading import describe_source, slug_for, source_name
from ..stores import GRAPH_BASE, Store, source_graph
from . import layout as L
from . import vocab as V
from .layout import CSVW, PREFIXES
from .tables import Problem, RawTable, read_inputs

__all__ = ["CSVW", "PREFIXES", "ImportResult", "Location", "SheetImportError", "import_sheets"]


class SheetImportError(SpreadsheetError):
    """An import that found errors and changed nothing; ``problems`` lists every one, located."""

    def __init__(self, problems: list[Problem]):
        errors = [p for p in problems if p.severity == "error"]
        more = (
            f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        )
        super().__init__(f"{errors[0]}{more}; nothing was imported")
        self.problems = problems


@dataclass(frozen=True)
class Location:
    file: str
    sheet: str
    row: int

    def __str__(self) -> str:
        return f"{self.file}, sheet {self.sheet}, row {self.row}"


@dataclass
class ImportResult:
    """What an import read and wrote (or would write, with ``dry_run``)."""

    graphs: dict[str, Graph]
    records: dict[str, list[Location]]
    counts: dict[str, int]
    warnings: list[Problem]
    written: bool = False
    report: object | None = None  # msp_graph.validation.ValidationReport, when shapes ran
    partnerships: list[str] = field(default_factory=list)


@dataclass
class _Record:
    sheet: L.Sheet
    table: RawTable
    row: int
    cells: dict[str, str]
    index: dict[str, int]
    graph: str
    iri: URIRef | None = None
    minted: bool = False

    @property
    def location(self) -> Location:
        return Location(self.table.display, self.table.sheet, self.row)


class _Importer:
    def __init__(self, store: Store | None, vocab: V.Vocabularies, replacing: set[str]):
        self.store = store
        self.vocab = vocab
        self.replacing = replacing
        self.problems: list[Problem] = []
        self.by_iri: dict[str, dict[str, _Record]] = {s.name: {} for s in L.SHEETS}
        self.by_name: dict[str, dict[str, set[str]]] = {s.name: {} for s in L.SHEETS}
        self._store_cache: dict[str, tuple[set[str], dict[str, set[str]], dict[str, set[str]]]] = {}
        self._all: list[_Record] = []

    # -- problems --
    def error(self, record_or_table, message: str, column: str | None = None, *, warning: bool = False):
        """A problem of a record's row, or of a table's header row; ``column`` a name of the layout."""
        table = record_or_table.table if isinstance(record_or_table, _Record) else record_or_table
        row = record_or_table.row if isinstance(record_or_table, _Record) else table.header_row
        where = None
        if column is not None:
            index = record_or_table.index.get(column) if isinstance(record_or_table, _Record) else None
            where = table.column_name(index) if index is not None else column
        self.note(table, message, row, where, warning=warning)

    def note(
        self,
        table: RawTable,
        message: str,
        row: int | None = None,
        column: str | None = None,
        *,
        warning: bool = False,
    ) -> None:
        """A problem at ``row`` and ``column`` (as the spreadsheet names them) of ``table``."""
        self.problems.append(
            Problem("warning" if warning else "error", table.display, message, table.sheet, row, column)
        )

    # -- store lookups (records of a kind outside the graphs being replaced) --
    def _store_index(self, sheet: L.Sheet) -> tuple[set[str], dict[str, set[str]], dict[str, set[str]]]:
        if sheet.name in self._store_cache:
            return self._store_cache[sheet.name]
        iris: set[str] = set()
        names: dict[str, set[str]] = {}
        labels: dict[str, set[str]] = {}
        if self.store is not None and sheet.rdf_type is not None:
            excluded = " ".join(f"<{g}>" for g in sorted(self.replacing)) or "<urn:x-none>"
            rows = self.store.query(
                "SELECT ?s ?l WHERE { GRAPH ?g { ?s a <" + str(sheet.rdf_type) + "> } "
                f"FILTER(?g NOT IN ({excluded.replace(' ', ', ')})) "
                f"OPTIONAL {{ ?s <{RDFS.label}>|<{SKOS.altLabel}> ?l }} }}"
            )
            for row in rows:
                iri = row["s"].value
                iris.add(iri)
                if row["l"] is not None:
                    names.setdefault(V.normalise(row["l"].value), set()).add(iri)
                    labels.setdefault(iri, set()).add(V.normalise(row["l"].value))
        self._store_cache[sheet.name] = (iris, names, labels)
        return self._store_cache[sheet.name]

    # -- reading --
    def read(self, tables: list[RawTable]) -> list[_Record]:
        records: list[_Record] = []
        for table in tables:
            sheet = L.sheet_named(table.sheet)
            if sheet is None:
                if table.is_xlsx:
                    if L.slugify(table.sheet) != "about":
                        known = ", ".join(s.name for s in L.SHEETS)
                        self.note(table, f"unknown sheet ignored; sheets read: {known}", warning=True)
                    continue
                known = ", ".join(f"{s.name}.csv" for s in L.SHEETS)
                self.problems.append(
                    Problem("error", table.display, f"cannot tell which sheet this file is; name it {known}")
                )
                continue
            records += self._read_table(table, sheet)
        self._all = records
        return records

    def _read_table(self, table: RawTable, sheet: L.Sheet) -> list[_Record]:
        if not any(h.strip() for h in table.header) and not table.rows:
            if not table.is_xlsx:
                self.error(table, "the file has no header row; start from the template (msp-graph template)")
            return []
        index = self._column_index(table, sheet)
        return [] if index is None else self._records(table, sheet, index)

    def _column_index(self, table: RawTable, sheet: L.Sheet) -> dict[str, int] | None:
        """Where each column of ``sheet`` stands in the header row; None when a required one is missing."""
        index: dict[str, int] = {}
        known = {c.name: c for c in sheet.columns}
        aliases = {n.rstrip("s"): n for n in known}
        for i, header in enumerate(table.header):
            key = L.slugify(header).replace("-", "_")
            if not key:
                continue
            name = key if key in known else aliases.get(key.rstrip("s"))
            if name is None:
                message = f"unknown column {header!r} ignored; columns of this sheet: {', '.join(known)}"
                self.error(table, message, table.column_name(i), warning=True)
            elif name in index:
                other = table.column_name(index[name])
                self.error(
                    table,
                    f"column {name!r} appears twice (also column {other}); keep one",
                    table.column_name(i),
                )
            else:
                index[name] = i
        missing = [c for c in sheet.required if c not in index]
        for name in missing:
            self.error(table, f"missing required column {name!r}; add it to the header row", name)
        return None if missing else index

    def _records(self, table: RawTable, sheet: L.Sheet, index: dict[str, int]) -> list[_Record]:
        """The records of the rows under the header: empty and ``#`` comment rows skipped, duplicates out."""
        graph = self.graph_for(table)
        records: list[_Record] = []
        seen: dict[tuple[str, ...], int] = {}
        pending_empty: list[int] = []
        for number, values in table.rows:
            cells_in_use = [v for v in values if v.strip()]
            if not cells_in_use:
                pending_empty.append(number)
                continue
            if cells_in_use[0].lstrip().startswith("#"):
                continue
            for empty in pending_empty:  # empty rows at the end of a sheet are no mistake
                self.note(table, "empty row skipped", empty, warning=True)
            pending_empty = []
            self._warn_unheaded(table, number, values, index)
            cells = _cells(sheet, values, index)
            key = tuple(cells[c.name] for c in sheet.columns if c.name in cells)
            if key in seen:
                self.note(table, f"duplicate row: repeats row {seen[key]}; delete one", number)
                continue
            seen[key] = number
            records.append(_Record(sheet, table, number, cells, index, graph))
        return records

    def _warn_unheaded(self, table: RawTable, number: int, values: list[str], index: dict[str, int]) -> None:
        """Warn of the values of row ``number`` that stand in a column with no header (they are not read)."""
        read = set(index.values())
        for i, value in enumerate(values):
            if value.strip() and i not in read and (i >= len(table.header) or not table.header[i].strip()):
                message = f"value {value!r} in a column with no header ignored"
                self.note(table, message, number, table.column_name(i), warning=True)

    @staticmethod
    def graph_for(table: RawTable) -> str:
        path = table.file
        if path.suffix.lower() == ".csv" and path.parent.name:
            return source_graph(f"sheet-{slug_for(path.parent)}-{slug_for(path)}")
        return source_graph(f"sheet-{slug_for(path)}")

    # -- identifiers --
    def assign_ids(self, records: list[_Record]) -> None:
        stages = (
            ("partnerships", "organisations", "outputs"),
            ("memberships", "country-engagements", "statements"),
        )
        for stage in stages:
            firsts: dict[tuple[str, str], _Record] = {}
            for record in records:
                if record.sheet.name not in stage:
                    continue
                iri = self._id_of(record)
                if iri is None:
                    continue
                key = (record.graph, str(iri))
                if key in firsts:
                    other = firsts[key]
                    how = "made from the name" if record.minted else "given"
                    self.error(
                        record,
                        f"duplicate id {L.record_text(str(iri), record.sheet.kind)!r} ({how}; "
                        f"also row {other.row}); give each row its own id",
                        "id",
                    )
                    continue
                firsts[key] = record
                record.iri = iri
                self.by_iri[record.sheet.name][str(iri)] = record
                for column in ("name", "acronyms"):
                    if column in record.cells:
                        for value in _split(record.cells[column]):
                            self.by_name[record.sheet.name].setdefault(V.normalise(value), set()).add(
                                str(iri)
                            )

    def _id_of(self, record: _Record) -> URIRef | None:
        text = record.cells.get("id", "")
        if text:
            try:
                return L.record_iri(text, record.sheet.kind)
            except L.CellError as error:
                self.error(record, str(error), "id")
                return None
        record.minted = True
        sheet = record.sheet
        if sheet.name in ("memberships", "country-engagements"):
            parts = []
            for name in sheet.mint_from:
                column = sheet.column(name)
                value = self._parse_single(record, column, report=False)
                if value is None:
                    return None
                parts.append(
                    L.record_slug(str(value))
                    if column.kind == "ref"
                    else str(value).rsplit("/", 1)[-1].lower()
                )
            base = "--".join(parts)
            for extra in ("roles", "start"):
                if extra in record.cells and record.cells[extra] and self._taken(sheet, record, base):
                    base += "--" + L.slugify(record.cells[extra])
            return URIRef(f"{L.ID}{sheet.kind}/{base}")
        for name in sheet.mint_from:
            values = _split(record.cells.get(name, ""))
            if values and L.slugify(values[0]):
                return URIRef(f"{L.ID}{sheet.kind}/{L.slugify(values[0])}")
        return None  # the required name is missing: reported when the row is read

    def _taken(self, sheet: L.Sheet, record: _Record, base: str) -> bool:
        return f"{L.ID}{sheet.kind}/{base}" in self.by_iri[sheet.name] or any(
            r is not record
            and r.graph == record.graph
            and r.sheet is sheet
            and r.iri is None
            and all(r.cells.get(n) == record.cells.get(n) for n in sheet.mint_from)
            for r in self._all
        )

    # -- references --
    def resolve(self, record: _Record, column: L.Column, text: str) -> URIRef:
        targets = L.owner_sheets(column.ref)
        kind = L.ref_kind(record.sheet, column)
        try:
            candidate = str(L.record_iri(text, kind))
        except L.CellError:
            candidate = None
        for target in targets:
            sheet = L.sheet_named(target)
            if candidate and candidate in self.by_iri[target]:
                return URIRef(candidate)
            if candidate and candidate in self._store_index(sheet)[0]:
                return URIRef(candidate)
        key = V.normalise(text)
        for target in targets:
            sheet = L.sheet_named(target)
            for names in (self.by_name[target], self._store_index(sheet)[1]):
                found = names.get(key, set())
                if len(found) == 1:
                    return URIRef(next(iter(found)))
                if len(found) > 1:
                    raise L.CellError(
                        f"{text!r} names several {sheet.name}: "
                        + ", ".join(L.record_text(i, kind) for i in sorted(found))
                        + "; write its id instead"
                    )
        known = set()
        for target in targets:
            sheet = L.sheet_named(target)
            known |= {L.record_text(i, kind) for i in self.by_iri[target]} | set(self.by_name[target])
            known |= {L.record_text(i, kind) for i in self._store_index(sheet)[0]}
        close = difflib.get_close_matches(text, sorted(known), n=3, cutoff=0.6)
        close += [k for k in difflib.get_close_matches(key, sorted(known), n=3, cutoff=0.6) if k not in close]
        hint = (
            f"; did you mean {' or '.join(repr(c) for c in close[:3])}?"
            if close
            else f"; add it to the {column.ref} sheet first"
        )
        what = "record" if column.ref == "any" else L.sheet_named(column.ref).kind
        raise L.CellError(f"no {what} {text!r} in the file or the store{hint}")

    # -- cells -> terms --
    def parse_value(self, record: _Record, column: L.Column, text: str):
        return L.parse_cell(column, text, self.vocab, lambda ref: self.resolve(record, column, ref))

    def _parse_single(self, record: _Record, column: L.Column, *, report: bool = True):
        text = record.cells.get(column.name, "")
        if not text:
            return None
        try:
            return self.parse_value(record, column, text)
        except L.CellError as error:
            if report:
                self.error(record, str(error), column.name)
            return None

    # -- records -> triples --
    def triples(self, records: list[_Record]) -> dict[str, set]:
        """The triples of every record (IRIs already assigned), by graph; problems are collected."""
        data: dict[str, set] = {}
        blanks: dict[str, dict[str, BNode]] = {}
        for record in records:
            target = data.setdefault(record.graph, set())
            if record.sheet.name == "triples":
                triple = self.triple_row(record, blanks.setdefault(record.graph, {}))
                if triple is not None:
                    target.add(triple)
                    if isinstance(triple[0], URIRef):
                        record.iri = triple[0]
            elif record.iri is None:
                self._report_unnamed(record)
            else:
                target |= self.row_triples(record)
                self._check_collision(record)
                self._check_namesake(record)
        return data

    def _report_unnamed(self, record: _Record) -> None:
        """Say why a record without an id cell got no IRI (errors in an id cell are reported already)."""
        sheet = record.sheet
        if record.cells.get("id"):
            return
        if sheet.name in ("memberships", "country-engagements"):
            for name in sheet.mint_from:
                column = sheet.column(name)
                if not record.cells.get(name):
                    self.error(record, f"{name!r} is required; {column.format}", name)
                else:
                    self._parse_single(record, column)
        elif any(not record.cells.get(n) for n in sheet.mint_from):
            last = sheet.mint_from[-1]
            self.error(record, f"{last!r} is required; {sheet.column(last).format}", last)

    def _check_collision(self, record: _Record) -> None:
        """A name-made id must not take over another record already in the store under a different name."""
        if not record.minted or record.sheet.name not in ("partnerships", "organisations", "outputs"):
            return
        _, _, labels = self._store_index(record.sheet)
        existing = labels.get(str(record.iri))
        if not existing:
            return
        mine = {V.normalise(v) for n in ("name", "acronyms") for v in _split(record.cells.get(n, ""))}
        if not existing & mine:
            self.error(
                record,
                f"the id made from the name, {L.record_text(str(record.iri), record.sheet.kind)!r}, already "
                f"names another {record.sheet.kind} in the store ({sorted(existing)[0]!r}); "
                "give this row an explicit id",
                "id",
            )

    def _check_namesake(self, record: _Record) -> None:
        """A partnership with the id or the name of an organisation (a platform that is itself a member of
        another alliance) would be a second node for one body: say which organisation, so the user can
        use its id or rename."""
        if record.sheet.name != "partnerships":
            return
        sheet = L.sheet_named("organisations")
        iris, names, _ = self._store_index(sheet)
        slug = str(record.iri).rsplit("/", 1)[-1]
        found = {i for i in iris | set(self.by_iri["organisations"]) if i.rsplit("/", 1)[-1] == slug}
        for value in _split(record.cells.get("name", "")) + _split(record.cells.get("acronyms", "")):
            key = V.normalise(value)
            found |= names.get(key, set()) | self.by_name["organisations"].get(key, set())
        if found:
            others = ", ".join(f"<{i}>" for i in sorted(found))
            self.error(
                record,
                f"this partnership has the id or name of the organisation {others}; if they are one body, "
                "describe it once (as a partnership, with the organisation's id), else rename it",
                "name",
                warning=True,
            )

    def row_triples(self, record: _Record) -> set[tuple]:
        """The triples of one record row (its IRI already assigned); problems are collected."""
        s = record.iri
        sheet = record.sheet
        triples: set[tuple] = set()
        if sheet.rdf_type is not None:
            triples.add((s, RDF.type, sheet.rdf_type))
        period: dict[str, Literal] = {}
        period_predicate = None
        for column in sheet.columns:
            if column.kind == "id":
                continue
            text = record.cells.get(column.name, "")
            if not text:
                if column.required:
                    self.error(record, f"{column.name!r} is required; {column.format}", column.name)
                continue
            values = _split(text) if column.multi else [text]
            for value in values:
                try:
                    term = self.parse_value(record, column, value)
                except L.CellError as error:
                    self.error(record, str(error), column.name)
                    continue
                if column.kind in ("start", "end"):
                    period[column.kind] = term
                    period_predicate = column.predicate
                else:
                    if column.predicate is not None:
                        triples.add((s, column.predicate, term))
                    if column.reverse is not None:
                        triples.add((term, column.reverse, s))
        if "start" in period and "end" in period and _date_key(period["end"]) < _date_key(period["start"]):
            self.error(record, f"ends ({period['end']}) before it starts ({period['start']})", "end")
        if period:
            triples |= L.period_triples(s, period_predicate, period.get("start"), period.get("end"))
        return triples

    def triple_row(self, record: _Record, blanks: dict[str, BNode]) -> tuple | None:
        cells = record.cells
        terms = []
        for column in ("subject", "property"):
            try:
                term = _node(cells[column], blanks, allow_blank=column == "subject")
            except L.CellError as error:
                self.error(record, str(error), column)
                return None
            terms.append(term)
        s, p = terms
        kind = cells.get("object_type", "").strip()
        language = cells.get("language", "").strip()
        text = cells["object"]
        try:
            if kind == "iri":
                o = _node(text.strip(), blanks, allow_blank=False)
            elif kind == "blank":
                o = _node(
                    text.strip() if text.strip().startswith("_:") else "_:" + text.strip(),
                    blanks,
                )
            elif language:
                if kind:
                    raise L.CellError("a value has either a language or an object_type, not both")
                o = Literal(text, lang=language)
            elif kind:
                datatype = _node(kind, blanks, allow_blank=False)
                o = Literal(text, datatype=datatype)
                if datatype in _CHECKED and o.ill_typed:
                    raise L.CellError(f"{text!r} is not a valid {kind}")
            else:
                o = Literal(text)
        except L.CellError as error:
            self.error(record, str(error), "object")
            return None
        return (s, p, o)


_CHECKED = {XSD.date, XSD.gYear, XSD.gYearMonth, XSD.integer, XSD.decimal, XSD.boolean, XSD.dateTime}


def _date_key(literal: Literal) -> str:
    return str(literal)


def _cells(sheet: L.Sheet, values: list[str], index: dict[str, int]) -> dict[str, str]:
    """A row's cells by column name, trimmed (but for the triples sheet's ``object``, where spaces count)."""
    cells = {}
    for name, i in index.items():
        value = values[i] if i < len(values) else ""
        cells[name] = value if sheet.name == "triples" and name == "object" else value.strip()
    return cells


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(L.SEPARATOR) if part.strip()]


def _node(text: str, blanks: dict[str, BNode], *, allow_blank: bool = True):
    text = text.strip()
    if text.startswith("_:") and allow_blank:
        label = text[2:]
        if not label:
            raise L.CellError("'_:' needs a name, e.g. _:b1")
        return blanks.setdefault(label, BNode())
    if L.is_iri(text):
        return URIRef(text)
    if ":" in text:
        prefix, local = text.split(":", 1)
        if prefix in PREFIXES and " " not in local:
            return URIRef(PREFIXES[prefix] + local)
        if prefix not in PREFIXES and " " not in text:
            raise L.CellError(
                f"unknown prefix '{prefix}:' in {text!r}; write a full IRI or use one of "
                + ", ".join(f"{p}:" for p in PREFIXES)
            )
    raise L.CellError(
        f"{text!r} is not an IRI; write a full IRI (https://...) or a prefixed name (msp:level)"
    )


def _provenance(graph_iri: str, display: str, path: Path, tables: dict[str, list[_Record]], g: Graph):
    file_node = URIRef(graph_iri + "#file")
    g.add((file_node, RDF.type, CSVW.TableGroup))
    # The file's name as the metadata gives it (relative, never an absolute path): a relative URL.
    name = source_name(path)
    g.add((file_node, CSVW.url, Literal(urllib.parse.quote(name), datatype=XSD.anyURI)))
    g.add((file_node, DCTERMS.title, Literal(Path(display).name)))
    for sheet_name, records in tables.items():
        table_node = URIRef(f"{graph_iri}#sheet-{L.slugify(sheet_name) or 'sheet'}")
        g.add((table_node, RDF.type, CSVW.Table))
        g.add((table_node, DCTERMS.isPartOf, file_node))
        g.add((table_node, DCTERMS.title, Literal(sheet_name)))
        for record in records:
            row = URIRef(f"{table_node}-row-{record.row}")
            g.add((row, RDF.type, CSVW.Row))
            g.add((row, CSVW.rownum, Literal(record.row)))
            g.add((row, DCTERMS.isPartOf, table_node))
            g.add((row, RDFS.label, Literal(str(Location(name, record.table.sheet, record.row)))))
            if record.iri is not None:
                g.add((row, CSVW.describes, record.iri))
                g.add((record.iri, PROV.wasDerivedFrom, row))


def import_sheets(
    paths: list[str | Path],
    *,
    store: Store | None = None,
    dry_run: bool = False,
    validate: bool = True,
    vocab: V.Vocabularies | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import spreadsheets (``.xlsx``, ``.csv``, folders or ``.zip`` of CSV) into ``store``.

    Raises ``SheetImportError`` (a ``SpreadsheetError``) listing every located error; the store is then
    unchanged. Warnings come back in the result. With ``dry_run`` nothing is written. With ``validate``
    the shapes run over the store as it would be after the import (on a copy) and the report comes back.

    >>> result = import_sheets(["msp-template.xlsx"], store=EmbeddedStore())   # doctest: +SKIP
    """
    tables, problems = read_inputs([Path(p) for p in paths])
    sources = {_Importer.graph_for(t): t for t in tables}
    importer = _Importer(store, vocab or V.Vocabularies.bundled(), set(sources))
    importer.problems += problems
    records = importer.read(tables)
    importer.assign_ids(records)
    data = importer.triples(records)
    if any(p.severity == "error" for p in importer.problems):
        raise SheetImportError(importer.problems)
    graphs = _graphs(sources, records, data)
    result = _result(graphs, records, importer.problems)
    if validate:
        if progress is not None:
            progress("validating with the shapes")
        result.report = _validate_after(store, graphs, sources)
    if not dry_run and store is not None:
        _write(store, graphs, sources)
        result.written = True
    return result


def _graphs(sources: dict[str, RawTable], records: list[_Record], data: dict[str, set]) -> dict[str, Graph]:
    """One graph per imported file: the triples of its records and the provenance of its rows."""
    by_graph: dict[str, dict[str, list[_Record]]] = {}
    for record in records:
        by_graph.setdefault(record.graph, {}).setdefault(record.table.sheet, []).append(record)
    graphs: dict[str, Graph] = {}
    for iri, table in sources.items():
        g = Graph()
        for triple in data.get(iri, ()):
            g.add(triple)
        display = table.display if table.file.suffix.lower() != ".zip" else str(table.file)
        _provenance(iri, display, table.file, by_graph.get(iri, {}), g)
        graphs[iri] = g
    return graphs


def _result(graphs: dict[str, Graph], records: list[_Record], problems: list[Problem]) -> ImportResult:
    """What the import read: the graphs, where each record came from, counts per sheet, the warnings."""
    result = ImportResult(
        graphs=graphs,
        records={},
        counts={},
        warnings=[p for p in problems if p.severity == "warning"],
    )
    for record in records:
        result.counts[record.sheet.name] = result.counts.get(record.sheet.name, 0) + 1
        if record.iri is not None and record.sheet.name != "triples":
            result.records.setdefault(str(record.iri), []).append(record.location)
            if record.sheet.name == "partnerships" and str(record.iri) not in result.partnerships:
                result.partnerships.append(str(record.iri))
    return result


def _describe(graph: str, table: RawTable) -> str:
    """The metadata of an imported graph, as for any loaded file: relative name, content hash, load time."""
    digest = hashlib.sha256(table.file.read_bytes()).hexdigest()
    return describe_source(graph, name=source_name(table.file), sha256=digest)


def _write(store: Store, graphs: dict[str, Graph], sources: dict[str, RawTable]) -> None:
    """Replace every imported graph in one update: load each into a staging graph, then MOVE them all."""
    staged: dict[str, str] = {}
    try:
        for iri, g in graphs.items():
            staging = f"{GRAPH_BASE}staging/{uuid.uuid4().hex}"
            store.load(g.serialize(format="nt", encoding="utf-8"), graph=staging, format="nt")
            staged[iri] = staging
        operations = [f"MOVE SILENT <{staging}> TO <{iri}>" for iri, staging in staged.items()]
        operations += [_describe(iri, sources[iri]) for iri in staged]
        store.update(" ;\n".join(operations))
    except BaseException:
        for staging in staged.values():
            store.drop(staging)
        raise


def _validate_after(store: Store | None, graphs: dict[str, Graph], sources: dict[str, RawTable]):
    """Validate the store as it would be after the import, on an in-memory copy; the store is untouched."""
    from ..loading import load_ontology
    from ..stores import ONTOLOGY_GRAPH, EmbeddedStore
    from ..validation import check

    copy = EmbeddedStore()
    if store is not None and store.graphs():
        copy.load(store.dump(format="nq"), graph=f"{GRAPH_BASE}staging/unused", format="nq")
    if ONTOLOGY_GRAPH not in copy.graphs():
        load_ontology(copy)
    _write(copy, graphs, sources)
    return check(copy)
