"""The measured steps of the benchmark, each run alone in a child process by ``bench.run``.

``python -m bench.steps NAME ARGS_JSON`` prepares its inputs (not timed), times the one operation the step
is about with ``time.perf_counter``, and prints one JSON line ``{"seconds": ..., "peak_mib": ...}`` on stdout.
The peak is the process's own high-water mark (``VmHWM``: a fresh process image, so no number inherited
from the parent, which ``ru_maxrss`` would carry over ``fork``/``exec``), or that of the process it ran
(Jena's JVM), whichever is larger.

Steps come in pairs: ours (msp-graph on the embedded store) and the reference a user would pick instead.
``ARGS_JSON`` names the input files: ``data`` (the generated graph), ``ontology`` (ontology + vocabularies,
N-Triples), ``inferred`` (the OWL 2 RL entailments of both), ``closure`` (all three in one file: the graph
every validator sees), ``shapes`` (all shapes in one file), ``query`` (the co-membership query), ``report``
(where validators write their results for the parity check).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["STEPS", "Step", "peak_mib", "result_key", "results_from_report_graph", "rudof_unsupported"]

SH = "http://www.w3.org/ns/shacl#"


class Step:
    """One measured operation: ``operation`` (what is compared), ``engine``, whether it is a reference."""

    def __init__(self, operation: str, engine: str, reference: bool, fn: Callable[[dict], dict]):
        self.operation, self.engine, self.reference, self.fn = operation, engine, reference, fn

    @property
    def name(self) -> str:
        return f"{self.operation}:{self.engine}"


STEPS: dict[str, Step] = {}


def _step(operation: str, engine: str, *, reference: bool = False):
    def register(fn: Callable[[dict], dict]) -> Callable[[dict], dict]:
        step = Step(operation, engine, reference, fn)
        STEPS[step.name] = step
        return fn

    return register


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


# --- our side: msp-graph on the embedded store ------------------------------------------------------------


def _store(args: dict, *, inferred: bool = False):
    """An embedded store holding the ontology graph and the data in a source graph (and the entailments)."""
    from msp_graph.loading import open_store
    from msp_graph.stores import INFERRED_GRAPH, ONTOLOGY_GRAPH, source_graph

    store = open_store()
    store.load(Path(args["ontology"]), graph=ONTOLOGY_GRAPH)
    store.load(Path(args["data"]), graph=source_graph("bench"))
    if inferred:
        store.load(Path(args["inferred"]), graph=INFERRED_GRAPH)
    return store


@_step("load", "msp-graph")
def load_ours(args: dict) -> dict:
    from msp_graph.loading import open_store
    from msp_graph.stores import source_graph

    store = open_store()
    seconds, size = _timed(lambda: store.load(Path(args["data"]), graph=source_graph("bench")))
    return {"seconds": seconds, "triples": size}


@_step("reason", "msp-graph")
def reason_ours(args: dict) -> dict:
    """``msp-graph reason`` as it runs by default: the rules engine (``msp_graph.reasoning.rules``)."""
    from msp_graph.reasoning import reason

    store = _store(args)
    seconds, result = _timed(lambda: reason(store, engine="rules"))
    return {"seconds": seconds, "inferred": result.inferred, "inconsistencies": len(result.inconsistencies)}


def _query(args: dict):
    from msp_graph.queries import parse_query_file

    return parse_query_file(args["query"])


@_step("query", "msp-graph")
def query_ours(args: dict) -> dict:
    """The named query as ``msp-graph query partners-sharing-alliances`` runs it (rows materialised)."""
    from msp_graph.queries import run_query

    store = _store(args)
    query = _query(args)
    seconds, result = _timed(lambda: run_query(store, query))
    return {"seconds": seconds, "rows": len(result.rows)}


def _validate_in_store(args: dict, engine: str) -> dict:
    from msp_graph.loading import open_store
    from msp_graph.stores import source_graph
    from msp_graph.validation import validate

    store = open_store()
    store.load(Path(args["closure"]), graph=source_graph("bench"))
    seconds, report = _timed(lambda: validate(store, shapes=[args["shapes"]], engine=engine))
    keys = sorted(
        result_key(r.focus_node, r.constraint_component, r.source_shape, SH + r.severity.capitalize())
        for r in report.results
    )
    _write_report(args, keys)
    return {"seconds": seconds, "conforms": report.conforms, "results": len(keys), "engine": engine}


def _check(args: dict, run: Callable) -> dict:
    store = _store(args)
    seconds, report = _timed(lambda: run(store, [args["shapes"]]))
    return {"seconds": seconds, "results": len(report.results), "conforms": report.conforms}


@_step("check", "msp-graph")
def check_ours(args: dict) -> dict:
    """The API's ``check(store)``: reason, then validate, in one call (what ``msp-graph validate`` runs
    after loading). Before the restructuring ``validate()`` did this itself and built two rdflib copies of
    the store on the way; the pair below shows the one call costs no more than its two steps."""
    from msp_graph.validation import check

    return _check(args, lambda store, shapes: check(store, shapes=shapes))


@_step("check", "reason+validate", reference=True)
def check_in_two_steps(args: dict) -> dict:
    """``reason(store)`` then ``validate(store)`` as separate calls: the yardstick for ``check``."""
    from msp_graph.reasoning import reason
    from msp_graph.validation import validate

    def two_steps(store, shapes):
        reason(store)
        return validate(store, shapes=shapes)

    return _check(args, two_steps)


@_step("validate", "msp-graph")
def validate_ours(args: dict) -> dict:
    """``msp-graph validate`` as it runs by default (``engine="sparql"``: shapes compiled to SPARQL and run in
    the store, ``msp_graph.validation.sparql``) on a store holding the closure as asserted data: the graph the
    references get. ``msp-graph validate`` reasons first; that part is the ``reason`` step, so the two add up
    to the command.
    """
    return _validate_in_store(args, "sparql")


@_step("export-turtle", "msp-graph")
def export_turtle_ours(args: dict) -> dict:
    from msp_graph.export import export

    store = _store(args)
    seconds, data = _timed(lambda: export(store, format="turtle"))
    return {"seconds": seconds, "bytes": len(data)}


@_step("export-jsonld", "msp-graph")
def export_jsonld_ours(args: dict) -> dict:
    from msp_graph.export import export

    store = _store(args)
    seconds, data = _timed(lambda: export(store, format="jsonld"))
    return {"seconds": seconds, "bytes": len(data)}


# --- whole commands, as a user runs them ------------------------------------------------------------------
# The figures users feel: the command as a process (start-up, imports, loading the bundled ontology and the
# file, reasoning, validation, writing the output), wall time and the process's peak memory.


def _command(
    argv: list[str], *, cwd: str | None = None, env: dict[str, str] | None = None
) -> tuple[float, float, bytes]:
    """Run ``argv`` (``env``: variables added to this process's); its wall time, its peak resident memory in
    MiB (``wait4``) and its stdout."""
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        environ = os.environ | env if env else None
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, cwd=cwd, env=environ)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):  # 1: the command ran and found problems
            raise RuntimeError(f"{argv[0]} exited with {code}: {stderr.strip().splitlines()[-1:]}")
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024, out.read()


def _msp_graph(*args: str) -> list[str]:
    return [sys.executable, "-m", "msp_graph.cli", *args]


@_step("command-validate", "msp-graph")
def command_validate_ours(args: dict) -> dict:
    """``msp-graph validate DATA -f turtle``: the bundled ontology and the file loaded, reasoning, the bundled
    shapes, the SHACL report graph written; what a data steward runs in CI."""
    import rdflib

    # Other shapes than the bundled ones: --shapes validates the files alone, --reason adds the bundled
    # ontology and the reasoning the default run does, so both sets run the same pipeline.
    shapes = ["--shapes", *args["shape_files"], "--reason"] if args.get("shape_files") else []
    seconds, peak, out = _command(_msp_graph("validate", args["data"], *shapes, "-f", "turtle", "-q"))
    keys = results_from_report_graph(rdflib.Graph().parse(data=out, format="turtle"))
    _write_report(args, keys)
    return {"seconds": seconds, "command_peak_mib": peak, "results": len(keys)}


@_step("command-validate", "jena", reference=True)
def command_validate_jena(args: dict) -> dict:
    """Jena's ``shacl validate`` on the closure (data, ontology and entailments in one file: Jena does not
    reason), JVM start included: the command a Jena user runs."""
    import rdflib

    from bench import jena

    seconds, out = _timed(lambda: jena.validate(data=Path(args["closure"]), shapes=Path(args["jena_shapes"])))
    keys = results_from_report_graph(rdflib.Graph().parse(data=out, format="turtle"))
    _write_report(args, keys)
    return {"seconds": seconds, "results": len(keys)}


def _command_validate_endpoint(args: dict, *more: str) -> dict:
    """``msp-graph validate --endpoint URL --update-endpoint URL -f turtle -q`` against the server
    ``bench.endpoint`` started and loaded with the data (``msp-graph push``): reasoning, then validation, as
    ``command-validate`` runs them on the file; the client's wall time and peak memory."""
    import rdflib

    from bench.servers import request_env

    urls = ["--endpoint", args["endpoint"], "--update-endpoint", args["update_endpoint"]]
    argv = _msp_graph("validate", *urls)
    seconds, peak, out = _command([*argv, *more, "-f", "turtle", "-q"], env=request_env(args))
    keys = results_from_report_graph(rdflib.Graph().parse(data=out, format="turtle"))
    _write_report(args, keys)
    server = args["endpoint_server"]
    return {"seconds": seconds, "command_peak_mib": peak, "results": len(keys), "server": server}


