"""Spreadsheet rows -> RDF in the ontology, one named graph per imported file, all or nothing.

Every record gets a stable IRI (its ``id`` cell, or a slug of its acronym or name under
``https://w3id.org/msp/id/<kind>/``) and ``prov:wasDerivedFrom`` a row node (``csvw:Row`` with
``csvw:rownum``, the row number the spreadsheet shows, part of a ``csvw:Table`` named after the sheet), so
every fact and every validation result leads back to file, sheet and row. The description of the graph
itself (file, import time) goes to the metadata graph, as ``msp_graph.loading`` does for RDF files.

Rows are read as a stream (``msp_graph.sheets.tables``) into compact records; their triples go to
N-Triples files (``msp_graph.sheets.graphs``), never into one graph in memory; the store is written only
when every row has been read without an error. An id names one record across all the files of one import:
the same id in two files is accepted only when both rows say the same thing.
"""

from __future__ import annotations

import dataclasses
import difflib
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..errors import SpreadsheetError
from ..loading import slug_for
from ..stores import ONTOLOGY_GRAPH, Store, source_graph
from ..stores.terms import rdflib_term
from . import layout as L
from . import vocab as V
from .graphs import GraphFiles, replace_graphs
from .layout import CSVW, PREFIXES
from .tables import Bounds, Problem, Problems, RawTable, read_inputs

__all__ = ["CSVW", "PREFIXES", "ImportResult", "Location", "SheetImportError", "import_sheets"]

#: Column kinds whose values repeat from row to row (codes of a vocabulary): held once.
_CODES = {"concept", "country", "coverage", "sdg", "class"}
#: Known names a "did you mean" hint is looked for among (difflib is quadratic in the worst case).
_SUGGEST_FROM = 20_000


class SheetImportError(SpreadsheetError):
    """An import that found errors and changed nothing. ``problems`` lists the first ``MAX_LISTED`` errors
    and warnings, located; ``error_count`` and ``warning_count`` count them all."""

    def __init__(self, problems: Problems | list[Problem]):
        if not isinstance(problems, Problems):
            collected = Problems(keep=len(problems))
            for problem in problems:
                collected.add(problem)
            problems = collected
        first = next(p for p in problems if p.severity == "error")
        others = problems.errors - 1
        more = f" (and {others} more error{'s' if others > 1 else ''})" if others else ""
        super().__init__(f"{first}{more}; nothing was imported")
        self.problems = list(problems)
        self.error_count = problems.errors
        self.warning_count = problems.warnings


@dataclass(frozen=True)
class Location:
    file: str
    sheet: str
    row: int

    def __str__(self) -> str:
        return f"{self.file}, sheet {self.sheet}, row {self.row}"


@dataclass
class ImportResult:
    """What an import read and wrote (or would write, with ``dry_run``).

    ``graphs``: the IRIs of the graphs written (one per file); ``records``: where each record (by IRI)
    came from; ``counts``: records per sheet; ``warnings``: the first ``MAX_LISTED`` warnings, of
    ``warning_count``.
    """

    graphs: list[str]
    records: Mapping[str, list[Location]]
    counts: dict[str, int]
    warnings: list[Problem]
    written: bool = False
    report: object | None = None  # msp_graph.validation.ValidationReport, when shapes ran
    partnerships: list[str] = field(default_factory=list)
    warning_count: int = 0


class _Source:
    """What the records of one table share: the sheet of the layout, the table, its graph, and where each
    column stands (``index``: in the sheet, for messages; ``slots``: in the records' values)."""

    __slots__ = ("graph", "index", "sheet", "slots", "table")

    def __init__(self, sheet: L.Sheet, table: RawTable, graph: str, index: dict[str, int]):
        self.sheet = sheet
        self.table = table
        self.graph = graph
        self.index = index
        self.slots = {name: n for n, name in enumerate(index)}


