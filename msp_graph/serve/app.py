"""The web application: routes, content negotiation, ETags. See ``msp_graph.serve`` for what it serves."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections import OrderedDict
from pathlib import Path
from urllib.parse import urlencode

import anyio.to_thread
import jinja2
import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import MspGraphError, QueryError
from ..export import context, export
from ..network import network
from ..queries import run_query
from ..resources import bundled_dir
from ..stores import EmbeddedStore, Store, rdf_format
from ..validation import ValidationReport
from . import pages, query_page, sparql
from .links import ServerLinks
from .negotiate import choose, preferred_language
from .validating import validated
from .void import void_statements

__all__ = [
    "DATA_FORMATS",
    "ONTOLOGY_FILES",
    "Site",
    "context_document",
    "create_app",
    "ontology_file",
    "query",
    "serialise",
]

#: The formats of ``/data/{kind}/{slug}.{ext}``: extension -> export format.
DATA_FORMATS = {"ttl": "turtle", "jsonld": "jsonld", "nt": "nt", "rdf": "rdfxml"}
_HTML = "text/html"
_BY_TYPE = {rdf_format(name).media_type: ext for ext, name in DATA_FORMATS.items()}
_DESCRIBE = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?s ?p ?o . ?o rdfs:label ?label . ?o skos:prefLabel ?preferred }
WHERE {
  { ?s ?p ?o }
  UNION { ?s ?link ?o . ?o rdfs:label ?label }
  UNION { ?s ?link ?o . ?o skos:prefLabel ?preferred }
}
"""
_CACHED = 1024
# The pages load nothing from elsewhere and run no script: say so to the browser too.
_HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
# The query page alone runs a script: the editor's (YASGUI, vendored, from this server only), whose queries
# go to this server only; its inline styles and CodeMirror's style attributes need 'unsafe-inline'.
_QUERY_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The editor's files: their address changes with their bytes (``?v=``), so a browser may keep them a year.
_ASSET_HEADERS = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class Site:
    """What the application serves from: the store (read only), the validation report kept at start-up,
    the query runner and the templates; the bytes of the data documents, cached (the store does not change
    under the server)."""

    def __init__(self, store: Store, report: ValidationReport | None, limits: sparql.Limits):
        self.store, self.report = store, report
        self.runner = sparql.QueryRunner(store, limits)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        # Only web addresses become links: an IRI of the data may be javascript:... or data:...
        self.templates.tests["web"] = lambda value: str(value).startswith(("http://", "https://"))
        self.triples = store.count()
        self._documents: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()
        self.ontology: dict | None = None  # the ontology page's data, read on first use
        self.token: str | None = None  # the token an update must present; None: updates are refused
        self.generation = 0  # how many updates the data has had (cached documents are of one generation)
        self._network = None  # the whole partner network, built on first use
        self._pictures: OrderedDict[str, str | None] = OrderedDict()

    def picture(self, iri: str, names: pages.Names) -> str | None:
        """The SVG of the network around partnership ``iri`` in ``names``' language (``pages.neighbourhood``,
        ``pages.network_svg``), cached by what it shows (a page in another language with the same names
        reuses it); ``updated`` drops the network and the pictures."""
        if self._network is None:
            self._network = network(self.store)
        around = pages.neighbourhood(self._network, iri, names)
        if around is None:
            return None
        key = repr((names(iri), list(around.nodes(data=True)), list(around.edges(data=True))))
        if key not in self._pictures:
            self._pictures[key] = pages.network_svg(around, names(iri))
            while len(self._pictures) > _CACHED:
                with contextlib.suppress(KeyError):
                    self._pictures.popitem(last=False)
        return self._pictures.get(key)

    def render(self, name: str, lang: str, links, **values) -> str:
        """The page of template ``name`` in ``lang``; ``links`` says where its links point (``links``)."""
        values.setdefault("names", pages.Names(self.store, lang))
        return self.templates.get_template(name).render(
            lang=lang, languages=pages.LANGUAGES, links=links, short=pages.short, **values
        )

    def view(self, iri: str, kind: str, names: pages.Names) -> tuple[str, dict]:
        """The template and values of the page of ``iri`` (a partnership, an organisation, a concept or
        concept scheme, any other)."""
        if iri.startswith(pages.VOCAB):
            return "concept.html", {"c": pages.concept(self.store, iri, names)}
        if kind == "partnership":
            view = pages.partnership(self.store, iri, names, self.report)
            return "partnership.html", {"p": view, "picture": self.picture(iri, names)}
        if kind == "organisation":
            return "organisation.html", {"o": pages.organisation(self.store, iri, names)}
        pairs = [(p, o.value, isinstance(o, ox.NamedNode)) for p, o in pages.statements(self.store, iri)]
        names.load([iri, *(p for p, _, _ in pairs), *(o for _, o, is_iri in pairs if is_iri)])
        return "resource.html", {"iri": iri, "pairs": pairs}

    def updated(self) -> None:
        """After an update: the report made again as at start-up (on a copy: visitors never see the
        inferred graph), the triple count, a new generation of data documents, the network read again."""
        if self.report is not None:
            self.report = validated(self.store, copy=True)
        self.triples = self.store.count()
        self.generation += 1
        self._documents.clear()
        self._network = None
        self._pictures.clear()

    def html(self, request: Request, name: str, status: int = 200, **values) -> Response:
        lang = language(request)
        body = self.render(name, lang, ServerLinks(lang, request.url.path), **values)
        headers = {"Content-Language": lang, "Vary": "Accept-Language", **_HTML_HEADERS}
        return answer(request, body.encode("utf-8"), _HTML + "; charset=utf-8", status, headers)

    def document(self, iri: str, fmt: str) -> bytes:
        """The description of ``iri`` (its triples as subject, with the labels of what they point to) as an
        export in ``fmt``, in a graph named by the data document."""
        key = (iri, fmt, self.generation)
        body = self._documents.get(key)
        if body is None:  # requests run on several threads: each works with its own bytes
            triples = run_query(self.store, _DESCRIBE, params={"s": iri}, where="describe").triples
            body = self._documents[key] = serialise(triples, fmt, name=pages.data_name(iri))
            while len(self._documents) > _CACHED:
                with contextlib.suppress(KeyError):
                    self._documents.popitem(last=False)
        return body


