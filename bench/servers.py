"""Real SPARQL servers started on 127.0.0.1 with free ports and temporary folders, for the benchmark
(``bench/endpoint.py``) and the tests (``tests/servers.py`` adds the pytest fixtures):

* ``start_oxigraph``: ``oxigraph serve --union-default-graph`` (pip package ``oxigraph``);
* ``start_virtuoso``: Debian's ``virtuoso-t`` in the foreground, from a copy of the installed ini with
  loopback ports and a temporary database; ``/sparql-auth`` and ``/sparql-graph-crud-auth`` take digest auth
  as ``dba``/``dba`` (a fresh database's defaults).

A missing binary raises ``ServerMissing``. Every server is stopped by its own process id (``stop``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

VIRTUOSO = "/usr/bin/virtuoso-t"
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
DEFAULT_VIRTUOSO_PORTS = (1111, 8890)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerMissing(RuntimeError):
    """The server's binary is not installed (the tests skip, or fail under CI; the bench says so)."""


def missing(what: str) -> None:
    raise ServerMissing(f"{what} is missing")


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (401 on an auth endpoint is an answer)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url}: no answer after {seconds} s; log: {log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@dataclass
class Server:
    """A running server: its URLs, the credentials it wants, and how to stop or restart it."""

    name: str
    endpoint: str
    update_endpoint: str
    graph_store: str
    user: str | None = None
    password: str | None = None
    process: subprocess.Popen | None = None
    folder: Path | None = None
    port: int = 0
    extra: dict = field(default_factory=dict)

    def store(self, **options):
        from msp_graph.stores.remote import RemoteStore

        options.setdefault("user", self.user)
        options.setdefault("password", self.password)
        options.setdefault("timeout", 30)
        return RemoteStore(
            self.endpoint, update_endpoint=self.update_endpoint, graph_store=self.graph_store, **options
        )


def start_oxigraph(folder: Path, port: int | None = None, *, union: bool = True) -> Server:
    """An Oxigraph server on ``folder`` (reused when it exists), on ``port`` (a free one by default);
    ``union=False`` leaves out ``--union-default-graph`` (the default graph is then a graph of its own)."""
    binary = shutil.which("oxigraph")
    if binary is None:
        missing("the oxigraph server (pip package oxigraph)")
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder.parent / f"{folder.name}.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [
                binary,
                "serve",
                "--location",
                str(folder),
                "--bind",
                f"127.0.0.1:{port}",
                *(["--union-default-graph"] if union else []),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/query?query=ASK%7B%7D", process, log)
    except BaseException:
        stop(process)
        raise
    return Server("oxigraph", f"{base}/query", f"{base}/update", f"{base}/store", process=process,
                  folder=folder, port=port)  # fmt: skip


def _stop_debian_virtuoso() -> None:
    """Stop the service the Debian package may have started on the default ports (ours use others)."""
    try:
        import psutil

        listening = {
            c.laddr.port for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN and c.laddr
        }
    except Exception:
        return
    if listening & set(DEFAULT_VIRTUOSO_PORTS) and shutil.which("service"):
        subprocess.run(
            ["service", "virtuoso-opensource-7", "stop"], capture_output=True, timeout=60, check=False
        )


def virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> Path:
    """A copy of the installed ini with the database in ``folder``, both ports on 127.0.0.1, and no refusal
    by estimated query time."""
    section = None
    lines = []
    for line in VIRTUOSO_INI.read_text().splitlines():
        header = re.match(r"\s*\[(.+)\]", line)
        if header:
            section = header[1]
        key = line.split("=")[0].strip()
        line = line.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
        if section == "Parameters" and key == "ServerPort":
            line = f"ServerPort = 127.0.0.1:{sql_port}"
        elif section == "HTTPServer" and key == "ServerPort":
            line = f"ServerPort = 127.0.0.1:{http_port}"
        elif section == "SPARQL" and key == "MaxQueryCostEstimationTime":
            # Virtuoso refuses a query whose estimated time passes this (400 s in Debian's ini); its estimate
            # of the same validation query varies with the server's statistics (64,590 s once in CI, for a
            # query that runs in under a second), which made tests fail at random.
            line = "MaxQueryCostEstimationTime = 100000000"
        lines.append(line)
    ini = folder / "virtuoso.ini"
    ini.write_text("\n".join(lines) + "\n")
    return ini


def start_virtuoso(folder: Path) -> Server:
    if not (os.access(VIRTUOSO, os.X_OK) and VIRTUOSO_INI.is_file()):
        missing("Virtuoso (Debian package virtuoso-opensource)")
    _stop_debian_virtuoso()
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = virtuoso_ini(folder, sql_port, http_port)
    log = folder / "virtuoso.out"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(ini)],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_for(f"{base}/sparql?query=ASK%7B%7D", process, log, seconds=120)
    except BaseException:
        stop(process)
        raise
    return Server("virtuoso", f"{base}/sparql-auth", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth",
                  user="dba", password="dba", process=process, folder=folder, port=http_port,
                  extra={"public": f"{base}/sparql"})  # fmt: skip


# Seconds per request for msp-graph against the bench's server: at 10^6 one reasoning rule over the whole
# store, or the graph-store PUT of the file, takes more than the default 60 s.
REQUEST_TIMEOUT = "3600"


def request_env(files: dict) -> dict[str, str]:
    """The environment msp-graph needs for the server named in ``files`` (credentials, request time-out)."""
    env = {"MSP_GRAPH_TIMEOUT": REQUEST_TIMEOUT}
    if files.get("endpoint_user"):
        env |= {"MSP_GRAPH_USER": files["endpoint_user"], "MSP_GRAPH_PASSWORD": files["endpoint_password"]}
    return env
