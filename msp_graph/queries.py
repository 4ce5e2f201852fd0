"""Named SPARQL queries, safe parameter binding and result formats.

The named queries are the ``queries/*.rq`` files. Each opens with a header the catalogue reads::

    #+ summary: Partners that share at least one alliance, with the alliances they share.
    #+ params: partner (optional IRI), min_shared (optional integer)
    #+ partner: the organisation whose co-partners to list (default: every pair once).
    #+ list: sharedAlliances (separator "; ")
    #+ example: partner=https://w3id.org/msp/id/organisation/ilo

A ``list`` line declares a column built by ``GROUP_CONCAT``: SPARQL cannot order the items of a
``GROUP_CONCAT``, so ``run_query`` sorts the items of those cells once the store has answered, and every store
gives the same cells. An ``entailment`` line says that the query relies on what ``msp-graph reason`` infers
(and what that adds); a query without one gives the same rows with and without the inferred graph.

Parameters are **bound, never pasted**: each value is first turned into a checked RDF term (an IRI is
validated by ``pyoxigraph.NamedNode``; a literal is built by ``pyoxigraph.Literal``, whose N-Triples form
escapes quotes, backslashes and newlines), then the terms are put in one ``VALUES`` row at the start of the
query's top-level ``WHERE`` group. The query text itself is never edited around a value, so a hostile value
is either rejected (not a valid IRI / integer / date...) or becomes one inert literal. The bound query is an
ordinary SPARQL 1.1 query, so the embedded store and a remote endpoint run the same text.

>>> from msp_graph.stores import EmbeddedStore
>>> store = EmbeddedStore()
>>> result = run_query(store, "SELECT ?x WHERE { } ORDER BY ?x", params={"x": "hello"})
>>> result.rows[0]["x"].value
'hello'
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import functools
import io
import json
import os
import re
import shutil
import stat
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _xml_attr

import pyoxigraph as ox

from . import shared_alliances
from .errors import MspGraphError, QueryError
from .limits import limit
from .prefixes import PREFIXES as PROJECT_PREFIXES
from .prefixes import SCHEMES, select
from .resources import bundled_dir
from .sparql_text import Shape, keyword_offsets, masked, shape
from .stores import format_named, rdf_format
from .stores.terms import parsing, running_sparql, short

__all__ = [
    "CATALOGUE_END",
    "CATALOGUE_START",
    "GRAPH_FORMATS",
    "MAX_DEPTH",
    "MAX_PARAM_CHARS",
    "MAX_TOKENS",
    "NETWORK_KEYWORDS",
    "PARAM_KINDS",
    "PREFIXES",
    "SOLUTION_FORMATS",
    "NamedQuery",
    "Param",
    "PreparedQuery",
    "PreparedUpdate",
    "QueryResult",
    "bind_params",
    "catalogue_markdown",
    "check_format",
    "check_sparql",
    "get_query",
    "in_worker",
    "list_queries",
    "make_term",
    "parse_param",
    "parse_query_file",
    "prepare_query",
    "prepare_update",
    "query_form",
    "read_sparql_file",
    "run_query",
    "run_update",
    "write_catalogue",
]

XSD = "http://www.w3.org/2001/XMLSchema#"

#: Prefixes a parameter value may use (``role:pathfinder-country``), also used to shorten IRIs in tables.
#: A query's own ``PREFIX`` declarations are added to these when its parameters are read.
PREFIXES: dict[str, str] = select(
    "msp",
    *SCHEMES,
    "country",
    "sdg",
    "partnership",
    "organisation",
    "membership",
    "engagement",
    "output",
    "source",
    "org",
    "skos",
    "prov",
    "dct",
    "time",
    "rdf",
    "rdfs",
    "owl",
    "xsd",
)

#: Parameter kinds a query header may declare, and what a value of each must look like.
PARAM_KINDS: dict[str, str] = {
    "IRI": "an IRI: https://..., <https://...> or prefix:name (e.g. role:pathfinder-country)",
    "string": "any text; becomes a plain string literal",
    "literal": 'a literal in Turtle syntax ("text"@en, "2020"^^xsd:gYear, 42) or plain text',
    "integer": "a whole number, e.g. 2",
    "decimal": "a decimal number, e.g. 0.5",
    "boolean": "true or false",
    "date": "a date YYYY-MM-DD",
    "year": "a year YYYY (xsd:gYear)",
}

#: Formats of SELECT and ASK results (SPARQL results formats, not RDF).
SOLUTION_FORMATS = ("table", "csv", "tsv", "json", "srj", "srx")
#: RDF formats of CONSTRUCT and DESCRIBE results: names of the one RDF format table (``stores.FORMATS``),
#: which also reads their aliases (``ttl``, ``json-ld``...).
_GRAPH_RDF_FORMATS = ("turtle", "nt", "jsonld", "rdfxml")
#: Formats of CONSTRUCT and DESCRIBE results (``table``, ``csv``, ``tsv`` and ``json`` list the triples).
GRAPH_FORMATS = (*_GRAPH_RDF_FORMATS, "table", "csv", "tsv", "json")
#: Other names of the results formats; they come before the RDF table's aliases (``xml`` is SPARQL XML here).
_RESULT_ALIASES = {"xml": "srx", "sparql-json": "srj", "sparql-xml": "srx", "text": "table"}

T = TypeVar("T")

_NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VAR_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_FORM_WORDS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


@dataclass(frozen=True)
class Param:
    """One parameter a named query declares in its header."""

    name: str
    kind: str
    optional: bool = False
    description: str = ""


@dataclass(frozen=True)
class NamedQuery:
    """A query of the catalogue: its name (the file name without ``.rq``), header and text."""

    name: str
    summary: str
    params: list[Param]
    path: Path | None
    text: str
    examples: list[str] = field(default_factory=list)
    #: True when the parameters are declared (a ``#+ params:`` line, or any query of the catalogue): then
    #: only those are accepted, with their kinds. Otherwise each value's kind is guessed.
    params_declared: bool = False
    #: The list columns (``#+ list:`` lines): column name -> the separator of its items, which
    #: ``run_query`` sorts.
    lists: dict[str, str] = field(default_factory=dict)
    #: What the query relies on reasoning for (``#+ entailment:``); empty when its rows are the same with
    #: and without the inferred graph.
    entailment: str = ""

    @property
    def form(self) -> str:
        """``select``, ``ask``, ``construct`` or ``describe``."""
        return query_form(self.text, where=self.name)

    @property
    def is_violation(self) -> bool:
        """True for ``*-violation`` queries: any row they return is a problem in the data."""
        return self.name.endswith("-violation")

    def param(self, name: str) -> Param:
        """The declared parameter ``name`` (``min-shared`` also finds ``min_shared``)."""
        wanted = name.replace("-", "_")
        for param in self.params:
            if param.name == wanted:
                return param
        known = [p.name for p in self.params]
        shown = _clean(name, 60)
        if not known:
            raise QueryError(f"query '{self.name}' takes no parameters; remove --param {shown}")
        hint = _did_you_mean(wanted, known) if len(wanted) <= 200 else ""
        raise QueryError(
            f"query '{self.name}' has no parameter '{shown}'{hint}; its parameters: {', '.join(known)}"
        )


# --------------------------------------------------------------------------------------------- catalogue


def _queries_dir() -> Path:
    return bundled_dir("queries")


def list_queries() -> list[NamedQuery]:
    """Every named query of the catalogue, sorted by name.

    >>> "partners-sharing-alliances" in [q.name for q in list_queries()]
    True
    """
    return [_catalogue_query(path) for path in sorted(_queries_dir().glob("*.rq"))]


def _catalogue_query(path: Path) -> NamedQuery:
    query = parse_query_file(path)
    if not query.summary:
        raise QueryError(f"{path}:1:1: the query has no '#+ summary:' header line; add one")
    return replace(query, params_declared=True)


def get_query(name: str) -> NamedQuery:
    """The named query ``name`` (with or without ``.rq``); QueryError with a suggestion when unknown.

    Only a catalogue name (lower-case words joined by ``-``) is looked up: a path (``../x``, ``/etc/x``)
    never reaches the file system."""
    if not isinstance(name, str):
        raise QueryError(f"query name {_shown(name)}: give the name of a query, a str")
    stem = name[:-3] if name.endswith(".rq") else name
    if _NAME_RE.fullmatch(stem) and len(stem) <= 200 and (path := _queries_dir() / f"{stem}.rq").is_file():
        return _catalogue_query(path)
    known = [p.stem for p in _queries_dir().glob("*.rq")]
    hint = _did_you_mean(stem, known) if len(stem) <= 200 else ""
    raise QueryError(f"unknown query {_shown(name)}{hint}; run `msp-graph queries` to list them")


def _did_you_mean(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.5)
    if not close:
        close = [k for k in known if word and (word in k or k in word)][:1]
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_query_file(path: str | Path) -> NamedQuery:
    """Read a ``.rq`` file and its ``#+`` header into a NamedQuery (QueryError naming file:line if bad)."""
    path = Path(path)
    return _parse_header(read_sparql_file(path), name=path.stem, path=path)