@_step("command-validate-endpoint", "msp-graph")
def command_validate_endpoint(args: dict) -> dict:
    """Reasoning and validation in the endpoint: only results and counts cross the wire."""
    return _command_validate_endpoint(args)


@_step("command-validate-endpoint-local-copy", "msp-graph")
def command_validate_endpoint_local_copy(args: dict) -> dict:
    """The fallback: the endpoint's graphs read into this process, reasoned over and validated there, the
    inferred graph written back."""
    return _command_validate_endpoint(args, "--local-copy")


@_step("command-reason", "msp-graph")
def command_reason_ours(args: dict) -> dict:
    """``msp-graph reason DATA``: load, OWL 2 RL rules, the inferred graph written (in memory)."""
    seconds, peak, _ = _command(_msp_graph("reason", args["data"], "-q"))
    return {"seconds": seconds, "command_peak_mib": peak}


@_step("command-query", "msp-graph")
def command_query_ours(args: dict) -> dict:
    """``msp-graph query partners-sharing-alliances DATA -f csv``: the file loaded (no reasoning), the named
    query run, every row written."""
    name = Path(args["query"]).stem
    seconds, peak, out = _command(_msp_graph("query", name, args["data"], "-f", "csv", "-q"))
    return {"seconds": seconds, "command_peak_mib": peak, "rows": out.count(b"\n") - 1}


