"""Literals as written: what the store changed in a typed literal when it loaded it, kept beside the graph.

Oxigraph stores the literals of the XML Schema datatypes it knows by their value (oxigraph#526): every
type derived from xsd:integer becomes xsd:integer (``"30"^^xsd:int``, ``"300"^^xsd:byte``) and lexical
forms become canonical (``"03"`` -> ``"3"``, ``"1"^^xsd:boolean`` -> ``"true"``, ``"1.0"^^xsd:decimal`` ->
``"1"``), while its parser keeps them as written. SHACL's ``sh:datatype``, the report's values and the
exports need them as written, so the loader records, for each graph, the triples whose literal the store
changed, as written (``record``); the stages above read them back (``read``) and put them in place.

Where: one EMPTY named graph per graph that has such literals, ``WRITTEN_PREFIX`` + the graph's IRI
(quoted) + ``/`` + the triples as written (N-Triples, zlib, base64url) in its name. An empty graph holds
no quad, so no query sees it and it costs queries nothing (the embedded store's session graphs are kept
the same way); ``Store.graphs()`` does not list it. It is created and dropped in the update that replaces
its graph, in the same transaction. A record applies only while its graph holds the triple the store made
of it, so a graph dropped without its record leaves a record that changes nothing.

The common path costs a byte scan (``may_change``): a file in which no literal can be one the store
changes is not parsed again.

>>> import pyoxigraph as ox
>>> t = ox.Triple(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"),
...               ox.Literal("03", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#int")))
>>> [str(w.object) for w in changed([t])]
['"03"^^<http://www.w3.org/2001/XMLSchema#int>']
"""

from __future__ import annotations

import base64
import re
import urllib.parse
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

__all__ = ["WRITTEN_PREFIX", "Written", "changed", "may_change", "names", "read", "record", "stored_form"]

# Under base.GRAPH_BASE (spelt out: base.py reads the records for Store.to_rdflib, and modules do not import
# each other; a test keeps the two in step).
WRITTEN_PREFIX = "https://w3id.org/msp/id/graph/written/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
# The types the store rewrites as xsd:integer whatever their lexical form.
_DERIVED = (
    "byte|short|int|long|unsignedByte|unsignedShort|unsignedInt|unsignedLong|"
    "nonNegativeInteger|nonPositiveInteger|positiveInteger|negativeInteger"
)
# The types whose lexical form the store may make canonical, and the forms it keeps as they are.
_VALUES = (
    "integer|decimal|double|float|boolean|dateTime|dateTimeStamp|date|time|gYearMonth|gYear|gMonthDay|gDay|"
    "gMonth|duration|yearMonthDuration|dayTimeDuration"
)
_NUMBER = r"(?:0|-?[1-9][0-9]*)(?:\.[0-9]*[1-9])?|-0\.[0-9]*[1-9]"
_CANONICAL = {
    "integer": re.compile(r"0|-?[1-9][0-9]*"),
    "decimal": re.compile(_NUMBER),
    "double": re.compile(_NUMBER + r"|-?INF|NaN"),
    "float": re.compile(_NUMBER + r"|-?INF|NaN"),
    "boolean": re.compile("true|false"),
}
# A date or time is kept unless it has a zone written +00:00 / -00:00 or fractional seconds ending in 0.
_TIME_CHANGED = re.compile(r"[+-]00:00$|\.[0-9]*0(?:$|[Z+-])|T24:|^24:")
# The end of a typed literal of those types, "^^<...XMLSchema#name> or "^^prefix:name (any prefix: a false
# alarm only costs a parse). Anchored on the rare "^^ so that the search runs at the speed of a byte search;
# the lexical form is then read backwards from it.
_TYPED = re.compile(
    rb'"\^\^(?:<http://www\.w3\.org/2001/XMLSchema#|[A-Za-z][\w.-]*:)(?:('
    + _VALUES.encode()
    + rb")|"
    + _DERIVED.encode()
    + rb")(?![\w-])"
)
_LONGEST = 80  # a lexical form longer than this is no number, date or boolean the store rewrites
# Turtle's bare numbers in a form the store rewrites: +1, 01, 1.50, .5, 1e3.
_BARE = re.compile(
    rb"[\s,;(\[](?:\+[0-9.]|0[0-9]|[0-9]*\.[0-9]*0(?![0-9])|[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]|\.[0-9])"
)
_CHUNK = 1 << 23
_PER_NAME = 2000  # triples recorded in one graph name
_OVERLAP = 256


def _kept(lexical: bytes, name: bytes) -> bool:
    """Whether the store keeps a literal of XSD type ``name`` (one of ``_VALUES``) as written."""
    text = lexical.decode("utf-8", "replace")
    kind = name.decode()
    pattern = _CANONICAL.get(kind)
    if pattern is not None:
        return pattern.fullmatch(text) is not None
    if "uration" in kind:
        return False  # durations: rare; let the parse decide
    return _TIME_CHANGED.search(text) is None


def _alarm(block: bytes, *, bare: bool, since: int = 0) -> bool:
    """Whether ``block`` may hold a literal the store rewrites; typed literals ending before ``since`` are
    not looked at (``may_change``: the tail of the block before, read already)."""
    for match in _TYPED.finditer(block):
        if match.end() <= since:
            continue
        end = match.start()
        if match.group(1) is None:
            return True  # a type derived from xsd:integer
        start = block.rfind(b'"', max(0, end - _LONGEST - 1), end)
        if start < 0 or not _kept(block[start + 1 : end], match.group(1)):
            return True
    return bare and _BARE.search(block) is not None