def _parse_header(text: str, *, name: str, path: Path | None) -> NamedQuery:
    where = str(path) if path is not None else name
    fields: dict[str, tuple[int, str]] = {}
    repeated: dict[str, list[tuple[int, str]]] = {"example": [], "list": []}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#+"):
            continue
        key, sep, value = line[2:].partition(":")
        key = key.strip()
        if not sep or not key:
            raise QueryError(f"{where}:{number}:1: header line must read '#+ key: value'")
        if key in repeated:
            repeated[key].append((number, value.strip()))
        else:
            fields[key] = (number, value.strip())
    declared = "params" in fields
    params = _parse_params(fields, where=where) if declared else []
    summary = fields.pop("summary", (0, ""))[1]
    entailment = fields.pop("entailment", (0, ""))[1]
    if path is not None and fields:
        key, (number, _) = next(iter(fields.items()))
        raise QueryError(
            f"{where}:{number}:1: unknown header key '{key}'; use summary, params, list, entailment, "
            "example, or the name of a declared parameter"
        )
    return NamedQuery(
        name=name,
        summary=summary,
        params=params,
        path=path,
        text=text,
        examples=[value for _, value in repeated["example"]],
        params_declared=declared,
        lists=_parse_lists(repeated["list"], text, where=where),
        entailment=entailment,
    )


def _parse_params(fields: dict[str, tuple[int, str]], *, where: str) -> list[Param]:
    """The parameters of a ``#+ params:`` line; their description lines are taken out of ``fields``."""
    number, value = fields.pop("params")
    params: list[Param] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*\((optional\s+)?(\w+)\)", item)
        if not match:
            raise QueryError(
                f"{where}:{number}:1: cannot read parameter '{item}'; "
                "write 'name (KIND)' or 'name (optional KIND)'"
            )
        pname, optional, kind = match.groups()
        if kind not in PARAM_KINDS:
            raise QueryError(
                f"{where}:{number}:1: parameter '{pname}' has unknown kind '{kind}'; "
                f"use one of {', '.join(PARAM_KINDS)}"
            )
        description = fields.pop(pname, (0, ""))[1]
        params.append(Param(pname, kind, optional=bool(optional), description=description))
    return params


def _parse_lists(lines: list[tuple[int, str]], text: str, *, where: str) -> dict[str, str]:
    """The ``#+ list: column (separator "; ")`` lines: column -> separator."""
    lists: dict[str, str] = {}
    variables = _variables_in(text)
    for number, value in lines:
        match = re.fullmatch(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(separator\s+"([^"]+)"\)', value)
        if not match:
            raise QueryError(
                f"{where}:{number}:1: cannot read list column '{value}'; write 'name (separator \"; \")'"
            )
        column, separator = match.groups()
        if column not in variables:
            raise QueryError(
                f"{where}:{number}:1: list column '{column}' is not a variable of the query; "
                "name the column GROUP_CONCAT builds"
            )
        if column in lists:
            raise QueryError(f"{where}:{number}:1: list column '{column}' is declared twice; keep one line")
        lists[column] = separator
    return lists


# ----------------------------------------------------------------------------------- lexing the query text


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "{", "}", "(", ")"
    text: str
    start: int
    depth: int  # brace depth before this token
    parens: int  # parenthesis depth before this token


#: What the binder reads of the code: a variable (skipped), a brace or parenthesis, or a bare word.
_LEX_RE = re.compile(
    r"(?P<var>[?$](?:[A-Za-z_][A-Za-z0-9_]*)?)|(?P<bracket>[{}()])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_\-.:%]*[A-Za-z0-9_\-:%]|[A-Za-z_])"
)


def _tokens(text: str):
    """Braces, parentheses and bare words of a SPARQL text, skipping comments, strings, IRIs, variables.

    The text is read once masked (``sparql_text.masked``: comments, strings and IRIs blanked), one regex
    match per token."""
    depth, parens = 0, 0
    for match in _LEX_RE.finditer(masked(text)):
        kind = match.lastgroup
        if kind == "var":
            continue
        c, start = match.group(), match.start()
        if kind == "word":
            yield _Token("word", c, start, depth, parens)
            continue
        if c == "}":
            depth -= 1
        elif c == ")":
            parens -= 1
        yield _Token(c, c, start, depth, parens)
        if c == "{":
            depth += 1
        elif c == "(":
            parens += 1


def _top_words(text: str):
    return (
        t for t in _tokens(text) if t.kind == "word" and t.depth == 0 and t.parens == 0 and ":" not in t.text
    )


def query_form(text: str, *, where: str = "query") -> str:
    """``select``, ``ask``, ``construct`` or ``describe``; QueryError for an update or no query at all."""
    for token in _top_words(text):
        word = token.text.upper()
        if word in _FORM_WORDS:
            return word.lower()
        if word in _UPDATE_WORDS:
            raise QueryError(
                f"{where}:{_line_col(text, token.start)}: this is an update ({word}), not a query; "
                "updates change the store: run them with `msp-graph update`, not `query`"
            )
    raise QueryError(f"{where}:1:1: no SELECT, ASK, CONSTRUCT or DESCRIBE found; this is not a SPARQL query")


