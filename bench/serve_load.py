"""Serving under load: ``msp-graph serve`` on the bundled data, concurrent clients, on 127.0.0.1 only.

``python -m bench.serve_load`` starts ``msp-graph serve`` (the bundled data, ``--port 0``) and runs five
phases one after the other, each ``--seconds`` long (10 by default; all phases together at most 60 s of
requests, and at most ``MAX_REQUESTS`` requests a phase), with ``--clients`` clients (8) each sending its
next request as soon as the last one is answered, on its own keep-alive connection:

* ``index``: ``GET /``;
* ``partnership``: ``GET /page/partnership/{slug}``, every partnership in turn;
* ``organisation``: ``GET /page/organisation/{slug}``, every organisation in turn;
* ``named query``: the named query ``partners-sharing-alliances`` with ``partner`` bound (each organisation
  in turn), as ``msp-graph query`` prepares it, ``POST``ed to ``/sparql`` (``application/sparql-query``);
* ``named query, Oxigraph server`` (the reference, unless ``--no-reference``): the same texts sent to
  ``oxigraph serve --union-default-graph`` holding the same quads, in the same run.

Every answer must be ``200``: any other status, a refused or dropped connection or a time-out
(``REQUEST_TIMEOUT``) is an error, and the run exits 1 when there is one. Figures per phase: requests,
errors, requests per second, latency p50/p95/p99 (the time from sending a request to having read its whole
answer); the servers' peak memory (VmHWM). The Markdown table goes to stdout and, with the JSON record, to
``bench/results/serve-load-<time>.{md,json}`` (``--out`` names another folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MAX_REQUESTS", "Phase", "main", "percentiles", "run_phase"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ID = "https://w3id.org/msp/id/"
QUERY = "partners-sharing-alliances"
MAX_SECONDS = 60  # all phases together
MAX_REQUESTS = 200_000  # a phase stops at this many requests, whatever its time
REQUEST_TIMEOUT = 10.0
STARTUP = 120.0


@dataclass
class Phase:
    """What one phase sent and how long each answer took."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict:
        p50, p95, p99 = percentiles(self.latencies)
        return {
            "phase": self.name,
            "requests": len(self.latencies) + len(self.errors),
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(p50 * 1000, 1),
            "p95_ms": round(p95 * 1000, 1),
            "p99_ms": round(p99 * 1000, 1),
        }


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """The 50th, 95th and 99th percentiles of ``values`` (linear between the closest ranks); 0 if none."""
    if not values:
        return 0.0, 0.0, 0.0
    if len(values) == 1:
        return values[0], values[0], values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


