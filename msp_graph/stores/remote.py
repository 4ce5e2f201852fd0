"""The remote store: any SPARQL 1.1 endpoint behind the same ``Store`` interface as the embedded one.

Queries and updates go through SPARQLWrapper (SPARQL 1.1 Protocol, POST, form-encoded); graphs are loaded
with the SPARQL 1.1 Graph Store HTTP Protocol when a graph-store URL is given (one PUT per graph), with
batches of ``INSERT DATA`` otherwise. Results come back as the same pyoxigraph types as
``EmbeddedStore.query`` (``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``), so code above never asks
which store it talks to.

* **Old or new, never a mix.** ``replace_graphs`` (``load`` for one graph, ``push`` for many) parses every
  source locally first, writes each graph into a staging graph of its own, then sends ONE update request
  that moves them all into place: the server runs it as one transaction. A failure before it leaves every
  graph as it was, and the staging graphs are dropped when the server still answers.
* **Staging graphs are invisible.** Each carries a mark (one triple: its IRI and when it was made), found by
  one cheap query. While any exists (a push under way, or one killed), queries name the visible graphs in
  the protocol request, so staging triples are never seen. A writer removes the staging graphs of writers
  that are gone (their process no longer runs on this host, or they are older than a day) before it writes;
  those of a live writer stay.
* **Paging.** ``iter_select`` pages a SELECT that has an ORDER BY with ``LIMIT``/``OFFSET`` around a
  sub-query (Virtuoso refuses ``OFFSET`` past 10,000 on a sorted query otherwise), one page in memory at a
  time, and keeps going when a server caps a page below the asked size. ``iter_triples`` is the paged
  ``CONSTRUCT { ?s ?p ?o }``. ``dump`` uses them: it never trusts a single large response (Virtuoso cuts
  Graph Store GETs and CONSTRUCTs at its ``ResultSetMaxRows`` without saying so).
* **Union default graph.** Every query msp-graph sends assumes that the default graph is the union of the
  named graphs (Virtuoso's default, ``oxigraph serve --union-default-graph``, Fuseki's ``unionDefaultGraph``).
  The first query checks it once; on a server where it is not, queries without ``GRAPH`` name every graph as
  the default graph in the protocol request (``default-graph-uri``), so they give the same answer instead
  of an empty one.
* **Bounded requests.** Each request has a deadline (``MSP_GRAPH_TIMEOUT``) for all of it, from connecting
  to the last byte of the answer: a timer shuts the connection when it passes, so a server that trickles
  bytes cannot outlive it. An answer is read up to ``MSP_GRAPH_MAX_RESPONSE_BYTES`` and refused past it.
  Redirects are not followed (a redirect names the URL to give instead). Answers are parsed whole before
  they are returned; XML answers that declare entities are refused before parsing (defusedxml).
* **Credentials** come from ``MSP_GRAPH_USER`` / ``MSP_GRAPH_PASSWORD`` or from ``~/.netrc`` (the entry of
  the endpoint's host), never from the command line or the URL; the server's challenge picks basic or digest.
* **Failures** are one-line ``EndpointError``\\ s: unreachable, timeout, refused credentials (never echoed),
  the server's own message on 4xx/5xx, an endpoint that does not accept updates, an unreadable answer.
  Connection errors and 502/503/504 are retried a bounded number of times with exponential back-off. A 500
  with a message is not retried: SPARQL servers (Oxigraph, Virtuoso) answer 500 to deterministic errors such
  as a missing graph or a permission error, and asking again would only repeat it.

>>> store = RemoteStore("http://127.0.0.1:7878/query", update_endpoint="http://127.0.0.1:7878/update",
...                     graph_store="http://127.0.0.1:7878/store")          # doctest: +SKIP
>>> store.load("data/alliance-8-7.ttl", graph=source_graph("alliance-8-7"))  # doctest: +SKIP
"""

from __future__ import annotations

import collections
import contextlib
import datetime as _dt
import hashlib
import http.client
import io
import json
import logging
import math
import netrc
import os
import re
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
import xml.sax
import xml.sax.handler
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import defusedxml
import defusedxml.sax
import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from ..errors import EndpointError, LoadError, QueryError, SettingError
from ..limits import LIMITS, limit
from ..sparql_text import masked, without_comments
from .base import GRAPH_BASE, STAGING_PREFIX, Store
from .terms import FORMATS, parsing, rdf_format, read_source, short, term

if TYPE_CHECKING:
    import rdflib

__all__ = [
    "DIALECTS",
    "ENV_PASSWORD",
    "ENV_USER",
    "RemoteStore",
    "Solutions",
    "credentials_for",
    "open_remote",
]

ENV_USER = "MSP_GRAPH_USER"
ENV_PASSWORD = "MSP_GRAPH_PASSWORD"

log = logging.getLogger(__name__)

# Graphs a Virtuoso installation holds for itself; listing or pulling them would be noise.
_SYSTEM_GRAPHS = re.compile(
    r"^(http://www\.openlinksw\.com/schemas/virtrdf#|http://www\.w3\.org/ns/ldp#"
    r"|http://www\.w3\.org/2002/07/owl#|https?://[^/]+/(sparql|DAV/))$"
)
_RETRY_STATUSES = {502, 503, 504}
_NOT_WRITABLE = re.compile(r"SECURITY|no permission|permission denied|read[- ]?only", re.I)
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
# Media types of CONSTRUCT / DESCRIBE answers that are not a format's own (``RdfFormat.media_type``) but
# that servers send: N-Triples as text/plain (its media type before RDF 1.1), Turtle as application/x-turtle.
_OTHER_RDF_TYPES = {"text/plain": "nt", "application/x-turtle": "turtle"}
_RDF_TYPES = {f.media_type: f for f in FORMATS} | {t: rdf_format(n) for t, n in _OTHER_RDF_TYPES.items()}
_RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_USES_GRAPH = re.compile(r"\bGRAPH\b", re.I)
_PROLOGUE = re.compile(r"^(\s|#[^\n]*\n|(PREFIX\s+[\w.-]*:\s*<[^>]*>)|(BASE\s*<[^>]*>))*", re.I)

