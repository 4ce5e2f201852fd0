"""The query page (``/query``, and ``query.html`` in a published site): the named queries with their
parameters as forms, an editor for ad-hoc SPARQL, results as a table with download links.

A request names one query: ``?name=NAME`` with its parameters by their names (``&partner=organisation:ilo``;
an empty value is left out, as an optional field left blank), or ``?query=SPARQL``; ``&format=`` asks for the
results as a file (``sparql.DOWNLOADS``) instead of the page. The query is checked, run and limited as at
``/sparql`` (``sparql.prepare``, ``sparql.prepare_named``, ``QueryRunner.run``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

from ..prefixes import PREFIXES
from ..queries import PARAM_KINDS, NamedQuery, QueryResult, list_queries
from . import sparql
from .pages import short

__all__ = [
    "EDITOR_FILES",
    "EXAMPLE",
    "RESERVED",
    "Asked",
    "asked",
    "catalogue",
    "downloads",
    "editor",
    "editor_file",
    "kind_of",
    "table",
]

#: The words of a query page's address that are no query parameter.
RESERVED = ("name", "query", "format", "lang")
#: The ad-hoc query the editor opens with.
EXAMPLE = """SELECT ?partnership ?name WHERE {
  ?partnership a msp:Partnership ; rdfs:label ?name .
  FILTER (lang(?name) = "en")
}
ORDER BY ?name
LIMIT 20
"""
#: The files of the editor (YASGUI, vendored: ``msp_graph/assets/yasgui/README.md``), served at
#: ``/assets/yasgui/{name}``: name -> media type. Nothing else there is served.
EDITOR_FILES = {
    "yasgui.min.js": "text/javascript; charset=utf-8",
    "yasgui.min.css": "text/css; charset=utf-8",
    "msp-query.js": "text/javascript; charset=utf-8",
}
_EDITOR_DIR = Path(__file__).resolve().parents[1] / "assets" / "yasgui"


@dataclass(frozen=True)
class Asked:
    """The query a request names: a named query and its parameters, or an ad-hoc SPARQL text."""

    name: str | None = None
    text: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    format: str | None = None

    def address(self, **more: str) -> str:
        """The query string asking for this query again (with ``more``, e.g. ``format=csv``)."""
        asked = {"name": self.name} if self.name is not None else {"query": self.text or ""}
        return urlencode({**asked, **self.params, **more})


def asked(query_string: str) -> Asked | None:
    """The query a page's address names, or None (the page without results); ``sparql.Refused`` 400 for
    a query and a name together, or a word given twice."""
    params = sparql._params(query_string)
    repeated = sorted(k for k, values in params.items() if len(values) > 1)
    if repeated:
        raise sparql.Refused(400, f"give {repeated[0]} once")
    one = {k: values[0] for k, values in params.items()}
    if "query" in one and "name" in one:
        raise sparql.Refused(400, "give a query name or a SPARQL query, not both")
    fmt = one.get("format") or None
    if "query" in one:
        text = sparql.query_text("GET", "", query_string, b"")  # the checks of /sparql
        return Asked(text=text, format=fmt)
    if "name" in one:
        values = {k: v for k, v in one.items() if k not in RESERVED and v.strip()}
        return Asked(name=one["name"], params=values, format=fmt)
    return None


def kind_of(form: str) -> str:
    """``graph`` for CONSTRUCT and DESCRIBE, else ``select`` (ASK too): the key of ``sparql.DOWNLOADS``."""
    return "graph" if form in ("construct", "describe") else "select"


def catalogue(*, runnable_only: bool = False) -> list[dict]:
    """The named queries as the page offers them (``msp-graph queries``' list): name, summary, form and
    parameters; ``runnable_only`` keeps those that need no parameter (a published site runs them)."""
    return [_offered(q) for q in list_queries() if not runnable_only or all(p.optional for p in q.params)]


def _offered(query: NamedQuery) -> dict:
    return {
        "name": query.name,
        "summary": query.summary,
        "form": query.form,
        "violation": query.is_violation,
        "params": [
            {
                "name": p.name,
                "kind": p.kind,
                "optional": p.optional,
                "description": p.description,
                "expected": PARAM_KINDS[p.kind],
            }
            for p in query.params
        ],
    }


def table(result: QueryResult) -> dict:
    """The results as the page's table: column names and rows of cells ``(text, IRI or None)`` (the IRI
    becomes a link where the page has one), the number of rows, and what they are (rows or triples)."""
    if result.kind == "graph":
        columns = ["subject", "predicate", "object"]
        rows = [[_cell(t.subject), _cell(t.predicate), _cell(t.object)] for t in result.triples]
    elif result.kind == "ask":
        columns, rows = ["boolean"], [[(str(result.boolean).lower(), None)]]
    else:
        columns = result.variables
        rows = [[_cell(row[v]) for v in columns] for row in result.rows]
    noun = "triple" if result.kind == "graph" else "row"
    return {"columns": columns, "rows": rows, "count": f"{len(rows):,} {noun}{'s' if len(rows) != 1 else ''}"}


def _cell(term) -> tuple[str, str | None]:
    if term is None:
        return "", None
    if isinstance(term, ox.NamedNode):
        return short(term.value), term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}", None
    return term.value, None


def downloads(kind: str, link) -> list[tuple[str, str]]:
    """``(label, address)`` of each result file for results of ``kind``; ``link(format)`` makes the
    address."""
    return [(label, link(fmt)) for fmt, (_, _, label) in sparql.DOWNLOADS[kind].items()]


@functools.cache
def editor_file(name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of the editor's file ``name`` (``EDITOR_FILES``), or None for any other."""
    if name not in EDITOR_FILES:
        return None
    return (_EDITOR_DIR / name).read_bytes(), EDITOR_FILES[name]


def editor(endpoint: str) -> dict:
    """What the page needs to start YASGUI: its files' addresses (``/assets/yasgui/NAME?v=HASH``: a new
    file is a new address, so a browser may keep each for a year), the endpoint its queries go to, the
    query it opens with (the project's ``PREFIX`` lines, then ``EXAMPLE``; a page with ``?query=`` opens
    with that query instead, as the ``<textarea>`` does) and the prefixes that shorten
    IRIs in its results (JSON)."""
    lines = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
    return {
        "scripts": [_address("yasgui.min.js"), _address("msp-query.js")],
        "style": _address("yasgui.min.css"),
        "endpoint": endpoint,
        "query": lines + "\n" + EXAMPLE,
        "example": EXAMPLE,
        "prefixes": json.dumps(PREFIXES, sort_keys=True),
    }


@functools.cache
def _address(name: str) -> str:
    body, _ = editor_file(name) or (b"", "")
    return f"/assets/yasgui/{name}?v={hashlib.sha256(body).hexdigest()[:16]}"
