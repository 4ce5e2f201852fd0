"""The SPARQL server the endpoint steps validate in (issue 18): started on 127.0.0.1, loaded, stopped.

``python -m bench.run --only command-validate-endpoint command-validate-endpoint-local-copy [--endpoint-server
virtuoso|oxigraph]`` starts, for each size, a fresh server in a temporary folder the way the tests do
(``bench/servers.py``, shared with ``tests/servers.py``: Debian's ``virtuoso-t`` from a copy of the installed
ini with loopback ports, or ``oxigraph serve --union-default-graph``), loads the size's data into it with
``msp-graph push DATA`` (the bundled ontology and vocabularies, then the file: through the Graph Store
Protocol on Oxigraph, in batched SPARQL updates on Virtuoso, whose graph-crud endpoint drops the connection on
the 14 MB PUT of 10^5 triples), records how long the push took and its peak memory (in the record's ``sizes``;
not part of any timed step), runs the steps and stops the server by its own process id. The steps get the
server's URLs and credentials in their arguments. Fuseki is not offered: its jar comes from the Maven
registry, which this machine cannot reach (see docs/endpoints.md).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from bench import servers
from bench.servers import request_env

__all__ = ["SERVERS", "EndpointServer", "ServerError"]

SERVERS = ("virtuoso", "oxigraph")


class ServerError(RuntimeError):
    """The bench's server could not be started or loaded (``bench.run`` says so in one line, exit 2)."""


class EndpointServer:
    """At most one running server of kind ``kind``; ``serve`` replaces it with a fresh one for a size."""

    def __init__(self, kind: str):
        if kind not in SERVERS:
            raise ValueError(f"unknown endpoint server {kind!r}; known: {', '.join(SERVERS)}")
        self.kind = kind
        self.server = None
        self.folder: tempfile.TemporaryDirectory | None = None

    def _check(self) -> None:
        if self.kind == "virtuoso" and not os.access(servers.VIRTUOSO, os.X_OK):
            raise ServerError(f"{servers.VIRTUOSO}: not found; install Debian's virtuoso-opensource")
        if self.kind == "oxigraph" and shutil.which("oxigraph") is None:
            raise ServerError("oxigraph: not found on PATH; install the pip package oxigraph")

    def serve(self, files: dict, *, log) -> dict:
        """Stop the previous server, start a fresh one, push ``files["data"]``; the steps' extra arguments
        (``endpoint``, ``update_endpoint``, ``graph_store``, credentials) and ``load`` (the push: seconds,
        the peak memory of the ``msp-graph push`` process)."""
        self.stop()
        self._check()
        self.folder = tempfile.TemporaryDirectory(prefix=f"msp-bench-{self.kind}-")
        folder = Path(self.folder.name)
        started = time.perf_counter()
        if self.kind == "virtuoso":
            self.server = servers.start_virtuoso(folder / "db")
        else:
            self.server = servers.start_oxigraph(folder / "db")
        log(f"  {self.kind} started on 127.0.0.1 in {time.perf_counter() - started:.1f} s")
        server = self.server
        extra = {
            "endpoint_server": self.kind,
            "endpoint": server.endpoint,
            "update_endpoint": server.update_endpoint,
            "graph_store": server.graph_store,
            "endpoint_user": server.user,
            "endpoint_password": server.password,
        }
        load = self._push(files["data"], extra)
        name = Path(files["data"]).name
        log(f"  pushed {name}: {load['seconds']:.1f} s, {load['peak_mib']:.0f} MiB (not timed)")
        return extra | {"load": load}

    def _push(self, data: str, extra: dict) -> dict:
        from bench.steps import _command, _msp_graph

        argv = _msp_graph("push", data, "-q", "--endpoint", extra["endpoint"])
        argv += ["--update-endpoint", extra["update_endpoint"]]
        via = "msp-graph push (SPARQL updates)"
        if self.kind != "virtuoso":
            # Virtuoso's graph-crud endpoint drops the connection on a PUT of the 10^5 file (14 MB): batched
            # SPARQL INSERTs there (push's way without --graph-store).
            argv += ["--graph-store", extra["graph_store"]]
            via = "msp-graph push (graph store protocol)"
        try:
            seconds, peak, _ = _command(argv, env=request_env(extra))
        except RuntimeError as error:
            raise ServerError(f"msp-graph push into {self.kind} failed: {error}") from None
        return {"seconds": round(seconds, 3), "peak_mib": round(peak, 1), "via": via}

    def stop(self) -> None:
        if self.server is not None:
            servers.stop(self.server.process)
            self.server = None
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None
