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
from ..resources import bundled_dir
from ..stores import Store, rdf_format
from ..validation import ValidationReport
from . import pages, sparql
from .app import DATA_FORMATS, ONTOLOGY_FILES, Site, context_document, ontology_file, serialise
from .links import StaticLinks, page_file
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
            if tail is not None:
                got_kind, slug = tail[len("/id/") :].split("/")
                if _KIND.fullmatch(got_kind) and _SLUG.fullmatch(slug):
                    out.append((got_kind, slug, iri))
    return sorted(set(out))


def _pages(site: Site, files: _Files) -> None:
    """index, validation and one page per partnership and organisation, in each language; their data."""
    resources = _published(site.store)
    published = frozenset(iri for _, _, iri in resources)
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
        links = StaticLinks(lang, "index", 1, frozenset())
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


_ID_RULE = r"^id/([a-z][a-z-]*)/([A-Za-z0-9_~-][A-Za-z0-9._~-]*)$"
_BY_ACCEPT = [("text/turtle", "ttl"), (r"application/ld\+json", "jsonld"), ("application/n-triples", "nt")]
_BY_ACCEPT.append((r"application/rdf\+xml", "rdf"))


def htaccess(base_url: str) -> str:
    """The w3id.org/msp redirect rules (Apache mod_rewrite, in the ``msp/`` folder of w3id.org) sending the
    IRIs to the site at ``base_url``: 303 See Other to a data file when ``Accept`` names its type, else to
    the HTML page. mod_rewrite does not weigh q-values: the first type of the list named in Accept wins."""
    lines = [
        f"# w3id.org/msp redirect rules for the site at {base_url} (written by msp-graph publish).",
        "# https://w3id.org/msp/id/{kind}/{slug}: the data file by Accept, else the page.",
        "# https://w3id.org/msp/ontology: msp.ttl or msp.owl by Accept, else the documentation.",
        "# https://w3id.org/msp/dataset: the VoID/DCAT description.",
        "Options +FollowSymLinks",
        "RewriteEngine on",
        "",
    ]
    for accept, ext in _BY_ACCEPT:
        lines += [
            f"RewriteCond %{{HTTP_ACCEPT}} {accept} [NC]",
            f"RewriteRule {_ID_RULE} {base_url}data/$1/$2.{ext} [R=303,L]",
        ]
    lines += [f"RewriteRule {_ID_RULE} {base_url}page/$1/$2.html [R=303,L]", ""]
    for accept, file in (("text/turtle", "msp.ttl"), (r"application/rdf\+xml", "msp.owl")):
        lines += [
            f"RewriteCond %{{HTTP_ACCEPT}} {accept} [NC]",
            f"RewriteRule ^ontology/?$ {base_url}ontology/{file} [R=303,L]",
        ]
    lines += [f"RewriteRule ^ontology/?$ {base_url}ontology/index.html [R=303,L]", ""]
    lines += [f"RewriteRule ^dataset$ {base_url}void.ttl [R=303,L]"]
    return "\n".join(lines) + "\n"
