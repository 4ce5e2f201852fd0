"""Real SPARQL servers for the tests, started on 127.0.0.1 with free ports and temporary folders.

* ``oxigraph_server``: ``oxigraph serve --union-default-graph`` (pip package ``oxigraph``, test extras);
* ``virtuoso_server``: Debian's ``virtuoso-t`` in the foreground, from a copy of the installed ini with
  loopback ports and a temporary database; ``/sparql-auth`` and ``/sparql-graph-crud-auth`` take digest auth
  as ``dba``/``dba`` (a fresh database's defaults).

A missing server binary skips the tests that need it, except under ``CI=true`` (CI installs them), where the
fixture fails. Every server is stopped by its own process id when the session ends. Import the fixtures
into a test module (``from servers import oxigraph_server, virtuoso_server``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bench.servers import (  # noqa: F401  (one way of starting servers, shared with bench/)
    DEFAULT_VIRTUOSO_PORTS,
    VIRTUOSO,
    VIRTUOSO_INI,
    Server,
    ServerMissing,
    free_port,
    stop,
    virtuoso_ini,
    wait_for,
)
from bench.servers import start_oxigraph as _start_oxigraph
from bench.servers import start_virtuoso as _start_virtuoso


def missing(what: str) -> None:
    """Fail under CI (the binaries are installed there), skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; .ci/run must install it")
    pytest.skip(f"{what} is missing")


def start_oxigraph(folder: Path, port: int | None = None, *, union: bool = True) -> Server:
    try:
        return _start_oxigraph(folder, port, union=union)
    except ServerMissing as error:
        missing(str(error).removesuffix(" is missing"))
        raise


def start_virtuoso(folder: Path) -> Server:
    try:
        return _start_virtuoso(folder)
    except ServerMissing as error:
        missing(str(error).removesuffix(" is missing"))
        raise


def clear(store) -> None:
    """Drop every graph of a test server's store (the servers are shared by the whole session)."""
    for graph in store.graphs():
        store.drop(graph)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "db")
    yield server
    stop(server.process)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    stop(server.process)


class SilentServer:
    """A socket on 127.0.0.1 that accepts connections and never answers (for timeout tests)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = self.sock.accept()
                self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self.sock.close()


class KillingProxy:
    """A loopback TCP proxy to a server that kills the server once a request body is half relayed.

    It relays client -> server byte by byte count; when ``trigger`` (e.g. ``b"PUT "``) has been seen on a
    connection and ``after`` more bytes have passed, it kills the server process (SIGKILL: no clean shutdown)
    and drops the connection: the server dies in the middle of receiving the request.
    """

    def __init__(self, target_port: int, process: subprocess.Popen, *, trigger: bytes, after: int):
        self.target_port, self.process, self.trigger, self.after = target_port, process, trigger, after
        self.killed = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                continue
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        except OSError:
            client.close()
            return
        back = threading.Thread(target=self._pipe, args=(upstream, client), daemon=True)
        back.start()
        seen, counted = b"", -1
        with contextlib.suppress(OSError):
            while True:
                chunk = client.recv(4096)
                if not chunk:
                    break
                if counted < 0:
                    seen = (seen + chunk)[-65536:]
                    if self.trigger in seen:
                        counted = 0
                if counted >= 0:
                    counted += len(chunk)
                    if counted >= self.after:
                        upstream.sendall(chunk[: len(chunk) // 2])
                        self.process.kill()
                        self.process.wait(timeout=15)
                        self.killed.set()
                        break
                upstream.sendall(chunk)
        for end in (client, upstream):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while True:
                chunk = source.recv(4096)
                if not chunk:
                    break
                sink.sendall(chunk)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


# --- misbehaving servers and a watching proxy, for the fault tests ------------------------------------------


def raw_query(server: Server, sparql: str, *, timeout: float = 30) -> list[dict]:
    """Rows of a SELECT sent straight to ``server`` (urllib, no msp-graph code in between): what the server
    holds, staging graphs included. Values are the JSON bindings' ``value`` strings."""
    data = urllib.parse.urlencode({"query": sparql}).encode()
    request = urllib.request.Request(server.endpoint, data=data,
                                     headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    handlers = []
    if server.user:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, server.endpoint, server.user, server.password or "")
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    with urllib.request.build_opener(*handlers).open(request, timeout=timeout) as answer:
        body = json.loads(answer.read())
    return [{name: value["value"] for name, value in row.items()} for row in body["results"]["bindings"]]


