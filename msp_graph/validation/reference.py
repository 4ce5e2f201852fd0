"""The reference engine: pyshacl on an rdflib copy of the data, with each SPARQL text parsed once."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping

import pyshacl
import rdflib
from rdflib.plugins.sparql import processor as sparql_processor

from ..errors import ShapesError

__all__ = ["run_pyshacl", "sparql_parsed_once"]


def run_pyshacl(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, rdflib.Graph]:
    """``(conforms, SHACL report graph)`` of pyshacl on ``data`` (taken as it is: no inference)."""
    try:
        with sparql_parsed_once():
            conforms, graph, _ = pyshacl.validate(
                data,
                shacl_graph=shapes,
                inference="none",
                advanced=True,
                allow_warnings=False,
                allow_infos=False,
            )
    except Exception as error:  # pyshacl raises ReportableRuntimeError, ConstraintLoadError, ...
        raise ShapesError(f"shapes: pyshacl could not run: {_first_line(error)}") from None
    if not isinstance(graph, rdflib.Graph):  # a ValidationFailure (a SPARQL query SHACL forbids...)
        raise ShapesError(f"shapes: pyshacl could not run: {_first_line(graph)}")
    return bool(conforms), graph


def _first_line(error) -> str:
    text = str(getattr(error, "message", error)).strip()
    return text.splitlines()[0] if text else type(error).__name__


_PARSE_LOCK = threading.RLock()


@contextlib.contextmanager
def sparql_parsed_once() -> Iterator[None]:
    """Within this block rdflib parses and translates each SPARQL query text once, then reuses it.

    pyshacl 0.40.1 hands rdflib the text of a SPARQL-based constraint for every focus node, and rdflib parses
    and translates it again each time (0.1-0.5 s a query): about 90 % of pyshacl's time on the MSP shapes.
    The parsed algebra depends only on the text, the base and the initial namespaces (the key here), and
    rdflib does not change it while evaluating, so reusing it gives the same results. rdflib's module
    functions are swapped for the duration of the block (under a lock, re-entrant; other threads' queries
    meanwhile also use the cache, which is harmless).

    >>> import rdflib
    >>> with sparql_parsed_once():
    ...     len(list(rdflib.Graph().query("SELECT * WHERE { ?s ?p ?o }")))
    0
    """
    cache: dict = {}
    parse, translate = sparql_processor.parseQuery, sparql_processor.translateQuery

    def deferred_parse(text):
        return text

    def cached_translate(text, base: str | None = None, init_ns: Mapping | None = None):
        if not isinstance(text, str):  # already parsed by a caller that bypassed parseQuery
            return translate(text, base, init_ns)
        key = (text, base, tuple(sorted((init_ns or {}).items())))
        if key not in cache:
            cache[key] = translate(parse(text), base, init_ns)
        return cache[key]

    with _PARSE_LOCK:
        sparql_processor.parseQuery, sparql_processor.translateQuery = deferred_parse, cached_translate
        try:
            yield
        finally:
            sparql_processor.parseQuery, sparql_processor.translateQuery = parse, translate
