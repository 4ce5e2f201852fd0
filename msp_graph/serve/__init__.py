"""``msp-graph serve``: the graph as linked data over HTTP (Starlette on uvicorn; the ``serve`` extra).

What is served (docs/serve.md):

* ``/sparql``: the SPARQL 1.1 Protocol, read only, bounded (``sparql.Limits``), SERVICE refused;
* ``/id/{kind}/{slug}``: the data's IRIs (``https://w3id.org/msp/id/{kind}/{slug}``) answer ``303 See Other``
  to ``/page/...`` (HTML) or ``/data/....{ttl,jsonld,nt,rdf}`` by ``Accept`` ("Cool URIs for the Semantic
  Web"); an unknown IRI gets a 404 page;
* ``/page/...``: HTML pages (partnership, organisation, any other resource) and ``/`` (index, search);
* ``/validation`` (the start-up report by partnership), ``/ontology`` (its documentation;
  ``/ontology/msp.ttl``, ``/ontology/msp.owl``);
* ``/.well-known/void`` (VoID + DCAT) and ``/context.jsonld``.

``publish`` writes the same pages (the same templates and page data, relative links: ``links``) and files as
a static site, with the w3id.org redirect rules (``publish.htaccess``).

The server reads the store as it was when it started (a snapshot of a ``--store``); the validation report
shown on the pages is made once, at start-up (``validated``), and the served data stays as it was (no
inferred graph added to it). Bodies are reproducible, and their ETag is a hash of them.

>>> from msp_graph.loading import open_store, load_bundled
>>> store = open_store(); _ = load_bundled(store)
>>> app = create_app(store, report=validated(store))  # doctest: +SKIP
"""

from __future__ import annotations

from ..stores import INFERRED_GRAPH, EmbeddedStore, Store
from ..validation import ValidationReport, check, in_memory_copy
from .app import DATA_FORMATS, create_app
from .sparql import Limits

__all__ = ["DATA_FORMATS", "Limits", "create_app", "validated"]


def validated(store: Store) -> ValidationReport:
    """The report of ``check`` (reason, then validate with the bundled shapes) on ``store``'s data; the
    store ends as it began. A store in memory (a command's own, of FILES) is checked in place and its new
    inferred graph dropped afterwards (copying it took longer than checking at 10^5 triples); any other is
    checked on an in-memory copy, so a store on disk is never written."""
    if isinstance(store, EmbeddedStore) and store.path is None:
        had = INFERRED_GRAPH in store.graphs()
        report = check(store, lines=False)  # the pages show no source line
        if not had:
            store.drop(INFERRED_GRAPH)
    else:
        with in_memory_copy(store) as copy:
            report = check(copy, lines=False)
    report.graph = None  # the SHACL report graph is not shown; the results are
    return report
