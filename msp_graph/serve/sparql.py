"""The SPARQL 1.1 Protocol at ``/sparql``: queries, bounded in time and rows, SERVICE refused; updates only
when the server allows them (``--allow-update``) and the request carries the token.

A request names its query as the protocol says (``GET ?query=``, ``POST`` of a form with ``query=``, or
``POST`` with the body typed ``application/sparql-query``); the query is checked and prepared as the command
line does (``queries.prepare_query``: sizes, depth, syntax, project prefixes), then run on a worker thread
that stops at ``Limits.max_rows`` results or ``Limits.timeout`` seconds. The answer's format is chosen by
``Accept`` among the writers of ``QueryResult.render``.

Oxigraph cannot be interrupted inside one step of a query (a sort, an aggregate over a large join): such a
step goes on in the background after the visitor has had the time-out answer, until its next result, and
holds one of ``Limits.concurrent`` query slots meanwhile; while every slot is taken, queries get 503 with
``Retry-After`` and the pages keep working (they do not use the slots).

An update (``update_text``, ``authorised``, ``prepare_update``, ``QueryRunner.update``) runs one at a time,
in a query slot, within the same limits; SERVICE and LOAD are refused whatever the URL.
"""

from __future__ import annotations

import hmac
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
import pyoxigraph as ox

from ..errors import MspGraphError, QueryError
from ..limits import limit
from ..queries import (
    PreparedQuery,
    PreparedUpdate,
    QueryResult,
    _sort_lists,
    check_sparql,
    get_query,
    in_worker,
    prepare_query,
)
from ..queries import prepare_update as _prepare_update
from ..sparql_text import keyword_offsets
from ..stores import Store, rdf_format
from ..stores.terms import running_sparql
from .negotiate import choose

__all__ = [
    "BASE_IRI",
    "DOWNLOADS",
    "GRAPH_TYPES",
    "SOLUTION_TYPES",
    "TOKEN_VARIABLE",
    "Limits",
    "QueryRunner",
    "Refused",
    "authorised",
    "checked_token",
    "prepare",
    "prepare_named",
    "prepare_update",
    "query_text",
    "read_body",
    "update_text",
]

#: Media types of SELECT and ASK results -> the ``QueryResult.render`` format that writes them.
SOLUTION_TYPES = {
    "application/sparql-results+json": "srj",
    "application/sparql-results+xml": "srx",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "srj",
    "application/xml": "srx",
}
#: Media types of CONSTRUCT and DESCRIBE results (from the one RDF format table) -> render format.
GRAPH_TYPES = {rdf_format(name).media_type: name for name in ("turtle", "nt", "jsonld", "rdfxml")}

#: The result files the query page offers, by kind of result: render format -> (extension, media type, label).
DOWNLOADS = {
    "select": {
        "csv": ("csv", "text/csv", "CSV"),
        "tsv": ("tsv", "text/tab-separated-values", "TSV"),
        "srj": ("srj", "application/sparql-results+json", "JSON"),
        "srx": ("srx", "application/sparql-results+xml", "XML"),
    },
    "graph": {
        "turtle": ("ttl", rdf_format("turtle").media_type, "Turtle"),
        "nt": ("nt", rdf_format("nt").media_type, "N-Triples"),
        "jsonld": ("jsonld", rdf_format("jsonld").media_type, "JSON-LD"),
    },
}
#: The environment variable holding the token an update must present (``Authorization: Bearer TOKEN``).
TOKEN_VARIABLE = "MSP_GRAPH_UPDATE_TOKEN"
_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]{16,512}=*")  # RFC 6750's b64token, at least 16 characters

#: The base of relative IRIs in a query, which the protocol leaves to the service: the data's namespace, so
#: a query answers the same on any host (``<id/organisation/ilo>`` is the organisation).
BASE_IRI = "https://w3id.org/msp/"
_FORM = "application/x-www-form-urlencoded"
_NO_DATASET = (
    "a dataset (FROM, FROM NAMED, default-graph-uri, named-graph-uri) is not supported yet: the default "
    "graph is the union of all graphs; pick a graph with GRAPH <iri> { ... }"
)
_QUERY_BODY = "application/sparql-query"
_UPDATE_BODY = "application/sparql-update"


