"""Run the benchmark: msp-graph against the tools users would pick instead, on generated MSP graphs.

``python -m bench.run`` measures, at 10^4 and 10^5 triples (``--full`` adds 10^6): loading, OWL 2 RL
reasoning, SHACL validation, the co-membership query and export to Turtle and JSON-LD, each for msp-graph
and for its references (rdflib parse, owlrl and reasonable, pyshacl on a plain rdflib graph, pyrudof,
Apache Jena's SHACL validator, rdflib's SPARQL engine, rdflib's serialisers). msp-graph runs as it does by
default: the rules reasoner (``msp_graph.reasoning.rules``) and the SPARQL validation engine
(``msp_graph.validation.sparql``); the others are references. Each step runs alone in a child process,
``--repeat`` times (a step whose first run takes longer than ``--long`` seconds runs once); the table
gives medians, peak memory (the child's own high-water mark, or its JVM's) and the ratio
ours / reference. A step (reference or ours) that does not finish within ``--timeout`` seconds is reported
as "did not finish" and not tried at larger sizes. A reference is not run at a larger size either when its
time at the previous size, scaled linearly by the ratio of the sizes (a lower bound for these engines),
already exceeds ``--timeout``: "not run: would exceed the 120 s limit (97.4 s at 10^4)".

Data: ``--data-profile`` picks the generator's profile for every size of the run (``standard``, the default,
or ``wide``: long member lists, many countries per partnership, deep sub-class chains; ``bench/generate.py``).
The cached files, and the reasoning cached with them, are keyed by size, seed, profile and generator version.

Scaling: after a run with two or more sizes, each step's growth exponent between consecutive sizes,
``k = log(t2 / t1) / log(n2 / n1)`` (n: the triples of each file, t: the median seconds), goes to the log,
to a table under the results table and to the JSON record. A step is flagged as growing worse than
n log n when ``k > 1.25`` and ``t2 > 0.5`` s (``GROWTH_LIMIT``, ``GROWTH_MIN_SECONDS``): n log n itself gives
1.08-1.10 between 10^4 and 10^6, and below half a second start-up and noise decide. A step that finished
at n1 and not within ``--timeout`` at n2 gets the lower bound ``k >= log(limit / t1) / log(n2 / n1)``.
A flag does not change the exit status.

Parity: every validator writes its results; the run prints counts per source shape and constraint
component for each engine and exits 1 when the engines disagree (2 when it could not run). A validator that
failed, ran out of time or was not run writes none and is left out of the comparison; its row says why
(pyrudof stops on shapes using a feature it would ignore: ``bench.steps.rudof_unsupported``).

Validation in a SPARQL server (issue 18), only when named (``--endpoint-server virtuoso|oxigraph``):
``--only command-validate-endpoint command-validate-endpoint-local-copy`` starts a fresh server on
127.0.0.1 for each size, loads the size's data with ``msp-graph push`` (its time and peak memory go to the
record's ``sizes``, not to a step), times ``msp-graph validate --endpoint URL`` (reasoning and validation
in the server) and the same with ``--local-copy`` as processes, and stops the server
(``bench/endpoint.py``). ``command-validate`` (the embedded run, and Jena's ``shacl`` as the reference of
all three) runs with them, and the parity check covers the four reports.

Results go to ``bench/results/<date>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import itertools
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from bench.endpoint import SERVERS, EndpointServer, ServerError
from bench.generate import GENERATOR_VERSION, PROFILES, cached
from bench.steps import STEPS

__all__ = ["compare_reports", "growth", "main", "prepare", "run_step"]

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
QUERY = "partners-sharing-alliances.rq"
DEFAULT_SIZES = (10_000, 100_000)
FULL_SIZE = 1_000_000
OPERATIONS = (
    "load",
    "reason",
    "validate",
    "check",
    "query",
    "export-turtle",
    "export-jsonld",
    # Whole commands as processes (start-up, loading, writing included): what users wait for.
    "command-start",
    "command-load",
    "command-reason",
    "command-validate",
    "command-query",
    # A store on disk validated again after a change of 100 triples, against --full on the same state.
    "command-revalidate",
    "command-revalidate-members",
)
# Validation in a SPARQL server (issue 18), run only when named with --only: each size gets a fresh server
# (--endpoint-server) loaded with its data (bench/endpoint.py). Their reference is command-validate's (Jena's
# shacl on the same triples), run with them; command-validate itself joins them for the parity check.
ENDPOINT_OPERATIONS = ("command-validate-endpoint", "command-validate-endpoint-local-copy")
REFERENCE_OPERATION = dict.fromkeys(ENDPOINT_OPERATIONS, "command-validate")
# The scaling check: flag a step when its growth exponent between two sizes is over GROWTH_LIMIT and its
# time at the larger size over GROWTH_MIN_SECONDS (below that, start-up and noise decide the exponent).
GROWTH_LIMIT = 1.25
GROWTH_MIN_SECONDS = 0.5
PACKAGES = ("msp-graph", "rdflib", "pyoxigraph", "pyshacl", "owlrl", "reasonable", "pyrudof", "psutil")
# Shape sets: the bundled shapes (what `msp-graph validate` runs by default), and a second set over the same
# model that uses qualified value shapes, sh:or/and/not/xone/node and a SPARQL constraint (issue 13).
SHAPE_SETS = {
    "bundled": None,
    "logical": tuple(sorted((ROOT / "bench" / "shapes-logical").glob("*.ttl"))),
}


class BenchError(Exception):
    """The benchmark could not run (bad option, missing input)."""


# --- inputs ---------------------------------------------------------------------------------------------


def _ontology_nt(out: Path) -> Path:
    """The bundled ontology, its imports and the vocabularies as one N-Triples file."""
    import pyoxigraph as ox

    from msp_graph.loading import ontology_files, parse_file

    files = ontology_files()
    # Keyed by the sources: blank node labels differ on every parse, so rewriting the file each time would
    # change its fingerprint and redo the (cached) reasoning of every size.
    key = _fingerprint(*files)
    stamp = out.with_suffix(".key")
    if out.exists() and stamp.exists() and stamp.read_text() == key:
        return out
    triples = [ox.Triple(q.subject, q.predicate, q.object) for f in files for q in parse_file(f)]
    out.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    stamp.write_text(key)
    return out


def _shapes_nt(out: Path, files: tuple[Path, ...] | None = None) -> Path:
    """The shapes (default: the bundled ones) as one file (Jena's validator takes one shapes file)."""
    from msp_graph.validation import load_shapes

    graph, _ = load_shapes(files)
    graph.serialize(out, format="nt", encoding="utf-8")
    return out


def _shapes_for_jena(shapes: Path, out: Path) -> Path:
    """The shapes with one ``sh:message`` per node (the English one): Jena 4.5's shapes parser stops with
    "More than one match" on a ``sh:SPARQLConstraint`` carrying messages in several languages, which SHACL
    allows. Messages do not decide which results are reported, so parity is unaffected."""
    import rdflib
    from rdflib import SH

    graph = rdflib.Graph().parse(shapes, format="nt")
    for node in set(graph.subjects(SH.message, None)):
        messages = sorted(
            graph.objects(node, SH.message), key=lambda m: (getattr(m, "language", None) != "en", m)
        )
        for extra in messages[1:]:
            graph.remove((node, SH.message, extra))
    graph.serialize(out, format="nt", encoding="utf-8")
    return out


def _closure(data: Path, ontology: Path, inferred: Path, closure: Path) -> None:
    """Reason once as ``msp-graph`` does by default (the rules engine, in an embedded store): the entailments
    (the inferred graph) and the closure (ontology + data + entailments, blank nodes of the ontology
    included) that every validator receives: the graph ``msp-graph validate`` checks."""
    from msp_graph.loading import open_store
    from msp_graph.reasoning import reason
    from msp_graph.stores import INFERRED_GRAPH, ONTOLOGY_GRAPH, source_graph

    store = open_store()
    store.load(ontology, graph=ONTOLOGY_GRAPH)
    store.load(data, graph=source_graph("bench"))
    reason(store, engine="rules")
    everything = [ONTOLOGY_GRAPH, source_graph("bench"), INFERRED_GRAPH]
    for out, graphs in ((inferred, [INFERRED_GRAPH]), (closure, everything)):
        part = out.with_suffix(".part")
        part.write_bytes(store.dump(format="nt", graphs=graphs))
        part.replace(out)


def _fingerprint(*paths: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def prepare(
    size: int, *, seed: int = 0, profile: str = "standard", shapes_set: str = "bundled", log=print
) -> dict:
    """The input files of one size and data profile (generated and reasoned over once, then cached) and the
    manifest. The cache key holds size, seed, profile and generator version (the data file's name)."""
    from msp_graph.resources import bundled_dir

    CACHE.mkdir(parents=True, exist_ok=True)
    shared = CACHE / "shared"
    shared.mkdir(exist_ok=True)
    ontology = _ontology_nt(shared / "ontology.nt")
    shape_files = SHAPE_SETS[shapes_set]
    suffix = "" if shapes_set == "bundled" else f"-{shapes_set}"
    shapes = _shapes_nt(shared / f"shapes{suffix}.nt", shape_files)
    jena_shapes = _shapes_for_jena(shapes, shared / f"shapes{suffix}-jena.nt")
    query = bundled_dir("queries") / QUERY  # a missing query fails the query steps, visibly
    data, manifest = cached(size, seed=seed, profile=profile)
    key = _fingerprint(data, ontology)
    inferred = CACHE / f"{data.stem}-{key}-rules-inferred.nt"
    closure = CACHE / f"{data.stem}-{key}-rules-closure.nt"
    if not (inferred.exists() and closure.exists()):
        log(f"  reasoning once over {manifest['triples']:,} triples to build the validators' input...")
        for stale in CACHE.glob(f"{data.stem}-*.nt"):
            stale.unlink()
        _closure(data, ontology, inferred, closure)
    return {
        "files": {
            "data": str(data),
            "ontology": str(ontology),
            "inferred": str(inferred),
            "closure": str(closure),
            "shapes": str(shapes),
            "jena_shapes": str(jena_shapes),
            # The command line gets the shapes files themselves (none: the bundled shapes, its default).
            "shape_files": [str(f) for f in shape_files or ()],
            "query": str(query),
        },
        "manifest": manifest,
    }


# --- running one step -----------------------------------------------------------------------------------


def run_step(name: str, files: dict, *, timeout: float | None, profile: Path | None = None) -> dict:
    """Run one step in a child process; return its JSON result (``seconds``, ``peak_mib``...) and ``status``.

    ``status``: ``ok``, ``timeout`` (killed after ``timeout`` seconds) or ``failed`` (with ``error``).
    """
    args = dict(files)
    with tempfile.TemporaryDirectory(prefix="msp-bench-") as tmp:
        out_path, err_path = Path(tmp) / "out", Path(tmp) / "err"
        args["report"] = str(Path(tmp) / "report.json")
        command = [sys.executable, "-m", "bench.steps", name, json.dumps(args)]
        if profile is not None:
            command[1:1] = ["-m", "cProfile", "-o", str(profile)]
        with out_path.open("wb") as out, err_path.open("wb") as err:
            child = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT, start_new_session=True)
            started = time.monotonic()
            while True:
                pid, status, _ = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                if timeout is not None and time.monotonic() - started > timeout:
                    os.killpg(child.pid, signal.SIGKILL)
                    os.wait4(child.pid, 0)
                    child.returncode = -9
                    return {"status": "timeout", "limit": timeout}
                time.sleep(0.02)
            child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            return {"status": "failed", "error": _error_line(err_path.read_text(errors="replace"))}
        result = json.loads(out_path.read_text().strip().splitlines()[-1])
        report = Path(args["report"])
        if report.exists():
            result["report"] = [tuple(k) for k in json.loads(report.read_text())]
        result["status"] = "ok"
        return result


def _error_line(stderr: str) -> str:
    """The line of a child's stderr that says what went wrong (not the last frame of a Java stack trace)."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()] or ["(no message)"]
    named = [line for line in lines if not line.startswith(("at ", "File ", "..."))]
    return (named or lines)[-1][:300]


def _measure(name: str, files: dict, *, repeat: int, timeout: float | None, long: float, log) -> dict:
    """``repeat`` runs of a step (one when the first is longer than ``long`` s); medians and the runs."""
    runs: list[dict] = []
    for _ in range(repeat):
        result = run_step(name, files, timeout=timeout)
        runs.append(result)
        if result["status"] != "ok" or result["seconds"] > long:
            break
    ok = [r for r in runs if r["status"] == "ok"]
    summary: dict = {"step": name, "runs": len(ok)}
    if not ok:
        summary.update({k: v for k, v in runs[-1].items() if k in ("status", "error", "limit", "peak_mib")})
    else:
        summary.update(
            status="ok",
            seconds=statistics.median(r["seconds"] for r in ok),
            all_seconds=[round(r["seconds"], 4) for r in ok],
            peak_mib=statistics.median(r["peak_mib"] for r in ok),
        )
        extra = {k: v for k, v in ok[-1].items() if k not in ("seconds", "peak_mib", "status", "report")}
        summary["info"] = extra
        if "report" in ok[-1]:
            summary["report"] = ok[-1]["report"]
    log(f"    {name:<28} {_cell(summary)}")
    return summary


def _cell(summary: dict) -> str:
    if summary["status"] == "ok":
        return f"{summary['seconds']:.3f} s, {summary['peak_mib']:.0f} MiB (n={summary['runs']})"
    if summary["status"] == "timeout":
        return f"did not finish within {summary['limit']:g} s"
    if summary["status"] == "skipped":
        return f"not run: {summary['reason']}"
    return f"failed: {summary.get('error', '?')}"


# --- parity -----------------------------------------------------------------------------------------------


def _short(iri: str) -> str:
    for prefix, short in (
        ("http://www.w3.org/ns/shacl#", "sh:"),
        ("https://w3id.org/msp/shapes#", "mspsh:"),
        ("https://w3id.org/msp/ontology#", "msp:"),
    ):
        if iri.startswith(prefix):
            return short + iri[len(prefix) :]
    return iri


def compare_reports(reports: dict[str, list[tuple]]) -> tuple[bool, list[str]]:
    """Compare validators' results: counts per (source shape, constraint component, severity) and the
    exact results. Returns whether all agree and the lines of a comparison table."""
    engines = list(reports)
    counts = {e: collections.Counter((k[2], k[1], k[3]) for k in reports[e]) for e in engines}
    keys = sorted(set().union(*counts.values()))
    width = max([len("source shape / component")] + [len(f"{_short(s)} {_short(c)}") for s, c, _ in keys])
    lines = [f"{'source shape / component':<{width}}  " + "  ".join(f"{e:>10}" for e in engines)]
    for shape, component, severity in keys:
        row = [counts[e][(shape, component, severity)] for e in engines]
        mark = "" if len(set(row)) == 1 else "   <- differs"
        label = f"{_short(shape)} {_short(component)}"
        lines.append(f"{label:<{width}}  " + "  ".join(f"{n:>10}" for n in row) + mark)
    totals = [len(reports[e]) for e in engines]
    lines.append(f"{'total':<{width}}  " + "  ".join(f"{n:>10}" for n in totals))
    first = collections.Counter(map(tuple, reports[engines[0]]))
    agree = True
    for engine in engines[1:]:
        other = collections.Counter(map(tuple, reports[engine]))
        if other != first:
            agree = False
            missing, extra = first - other, other - first
            lines.append(
                f"{engine} vs {engines[0]}: {sum(missing.values())} results missing, "
                f"{sum(extra.values())} extra; e.g. "
                + "; ".join(" ".join(map(_short, k)) for k in list((missing + extra).elements())[:3])
            )
    return agree, lines


# --- the run ------------------------------------------------------------------------------------------------


def _machine() -> dict:
    import psutil

    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    java = subprocess.run(["java", "-version"], capture_output=True, text=True)
    versions["java"] = (java.stderr.splitlines() or ["?"])[0]
    jena = sorted(Path("/usr/share/java").glob("jena-shacl-*.jar"))
    versions["jena"] = jena[0].stem.removeprefix("jena-shacl-") if jena else None
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": platform.processor() or platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": versions,
    }


def _size(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of triples: {text!r} (e.g. 1e4)") from None
    if value < 100 or value != int(value):
        raise argparse.ArgumentTypeError(f"size must be a whole number of triples >= 100, got {text!r}")
    return int(value)


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {kind.__name__}: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Time msp-graph against rdflib, owlrl, reasonable, pyshacl, pyrudof and Jena on "
        "generated MSP graphs.",
    )
    parser.add_argument("--sizes", type=_size, nargs="+", help="sizes in triples (default: 1e4 1e5)")
    parser.add_argument("--full", action="store_true", help="add 1e6 triples")
    parser.add_argument("--repeat", type=_positive(int), default=3, help="runs per step; medians (default 3)")
    parser.add_argument(
        "--timeout", type=_positive(float), default=120.0, help="limit per run of a step, s (default 120)"
    )
    parser.add_argument(
        "--long", type=_positive(float), default=10.0, help="a step slower than this runs once (default 10 s)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=OPERATIONS + ENDPOINT_OPERATIONS,
        help="operations to run (default: all but the endpoint ones, which run only when named here)",
    )
    parser.add_argument(
        "--endpoint-server",
        choices=SERVERS,
        default="virtuoso",
        help="server the endpoint operations validate in, started on 127.0.0.1 (default virtuoso)",
    )
    parser.add_argument(
        "--references",
        nargs="*",
        help="reference engines to run (default: all; 'none' or nothing: only msp-graph)",
    )
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument(
        "--data-profile",
        choices=list(PROFILES),
        default="standard",
        help="generator profile for every size (default standard; wide: long member lists, many countries, "
        "deep sub-class chains)",
    )
    parser.add_argument(
        "--shapes-set",
        choices=list(SHAPE_SETS),
        default="bundled",
        help="shapes every validator runs (default bundled; logical: bench/shapes-logical, qualified value "
        "shapes, sh:or/and/not/xone/node and a SPARQL constraint)",
    )
    parser.add_argument("--profile", action="store_true", help="profile the slowest step of the largest size")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="results folder (default bench/results)"
    )
    return parser


def _ratio_rows(size: int, summaries: list[dict]) -> list[dict]:
    by_op: dict[str, dict[str, list[dict]]] = {}
    for s in summaries:
        operation, engine = s["step"].split(":")
        kind = "reference" if STEPS[s["step"]].reference else "ours"
        by_op.setdefault(operation, {"ours": [], "reference": []})[kind].append(s | {"engine": engine})
    rows = []
    for operation in OPERATIONS + ENDPOINT_OPERATIONS:
        if operation not in by_op:
            continue
        ours = by_op[operation]["ours"][0] if by_op[operation]["ours"] else None
        shared = by_op.get(REFERENCE_OPERATION.get(operation, ""), {}).get("reference")
        for ref in by_op[operation]["reference"] or shared or [None]:
            ratio = None
            if ours and ref and ours["status"] == ref["status"] == "ok" and ref["seconds"] > 0:
                ratio = ours["seconds"] / ref["seconds"]
            rows.append(
                {"size": size, "operation": operation, "ours": ours, "reference": ref, "ratio": ratio}
            )
    return rows


def _markdown(rows: list[dict], sizes: dict[int, dict]) -> str:
    def cell(s: dict | None) -> tuple[str, str]:
        if s is None:
            return "-", "-"
        if s["status"] == "ok":
            return f"{s['seconds']:.3g}", f"{s['peak_mib']:.0f}"
        if s["status"] == "timeout":
            return f"did not finish within {s['limit']:g} s", "-"
        if s["status"] == "skipped":
            return f"not run: {s['reason']}", "-"
        return "failed", "-"

    header = ("triples", "operation", "msp-graph s", "peak MiB", "reference", "reference s", "peak MiB")
    lines = ["| " + " | ".join(header) + " | ours / reference |", "|---:|---|---:|---:|---|---:|---:|---:|"]
    for row in rows:
        ours_s, ours_m = cell(row["ours"])
        ref_s, ref_m = cell(row["reference"])
        ratio = f"{row['ratio']:.3g}" if row["ratio"] is not None else "-"
        engine = row["reference"]["engine"] if row["reference"] else "-"
        cells = (
            f"{sizes[row['size']]['triples']:,}",
            row["operation"],
            ours_s,
            ours_m,
            engine,
            ref_s,
            ref_m,
            ratio,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --- scaling --------------------------------------------------------------------------------------------


def _nlogn_exponent(n1: int, n2: int) -> float:
    """The growth exponent of n log n itself between ``n1`` and ``n2`` triples."""
    return 1 + math.log(math.log(n2) / math.log(n1)) / math.log(n2 / n1)


def growth(timings: dict[str, dict[int, dict]], triples: dict[int, int]) -> list[dict]:
    """The scaling check: for each step (``timings``: step -> size -> its summary) and each pair of
    consecutive sizes of the run (``triples``: size -> triples in its file), the growth exponent
    ``k = log(t2 / t1) / log(n2 / n1)`` and whether it is flagged as worse than n log n (``k > GROWTH_LIMIT``
    and ``t2 > GROWTH_MIN_SECONDS``). A step that did not finish at the larger size gets the lower bound from
    its time limit; a step skipped or failed at either size gets no row."""
    sizes = sorted(triples)
    rows = []
    for step, by_size in timings.items():
        for small, large in itertools.pairwise(sizes):
            first, second = by_size.get(small), by_size.get(large)
            if not (first and second and first["status"] == "ok" and first["seconds"] > 0):
                continue
            if second["status"] == "ok" and second["seconds"] > 0:
                seconds, bound = second["seconds"], False
            elif second["status"] == "timeout":
                seconds, bound = second["limit"], True
            else:
                continue
            n1, n2 = triples[small], triples[large]
            if n2 <= n1:
                continue
            k = math.log(seconds / first["seconds"]) / math.log(n2 / n1)
            rows.append(
                {
                    "step": step,
                    "triples": [n1, n2],
                    "seconds": [first["seconds"], seconds],
                    "exponent": round(k, 3),
                    "lower_bound": bound,
                    "nlogn_exponent": round(_nlogn_exponent(n1, n2), 3),
                    "flagged": k > GROWTH_LIMIT and seconds > GROWTH_MIN_SECONDS,
                }
            )
    return rows


def _log_growth(rows: list[dict], log) -> None:
    """The scaling check in the log: one line per step and pair of sizes, then the flagged steps."""
    if not rows:
        return
    rule = f"k > {GROWTH_LIMIT:g} and t2 > {GROWTH_MIN_SECONDS:g} s"
    log(f"scaling: growth exponent k = log(t2/t1) / log(n2/n1); worse than n log n when {rule}:")
    for row in rows:
        (n1, n2), (t1, t2) = row["triples"], row["seconds"]
        k = (">= " if row["lower_bound"] else "") + f"{row['exponent']:.2f}"
        mark = "   <- worse than n log n" if row["flagged"] else ""
        log(f"    {row['step']:<28} {n1:>10,} -> {n2:>10,} triples  {t1:.3g} s -> {t2:.3g} s  k = {k}{mark}")
    flagged = sorted({row["step"] for row in rows if row["flagged"]})
    log(
        "  -> "
        + (f"worse than n log n: {', '.join(flagged)}" if flagged else "no step grows worse than n log n")
    )


def _growth_markdown(rows: list[dict], data_profile: str) -> str:
    """The note under the results table: the data profile and, with two sizes or more, the scaling check."""
    lines = ["", f"Data profile: `{data_profile}` (`bench/generate.py`)."]
    if rows:
        lines += [
            "",
            f"Growth between consecutive sizes, k = log(t2/t1) / log(n2/n1) (n log n: the column beside it); "
            f"flagged as worse than n log n when k > {GROWTH_LIMIT:g} and t2 > {GROWTH_MIN_SECONDS:g} s.",
            "",
            "| step | triples | seconds | k | n log n | |",
            "|---|---|---|---:|---:|---|",
        ]
        for row in rows:
            (n1, n2), (t1, t2) = row["triples"], row["seconds"]
            k = (">= " if row["lower_bound"] else "") + f"{row['exponent']:.2f}"
            t2_text = f"{t2:.3g} (limit)" if row["lower_bound"] else f"{t2:.3g}"
            flag = "**worse than n log n**" if row["flagged"] else ""
            cells = (
                row["step"],
                f"{n1:,} -> {n2:,}",
                f"{t1:.3g} -> {t2_text}",
                k,
                f"{row['nlogn_exponent']:.2f}",
            )
            lines.append("| " + " | ".join(cells) + f" | {flag} |")
    return "\n".join(lines) + "\n"


def _profile(step: str, files: dict, *, log) -> list[str]:
    import pstats

    with tempfile.TemporaryDirectory(prefix="msp-bench-prof-") as tmp:
        out = Path(tmp) / "prof"
        result = run_step(step, files, timeout=None, profile=out)
        if result["status"] != "ok":
            return [f"profile of {step} failed: {result.get('error')}"]
        import io

        text = io.StringIO()
        pstats.Stats(str(out), stream=text).sort_stats("cumulative").print_stats(25)
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    log("\n".join(lines))
    return lines


def _size_name(size: int) -> str:
    """10^4 for a power of ten, else the number (12,000)."""
    exponent = len(str(size)) - 1
    return f"10^{exponent}" if size == 10**exponent else f"{size:,}"


def _skip_reason(step, unfinished: dict, last: dict, triples: int, timeout: float | None) -> str | None:
    """Why ``step`` is not run at this size, or None: it did not finish at a smaller size, or (references)
    its time at the previous size scaled linearly by the size ratio, a lower bound, is over the limit."""
    if step.name in unfinished:
        return f"did not finish within {timeout:g} s at {_size_name(unfinished[step.name])}"
    if timeout is None or step.name not in last:
        return None
    size, before, seconds = last[step.name]
    if seconds * triples / before > timeout:
        return f"would exceed the {timeout:g} s limit ({seconds:.3g} s at {_size_name(size)})"
    return None


def _bytecode() -> None:
    """Commands are timed as users run them: with the package's bytecode written (pip writes it when it
    installs; an editable checkout writes it on the first run). A session that sets PYTHONDONTWRITEBYTECODE
    made every command compile msp_graph's modules again: 0.2 s of each command's start-up here."""
    import compileall

    import msp_graph

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(Path(msp_graph.__file__).parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    sizes = sorted(set(args.sizes or DEFAULT_SIZES) | ({FULL_SIZE} if args.full else set()))
    operations = args.only or list(OPERATIONS)
    endpoint_run = [o for o in operations if o in ENDPOINT_OPERATIONS]
    if endpoint_run:  # their reference (Jena) and the embedded run, for the ratio and the parity check
        operations = [*operations, *(REFERENCE_OPERATION[o] for o in endpoint_run)]
    engines = {s.engine for s in STEPS.values() if s.reference}
    if args.references is not None:
        if args.references == ["none"]:
            args.references = []
        unknown = sorted(set(args.references) - engines)
        if unknown:
            parser.error(f"--references: unknown engine {unknown[0]!r}; known: {', '.join(sorted(engines))}")
        engines = set(args.references)
    steps = [
        s for s in STEPS.values() if s.operation in operations and (not s.reference or s.engine in engines)
    ]
    order = OPERATIONS + ENDPOINT_OPERATIONS
    steps.sort(key=lambda s: (order.index(s.operation), s.reference, s.engine))

    _bytecode()
    started = dt.datetime.now(dt.UTC)
    log(
        f"msp-graph benchmark: sizes {', '.join(f'{n:g}' for n in sizes)}, {args.repeat} run(s) per step, "
        f"data profile {args.data_profile}, shapes {args.shapes_set}"
    )
    unfinished: dict[str, int] = {}  # step -> size at which it did not finish
    last: dict[str, tuple[int, int, float]] = {}  # reference step -> (size, triples, seconds) when last run
    rows, per_size, parity_ok, parity = [], {}, True, {}
    timings: dict[str, dict[int, dict]] = {}  # step -> size -> summary, for the scaling check
    server = EndpointServer(args.endpoint_server)
    try:
        for size in sizes:
            log(f"size {size:g}:")
            prepared = prepare(
                size, seed=args.seed, profile=args.data_profile, shapes_set=args.shapes_set, log=log
            )
            files, manifest = prepared["files"], prepared["manifest"]
            if endpoint_run:
                files = files | server.serve(files, log=log)
                load = {"server": args.endpoint_server, "load": files.pop("load")}
                manifest = manifest | {"endpoint": load}
            per_size[size] = manifest
            summaries = []
            for step in steps:
                skip = _skip_reason(step, unfinished, last, manifest["triples"], args.timeout)
                if skip:
                    summary = {"step": step.name, "status": "skipped", "reason": skip}
                    log(f"    {step.name:<28} {_cell(summary)}")
                else:
                    summary = _measure(
                        step.name,
                        files,
                        repeat=args.repeat,
                        timeout=args.timeout,
                        long=args.long,
                        log=log,
                    )
                    if summary["status"] == "timeout":
                        unfinished[step.name] = size
                    elif summary["status"] == "ok" and step.reference:
                        last[step.name] = (size, manifest["triples"], summary["seconds"])
                summaries.append(summary)
                timings.setdefault(step.name, {})[size] = summary
            reports = {s["step"]: s.pop("report") for s in summaries if "report" in s}
            if len(reports) > 1:
                agree, lines = compare_reports(reports)
                parity[size] = {"agree": agree, "table": lines}
                parity_ok &= agree
                log(f"  parity of validation results at {manifest['triples']:,} triples:")
                log("\n".join("    " + line for line in lines))
                log("  -> " + ("all engines agree" if agree else "ENGINES DISAGREE"))
            failed = [s["step"] for s in summaries if s["status"] == "failed"]
            if failed:
                log(f"  failed steps: {', '.join(failed)}")
            rows += _ratio_rows(size, summaries)
    except (BenchError, ServerError) as error:
        log(f"bench: {error}")
        return 2
    finally:
        server.stop()

    profile = []
    if args.profile:
        largest = max(sizes)
        ours = [r["ours"] for r in rows if r["size"] == largest and r["ours"] and r["ours"]["status"] == "ok"]
        if ours:
            slowest = max(ours, key=lambda s: s["seconds"])["step"]
            log(f"profile of the slowest msp-graph step at {largest:g}: {slowest}")
            files = prepare(
                largest, seed=args.seed, profile=args.data_profile, shapes_set=args.shapes_set, log=log
            )["files"]
            profile = [f"step {slowest} at {largest:g} triples", *_profile(slowest, files, log=log)]

    scaling = growth(timings, {size: manifest["triples"] for size, manifest in per_size.items()})
    _log_growth(scaling, log)
    table = _markdown(rows, per_size) + _growth_markdown(scaling, args.data_profile)
    table += f"\nShapes: `{args.shapes_set}`.\n"
    print(table)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y-%m-%dT%H%M%SZ")
    record = {
        "started": started.isoformat(),
        "command": " ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
        "generator_version": GENERATOR_VERSION,
        "data_profile": args.data_profile,
        "machine": _machine(),
        "options": {
            "repeat": args.repeat,
            "timeout": args.timeout,
            "long": args.long,
            "seed": args.seed,
            "data_profile": args.data_profile,
            "shapes_set": args.shapes_set,
            "sizes": sizes,
            "endpoint_server": args.endpoint_server if endpoint_run else None,
        },
        "sizes": {str(k): v for k, v in per_size.items()},
        "rows": rows,
        "parity": {str(k): v for k, v in parity.items()},
        "scaling": {
            "rule": {"limit": GROWTH_LIMIT, "min_seconds": GROWTH_MIN_SECONDS},
            "steps": scaling,
            "flagged": sorted({row["step"] for row in scaling if row["flagged"]}),
        },
        "profile": profile,
    }
    (args.results / f"{stamp}.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    (args.results / f"{stamp}.md").write_text(table, encoding="utf-8")
    log(f"results: {args.results / stamp}.json and .md")
    if not parity_ok:
        log("parity check failed: the validators report different results (see above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