def serialise(triples: list[ox.Triple], fmt: str, *, name: str) -> bytes:
    """``triples`` written by the export writers (sorted, the shipped JSON-LD context), in graph ``name``."""
    with EmbeddedStore() as scratch:
        if triples:
            scratch.load(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), graph=name, format="nt")
        return export(scratch, format=fmt, graphs=[name] if triples else [])


def language(request: Request) -> str:
    """``?lang=`` when it names one of ``pages.LANGUAGES``, else the Accept-Language choice, else en."""
    asked = request.query_params.get("lang", "")
    if asked in pages.LANGUAGES:
        return asked
    return preferred_language(request.headers.get("accept-language"), pages.LANGUAGES) or "en"


def answer(
    request: Request, body: bytes, media_type: str, status: int = 200, headers: dict | None = None
) -> Response:
    """A response with an ETag (a hash of the bytes, so the same data gives the same tag on every start);
    304 when ``If-None-Match`` holds it. No Last-Modified: the bytes, not a load time, say what changed."""
    headers = dict(headers or {})
    if status == 200:
        tag = _etag(body)
        headers["ETag"] = tag
        given = [t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")]
        if tag in given or "*" in given:
            return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def _refused(error: sparql.Refused) -> Response:
    return PlainTextResponse(str(error) + "\n", status_code=error.status, headers=error.headers)


def _iri(request: Request) -> str:
    kind, slug = request.path_params["kind"], request.path_params["slug"]
    return f"{pages.ID}{kind}/{slug}"


def _known(site: Site, iri: str) -> bool:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return pages.exists(site.store, iri)


def _not_found(site: Site, request: Request, iri: str) -> Response:
    slug = iri.rsplit("/", 1)[-1]
    return site.html(request, "not_found.html", status=404, iri=iri, search="/?" + urlencode({"q": slug}))


def identifier(request: Request) -> Response:
    """``/id/{kind}/{slug}``: 303 See Other to the page (HTML) or a data document, by ``Accept``."""
    tail = _iri(request)[len(pages.ID) :]
    return _see_other(request, _iri(request), f"/page/{tail}", f"/data/{tail}")


def vocabulary(request: Request) -> Response:
    """``/vocab/{scheme}`` and ``/vocab/{scheme}/{concept}``: as ``/id/...``, to ``/page/vocab/...`` or
    ``/data/vocab/....{ext}``."""
    rest = request.path_params["rest"]
    return _see_other(request, pages.VOCAB + rest, f"/page/vocab/{rest}", f"/data/vocab/{rest}")


def _see_other(request: Request, iri: str, page_path: str, data_path: str) -> Response:
    """303 See Other to ``page_path`` (HTML; the query kept) or ``data_path.{ext}`` by ``Accept``; 406 when
    Accept allows none, the 404 page for an IRI that is the subject of nothing."""
    site: Site = request.app.state.site
    if not _known(site, iri):
        return _not_found(site, request, iri)
    chosen = choose(request.headers.get("accept"), [_HTML, "application/xhtml+xml", *_BY_TYPE])
    if chosen is None:
        offered = ", ".join([_HTML, *_BY_TYPE])
        return PlainTextResponse(f"no representation of this resource fits Accept; offered: {offered}\n", 406)
    if chosen in _BY_TYPE:
        target = f"{data_path}.{_BY_TYPE[chosen]}"
    else:
        target = page_path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


def data(request: Request) -> Response:
    """``/data/{kind}/{slug}.{ext}``: the resource's description in the format the extension names."""
    slug, dot, ext = request.path_params["slug"].rpartition(".")
    return _document(request, f"{pages.ID}{request.path_params['kind']}/{slug}", ext if dot else "")


def vocabulary_data(request: Request) -> Response:
    """``/data/vocab/{scheme}.{ext}``, ``/data/vocab/{scheme}/{concept}.{ext}``: as ``/data/...``."""
    rest, dot, ext = request.path_params["rest"].rpartition(".")
    return _document(request, pages.VOCAB + rest, ext if dot else "")


def _document(request: Request, iri: str, ext: str) -> Response:
    """The data document of ``iri`` in the format extension ``ext`` names."""
    site: Site = request.app.state.site
    if ext not in DATA_FORMATS:
        return PlainTextResponse(f"unknown data format; use one of: {', '.join(DATA_FORMATS)}\n", 404)
    if not _known(site, iri):
        return _not_found(site, request, iri)
    fmt = DATA_FORMATS[ext]
    return answer(request, site.document(iri, fmt), rdf_format(fmt).media_type)


def page(request: Request) -> Response:
    """``/page/{kind}/{slug}``: the HTML page of a partnership, an organisation or any other resource."""
    return _page(request, _iri(request), request.path_params["kind"])


def vocabulary_page(request: Request) -> Response:
    """``/page/vocab/{scheme}``, ``/page/vocab/{scheme}/{concept}``: the page of a scheme or a concept."""
    return _page(request, pages.VOCAB + request.path_params["rest"], "vocab")


def _page(request: Request, iri: str, kind: str) -> Response:
    site: Site = request.app.state.site
    if not _known(site, iri):
        return _not_found(site, request, iri)
    names = pages.Names(site.store, language(request))
    template, values = site.view(iri, kind, names)
    return site.html(request, template, names=names, **values)


def validation(request: Request) -> Response:
    """``/validation``: the report made at start-up, grouped by partnership as the CLI's text report."""
    site: Site = request.app.state.site
    return site.html(request, "validation.html", v=pages.validation(site.report))


def ontology(request: Request) -> Response:
    """``/ontology``, the ontology's IRI (its terms are ``/ontology#Term``): by ``Accept``, its documentation
    (classes and properties, en/fr/es; ``Vary: Accept``), or 303 See Other to ``/ontology/msp.ttl`` (Turtle)
    or ``/ontology/msp.owl`` (RDF/XML); 406 when Accept allows none of them."""
    site: Site = request.app.state.site
    files = {rdf_format("turtle").media_type: "msp.ttl", rdf_format("rdfxml").media_type: "msp.owl"}
    chosen = choose(request.headers.get("accept"), [_HTML, "application/xhtml+xml", *files])
    if chosen is None:
        offered = ", ".join([_HTML, *files])
        return PlainTextResponse(f"no representation of the ontology fits Accept; offered: {offered}\n", 406)
    if chosen in files:
        return RedirectResponse(f"/ontology/{files[chosen]}", status_code=303, headers={"Vary": "Accept"})
    if site.ontology is None:
        site.ontology = pages.ontology()
    response = site.html(request, "ontology.html", o=site.ontology, files=ONTOLOGY_FILES)
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


#: The ontology's files (``/ontology/{name}``, ``ontology/{name}`` in a published site): name, format.
ONTOLOGY_FILES = [("msp.ttl", "Turtle"), ("msp.owl", "RDF/XML")]


@functools.cache
def ontology_file(name: str) -> tuple[bytes, str]:
    """The bytes and media type of an ontology file: the bundled msp.ttl as it is, or written as RDF/XML."""
    source = (bundled_dir("ontology") / "msp.ttl").read_bytes()
    if name == "msp.ttl":
        return source, rdf_format("turtle").media_type
    triples = list(ox.parse(source, format=ox.RdfFormat.TURTLE))
    return serialise(triples, "rdfxml", name=pages.ONTOLOGY), rdf_format("rdfxml").media_type


def ontology_download(request: Request) -> Response:
    """``/ontology/msp.ttl`` and ``/ontology/msp.owl``."""
    name = request.path_params["name"]
    if name not in dict(ONTOLOGY_FILES):
        return PlainTextResponse(f"no such file; the ontology is {' and '.join(dict(ONTOLOGY_FILES))}\n", 404)
    body, media_type = ontology_file(name)
    return answer(request, body, media_type)


def home(request: Request) -> Response:
    """``/``: partnerships and organisations, searchable by name (``?q=``), filtered by stakeholder group,
    policy area and country (``?group=``, ``?area=``, ``?country=``; ``pages.filtered_index``)."""
    site: Site = request.app.state.site
    search = request.query_params.get("q", "")[:200]
    chosen = {
        name: pages.filter_iri(name, value)
        for name in pages.FILTERS
        if (value := request.query_params.get(name, "").strip()[:300])
    }
    names = pages.Names(site.store, language(request))
    view = pages.filtered_index(site.store, names, search, chosen)
    summary = site.report.summary() if site.report is not None else None
    return site.html(
        request, "index.html", found=view["found"], filters=view, search=search, summary=summary, names=names
    )


async def endpoint(request: Request) -> Response:
    """``/sparql``: the SPARQL 1.1 Protocol (queries; updates with the token when the server allows them)."""
    site: Site = request.app.state.site
    try:
        body = await sparql.read_body(request.stream())
        asked = (request.method, request.headers.get("content-type", ""), request.url.query, body)
        update = sparql.update_text(*asked) if site.token is not None else None
        if update is not None:
            return await _update(site, request, update)
        text = sparql.query_text(*asked)
        prepared = sparql.prepare(text)
        kind, fmt = sparql.media_type(prepared.form, request.headers.get("accept"))
        result = await site.runner.run(prepared)
    except sparql.Refused as error:
        return _refused(error)
    except QueryError as error:  # the store failed while evaluating the query
        return PlainTextResponse(" ".join(str(error).split()) + "\n", status_code=500)
    body = result.render(fmt).encode("utf-8")
    return Response(body, media_type=kind if kind.startswith("application/") else kind + "; charset=utf-8")


async def _update(site: Site, request: Request, text: str) -> Response:
    """Run an update sent with the token (401 without it), then make the report again: 204 once both are
    done, so what the client reads next reflects the update."""
    sparql.authorised(request.headers.get("authorization"), site.token or "")
    prepared = sparql.prepare_update(text)
    try:
        await site.runner.update(prepared, site.updated)
    except sparql.Refused:
        raise
    except MspGraphError as error:  # the update was applied; making the report again failed
        site.report = None
        message = f"the update was applied, but the validation report could not be made again: {error}"
        return PlainTextResponse(" ".join(message.split()) + "\n", status_code=500)
    return Response(status_code=204)


async def query(request: Request) -> Response:
    """``/query``: the named queries as forms and an editor for ad-hoc SPARQL; with ``?name=`` or
    ``?query=``, the results as a table (``&format=``: as a file). Checked, run and limited as at
    ``/sparql``; a refusal is shown on the page with the status ``/sparql`` gives it."""
    site: Site = request.app.state.site
    asked = None
    try:
        asked = query_page.asked(request.url.query)
        if asked is None:
            return _query_html(site, request, asked)
        if asked.name is not None:
            prepared = sparql.prepare_named(asked.name, asked.params)
        else:
            prepared = sparql.prepare(asked.text or "")
        kind = query_page.kind_of(prepared.form)
        if asked.format is not None and asked.format not in sparql.DOWNLOADS[kind]:
            offered = ", ".join(sparql.DOWNLOADS[kind])
            raise sparql.Refused(400, f"format {asked.format!r}: for these results use one of: {offered}")
        result = await site.runner.run(prepared)
    except sparql.Refused as error:
        if asked is not None and asked.format is not None:
            return _refused(error)
        return _query_html(site, request, asked, error=error)
    except QueryError as error:  # the store failed while evaluating the query
        return PlainTextResponse(" ".join(str(error).split()) + "\n", status_code=500)
    # A table of thousands of rows takes a tenth of a second to write: off the event loop.
    if asked.format is None:
        return await anyio.to_thread.run_sync(lambda: _query_html(site, request, asked, result=result))
    ext, media, _ = sparql.DOWNLOADS[kind][asked.format]
    body = await anyio.to_thread.run_sync(lambda: result.render(asked.format).encode("utf-8"))
    disposition = f'attachment; filename="{asked.name or "query"}.{ext}"'
    return answer(request, body, media, headers={"Content-Disposition": disposition})


def _query_html(site: Site, request: Request, asked, *, result=None, error=None) -> Response:
    """The query page: the forms and editor (filled in with what was asked), the results or the refusal."""
    values = {
        "heading": "Queries",
        "about": "",
        "queries": query_page.catalogue(),
        "current": asked.name if asked is not None else None,
        "given": asked.params if asked is not None else {},
        "editor": asked.text if asked is not None and asked.text is not None else query_page.EXAMPLE,
        "limits": site.runner.limits,
        "result": None,
        "downloads": [],
        "error": str(error) if error is not None else None,
        "precomputed": {},
        "yasgui": query_page.editor("/sparql"),
    }
    if asked is not None and asked.name is not None:
        values["heading"] = f"Query: {asked.name}"
        values["about"] = next((q["summary"] for q in values["queries"] if q["name"] == asked.name), "")
    if result is not None:
        values["result"] = query_page.table(result)
        kind = "graph" if result.kind == "graph" else "select"
        values["downloads"] = query_page.downloads(kind, lambda fmt: "/query?" + asked.address(format=fmt))
    response = site.html(request, "query.html", status=error.status if error else 200, **values)
    response.headers["Content-Security-Policy"] = _QUERY_CSP
    if error is not None:
        response.headers.update(error.headers)
    return response


def editor_asset(request: Request) -> Response:
    """``/assets/yasgui/{name}``: the query page's editor (``query_page.EDITOR_FILES``), kept a year."""
    found = query_page.editor_file(request.path_params["name"])
    if found is None:
        return PlainTextResponse("no such file\n", 404)
    return answer(request, found[0], found[1], headers=_ASSET_HEADERS)


def void(request: Request) -> Response:
    """``/.well-known/void``: VoID and DCAT description of the dataset (Turtle, or JSON-LD by Accept)."""
    site: Site = request.app.state.site
    types = {rdf_format("turtle").media_type: "turtle", rdf_format("jsonld").media_type: "jsonld"}
    chosen = choose(request.headers.get("accept"), [*types, _HTML, "text/plain"]) or "text/turtle"
    fmt = types.get(chosen, "turtle")
    base = str(request.base_url).rstrip("/")
    statements = void_statements(site.store, site.triples, endpoint=base + "/sparql")
    body = serialise(statements, fmt, name=base + "/.well-known/void")
    return answer(request, body, rdf_format(fmt).media_type, headers={"Vary": "Accept"})


def jsonld_context(request: Request) -> Response:
    """``/context.jsonld``: the JSON-LD context the data documents use."""
    return answer(request, context_document(), "application/ld+json")


def context_document() -> bytes:
    """The bytes of ``/context.jsonld`` (and of the published site's ``context.jsonld``)."""
    return (json.dumps({"@context": context()}, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def create_app(
    store: Store,
    *,
    report: ValidationReport | None = None,
    limits: sparql.Limits | None = None,
    update_token: str | None = None,
) -> Starlette:
    """The application serving ``store`` and the validation ``report`` made at start-up; read only unless
    ``update_token`` is given: then ``/sparql`` runs updates that present it (``Authorization: Bearer``),
    and the report (when one is given) is made again after each.

    >>> from starlette.testclient import TestClient  # doctest: +SKIP
    >>> TestClient(create_app(store)).get("/sparql", params={"query": "ASK {}"}).json()  # doctest: +SKIP
    {'head': {}, 'boolean': True}
    """
    app = Starlette(
        routes=[
            Route("/", home),
            Route("/sparql", endpoint, methods=["GET", "POST"]),
            Route("/query", query),
            Route("/id/{kind}/{slug}", identifier),
            Route("/vocab/{rest:path}", vocabulary),
            Route("/page/vocab/{rest:path}", vocabulary_page),
            Route("/data/vocab/{rest:path}", vocabulary_data),
            Route("/page/{kind}/{slug}", page),
            Route("/data/{kind}/{slug}", data),
            Route("/validation", validation),
            Route("/ontology", ontology),
            Route("/ontology/{name}", ontology_download),
            Route("/.well-known/void", void),
            Route("/context.jsonld", jsonld_context),
            Route("/assets/yasgui/{name}", editor_asset),
        ]
    )
    app.state.site = Site(store, report, limits or sparql.Limits())
    app.state.site.token = update_token
    return app