def _line_col(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{column}"


def _where_brace(text: str, *, where: str) -> int:
    """Offset of the ``{`` opening the query's top-level WHERE group."""
    form = query_form(text, where=where)
    tokens = [t for t in _tokens(text) if t.depth == 0 and t.parens == 0]
    started = False
    template_skipped = form != "construct"
    previous = ""
    for token in tokens:
        if not started:
            started = token.kind == "word" and token.text.upper() == form.upper()
            previous = form.upper()
            continue
        if token.kind == "{":
            if not template_skipped and previous != "WHERE":
                template_skipped = True  # CONSTRUCT's template, not the pattern
            elif form == "construct" and previous == "WHERE" and not template_skipped:
                raise QueryError(
                    f"{where}:{_line_col(text, token.start)}: parameters cannot be bound in the short form "
                    "CONSTRUCT WHERE { ... }; write CONSTRUCT { template } WHERE { pattern }"
                )
            else:
                return token.start
        if token.kind == "word":
            previous = token.text.upper()
    raise QueryError(f"{where}:1:1: cannot find the query's WHERE {{ ... }} group to bind parameters in")


# --------------------------------------------------------------------------------------------- parameters


def parse_param(text: str) -> tuple[str, str]:
    """Split one ``name=value`` command-line parameter (the value may contain ``=``).

    >>> parse_param("partner=https://w3id.org/msp/id/organisation/ilo")
    ('partner', 'https://w3id.org/msp/id/organisation/ilo')
    """
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise QueryError(f"--param {text!r}: write name=value, e.g. --param partner=organisation:ilo")
    if not _VAR_RE.fullmatch(name.replace("-", "_")):
        raise QueryError(f"--param {text!r}: '{name}' is not a parameter name (letters, digits, _ or -)")
    return name, value


def _query_prefixes(text: str) -> dict[str, str]:
    """The prefixes a parameter value of ``text`` may use: the project's (``msp-graph prefixes``), then the
    query's own declarations."""
    return dict(PROJECT_PREFIXES) | _declared_prefixes(text)


def _declared_prefixes(text: str) -> dict[str, str]:
    """The ``PREFIX name: <iri>`` declarations of ``text``."""
    return {
        m.group(1) or "": m.group(2)
        for m in re.finditer(r"(?i)\bPREFIX\s+([A-Za-z][\w\-.]*)?:\s*<([^<>\s]*)>", text)
    }


# IRI schemes written without "//" that a value may use unbracketed; any other "name:" must be a known
# prefix, so that a mistyped prefix (organization:ilo) is an error, not an IRI that matches nothing.
_OPAQUE_SCHEMES = frozenset({"urn", "mailto", "tag", "did", "doi", "info", "isbn", "data", "geo", "tel"})


def _iri(value: str, prefixes: Mapping[str, str]) -> ox.NamedNode:
    raw = value.strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    else:
        prefix, sep, local = raw.partition(":")
        if sep and prefix in prefixes and not local.startswith("//"):
            raw = prefixes[prefix] + local
        elif sep and not local.startswith("//") and prefix.lower() not in _OPAQUE_SCHEMES:
            known = ", ".join(f"{p}:" for p in sorted(prefixes) if p)
            raise ValueError(f"unknown prefix '{prefix}:' (known: {known}; or write a full IRI in <...>)")
    return ox.NamedNode(raw)


def make_term(
    value: str, kind: str, *, prefixes: Mapping[str, str] | None = None
) -> ox.NamedNode | ox.Literal:
    """The checked RDF term for a parameter value of ``kind`` (ValueError when the value does not fit).

    >>> make_term("role:pathfinder-country", "IRI")
    <NamedNode value=https://w3id.org/msp/vocab/role/pathfinder-country>
    >>> make_term('x" } ; DROP ALL ; #', "string").value
    'x" } ; DROP ALL ; #'
    """
    prefixes = PREFIXES if prefixes is None else prefixes
    if kind == "IRI":
        return _iri(value, prefixes)
    if kind == "string":
        return ox.Literal(value)
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            raise ValueError("not a whole number")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "decimal":
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("not a decimal number") from None
        if not number.is_finite():
            raise ValueError("not a finite decimal number")
        return ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal"))
    if kind == "boolean":
        if value.strip().lower() not in ("true", "false"):
            raise ValueError("not true or false")
        return ox.Literal(value.strip().lower(), datatype=ox.NamedNode(XSD + "boolean"))
    if kind == "date":
        try:
            day = _dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("not a date YYYY-MM-DD") from None
        return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if kind == "year":
        if not re.fullmatch(r"-?\d{4,}", value.strip()):
            raise ValueError("not a year YYYY")
        return ox.Literal(value.strip(), datatype=ox.NamedNode(XSD + "gYear"))
    if kind == "literal":
        return _turtle_literal(value, prefixes)
    raise ValueError(f"unknown parameter kind '{kind}'; use one of {', '.join(PARAM_KINDS)}")


def _turtle_literal(value: str, prefixes: Mapping[str, str]) -> ox.Literal:
    """A literal written in Turtle syntax, or plain text as a string literal.

    The value is parsed as the object of one triple, and accepted only if the parser returns exactly that one
    triple with a literal object: text that tries to close the literal and add more cannot pass.
    """
    stripped = value.strip()
    number = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
    turtle_like = re.fullmatch(rf"""(["'].*)|{number}|true|false""", stripped, re.S)
    if not turtle_like:
        return ox.Literal(value)
    header = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in prefixes.items() if p)
    document = f"{header}<urn:msp-graph:s> <urn:msp-graph:p> {stripped} .\n"
    # No place in the message: the lines are those of this document, not of the value.
    with parsing(None, lambda message: ValueError(f"not a Turtle literal ({message})")):
        triples = list(ox.parse(document.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    if (
        len(triples) != 1
        or not isinstance(triples[0].object, ox.Literal)
        or triples[0].subject != ox.NamedNode("urn:msp-graph:s")
    ):
        raise ValueError("not one Turtle literal")
    return triples[0].object


def _auto_term(value: str, prefixes: Mapping[str, str]) -> ox.NamedNode | ox.Literal:
    """Ad-hoc queries declare no kinds: an IRI-looking value is an IRI, Turtle literal syntax a literal,
    anything else a plain string."""
    stripped = value.strip()
    prefix, sep, _ = stripped.partition(":")
    scheme = bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*", prefix)) and "://" in stripped
    bracketed = stripped.startswith("<") and stripped.endswith(">")
    # name:local with no space reads as a prefixed name: an unknown prefix is an error (write "..." for a
    # string), not a string that matches nothing.
    curie = bool(sep) and bool(re.fullmatch(r"[A-Za-z][\w.\-]*:\S+", stripped))
    looks_iri = bracketed or (sep and (prefix in prefixes or scheme)) or curie
    if looks_iri:
        return _iri(stripped, prefixes)
    return _turtle_literal(value, prefixes)


def _variables_in(text: str) -> set[str]:
    return set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", masked(text)))


def bind_params(query: NamedQuery, params: Mapping[str, str] | None) -> str:
    """The text of ``query`` with ``params`` bound as one VALUES row at the start of its WHERE group.

    Every value becomes a checked term first (QueryError naming the parameter when it does not fit); missing
    required parameters and unknown names are errors too. Without parameters the text is returned as is.
    """
    return _bound_text(query, _param_terms(query, params))


def _param_terms(query: NamedQuery, params: Mapping[str, str] | None) -> dict[str, ox.NamedNode | ox.Literal]:
    """The checked term of each parameter given (``bind_params``), by its declared name."""
    params = dict(params or {})
    prefixes = _query_prefixes(query.text)
    declared = query.params_declared
    terms: dict[str, ox.NamedNode | ox.Literal] = {}
    for given, value in params.items():
        if declared:
            param = query.param(given)
            try:
                terms[param.name] = make_term(value, param.kind, prefixes=prefixes)
            except ValueError as error:
                expected = PARAM_KINDS[param.kind]
                raise QueryError(
                    f"parameter '{param.name}': {_clean(short(error))}: {_shown(value)}; expected {expected}"
                ) from None
        else:
            name = given.replace("-", "_")
            if name not in _variables_in(query.text):
                raise QueryError(
                    f"parameter {_shown(given)}: the query has no variable ?{_clean(name)} to bind"
                )
            try:
                terms[name] = _auto_term(value, prefixes)
            except ValueError as error:
                raise QueryError(f"parameter '{given}': {_clean(short(error))}: {_shown(value)}") from None
    missing = [p for p in query.params if not p.optional and p.name not in terms]
    if missing:
        p = missing[0]
        raise QueryError(
            f"query '{query.name}' needs parameter '{p.name}' ({PARAM_KINDS[p.kind]}); "
            f"add --param {p.name}=..."
        )
    return terms


def _bound_text(query: NamedQuery, terms: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    if not terms:
        return query.text
    brace = _where_brace(query.text, where=query.name)
    names = " ".join(f"?{name}" for name in terms)
    values = " ".join(str(term) for term in terms.values())
    # One line, no newline: line numbers of the text stay those of the file.
    block = f" VALUES ({names}) {{ ({values}) }}"
    return query.text[: brace + 1] + block + query.text[brace + 1 :]


# ----------------------------------------------------------------------------------- checking SPARQL text

#: The keywords that make the engine fetch a URL itself: ``SERVICE`` (queries and update patterns) and
#: ``LOAD`` (updates). Refused unless the caller allows the network.
NETWORK_KEYWORDS = ("SERVICE", "LOAD")
#: Bounds on what a SPARQL text may ask of Oxigraph, which parses and plans recursively: past them the
#: worker's stack (``_WORKER_STACK``) overflows and the process dies with no error to catch. Measured with
#: pyoxigraph 0.5.13 on the worker's 64 MiB stack: no crash at 4x these (512 nested groups, IFs, EXISTS,
#: sub-selects; 40,000 chained negations or conjunctions), a crash at 80,000 chained negations. The 8 MiB
#: stack of a main thread crashed at 2,000-4,000 nested groups and 5,000-10,000 chained operators.
MAX_DEPTH = 128
MAX_TOKENS = 10_000
#: The longest parameter value, in characters: a value is one term (IRI, literal, number, date).
MAX_PARAM_CHARS = 64 * 1024
_WORKER_STACK = 64 * 1024 * 1024
_STACK_LOCK = threading.Lock()


def check_sparql(text: str, *, where: str, allow_network: bool = False, what: str = "query") -> Shape:
    """Refuse, before any engine reads it, a SPARQL ``text`` that is not a str, is too large (``what`` is
    ``query`` or ``update``: limit ``max_query_bytes`` or ``max_file_bytes``), is not valid Unicode,
    nests deeper than ``MAX_DEPTH``, holds more than ``MAX_TOKENS`` tokens outside its data blocks, or,
    unless ``allow_network``, calls SERVICE or LOAD. One ``QueryError`` naming ``where`` (and the line:column
    where it applies). Returns what the scanner measured (``keywords``: the network calls found, allowed).

    >>> check_sparql("SELECT * WHERE { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }", where="q.rq")
    Traceback (most recent call last):
    ...
    msp_graph.errors.QueryError: q.rq:1:18: SERVICE fetches the URL it names ...
    """
    if not isinstance(text, str):
        raise QueryError(f"{where}: the {what} must be SPARQL text (a str), not {_kind_of(text)}")
    _check_size(text, where=where, what=what)
    # A query holding LOAD is an update: query_form says so in its own words.
    measured = shape(text, NETWORK_KEYWORDS if what == "update" else ("SERVICE",), depth_bound=MAX_DEPTH)
    if measured.depth > MAX_DEPTH:
        raise QueryError(
            f"{where}:{_line_col(text, measured.depth_at)}: brackets nest more than {MAX_DEPTH} deep "
            f"(the SPARQL engine would overflow its stack); flatten the {what}"
        )
    if measured.tokens > MAX_TOKENS:
        raise QueryError(
            f"{where}: the {what} holds {measured.tokens:,} tokens outside its data blocks, more than "
            f"{MAX_TOKENS:,} (the SPARQL engine would overflow its stack); split it, or put long lists "
            "in VALUES or INSERT DATA"
        )
    if measured.keywords and not allow_network:
        word, offset = min(measured.keywords.items(), key=lambda item: item[1])
        raise QueryError(
            f"{where}:{_line_col(text, offset)}: {word} fetches the URL it names (any address, internal "
            f"ones included), so it is refused; allow it with --allow-network (allow_network=True in the "
            "API), bounded by MSP_GRAPH_NETWORK_TIMEOUT"
        )
    return measured


def _check_size(text: str, *, where: str, what: str) -> None:
    """At most the bound for ``what`` in UTF-8 bytes, and encodable (no lone surrogate: what an undecodable
    byte of a command-line argument becomes)."""
    bound = int(limit("max_query_bytes" if what != "update" else "max_file_bytes"))
    setting = "" if what != "update" else " (MSP_GRAPH_MAX_FILE_BYTES)"
    # A character is one to four bytes: the text is encoded to count them only when that decides.
    if len(text) > bound or (len(text) * 4 > bound and len(text.encode("utf-8", "surrogatepass")) > bound):
        raise QueryError(f"{where}: the {what} is larger than {bound:,} bytes{setting}; make it smaller")
    surrogate = _SURROGATE_RE.search(text)
    if surrogate:
        raise QueryError(
            f"{where}:{_line_col(text, surrogate.start())}: the {what} is not valid text (a byte that is not "
            "UTF-8, or a lone surrogate); write it in UTF-8"
        )


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def in_worker(call: Callable[[], T], *, where: str, deadline: float | None = None) -> T:
    """``call()`` run on a worker thread with a 64 MiB stack (room for what ``check_sparql`` lets through,
    whatever the main thread's stack), its result or exception handed back.

    With a ``deadline`` (seconds), the call is given up after it: ``QueryError``. Oxigraph has no time-out of
    its own for SERVICE and LOAD and a thread cannot be stopped, so the abandoned call goes on in the
    background (a daemon thread: it never keeps the process alive) until the server answers or closes the
    connection. A query's late answer is dropped. An update's transaction stays open meanwhile: on a store
    on disk the command exits and nothing is written; in a long-lived program an embedded store may still
    commit that update if the server answers later, and its other writes wait until then.
    """
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["value"] = call()
        except BaseException as error:  # handed to the caller's thread, raised there
            _drop_locals(error)
            box["error"] = error

    worker = threading.Thread(target=work, name="msp-graph-sparql", daemon=True)
    with _STACK_LOCK:
        try:
            previous = threading.stack_size(_WORKER_STACK)
        except (ValueError, RuntimeError):  # a platform without settable stacks: its default
            previous = None
        try:
            worker.start()
        finally:
            if previous is not None:
                threading.stack_size(previous)
    worker.join(deadline)
    if worker.is_alive():
        raise QueryError(
            f"{where}: the network call (SERVICE or LOAD) did not finish within {deadline:g} s; the server "
            "may be down or slow: try later, or raise MSP_GRAPH_NETWORK_TIMEOUT"
        )
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def _drop_locals(error: BaseException | None) -> None:
    """Clear the finished frames of ``error``'s tracebacks (its chain's too) in the thread that raised it:
    pyoxigraph's results may only be dropped in the thread that made them, and a frame holding one would
    otherwise be dropped with the exception, in the caller's thread."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__


def read_sparql_file(path: str | Path, *, what: str = "query", error: type[Exception] = QueryError) -> str:
    """The text of a SPARQL file, checked before and while it is read: a regular file (not a folder, FIFO
    or device, which could block or never end), at most ``limit("max_query_bytes")`` (a query) or
    ``limit("max_file_bytes")`` (an update), UTF-8 (an undecodable byte is named by line:column)."""
    path = Path(path)
    data = _read_regular(path, what=what, error=error)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as failure:
        before = data[: failure.start].decode("utf-8")
        raise error(
            f"{path}:{_line_col(before, len(before))}: not UTF-8 (byte 0x{data[failure.start]:02x}); "
            "save the file as UTF-8"
        ) from None


def _read_regular(path: Path, *, what: str, error: type[Exception]) -> bytes:
    """The bytes of the regular file ``path``, at most the bound for ``what`` (opened without blocking,
    checked on the open descriptor, read with a bound: a FIFO, a device or a growing file cannot hang)."""
    bound = int(limit("max_query_bytes" if what != "update" else "max_file_bytes"))
    too_large = f"{path}: the {what} is larger than {bound:,} bytes"
    too_large += " (MSP_GRAPH_MAX_FILE_BYTES); make it smaller" if what == "update" else "; make it smaller"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except (OSError, ValueError) as failure:
        raise error(f"{path}: cannot read the {what}: {_clean(short(failure))}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{path}: is a directory; give the {what} file")
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: not a regular file (a device, FIFO or socket); give the {what} file")
        if info.st_size > bound:
            raise error(too_large)
        with os.fdopen(os.dup(fd), "rb") as handle:
            # read(n) allocates n bytes first: ask for the size the file has, then for what it grew by.
            data = handle.read(info.st_size + 1)
            while len(data) <= bound and (more := handle.read(min(1 << 20, bound + 1 - len(data)))):
                data += more
    except OSError as failure:
        raise error(f"{path}: cannot read the {what}: {_clean(short(failure))}") from None
    finally:
        os.close(fd)
    if len(data) > bound:  # the file grew while it was read
        raise error(too_large)
    return data


def _checked_params(params) -> dict[str, str]:
    """``params`` as a dict of str to str, or a QueryError naming what is wrong (never a raw exception)."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise QueryError(f"params: give a mapping of names to strings, not {_kind_of(params)}")
    checked = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name:
            raise QueryError(f"parameter name {_shown(name)}: give a non-empty str")
        if not isinstance(value, str):
            raise QueryError(
                f"parameter '{_clean(name)}': the value must be a str, not {_kind_of(value)} "
                f"(write {str(value)[:40]!r} to pass the text)"
                if isinstance(value, (int, float, bool))
                else f"parameter '{_clean(name)}': the value must be a str, not {_kind_of(value)}"
            )
        if len(value) > MAX_PARAM_CHARS:
            raise QueryError(
                f"parameter '{_clean(name)}': a value of {len(value):,} characters; a parameter is one term, "
                f"at most {MAX_PARAM_CHARS:,} characters"
            )
        checked[name] = value
    return checked


def check_format(format: str, kind: str) -> str:
    """The canonical name of the results ``format`` if it fits results of ``kind`` (``select``, ``ask``
    or ``graph``), else a QueryError naming the formats that do."""
    fits = GRAPH_FORMATS if kind == "graph" else SOLUTION_FORMATS
    fmt = _format_key(format) if isinstance(format, str) else None
    if fmt not in fits:
        what = "CONSTRUCT/DESCRIBE" if kind == "graph" else kind.upper()
        raise QueryError(f"format {_shown(format)} does not fit {what} results; use one of {', '.join(fits)}")
    return fmt


def _location(query: NamedQuery) -> str:
    return str(query.path) if query.path is not None else query.name


def _kind_of(value) -> str:
    return "None" if value is None else type(value).__name__


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _clean(text: str, width: int = 400) -> str:
    """``text`` fit for a one-line message: control characters escaped, cut to ``width`` characters."""
    text = _CONTROL_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text[: width + 1])
    return text if len(text) <= width else text[: width - 3] + "..."


def _shown(value) -> str:
    """A value quoted for a message, on one line and at most 60 characters."""
    return _clean(repr(value) if not isinstance(value, str) else f"'{value}'", 60)


# ------------------------------------------------------------------------------------------------ running


def project_prefixes(text: str, *, where: str = "query") -> dict[str, str]:
    """The prefixes of the project's table (``msp_graph.prefixes``) that ``text`` uses but does not declare:
    an ad-hoc query may write ``msp:`` or ``organisation:ilo`` as ``-p`` values and the output do. A prefix
    neither declared nor the project's is a ``QueryError`` naming it and its line:column (the parser would
    only say "prefix not found").

    >>> project_prefixes("SELECT * { ?m org:member organisation:ilo }")
    {'org': 'http://www.w3.org/ns/org#', 'organisation': 'https://w3id.org/msp/id/organisation/'}
    >>> project_prefixes("PREFIX org: <urn:mine#> SELECT * { ?m org:member ?x }")
    {}
    """
    declared = _declared_prefixes(text)
    used = set()
    for name, offset in _prefixed_names(text):
        if name in declared:
            continue
        if name not in PROJECT_PREFIXES:
            raise QueryError(
                f"{where}:{_line_col(text, offset)}: prefix '{name}:' is not declared; add "
                f"PREFIX {name}: <...> or use one of the project's (msp-graph prefixes)"
            )
        used.add(name)
    return {name: iri for name, iri in PROJECT_PREFIXES.items() if name in used}


def _prefixed_names(text: str) -> list[tuple[str, int]]:
    """``(prefix, offset)`` of each prefixed name in the code of ``text`` (not in comments, strings, IRIs);
    a declaration's own name is among them (it is declared)."""
    return [(m.group(1), m.start()) for m in re.finditer(r"(?<![\w.\-:?$])([A-Za-z][\w\-.]*):", masked(text))]


def _check_syntax(text: str, form: str, *, where: str, prefixes: Mapping[str, str] | None = None) -> None:
    """Parse the query (on an empty scratch store) so syntax errors point at the user's own line:column.

    SELECT, CONSTRUCT and DESCRIBE results are lazy, so nothing is evaluated; an ASK is eager, so it is
    checked as the equivalent SELECT.
    """
    checked, position = _ask_as_select(text) if form == "ask" else (text, None)
    checked = _service_as_graph(checked)
    with running_sparql(where, position=position):
        try:
            ox.Store().query(checked, prefixes=dict(prefixes or {}))
        except (OSError, RuntimeError, ValueError):
            return  # not a syntax problem: the store reports it when it runs the query


def _service_as_graph(text: str) -> str:
    """``text`` with each ``SERVICE [SILENT]`` written ``GRAPH`` (padded to the same length: positions do not
    move), for the syntax check only: Oxigraph calls a SERVICE as soon as it plans the query, even on an
    empty store, and ``GRAPH VarOrIri { ... }`` is read by the same rule of the grammar."""
    offsets = keyword_offsets(text, "SERVICE")
    if not offsets:
        return text
    code_text = masked(text)
    pieces, position = [], 0
    for offset in offsets:
        end = offset + len("SERVICE")
        silent = _SILENT_RE.match(code_text, end)
        blanked = re.sub(r"[^\n]", " ", text[end : silent.end()]) if silent else ""  # lines kept
        pieces += [text[position:offset], "GRAPH  ", blanked]
        position = silent.end() if silent else end
    return "".join(pieces) + text[position:]


_SILENT_RE = re.compile(r"\s*[sS][iI][lL][eE][nN][tT](?![\w:\-])")


def _ask_as_select(text: str) -> tuple[str, Callable[[int, int], tuple[int, int]]]:
    """An ASK query as a SELECT, and the map of positions in it back to the ASK's (a one-line swap of the
    keyword keeps the lines; only columns after it on its line move)."""
    token = next(t for t in _top_words(text) if t.text.upper() == "ASK")
    select = "SELECT (1 AS ?msp_graph_ask)"
    ask_line, ask_col = map(int, _line_col(text, token.start).split(":"))

    def position(line: int, column: int) -> tuple[int, int]:
        if line == ask_line and column > ask_col + 2:
            return line, column - (len(select) - len("ASK"))
        return line, column

    return text[: token.start] + select + text[token.start + 3 :], position


@dataclass(frozen=True)
class PreparedQuery:
    """A query checked in full and bound, before any store is opened: ``run(store)`` only executes it.

    ``prepare_query`` makes one; ``run_query`` is ``prepare_query(...).run(store)``. The command line
    prepares first, so that a bad query, parameter or format changes nothing (not even the FILES it would
    have loaded into a ``--store``).
    """

    #: The text the store runs: the project's prefixes it uses undeclared, then the query, parameters bound.
    text: str
    #: ``select``, ``ask``, ``construct`` or ``describe``.
    form: str
    #: The text's name in messages (file name, query name, ``query``).
    where: str
    lists: dict[str, str] = field(default_factory=dict)
    #: The deadline in seconds when the query calls SERVICE (allowed), else None.
    deadline: float | None = None
    #: For a query of the catalogue that has one, its rows computed a faster way than the text (None when
    #: the data needs the text's own semantics): see ``msp_graph.shared_alliances``.
    plan: Callable[[object], list[dict] | None] | None = None

    def check_format(self, format: str) -> str:
        """The canonical name of ``format`` if it fits the form (QueryError naming those that do)."""
        return check_format(format, "graph" if self.form in ("construct", "describe") else self.form)

    def run(self, store) -> QueryResult:
        """Execute on ``store``; rows materialised, list columns sorted."""

        def execute() -> QueryResult:
            planned = self.planned(store)
            if planned is not None:
                return planned
            raw = store.query(self.text)
            with running_sparql(self.where):  # results are lazy: evaluation errors come while reading
                result = QueryResult.from_raw(raw, form=self.form)
            _sort_lists(result, self.lists)
            return result

        return in_worker(execute, where=self.where, deadline=self.deadline)

    def planned(self, store) -> QueryResult | None:
        """The result by the query's plan (list columns sorted, as ``run`` gives them); None without a plan,
        or when the plan declines the data (then run ``text``)."""
        if self.plan is None:
            return None
        with running_sparql(self.where):
            rows = self.plan(store)
        if rows is None:
            return None
        return QueryResult(kind="select", variables=list(shared_alliances.VARIABLES), rows=rows)


def prepare_query(
    query: str | NamedQuery,
    *,
    params: Mapping[str, str] | None = None,
    where: str = "query",
    allow_network: bool = False,
) -> PreparedQuery:
    """Check ``query`` and ``params`` in full and bind them, without a store (see ``run_query``)."""
    if not isinstance(where, str):
        raise QueryError(f"where={where!r}: give the name of the query text, a str")
    if isinstance(query, str):
        measured = check_sparql(query, where=where, allow_network=allow_network)
        query = _parse_header(query, name=where, path=None)
    elif isinstance(query, NamedQuery):
        measured = check_sparql(query.text, where=_location(query), allow_network=allow_network)
    else:
        raise QueryError(f"{where}: the query must be SPARQL text or a NamedQuery, not {_kind_of(query)}")
    location = _location(query)
    form = query_form(query.text, where=location)
    missing = project_prefixes(query.text, where=location)
    in_worker(lambda: _check_syntax(query.text, form, where=location, prefixes=missing), where=location)
    terms = _param_terms(query, _checked_params(params))
    text = _bound_text(query, terms)
    # The project's prefixes the text uses without declaring them (`msp-graph prefixes`), declared ahead.
    text = "".join(f"PREFIX {n}: <{iri}>\n" for n, iri in missing.items()) + text
    _check_size(text, where=location, what="query with its parameters bound")
    deadline = float(limit("network_timeout")) if measured.keywords else None
    return PreparedQuery(
        text=text,
        form=form,
        where=location,
        lists=dict(query.lists),
        deadline=deadline,
        plan=_plan(query, terms),
    )


def _plan(query: NamedQuery, terms: Mapping[str, ox.NamedNode | ox.Literal]):
    """The faster evaluation of a catalogue query that has one, with its parameters bound; else None.

    Only the bundled file as it is: a copy given with ``--file`` or edited text runs as written.
    """
    if (
        query.name != "partners-sharing-alliances"
        or query.path is None
        or query.path.parent != _queries_dir()
    ):
        return None
    partner = terms.get("partner")
    least = terms.get("min_shared")
    min_shared = 1 if least is None else int(least.value)
    return functools.partial(shared_alliances.rows, partner=partner, min_shared=min_shared)


def run_query(
    store,
    query: str | NamedQuery,
    *,
    params: Mapping[str, str] | None = None,
    where: str = "query",
    allow_network: bool = False,
) -> QueryResult:
    """Run a named query or an ad-hoc SPARQL text on ``store`` with ``params`` bound; rows materialised.

    ``query`` may be a NamedQuery, or SPARQL text (an optional ``#+`` header declares its parameters,
    otherwise each value's kind is guessed: IRI, Turtle literal or plain string). ``params`` maps names to
    strings. ``where`` names the text in error messages (a file name for ``msp-graph query --file``). The
    items of the list columns the header declares (``#+ list:``) are sorted, whatever order the store
    concatenated them in.

    ``SERVICE`` reaches any URL the text names (internal addresses included), so a text that holds it is
    refused unless ``allow_network=True``; then the query runs under the deadline
    ``limit("network_timeout")`` (see ``in_worker``). Every failure is a ``QueryError`` (or another error
    of the package: ``EndpointError`` from a remote store, ``SettingError`` for a bad time-out).
    """
    prepared = prepare_query(query, params=params, where=where, allow_network=allow_network)
    return prepared.run(store)


@dataclass(frozen=True)
class PreparedUpdate:
    """An update checked in full before any store is opened (``prepare_update``); ``run(store)`` runs it."""

    text: str
    where: str
    #: The deadline in seconds when the update calls LOAD or SERVICE (allowed), else None.
    deadline: float | None = None

    def run(self, store) -> None:
        """Run on ``store``: one transaction on an embedded store (a failure leaves it as it was)."""
        try:
            in_worker(lambda: store.update(self.text), where=self.where, deadline=self.deadline)
        except QueryError as error:
            message = str(error)  # the store names the text "update"; name it as the caller does
            if self.where != "update" and message.startswith("update"):
                raise QueryError(self.where + message[len("update") :]) from None
            raise


def prepare_update(text: str, *, where: str = "update", allow_network: bool = False) -> PreparedUpdate:
    """Check the SPARQL 1.1 update ``text`` (``check_sparql``; an empty update and a query sent as an
    update are refused too) without a store. ``where`` names it in messages (a file name)."""
    measured = check_sparql(text, where=where, allow_network=allow_network, what="update")
    if not measured.tokens:
        raise QueryError(f"{where}: the update is empty (nothing but spaces or comments); nothing to run")
    first = next(_top_words(text), None)
    if first is not None and first.text.upper() in _FORM_WORDS:
        raise QueryError(
            f"{where}:{_line_col(text, first.start)}: this is a query ({first.text.upper()}), not an update; "
            "run it with `msp-graph query -e` or `--file`"
        )
    deadline = float(limit("network_timeout")) if measured.keywords else None
    return PreparedUpdate(text=text, where=where, deadline=deadline)


def run_update(store, text: str, *, where: str = "update", allow_network: bool = False) -> None:
    """Run the SPARQL 1.1 update ``text`` on ``store``, checked first (``prepare_update``): one transaction
    on an embedded store, so a syntax error or a failing operation leaves it as it was.

    ``LOAD <url>`` and ``SERVICE`` reach any URL, so they are refused unless ``allow_network=True``; then
    the update runs under the deadline ``limit("network_timeout")`` (see ``in_worker`` for what becomes of
    an update given up).
    """
    prepare_update(text, where=where, allow_network=allow_network).run(store)


def _sort_lists(result: QueryResult, lists: Mapping[str, str]) -> None:
    """Sort the items of each list cell (by code point, as ORDER BY sorts plain strings), in place.

    The items are split at the separator, so an item holding the separator itself is split too.
    """
    for column, separator in lists.items():
        if result.kind != "select" or column not in result.variables:
            continue
        for row in result.rows:
            term = row[column]
            if isinstance(term, ox.Literal) and separator in term.value:
                value = separator.join(sorted(term.value.split(separator)))
                if term.language:
                    row[column] = ox.Literal(value, language=term.language)
                else:
                    row[column] = ox.Literal(value, datatype=term.datatype)


@dataclass
class QueryResult:
    """Materialised results: ``kind`` is ``select`` (``variables``, ``rows``), ``ask`` (``boolean``)
    or ``graph`` (``triples``, for CONSTRUCT and DESCRIBE). Rows map every variable to a pyoxigraph term,
    or None where unbound."""

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]] = field(default_factory=list)
    triples: list[ox.Triple] = field(default_factory=list)
    boolean: bool | None = None

    @classmethod
    def from_raw(cls, raw, *, form: str = "select") -> QueryResult:
        """Materialise pyoxigraph QuerySolutions / QueryBoolean / QueryTriples."""
        if isinstance(raw, (ox.QueryBoolean, bool)):
            return cls(kind="ask", boolean=bool(raw))
        if isinstance(raw, ox.QuerySolutions):
            variables = [v.value for v in raw.variables]
            # A solution iterates over its values in the order of ``raw.variables`` (None where unbound):
            # zipped, 2.3 million cells at 10^6 triples take 0.7 s less than a lookup by name each.
            rows = [dict(zip(variables, solution, strict=True)) for solution in raw]
            return cls(kind="select", variables=variables, rows=rows)
        if isinstance(raw, ox.QueryTriples):
            return cls(kind="graph", triples=list(raw))
        raise QueryError(f"query: the store returned an unexpected result ({type(raw).__name__})")

    def __len__(self) -> int:
        if self.kind == "ask":
            return int(bool(self.boolean))
        return len(self.rows) if self.kind == "select" else len(self.triples)

    def formats(self) -> tuple[str, ...]:
        """The formats ``render`` accepts for this kind of result."""
        return GRAPH_FORMATS if self.kind == "graph" else SOLUTION_FORMATS

    def render(self, format: str = "table", *, terminal: bool | None = None) -> str:
        """The results as text in ``format`` (see ``formats()``).

        ``table`` is a rich table on a terminal and plain aligned columns otherwise (``terminal`` defaults to
        whether stdout is a terminal); it shortens IRIs with the project's prefixes. ``csv`` and ``tsv``
        follow SPARQL 1.1 Query Results CSV/TSV, ``srj``/``srx`` the SPARQL 1.1 JSON/XML results formats,
        ``json`` is a plain list of objects (numbers and booleans as JSON values, everything else a string).
        """
        fmt = check_format(format, self.kind)
        if self.kind == "graph" and fmt in _GRAPH_RDF_FORMATS:
            prefixes = {p: iri for p, iri in PREFIXES.items()} if fmt == "turtle" else None
            data = ox.serialize(self.triples, format=rdf_format(fmt).oxigraph, prefixes=prefixes) or b""
            return data.decode("utf-8")
        variables, rows = self._table()
        if fmt == "table":
            return _render_table(variables, rows, terminal=_is_terminal() if terminal is None else terminal)
        if fmt == "csv":
            return _render_csv(variables, rows)
        if fmt == "tsv":
            return _render_tsv(variables, rows)
        if fmt == "json":
            if self.kind == "ask":
                return json.dumps(self.boolean) + "\n"
            return json.dumps([{v: _json_value(r[v]) for v in variables} for r in rows], indent=2) + "\n"
        if fmt == "srj":
            return _render_srj(self, variables, rows)
        return _render_srx(self, variables, rows)

    def to_dataframe(self) -> pandas.DataFrame:
        """The results as a pandas DataFrame (``pip install 'msp-graph[pandas]'``): one column per variable
        (ASK: ``boolean``; CONSTRUCT and DESCRIBE: ``subject``, ``predicate``, ``object``), typed by the
        column's literals: xsd integers ``Int64``, decimals and doubles ``float64``, dates and date-times
        ``datetime64``, booleans ``boolean``; IRIs (their text), blank nodes (``_:id``), other literals (their
        lexical form) and columns of mixed or ill-typed values ``string``. Unbound cells are missing (NA).

        >>> run_query(store, "SELECT (COUNT(*) AS ?n) WHERE {}").to_dataframe().dtypes  # doctest: +SKIP
        n    Int64
        """
        pd = _pandas()
        variables, rows = self._table()
        return pd.DataFrame(
            {name: _column(pd, [row[name] for row in rows]) for name in variables}, columns=variables
        )

    def _table(self):
        if self.kind == "graph":
            variables = ["subject", "predicate", "object"]
            rows = [dict(zip(variables, t, strict=True)) for t in self.triples]
            return variables, rows
        if self.kind == "ask":
            return ["boolean"], [{"boolean": ox.Literal(str(self.boolean).lower(), datatype=_XSD_BOOLEAN)}]
        return self.variables, self.rows


