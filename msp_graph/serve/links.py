"""Where the pages' links point: the server's paths (``ServerLinks``) or a static site's relative file
names (``StaticLinks``). The templates ask ``links`` for every address, so the server and ``publish`` use the
same templates and page data; only the addresses differ."""

from __future__ import annotations

from .pages import ID, VOCAB, path_of

__all__ = ["ServerLinks", "StaticLinks", "page_file", "site_path"]


class ServerLinks:
    """Absolute paths on the server; the language as ``?lang=``. ``here`` is the path of the page shown."""

    search = "/"
    sparql = "/sparql"
    void = "/.well-known/void"

    def __init__(self, lang: str, here: str):
        self.lang, self.here = lang, here
        self.home = f"/?lang={lang}"
        self.validation = f"/validation?lang={lang}"
        self.ontology = "/ontology"
        self.ontology_files = "/ontology/"
        self.query = f"/query?lang={lang}"
        self.query_form = "/query"

    def page(self, iri: str) -> str | None:
        path = path_of(iri)
        return f"{path}?lang={self.lang}" if path else None

    def data(self, iri: str, ext: str) -> str | None:
        path = path_of(iri)
        return "/data" + path.removeprefix("/id") + "." + ext if path else None

    def language(self, code: str) -> str:
        return f"{self.here}?lang={code}"


def site_path(iri: str) -> str:
    """Where a published IRI's page and data lie below ``page/`` and ``data/``: ``{kind}/{slug}`` for
    ``https://w3id.org/msp/id/{kind}/{slug}``, ``vocab/{scheme}[/{concept}]`` for a concept or scheme."""
    return iri[len(ID) :] if iri.startswith(ID) else "vocab/" + iri[len(VOCAB) :]


def page_file(name: str, lang: str) -> str:
    """The file of page ``name`` in ``lang``: ``name.html`` in English, ``name.fr.html`` in French..."""
    return f"{name}.html" if lang == "en" else f"{name}.{lang}.html"


class StaticLinks:
    """Relative file names in a static site, from a page ``depth`` folders below the site's root (so the
    site works under any base path). Only the IRIs in ``published`` have pages and data files; any other
    is shown as its name, without a link. The language is part of the file name (``page_file``)."""

    search = None
    sparql = None

    def __init__(self, lang: str, name: str, depth: int, published: frozenset[str]):
        self.lang, self.name, self.published = lang, name, published
        self.up = "../" * depth
        self.home = self.up + page_file("index", lang)
        self.validation = self.up + page_file("validation", lang)
        self.ontology = self.up + "ontology/" + page_file("index", lang)
        self.ontology_files = self.up + "ontology/"
        self.void = self.up + "void.ttl"
        self.query = self.up + page_file("query", lang)
        self.query_form = None  # a static site runs no query: its query page shows results written in advance

    def page(self, iri: str) -> str | None:
        if iri not in self.published:
            return None
        return self.up + "page/" + page_file(site_path(iri), self.lang)

    def data(self, iri: str, ext: str) -> str | None:
        return self.up + "data/" + site_path(iri) + "." + ext if iri in self.published else None

    def language(self, code: str) -> str:
        return page_file(self.name, code)