def may_change(source: Path | bytes, *, bare_numbers: bool = True) -> bool:
    """Whether ``source`` (a file or bytes) may hold a literal the store rewrites: a byte scan, read in
    blocks, with false alarms (then the parse decides) but no misses. ``bare_numbers``: Turtle-like syntax,
    where ``01`` or ``1.50`` is a typed literal too (never in N-Triples and N-Quads)."""
    if isinstance(source, bytes):
        return _alarm(source, bare=bare_numbers)
    tail = b""
    with open(source, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            # A literal typed in the tail of the block before was read with that block, with all the text
            # before it: its lexical form may begin before this tail (a false alarm that cost a second
            # parse of a 10^7-triple file).
            if _alarm(tail + block, bare=bare_numbers, since=len(tail)):
                return True
            tail = block[-_OVERLAP:]
    return False


def stored_form(literals: Iterable[ox.Literal]) -> list[ox.Literal]:
    """What the store makes of each literal (in order), read back from a scratch store."""
    given = list(literals)
    scratch = ox.Store()
    p = ox.NamedNode("urn:x-msp-graph:written")
    scratch.extend(ox.Quad(ox.NamedNode(f"urn:x-msp-graph:{i}"), p, o) for i, o in enumerate(given))
    back = {q.subject.value: q.object for q in scratch}
    return [back[f"urn:x-msp-graph:{i}"] for i in range(len(given))]


def changed(triples: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple]:
    """The triples (as written, in order, once each) whose typed XSD literal the store rewrites."""
    typed = {
        ox.Triple(t.subject, t.predicate, t.object): None
        for t in triples
        if isinstance(t.object, ox.Literal)
        and t.object.datatype.value.startswith(_XSD)
        and isinstance(t.subject, ox.NamedNode)  # a blank node's label is not the store's: no record
    }
    candidates = list(typed)
    stored = stored_form(t.object for t in candidates)
    return [t for t, s in zip(candidates, stored, strict=True) if s != t.object]


def _name(graph: str, triples: list[ox.Triple]) -> str:
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    payload = base64.urlsafe_b64encode(zlib.compress(text, 9)).decode("ascii").rstrip("=")
    return f"{WRITTEN_PREFIX}{urllib.parse.quote(graph, safe='')}/{payload}"


def record(graph: str, triples: list[ox.Triple], old: Iterable[str] = ()) -> list[str]:
    """The update operations that replace the records of ``graph`` (the names ``old``, from ``read``) by
    ``triples`` (from ``changed``; none: the records go)."""
    ops = [f"DROP SILENT GRAPH <{name}>" for name in old]
    # Bounded names (a few KB each): a file with 10^5 rewritten literals gives 50 names, not one of 0.7 MB.
    for start in range(0, len(triples), _PER_NAME):
        ops.append(f"CREATE SILENT GRAPH <{_name(graph, triples[start : start + _PER_NAME])}>")
    return ops


def _decode(name: str) -> list[ox.Triple]:
    payload = name[len(WRITTEN_PREFIX) :].partition("/")[2]
    text = zlib.decompress(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))


@dataclass
class Written:
    """The records of a store: for each graph, its triples as the store holds them -> as written."""

    names: dict[str, list[str]] = field(default_factory=dict)  # graph -> names of its record graphs
    graphs: dict[str, dict[ox.Triple, list[ox.Literal]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(self.graphs.values())

    def forms(self, subject, predicate, stored: ox.Literal, graphs: Iterable[str] | None = None) -> list:
        """The literals as written of the triple the store holds as ``subject predicate stored`` (in
        ``graphs``, default all): empty when it was stored as written."""
        key = ox.Triple(subject, predicate, stored)
        found: dict[ox.Literal, None] = {}
        for graph in self.graphs if graphs is None else graphs:
            found.update(dict.fromkeys(self.graphs.get(graph, {}).get(key, [])))
        return list(found)

    def by_value(self, stored: ox.Literal) -> list[ox.Literal]:
        """Every literal as written that the store holds as ``stored``, in any triple."""
        found: dict[ox.Literal, None] = {}
        for triples in self.graphs.values():
            for key, written in triples.items():
                if key.object == stored:
                    found.update(dict.fromkeys(written))
        return list(found)


def names(store) -> dict[str, list[str]]:
    """The names of the record graphs of ``store`` (anything with ``Store.query``), by their graph."""
    rows = store.query(f'SELECT ?g WHERE {{ GRAPH ?g {{}} FILTER (STRSTARTS(STR(?g), "{WRITTEN_PREFIX}")) }}')
    out: dict[str, list[str]] = {}
    for row in rows:
        name = row["g"].value
        graph = urllib.parse.unquote(name[len(WRITTEN_PREFIX) :].partition("/")[0])
        out.setdefault(graph, []).append(name)
    return out


def read(store) -> Written:
    """The records of ``store`` (anything with ``Store.query``), those whose triple its graph still holds."""
    out = Written(names=names(store))
    pending: list[tuple[str, ox.Triple]] = []
    for graph, named in out.names.items():
        pending += [(graph, t) for name in named for t in _decode(name)]
    stored = stored_form(t.object for _, t in pending)
    for (graph, t), s in zip(pending, stored, strict=True):
        out.graphs.setdefault(graph, {}).setdefault(ox.Triple(t.subject, t.predicate, s), []).append(t.object)
    _drop_stale(store, out)
    return out


def _drop_stale(store, written: Written) -> None:
    """Forget the records whose triple their graph no longer holds (a graph dropped without them)."""
    for graph, triples in written.graphs.items():
        if not triples:
            continue
        values = " ".join(f"({k.subject} {k.predicate} {k.object})" for k in triples)
        query = f"SELECT ?s ?p ?o WHERE {{ VALUES (?s ?p ?o) {{ {values} }} GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        held = {ox.Triple(r["s"], r["p"], r["o"]) for r in store.query(query)}
        written.graphs[graph] = {k: v for k, v in triples.items() if k in held}