# Staging graphs: ``<STAGING_PREFIX><unix time>-<host>-<process id>-<random>``, marked by one triple
# ``<graph> prov:generatedAtTime "..."`` so that one cheap query finds them all.
_MARK = "http://www.w3.org/ns/prov#generatedAtTime"
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_STAGING_NAME = re.compile(rf"^{re.escape(STAGING_PREFIX)}(\d+)-([0-9a-f]{{8}})-(\d+)-[0-9a-f]+$")
# A staging graph older than this (seconds) is a dead writer's, wherever it ran; a push that takes longer
# from another host loses its staging graphs and fails (proposed limit: staging_max_age).
_STAGING_MAX_AGE = 24 * 3600
_BLANK = re.compile(rb"_:[A-Za-z0-9_.-]+")
# A server's answer to an update too large for it: Virtuoso's SQL compiler, or HTTP 413.
# Virtuoso's words for a request too large to compile (SP031: SQL text too long; SP030 "memory exhausted":
# too many triples in one INSERT DATA); HTTP 413 anywhere. SP030 alone is any compile error: not retried.
_TOO_LARGE = re.compile(r"generated SQL text has exceeded|\bSP031\b|\bSP030\b.*memory exhausted|HTTP 413\b")
_NOTHING = GRAPH_BASE + "none"  # named as the only default graph when no graph is visible: nothing to see
_MAX_TIMEOUT = 1e6  # seconds: past it the system's timers overflow
_ERROR_BODY = 64 * 1024  # bytes of an error answer read for its message
#: The SPARQL dialects msp-graph writes its queries in (docs/endpoints.md): ``oxigraph`` (the embedded
#: store's own, ``LATERAL`` included), ``virtuoso`` (Virtuoso 7's wrong answers worked around), ``generic``
#: (SPARQL 1.1 only). A server's dialect is found from the name it gives in its ``Server`` header.
DIALECTS = ("oxigraph", "virtuoso", "generic")
_SERVER_DIALECTS = {"oxigraph": "oxigraph", "virtuoso": "virtuoso"}


def credentials_for(url: str) -> tuple[str, str] | None:
    """The user and password for ``url``: ``MSP_GRAPH_USER``/``MSP_GRAPH_PASSWORD``, else ``~/.netrc``.

    >>> os.environ[ENV_USER], os.environ[ENV_PASSWORD] = "dba", "secret"
    >>> credentials_for("http://127.0.0.1:8890/sparql-auth")
    ('dba', 'secret')
    >>> del os.environ[ENV_USER], os.environ[ENV_PASSWORD]
    """
    user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
    if user:
        return user, password or ""
    host = urllib.parse.urlsplit(url).hostname
    if not host:
        return None
    try:
        entry = netrc.netrc().authenticators(host)
    except FileNotFoundError:
        return None
    except netrc.NetrcParseError as error:
        raise EndpointError(f"{error.filename}:{error.lineno}: cannot read ~/.netrc: {error.msg}") from None
    except OSError as error:
        raise EndpointError(f"~/.netrc: cannot read: {error.strerror}") from None
    if entry is None:
        return None
    login, _account, password = entry
    return login, password or ""


# --- checking what the caller gives ----------------------------------------------------------------------

_EXAMPLE = "give e.g. http://127.0.0.1:7878/query"


def _shown(url: str) -> str:
    """``url`` as messages show it: a password in it (user:password@) masked."""
    return re.sub(r"(?<=//)[^/@]*@", "***@", url)


def _check_url(option: str, url: object) -> None:
    """``EndpointError`` unless ``url`` is an http(s) URL that can be sent as it is."""
    if not isinstance(url, str) or not url:
        raise EndpointError(f"{option}: not a URL ({type(url).__name__}); {_EXAMPLE}")
    shown = _shown(url)
    if re.search(r"[\x00-\x20\x7f]", url):
        raise EndpointError(f"{option} {shown!r}: a space or a control character in the URL; {_EXAMPLE}")
    try:
        parts = urllib.parse.urlsplit(url)
        port, host = parts.port, parts.hostname
    except ValueError as error:
        raise EndpointError(f"{option} {shown!r}: not a valid URL ({error}); {_EXAMPLE}") from None
    if parts.scheme not in ("http", "https") or not host or port == 0:
        raise EndpointError(f"{option} {shown!r}: not an http(s) URL with a host; {_EXAMPLE}")
    if "@" in parts.netloc:
        raise EndpointError(
            f"{option} {shown!r}: credentials in the URL are not used (messages would show them); "
            f"set {ENV_USER} and {ENV_PASSWORD}, or add the host to ~/.netrc"
        )
    try:
        host.encode("idna")
    except UnicodeError:
        raise EndpointError(f"{option} {shown!r}: {host!r} is not a valid host name; {_EXAMPLE}") from None
    if not url.replace(parts.netloc, "", 1).isascii():
        raise EndpointError(f"{option} {shown!r}: percent-encode the characters that are not ASCII")


def _number(name: str, value: object, *, least: float, most: float = math.inf, whole: bool = False) -> float:
    """``value`` as a finite number in ``[least, most]`` (a whole one with ``whole``), else EndpointError."""
    kind = "whole number" if whole else "number"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (math.isfinite(number) and least <= number <= most):
        upper = f" and at most {most:g}" if math.isfinite(most) else ""
        raise EndpointError(f"{name} {value!r}: not a {kind} of at least {least:g}{upper}")
    if whole and number != int(number):
        raise EndpointError(f"{name} {value!r}: not a whole number")
    return number


# --- one HTTP exchange: a deadline for all of it, a bound on the answer, no redirects -------------------


class _Deadline:
    """The end of one exchange (connecting, sending, the whole answer): when it passes, a timer shuts the
    exchange's sockets, so that no read outlives it however slowly a server sends."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, for TLS sockets too


def _watched(connection: type[http.client.HTTPConnection], deadline_of: Callable[[], _Deadline | None]):
    """A connection class for urllib whose socket the current exchange's deadline can shut."""

    def make(host: str, **options) -> http.client.HTTPConnection:
        made = connection(host, **options)
        deadline = deadline_of()
        if deadline is not None:

            def connect(address, timeout=None, source_address=None):
                wait = deadline.remaining()
                if wait <= 0:
                    raise TimeoutError("the deadline passed before connecting")
                given = timeout if isinstance(timeout, int | float) else wait
                sock = socket.create_connection(address, min(given, wait), source_address)
                deadline.watch(sock)
                return sock

            made._create_connection = connect  # type: ignore[attr-defined]
        return made

    return make


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline_of: Callable[[], _Deadline | None]):
        super().__init__()
        self._deadline_of = deadline_of

    def http_open(self, req):
        return self.do_open(_watched(http.client.HTTPConnection, self._deadline_of), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline_of: Callable[[], _Deadline | None]):
        super().__init__()
        self._deadline_of = deadline_of

    def https_open(self, req):
        connection = _watched(http.client.HTTPSConnection, self._deadline_of)
        return self.do_open(connection, req, context=self._context)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error naming where it points: a SPARQL request (a POST) must go to the URL given."""

    def http_error_302(self, req, fp, code, msg, headers):
        return None  # the default handler then raises HTTPError(3xx)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


class _TooBig(Exception):
    """Internal: the answer is larger than the bound."""


class _Retry(Exception):
    """Internal: a failure another attempt may cure (connection lost, 502/503/504)."""

    def __init__(self, failure: Exception):
        super().__init__(str(failure))
        self.failure = failure


def _read(answer, most: int, *, cut: bool = False) -> bytes:
    """The body of ``answer``, at most ``most`` bytes: ``_TooBig`` past it (``cut``: the first ``most``)."""
    length = (answer.headers.get("Content-Length") or "").strip() if answer.headers else ""
    if not cut and length.isdigit() and int(length) > most:
        raise _TooBig
    chunks, size = [], 0
    while size <= most:
        chunk = answer.read(min(1 << 20, most + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    if size > most:
        if cut:
            return body[:most]
        raise _TooBig
    return body


@dataclass
class _Response:
    """A complete HTTP answer (the body is read inside the retry loop, so a cut answer is retried too)."""

    status: int
    content_type: str
    headers: http.client.HTTPMessage
    body: bytes


class _Failure(Exception):
    """Internal: an HTTP error status with the server's message, before it becomes an EndpointError."""

    def __init__(self, url: str, status: int, message: str):
        super().__init__(message)
        self.url, self.status, self.message = url, status, message


