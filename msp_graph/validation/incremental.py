"""``validate --store DIR`` again after a change: only what the change can affect is reasoned and validated.

A full validation of a store on disk keeps, beside the report (``changes.py``), its state in
``DIR/.msp-graph-validation.json``: the store's version it describes, each compiled check's name and
query text (``sparql/compile.py``: one query per constraint of a shape) and raw results, the reasoning
result and whether the data needed the equality rules; all under a fingerprint of the bundled shapes, this
package's code and the libraries that read them (``_fingerprint``: another fingerprint, a full run). The
writers log what they change (``stores/changelog.py``). The next validation reads the quads changed since
that version and:

* **reasoning**: skipped when no changed quad can take part in OWL 2 RL reasoning (its predicate, or its
  class for ``rdf:type``, is none the compiled rules read or write, none of the schema, the inconsistency
  checks or the property paths; no literal ``literals.ill_typed`` checks; equality not in play): the
  inferred graph, the inconsistencies and what reasoning infers cannot change. Otherwise the rules run in
  full and the new inferred graph is compared with the old one before it replaces it: the triples that
  appeared or went count as changed too;
* **validation**: a check is run again only when a changed triple can match one of its triple patterns: its
  predicate is one the query names (for ``rdf:type``, its class is one the query names, or a subclass of a
  class it tests membership of), or the query has a pattern whose predicate (or class) is a variable. The
  other checks' results are the ones kept. The shapes are compiled (pyshacl imported: 0.2 s) only when a
  check runs again: which checks a change reaches is told from the query texts kept;
* **the report**: kept in parts (``kept_report``): a result is described again (labels, partnership,
  message, source file) only when it is new or a changed triple can alter what it reads; order, verdicts
  and counts are then made from all the results as a full run makes them;
* **the counts** ("validated N triples", the asserted triples): the kept ones, plus or minus each touched
  quad, from whether the log says it was there before the change and whether it is there now (counting
  the store took 1.7 s at 10^6 triples); counted when the log does not say.

Anything that cannot be told that way is a full run: no kept state or another version of the shapes, an
unknown change in the log (a writer that logged nothing, an update other than ``INSERT DATA`` /
``DELETE DATA`` on a large graph, a crash), shapes pyshacl validates, literals the store rewrote
(``stores.written``), a schema the rules reasoner does not cover. ``--full`` forces one.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import orjson
import rdflib

from ..loading import METADATA_GRAPH, asserted_graphs
from ..reasoning import Inconsistency, ReasoningResult, reason, rules
from ..reasoning.literals import DATATYPES
from ..stores import INFERRED_GRAPH, ONTOLOGY_GRAPH, EmbeddedStore, Store, changelog, written
from .footprint import Footprints, check_text
from .kept_report import Change
from .report import ValidationReport

__all__ = ["STATE_FILE", "Run", "validate_incrementally"]

#: The kept state's file name in the store's folder.
STATE_FILE = ".msp-graph-validation.json"
_VERSION = 3  # 2: the report's parts kept (``kept_report``); 3: the checks' texts, a fingerprint
_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_OWL = "http://www.w3.org/2002/07/owl#"
_LOOK_UPS = 2_000  # touched quads past which counting the store is cheaper than looking each up
_FRESH = re.compile(r"([?$]_[A-Za-z]+)\d+\b")


@dataclass
class Run:
    """What ``validate_incrementally`` did: ``full`` or ``incremental``, the quads changed since the
    state kept, the checks run again (of all), and whether it reasoned."""

    kind: str
    changes: int = 0
    rerun: int = 0
    checks: int = 0
    reasoned: bool = True

    def line(self) -> str:
        if self.kind == "full":
            return "full"
        reasoning = "reasoned again" if self.reasoned else "reasoning not needed"
        return (
            f"incremental: {self.changes} change{'s' * (self.changes != 1)}, {self.rerun} of {self.checks} "
            f"checks re-run ({reasoning})"
        )


def validate_incrementally(
    store: EmbeddedStore, *, lines: bool = True, full: bool = False, graph: bool = True
) -> tuple[ValidationReport, Run]:
    """Reason and validate ``store`` (on disk, open for writing) with the bundled shapes, as ``check`` does,
    reusing the state the last such validation kept when the change log allows it (``full``: never);
    keep the new state. Returns the report (the same as ``check``'s; without its SHACL report graph unless
    ``graph``, or when the run is full) and what was done."""
    job = _Job(store, lines, graph)
    state = None if full else _kept(store.path)
    touched = None if state is None else changelog.since(store.path, state["store"], store.version)
    reach = None if touched is None or written.read(store) else _Reach.of(store)
    if reach is None:
        return job.full()
    return job.incremental(state, touched, reach)


@functools.cache
def _shapes() -> tuple:
    """The bundled shapes and their composition shapes, read once per process."""
    from .shapes import load_shapes

    return load_shapes(None)


@functools.cache
def _plan():
    """The bundled shapes compiled (0.6 s with pyshacl's import): only when a check has to run."""
    from .sparql.compile import compile_shapes

    return compile_shapes(_shapes()[0])


@functools.cache
def _fingerprint() -> str:
    """The name of what a kept state holds besides the store: the bundled shapes, this package's code (the
    compiler, the reasoner, the report) and the libraries that read shapes and data. A state kept under
    another name is not used (the run is full), so the checks need not be compiled to tell."""
    from importlib.metadata import PackageNotFoundError, version

    from .shapes import shape_files

    package = Path(__file__).parents[1]
    digest = hashlib.sha256(f"{_VERSION}".encode())
    for name in ("pyshacl", "rdflib", "pyoxigraph"):
        try:
            found = version(name)
        except PackageNotFoundError:  # installed without its metadata: its module's own version
            found = getattr(__import__(name), "__version__", "unknown")
        digest.update(f"\x00{name} {found}".encode())
    for path in [*sorted(package.rglob("*.py")), *shape_files()]:
        name = path.relative_to(package).as_posix() if path.is_relative_to(package) else path.name
        digest.update(b"\x00" + name.encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class _Job:
    """One validation of a store on disk with the bundled shapes, and the two ways to run it. The shapes
    are compiled only when a check runs: an incremental run that runs none reads the checks it needs to
    know (names and queries) from the kept state."""

    store: EmbeddedStore
    lines: bool
    graph: bool  # the report carries its SHACL report graph (always in a full run)

    @property
    def shapes(self) -> rdflib.Graph:
        return _shapes()[0]

    @functools.cached_property
    def checks(self) -> dict[str, object]:
        """The compiled checks by name (``_check_name``); a name given twice gets a number."""
        named: dict[str, object] = {}
        for check in _plan().checks:
            key = _check_name(check)
            named[key if key not in named else f"{key}-{sum(k.startswith(key) for k in named)}"] = check
        return named

    @property
    def kept_checks(self) -> list[list[str]] | None:
        """Each check's name and text (``footprint.check_text``), for the state; None when a next run
        cannot be incremental: the plan sends shapes to pyshacl or the whole graph, or names two checks
        alike."""
        plan = _plan()
        if (
            plan.whole_graph is not None
            or plan.fallback_shapes
            or len(self.checks) != len({_check_name(c) for c in self.checks.values()})
        ):
            return None
        return [[key, check_text(check)] for key, check in sorted(self.checks.items())]

    def full(self) -> tuple[ValidationReport, Run]:
        """Reason and run every check, as ``check`` does; keep the state."""
        result, copy = _reasoned(self.store)
        report, parts = self._report(self._run(list(self.checks), copy), result, on=copy)
        self._keep(parts, result, self.kept_checks)
        return report, Run("full", checks=len(self.checks))

    def incremental(self, state: dict, touched: list, reach: _Reach) -> tuple[ValidationReport, Run]:
        """Reason again only when a touched quad is in the rules' reach; run again only the checks a
        changed triple (asserted, or inferred then) can match; keep the state."""
        store, checks, on = self.store, state["checks"], self.store
        changed = {tuple(q[:3]) for q in touched}
        reasoned = state["equality"] or any(reach.hit(*q) for q in touched)
        if reasoned:
            again = _reason_again(store)
            if again is None:
                return self.full()
            result, inferred, on = again  # the checks and the report read the copy reasoned in
            changed |= inferred
        counted = None if reasoned else _counted(store, state)
        if not reasoned:
            result = _reasoning(state["reasoning"], store, None if counted is None else counted[1])
        footprint = Footprints(on)
        rerun = [key for key, text in checks if footprint.touched(text, changed)]
        if rerun and sorted(self.checks) != [key for key, _ in checks]:
            return self.full()  # cannot be, under the same fingerprint; but the state would be wrong
        kept = {key: state["raw"][key] for key, _ in checks if key not in set(rerun)}
        raw = self._run(rerun, on)  # the kept checks' results are decoded only where the report needs them
        change = Change(state["report"], changed, touched)
        report, parts = self._report(
            raw, result, change, kept, None if counted is None else counted[0], on=on
        )
        self._keep(parts, result, checks, equality=state["equality"] if not reasoned else None)
        return report, Run("incremental", len({tuple(q) for q in touched}), len(rerun), len(checks), reasoned)

    def _run(self, keys: list[str], on: Store) -> dict[str, list]:
        """The raw results of the checks named ``keys`` in ``on`` (the store, or a copy of it), as
        ``sparql.validate_store`` runs them."""
        if not keys:
            return {}
        from .sparql.lookups import Subclasses
        from .sparql.run import _IllFormed, _Runner

        run = _Runner(on, self.shapes, Subclasses(on), _IllFormed(on))
        return {key: run(self.checks[key]) for key in keys}

    def _report(
        self,
        raw: dict[str, list],
        result: ReasoningResult,
        change: Change | None = None,
        encoded: dict[str, list] | None = None,
        triples: int | None = None,
        *,
        on: Store,
    ) -> tuple[ValidationReport, dict]:
        """The report of the raw results of the checks run (``raw``, by name) and of the others (each
        result's name and text in ``encoded``), as ``validation.validate`` builds it, with the reasoning;
        the results described again only where ``change`` can alter them (``kept_report``). And the parts
        to keep: the results' names and text, the report's parts, the counts. ``triples``: the store's
        quads, when known (else counted). ``on``: where the report's labels and origins are read (the
        store, or a copy of it)."""
        from .kept_report import describe_results, result_key

        encoded, keyed = dict(encoded or {}), []
        for key in sorted({*raw, *encoded}):
            if key in raw:
                encoded[key] = [[result_key(key, e), e] for e in map(_encode, raw[key])]
                made = raw[key]
            else:
                made = [functools.partial(self._decode, e, key) for _, e in encoded[key]]
            keyed += [(name, r) for (name, _), r in zip(encoded[key], made, strict=True)]
        triples = on.count() if triples is None else triples
        shapes, composition = _shapes()
        report, parts = describe_results(
            on, shapes, composition, keyed, change, lines=self.lines, graph=self.graph
        )
        report.triples = triples
        report.reasoning = result
        report.inconsistencies = list(result.inconsistencies)
        counts = {"quads": triples, "asserted": result.asserted}
        return report, {"raw": encoded, "report": parts, "counts": counts}

    def _decode(self, item: list, key: str):
        return _decode(item, self.checks[key])

    def _keep(
        self, parts: dict, result: ReasoningResult, checks: list | None, *, equality: bool | None = None
    ) -> None:
        """The state for the next run (the store's version this session ends with), then the log cleared."""
        body = {
            "version": _VERSION,
            "store": self.store.version,
            "fingerprint": _fingerprint(),
            "checks": checks,
            "equality": _equality(self.store, result) if equality is None else equality,
            "reasoning": {
                "asserted": result.asserted,
                "inferred": result.inferred,
                "inconsistencies": [
                    [i.rule, i.message, [list(t) for t in i.triples]] for i in result.inconsistencies
                ],
            },
            **parts,
        }
        from .changes import write_atomically

        write_atomically(self.store.path / STATE_FILE, orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE))
        changelog.clear(self.store.path)


def _check_name(check) -> str:
    """A check's name in the kept state: its query (the results of a check are those of its query),
    component and shape. The order of the checks, and of a query's PREFIX lines, vary from one process to
    the next; a shape that is a blank node is named by its queries only."""
    shape = str(check.shape.node) if isinstance(check.shape.node, rdflib.URIRef) else ""
    text = "\x00".join([str(check.component), _sorted(check.query), _sorted(check.repeat), shape])
    return hashlib.sha256(text.encode()).hexdigest()


def _sorted(query: str | None) -> str:
    """``query`` written the same whatever order the shapes were compiled in: PREFIX lines sorted, the
    fresh variables (``?_v12``) numbered in the order they appear."""
    if query is None:
        return ""
    lines = query.split("\n")
    prologue = sorted(line for line in lines if line.startswith("PREFIX "))
    text = "\n".join(prologue + [line for line in lines if not line.startswith("PREFIX ")])
    names: dict[str, str] = {}
    return _FRESH.sub(lambda m: names.setdefault(m[0], f"{m[1]}{len(names)}"), text)


def _kept(folder: Path) -> dict | None:
    """The state kept in ``folder`` by this code for these shapes; None when there is none (or it cannot be
    read, or the next run cannot be incremental)."""
    try:
        body = orjson.loads((folder / STATE_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(body, dict) or body.get("version") != _VERSION or not body.get("checks"):
        return None
    return body if body.get("fingerprint") == _fingerprint() else None


def _encode(result) -> list:
    """A raw result as text: focus, value, path (N-Triples) and the SPARQL row it came from."""
    bound = result.bound
    if isinstance(bound, tuple):
        bound = {"t": [_text(t) for t in bound[:3]], "row": {k: _text(v) for k, v in bound[3].items()}}
    elif bound is not None:
        bound = {"row": {k: _text(v) for k, v in bound.items()}}
    return [_text(result.focus), _text(result.value), _text(result.path), bound]


def _decode(item: list, check):
    from .sparql.report_graph import RawResult

    focus, value, path, bound = item
    if bound is not None:
        row = {k: _node(v) for k, v in bound["row"].items()}
        bound = (*(_node(t) for t in bound["t"]), row) if "t" in bound else row
    return RawResult(check, _node(focus), _node(value), _node(path), bound)


def _text(node) -> str | None:
    from ..stores import term

    return None if node is None else str(term(node))


def _node(text: str | None):
    from ..stores.terms import parse_term, rdflib_term

    return None if text is None else rdflib_term(parse_term(text))


class _Reach:
    """What OWL 2 RL reasoning with the store's schema reads or writes: predicates, classes (for
    ``rdf:type``), the ontology graph, literals of the datatypes checked (``literals.ill_typed``)."""

    def __init__(self, predicates: set[str], classes: set[str], all_types: bool):
        self.predicates, self.classes, self.all_types = predicates, classes, all_types
        self.checked = frozenset(DATATYPES)
        self.graphs = {f"<{ONTOLOGY_GRAPH}>", f"<{INFERRED_GRAPH}>"}
        self.unread = {f"<{METADATA_GRAPH}>", ""}  # graphs reasoning never reads: the metadata, the default

    @classmethod
    def of(cls, store: EmbeddedStore) -> _Reach | None:
        """The reach of the rules compiled from the store's schema; None when the rules reasoner does not
        cover the schema (``rules.unsupported``): owlrl reasons then, and its reach is not computed."""
        schema = rules.read_schema(store, asserted_graphs(store))
        compiler = rules._Compiler(schema)
        if schema.problems:
            return None
        closure = rules._Closure(compiler)
        owl = [f"<{_OWL}{name}>" for name in ("sameAs", "differentFrom")]
        predicates = {*closure.watched, *closure.rules, *owl}
        predicates |= {f"<{p}>" for p in (*rules._SCHEMA_PREDICATES, *rules._UNSUPPORTED)}
        for kind in ("TransitiveProperty", "IrreflexiveProperty", "AsymmetricProperty"):
            predicates |= {str(p) for p in schema.props(kind)}
        for prop, steps in schema.chains:
            predicates |= {str(prop), *steps}
        for key in ("propertyDisjointWith", "assertionProperty"):
            predicates |= {str(t) for pair in schema.pairs(_OWL + key) for t in pair}
        classes = {*closure.classes, f"<{rules.NOTHING}>"}
        classes |= {f"<{t}>" for t in (*rules._SCHEMA_TYPES, *rules._UNSUPPORTED)}
        return cls(predicates, classes, _TYPE in closure.rules)

    def hit(self, s: str, p: str, o: str, g: str) -> bool:
        """Whether the quad can take part in reasoning (or be inferred)."""
        if g in self.graphs:
            return True
        if g in self.unread:
            return False
        if p == _TYPE and (self.all_types or o in self.classes):
            return True
        if p != _TYPE and p in self.predicates:
            return True
        return o[:1] == '"' and o[-1:] == ">" and o[o.rindex('"^^<') + 4 : -1] in self.checked


def _reasoned(store: EmbeddedStore) -> tuple[ReasoningResult, Store]:
    """``reason(store)``; and where the rest of the run reads: the copy in memory the rules reasoned in (what
    the store holds now, without RocksDB's reads), or the store when owlrl reasons (a schema the rules do
    not cover)."""
    if rules.unsupported(store):
        return reason(store), store
    return rules.materialise_in_copy(store)


def _reason_again(store: EmbeddedStore) -> tuple[ReasoningResult, set[tuple[str, str, str]], Store] | None:
    """The rules in full, the triples the new inferred graph holds and the old did not, or the other way
    round, and the copy reasoned in; None when there is no inferred graph to compare with."""
    if INFERRED_GRAPH not in store.graphs():
        return None
    changed: set[tuple[str, str, str]] = set()
    result, copy = rules.materialise_in_copy(store, changed=lambda s, p, o: changed.add((s, p, o)))
    return result, changed, copy


def _reasoning(kept: dict, store: EmbeddedStore, asserted: int | None) -> ReasoningResult:
    """The kept reasoning result (nothing reasoning reads changed), with the ``asserted`` triples (None:
    counted)."""
    inconsistencies = [
        Inconsistency(rule, message, tuple(tuple(t) for t in triples))
        for rule, message, triples in kept["inconsistencies"]
    ]
    if asserted is None:
        asserted = rules._count_union(store, asserted_graphs(store))
    return ReasoningResult(asserted=asserted, inferred=kept["inferred"], inconsistencies=inconsistencies)


def _counted(store: EmbeddedStore, state: dict) -> tuple[int, int] | None:
    """The store's quads and its asserted triples (those of the asserted graphs together) now, from the
    kept counts and each quad the change touched: in the store before (the log says) and now (looked up).
    None when the log does not say, a touched quad has a blank node, or looking up would cost more than
    counting (1.7 s at 10^6 triples)."""
    kept = state.get("counts")
    before = changelog.present_at(store.path, state["store"], store.version)
    if kept is None or before is None or len(before) > _LOOK_UPS:
        return None
    if any(t.startswith("_:") for quad in before for t in quad):
        return None
    quads = list(before)
    now = dict(zip(quads, store.holds([list(q) for q in quads]), strict=True))
    count = kept["quads"] + sum(now[q] - was for q, was in before.items())
    asserted, unread = kept["asserted"], {f"<{INFERRED_GRAPH}>", f"<{METADATA_GRAPH}>", ""}
    graphs = {f"<{g}>" for g in asserted_graphs(store)}
    by_triple: dict[tuple[str, ...], list] = {}
    for quad in quads:
        if quad[3] not in unread:
            by_triple.setdefault(quad[:3], []).append(quad)
    for triple, touched in by_triple.items():
        holding = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {' '.join(triple)} }} }}")
        untouched = {f"<{row['g'].value}>" for row in holding} & graphs - {q[3] for q in touched}
        then = bool(untouched) or any(before[q] for q in touched)
        still = bool(untouched) or any(now[q] and q[3] in graphs for q in touched)
        asserted += still - then
    return count, asserted


