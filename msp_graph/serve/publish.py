"""``msp-graph publish``: the server's pages, data documents and descriptions as a static site, plus the
w3id.org redirect rules (``.htaccess``) that send the IRIs to it by content type.

The site is rendered by the server's code (``app.Site``: the same templates and page data), with links
relative to each page (``links.StaticLinks``), so it works under any base path. It is written into a
temporary folder beside ``DIR`` and renamed into place; an existing folder is replaced only when it is an
earlier output (it holds ``MARKER``) and ``force`` is given. Same data, same bytes: no times, no local paths.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import MspGraphError
from ..export import export
from ..queries import get_query, run_query
from ..resources import bundled_dir
from ..stores import Store, rdf_format
from ..validation import ValidationReport
from . import pages, query_page, sparql
from .app import DATA_FORMATS, ONTOLOGY_FILES, Site, context_document, ontology_file, serialise
from .links import StaticLinks, page_file, site_path
from .void import DATASET, void_statements

__all__ = ["MARKER", "checked_base_url", "checked_target", "htaccess", "publish"]

#: The file that marks a folder as a publish output (``--force`` replaces only such a folder).
MARKER = ".msp-graph-publish"
_MARKER_TEXT = b"Written by msp-graph publish; `msp-graph publish --force` replaces this folder.\n"
# A slug or kind that is a safe file name everywhere (an IRI with any other is shown without a link).
_SLUG = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,199}")
_KIND = re.compile(r"[a-z][a-z-]{0,39}")
# The characters a base URL may hold: RFC 3986's unreserved and the delimiters that mean nothing to
# mod_rewrite ($ and % would, in a substitution), without userinfo, query or fragment.
_URL_CHARS = re.compile(r"[A-Za-z0-9._~:/!&'()*+,;=-]+")
_DUMPS = {"data/msp.trig": "trig", "data/msp.nq": "nquads"}


def checked_base_url(url: str) -> str:
    """``url`` as the site's base (ending in ``/``), or one line saying what is wrong with it."""
    parts = urlsplit(url) if _URL_CHARS.fullmatch(url) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise MspGraphError(
            f"--base-url {url!r}: give the site's address as http(s)://host/path/ "
            "(letters, digits and - . _ ~ : / ! & ' ( ) * + , ; = only; no query, fragment, $ or %)"
        )
    return url if url.endswith("/") else url + "/"


def checked_target(target: Path, force: bool) -> Path:
    """The folder to publish into (absolute), refused in one line when it cannot be replaced safely:
    a file, a link, a missing parent, a non-empty folder that is no earlier output (never deleted), an
    earlier output without ``force``."""
    folder = Path(os.path.abspath(target.expanduser()))
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise MspGraphError(f"{target}: is not a folder; give a new or empty folder, or an earlier output")
    if not folder.parent.is_dir():
        raise MspGraphError(f"{target}: its parent folder {folder.parent} does not exist; create it first")
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / MARKER).is_file():
            raise MspGraphError(
                f"{target}: is not empty and is not an msp-graph publish output; give a new or empty folder"
            )
        if not force:
            raise MspGraphError(f"{target}: holds an earlier publish output; --force replaces it")
    return folder


def publish(
    store: Store, report: ValidationReport | None, target: Path, *, base_url: str | None = None
) -> int:
    """Write the site of ``store`` (with ``report``'s validation page) to ``target`` (``checked_target``),
    with ``.htaccess`` when ``base_url`` (``checked_base_url``) is given; return the number of files."""
    site = Site(store, report, sparql.Limits())
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.publishing-", dir=target.parent))
    except OSError as error:
        raise MspGraphError(f"{target}: cannot write beside it ({error.strerror or error})") from None
    try:
        files = _Files(work)
        files.write(MARKER, _MARKER_TEXT)
        _pages(site, files)
        _queries(site, files)
        _documents(site, files, base_url)
        _ontology(site, files)
        if base_url is not None:
            files.write(".htaccess", htaccess(base_url).encode("utf-8"))
        os.chmod(work, 0o755)  # mkdtemp's 0700 would hide the site from a web server's user
        _into_place(work, target)
    except BaseException as error:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(error, OSError):
            raise MspGraphError(f"{target}: could not write the site ({error.strerror or error})") from None
        raise
    return files.count