def _server_message(body: bytes | None, status: int, reason: str = "") -> str:
    """The server's own explanation, on one line: HTML stripped, SPARQL echo cut, at most 300 characters."""
    text = (body or b"").decode("utf-8", "replace")
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.split("SPARQL query:")[0]  # Virtuoso echoes the whole query after its message
    text = " ".join(text.split())
    if not text:
        text = reason or http.client.responses.get(status, "error")
    return text[:300] + ("..." if len(text) > 300 else "")


def _url_with(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)


# --- reading answers -------------------------------------------------------------------------------------


def _bnode(value: ox.BlankNode) -> ox.BlankNode:
    """A blank node whose label is valid N-Triples (Virtuoso labels them ``nodeID://b10007``)."""
    label = _label(value.value)
    return value if label == value.value else ox.BlankNode(label)


def _json_bnodes(body: bytes) -> bytes:
    """SPARQL JSON results with blank-node labels made valid (Virtuoso sends ``nodeID://b10007``)."""
    try:
        data = json.loads(body)
        for row in data.get("results", {}).get("bindings", []):
            for value in row.values():
                if value.get("type") == "bnode":
                    value["value"] = _label(value["value"])
        return json.dumps(data).encode()
    except (ValueError, AttributeError, TypeError, KeyError, RecursionError):
        return body  # not the JSON we expect: let the parser say what is wrong


def _label(label: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_]+", label):
        return label
    return "b" + hashlib.sha1(label.encode()).hexdigest()[:20]


def _clean(node):
    return _bnode(node) if isinstance(node, ox.BlankNode) else node


def _no_entities(body: bytes, where: str) -> None:
    """``EndpointError`` for an XML answer that declares entities or refers to external ones: the XML
    parsers behind pyoxigraph would expand them (a few hundred bytes can expand to gigabytes)."""
    try:
        defusedxml.sax.parseString(body, xml.sax.handler.ContentHandler(), forbid_entities=True,
                                   forbid_external=True)  # fmt: skip
    except defusedxml.DefusedXmlException as error:
        raise EndpointError(
            f"{where}: the XML answer declares entities ({type(error).__name__}); refused, "
            "msp-graph does not expand XML entities"
        ) from None
    except xml.sax.SAXException as error:
        raise EndpointError(f"{where}: not well-formed XML ({short(error)})") from None


def _read_through(body: bytes, fmt: ox.QueryResultsFormat) -> None:
    """Parse query results to the end (pyoxigraph reads solutions lazily: a cut answer would fail later,
    in the caller's loop, outside any error handling)."""
    results = ox.parse_query_results(body, format=fmt)
    try:
        if isinstance(results, ox.QuerySolutions):
            collections.deque(results, maxlen=0)
    finally:
        del results  # pyoxigraph's results must be freed by the thread that made them, not by a later GC


@contextlib.contextmanager
def _huge_terms(where: str, error: Callable[[str], Exception]) -> Iterator[None]:
    """pyoxigraph's parsers stop at a term over 16 MiB with ``MemoryError``: make it one line."""
    try:
        yield
    except MemoryError:
        raise error(
            f"{where}: a term (a literal or an IRI) larger than the RDF parser's buffer (16 MiB); keep such "
            "content out of the graph"
        ) from None


def _text(kind: str, sparql: object) -> str:
    if not isinstance(sparql, str):
        raise QueryError(f"{kind}: expected the SPARQL text as a str, not {type(sparql).__name__}")
    return sparql


def _iri(graph: str) -> str:
    try:
        return str(ox.NamedNode(graph))
    except (TypeError, ValueError):
        raise QueryError(f"graph {graph!r}: not a valid IRI") from None


def _staging_name() -> str:
    """A new staging graph's IRI: when it was made, on which host (a hash of its name), by which process."""
    return f"{STAGING_PREFIX}{int(time.time())}-{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:12]}"


def _mark(graph: str) -> bytes:
    """The N-Triples line that marks a staging graph (found by ``_staging_graphs``, removed by the MOVE)."""
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return f'<{graph}> <{_MARK}> "{now}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n'.encode()


def _abandoned(graph: str) -> bool:
    """Whether a staging graph's writer is gone: a process of this host that no longer runs, or any writer
    longer ago than ``_STAGING_MAX_AGE``. Graphs of this process, and names of no known form, are kept."""
    match = _STAGING_NAME.match(graph)
    if match is None:
        return False
    made, host, pid = int(match[1]), match[2], int(match[3])
    if host == _HOST and pid == os.getpid():
        return False
    if time.time() - made > _STAGING_MAX_AGE:
        return True
    return host == _HOST and not _running(pid)


