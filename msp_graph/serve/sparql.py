"""The SPARQL 1.1 Protocol at ``/sparql``: queries only, bounded in time and rows, SERVICE refused.

A request names its query as the protocol says (``GET ?query=``, ``POST`` of a form with ``query=``, or
``POST`` with the body typed ``application/sparql-query``); the query is checked and prepared as the command
line does (``queries.prepare_query``: sizes, depth, syntax, project prefixes), then run on a worker thread
that stops at ``Limits.max_rows`` results or ``Limits.timeout`` seconds. The answer's format is chosen by
``Accept`` among the writers of ``QueryResult.render``.

Oxigraph cannot be interrupted inside one step of a query (a sort, an aggregate over a large join): such a
step goes on in the background after the visitor has had the time-out answer, until its next result, and
holds one of ``Limits.concurrent`` query slots meanwhile; while every slot is taken, queries get 503 with
``Retry-After`` and the pages keep working (they do not use the slots).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
import pyoxigraph as ox

from ..errors import QueryError
from ..limits import limit
from ..queries import PreparedQuery, QueryResult, check_sparql, in_worker, prepare_query
from ..sparql_text import keyword_offsets
from ..stores import Store, rdf_format
from ..stores.terms import running_sparql
from .negotiate import choose

__all__ = [
    "GRAPH_TYPES",
    "SOLUTION_TYPES",
    "Limits",
    "QueryRunner",
    "Refused",
    "prepare",
    "query_text",
    "read_body",
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
    queries run at once (``concurrent``)."""

    timeout: float = 30.0
    max_rows: int = 10_000
    concurrent: int = 2


def query_text(method: str, content_type: str, query_string: str, body: bytes) -> str:
    """The query of a protocol request; ``Refused`` (400, 403, 415) for anything else."""
    params = _params(query_string)
    kind = content_type.split(";")[0].strip().lower()
    if method == "POST" and kind == _FORM:
        params = {**params, **_params(_utf8(body))}
    if "update" in params or (method == "POST" and kind == _UPDATE_BODY):
        raise Refused(403, "updates are refused: this endpoint is read-only")
    if method == "POST" and kind == _QUERY_BODY:
        if "query" in params:
            raise Refused(400, "give the query in the body or in ?query=, not both")
        return _utf8(body)
    if method == "POST" and kind != _FORM:
        raise Refused(
            415, f"POST a query as {_FORM} (query=...) or as {_QUERY_BODY}, not {kind or 'an untyped body'}"
        )
    if "default-graph-uri" in params or "named-graph-uri" in params:
        raise Refused(400, _NO_DATASET)
    queries = params.get("query", [])
    if len(queries) != 1:
        raise Refused(400, "give exactly one query parameter (query=SPARQL)" if queries else "no query given")
    return queries[0]


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
        return prepare_query(text, where="query")
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

    async def run(self, prepared: PreparedQuery) -> QueryResult:
        """The query's results; ``Refused`` 503 when the time limit passes or every slot is taken, 400 when
        there are more results than ``max_rows``."""
        if not self._slots.acquire(blocking=False):
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

    def _over_time(self) -> Refused:
        return Refused(
            503, f"the query ran longer than the time limit ({self.limits.timeout:g} s); make it narrower"
        )

    def _collect(self, prepared: PreparedQuery, deadline: float) -> QueryResult:
        raw = self.store.query(prepared.text)
        with running_sparql(prepared.where):
            if isinstance(raw, ox.QueryBoolean | bool):
                return QueryResult(kind="ask", boolean=bool(raw))
            if isinstance(raw, ox.QuerySolutions):
                names = [v.value for v in raw.variables]
                rows = [{n: s[n] for n in names} for s in self._bounded(raw, deadline)]
                return QueryResult(kind="select", variables=names, rows=rows)
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