class _Files:
    """Writes the site's files below ``root`` (folders made as needed) and counts them."""

    def __init__(self, root: Path):
        self.root, self.count = root, 0

    def write(self, relative: str, body: bytes) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        self.count += 1


def _published(store: Store) -> list[tuple[str, str, str]]:
    """``(kind, slug, IRI)`` of the partnerships and organisations whose IRI makes a safe file name."""
    found = pages.index(store, pages.Names(store, "en"))
    out = []
    for kind in ("partnership", "organisation"):
        for _, iri in found[kind]:
            tail = pages.path_of(iri)
            if tail is not None and tail.startswith("/id/"):  # not a concept typed as a partnership
                got_kind, slug = tail[len("/id/") :].split("/")
                if _KIND.fullmatch(got_kind) and got_kind != "vocab" and _SLUG.fullmatch(slug):
                    out.append((got_kind, slug, iri))
    return sorted(set(out))


def _pages(site: Site, files: _Files) -> None:
    """index, validation and one page per partnership, organisation, concept and concept scheme, in each
    language; their data."""
    resources = _published(site.store)
    concepts = _vocabulary(site.store)
    published = frozenset(iri for _, _, iri in resources) | frozenset(concepts)
    for lang in pages.LANGUAGES:
        names = pages.Names(site.store, lang)
        home = StaticLinks(lang, "index", 0, published)
        found = pages.index(site.store, names)
        summary = site.report.summary() if site.report is not None else None
        body = site.render("index.html", lang, home, found=found, search="", summary=summary, names=names)
        files.write(page_file("index", lang), body.encode("utf-8"))
        checks = StaticLinks(lang, "validation", 0, published)
        body = site.render("validation.html", lang, checks, v=pages.validation(site.report), names=names)
        files.write(page_file("validation", lang), body.encode("utf-8"))
        for kind, slug, iri in resources:
            template, values = site.view(iri, kind, names)
            body = site.render(template, lang, StaticLinks(lang, slug, 2, published), names=names, **values)
            files.write(f"page/{kind}/{page_file(slug, lang)}", body.encode("utf-8"))
    for kind, slug, iri in resources:
        for ext, fmt in DATA_FORMATS.items():
            files.write(f"data/{kind}/{slug}.{ext}", site.document(iri, fmt))
    _concept_pages(site, files, concepts, published)