class Refused(QueryError):
    """A request the endpoint will not run, with the HTTP status that says why (and headers to add)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(" ".join(message.split()))
        self.status = status
        self.headers = headers or {}


@dataclass(frozen=True)
class Limits:
    """What one query may take: ``timeout`` seconds, ``max_rows`` results (rows or triples), and how many
    queries run at once (``concurrent``); a query finding every slot taken waits its turn up to ``wait``
    seconds, behind at most ``waiting`` others, before its 503."""

    timeout: float = 30.0
    max_rows: int = 10_000
    concurrent: int = 2
    wait: float = 2.0
    waiting: int = 16


def query_text(method: str, content_type: str, query_string: str, body: bytes) -> str:
    """The query of a protocol request; ``Refused`` (400, 403, 415) for anything else."""
    params = _params(query_string)
    kind = content_type.split(";")[0].strip().lower()
    if method == "POST" and kind == _FORM:
        params = {**params, **_params(_utf8(body))}
    if "update" in params or (method == "POST" and kind == _UPDATE_BODY):
        raise Refused(403, "updates are refused: this endpoint is read-only")
    if "default-graph-uri" in params or "named-graph-uri" in params:  # in the URL of a direct POST too
        raise Refused(400, _NO_DATASET)
    if method == "POST" and kind == _QUERY_BODY:
        if "query" in params:
            raise Refused(400, "give the query in the body or in ?query=, not both")
        return _utf8(body)
    if method == "POST" and kind != _FORM:
        raise Refused(
            415, f"POST a query as {_FORM} (query=...) or as {_QUERY_BODY}, not {kind or 'an untyped body'}"
        )
    queries = params.get("query", [])
    if len(queries) != 1:
        raise Refused(400, "give exactly one query parameter (query=SPARQL)" if queries else "no query given")
    return queries[0]


def update_text(method: str, content_type: str, query_string: str, body: bytes) -> str | None:
    """The update of a protocol request (``POST`` of a form with ``update=``, or ``POST`` with the body
    typed ``application/sparql-update``); None when the request is no update. ``Refused`` 400 for an update
    sent by GET, two of them, or with a dataset (``using-graph-uri``, ``using-named-graph-uri``)."""
    params = _params(query_string)
    kind = content_type.split(";")[0].strip().lower()
    if method == "POST" and kind == _FORM:
        params = {**params, **_params(_utf8(body))}
    if method == "POST" and kind == _UPDATE_BODY:
        updates = [_utf8(body), *params.get("update", [])]
    elif "update" in params:
        updates = params["update"]
    else:
        return None
    if method != "POST":
        raise Refused(400, "send an update by POST (update=... in a form, or as application/sparql-update)")
    if "query" in params or len(updates) != 1:
        raise Refused(400, "give exactly one update, and no query beside it")
    if "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise Refused(400, "using-graph-uri and using-named-graph-uri are not supported; use GRAPH or WITH")
    return updates[0]


def checked_token(value: str | None) -> str:
    """The update token (from ``TOKEN_VARIABLE``), or one line saying what it must be."""
    if not value:
        raise MspGraphError(
            f"--allow-update: set {TOKEN_VARIABLE} to the token updates must present "
            '(e.g. python -c "import secrets; print(secrets.token_urlsafe(32))")'
        )
    if not _TOKEN.fullmatch(value):
        raise MspGraphError(
            f"--allow-update: {TOKEN_VARIABLE} must be 16 to 512 characters of A-Z a-z 0-9 - . _ ~ + / "
            '(e.g. python -c "import secrets; print(secrets.token_urlsafe(32))")'
        )
    return value


def authorised(header: str | None, token: str) -> None:
    """Nothing when ``header`` (``Authorization``) is ``Bearer`` and ``token``; ``Refused`` 401 otherwise
    (with ``WWW-Authenticate``). The tokens are compared in constant time."""
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Refused(
            401,
            "an update needs Authorization: Bearer TOKEN",
            {"WWW-Authenticate": 'Bearer realm="msp-graph"'},
        )
    if not hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8")):
        challenge = 'Bearer realm="msp-graph", error="invalid_token"'
        raise Refused(401, "the update token is wrong", {"WWW-Authenticate": challenge})


async def read_body(chunks: AsyncIterator[bytes]) -> bytes:
    """The request body; refused (413) past the query size limit (``max_query_bytes``), before the rest
    is read."""
    bound = int(limit("max_query_bytes")) * 3 + 1024  # a form percent-encodes a byte in three
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > bound:
            raise Refused(413, f"the request body is larger than {bound:,} bytes; send a smaller query")
    return bytes(body)


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused(400, f"the request is not UTF-8 (byte {error.start}); send UTF-8") from None


def _params(text: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=100)
    except UnicodeDecodeError:
        raise Refused(400, "a parameter is not UTF-8 once percent-decoded; send UTF-8") from None
    except ValueError as error:
        raise Refused(400, f"malformed parameters: {error}") from None


def prepare(text: str) -> PreparedQuery:
    """Check and prepare an ad-hoc query: SERVICE (any URL, internal ones too) refused; 400 otherwise."""
    try:
        if check_sparql(text, where="query", allow_network=True).keywords:
            raise Refused(403, "SERVICE is refused: this endpoint does not fetch other endpoints")
        if keyword_offsets(text, "FROM"):  # the store would ignore it and query the union of all graphs
            raise Refused(400, _NO_DATASET)
        return _based(text)
    except Refused:
        raise
    except QueryError as error:
        raise Refused(400, str(error)) from None


def _based(text: str) -> PreparedQuery:
    """``text`` prepared with ``BASE_IRI`` as its base (a relative IRI, ``<s>``, is a syntax error without
    one); a syntax error names the line:column of ``text`` as sent, not of the text with the BASE."""
    try:
        return prepare_query(text, where="query")
    except QueryError as error:
        if "SPARQL syntax error" not in str(error):
            raise
        try:
            return prepare_query(f"BASE <{BASE_IRI}> {text}", where="query")
        except QueryError:
            raise error from None


def prepare_named(name: str, params: dict[str, str]) -> PreparedQuery:
    """Prepare the named query ``name`` with ``params`` bound; ``Refused`` 400 for an unknown query or a
    parameter that does not fit (the messages of ``msp-graph query``)."""
    try:
        return prepare_query(get_query(name), params=params, where=name)
    except QueryError as error:
        raise Refused(400, str(error)) from None


def prepare_update(text: str) -> PreparedUpdate:
    """Check an update as ``msp-graph update`` does: SERVICE and LOAD refused (403) whatever the URL they
    name; size, nesting, tokens, a query sent as an update: 400."""
    try:
        fetches = check_sparql(text, where="update", allow_network=True, what="update").keywords
        if fetches:
            word = min(fetches, key=fetches.get)
            raise Refused(403, f"{word} is refused: this endpoint never fetches other URLs")
        return _prepare_update(text, where="update")
    except Refused:
        raise
    except QueryError as error:
        raise Refused(400, str(error)) from None


def media_type(result_kind: str, accept: str | None) -> tuple[str, str]:
    """``(media type, render format)`` for a result of ``result_kind`` by ``Accept``; ``Refused`` 406."""
    table = GRAPH_TYPES if result_kind in ("construct", "describe", "graph") else SOLUTION_TYPES
    chosen = choose(accept, list(table))
    if chosen is None:
        raise Refused(406, f"cannot answer this query as {accept}; accept one of: {', '.join(table)}")
    return chosen, table[chosen]


class QueryRunner:
    """Runs prepared queries on ``store`` within ``limits`` (see the module's docstring)."""

    def __init__(self, store: Store, limits: Limits):
        self.store = store
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.concurrent)
        self._waiting = threading.BoundedSemaphore(limits.waiting)  # places in the line for a slot
        self._writing = threading.Lock()  # one update (and the re-validation after it) at a time

    async def run(self, prepared: PreparedQuery) -> QueryResult:
        """The query's results; ``Refused`` 503 when the time limit passes or every slot is taken, 400 when
        there are more results than ``max_rows``."""
        if not await self._slot():
            busy = "the server is busy with other queries; try again shortly"
            raise Refused(503, busy, {"Retry-After": "5"})
        deadline = time.monotonic() + self.limits.timeout

        def work() -> QueryResult:
            try:
                return in_worker(lambda: self._collect(prepared, deadline), where=prepared.where)
            finally:
                self._slots.release()

        with anyio.move_on_after(self.limits.timeout + 0.5):
            return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
        raise self._over_time()

    async def update(self, prepared: PreparedUpdate, then: Callable[[], None]) -> None:
        """Run the update (one at a time, in a query slot), then ``then()`` (the re-validation), and return
        once both are done. ``Refused`` 503 while another update runs or every slot is taken, or when the
        update runs past the time limit (it goes on and is kept if it ends without error: Oxigraph cannot
        stop it; ``then`` still follows); 400 when it fails (the store is then as it was)."""
        busy = Refused(503, "the server is busy with another update or queries; try again shortly")
        busy.headers["Retry-After"] = "5"
        if not self._writing.acquire(blocking=False):
            raise busy
        slot = False
        try:
            slot = await self._slot()  # in line with the queries
        finally:
            if not slot:  # no slot, or cancelled while waiting for one
                self._writing.release()
        if not slot:
            raise busy
        outcome: dict[str, BaseException] = {}
        applied, finished = threading.Event(), threading.Event()

        def work() -> None:
            try:
                try:
                    prepared.run(self.store)
                finally:
                    self._slots.release()
            except BaseException as error:
                outcome["error"] = error
            applied.set()
            try:
                if "error" not in outcome:
                    then()
            except BaseException as error:
                outcome["after"] = error
            finally:
                self._writing.release()
                finished.set()

        threading.Thread(target=work, name="msp-graph-update", daemon=True).start()
        if not await anyio.to_thread.run_sync(applied.wait, self.limits.timeout, abandon_on_cancel=True):
            raise Refused(
                503,
                f"the update ran longer than the time limit ({self.limits.timeout:g} s); it goes on and is "
                "kept if it ends without error: look at the data before sending it again",
            )
        failure = outcome.get("error")
        if isinstance(failure, MspGraphError):
            raise Refused(400, str(failure))
        if failure is not None:
            raise failure
        await anyio.to_thread.run_sync(finished.wait, abandon_on_cancel=True)
        if "after" in outcome:
            raise outcome["after"]

    async def _slot(self) -> bool:
        """Take a query slot: at once, or after waiting up to ``Limits.wait`` seconds in line (on a worker
        thread; at most ``Limits.waiting`` queries wait, so the pages keep the other threads); False if
        none came free. Eight clients querying at once are served in turn, not refused."""
        if self._slots.acquire(blocking=False):
            return True
        if not self._waiting.acquire(blocking=False):
            return False
        taken: list[bool] = []  # set by the thread, which has ended when run_sync returns or raises

        def take() -> None:
            if self._slots.acquire(timeout=self.limits.wait):
                taken.append(True)

        try:
            await anyio.to_thread.run_sync(take)
        except BaseException:  # cancelled while waiting: give back a slot taken meanwhile
            if taken:
                self._slots.release()
            raise
        finally:
            self._waiting.release()
        return bool(taken)

    def _over_time(self) -> Refused:
        return Refused(
            503, f"the query ran longer than the time limit ({self.limits.timeout:g} s); make it narrower"
        )

    def _collect(self, prepared: PreparedQuery, deadline: float) -> QueryResult:
        planned = prepared.planned(self.store)
        if planned is not None:  # a catalogue query's faster plan: the same rows, under the same limits
            planned.rows = list(self._bounded(planned.rows, deadline))
            return planned
        raw = self.store.query(prepared.text)
        with running_sparql(prepared.where):
            if isinstance(raw, ox.QueryBoolean | bool):
                return QueryResult(kind="ask", boolean=bool(raw))
            if isinstance(raw, ox.QuerySolutions):
                names = [v.value for v in raw.variables]
                rows = [{n: s[n] for n in names} for s in self._bounded(raw, deadline)]
                result = QueryResult(kind="select", variables=names, rows=rows)
                _sort_lists(result, prepared.lists)  # as msp-graph query sorts a list column's items
                return result
            return QueryResult(kind="graph", triples=list(self._bounded(raw, deadline)))

    def _bounded(self, items: Iterable, deadline: float) -> Iterator:
        limit = self.limits.max_rows
        for count, item in enumerate(items, 1):
            if count > limit:
                raise Refused(
                    400, f"the query gives more than {limit:,} results (the row limit); add LIMIT and OFFSET"
                )
            if time.monotonic() > deadline:
                raise self._over_time()
            yield item