def run_phase(
    name: str, port: int, requests: Callable[[int], Request], *, clients: int, seconds: float
) -> Phase:
    """``clients`` threads, each on its own connection to 127.0.0.1:``port``, sending ``requests(i)`` for
    i = 0, 1, 2... (shared among them) until ``seconds`` have passed or ``MAX_REQUESTS`` were sent."""
    phase, lock, counter = Phase(name), threading.Lock(), iter(range(MAX_REQUESTS))
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        try:
            while time.monotonic() < deadline:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                method, path, body, headers = requests(number)
                started = time.perf_counter()
                try:
                    connection.request(method, path, body=body, headers=headers)
                    answer = connection.getresponse()
                    answer.read()
                    status = answer.status
                except (OSError, http.client.HTTPException) as error:
                    status = f"{type(error).__name__}: {error}"
                    connection.close()  # the next request opens a new connection
                took = time.perf_counter() - started
                with lock:
                    if status == 200:
                        phase.latencies.append(took)
                    else:
                        phase.errors.append(f"{method} {path[:80]}: {status}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, name=f"client-{i}") for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    return phase


class Server:
    """A server process, stopped by ``stop()``; its output read on a thread (a full pipe never blocks it).
    ``address`` is a pattern whose group 1 is the port it prints once it listens (``msp-graph serve``);
    without one, ``port`` is given and the server is ready when it answers ``ready`` (Oxigraph)."""

    def __init__(self, command: list[str], *, address: str | None = None, port: int = 0, ready: str = ""):
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True
        )
        self.output: list[str] = []
        self.port = port
        found = threading.Event()

        def read() -> None:
            for line in self.process.stdout:
                self.output.append(line)
                if address and not found.is_set() and (match := re.search(address, line)):
                    self.port = int(match[1])
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        if address:
            found.wait(STARTUP)
        elif not self._answers(ready):
            self.port = 0
        if not self.port:
            self.stop()
            raise RuntimeError(f"{command[0]} did not start:\n{''.join(self.output)[-2000:]}")

    def _answers(self, path: str) -> bool:
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline and self.process.poll() is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", path)
                if connection.getresponse().status == 200:
                    return True
            except OSError:
                time.sleep(0.2)
            finally:
                connection.close()
        return False

    def peak_mib(self) -> float:
        """The process's peak resident memory so far (Linux VmHWM), in MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workload() -> tuple[list[str], list[str], list[str], bytes]:
    """The slugs of the partnerships and organisations, the named query's texts (one per organisation, as
    ``msp-graph query`` prepares them) and the bundled data as N-Quads (for the reference server)."""
    from msp_graph.export import export
    from msp_graph.loading import load_bundled, open_store
    from msp_graph.queries import get_query, prepare_query, run_query

    store = open_store()
    load_bundled(store)
    subjects = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{ID}')) }} ORDER BY ?s"
    slugs: dict[str, list[str]] = {"partnership": [], "organisation": []}
    for row in run_query(store, subjects).rows:
        kind, _, slug = row["s"].value.removeprefix(ID).partition("/")
        if kind in slugs and re.fullmatch(r"[A-Za-z0-9._~-]+", slug):
            slugs[kind].append(slug)
    if not all(slugs.values()):
        raise RuntimeError(f"the bundled data has no {' or '.join(k for k, v in slugs.items() if not v)}")
    named = get_query(QUERY)
    texts = [
        prepare_query(named, params={"partner": f"{ID}organisation/{slug}"}).text
        for slug in slugs["organisation"]
    ]
    return slugs["partnership"], slugs["organisation"], texts, export(store, format="nquads")


def _oxigraph(quads: bytes) -> Server:
    """``oxigraph serve --union-default-graph`` in memory (as msp-graph serve holds the data), given
    ``quads`` through its Graph Store endpoint: the reference."""
    binary = shutil.which("oxigraph")
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph); or --no-reference")
    port = _free_port()
    command = [binary, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    server = Server(command, port=port, ready="/query?query=ASK%7B%7D")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", "/store", body=quads, headers={"Content-Type": "application/n-quads"})
        answer = connection.getresponse()
        answer.read()
        if answer.status not in (200, 201, 204):
            raise RuntimeError(f"the Oxigraph server refused the data: {answer.status}")
    except BaseException:
        server.stop()
        raise
    finally:
        connection.close()
    return server


def _phases(args, partnerships, organisations, texts) -> list[tuple[str, str, Callable[[int], Request]]]:
    """(phase, which server, request maker) in the order they run."""
    query = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}

    def page(kind: str, slugs: list[str]) -> Callable[[int], Request]:
        return lambda i: ("GET", f"/page/{kind}/{slugs[i % len(slugs)]}", None, {})

    def sparql(path: str) -> Callable[[int], Request]:
        return lambda i: ("POST", path, texts[i % len(texts)].encode("utf-8"), query)

    phases = [
        ("index", "serve", lambda i: ("GET", "/", None, {})),
        ("partnership page", "serve", page("partnership", partnerships)),
        ("organisation page", "serve", page("organisation", organisations)),
        (f"named query ({QUERY})", "serve", sparql("/sparql")),
    ]
    if args.reference:
        phases.append(("the same query, Oxigraph server", "oxigraph", sparql("/query")))
    return phases


def _markdown(record: dict) -> str:
    lines = [
        f"{record['clients']} clients, {record['seconds']:g} s a phase, 127.0.0.1; {record['machine']}",
        "",
        "| phase | requests | errors | requests/s | p50 | p95 | p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in record["phases"]:
        lines.append(
            f"| {p['phase']} | {p['requests']:,} | {p['errors']} | {p['requests_per_second']:,.1f} | "
            f"{p['p50_ms']:.1f} ms | {p['p95_ms']:.1f} ms | {p['p99_ms']:.1f} ms |"
        )
    lines += [
        "",
        f"msp-graph serve listened {record['startup_seconds']:.1f} s after its start (loading, validating).",
        f"Peak memory: {', '.join(f'{k} {v:.0f} MiB' for k, v in record['peak_mib'].items())}.",
    ]
    if "reference_ratio" in record:
        r = record["reference_ratio"]
        lines.append(
            f"Named query, msp-graph serve / Oxigraph server: requests/s {r['requests_per_second']:.2f}x, "
            f"p50 {r['p50']:.2f}x."
        )
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.serve_load", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase (default 10)")
    parser.add_argument("--no-reference", dest="reference", action="store_false", help="skip Oxigraph server")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the record (bench/results)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    phases = 5 if args.reference else 4
    if not 0 < args.seconds * phases <= MAX_SECONDS or not 1 <= args.clients <= 64:
        parser.error(f"--seconds: {phases} phases must take at most {MAX_SECONDS} s; --clients 1 to 64")
    partnerships, organisations, texts, quads = _workload()
    command = [sys.executable, "-m", "msp_graph.cli", "serve", "--host", "127.0.0.1", "--port", "0"]
    started = time.monotonic()
    servers = {"serve": Server(command, address=r"serving on http://127\.0\.0\.1:(\d+)/")}
    record: dict = {"startup_seconds": round(time.monotonic() - started, 2)}
    try:
        if args.reference:
            servers["oxigraph"] = _oxigraph(quads)
        results = [
            run_phase(name, servers[which].port, make, clients=args.clients, seconds=args.seconds)
            for name, which, make in _phases(args, partnerships, organisations, texts)
        ]
        record["peak_mib"] = {
            "msp-graph serve" if k == "serve" else "Oxigraph server": round(s.peak_mib(), 1)
            for k, s in servers.items()
        }
    finally:
        for server in servers.values():
            server.stop()
    record.update(
        clients=args.clients,
        seconds=args.seconds,
        machine=f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end",
        phases=[r.summary() for r in results],
    )
    if args.reference:
        ours, theirs = record["phases"][3], record["phases"][4]
        record["reference_ratio"] = {
            "requests_per_second": ours["requests_per_second"] / max(theirs["requests_per_second"], 1e-9),
            "p50": ours["p50_ms"] / max(theirs["p50_ms"], 1e-9),
        }
    table = _markdown(record)
    print(table)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"serve-load-{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    (args.out / f"serve-load-{stamp}.md").write_text(table)
    errors = [e for p in record["phases"] for e in p["first_errors"]]
    if errors:
        print(
            f"error responses: {sum(p['errors'] for p in record['phases'])}; first: {errors[0]}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
