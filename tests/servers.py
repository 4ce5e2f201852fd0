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
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

VIRTUOSO = "/usr/bin/virtuoso-t"
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
DEFAULT_VIRTUOSO_PORTS = (1111, 8890)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing(what: str) -> None:
    """Fail under CI (the binaries are installed there), skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; .ci/run must install it")
    pytest.skip(f"{what} is missing")


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
    """A copy of the installed ini with the database in ``folder`` and both ports on 127.0.0.1."""
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
