"""``msp-graph serve``: the graph as linked data over HTTP (Starlette on uvicorn; the ``serve`` extra).

What is served (docs/serve.md):

* ``/sparql``: the SPARQL 1.1 Protocol, bounded (``sparql.Limits``), SERVICE refused; read only unless
  ``create_app(update_token=...)`` (``--allow-update``): then updates that present the token;
* ``/query``: the named queries as forms, ad-hoc SPARQL, results as a table and files (``query_page``);
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
inferred graph added to it). With updates allowed, the store is the one they change (a ``--store`` opened
for writing) and the report is made again after each (``Site.updated``). Bodies are reproducible, and their
ETag is a hash of them.

>>> from msp_graph.loading import open_store, load_bundled
>>> store = open_store(); _ = load_bundled(store)
>>> app = create_app(store, report=validated(store))  # doctest: +SKIP
"""

from __future__ import annotations

from .app import DATA_FORMATS, create_app
from .sparql import Limits
from .validating import validated

__all__ = ["DATA_FORMATS", "Limits", "create_app", "validated"]