def raw_graphs(server: Server) -> set[str]:
    """Every graph the server holds (Virtuoso's own system graphs left out)."""
    rows = raw_query(server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    system = re.compile(r"^(http://www\.openlinksw\.com/|http://www\.w3\.org/|https?://[^/]+/(sparql|DAV/))")
    return {row["g"] for row in rows if not system.match(row["g"])}


def raw_state(server: Server, graphs: set[str] | None = None) -> dict[str, set[tuple]]:
    """graph -> its set of (s, p, o) value triples, for ``graphs`` (default: every graph). Small data only:
    Virtuoso cuts an answer at 10,000 rows."""
    state = {}
    for graph in sorted(graphs if graphs is not None else raw_graphs(server)):
        rows = raw_query(server, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        state[graph] = {(r["s"], r["p"], r["o"]) for r in rows}
    return state


class ScriptedServer:
    """An HTTP server on 127.0.0.1 that reads each request and answers it with ``script(conn, request)``,
    writing raw bytes: what no well-behaved server sends (a cut body, a trickle, an endless stream, a reset).

    ``script`` gets the socket and the request bytes (headers and body); the connection is closed after it.
    ``stopping`` is set by ``close()``: long scripts (trickle, endless) check it; ``requests`` keeps what
    came.
    """

    def __init__(self, script):
        self.script = script
        self.requests: list[bytes] = []
        self.stopping = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self._threads: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(10)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                request += chunk
            head, _, body = request.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            while length and len(body) < int(length[1]):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            self.requests.append(head + b"\r\n\r\n" + body)
            self.script(self, conn, head + b"\r\n\r\n" + body)

    def close(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self.sock.close()


def http_head(status: int = 200, headers: dict | None = None) -> bytes:
    reason = {200: "OK", 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(body: bytes, content_type: str = "application/sparql-results+json", status: int = 200, **headers):
    """A script: one whole answer, ``Content-Length`` matching ``body`` (however cut ``body`` itself is)."""

    def script(server, conn, request):
        extra = {k.replace("_", "-"): v for k, v in headers.items()}
        conn.sendall(http_head(status, {"Content-Type": content_type, "Content-Length": len(body), **extra}))
        conn.sendall(body)

    return script


def cut_connection(body: bytes, at: int, content_type: str = "application/sparql-results+json"):
    """A script: announce ``body`` whole, send its first ``at`` bytes, then reset the connection."""

    def script(server, conn, request):
        conn.sendall(http_head(200, {"Content-Type": content_type, "Content-Length": len(body)}))
        conn.sendall(body[:at])
        time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN

    return script


def trickle(
    body: bytes,
    every: float,
    content_type: str = "application/sparql-results+json",
    *,
    head_too: bool = False,
    most_seconds: float = 30,
):
    """A script: ``body`` (with its headers too, with ``head_too``) one byte every ``every`` seconds: a server
    that keeps a per-read time-out alive for ever. After ``most_seconds`` it drops the connection, so that a
    client without a deadline still ends."""

    def script(server, conn, request):
        head = http_head(200, {"Content-Type": content_type, "Content-Length": len(body)})
        data = head + body if head_too else body
        if not head_too:
            conn.sendall(head)
        ends = time.monotonic() + most_seconds
        for i in range(len(data)):
            if server.stopping.wait(every) or time.monotonic() > ends:
                return
            conn.sendall(data[i : i + 1])

    return script


def endless(content_type: str = "application/sparql-results+json", most: int = 256 * 1024 * 1024):
    """A script: an answer without a length that streams bytes until the client leaves (or ``most`` bytes,
    so that a client without a bound still ends)."""

    def script(server, conn, request):
        conn.sendall(http_head(200, {"Content-Type": content_type}))
        conn.sendall(b'{"head":{"vars":["s"]},"results":{"bindings":[')
        row = b'{"s":{"type":"literal","value":"' + b"x" * 1000 + b'"}},'
        block = row * 64
        sent = 0
        while sent < most and not server.stopping.is_set():
            conn.sendall(block)
            sent += len(block)

    return script


def redirect(location: str, status: int = 302):
    """A script: a redirect to ``location``."""

    def script(server, conn, request):
        conn.sendall(http_head(status, {"Location": location, "Content-Length": 0}))

    return script


class WatchingProxy:
    """A loopback TCP proxy in front of a server that calls ``act()`` once, when a request matching
    ``trigger(request_bytes)`` passes (urllib sends one request per connection).

    ``hold=True``: the matching bytes are not relayed, and the connection is dropped after ``act()`` (the
    server never gets the whole request). ``hold=False``: the request goes through whole, and ``act()`` runs
    when the server starts answering; the answer is not relayed (a client killed before it read it).
    """

    def __init__(self, target_port: int, trigger, act, *, hold: bool):
        self.target_port, self.trigger, self.act, self.hold = target_port, trigger, act, hold
        self.fired = threading.Event()
        self._lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, server_url: str) -> str:
        """``server_url`` with the proxy's port."""
        return re.sub(r"//127\.0\.0\.1:\d+", f"//127.0.0.1:{self.port}", server_url)

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _fire(self) -> bool:
        with self._lock:
            if self.fired.is_set():
                return False
            self.fired.set()
        self.act()
        return True

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        except OSError:
            client.close()
            return
        matched = threading.Event()
        back = threading.Thread(target=self._back, args=(upstream, client, matched), daemon=True)
        back.start()
        seen = b""
        with contextlib.suppress(OSError):
            while True:
                chunk = client.recv(65536)
                if not chunk:
                    break
                seen += chunk
                if not matched.is_set() and not self.fired.is_set() and self.trigger(seen):
                    matched.set()
                    if self.hold:
                        self._fire()
                        break
                upstream.sendall(chunk)
        for end in (client, upstream):  # also ends the answer's relay
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        back.join(timeout=30)
        client.close()
        upstream.close()

    def _back(self, upstream: socket.socket, client: socket.socket, matched: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                if matched.is_set() and not self.hold:
                    self._fire()
                    break
                client.sendall(chunk)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