def _running(pid: int) -> bool:
    if os.name == "nt":
        return True  # no signal 0 there (os.kill would end the process): the age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return True


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint as a ``Store``.

    ``endpoint``: the query URL; ``update_endpoint``: where updates go (default: ``endpoint``);
    ``graph_store``: the Graph Store HTTP Protocol URL (default: none, loads use ``INSERT DATA``).
    ``user``/``password`` default to ``credentials_for(url)``. ``timeout``: the deadline of each request in
    seconds, from connecting to the end of the answer; ``retries`` bounds the extra attempts on connection
    errors and 502/503/504 (back-off ``backoff``, doubled each time). ``page_size`` is the rows asked per
    page by ``iter_select`` and ``dump``. ``max_response_bytes``: the largest answer read (default: the
    limit ``max_response_bytes``, ``MSP_GRAPH_MAX_RESPONSE_BYTES``). Bad URLs or numbers: ``EndpointError``.
    ``dialect``: the SPARQL dialect of the server (one of ``DIALECTS``; default: found from the server, see
    ``dialect``). ``local_copy``: reasoning and validation work on an in-memory copy of the endpoint's graphs
    instead of in the endpoint (the fallback, asked for with ``--local-copy``). ``received`` counts the bytes
    of the answers read so far.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        graph_store: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        page_size: int = 50000,
        batch_size: int = 5000,
        max_response_bytes: int | None = None,
        dialect: str | None = None,
        local_copy: bool = False,
    ):
        _check_url("--endpoint", endpoint)
        self._dialect = None if dialect is None else _checked_dialect(dialect)
        self.local_copy = bool(local_copy)
        self.received = 0  # bytes of answers read
        for option, url in (("--update-endpoint", update_endpoint), ("--graph-store", graph_store)):
            if url is not None:
                _check_url(option, url)
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.graph_store = graph_store
        self.timeout = _number("timeout", timeout, least=1e-3, most=_MAX_TIMEOUT)
        self.retries = int(_number("retries", retries, least=0, most=100, whole=True))
        self.backoff = _number("backoff", backoff, least=0, most=3600)
        self.page_size = int(_number("page_size", page_size, least=1, whole=True))
        self.batch_size = int(_number("batch_size", batch_size, least=1, whole=True))
        self._batch = self.batch_size  # smaller once the server has refused a batch as too large
        self.max_response_bytes = (
            None if max_response_bytes is None
            else int(_number("max_response_bytes", max_response_bytes, least=1, whole=True))
        )  # fmt: skip
        # None: not checked yet; True: the default graph is the union of the named graphs; False: it is not,
        # and queries name the graphs in the protocol request (``_dataset``).
        self._union: bool | None = None
        self._staging: bool | None = None  # None: not checked since the last write; True: queries hide them
        self._named: list[str] | None = None  # the visible graphs named in requests; None: list again
        self._seen_staging: set[str] = set()  # staging graphs a listing saw (marked or not)
        self._as_written = False  # True: queries name their graphs themselves (``as_written``)
        self._swept = False
        self._local = threading.local()  # the deadline of the exchange under way in this thread
        self._opener = self._build_opener(user, password)

    def _build_opener(self, user: str | None, password: str | None) -> urllib.request.OpenerDirector:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        self._has_credentials = False
        for url in {self.endpoint, self.update_endpoint, self.graph_store} - {None}:
            found = (user, password or "") if user else credentials_for(url)
            if found:
                parts = urllib.parse.urlsplit(url)
                passwords.add_password(None, f"{parts.scheme}://{parts.netloc}/", *found)
                self._has_credentials = True
        # The server's challenge chooses the scheme: digest (Virtuoso's /sparql-auth) or basic. Without
        # credentials a challenge is a plain 401, explained by _http_error.
        handlers: list[urllib.request.BaseHandler] = (
            [urllib.request.HTTPDigestAuthHandler(passwords), urllib.request.HTTPBasicAuthHandler(passwords)]
            if self._has_credentials
            else []
        )
        handlers += [_NoRedirects(), _HTTPHandler(self._deadline), _HTTPSHandler(self._deadline)]
        return urllib.request.build_opener(*handlers)

    def _deadline(self) -> _Deadline | None:
        return getattr(self._local, "deadline", None)

    def __repr__(self) -> str:
        return f"RemoteStore({_shown(self.endpoint)!r})"

    # --- transport ---------------------------------------------------------------------------------------

    def _send(self, request: urllib.request.Request, *, doing: str) -> _Response:
        """Send ``request`` within its deadline, with bounded retries; every failure is one EndpointError."""
        url = _shown(request.full_url.split("?")[0])
        attempt = 0
        while True:
            try:
                return self._attempt(request, url, doing)
            except _Retry as retry:
                failure = retry.failure
            if attempt >= self.retries:
                raise self._unreachable(url, failure, doing) from None
            time.sleep(self.backoff * (2**attempt))
            attempt += 1

    def _attempt(self, request: urllib.request.Request, url: str, doing: str) -> _Response:
        """One exchange, within one deadline: the answer, an ``EndpointError``, or ``_Retry``."""
        most = self.max_response_bytes or int(limit("max_response_bytes"))
        with _Deadline(self.timeout) as deadline:
            self._local.deadline = deadline
            try:
                with self._opener.open(request, timeout=self.timeout) as answer:
                    body = _read(answer, most)
                    self.received += len(body)
                    if deadline.expired:  # the timer shut the socket: the body may be cut
                        raise TimeoutError
                    return _Response(answer.status, answer.headers.get_content_type(), answer.headers, body)
            except urllib.error.HTTPError as error:
                if deadline.expired:
                    raise self._timed_out(url, doing) from None
                raise self._http_failure(error, url, doing) from None
            except _TooBig:
                env = LIMITS["max_response_bytes"].env
                raise EndpointError(
                    f"{url}: the answer is larger than {most:,} bytes while {doing} ({env}); "
                    "ask for less, or raise the limit"
                ) from None
            except (OSError, http.client.HTTPException, ValueError) as error:
                if deadline.expired or _is_timeout(error):
                    raise self._timed_out(url, doing) from None
                if isinstance(error, ValueError):
                    raise EndpointError(
                        f"{url}: cannot send the request while {doing}: {short(error)}"
                    ) from None
                raise _Retry(error) from None
            finally:
                self._local.deadline = None

    def _http_failure(self, error: urllib.error.HTTPError, url: str, doing: str) -> Exception:
        """The EndpointError (or ``_Retry``) for an HTTP error status."""
        try:
            body = _read(error, _ERROR_BODY, cut=True) if error.fp is not None else b""
        except (OSError, http.client.HTTPException, ValueError):
            body = b""
        finally:
            error.close()
        status = error.code
        if 300 <= status < 400:
            where = error.headers.get("Location", "") if error.headers else ""
            where = _shown(re.sub(r"[\x00-\x1f\x7f]", "", where))[:200]
            return EndpointError(
                f"{url}: HTTP {status} while {doing}: the server redirects to {where!r}; redirects are not "
                "followed: give that URL instead, if it is the endpoint"
            )
        message = _server_message(body, status, str(error.reason or ""))
        if status in _RETRY_STATUSES or (status == 500 and not body.strip()):
            return _Retry(_Failure(url, status, message))
        return self._http_error(url, status, message, doing)

    def _timed_out(self, url: str, doing: str) -> EndpointError:
        return EndpointError(
            f"{url}: no answer within {self.timeout:g} s while {doing} (timeout), the deadline of the whole "
            "request; check that the server is up and not overloaded, or raise MSP_GRAPH_TIMEOUT"
        )

    def _unreachable(self, url: str, failure: Exception, doing: str) -> EndpointError:
        tries = f"after {self.retries + 1} attempts" if self.retries else "(no retries)"
        if isinstance(failure, _Failure):
            return EndpointError(
                f"{url}: HTTP {failure.status} while {doing}, {tries}: {failure.message}; try again later"
            )
        reason = failure.reason if isinstance(failure, urllib.error.URLError) else failure
        if isinstance(reason, ConnectionRefusedError):
            what = "connection refused"
        elif isinstance(reason, socket.gaierror):
            what = "unknown host"
        elif isinstance(reason, ConnectionError | http.client.HTTPException):
            what = f"connection lost ({type(reason).__name__})"
        else:
            what = short(reason) if isinstance(reason, Exception) else str(reason)
        return EndpointError(
            f"{url}: unreachable ({what}) while {doing}, {tries}; check the URL and that the server runs"
        )

    def _http_error(self, url: str, status: int, message: str, doing: str) -> EndpointError:
        if status == 401:
            hint = (
                "the server refused the credentials (from $MSP_GRAPH_USER/$MSP_GRAPH_PASSWORD or ~/.netrc)"
                if self._has_credentials
                else "it needs credentials: set MSP_GRAPH_USER and MSP_GRAPH_PASSWORD, or add it to ~/.netrc"
            )
            return EndpointError(f"{url}: 401 Unauthorized while {doing}: {hint}")
        if status == 403:
            return EndpointError(
                f"{url}: 403 Forbidden while {doing}: this account may not do that; "
                "check the user's permissions on the server"
            )
        return EndpointError(f"{url}: HTTP {status} while {doing}: {message}")

    @contextlib.contextmanager
    def _no_retries(self) -> Iterator[None]:
        retries, self.retries = self.retries, 0
        try:
            yield
        finally:
            self.retries = retries

    def _sparql(self, text: str, *, update: bool, raw: bool = False) -> _Response:
        """One SPARQL protocol request built by SPARQLWrapper, sent by ``_send``. ``raw``: without the
        graphs ``_dataset`` names (for the queries that look at the store's graphs themselves)."""
        wrapper = SPARQLWrapper(self.endpoint, updateEndpoint=self.update_endpoint, returnFormat=JSON)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)  # no format=/output= parameters: some servers answer 406 to them
        if update:
            self._named, self._staging = None, None  # graphs may come or go
        elif not raw and not self._as_written:
            default, named = self._dataset(text)
            for graph in default:
                wrapper.addDefaultGraph(graph)
            for graph in named:
                wrapper.addNamedGraph(graph)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SPARQLWrapper warns on forms it cannot name; the server judges
            wrapper.setQuery(without_comments(text))  # a comment is never read as a keyword
            request = wrapper._createRequest()
        if wrapper.isSparqlUpdateRequest() != update:
            what, other = ("update", "query") if update else ("query", "update")
            raise QueryError(
                f"{what}: this is not a{'n' if update else ''} {what} (it is a {wrapper.queryType}); "
                f"use {other} for it"
            )
        if not update:
            accept = _RDF_ACCEPT if wrapper.queryType in ("CONSTRUCT", "DESCRIBE") else _RESULTS_ACCEPT
            request.add_header("Accept", accept)
            return self._send(request, doing="querying")
        try:
            return self._send(request, doing="updating")
        except EndpointError as error:
            text = str(error)
            if re.search(r"HTTP (403|404|405|501)\b|403 Forbidden", text) or _NOT_WRITABLE.search(text):
                raise EndpointError(
                    f"{_shown(self.update_endpoint)}: the endpoint does not accept updates ({_tail(text)}); "
                    "give --update-endpoint for a writable URL, or credentials of an account that may write"
                ) from None
            raise

    # --- queries -----------------------------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """The server's SPARQL dialect (``DIALECTS``): the one given, else found once from the name the
        server gives in the ``Server`` header of its answer to ``ASK {}`` (``Virtuoso/07.20...``,
        ``Oxigraph/0.5...``); ``generic`` for any other server."""
        if self._dialect is None:
            server = self._sparql("ASK {}", update=False, raw=True).headers.get("Server") or ""
            self._dialect = _SERVER_DIALECTS.get(server.split("/")[0].strip().lower(), "generic")
            log.info("%s: SPARQL dialect %s (server %r)", self.endpoint, self._dialect, server[:80])
        return self._dialect

    @dialect.setter
    def dialect(self, name: str) -> None:
        self._dialect = _checked_dialect(name)

    def select(self, sparql: str) -> Solutions:
        """All the solutions of a SELECT, read whole (``query``, whose answer a server's row cap does not
        cut)."""
        result = self.query(sparql)
        if not isinstance(result, ox.QuerySolutions | Solutions):
            raise QueryError("select: this is not a SELECT query")
        return result if isinstance(result, Solutions) else Solutions(list(result.variables), list(result))

    def query(self, sparql: str):
        """The answer to a query. A SELECT answer the server cuts at its row cap (Virtuoso's
        ``ResultSetMaxRows``, said by ``X-SPARQL-MaxRows``) is asked again a page at a time, ordered by
        every variable it returns (``iter_select``), when the query has no ORDER BY, LIMIT or OFFSET of its
        own; otherwise the cut answer comes with a warning."""
        text = _text("query", sparql)
        response = self._sparql(text, update=False)
        result = self._parse(response)
        capped = response.headers.get("X-SPARQL-MaxRows")
        if not capped or not isinstance(result, ox.QuerySolutions):
            return result
        prologue = _PROLOGUE.match(text)[0]
        if re.search(r"\b(ORDER\s+BY|LIMIT|OFFSET)\b", masked(text), re.I) or not re.match(
            r"\s*SELECT\b", masked(text)[len(prologue) :], re.I
        ):
            log.warning(
                "%s: the server cut the result at %s rows (its ResultSetMaxRows); page the query",
                self.endpoint,
                capped,
            )
            return result
        log.info("%s: the server cut the answer at its row cap; reading it page by page", self.endpoint)
        variables = list(result.variables)
        order = " ".join(str(v) for v in variables)
        return Solutions(variables, list(self.iter_select(f"{text}\nORDER BY {order}")))

    def _parse(self, response: _Response):
        """The answer as pyoxigraph results, parsed whole here (pyoxigraph reads solutions lazily: a cut
        answer would otherwise fail later, in the caller's loop)."""
        where = _shown(self.endpoint)
        kind = response.content_type
        if kind in _RESULT_TYPES:
            fmt, body = _RESULT_TYPES[kind], response.body
            if fmt == ox.QueryResultsFormat.XML:
                _no_entities(body, f"{where}: query results")
            if fmt == ox.QueryResultsFormat.JSON and b'"bnode"' in body:
                body = _json_bnodes(body)
            with (
                _huge_terms(where, EndpointError),
                parsing(f"{where}: unreadable query results", EndpointError),
            ):
                _read_through(body, fmt)
                return ox.parse_query_results(body, format=fmt)
        if kind in _RDF_TYPES:
            fmt = _RDF_TYPES[kind]
            if fmt.name == "rdfxml":
                _no_entities(response.body, f"{where}: RDF answer")
            local = ox.Store()
            with _huge_terms(where, EndpointError), parsing(f"{where}: unreadable RDF answer", EndpointError):
                local.load(response.body, format=fmt.oxigraph)
            return local.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        raise EndpointError(
            f"{where}: answered with {kind!r}, not SPARQL results or RDF; is this URL a SPARQL endpoint?"
        )

    def _dataset(self, sparql: str) -> tuple[list[str], list[str]]:
        """The graphs to name in a query's protocol request: (``default-graph-uri``, ``named-graph-uri``).

        None on a union server (what every query assumes) without staging graphs. With staging graphs (a
        replace under way, or one that was killed), the visible graphs are named as the default graph, and
        as the named graphs of a query with ``GRAPH``: staging triples are never seen. On a server whose
        default graph is not the union, a query without ``GRAPH`` names every graph as its default graph,
        so that the answer is the same as on a union server instead of silently empty.
        """
        if self._union is None:
            self._union = self._default_graph_is_union()
            if not self._union:
                log.info("%s: the default graph is not the union of the graphs; naming them", self.endpoint)
        if self._staging is None:
            self._staging = bool(self._staging_graphs())
        uses_graph = bool(_USES_GRAPH.search(sparql))
        if not self._staging and (self._union or uses_graph):
            return [], []
        if self._named is None:
            self._named = self.graphs() or [_NOTHING]
        return self._named, (self._named if self._staging and uses_graph else [])

    def _default_graph_is_union(self) -> bool:
        """Whether a triple of a named graph is in the default graph too (no named graphs: nothing missed)."""
        solutions, _ = self._select(
            "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER (!isBlank(?s) && !isBlank(?o)) } LIMIT 1",
            raw=True,
        )
        sample = next(iter(solutions), None)
        if sample is None:
            return self._ask("ASK { ?s ?p ?o }") or not self._ask("ASK { GRAPH ?g { ?s ?p ?o } }")
        return self._ask(f"ASK {{ {sample['s']} {sample['p']} {sample['o']} }}")

    def _staging_graphs(self) -> list[str]:
        """The marked staging graphs on the server (one lookup of the mark's predicate, not a scan)."""
        solutions, _ = self._select(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g <{_MARK}> ?t }} "
            f"FILTER (STRSTARTS(STR(?g), {json.dumps(STAGING_PREFIX)})) }}",
            raw=True,
        )
        return sorted(row["g"].value for row in solutions if isinstance(row["g"], ox.NamedNode))

    def _ask(self, sparql: str) -> bool:
        result = self._parse(self._sparql(sparql, update=False, raw=True))
        if not isinstance(result, ox.QueryBoolean):
            raise EndpointError(f"{_shown(self.endpoint)}: answered an ASK query without a boolean")
        return bool(result)

    def _select(self, sparql: str, *, raw: bool = False) -> tuple[ox.QuerySolutions, bool]:
        response = self._sparql(sparql, update=False, raw=raw)
        result = self._parse(response)
        if not isinstance(result, ox.QuerySolutions):
            raise EndpointError(f"{_shown(self.endpoint)}: answered a SELECT query without solutions")
        return result, bool(response.headers.get("X-SPARQL-MaxRows"))

    def iter_select(self, sparql: str, *, page_size: int | None = None) -> Iterator[ox.QuerySolution]:
        """The solutions of a SELECT with ORDER BY, fetched a page at a time (one page in memory).

        The query must be a SELECT with an ORDER BY (a stable order is what makes pages add up) and no
        LIMIT/OFFSET of its own. Each page is ``SELECT * WHERE { { <query> } } LIMIT n OFFSET k``.
        """
        size = int(_number("page_size", page_size, least=1, whole=True)) if page_size else self.page_size
        prologue = _PROLOGUE.match(_text("paged query", sparql))[0]
        body = sparql[len(prologue) :]
        if not re.match(r"\s*SELECT\b", body, re.I):
            raise QueryError("paged query: only SELECT queries can be paged")
        if not re.search(r"\bORDER\s+BY\b", body, re.I):
            raise QueryError("paged query: needs an ORDER BY so that pages follow a stable order")
        if re.search(r"\b(LIMIT|OFFSET)\s+\d+\s*$", body, re.I):
            raise QueryError("paged query: remove its LIMIT/OFFSET, the pages set their own")
        offset = 0
        while True:
            page = f"{prologue}SELECT * WHERE {{ {{ {body} }} }} LIMIT {size} OFFSET {offset}"
            solutions, capped = self._select(page)
            rows = 0
            for solution in solutions:
                rows += 1
                yield solution
            # A server that caps pages (Virtuoso's ResultSetMaxRows) returns fewer rows than asked: go on.
            if rows == 0 or (rows < size and not capped):
                return
            offset += rows

    def iter_triples(self, pattern: str, *, page_size: int | None = None) -> Iterator[ox.Triple]:
        """The paged ``CONSTRUCT { ?s ?p ?o } WHERE { pattern }``: distinct triples, a page at a time."""
        query = f"SELECT DISTINCT ?s ?p ?o WHERE {{ {pattern} }} ORDER BY ?s ?p ?o"
        for row in self.iter_select(query, page_size=page_size):
            try:
                triple = ox.Triple(_clean(row["s"]), row["p"], _clean(row["o"]))
            except TypeError:
                raise EndpointError(
                    f"{_shown(self.endpoint)}: answered a row that is not a triple; is this URL a SPARQL "
                    "endpoint?"
                ) from None
            yield triple

    def update(self, sparql: str) -> None:
        self._sparql(_text("update", sparql), update=True)

    # --- graphs ------------------------------------------------------------------------------------------

    def graphs(self) -> list[str]:
        solutions, _ = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", raw=True)
        names = [row["g"].value for row in solutions if isinstance(row["g"], ox.NamedNode)]
        staging = {name for name in names if name.startswith(STAGING_PREFIX)}
        if staging:
            self._seen_staging |= staging
            self._staging = True
        return sorted(n for n in names if n not in staging and not _SYSTEM_GRAPHS.match(n))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return sum(self.count(g) for g in self.graphs())
        solutions, _ = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}")
        row = next(iter(solutions), None)
        value = row["n"] if row is not None else None
        if isinstance(value, ox.Literal) and re.fullmatch(r"\s*\d+\s*", value.value):
            return int(value.value)
        raise EndpointError(f"{_shown(self.endpoint)}: answered a COUNT query without a count")

    def drop(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {_iri(graph)}")

    @contextlib.contextmanager
    def as_written(self) -> Iterator[None]:
        """Queries sent as written, no graph named in their protocol request (``_dataset``): for a caller
        whose every pattern names its graphs (``GRAPH``), its own staging graphs among them. It spares the
        listing of the graphs after each update (35 s on Virtuoso at 10^6 triples)."""
        before, self._as_written = self._as_written, True
        try:
            yield
        finally:
            self._as_written = before

    def new_staging_graph(self) -> str:
        """A new working graph on the server, holding only its mark: hidden from other readers, removed by
        the next push if this process dies; ``move_staged`` puts it in place, ``drop`` removes it. Queries
        see it under ``as_written``."""
        graph = _staging_name()
        self.update(self.marking(graph))
        return graph

    @staticmethod
    def marking(graph: str) -> str:
        """The update that marks ``graph`` as a staging graph (again, after a change that removed it)."""
        return f"INSERT DATA {{ GRAPH {_iri(graph)} {{ {_mark(graph).decode()} }} }}"

    def move_staged(self, staging: str, target: str) -> None:
        """Replace ``target`` with the staging graph (its mark removed) in one request, never retried: its
        first attempt may have been applied."""
        source = _iri(staging)
        with self._no_retries():
            self.update(
                f"DELETE WHERE {{ GRAPH {source} {{ {source} <{_MARK}> ?t }} }} ;\n"
                f"MOVE SILENT {source} TO {_iri(target)}"
            )

    def dump(self, *, format: str, graphs: Iterable[str] | None = None) -> bytes:
        out = io.BytesIO()
        self.dump_to(out, format=format, graphs=graphs)
        return out.getvalue()

    def dump_to(self, out: BinaryIO, *, format: str, graphs: Iterable[str] | None = None) -> int:
        """Write ``graphs`` (default: every graph) to the binary file ``out``, paged; return the count.

        Triple formats merge the graphs (distinct triples); quad formats keep their names.
        """
        fmt = rdf_format(format)
        names = [graphs] if isinstance(graphs, str) else list(graphs) if graphs is not None else self.graphs()
        written = 0

        def counted(items):
            nonlocal written
            for item in items:
                written += 1
                yield item

        if not names:
            items: Iterator = iter(())
        elif fmt.quads:
            items = (
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
                for name in names
                for t in self.iter_triples(f"GRAPH {_iri(name)} {{ ?s ?p ?o }}")
            )
        else:
            values = " ".join(_iri(name) for name in names)
            items = self.iter_triples(f"VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }}")
        ox.serialize(counted(items), out, format=fmt.oxigraph)
        return written

    # --- writing -----------------------------------------------------------------------------------------

    def replace_graphs(
        self,
        sources: Sequence[tuple[str, str | Path | bytes, str | None]],
        *,
        then: str = "",
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """Replace several graphs as one change: the server ends with all the old graphs or all the new.

        ``sources``: ``(graph, file or bytes, format)``; for quad formats ``graph`` receives the default-graph
        triples and the file's named graphs are added to, as with ``load``. Every source is parsed first,
        locally: a missing or malformed file raises ``LoadError`` before the server is touched. Then staging
        graphs left by writers that are gone are removed, each graph is written into a staging graph of its
        own, and ONE update request moves them all into place and runs ``then`` (e.g. the metadata of a
        push): the server runs one request as one transaction.
        """
        sources = list(sources)
        for item in sources:
            if not (isinstance(item, tuple) and len(item) == 3):
                raise LoadError(
                    f"replace_graphs: expected (graph, file or bytes, format) tuples, not {item!r}"
                )
            _iri(item[0])
        staged: list[tuple[str, _Staged]] = []
        try:
            for graph, source, fmt in sources:
                staged.append((graph, _parse_source(source, fmt)))
            self._sweep()
            self._replace(staged, then, progress)
        finally:
            for _, parsed in staged:
                parsed.close()

    def _replace(self, staged: list[tuple[str, _Staged]], then: str, progress) -> None:
        operations: list[str] = []
        written: list[str] = []  # the staging graphs made so far
        phase = "uploading"
        try:
            for graph, parsed in staged:
                if progress is not None:
                    progress(f"sending <{graph}>")
                for target, triples, adding in parsed.parts(graph):
                    operations += self._stage(target, triples, adding=adding, written=written)
            operations += [then] if then.strip() else []
            phase = "replacing"
            if operations:
                with self._no_retries():  # the first attempt may have been applied: never twice
                    self.update(" ;\n".join(operations))
        except EndpointError as error:
            raise self._not_replaced(error, staged, written, phase) from None

    def _stage(self, target: str, triples: _Triples, *, adding: bool, written: list[str]) -> list[str]:
        """Write ``triples`` into a new staging graph; return the operations that put it in place."""
        if not triples.size:
            return [] if adding else [f"DROP SILENT GRAPH {_iri(target)}"]
        staging = _staging_name()
        written.append(staging)
        self._write(staging, triples, replace=True)
        into, source = _iri(target), _iri(staging)
        unmark = f"DELETE WHERE {{ GRAPH {source} {{ {source} <{_MARK}> ?t }} }}"
        if adding:
            return [unmark, f"ADD SILENT {source} TO {into}", f"DROP SILENT GRAPH {source}"]
        return [unmark, f"MOVE SILENT {source} TO {into}"]

    def _not_replaced(self, error: EndpointError, staged, written: list[str], phase: str) -> EndpointError:
        left = self._discard(written)
        one = len(staged) == 1
        graphs = "graph" if one else "graphs"
        if phase == "replacing" and re.search(r"connection lost|\(timeout", str(error)):
            state = f"the server did not confirm the replacement: check the {graphs}"
        else:
            state = (
                "the graph keeps its previous content" if one else "every graph keeps its previous content"
            )
        what = (
            f"loading {staged[0][1].where} into <{staged[0][0]}>"
            if one
            else f"replacing {len(staged)} graphs"
        )
        return EndpointError(f"{error} [{what}: {state}{left}]")

    def _discard(self, staging: list[str]) -> str:
        """Drop the staging graphs, once and without retries; say so when they may remain."""
        if not staging:
            return ""
        try:
            with self._no_retries():
                self.update(" ;\n".join(f"DROP SILENT GRAPH {_iri(graph)}" for graph in staging))
            return ""
        except EndpointError:
            return (
                "; its staging graphs may remain on the server: queries through msp-graph do not see them, "
                "and the next push removes them"
            )

    def _sweep(self) -> None:
        """Remove the staging graphs of writers that are gone (``_abandoned``), once per store. Those of a
        live writer stay: they are its push under way."""
        if self._swept:
            return
        stale = sorted(g for g in set(self._staging_graphs()) | self._seen_staging if _abandoned(g))
        if stale:
            self.update(" ;\n".join(f"DROP SILENT GRAPH {_iri(graph)}" for graph in stale))
            log.info(
                "%s: removed %d staging graph(s) left by writers that stopped", self.endpoint, len(stale)
            )
            self._seen_staging -= set(stale)
        self._swept = True

    def add(self, data: rdflib.Graph, *, graph: str) -> int:
        _iri(graph)
        if not callable(getattr(data, "triples", None)):
            raise LoadError(f"add: expected an rdflib graph, not {type(data).__name__}")
        staged = _Triples()
        for s, p, o in data.triples((None, None, None)):
            staged.add(ox.Triple(_clean(term(s)), term(p), _clean(term(o))))
        try:
            self._write(graph, staged, replace=False)
        finally:
            staged.close()
        return len(data)

    def _write(self, graph: str, triples: _Triples, *, replace: bool) -> int:
        """Put (``replace``) or add ``triples`` into ``graph``: Graph Store protocol, or batched INSERTs.

        A staging graph gets its mark in the same request that creates it, so that it is found (and hidden)
        even if the writer dies right after.
        """
        self._named = None
        mark = _mark(graph) if replace and graph.startswith(STAGING_PREFIX) else b""
        if self.graph_store:
            if triples.size or replace:
                request = urllib.request.Request(
                    _url_with(self.graph_store, graph=graph),
                    data=mark + triples.read(),
                    method="PUT" if replace else "POST",
                    headers={"Content-Type": "application/n-triples"},
                )
                self._send(request, doing=f"writing graph <{graph}>")
            return triples.size
        if replace:
            marked = f" ;\nINSERT DATA {{ GRAPH {_iri(graph)} {{ {mark.decode()} }} }}" if mark else ""
            self.update(f"DROP SILENT GRAPH {_iri(graph)}{marked}")
        batch: list[_Unit] = []
        for unit in triples.units():
            if batch and sum(u.size for u in batch) + unit.size > self._batch:
                self._insert(graph, batch)
                batch = []
            batch.append(unit)
        if batch:
            self._insert(graph, batch)
        return triples.size

    def _insert(self, graph: str, batch: list[_Unit]) -> None:
        """INSERT one batch; when the server finds it too large (Virtuoso compiles each triple into SQL and
        stops at 10,000 lines), send it in two halves, and smaller batches from then on."""
        text = b"".join(unit.lines for unit in batch).decode("utf-8")
        try:
            if any(unit.blank for unit in batch):
                # Blank nodes are not allowed in INSERT DATA by some servers (Virtuoso): use a template.
                self.update(f"INSERT {{ GRAPH {_iri(graph)} {{\n{text}}} }} WHERE {{}}")
            else:
                self.update(f"INSERT DATA {{ GRAPH {_iri(graph)} {{\n{text}}} }}")
        except EndpointError as error:
            if len(batch) < 2 or not _TOO_LARGE.search(str(error)):
                raise
            half = len(batch) // 2
            self._batch = max(1, min(self._batch, sum(unit.size for unit in batch) // 2))
            log.info(
                "%s: batch too large for the server; sending %d triples at most", self.endpoint, self._batch
            )
            self._insert(graph, batch[:half])
            self._insert(graph, batch[half:])


def _is_timeout(error: BaseException) -> bool:
    return isinstance(error, TimeoutError) or (
        isinstance(error, urllib.error.URLError) and isinstance(error.reason, TimeoutError)
    )


def _tail(message: str) -> str:
    """The server's part of an error message (after 'while ...:')."""
    return message.split(": ", 2)[-1].strip()


class _Triples:
    """N-Triples lines spooled to a temporary file (memory stays flat on large files).

    Lines with a blank node are kept apart: a blank node label means one node only inside one request, so
    they all travel in the same batch.
    """

    def __init__(self):
        # Closed by close(), which every user calls in a finally block.
        self._plain = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
        self._bnodes = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
        self.size = 0

    def add(self, triple: ox.Triple) -> None:
        line = f"{triple} .\n".encode()
        blank = isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)
        (self._bnodes if blank else self._plain).write(line)
        self.size += 1

    def read(self) -> bytes:
        self._plain.seek(0)
        self._bnodes.seek(0)
        return self._plain.read() + self._bnodes.read()

    def units(self) -> Iterator[_Unit]:
        """What one request may carry: each line without a blank node alone, then the lines with blank nodes
        grouped by the blank nodes they share (a label means one node only inside one request)."""
        self._plain.seek(0)
        for line in self._plain:
            yield _Unit(line, 1, False)
        self._bnodes.seek(0)
        lines = self._bnodes.read().splitlines(keepends=True)
        parent: dict[bytes, bytes] = {}

        def root(label: bytes) -> bytes:
            while parent.setdefault(label, label) != label:
                parent[label] = parent[parent[label]]
                label = parent[label]
            return label

        labels = [_BLANK.findall(line) for line in lines]
        for found in labels:
            for label in found[1:]:
                parent[root(label)] = root(found[0])
        groups: dict[bytes, list[bytes]] = {}
        for line, found in zip(lines, labels, strict=True):
            groups.setdefault(root(found[0]) if found else b"", []).append(line)
        for group in groups.values():
            yield _Unit(b"".join(group), len(group), True)

    def close(self) -> None:
        self._plain.close()
        self._bnodes.close()


@dataclass(frozen=True)
class _Unit:
    """N-Triples lines that travel in one request: ``size`` triples; ``blank``: they hold blank nodes."""

    lines: bytes
    size: int
    blank: bool


@dataclass
class _Staged:
    where: str
    default: _Triples
    named: dict[str, _Triples]

    def parts(self, graph: str) -> Iterator[tuple[str, _Triples, bool]]:
        """``(target, triples, added)``: the default triples replace ``graph``; named graphs are added to."""
        yield graph, self.default, False
        for name, triples in self.named.items():
            yield name, triples, True

    def close(self) -> None:
        self.default.close()
        for triples in self.named.values():
            triples.close()


def _parse_source(source: str | Path | bytes, format: str | None) -> _Staged:
    """Parse a file or payload completely, locally: a syntax error stops before the server is touched."""
    where, data, fmt, base = read_source(source, format)
    staged = _Staged(where, _Triples(), {})
    try:
        with _huge_terms(where, LoadError), parsing(where):
            for quad in ox.parse(data, format=fmt.oxigraph, base_iri=base):
                triple = ox.Triple(quad.subject, quad.predicate, quad.object)
                if isinstance(quad.graph_name, ox.DefaultGraph):
                    staged.default.add(triple)
                elif isinstance(quad.graph_name, ox.NamedNode):
                    staged.named.setdefault(quad.graph_name.value, _Triples()).add(triple)
                else:
                    raise LoadError(f"{where}: a graph named by a blank node cannot be sent to an endpoint")
    except BaseException:
        staged.close()
        raise
    return staged


@dataclass
class Solutions:
    """The solutions of a SELECT read whole (``RemoteStore.select``): ``variables``, and the rows in order."""

    variables: list[ox.Variable]
    rows: list[ox.QuerySolution]

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        return iter(self.rows)


def _checked_dialect(name: object) -> str:
    if name not in DIALECTS:
        raise EndpointError(f"--dialect {name!r}: unknown SPARQL dialect; use one of: {', '.join(DIALECTS)}")
    return str(name)


def open_remote(
    endpoint: str, update_endpoint: str | None = None, graph_store: str | None = None
) -> RemoteStore:
    """A ``RemoteStore`` whose deadline per request is the limit ``timeout`` (``MSP_GRAPH_TIMEOUT``, seconds,
    default 60); a bad value is a ``SettingError`` naming the variable."""
    timeout = limit("timeout")
    if timeout > _MAX_TIMEOUT:
        env = LIMITS["timeout"].env
        raise SettingError(
            f"{env}={os.environ.get(env)!r}: more than {_MAX_TIMEOUT:g} seconds; unset it or give e.g. 60"
        )
    return RemoteStore(endpoint, update_endpoint=update_endpoint, graph_store=graph_store, timeout=timeout)
