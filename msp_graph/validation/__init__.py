"""SHACL validation of a store as it stands: the fast engine by default, pyshacl as the reference.

``validate`` validates what the store holds now (asserted graphs plus the inferred graph, if a ``reason``
step left one); it never reasons itself. ``check`` is the two steps the command line runs: ``reason`` then
``validate``. Two engines give the same report: ``sparql`` (the default, ``msp_graph.validation.sparql``:
each constraint one SPARQL query over all focus nodes, run in the store: the embedded one, or the endpoint
itself in its SPARQL dialect, only the results crossing the network; on a local copy only when the remote
store asks for one, see docs/endpoints.md) and ``pyshacl`` (the reference, on an rdflib copy of the
data, with each SPARQL text parsed once). A failing validation is a value (a ``ValidationReport``); only
"could not run" raises (``ShapesError``, ``LoadError``...).

>>> from msp_graph.loading import open_store, load_bundled
>>> store = open_store()
>>> _ = load_bundled(store)
>>> print(check(store).summary())
2 of 14 partnerships meet the MSP composition rule; 12 violations, 45 warnings
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from ..errors import ShapesError
from ..loading import asserted_graphs
from ..reasoning import Entailments, reason
from ..reasoning.literals import quiet_rdflib
from ..stores import INFERRED_GRAPH, EmbeddedStore, RemoteStore, Store, source_graph
from .origin import origins
from .report import LINE_FORMATS, REPORT_FORMATS, SEVERITIES, ValidationReport, ValidationResult

# The engines (pyshacl's parser, rdflib) are imported when a validation runs, not when a command starts.
_LAZY = {"load_shapes": ".shapes", "shape_files": ".shapes"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ENGINES",
    "LINE_FORMATS",
    "REPORT_FORMATS",
    "SEVERITIES",
    "ValidationReport",
    "ValidationResult",
    "check",
    "check_engine",
    "check_shapes",
    "in_memory_copy",
    "load_shapes",
    "shape_files",
    "validate",
]

ENGINES = ("sparql", "pyshacl")


def check_engine(engine: str) -> None:
    """``ShapesError`` unless ``engine`` names a validation engine (checked before anything is loaded)."""
    if engine not in ENGINES:
        raise ShapesError(f"unknown validation engine {engine!r}; use one of: {', '.join(ENGINES)}")


def check_shapes(shapes: Sequence[str | Path]) -> None:
    """``LoadError``/``ShapesError`` for shapes files that are missing, do not parse or hold no shapes: what a
    command checks before it loads data (the files are read again when validation runs)."""
    from .shapes import load_shapes

    load_shapes(shapes)


@quiet_rdflib()
def validate(
    store: Store,
    *,
    shapes: Sequence[str | Path] | None = None,
    engine: str = "sparql",
    lines: bool = True,
) -> ValidationReport:
    """Validate the store as it stands (asserted + inferred graphs) against the SHACL shapes.

    Nothing is inferred here: run ``reason`` first (or call ``check``) to validate the OWL 2 RL closure.
    An ill-typed literal is reported by the shapes that give its property a datatype (``sh:datatype``), and
    by ``reason`` as a dt-not-type inconsistency.
    ``shapes``: shapes files (default: the bundled shapes). ``engine``: ``sparql`` (the default, shapes
    compiled to SPARQL) or ``pyshacl`` (the reference); both give the same report
    (docs/validation-engines.md). ``lines``: find the line of each focus node in its source file (a read
    of every source file; reports that show no line, such as the text report, skip it).
    """
    check_engine(engine)
    from .shapes import load_shapes

    return _validate(store, load_shapes(shapes), engine, lines)


@quiet_rdflib()
def _validate(store: Store, shapes: tuple, engine: str, lines: bool) -> ValidationReport:
    """``validate`` with the shapes loaded (``load_shapes``: the graph and the composition shapes)."""
    from . import sparql
    from .describe import build_report, context_graph
    from .reference import run_pyshacl

    shapes_graph, composition = shapes
    if engine == "sparql":
        local, dialect = _validated(store)
        conforms, graph, _ = sparql.validate_store(local, shapes_graph, dialect=dialect)
        report = build_report(conforms, graph, context_graph(local, graph), shapes_graph, composition)
        report.triples = store.count()
        return _with_origins(report, local, lines)
    # The asserted and the inferred triples as one rdflib graph (labels follow the display-label rule of
    # docs/model.md, whatever the order of the triples).
    graphs = asserted_graphs(store) + ([INFERRED_GRAPH] if INFERRED_GRAPH in store.graphs() else [])
    data = store.to_rdflib(graphs, union=True)
    conforms, graph = run_pyshacl(data, shapes_graph)
    return _with_origins(build_report(conforms, graph, data, shapes_graph, composition), store, lines)


def _with_origins(report: ValidationReport, store: Store, lines: bool) -> ValidationReport:
    """Each result names the source file (sheet and row; with ``lines``, line) of its focus node."""
    found = origins(store, {r.focus_node for r in report.results}, lines=lines)
    report.results = [
        dataclasses.replace(r, **found[r.focus_node].result_fields()) if r.focus_node in found else r
        for r in report.results
    ]
    return report


def check(
    store: Store,
    *,
    shapes: Sequence[str | Path] | None = None,
    reasoner: str = "rules",
    engine: str = "sparql",
    lines: bool = True,
    transient: bool = False,
) -> ValidationReport:
    """Reason (OWL 2 RL, into the inferred graph), then validate: the two steps of ``msp-graph validate``.

    The report carries the reasoning result and its inconsistencies. A store on disk that another process
    is writing (a load beside this validation) is not waited for: reasoning and validation run on an
    in-memory copy of what it holds, and the store is left as it is. ``transient``: the store (in memory)
    is made for this report and thrown away after it, as ``msp-graph validate FILES`` does: its inferred
    graph then holds only the entailments the shapes and the report read (``footprint``); the report is
    the same, and says the same number of triples.
    """
    check_engine(engine)
    if isinstance(store, EmbeddedStore) and store.read_only and not store.try_write():
        with in_memory_copy(store) as copy:
            return check(copy, shapes=shapes, reasoner=reasoner, engine=engine, lines=lines, transient=True)
    from .shapes import load_shapes

    loaded = load_shapes(shapes)
    in_memory = isinstance(store, EmbeddedStore) and store.path is None
    only = _needed(store, loaded[0]) if transient and in_memory and engine == "sparql" else None
    result = reason(store, engine=reasoner, only=only)
    report = _validate(store, loaded, engine, lines)
    if only is not None:  # the entailments not stored count as if they were
        report.triples += result.inferred - store.count(INFERRED_GRAPH)
    report.reasoning = result
    report.inconsistencies = list(result.inconsistencies)
    return report


def _needed(store: EmbeddedStore, shapes_graph) -> Entailments | None:
    """The entailments the compiled shapes and the report read; None when pyshacl validates a shape (it
    reads everything) or a check can read any predicate."""
    from .describe import READS
    from .footprint import needed_entailments
    from .sparql.compile import compile_shapes

    plan = compile_shapes(shapes_graph)
    if plan.whole_graph is not None or plan.fallback_shapes:
        return None
    return needed_entailments(store, plan.checks, READS)


def _validated(store: Store) -> tuple[Store, str]:
    """Where the fast engine runs, and in which SPARQL dialect: the embedded store itself; an endpoint in
    itself, in its dialect (only the results cross the network), or on an in-memory copy of its graphs
    when the store asks for one (``RemoteStore.local_copy``, ``--local-copy``)."""
    if isinstance(store, RemoteStore) and not store.local_copy:
        return store, store.dialect
    return (store if isinstance(store, EmbeddedStore) else in_memory_copy(store)), "oxigraph"


def in_memory_copy(store: Store) -> EmbeddedStore:
    """An in-memory copy of a store, graph by graph (a remote one asked to be copied, one on disk that
    another process writes, or one that must be left as it is), for reasoning and the fast engine."""
    local = EmbeddedStore()
    local.load(store.dump(format="nq"), graph=source_graph("remote-copy"), format="nq")  # graphs kept
    return local
