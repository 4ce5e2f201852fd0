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
import io
import json
import re
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _xml_attr

import pyoxigraph as ox

from .errors import QueryError
from .prefixes import PREFIXES as PROJECT_PREFIXES
from .prefixes import SCHEMES, select
from .resources import bundled_dir
from .sparql_text import code
from .stores import format_named, rdf_format
from .stores.terms import parsing, running_sparql, short

__all__ = [
    "CATALOGUE_END",
    "CATALOGUE_START",
    "GRAPH_FORMATS",
    "PARAM_KINDS",
    "PREFIXES",
    "SOLUTION_FORMATS",
    "NamedQuery",
    "Param",
    "QueryResult",
    "bind_params",
    "catalogue_markdown",
    "get_query",
    "list_queries",
    "make_term",
    "parse_param",
    "parse_query_file",
    "query_form",
    "run_query",
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
        if not known:
            raise QueryError(f"query '{self.name}' takes no parameters; remove --param {name}")
        hint = _did_you_mean(wanted, known)
        raise QueryError(
            f"query '{self.name}' has no parameter '{name}'{hint}; its parameters: {', '.join(known)}"
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
    """The named query ``name`` (with or without ``.rq``); QueryError with a suggestion when unknown."""
    stem = name[:-3] if name.endswith(".rq") else name
    path = _queries_dir() / f"{stem}.rq"
    if _NAME_RE.fullmatch(stem) and path.is_file():
        return _catalogue_query(path)
    known = [p.stem for p in _queries_dir().glob("*.rq")]
    hint = _did_you_mean(stem, known)
    raise QueryError(f"unknown query '{name}'{hint}; run `msp-graph queries` to list them")


def _did_you_mean(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.5)
    if not close:
        close = [k for k in known if word and (word in k or k in word)][:1]
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_query_file(path: str | Path) -> NamedQuery:
    """Read a ``.rq`` file and its ``#+`` header into a NamedQuery (QueryError naming file:line if bad)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise QueryError(f"{path}: cannot read the query: {error}") from None
    return _parse_header(text, name=path.stem, path=path)


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


_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-.:%]*[A-Za-z0-9_\-:%]|[A-Za-z_]")


def _tokens(text: str):
    """Braces, parentheses and bare words of a SPARQL text, skipping comments, strings, IRIs, variables."""
    depth, parens, resume = 0, 0, 0
    for i, c in code(text):
        if i < resume:  # inside a variable or word already read
            continue
        if c in "?$":
            match = _VAR_RE.match(text, i + 1)
            resume = match.end() if match else i + 1
        elif c in "{}()":
            if c == "}":
                depth -= 1
            elif c == ")":
                parens -= 1
            yield _Token(c, c, i, depth, parens)
            if c == "{":
                depth += 1
            elif c == "(":
                parens += 1
        elif (c.isalpha() or c == "_") and (match := _WORD_RE.match(text, i)):
            yield _Token("word", match.group(), i, depth, parens)
            resume = match.end()


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
    kept = dict(code(text))
    cleaned = "".join(kept.get(i, " ") for i in range(len(text)))
    return set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", cleaned))


def bind_params(query: NamedQuery, params: Mapping[str, str] | None) -> str:
    """The text of ``query`` with ``params`` bound as one VALUES row at the start of its WHERE group.

    Every value becomes a checked term first (QueryError naming the parameter when it does not fit); missing
    required parameters and unknown names are errors too. Without parameters the text is returned as is.
    """
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
                    f"parameter '{param.name}': {short(error)}: {value!r}; expected {expected}"
                ) from None
        else:
            name = given.replace("-", "_")
            if name not in _variables_in(query.text):
                raise QueryError(f"parameter '{given}': the query has no variable ?{name} to bind")
            try:
                terms[name] = _auto_term(value, prefixes)
            except ValueError as error:
                raise QueryError(f"parameter '{given}': {short(error)}: {value!r}") from None
    missing = [p for p in query.params if not p.optional and p.name not in terms]
    if missing:
        p = missing[0]
        raise QueryError(
            f"query '{query.name}' needs parameter '{p.name}' ({PARAM_KINDS[p.kind]}); "
            f"add --param {p.name}=..."
        )
    if not terms:
        return query.text
    brace = _where_brace(query.text, where=query.name)
    names = " ".join(f"?{name}" for name in terms)
    values = " ".join(str(term) for term in terms.values())
    # One line, no newline: line numbers of the text stay those of the file.
    block = f" VALUES ({names}) {{ ({values}) }}"
    return query.text[: brace + 1] + block + query.text[brace + 1 :]


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
    chars = list(code(text))
    joined = "".join(c for _, c in chars)
    return [
        (m.group(1), chars[m.start()][0]) for m in re.finditer(r"(?<![\w.\-:?$])([A-Za-z][\w\-.]*):", joined)
    ]


def _check_syntax(text: str, form: str, *, where: str, prefixes: Mapping[str, str] | None = None) -> None:
    """Parse the query (on an empty scratch store) so syntax errors point at the user's own line:column.

    SELECT, CONSTRUCT and DESCRIBE results are lazy, so nothing is evaluated; an ASK is eager, so it is
    checked as the equivalent SELECT.
    """
    checked, position = _ask_as_select(text) if form == "ask" else (text, None)
    with running_sparql(where, position=position):
        try:
            ox.Store().query(checked, prefixes=dict(prefixes or {}))
        except (OSError, RuntimeError, ValueError):
            return  # not a syntax problem: the store reports it when it runs the query


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


def run_query(
    store, query: str | NamedQuery, *, params: Mapping[str, str] | None = None, where: str = "query"
) -> QueryResult:
    """Run a named query or an ad-hoc SPARQL text on ``store`` with ``params`` bound; rows materialised.

    ``query`` may be a NamedQuery, or SPARQL text (an optional ``#+`` header declares its parameters,
    otherwise each value's kind is guessed: IRI, Turtle literal or plain string). ``where`` names the text in
    error messages (a file name for ``msp-graph query -f file.rq``). The items of the list columns the header
    declares (``#+ list:``) are sorted, whatever order the store concatenated them in.
    """
    if isinstance(query, str):
        query = _parse_header(query, name=where, path=None)
    location = str(query.path) if query.path is not None else query.name
    form = query_form(query.text, where=location)
    missing = project_prefixes(query.text, where=location)
    _check_syntax(query.text, form, where=location, prefixes=missing)
    text = bind_params(query, params)
    # The project's prefixes the text uses without declaring them (`msp-graph prefixes`), declared ahead.
    raw = store.query("".join(f"PREFIX {n}: <{iri}>\n" for n, iri in missing.items()) + text)
    result = QueryResult.from_raw(raw, form=form)
    _sort_lists(result, query.lists)
    return result


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
            rows = [{name: solution[name] for name in variables} for solution in raw]
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
        fmt = _format_key(format)
        if fmt not in self.formats():
            what = "CONSTRUCT/DESCRIBE" if self.kind == "graph" else self.kind.upper()
            raise QueryError(
                f"format '{format}' does not fit {what} results; use one of {', '.join(self.formats())}"
            )
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