class _Record:
    """One row of a known sheet: its cells by column name (``record.cells`` is the record itself, read with
    ``get``, ``[]`` and ``in``) and its IRI, a string, once assigned. Small: a million of them are held."""

    __slots__ = ("iri", "minted", "row", "source", "values")

    def __init__(self, source: _Source, row: int, values: tuple[str, ...]):
        self.source = source
        self.row = row
        self.values = values
        self.iri: str | None = None
        self.minted = False

    sheet = property(lambda self: self.source.sheet)
    table = property(lambda self: self.source.table)
    graph = property(lambda self: self.source.graph)
    index = property(lambda self: self.source.index)
    cells = property(lambda self: self)

    def get(self, name: str, default: str | None = None) -> str | None:
        slot = self.source.slots.get(name)
        return default if slot is None else self.values[slot]

    def __getitem__(self, name: str) -> str:
        return self.values[self.source.slots[name]]

    def __contains__(self, name: str) -> bool:
        return name in self.source.slots

    @property
    def location(self) -> Location:
        return Location(self.table.display, self.table.sheet, self.row)


class _Located(Mapping):
    """Where each record came from, by IRI (a view on the importer's index, built on demand)."""

    def __init__(self, by_iri: dict[str, dict[str, _Record]], twins: dict[str, list[_Record]]):
        self._by_iri = {name: records for name, records in by_iri.items() if name != "triples"}
        self._twins = twins

    def __getitem__(self, iri: str) -> list[Location]:
        if iri in self._twins:
            return [r.location for r in self._twins[iri]]
        found = [records[iri].location for records in self._by_iri.values() if iri in records]
        if not found:
            raise KeyError(iri)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(iri for records in self._by_iri.values() for iri in records))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Importer:
    def __init__(self, store: Store | None, vocab: V.Vocabularies):
        self.store = store
        self.vocab = vocab
        self.problems = Problems()
        self.sources: dict[str, RawTable] = {}
        self.records: list[_Record] = []
        self.by_iri: dict[str, dict[str, _Record]] = {s.name: {} for s in L.SHEETS}
        self.by_name: dict[str, dict[str, str | set[str]]] = {s.name: {} for s in L.SHEETS}
        self.twins: dict[str, list[_Record]] = {}
        self._store_cache: dict[str, tuple[set[str], dict[str, set[str]], dict[str, list]]] = {}
        self._unassigned: Counter[tuple] = Counter()
        self._known: dict[tuple[str, ...], tuple[dict[str, str], dict[str, str]]] = {}
        self._organisation_slugs: dict[str, str | set[str]] | None = None
        self._codes: dict[str, str] = {}

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
        self.problems.add(
            Problem("warning" if warning else "error", table.display, message, table.sheet, row, column)
        )

    # -- store lookups (records of a kind outside the graphs being replaced) --
    def _store_index(self, sheet: L.Sheet) -> tuple[set[str], dict[str, set[str]], dict[str, list]]:
        """The records of ``sheet``'s class in the store: their IRIs, the IRIs by ``V.name_key`` of each
        name and acronym (and of each part of a "Name (ACRONYM)"), and each IRI's names as
        ``(rank, text)``: 0 the English ``rdfs:label``, 1 another label, 2 an acronym (``skos:altLabel``)."""
        if sheet.name in self._store_cache:
            return self._store_cache[sheet.name]
        iris: set[str] = set()
        names: dict[str, set[str]] = {}
        labels: dict[str, list] = {}
        if self.store is not None and sheet.rdf_type is not None:
            excluded = " ".join(f"<{g}>" for g in sorted(self.sources)) or "<urn:x-none>"
            rows = self.store.query(
                "SELECT ?s ?p ?l WHERE { GRAPH ?g { ?s a <" + str(sheet.rdf_type) + "> } "
                f"FILTER(?g NOT IN ({excluded.replace(' ', ', ')})) "
                f"OPTIONAL {{ VALUES ?p {{ <{RDFS.label}> <{SKOS.altLabel}> }} ?s ?p ?l }} }}"
            )
            for row in rows:
                iri = row["s"].value
                iris.add(iri)
                if row["l"] is not None:
                    for key in _name_keys(row["l"].value):
                        names.setdefault(key, set()).add(iri)
                    rank = 2 if row["p"].value == str(SKOS.altLabel) else int(row["l"].language != "en")
                    labels.setdefault(iri, []).append((rank, row["l"].value))
        self._store_cache[sheet.name] = (iris, names, labels)
        return self._store_cache[sheet.name]

    # -- reading --
    def read(self, tables: Iterator[RawTable]) -> None:
        """Read every table (each one's rows as they stream in) into records."""
        for table in tables:
            self.sources.setdefault(self.graph_for(table), table)
            sheet = L.sheet_named(table.sheet)
            if sheet is None:
                table.close()
                if table.is_xlsx:
                    if L.slugify(table.sheet) not in ("about", "lists"):  # the template's help and lists
                        known = ", ".join(s.name for s in L.SHEETS)
                        self.note(table, f"unknown sheet ignored; sheets read: {known}", warning=True)
                    continue
                known = ", ".join(f"{s.name}.csv" for s in L.SHEETS)
                self.problems.add(
                    Problem("error", table.display, f"cannot tell which sheet this file is; name it {known}")
                )
                continue
            self._read_table(table, sheet)

    def _read_table(self, table: RawTable, sheet: L.Sheet) -> None:
        rows = iter(table.rows)
        if not any(h.strip() for h in table.header):
            first = next(rows, None)
            if first is None:
                if not table.is_xlsx:
                    self.error(
                        table, "the file has no header row; start from the template (msp-graph template)"
                    )
                return
            rows = _chain(first, rows)
        index = self._column_index(table, sheet)
        if index is None:
            table.close()
            return
        self._records(table, sheet, index, rows)

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

    def _records(self, table: RawTable, sheet: L.Sheet, index: dict[str, int], rows) -> None:
        """The records of the rows under the header: empty and ``#`` comment rows skipped, duplicates out."""
        source = _Source(sheet, table, self.graph_for(table), index)
        positions = list(index.values())
        spaced = index.get("object") if sheet.name == "triples" else None  # where spaces count
        shared = {index[c.name] for c in sheet.columns if c.kind in _CODES and c.name in index}
        read = set(positions)
        seen: dict[tuple[str, ...], int] = {}
        pending_empty: list[int] = []
        for number, values in rows:
            cells_in_use = [v for v in values if v.strip()]
            if not cells_in_use:
                pending_empty.append(number)
                continue
            if cells_in_use[0].lstrip().startswith("#"):
                continue
            for empty in pending_empty:  # empty rows at the end of a sheet are no mistake
                self.note(table, "empty row skipped", empty, warning=True)
            pending_empty = []
            self._warn_unheaded(table, number, values, read)
            cells = tuple(self._cell(values, i, i == spaced, i in shared) for i in positions)
            if cells in seen:
                self.note(table, f"duplicate row: repeats row {seen[cells]}; delete one", number)
                continue
            seen[cells] = number
            self.records.append(_Record(source, number, cells))

    def _cell(self, values: list[str], index: int, spaced: bool, shared: bool) -> str:
        """One cell of a row, trimmed (but for the triples sheet's ``object``, where spaces count); a code
        (a group, a country...) is one string for all the rows that hold it."""
        value = values[index] if index < len(values) else ""
        if not spaced:
            value = value.strip()
        return self._codes.setdefault(value, value) if shared and len(value) <= 64 else value

    def _warn_unheaded(self, table: RawTable, number: int, values: list[str], read: set[int]) -> None:
        """Warn of the values of row ``number`` that stand in a column with no header (they are not read)."""
        for i, value in enumerate(values):
            if value.strip() and i not in read and (i >= len(table.header) or not table.header[i].strip()):
                message = f"value {value[:200]!r} in a column with no header ignored"
                self.note(table, message, number, table.column_name(i), warning=True)

    @staticmethod
    def graph_for(table: RawTable) -> str:
        path = table.file
        if path.suffix.lower() == ".csv" and path.parent.name:
            return source_graph(f"sheet-{slug_for(path.parent)}-{slug_for(path)}")
        return source_graph(f"sheet-{slug_for(path)}")

    # -- identifiers --
    def assign_ids(self) -> None:
        """Give every record its IRI: first the records others refer to, then the ones that refer."""
        stages = (
            ("partnerships", "organisations", "outputs", "concepts"),
            ("memberships", "country-engagements", "statements"),
        )
        for record in self.records:
            if record.sheet.name in ("memberships", "country-engagements"):
                self._unassigned[_mint_key(record)] += 1
        for stage in stages:
            for record in self.records:
                if record.sheet.name in stage:
                    self._assign(record, stage)
        self._extend_vocabularies()

    def _extend_vocabularies(self) -> None:
        """Let the rows use the concepts of the store's data (outside the graphs being replaced) and of the
        concepts sheets (their scheme, code and labels), besides the bundled ones."""
        graph = Graph()
        if self.store is not None:
            excluded = ", ".join(f"<{g}>" for g in [*sorted(self.sources), ONTOLOGY_GRAPH])
            rows = self.store.query(
                f"SELECT ?c ?p ?o WHERE {{ GRAPH ?g {{ ?c a <{SKOS.Concept}> ; ?p ?o }} "
                f"FILTER(?g NOT IN ({excluded})) VALUES ?p {{ <{RDF.type}> <{SKOS.inScheme}> "
                f"<{SKOS.notation}> <{SKOS.prefLabel}> <{SKOS.altLabel}> }} }}"
            )
            for row in rows:
                graph.add((rdflib_term(row["c"]), rdflib_term(row["p"]), rdflib_term(row["o"])))
        for record in self.records:
            if record.sheet.name != "concepts" or record.iri is None:
                continue
            graph.add((URIRef(record.iri), RDF.type, SKOS.Concept))
            for column in record.sheet.columns:
                if column.predicate in (SKOS.inScheme, SKOS.notation, SKOS.prefLabel):
                    value = self._parse_single(record, column, report=False)  # reported when written
                    if value is not None:
                        graph.add((URIRef(record.iri), column.predicate, value))
        if len(graph):
            self.vocab = self.vocab.extended(graph)

    def _assign(self, record: _Record, stage: tuple[str, ...]) -> None:
        iri = self._id_of(record)
        if iri is None:
            return
        key = str(iri)
        first = next((self.by_iri[name][key] for name in stage if key in self.by_iri[name]), None)
        if first is not None:
            group = self.twins.get(key, [first])
            same = next((r for r in group if r.graph == record.graph), None)
            if same is not None:
                how = "made from the name" if record.minted else "given"
                self.error(
                    record,
                    f"duplicate id {L.record_text(key, record.sheet.kind)!r} ({how}; also row {same.row}); "
                    "give each row its own id",
                    "id",
                )
                return
            self.twins[key] = [*group, record]  # the same id in another file: compared once read
        else:
            self.by_iri[record.sheet.name][key] = record
            for column in ("name", "acronyms"):
                if column in record.cells:
                    for value in _split(record.cells[column]):
                        for name in _name_keys(value):
                            _index(self.by_name[record.sheet.name], name, key)
        record.iri = key
        if record.sheet.name in ("memberships", "country-engagements"):
            mint = _mint_key(record)
            self._unassigned[mint] -= 1
            if not self._unassigned[mint]:
                del self._unassigned[mint]

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
        """Whether the minted id ``base`` is given already, or another row of the same file and sheet that
        names the same records has no id yet (the record itself has none yet either)."""
        return (
            f"{L.ID}{sheet.kind}/{base}" in self.by_iri[sheet.name] or self._unassigned[_mint_key(record)] > 1
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
        found, where = self._named(text, targets)
        if len(found) == 1:
            return URIRef(next(iter(found)))
        if found:
            raise L.CellError(
                f"{text!r} names several {where}: "
                + ", ".join(L.record_text(i, kind) for i in sorted(found))
                + "; write its id instead"
            )
        close = self._suggest(text, tuple(targets), kind)
        hint = f"; add it to the {column.ref} sheet first"
        if close:
            hint = f"; did you mean {' or '.join(close)}?"
        what = "record" if column.ref == "any" else L.sheet_named(column.ref).kind
        raise L.CellError(f"no {what} {text!r} in the file or the store{hint}")

    def _named(self, text: str, targets: list[str]) -> tuple[set[str], str]:
        """The records a name or acronym names (by ``V.name_key``), from the file first, then the store,
        and the sheet they were found in. "Name (ACRONYM)" not known whole: the records either part names,
        those both parts name when there are such."""
        key = V.name_key(text)
        for target in targets:
            for names in (self.by_name[target], self._store_index(L.sheet_named(target))[1]):
                found = _found(names, key)
                if found:
                    return found, target
        parts = V.name_parts(text)
        if parts is None:
            return set(), targets[0]
        (name, where), (acronym, other) = (self._named(part, targets) for part in parts)
        if name and acronym:
            return (name & acronym or name | acronym), where
        return (name or acronym), (where if name else other)

    def _suggest(self, text: str, targets: tuple[str, ...], kind: str) -> list[str]:
        """The records whose names, acronyms or ids are closest to ``text`` (by ``V.name_key``; each part of
        "Name (ACRONYM)" too), shown as name and id: only while problems are still listed, among at most
        ``_SUGGEST_FROM`` names (a hint for every one of a million rows would take hours)."""
        if self.problems.errors >= self.problems.keep:
            return []
        if targets not in self._known:
            self._known[targets] = self._known_names(targets, kind)
        keys, shown = self._known[targets]
        close: dict[str, None] = {}
        for query in [text, *(V.name_parts(text) or ())]:
            for found in difflib.get_close_matches(V.name_key(query), list(keys), n=3, cutoff=0.6):
                close.setdefault(keys[found])
        return [shown[iri] for iri in list(close)[:3]]

    def _known_names(self, targets: tuple[str, ...], kind: str) -> tuple[dict[str, str], dict[str, str]]:
        """For suggestions: every name key -> its record, and each record as a hint shows it
        (``'ilo' (International Labour Organization, ILO)``); nothing past ``_SUGGEST_FROM`` names."""
        keys: dict[str, str] = {}
        shown: dict[str, str] = {}
        for target in targets:
            named: dict[str, list] = {}
            for iri, record in self.by_iri[target].items():
                names = [(0, n) for n in _split(record.cells.get("name", ""))]
                named[iri] = names + [(2, a) for a in _split(record.cells.get("acronyms", ""))]
            for iri, labels in self._store_index(L.sheet_named(target))[2].items():
                named.setdefault(iri, labels)
            for iri in sorted(named):
                ident = L.record_text(iri, kind)
                for _, name in [*named[iri], (2, ident.rsplit("/", 1)[-1])]:
                    keys.setdefault(V.name_key(name), iri)
                shown.setdefault(iri, _shown(sorted(named[iri]), ident))
                if len(keys) > _SUGGEST_FROM:
                    return {}, {}
        return keys, shown

    # -- cells -> terms --
    def parse_value(self, record: _Record, column: L.Column, text: str):
        if column.kind == "concept" and column.scheme is None:  # a concept of the row's scheme (broader)
            scheme = self._parse_single(record, record.sheet.column("scheme"), report=False)
            if scheme is None:
                raise L.CellError("give the row's scheme first")
            column = dataclasses.replace(column, scheme=self.vocab.code(str(scheme)))
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
    def write(self, out: GraphFiles) -> None:
        """Write the triples and the provenance of every record (IRIs already assigned) to ``out``;
        problems are collected. Then compare the rows that share an id across files."""
        for graph, table in self.sources.items():
            out.start(graph, table)
        blanks: dict[str, dict[str, BNode]] = {}
        twins: dict[str, list[tuple[_Record, set]]] = {}
        for record in self.records:
            triples = self._triples_of(record, blanks.setdefault(record.graph, {}))
            if triples and record.iri in self.twins and record.sheet.name != "triples":
                twins.setdefault(record.iri, []).append((record, triples))
            try:
                out.triples(record.graph, triples or ())
                out.row(record.graph, record.table, record.row, record.iri)
            except ValueError as error:  # an IRI that passed the cell checks but is no IRI to RDF
                self.error(record, f"cannot be written as RDF ({error}); check the IRIs of this row")
        self._compare_twins(twins)

    def _triples_of(self, record: _Record, blanks: dict[str, BNode]) -> set | None:
        """The triples of one record; None when it has none (its problems are collected)."""
        if record.sheet.name == "triples":
            triple = self.triple_row(record, blanks)
            if triple is None:
                return None
            if isinstance(triple[0], URIRef):
                record.iri = str(triple[0])
            return {triple}
        if record.iri is None:
            self._report_unnamed(record)
            return None
        triples = self.row_triples(record)
        self._check_collision(record)
        self._check_namesake(record)
        return triples

    def _compare_twins(self, twins: dict[str, list[tuple[_Record, set]]]) -> None:
        """The same id in several files: accepted when the rows make the same triples, else an error on each
        later row naming the first."""
        for iri, found in twins.items():
            first, triples = found[0]
            for record, other in found[1:]:
                if other != triples:
                    given = L.record_text(iri, record.sheet.kind)
                    self.error(
                        record,
                        f"the id {given!r} is also given in {first.location}, which says something "
                        "else; ids must be unique across the files of one import: give this row another id, "
                        "or make the two rows the same",
                        "id",
                    )

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
        existing = {V.normalise(text): text for _, text in sorted(labels.get(record.iri, ()))}
        if not existing:
            return
        mine = {V.normalise(v) for n in ("name", "acronyms") for v in _split(record.cells.get(n, ""))}
        if not existing.keys() & mine:
            self.error(
                record,
                f"the id made from the name, {L.record_text(record.iri, record.sheet.kind)!r}, already "
                f"names another {record.sheet.kind} in the store ({next(iter(existing.values()))!r}); "
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
        _, names, _ = self._store_index(sheet)
        found = _found(self._slugs(), record.iri.rsplit("/", 1)[-1])
        for value in _split(record.cells.get("name", "")) + _split(record.cells.get("acronyms", "")):
            key = V.name_key(value)
            found |= _found(names, key) | _found(self.by_name["organisations"], key)
        if found:
            others = ", ".join(f"<{i}>" for i in sorted(found))
            self.error(
                record,
                f"this partnership has the id or name of the organisation {others}; if they are one body, "
                "describe it once (as a partnership, with the organisation's id), else rename it",
                "name",
                warning=True,
            )

    def _slugs(self) -> dict[str, str | set[str]]:
        """The organisations of the files and the store by the last segment of their IRI (built once)."""
        if self._organisation_slugs is None:
            iris, _, _ = self._store_index(L.sheet_named("organisations"))
            self._organisation_slugs = {}
            for iri in iris | set(self.by_iri["organisations"]):
                _index(self._organisation_slugs, iri.rsplit("/", 1)[-1], iri)
        return self._organisation_slugs

    def row_triples(self, record: _Record) -> set[tuple]:
        """The triples of one record row (its IRI already assigned); problems are collected."""
        s = URIRef(record.iri)
        sheet = record.sheet
        triples: set[tuple] = set()
        if sheet.rdf_type is not None:
            triples.add((s, RDF.type, sheet.rdf_type))
        period: dict[str, Literal | L.ApproximateDate] = {}
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
        if "start" in period and "end" in period and _bound(period["end"], True) < _bound(period["start"]):
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
        try:
            o = self._object(record, blanks)
        except L.CellError as error:
            self.error(record, str(error), "object")
            return None
        return (s, p, o)

    def _object(self, record: _Record, blanks: dict[str, BNode]):
        """The object of a triples-sheet row. An ill-typed value ("2020-13-45" as xsd:date) is kept as
        written, with a warning: the data may hold one (the export writes it), and the shapes report it."""
        cells = record.cells
        kind = cells.get("object_type", "").strip()
        language = cells.get("language", "").strip()
        text = cells["object"]
        if kind == "iri":
            return _node(text.strip(), blanks, allow_blank=False)
        if kind == "blank":
            return _node(text.strip() if text.strip().startswith("_:") else "_:" + text.strip(), blanks)
        if language:
            if kind:
                raise L.CellError("a value has either a language or an object_type, not both")
            try:
                return Literal(text, lang=language)
            except ValueError:
                raise L.CellError(f"bad language tag {language!r}; write e.g. en, fr or pt-BR") from None
        if not kind:
            return Literal(text)
        literal = Literal(text, datatype=_node(kind, blanks, allow_blank=False))
        if literal.ill_typed:
            self.error(record, f"{text!r} is not a valid {kind}; kept as written", "object", warning=True)
        return literal


def _index(index: dict[str, str | set[str]], key: str, iri: str) -> None:
    """Add ``iri`` under ``key``: a string while it is the only one (a set costs 200 bytes more)."""
    held = index.get(key)
    if held is None:
        index[key] = iri
    elif isinstance(held, set):
        held.add(iri)
    elif held != iri:
        index[key] = {held, iri}


def _bound(date, end: bool = False) -> str:
    """A period bound as the as-of view reads it, comparable as text: an exact date itself, the earliest
    of an approximate start and the latest of an approximate end (``period_triples``' value)."""
    if not isinstance(date, L.ApproximateDate):
        return str(date)
    return str(date.latest if end else date.earliest)


def _name_keys(text: str) -> list[str]:
    """The keys a name or acronym is indexed by: its ``V.name_key``, and those of the name and the acronym
    of "Name (ACRONYM)"."""
    return [V.name_key(text), *(V.name_key(part) for part in V.name_parts(text) or ())]


def _shown(names: list[tuple[int, str]], ident: str) -> str:
    """A record in a hint: its id, then its name and first acronym: ``'ilo' (International Labour
    Organization, ILO)``."""
    name = next((text for rank, text in names if rank < 2), None)
    acronym = next((text for rank, text in names if rank == 2), None)
    shown = ", ".join(t for t in (name, acronym) if t)
    return f"{ident!r} ({shown})" if shown else repr(ident)


def _found(index: Mapping[str, str | set[str]], key: str) -> set[str]:
    held = index.get(key)
    return set() if held is None else {held} if isinstance(held, str) else set(held)


def _chain(first, rest):
    yield first
    yield from rest


def _mint_key(record: _Record) -> tuple:
    """What a membership or engagement id is made from, in one file and sheet."""
    return (record.graph, record.sheet.name, *(record.cells.get(n) for n in record.sheet.mint_from))


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
        if prefix in PREFIXES and L.is_iri(PREFIXES[prefix] + local):
            return URIRef(PREFIXES[prefix] + local)
        if prefix not in PREFIXES and " " not in text:
            raise L.CellError(
                f"unknown prefix '{prefix}:' in {text!r}; write a full IRI or use one of "
                + ", ".join(f"{p}:" for p in PREFIXES)
            )
    raise L.CellError(
        f"{text!r} is not an IRI; write a full IRI (https://...) or a prefixed name (msp:level)"
    )


def import_sheets(
    paths: list[str | Path],
    *,
    store: Store | None = None,
    dry_run: bool = False,
    validate: bool = True,
    vocab: V.Vocabularies | None = None,
    progress: Callable[..., None] | None = None,
) -> ImportResult:
    """Import spreadsheets (``.xlsx``, ``.csv``, folders or ``.zip`` of CSV) into ``store``.

    Raises ``SheetImportError`` (a ``SpreadsheetError``) listing the errors, located; the store is then
    unchanged. Warnings come back in the result. With ``dry_run`` nothing is written. With ``validate``
    the shapes run over the store as it would be after the import (on a copy) and the report comes back.
    Inputs are bounded by ``msp_graph.limits`` (``max_rows``, ``max_sheet_bytes``; a bad setting is a
    ``SettingError``) and read as a stream.

    >>> result = import_sheets(["msp-template.xlsx"], store=EmbeddedStore())   # doctest: +SKIP
    """
    bounds = Bounds.current()
    importer = _Importer(store, vocab or V.Vocabularies.bundled())
    with L.quiet_libraries():
        with read_inputs(paths, importer.problems, bounds) as tables:
            importer.read(tables)
        if importer.problems.over_limit:  # refused: checking the rows read so far would only take time
            raise SheetImportError(importer.problems)
        importer.assign_ids()
        keep = validate or (not dry_run and store is not None)
        with tempfile.TemporaryDirectory(prefix="msp-graph-import-") as scratch:
            out = GraphFiles(Path(scratch) if keep else None)
            try:
                importer.write(out)
            finally:
                out.close()
            if importer.problems.errors:
                raise SheetImportError(importer.problems)
            result = _result(importer)
            paths_written = {g: p for g, p in out.paths.items() if p is not None}
            if validate:
                if progress is not None:
                    progress("validating with the shapes")
                result.report = _validate_after(store, paths_written, importer.sources)
            if not dry_run and store is not None:
                if progress is not None:
                    progress(f"writing {len(paths_written)} graph{'s' if len(paths_written) != 1 else ''}")
                replace_graphs(store, paths_written, importer.sources, progress=progress)
                result.written = True
    return result


def _result(importer: _Importer) -> ImportResult:
    """What the import read: the graphs, where each record came from, counts per sheet, the warnings."""
    problems = importer.problems
    result = ImportResult(
        graphs=list(importer.sources),
        records=_Located(importer.by_iri, importer.twins),
        counts={},
        warnings=[p for p in problems if p.severity == "warning"],
        warning_count=problems.warnings,
    )
    partnerships: dict[str, None] = {}
    for record in importer.records:
        result.counts[record.sheet.name] = result.counts.get(record.sheet.name, 0) + 1
        if record.sheet.name == "partnerships" and record.iri is not None:
            partnerships[record.iri] = None
        record.values = ()  # read: only where the record came from is kept
    result.partnerships = list(partnerships)
    importer.records = []
    importer.by_name.clear()
    return result


def _validate_after(store: Store | None, paths: dict[str, Path], sources: dict[str, RawTable]):
    """Validate the store as it would be after the import, on an in-memory copy; the store is untouched."""
    from ..loading import load_ontology
    from ..stores import ONTOLOGY_GRAPH, EmbeddedStore
    from ..validation import check, in_memory_copy

    copy = in_memory_copy(store) if store is not None and store.graphs() else EmbeddedStore()
    if ONTOLOGY_GRAPH not in copy.graphs():
        load_ontology(copy)
    replace_graphs(copy, paths, sources)
    return check(copy, lines=False)  # the import's report points at sheets and rows