@_step("command-query", "jena", reference=True)
def command_query_jena(args: dict) -> dict:
    """Jena's ``arq`` on the same file and query text, CSV results, JVM start included."""
    from bench import jena

    argv = ["java", "-Xmx4g", "-cp", jena.class_path(), "arq.sparql", "--data", args["data"]]
    seconds, peak, out = _command([*argv, "--query", args["query"], "--results=csv"])
    return {"seconds": seconds, "command_peak_mib": peak, "rows": out.count(b"\n") - 1}


@_step("command-load", "msp-graph")
def command_load_ours(args: dict) -> dict:
    """``msp-graph load DATA --store DIR``: a new store on disk, the bundled ontology and the file."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="msp-bench-store-") as folder:
        seconds, peak, _ = _command(_msp_graph("load", args["data"], "--store", f"{folder}/store", "-q"))
    return {"seconds": seconds, "command_peak_mib": peak}


@_step("command-load", "oxigraph", reference=True)
def command_load_oxigraph(args: dict) -> dict:
    """``oxigraph load --location DIR --file DATA --graph IRI`` (the pip package's server binary): the same
    store engine with nothing around it, doing the same work (msp-graph loads each file into a named graph,
    which Oxigraph indexes six ways, against three for the default graph: see the default-graph step)."""
    from msp_graph.loading import source_graph

    graph = source_graph(Path(args["data"]).stem)
    return _oxigraph_load(args, "--graph", graph)


@_step("command-load", "oxigraph-default-graph", reference=True)
def command_load_oxigraph_default_graph(args: dict) -> dict:
    """``oxigraph load --location DIR --file DATA``: into the default graph (less work than a named graph)."""
    return _oxigraph_load(args)


def _oxigraph_load(args: dict, *more: str) -> dict:
    import shutil
    import tempfile

    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    with tempfile.TemporaryDirectory(prefix="msp-bench-oxigraph-") as folder:
        seconds, peak, _ = _command([binary, "load", "--location", folder, "--file", args["data"], *more])
    return {"seconds": seconds, "command_peak_mib": peak}


# --- validating a store again after a change (issue 12) --------------------------------------------------
# A store on disk of the data, validated once (its state kept), is made once per data file beside it in the
# cache; each run copies it, changes 100 triples with `msp-graph update` (untimed), then times
# `validate --store DIR` (incremental) or, as the reference, `validate --store DIR --full` on the same state.
# Both write the same report (checked: the step fails otherwise).

_ORG_MEMBER = "<http://www.w3.org/ns/org#member>"
_CHANGED = 100


def _validated_store(args: dict) -> Path:
    import shutil

    data = Path(args["data"])
    ready = data.with_name(data.stem + "-validated-store")
    if not (ready / ".msp-graph-validation.json").exists():
        shutil.rmtree(ready, ignore_errors=True)
        _command(_msp_graph("load", str(data), "--store", str(ready), "-q"))
    # Validated again each time (not timed): nothing changed, so this is quick, unless the state was kept by
    # other code or shapes (its fingerprint differs), which would make the timed run a full one.
    _command(_msp_graph("validate", "--store", str(ready), "-q"))
    return ready


def _change(data: Path, kind: str) -> str:
    """100 triples of the data file's graph: an ``rdfs:comment`` added to 100 memberships (nothing reasoning
    reads), or 100 ``org:member`` links removed (reasoned again)."""
    from msp_graph.loading import slug_for, source_graph

    links = []
    with data.open(encoding="utf-8") as lines:
        for line in lines:
            if f" {_ORG_MEMBER} " in line:
                links.append(line.strip())
                if len(links) == _CHANGED * 7:
                    break
    links = links[::7]  # spread over the partnerships
    if kind == "comments":
        comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
        body = "\n".join(f'{t.split(" ", 1)[0]} {comment} "checked" .' for t in links)
        verb = "INSERT"
    else:
        body, verb = "\n".join(links), "DELETE"
    return f"{verb} DATA {{ GRAPH <{source_graph(slug_for(data))}> {{\n{body}\n}} }}"


def _revalidate(args: dict, kind: str, *more: str) -> dict:
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="msp-bench-revalidate-") as folder:
        store = Path(folder) / "store"
        shutil.copytree(_validated_store(args), store)
        change = Path(folder) / "change.ru"
        change.write_text(_change(Path(args["data"]), kind), encoding="utf-8")
        _command(_msp_graph("update", "--store", str(store), str(change), "-q"))
        seconds, peak, out = _command(_msp_graph("validate", "--store", str(store), *more, "-q"))
        if not more:  # the incremental run: the full run on the same state must write the same report
            _, _, full = _command(_msp_graph("validate", "--store", str(store), "--full", "-q"))
            if out != full:
                raise RuntimeError("the incremental report is not the full run's")
    return {"seconds": seconds, "command_peak_mib": peak, "results": out.count(b"\n")}


@_step("command-revalidate", "msp-graph")
def command_revalidate_ours(args: dict) -> dict:
    """``validate --store DIR`` after 100 comments were added: the checks and reasoning need not run."""
    return _revalidate(args, "comments")


@_step("command-revalidate", "msp-graph-full", reference=True)
def command_revalidate_full(args: dict) -> dict:
    """The same with ``--full``: what every run cost before the store kept its state."""
    return _revalidate(args, "comments", "--full")


@_step("command-revalidate-members", "msp-graph")
def command_revalidate_members_ours(args: dict) -> dict:
    """``validate --store DIR`` after 100 ``org:member`` links were removed: reasoned again."""
    return _revalidate(args, "members")


@_step("command-revalidate-members", "msp-graph-full", reference=True)
def command_revalidate_members_full(args: dict) -> dict:
    """The same with ``--full``."""
    return _revalidate(args, "members", "--full")


@_step("command-start", "msp-graph")
def command_start_ours(args: dict) -> dict:
    """``msp-graph --help``: start-up alone (imports, the command tree)."""
    seconds, peak, _ = _command(_msp_graph("--help"))
    return {"seconds": seconds, "command_peak_mib": peak}


@_step("command-start", "python", reference=True)
def command_start_python(args: dict) -> dict:
    """``python -c pass``: the interpreter's own start, the floor of any Python command."""
    seconds, peak, _ = _command([sys.executable, "-c", "pass"])
    return {"seconds": seconds, "command_peak_mib": peak}