def _format_key(format: str) -> str:
    """The canonical name of a results format: ``text`` -> ``table``, ``ttl`` -> ``turtle``..."""
    key = format.lower()
    rdf = format_named(key)
    return _RESULT_ALIASES.get(key) or (rdf.name if rdf is not None else key)


_XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")

if TYPE_CHECKING:
    import pandas


def _pandas():
    """pandas, or the package's error naming the extra that brings it."""
    try:
        import pandas
    except ImportError:
        raise MspGraphError(
            "to_dataframe needs pandas, which is not installed: pip install 'msp-graph[pandas]'"
        ) from None
    return pandas


_WHOLE = {
    XSD + t
    for t in [
        "integer",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
}
_DATES = {XSD + "date", XSD + "dateTime", XSD + "dateTimeStamp"}


def _column(pd, terms: list):
    """One DataFrame column from the terms of one variable (``QueryResult.to_dataframe``)."""
    given = [t for t in terms if t is not None]
    kinds = {t.datatype.value if isinstance(t, ox.Literal) and not t.language else None for t in given}
    try:
        if given and kinds <= _WHOLE:
            return pd.array([None if t is None else int(t.value) for t in terms], dtype="Int64")
        if given and kinds <= _WHOLE | _FLOATS:
            return pd.array([float("nan") if t is None else float(t.value) for t in terms], dtype="float64")
        if given and kinds <= _DATES:
            text = [None if t is None else t.value for t in terms]
            zoned = any(v.endswith("Z") or v[10:].count("+") or v[10:].count("-") for v in text if v)
            return pd.to_datetime(text, format="ISO8601", utc=zoned)
        if given and kinds == {_XSD_BOOLEAN.value}:
            truth = {"true": True, "1": True, "false": False, "0": False}
            return pd.array([None if t is None else truth[t.value.strip()] for t in terms], dtype="boolean")
    except (ValueError, KeyError, OverflowError):
        pass  # an ill-typed literal: the column as text
    return pd.array([None if t is None else _plain(t) for t in terms], dtype="string")


_INTEGERS = {XSD + t for t in ("integer", "long", "int", "short", "nonNegativeInteger", "positiveInteger")}
_FLOATS = {XSD + t for t in ("decimal", "double", "float")}


def _is_terminal() -> bool:
    return sys.stdout.isatty()


def _plain(term) -> str:
    """A term as a spreadsheet cell: IRI, literal's lexical form, ``_:id`` for blank nodes, '' if unbound."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _short_iri(term) -> str:
    if isinstance(term, ox.NamedNode):
        best = max(
            ((p, iri) for p, iri in PREFIXES.items() if term.value.startswith(iri)),
            key=lambda item: len(item[1]),
            default=None,
        )
        if best and re.fullmatch(r"[\w\-.%]*", term.value[len(best[1]) :]):
            return f"{best[0]}:{term.value[len(best[1]) :]}"
    return _plain(term)


def _render_table(variables, rows, *, terminal: bool) -> str:
    cells = [[_short_iri(row[v]) for v in variables] for row in rows]
    if terminal:
        from rich.console import Console
        from rich.table import Table

        table = Table(*variables, show_lines=False, header_style="bold")
        for line in cells:
            table.add_row(*line)
        out = io.StringIO()
        width = shutil.get_terminal_size((120, 24)).columns
        Console(file=out, force_terminal=True, width=width).print(table)
        footer = f"{len(rows)} row{'s' if len(rows) != 1 else ''}\n"
        return out.getvalue() + footer
    cells = [[c.replace("\n", " ").replace("\t", " ") for c in line] for line in cells]
    widths = [max([len(v), *(len(line[i]) for line in cells)]) for i, v in enumerate(variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells]
    return "\n".join(lines) + "\n"


def _render_csv(variables, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_plain(row[v]) for v in variables])
    return out.getvalue()


def _render_tsv(variables, rows) -> str:
    """SPARQL 1.1 TSV: variables with ``?``, terms in their N-Triples/Turtle form, empty when unbound."""
    lines = ["\t".join(f"?{v}" for v in variables)]
    for row in rows:
        lines.append("\t".join("" if row[v] is None else str(row[v]) for v in variables))
    return "\n".join(lines) + "\n"


def _json_value(term):
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype == XSD + "boolean":
                return term.value in ("true", "1")
            if datatype in _INTEGERS:
                return int(term.value)
            if datatype in _FLOATS:
                return float(term.value)
        except ValueError:
            return term.value
    return _plain(term)


def _srj_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD + "string":
        out["datatype"] = term.datatype.value
    return out


def _render_srj(result: QueryResult, variables, rows) -> str:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean}, indent=2) + "\n"
    bindings = [{v: _srj_term(row[v]) for v in variables if row[v] is not None} for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, indent=2) + "\n"


def _srx_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_escape(term.value)}</bnode>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={_xml_attr(term.language)}"
    elif term.datatype.value != XSD + "string":
        attrs = f" datatype={_xml_attr(term.datatype.value)}"
    return f"<literal{attrs}>{_xml_escape(term.value)}</literal>"


def _render_srx(result: QueryResult, variables, rows) -> str:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        out += ["  <head/>", f"  <boolean>{str(result.boolean).lower()}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out.append("  <head>")
    out += [f"    <variable name={_xml_attr(v)}/>" for v in variables]
    out += ["  </head>", "  <results>"]
    for row in rows:
        out.append("    <result>")
        out += [
            f"      <binding name={_xml_attr(v)}>{_srx_term(row[v])}</binding>"
            for v in variables
            if row[v] is not None
        ]
        out.append("    </result>")
    out += ["  </results>", "</sparql>"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------- docs


def catalogue_markdown(queries: Sequence[NamedQuery] | None = None) -> str:
    """The catalogue section of docs/queries.md, generated from the query headers."""
    queries = list_queries() if queries is None else queries
    out: list[str] = []
    for query in queries:
        out.append(f"### `{query.name}`")
        out.append("")
        kind = "violation check (no rows expected)" if query.is_violation else query.form.upper()
        out.append(f"{query.summary} *({kind})*")
        out.append("")
        if query.entailment:
            out += [f"Uses entailments (run `msp-graph reason` first): {query.entailment}", ""]
        if query.lists:
            columns = ", ".join(f"`{column}` (separator `{sep}`)" for column, sep in query.lists.items())
            out += [f"List columns, items sorted: {columns}.", ""]
        if query.params:
            out.append("| parameter | kind | required | description |")
            out.append("|---|---|---|---|")
            for p in query.params:
                required = "optional" if p.optional else "required"
                out.append(f"| `{p.name}` | {p.kind} | {required} | {p.description} |")
            out.append("")
        out.append("```")
        examples = query.examples or [""]
        for example in examples:
            args = " ".join(f"--param {pair}" for pair in example.split() if pair)
            out.append(f"msp-graph query {query.name} {args}".rstrip())
        out.append("```")
        out.append("")
    return "\n".join(out)


CATALOGUE_START = "<!-- catalogue: generated from the query headers by write_catalogue(); do not edit -->"
CATALOGUE_END = "<!-- end of catalogue -->"


def write_catalogue(path: str | Path) -> None:
    """Replace the generated catalogue section (between its two markers) of a Markdown file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if CATALOGUE_START not in text or CATALOGUE_END not in text:
        raise QueryError(f"{path}: no catalogue markers; add {CATALOGUE_START} and {CATALOGUE_END}")
    head, _, rest = text.partition(CATALOGUE_START)
    _, _, tail = rest.partition(CATALOGUE_END)
    path.write_text(
        f"{head}{CATALOGUE_START}\n\n{catalogue_markdown()}\n{CATALOGUE_END}{tail}", encoding="utf-8"
    )