_CONCEPTS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?node WHERE {
  ?node a ?type FILTER (?type IN (skos:Concept, skos:ConceptScheme, skos:Collection))
}
"""


def _vocabulary(store: Store) -> list[str]:
    """The concepts, collections and schemes under ``pages.VOCAB`` (``vocab/{scheme}[/{concept}]``) whose
    segments make safe file names."""
    rows = run_query(store, _CONCEPTS, where="concepts").rows
    found = []
    for row in rows:
        iri = row["node"].value
        segments = iri[len(pages.VOCAB) :].split("/") if iri.startswith(pages.VOCAB) else []
        if 1 <= len(segments) <= 2 and all(_SLUG.fullmatch(s) for s in segments):
            found.append(iri)
    return sorted(found)


def _concept_pages(site: Site, files: _Files, concepts: list[str], published: frozenset[str]) -> None:
    """``page/vocab/{scheme}[/{concept}].html`` in each language, and their data documents."""
    for lang in pages.LANGUAGES:
        names = pages.Names(site.store, lang)
        for iri in concepts:
            path = site_path(iri)
            template, values = site.view(iri, "vocab", names)
            links = StaticLinks(lang, path.rsplit("/", 1)[-1], 1 + path.count("/"), published)
            body = site.render(template, lang, links, names=names, **values)
            files.write("page/" + page_file(path, lang), body.encode("utf-8"))
    for iri in concepts:
        for ext, fmt in DATA_FORMATS.items():
            files.write(f"data/{site_path(iri)}.{ext}", site.document(iri, fmt))


def _queries(site: Site, files: _Files) -> None:
    """The query page (``query.html`` in each language): the named queries that need no parameter, each
    run once, its results as a page (``query/NAME.html``) and a file (``query/NAME.csv``; a CONSTRUCT's
    ``query/NAME.ttl``), the first download the server offers for them."""
    published = frozenset(iri for _, _, iri in _published(site.store))
    offered = query_page.catalogue(runnable_only=True)
    tables, downloads = {}, {}
    for q in offered:
        result = run_query(site.store, get_query(q["name"]))
        fmt, (ext, _, label) = next(iter(sparql.DOWNLOADS[query_page.kind_of(q["form"])].items()))
        files.write(f"query/{q['name']}.{ext}", result.render(fmt).encode("utf-8"))
        tables[q["name"]], downloads[q["name"]] = query_page.table(result), (label, f"{q['name']}.{ext}")
    empty = {"error": None, "result": None, "downloads": [], "precomputed": {}}
    for lang in pages.LANGUAGES:
        names = pages.Names(site.store, lang)
        precomputed = {
            name: {
                "count": tables[name]["count"],
                "page": f"query/{page_file(name, lang)}",
                "label": label,
                "file": f"query/{file}",
            }
            for name, (label, file) in downloads.items()
        }
        links = StaticLinks(lang, "query", 0, published)
        values = {**empty, "heading": "Queries", "about": "", "queries": offered, "precomputed": precomputed}
        body = site.render("query.html", lang, links, names=names, **values)
        files.write(page_file("query", lang), body.encode("utf-8"))
        for q in offered:
            links = StaticLinks(lang, q["name"], 1, published)
            values = {**empty, "heading": f"Query: {q['name']}", "about": q["summary"], "queries": []}
            values |= {"result": tables[q["name"]], "downloads": [downloads[q["name"]]]}
            body = site.render("query.html", lang, links, names=names, **values)
            files.write(f"query/{page_file(q['name'], lang)}", body.encode("utf-8"))


def _documents(site: Site, files: _Files, base_url: str | None) -> None:
    """The whole dataset (TriG, N-Quads), its VoID/DCAT description, the JSON-LD context, the licences."""
    for name, fmt in _DUMPS.items():
        files.write(name, export(site.store, format=fmt))
    dumps = {base_url + name: rdf_format(fmt).media_type for name, fmt in _DUMPS.items()} if base_url else {}
    statements = void_statements(site.store, site.triples, endpoint=None, dumps=dumps)
    void = serialise(statements, "turtle", name=(base_url + "void.ttl") if base_url else DATASET)
    files.write("void.ttl", void)
    files.write(".well-known/void", void)
    files.write("context.jsonld", context_document())
    with contextlib.suppress(FileNotFoundError):
        files.write("LICENSE-DATA.txt", (bundled_dir("data") / "LICENSE").read_bytes())


def _ontology(site: Site, files: _Files) -> None:
    """The ontology's documentation page (in each language) and the ontology as Turtle and RDF/XML."""
    view = pages.ontology()
    for lang in pages.LANGUAGES:
        links = StaticLinks(lang, "index", 1, frozenset(_vocabulary(site.store)))  # the schemes' pages
        body = site.render("ontology.html", lang, links, o=view, files=ONTOLOGY_FILES)
        files.write("ontology/" + page_file("index", lang), body.encode("utf-8"))
    for name, _ in ONTOLOGY_FILES:
        files.write("ontology/" + name, ontology_file(name)[0])