# --- references -------------------------------------------------------------------------------------------


def _rdflib_graph(*paths: str):
    import rdflib

    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="nt")
    return graph


@_step("load", "rdflib", reference=True)
def load_rdflib(args: dict) -> dict:
    seconds, graph = _timed(lambda: _rdflib_graph(args["data"]))
    return {"seconds": seconds, "triples": len(graph)}


@_step("reason", "owlrl", reference=True)
def reason_owlrl(args: dict) -> dict:
    import owlrl

    graph = _rdflib_graph(args["data"], args["ontology"])
    before = len(graph)
    seconds, _ = _timed(lambda: owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph))
    return {"seconds": seconds, "inferred": len(graph) - before}


@_step("reason", "reasonable", reference=True)
def reason_reasonable(args: dict) -> dict:
    """reasonable (``reasonable.PyReasoner``, an OWL 2 RL reasoner in Rust) on the files owlrl gets, the data
    and the ontology, read by its own parser (not timed); ``reason()`` timed: the materialisation and the
    list of rdflib triples it returns (base and inferred). ``load_file`` picks its parser by the file name
    (``.ttl`` or ``.n3`` only), so the N-Triples files, which are Turtle, are linked under a ``.ttl`` name.
    ``inferred``: the triples it returns beyond those it read (it writes plain literals as ``xsd:string``
    and adds axioms of its own, ``owl:Thing a owl:Class`` among them: its count is not owlrl's nor
    msp-graph's, and no check compares them)."""
    import tempfile

    import reasonable

    reasoner = reasonable.PyReasoner()
    with tempfile.TemporaryDirectory(prefix="msp-bench-reasonable-") as folder:
        for name in ("data", "ontology"):
            link = Path(folder) / f"{name}.ttl"
            link.symlink_to(Path(args[name]).resolve())
            reasoner.load_file(str(link))
    seconds, triples = _timed(reasoner.reason)
    produced = len(triples)
    del triples  # before the base triples are built as rdflib terms in turn: one list at a time in memory
    return {"seconds": seconds, "inferred": produced - len(reasoner.get_base_triples()), "triples": produced}


