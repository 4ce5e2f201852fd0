"""The report of a validation of a store on disk, kept in parts so that the next one (``incremental.py``)
describes again only what a change can alter.

A report reads, for each result, the labels, types and links of a few nodes (``describe.dependencies``:
its focus node and value and what they link to) and where its focus node comes from (``origin.origins``);
and every partnership with its name. The state keeps each result as described, with those nodes, the
origins looked up and the partnerships. After a change:

* a result is described again when it is new, or when a changed triple of a predicate (or type) the report
  reads has one of its nodes as subject or object (``describe.touched``); the others are the kept ones;
* a focus node's origin is looked up again when a changed quad of a source graph has it as subject; all
  of them when the metadata graph or a spreadsheet's row records changed, or when lines are asked for (a
  file may change on disk while the store does not);
* the partnerships are read again when a changed triple types or names one.

The rest of the report (order, verdicts, counts, shape names) is made from the results as a full run
makes it (``describe.assemble``): the same report, which ``tests/test_incremental.py`` checks after
hundreds of random edits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import rdflib

from ..loading import METADATA_GRAPH
from ..stores import Store, source_graph
from .describe import (
    assemble,
    context_graph,
    dependencies,
    describe_result,
    labels_of,
    partnerships_of,
    partnerships_touched,
    touched,
)
from .origin import Origin, origins
from .report import ValidationReport, ValidationResult
from .sparql.report_graph import RawResult, report_graph, result_nodes

__all__ = ["Change", "describe_results", "result_key"]

_DESCRIBED = tuple(
    f.name for f in dataclasses.fields(ValidationResult) if f.name not in Origin().result_fields()
)
_SOURCES = f"<{source_graph('')}"
#: What an origin reads besides the focus node's own triples: a spreadsheet row record and its table.
_RECORDS = frozenset(
    {
        "<http://www.w3.org/ns/csvw#rownum>",
        "<http://purl.org/dc/terms/isPartOf>",
        "<http://purl.org/dc/terms/title>",
    }
)


@dataclass
class Change:
    """What changed since the kept report: its parts (the state's ``report``), the triples changed
    (asserted, or inferred then; N-Triples terms) and the quads the change log lists."""

    kept: dict
    triples: set[tuple[str, str, str]]
    quads: list[list[str]]


def result_key(check: str, encoded: list) -> str:
    """A raw result's name: its check's name and its text (``incremental._encode``)."""
    text = json.dumps([check, encoded], ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def describe_results(
    store: Store,
    shapes: rdflib.Graph,
    composition,
    results: list[tuple[str, RawResult | Callable[[], RawResult]]],
    change: Change | None,
    *,
    lines: bool,
    graph: bool,
) -> tuple[ValidationReport, dict]:
    """The report of the raw ``results`` (each with its ``result_key``; a raw result, or what makes it when
    it is needed), as ``validation.validate`` builds it, describing again only what ``change`` can alter
    (None: everything); and its parts to keep.
    ``graph``: the report carries its SHACL report graph (always, when everything is described)."""
    reuse = _Reuse(change) if change is not None else None
    taken = [reuse.take(key) if reuse is not None else None for key, _ in results]
    fresh = [i for i, found in enumerate(taken) if found is None]
    every = reuse is None or partnerships_touched(change.triples, change.kept["partnerships"])
    described, data, fresh_graph = _describe(store, shapes, [_made(results[i][1]) for i in fresh], every)
    for i, found in zip(fresh, described, strict=True):
        taken[i] = found
    partnerships = partnerships_of(data, labels_of(data)) if every else change.kept["partnerships"]
    found = _origins(store, {fields["focus_node"] for fields, _ in taken}, reuse, lines)
    shacl = fresh_graph  # everything described: the fresh report graph is the report's
    if reuse is not None:
        shacl = report_graph([_made(r) for _, r in results], shapes) if graph else None
    report = assemble(
        not results,
        [
            ValidationResult(**fields, **(o.result_fields() if (o := found[fields["focus_node"]]) else {}))
            for fields, _ in taken
        ],
        partnerships,
        shapes,
        composition,
        graph=shacl,
    )
    parts = {
        "partnerships": partnerships,
        "results": [[key, fields, deps] for (key, _), (fields, deps) in zip(results, taken, strict=True)],
        "origins": {f: None if o is None else [o.source, o.sheet, o.row] for f, o in sorted(found.items())},
    }
    return report, parts


def _made(raw: RawResult | Callable[[], RawResult]) -> RawResult:
    return raw() if callable(raw) else raw


def _describe(store: Store, shapes: rdflib.Graph, raws: list[RawResult], partnerships: bool):
    """The described fields and the nodes read of each of ``raws``, the context graph read for them and
    their report graph."""
    graph, nodes = result_nodes(raws, shapes)
    if not raws and not partnerships:
        return [], rdflib.Graph(), graph
    data = context_graph(store, graph, partnerships=partnerships)
    labels = labels_of(data)
    described = []
    for node in nodes:
        result = describe_result(graph, node, labels, shapes)
        described.append(({k: getattr(result, k) for k in _DESCRIBED}, dependencies(graph, node, data)))
    return described, data, graph


class _Reuse:
    """The kept results a change leaves as they were, by key (a key twice: two results alike)."""

    def __init__(self, change: Change):
        self.change = change
        nodes = touched(change.triples)
        self.pool: dict[str, list] = defaultdict(list)
        for key, fields, deps in change.kept["results"]:
            if deps is not None and nodes.isdisjoint(deps):
                self.pool[key].append((fields, deps))
        for entries in self.pool.values():
            entries.reverse()  # taken from the end: in the kept order

    def take(self, key: str) -> tuple[dict, list] | None:
        entries = self.pool.get(key)
        return entries.pop() if entries else None

    def origins(self) -> tuple[dict[str, Origin | None], set[str]] | None:
        """The kept origins and the focus nodes whose origin the change may alter; None: all of them."""
        subjects = set()
        for s, p, _, g in self.change.quads:
            if g == f"<{METADATA_GRAPH}>" or p in _RECORDS:
                return None
            if g.startswith(_SOURCES):
                subjects.add(s[1:-1])
        kept = {f: None if o is None else Origin(*o) for f, o in self.change.kept["origins"].items()}
        return kept, subjects


def _origins(store: Store, focus: set[str], kept: _Reuse | None, lines: bool) -> dict[str, Origin | None]:
    """The origin of each focus node (None: it has none); kept ones where the change cannot alter them."""
    known = kept.origins() if kept is not None and not lines else None
    if known is None:
        found = origins(store, focus, lines=lines)
        return {f: found.get(f) for f in focus}
    origin_of, altered = known
    again = {f for f in focus if f in altered or f not in origin_of}
    found = origins(store, again, lines=False)
    return {f: found.get(f) if f in again else origin_of[f] for f in focus}