def _equality(store: EmbeddedStore, result: ReasoningResult) -> bool:
    """Whether the data needs the equality rules: as the rules found while reasoning, or asked of the
    store when they do not say (2.5 s on disk at 10^6 triples)."""
    return result.equality if result.equality is not None else _needs_equality(store)


def _needs_equality(store: EmbeddedStore) -> bool:
    """Whether the rules needed the equality rules (a sameAs, two values of a functional property, two
    subjects of an inverse-functional one), in every graph of the store: then every change can change what
    is inferred. One query per property, its predicate a constant (the rules' own ASK, with the properties
    in a table, read every triple of the store: minutes and gigabytes at 10^6 triples)."""
    schema = rules.read_schema(store, asserted_graphs(store))
    asks = [f"?a <{_OWL}sameAs> ?b FILTER (?a != ?b)"]
    asks += [
        f"?x {p} ?y1 . ?x {p} ?y2 . FILTER (?y1 != ?y2 && !isLiteral(?y1) && !isLiteral(?y2))"
        for p in schema.props("FunctionalProperty")
    ]
    asks += [
        f"?x1 {p} ?y . ?x2 {p} ?y . FILTER (?x1 != ?x2)" for p in schema.props("InverseFunctionalProperty")
    ]
    return any(bool(store.query(f"ASK {{ {where} }}")) for where in asks)