@_step("query", "rdflib", reference=True)
def query_rdflib(args: dict) -> dict:
    from msp_graph.queries import bind_params

    graph = _rdflib_graph(args["data"], args["ontology"])
    text = bind_params(_query(args), None)  # the very text msp-graph sends to its store
    seconds, rows = _timed(lambda: len(list(graph.query(text))))
    return {"seconds": seconds, "rows": rows}


@_step("export-turtle", "rdflib", reference=True)
def export_turtle_rdflib(args: dict) -> dict:
    graph = _rdflib_graph(args["data"], args["ontology"])
    seconds, data = _timed(lambda: graph.serialize(format="turtle", encoding="utf-8"))
    return {"seconds": seconds, "bytes": len(data)}


@_step("export-jsonld", "rdflib", reference=True)
def export_jsonld_rdflib(args: dict) -> dict:
    from msp_graph.export import context

    graph = _rdflib_graph(args["data"], args["ontology"])
    ctx = context()  # the same compaction as msp-graph's export, so both do the same work
    seconds, data = _timed(lambda: graph.serialize(format="json-ld", context=ctx, auto_compact=True))
    return {"seconds": seconds, "bytes": len(data)}


def result_key(focus, component, shape, severity) -> tuple[str, str, str, str]:
    """The comparable form of one validation result: IRIs as text, blank nodes as ``_:``.

    The path is left out: the shapes are named (no anonymous property shapes), so the source shape fixes it,
    and engines print paths differently.
    """

    def text(term) -> str:
        if term is None:
            return ""
        value = str(term)
        return "_:" if type(term).__name__ == "BNode" else value

    return (text(focus), text(component), text(shape), text(severity))


def results_from_report_graph(report) -> list[tuple[str, str, str, str]]:
    """The results of a standard SHACL report graph (rdflib), as ``result_key`` tuples: those the report
    lists (``sh:result``), not the results nested in them (``sh:detail``, which pyshacl gives a
    ``sh:node`` result for each result of the node shape: counted, they made pyshacl's report at 10^5 with
    the logical shape set 216 results longer than Jena's)."""
    import rdflib

    ns = rdflib.Namespace(SH)
    keys = []
    for result in report.objects(None, ns.result):
        keys.append(
            result_key(
                report.value(result, ns.focusNode),
                report.value(result, ns.sourceConstraintComponent),
                report.value(result, ns.sourceShape),
                report.value(result, ns.resultSeverity),
            )
        )
    return sorted(keys)


def _write_report(args: dict, keys: list) -> None:
    Path(args["report"]).write_text(json.dumps(keys), encoding="utf-8")


@_step("validate", "pyshacl", reference=True)
def validate_pyshacl(args: dict) -> dict:
    import pyshacl

    graph = _rdflib_graph(args["closure"])
    shapes = _rdflib_graph(args["shapes"])
    seconds, (conforms, report, _) = _timed(
        lambda: pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=True)
    )
    keys = results_from_report_graph(report)
    _write_report(args, keys)
    return {"seconds": seconds, "conforms": bool(conforms), "results": len(keys)}