def _into_place(work: Path, target: Path) -> None:
    """Rename the finished ``work`` folder to ``target``; an earlier ``target`` is moved aside first and
    removed after (a crash between the two renames leaves it beside, named ``.NAME.old-*``)."""
    if target.is_dir() and any(target.iterdir()):
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / "site")
        os.rename(work, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            target.rmdir()  # an empty folder
        os.rename(work, target)


_SEGMENT = "[A-Za-z0-9_~-][A-Za-z0-9._~-]*"
_ID_RULE = rf"^id/([a-z][a-z-]*)/({_SEGMENT})$"
_VOCAB_RULE = rf"^vocab/({_SEGMENT}(/{_SEGMENT})?)$"
_BY_ACCEPT = [("text/turtle", "ttl"), (r"application/ld\+json", "jsonld"), ("application/n-triples", "nt")]
_BY_ACCEPT.append((r"application/rdf\+xml", "rdf"))
#: The page languages other than English, picked when Accept-Language names them first.
_OTHER_LANGUAGES = [lang for lang in pages.LANGUAGES if lang != "en"]


def htaccess(base_url: str) -> str:
    """The w3id.org/msp redirect rules (Apache mod_rewrite, in the ``msp/`` folder of w3id.org) sending the
    IRIs to the site at ``base_url``: 303 See Other to a data file when ``Accept`` names its type, else to
    the HTML page in the language Accept-Language names first (fr, es; else English). mod_rewrite does not
    weigh q-values: the first type of the list named in Accept wins."""
    lines = [
        f"# w3id.org/msp redirect rules for the site at {base_url} (written by msp-graph publish).",
        "# https://w3id.org/msp/id/{kind}/{slug}: the data file by Accept, else the page.",
        "# https://w3id.org/msp/vocab/{scheme}[/{concept}]: the same, for the concept schemes.",
        "# https://w3id.org/msp/ontology: msp.ttl or msp.owl by Accept, else the documentation.",
        "# Pages: in the language Accept-Language names first (fr, es), else in English.",
        "# https://w3id.org/msp/dataset: the VoID/DCAT description.",
        "Options +FollowSymLinks",
        "RewriteEngine on",
        "",
    ]
    lines += _negotiated(_ID_RULE, base_url + "data/$1/$2.{}", base_url + "page/$1/$2{}", _BY_ACCEPT)
    lines += _negotiated(_VOCAB_RULE, base_url + "data/vocab/$1.{}", base_url + "page/vocab/$1{}", _BY_ACCEPT)
    files = [("text/turtle", "ttl"), (r"application/rdf\+xml", "owl")]
    lines += _negotiated("^ontology/?$", base_url + "ontology/msp.{}", base_url + "ontology/index{}", files)
    lines += [f"RewriteRule ^dataset$ {base_url}void.ttl [R=303,L]"]
    return "\n".join(lines) + "\n"


def _negotiated(pattern: str, data: str, page: str, by_accept: list[tuple[str, str]]) -> list[str]:
    """The rules of one IRI pattern: ``data`` (``{}``: the extension) for each type of ``by_accept`` that
    Accept names, else ``page`` (``{}``: ``.fr.html``, ``.es.html``, ``.html``) by Accept-Language."""
    lines = []
    for accept, ext in by_accept:
        lines += [
            f"RewriteCond %{{HTTP_ACCEPT}} {accept} [NC]",
            f"RewriteRule {pattern} {data.format(ext)} [R=303,L]",
        ]
    for lang in _OTHER_LANGUAGES:
        lines += [
            f"RewriteCond %{{HTTP:Accept-Language}} ^\\s*{lang}\\b [NC]",
            f"RewriteRule {pattern} {page.format(f'.{lang}.html')} [R=303,L]",
        ]
    return [*lines, f"RewriteRule {pattern} {page.format('.html')} [R=303,L]", ""]
