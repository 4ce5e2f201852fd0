"""The remote store: any SPARQL 1.1 endpoint behind the same ``Store`` interface as the embedded one.

Queries and updates go through SPARQLWrapper (SPARQL 1.1 Protocol, POST, form-encoded); graphs are loaded
with the SPARQL 1.1 Graph Store HTTP Protocol when a graph-store URL is given (one PUT per graph), with
batches of ``INSERT DATA`` otherwise. Results come back as the same pyoxigraph types as
``EmbeddedStore.query`` (``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``), so code above never asks
which store it talks to.

* **Atomic replace.** ``load`` writes into a fresh temporary graph, then runs ``MOVE <tmp> TO <target>``:
  a failure midway leaves the target as it was, and the temporary graph is dropped when the server still
  answers. Files are parsed locally first, so a syntax error never reaches the server.
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
* **Credentials** come from ``MSP_GRAPH_USER`` / ``MSP_GRAPH_PASSWORD`` or from ``~/.netrc`` (the entry of
  the endpoint's host), never from the command line; the server's challenge picks basic or digest.
* **Failures** are one-line ``EndpointError``\\ s: unreachable, timeout, refused credentials (never echoed),
  the server's own message on 4xx/5xx, an endpoint that does not accept updates. Connection errors and
  502/503/504 are retried a bounded number of times with exponential back-off. A 500 with a message is not
  retried: SPARQL servers (Oxigraph, Virtuoso) answer 500 to deterministic errors such as a missing graph or
  a permission error, and asking again would only repeat it.

>>> store = RemoteStore("http://127.0.0.1:7878/query", update_endpoint="http://127.0.0.1:7878/update",
...                     graph_store="http://127.0.0.1:7878/store")          # doctest: +SKIP
>>> store.load("data/alliance-8-7.ttl", graph=source_graph("alliance-8-7"))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import logging
import netrc
import os
import re
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from ..errors import EndpointError, LoadError, QueryError
from ..sparql_text import without_comments
from .base import STAGING_PREFIX, Store
from .terms import FORMATS, parsing, rdf_format, read_source, short, term

if TYPE_CHECKING:
    import rdflib

__all__ = ["ENV_PASSWORD", "ENV_USER", "RemoteStore", "credentials_for", "open_remote"]

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
    except (ValueError, AttributeError):
        return body  # not the JSON we expect: let the parser say what is wrong
    return json.dumps(data).encode()


def _label(label: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_]+", label):
        return label
    return "b" + hashlib.sha1(label.encode()).hexdigest()[:20]


def _clean(node):
    return _bnode(node) if isinstance(node, ox.BlankNode) else node


def _iri(graph: str) -> str:
    try:
        return str(ox.NamedNode(graph))
    except ValueError:
        raise QueryError(f"graph {graph!r}: not a valid IRI") from None


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint as a ``Store``.

    ``endpoint``: the query URL; ``update_endpoint``: where updates go (default: ``endpoint``);
    ``graph_store``: the Graph Store HTTP Protocol URL (default: none, loads use ``INSERT DATA``).
    ``user``/``password`` default to ``credentials_for(url)``. ``timeout`` is per request in seconds;
    ``retries`` bounds the extra attempts on connection errors and 502/503/504 (back-off ``backoff``,
    doubled each time). ``page_size`` is the rows asked per page by ``iter_select`` and ``dump``.
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
    ):
        for name, url in (("--endpoint", endpoint), ("--update-endpoint", update_endpoint),
                          ("--graph-store", graph_store)):  # fmt: skip
            if url is None:
                continue
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise EndpointError(
                    f"{name} {url!r}: not an http(s) URL; give e.g. http://127.0.0.1:7878/query"
                )
        if timeout <= 0:
            raise EndpointError(f"timeout {timeout}: must be a positive number of seconds")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.graph_store = graph_store
        self.timeout, self.retries, self.backoff = float(timeout), max(0, int(retries)), backoff
        self.page_size, self.batch_size = max(1, int(page_size)), max(1, int(batch_size))
        # None: not checked yet; True: the default graph is the union of the named graphs; False: it is not,
        # and queries name the graphs in the protocol request (``_default_graphs``).
        self._union: bool | None = None
        self._named: list[str] | None = None  # the graphs listed for a non-union server; None: list again
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        self._has_credentials = False
        for url in {endpoint, self.update_endpoint, graph_store} - {None}:
            found = (user, password or "") if user else credentials_for(url)
            if found:
                parts = urllib.parse.urlsplit(url)
                passwords.add_password(None, f"{parts.scheme}://{parts.netloc}/", *found)
                self._has_credentials = True
        # The server's challenge chooses the scheme: digest (Virtuoso's /sparql-auth) or basic.
        handlers = (
            [urllib.request.HTTPDigestAuthHandler(passwords), urllib.request.HTTPBasicAuthHandler(passwords)]
            if self._has_credentials
            else []  # without credentials a challenge is a plain 401, explained by _http_error
        )
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    # --- transport ---------------------------------------------------------------------------------------

    def _send(self, request: urllib.request.Request, *, doing: str) -> _Response:
        """Send ``request`` with timeout and bounded retries; every failure becomes one ``EndpointError``."""
        url = request.full_url.split("?")[0]
        attempt = 0
        while True:
            try:
                with self._opener.open(request, timeout=self.timeout) as answer:
                    body = answer.read()
                    kind = answer.headers.get_content_type()
                    return _Response(answer.status, kind, answer.headers, body)
            except urllib.error.HTTPError as error:
                body = error.read() if error.fp is not None else b""
                status = error.code
                message = _server_message(body, status, str(error.reason or ""))
                if status in _RETRY_STATUSES or (status == 500 and not body.strip()):
                    failure: Exception = _Failure(url, status, message)
                else:
                    raise self._http_error(url, status, message, doing) from None
            except TimeoutError:
                raise self._timed_out(url, doing) from None
            except urllib.error.URLError as error:
                if isinstance(error.reason, TimeoutError):
                    raise self._timed_out(url, doing) from None
                failure = error
            except (ConnectionError, http.client.HTTPException, OSError) as error:
                failure = error
            if attempt >= self.retries:
                raise self._unreachable(url, failure, doing) from None
            time.sleep(self.backoff * (2**attempt))
            attempt += 1

    def _timed_out(self, url: str, doing: str) -> EndpointError:
        return EndpointError(
            f"{url}: no answer within {self.timeout:g} s while {doing} (timeout); "
            "check that the server is up and not overloaded, or raise the timeout"
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

    def _sparql(self, text: str, *, update: bool) -> _Response:
        """One SPARQL protocol request built by SPARQLWrapper, sent by ``_send``."""
        wrapper = SPARQLWrapper(self.endpoint, updateEndpoint=self.update_endpoint, returnFormat=JSON)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)  # no format=/output= parameters: some servers answer 406 to them
        if update:
            self._named = None  # graphs may come or go
        else:
            for graph in self._default_graphs(text):
                wrapper.addDefaultGraph(graph)
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
        if not update:
            return self._send(request, doing="querying")
        try:
            return self._send(request, doing="updating")
        except EndpointError as error:
            text = str(error)
            if re.search(r"HTTP (403|404|405|501)\b|403 Forbidden", text) or _NOT_WRITABLE.search(text):
                raise EndpointError(
                    f"{self.update_endpoint}: the endpoint does not accept updates ({_tail(text)}); give "
                    "--update-endpoint for a writable URL, or credentials for an account allowed to write"
                ) from None
            raise

    # --- queries -----------------------------------------------------------------------------------------

    def query(self, sparql: str):
        response = self._sparql(sparql, update=False)
        capped = response.headers.get("X-SPARQL-MaxRows")
        if capped:
            log.warning(
                "%s: the server cut the result at %s rows (its ResultSetMaxRows); page the query",
                self.endpoint,
                capped,
            )
        return self._parse(response)

    def _parse(self, response: _Response):
        if response.content_type in _RESULT_TYPES:
            fmt = _RESULT_TYPES[response.content_type]
            body = response.body
            if fmt == ox.QueryResultsFormat.JSON and b'"bnode"' in body:
                body = _json_bnodes(body)
            with parsing(f"{self.endpoint}: unreadable query results", EndpointError):
                return ox.parse_query_results(body, format=fmt)
        if response.content_type in _RDF_TYPES:
            local = ox.Store()
            with parsing(f"{self.endpoint}: unreadable RDF answer", EndpointError):
                local.load(response.body, format=_RDF_TYPES[response.content_type].oxigraph)
            return local.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        raise EndpointError(
            f"{self.endpoint}: answered with {response.content_type!r}, not SPARQL results or RDF; "
            "is this URL a SPARQL endpoint?"
        )

    def _default_graphs(self, sparql: str) -> list[str]:
        """The graphs to name as the default graph of a query: none on a server whose default graph is the
        union of its named graphs (what every query assumes); else, for a query without ``GRAPH``, every
        named graph, so that the answer is the same as on such a server instead of silently empty."""
        if self._union is None:
            self._union = True  # the probe's own queries go out as they are
            self._union = self._default_graph_is_union()
            if not self._union:
                log.info("%s: the default graph is not the union of the graphs; naming them", self.endpoint)
        if self._union or _USES_GRAPH.search(sparql):
            return []
        if self._named is None:
            self._named = []  # listing the graphs is itself a query with GRAPH: no recursion
            self._named = self.graphs()
        return self._named

    def _default_graph_is_union(self) -> bool:
        """Whether a triple of a named graph is in the default graph too (no named graphs: nothing missed)."""
        solutions, _ = self._select(
            "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER (!isBlank(?s) && !isBlank(?o)) } LIMIT 1"
        )
        sample = next(iter(solutions), None)
        if sample is None:
            return self._ask("ASK { ?s ?p ?o }") or not self._ask("ASK { GRAPH ?g { ?s ?p ?o } }")
        return self._ask(f"ASK {{ {sample['s']} {sample['p']} {sample['o']} }}")

    def _ask(self, sparql: str) -> bool:
        return bool(self._parse(self._sparql(sparql, update=False)))

    def _select(self, sparql: str) -> tuple[ox.QuerySolutions, bool]:
        response = self._sparql(sparql, update=False)
        result = self._parse(response)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("query: expected a SELECT query")
        return result, bool(response.headers.get("X-SPARQL-MaxRows"))

    def iter_select(self, sparql: str, *, page_size: int | None = None) -> Iterator[ox.QuerySolution]:
        """The solutions of a SELECT with ORDER BY, fetched a page at a time (one page in memory).

        The query must be a SELECT with an ORDER BY (a stable order is what makes pages add up) and no
        LIMIT/OFFSET of its own. Each page is ``SELECT * WHERE { { <query> } } LIMIT n OFFSET k``.
        """
        size = page_size or self.page_size
        prologue = _PROLOGUE.match(sparql)[0]
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
            yield ox.Triple(_clean(row["s"]), row["p"], _clean(row["o"]))

    def update(self, sparql: str) -> None:
        self._sparql(sparql, update=True)

    # --- graphs ------------------------------------------------------------------------------------------

    def graphs(self) -> list[str]:
        solutions, _ = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(
            row["g"].value
            for row in solutions
            if isinstance(row["g"], ox.NamedNode)
            and not row["g"].value.startswith(STAGING_PREFIX)
            and not _SYSTEM_GRAPHS.match(row["g"].value)
        )

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return sum(self.count(g) for g in self.graphs())
        solutions, _ = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}")
        return int(next(iter(solutions))["n"].value)

    def drop(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {_iri(graph)}")

    def dump(self, *, format: str, graphs: Iterable[str] | None = None) -> bytes:
        out = io.BytesIO()
        self.dump_to(out, format=format, graphs=graphs)
        return out.getvalue()

    def dump_to(self, out: BinaryIO, *, format: str, graphs: Iterable[str] | None = None) -> int:
        """Write ``graphs`` (default: every graph) to the binary file ``out``, paged; return the count.

        Triple formats merge the graphs (distinct triples); quad formats keep their names.
        """
        fmt = rdf_format(format)
        names = list(graphs) if graphs is not None else self.graphs()
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

    def load(self, source: str | Path | bytes, *, graph: str, format: str | None = None) -> int:
        target = _iri(graph)
        staged = _parse_source(source, format)
        staging = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        phase = "uploading"
        try:
            size = self._write(staging, staged.default, replace=True)
            for name, triples in staged.named.items():
                self._write(name, triples, replace=False)
            phase = "replacing"
            if size:
                self.update(f"MOVE SILENT {_iri(staging)} TO {target}")
            else:
                self.update(f"DROP SILENT GRAPH {target}")
        except EndpointError as error:
            left = self._discard(staging)
            if phase == "replacing" and re.search(r"connection lost|\(timeout\)", str(error)):
                state = "the server did not confirm the replacement: check the graph"
            else:
                state = "the graph keeps its previous content"
            raise EndpointError(f"{error} [loading {staged.where} into <{graph}>: {state}{left}]") from None
        finally:
            staged.close()
        return self.count(graph)

    def _discard(self, staging: str) -> str:
        """Drop the temporary graph, once and without retries; say so when it may remain."""
        retries, self.retries = self.retries, 0
        try:
            self.update(f"DROP SILENT GRAPH {_iri(staging)}")
            return ""
        except EndpointError:
            return f"; the temporary graph <{staging}> may remain: drop it when the server is back"
        finally:
            self.retries = retries

    def add(self, data: rdflib.Graph, *, graph: str) -> int:
        _iri(graph)
        staged = _Triples()
        for s, p, o in data.triples((None, None, None)):
            staged.add(ox.Triple(_clean(term(s)), term(p), _clean(term(o))))
        try:
            self._write(graph, staged, replace=False)
        finally:
            staged.close()
        return len(data)

    def _write(self, graph: str, triples: _Triples, *, replace: bool) -> int:
        """Put (``replace``) or add ``triples`` into ``graph``: Graph Store protocol, or batched INSERTs."""
        self._named = None
        if self.graph_store:
            if triples.size or replace:
                method = "PUT" if replace else "POST"
                request = urllib.request.Request(
                    _url_with(self.graph_store, graph=graph),
                    data=triples.read(),
                    method=method,
                    headers={"Content-Type": "application/n-triples"},
                )
                self._send(request, doing=f"writing graph <{graph}>")
            return triples.size
        if replace:
            self.update(f"DROP SILENT GRAPH {_iri(graph)}")
        for batch, blank in triples.batches(self.batch_size):
            # Blank nodes are not allowed in INSERT DATA by some servers (Virtuoso): use a template.
            lines = batch.decode("utf-8")
            if blank:
                self.update(f"INSERT {{ GRAPH {_iri(graph)} {{\n{lines}}} }} WHERE {{}}")
            else:
                self.update(f"INSERT DATA {{ GRAPH {_iri(graph)} {{\n{lines}}} }}")
        return triples.size


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

    def batches(self, size: int) -> Iterator[tuple[bytes, bool]]:
        """Batches of at most ``size`` lines, then one batch of every line with a blank node (flagged)."""
        self._plain.seek(0)
        batch: list[bytes] = []
        for line in self._plain:
            batch.append(line)
            if len(batch) >= size:
                yield b"".join(batch), False
                batch = []
        if batch:
            yield b"".join(batch), False
        self._bnodes.seek(0)
        blank = self._bnodes.read()
        if blank:
            yield blank, True

    def close(self) -> None:
        self._plain.close()
        self._bnodes.close()


@dataclass
class _Staged:
    where: str
    default: _Triples
    named: dict[str, _Triples]

    def close(self) -> None:
        self.default.close()
        for triples in self.named.values():
            triples.close()


def _parse_source(source: str | Path | bytes, format: str | None) -> _Staged:
    """Parse a file or payload completely, locally: a syntax error stops before the server is touched."""
    where, data, fmt, base = read_source(source, format)
    staged = _Staged(where, _Triples(), {})
    try:
        with parsing(where):
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


def open_remote(
    endpoint: str, update_endpoint: str | None = None, graph_store: str | None = None
) -> RemoteStore:
    """A ``RemoteStore`` whose timeout comes from ``MSP_GRAPH_TIMEOUT`` (seconds, default 60)."""
    raw = os.environ.get("MSP_GRAPH_TIMEOUT", "60")
    try:
        timeout = float(raw)
    except ValueError:
        raise EndpointError(f"MSP_GRAPH_TIMEOUT={raw!r}: not a number of seconds") from None
    return RemoteStore(endpoint, update_endpoint=update_endpoint, graph_store=graph_store, timeout=timeout)