@_step("validate", "jena", reference=True)
def validate_jena(args: dict) -> dict:
    import rdflib

    from bench import jena

    seconds, out = _timed(lambda: jena.validate(data=Path(args["closure"]), shapes=Path(args["jena_shapes"])))
    report = rdflib.Graph().parse(data=out, format="turtle")
    keys = results_from_report_graph(report)
    _write_report(args, keys)
    return {"seconds": seconds, "results": len(keys), "note": "includes JVM start and parsing"}


# Shape features pyrudof 0.3.35 reads without a word and then ignores: with each, pyshacl reported a result on
# a small graph and rudof none (SPARQL constraints, sh:sparql, which the bundled shapes use, it does run). A
# shapes graph using one cannot give the other validators' report: the step stops before validating and
# names it (tests/test_bench_smoke.py checks that rudof still ignores each one).
_RUDOF_IGNORES = {
    SH + "target": "sh:target (SHACL-AF targets, e.g. SPARQL-based)",
    SH + "validator": "sh:validator (SPARQL-based constraint components)",
    SH + "nodeValidator": "sh:nodeValidator (SPARQL-based constraint components)",
    SH + "propertyValidator": "sh:propertyValidator (SPARQL-based constraint components)",
    SH + "rule": "sh:rule (SHACL-AF rules)",
}


def rudof_unsupported(shapes: str) -> list[str]:
    """The features of the shapes file that pyrudof ignores (``_RUDOF_IGNORES``), with their uses."""
    import collections

    import pyoxigraph as ox

    uses = collections.Counter(
        _RUDOF_IGNORES[t.predicate.value]
        for t in ox.parse(path=shapes)
        if t.predicate.value in _RUDOF_IGNORES
    )
    return [f"{feature}: {n} use{'s' if n > 1 else ''}" for feature, n in sorted(uses.items())]


def _rudof_validate(args: dict) -> tuple[float, bool, str]:
    """The closure and the shapes read in a rudof session, ``validate_shacl`` timed; the seconds, whether the
    data conforms and the report graph as N-Triples."""
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    strict = pyrudof.ReaderMode.Strict
    rudof.read_data(Path(args["closure"]), format=pyrudof.RDFFormat.NTriples, reader_mode=strict)
    rudof.read_shacl(Path(args["shapes"]), format=pyrudof.ShaclFormat.NTriples, reader_mode=strict)
    seconds, report = _timed(lambda: rudof.validate_shacl(mode=pyrudof.ShaclValidationMode.Native))
    text = rudof.serialize_shacl_validation_results(format=pyrudof.ResultShaclValidationFormat.NTriples)
    return seconds, report.conforms, text


@_step("validate", "pyrudof", reference=True)
def validate_pyrudof(args: dict) -> dict:
    """pyrudof (rudof's SHACL validator in Rust, its native engine) on the closure with the shapes pyshacl
    gets; both files read by its own parsers in strict mode (an error stops the step, where the default lax
    mode would skip what it cannot read), not timed; ``validate_shacl`` timed. Its report graph goes through
    ``results_from_report_graph`` like Jena's: the results ``sh:result`` lists, not their ``sh:detail``."""
    from importlib import metadata

    unsupported = rudof_unsupported(args["shapes"])
    if unsupported:
        raise RuntimeError(
            f"pyrudof {metadata.version('pyrudof')} ignores {'; '.join(unsupported)}: its report could not "
            "match the other validators', so it is not run on these shapes"
        )
    seconds, conforms, text = _rudof_validate(args)
    import rdflib  # once rudof's graphs are freed

    keys = results_from_report_graph(rdflib.Graph().parse(data=text, format="nt"))
    _write_report(args, keys)
    return {"seconds": seconds, "conforms": conforms, "results": len(keys)}


def peak_mib() -> float:
    """The peak resident memory of this process and of the children it waited for, in MiB."""
    import resource

    own = 0.0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return max(own, children)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in STEPS:
        print(f"usage: python -m bench.steps {{{','.join(STEPS)}}} ARGS_JSON", file=sys.stderr)
        return 2
    result = STEPS[argv[0]].fn(json.loads(argv[1]))
    # A whole-command step reports its command's own peak, not that of the harness around it.
    result["peak_mib"] = result.pop("command_peak_mib", None) or peak_mib()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
