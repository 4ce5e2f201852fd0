"""Which triples a compiled check can read: its footprint, told from the query text.

Two stages use it. Incremental validation (``incremental.py``) runs a check again only when a changed
triple is in its footprint; ``needed_entailments`` tells reasoning which entailments the checks and the
report read, so a store that is validated once and thrown away (``msp-graph validate FILES``) holds only
those.

A footprint over-approximates: every IRI a query names counts as a predicate and as a class it may read;
``rdf:type`` followed by a variable or a path reads every type; a variable predicate reads every predicate,
unless the query restricts it with ``FILTER (?p IN (iri, ...))`` in the same group as the triple pattern
(SPARQL applies a group's filter to every solution of the group, so the pattern matches only those
predicates, and their IRIs are in the footprint already).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..reasoning import Entailments
from ..sparql_text import _segments, masked  # the one scanner of SPARQL text
from ..stores import EmbeddedStore

__all__ = ["Footprint", "Footprints", "check_text", "needed_entailments"]

TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_CLASS = r"(?:<(?P<iri>[^<>\s]*)>|(?P<prefix>[A-Za-z][\w.-]*)?:(?P<local>[\w.-]+))"
_IRI = re.compile(r"<([^<>\"{}|^`\\\x00-\x20]*)>")
_PREFIX = re.compile(r"PREFIX\s+([\w.-]*):\s*<([^>]*)>", re.I)
_NAME = re.compile(r"(?<![\w?$<\"'])([A-Za-z][\w.-]*)?:([\w-][\w.-]*)?")
# In a query whose IRIs are written <x> and strings "" (``_tokens``): the heads that list variables, a
# triple pattern whose predicate is a variable (after a subject, or after ";"; named ``var``), or a negated
# property set, and a filter keeping a variable to a list of constants.
_HEAD = re.compile(
    r"\b(?:SELECT|GROUP\s+BY|ORDER\s+BY)\s+(?:DISTINCT\s+|REDUCED\s+)?(?:[?$]\w+\s*|\*\s*)*", re.I
)
_NAMED = r"[A-Za-z_][\w.-]*:[\w.-]*|:[\w.-]+|_:[\w.-]+"
_VARIABLE_PREDICATE = re.compile(
    rf"(?:[?$]\w+|<x>|{_NAMED}|[;\][])\s*(?P<var>[?$]\w+)(?!\w)\s*(?:[?$]\w|<x>|\"\"|{_NAMED}|[\[(\d])"
    # a negated property set: "!" then an IRI, "a" or "^", alone or in parentheses (not "!(" of a boolean
    # expression, nor a function's name)
    rf"|!\s*\(?\s*(?:<x>|\^|a\b|(?:{_NAMED})(?!\s*\())"
)
_FILTER_IN = re.compile(
    rf"\bFILTER\s*\(\s*(?P<var>[?$]\w+)\s+IN\s*\(\s*(?:(?:<x>|{_NAMED})\s*(?:,\s*(?:<x>|{_NAMED})\s*)*)?\)",
    re.I,
)
_MARKER = re.compile("\x00INSTANCE (\\S+) <([^>\x00]*)>\x00")
_ILL_FORMED = "\x00ILLFORMED"


@dataclass
class Footprint:
    """The IRIs (N-Triples) a query may read as predicates or classes, and whether it may read any
    predicate, any type, or any literal (the ill-formed literal markers read every literal)."""

    predicates: set[str]
    classes: set[str]
    any_predicate: bool
    any_type: bool
    literals: bool

    def touched(self, s: str, p: str, o: str) -> bool:
        if self.any_predicate or (self.literals and o[:1] == '"'):
            return True
        if p == TYPE:
            return self.any_type or o in self.classes
        return p in self.predicates


def _tokens(query: str) -> str:
    """``query`` with each IRI written ``<x>``, each string ``""`` and no comments: its code, with the
    terms still there as tokens (``masked`` blanks them)."""
    short = {"iri": " <x> ", "string": ' "" ', "comment": " "}
    return "".join(query[a:b] if kind == "code" else short[kind] for kind, a, b in _segments(query))


def _groups(text: str) -> list[int]:
    """For each position of ``text`` (its code), the position of the ``{`` of the innermost group around
    it (-1: outside every group)."""
    stack, inner = [-1], []
    for i, ch in enumerate(text):
        if ch == "{":
            stack.append(i)
        inner.append(stack[-1])
        if ch == "}" and len(stack) > 1:
            stack.pop()
    return inner


def _any_predicate(query: str) -> bool:
    """Whether a triple pattern of ``query`` can match any predicate: a variable predicate no filter of its
    group keeps to a list of IRIs, or a negated property set."""
    text = _HEAD.sub(lambda m: " " * len(m[0]), _tokens(query))
    found, at = [], 0
    while match := _VARIABLE_PREDICATE.search(text, at):
        found.append(match)
        at = match.start() + 1  # overlapping patterns too
    if not found:
        return False
    groups = _groups(text)
    kept = {(m["var"][1:], groups[m.start()]) for m in _FILTER_IN.finditer(text) if _keeps(text, m.end())}
    return any(m["var"] is None or (m["var"][1:], groups[m.start("var")]) not in kept for m in found)


def _keeps(text: str, at: int) -> bool:
    """Whether the filter whose ``?v IN (...)`` ends at ``at`` holds only when it does: the filter ends
    there, or goes on with ``&&`` and has no ``||`` (which binds looser) before its closing parenthesis."""
    depth = 0
    for i in range(at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            if depth == 0:
                rest = text[at:i].strip()
                return not rest or (rest.startswith("&&") and "||" not in rest)
            depth -= 1
    return False


def check_text(check) -> str:
    """What a compiled check reads, as text: its query and its repeat query. Kept in the state of
    incremental validation, so that telling which checks a change reaches needs no compiling."""
    return check.query + "\n" + (check.repeat or "")


class Footprints:
    """Footprints of compiled checks (their query and their repeat query), classes read through the
    store's subclass hierarchy."""

    def __init__(self, store: EmbeddedStore):
        from .sparql.lookups import Subclasses

        self.subclasses = Subclasses(store)

    def touched(self, text: str, changed: set[tuple[str, str, str]]) -> bool:
        """Whether a triple of ``changed`` is in the footprint of a check's ``text`` (``check_text``)."""
        footprint = self.of(text)
        return any(footprint.touched(*triple) for triple in changed)

    def of_check(self, check) -> Footprint:
        return self.of(check_text(check))

    def of(self, query: str) -> Footprint:
        code = masked(query)
        prefixes = dict(_PREFIX.findall(query))
        iris = {f"<{iri}>" for iri in _IRI.findall(query)}
        iris |= {
            f"<{prefixes[p or '']}{local or ''}>" for p, local in _NAME.findall(code) if (p or "") in prefixes
        }
        # rdf:type (as "a", its IRI or a prefixed name) followed by a variable or a path: any class; but
        # ``rdf:type/rdfs:subClassOf* C`` reads the types of C's subclasses (as the instance markers do).
        names = "".join(f"|{re.escape(p)}:type" for p, ns in prefixes.items() if ns == _RDF)
        rdf_type = rf"(?:(?<![?$\w:])a|<{re.escape(_RDF)}type>{names})"
        sub = "".join(f"|{re.escape(p)}:subClassOf" for p, ns in prefixes.items() if ns == _RDFS)
        path = re.compile(rf"{rdf_type}\s*/\s*(?:<{re.escape(_RDFS)}subClassOf>{sub})\s*\*\s*{_CLASS}")
        any_type = False
        for match in path.finditer(query):
            cls = match["iri"] or prefixes.get(match["prefix"] or "", "\x00") + (match["local"] or "")
            found = None if "\x00" in cls else self.subclasses(cls)
            any_type = any_type or found is None
            iris |= {*(found or ()), _SUBCLASS}
        any_type = any_type or bool(re.search(rf"{rdf_type}\s*(?:[?$/|*+^(]|\s[?$])", path.sub(" ", query)))
        for _, cls in _MARKER.findall(query):
            found = self.subclasses(cls)
            any_type = any_type or found is None
            iris |= set(found or ())
        if _MARKER.search(query):
            iris.add(_SUBCLASS)
        return Footprint(iris, iris, _any_predicate(query), any_type, _ILL_FORMED in query)


def needed_entailments(store: EmbeddedStore, checks, reads: Entailments) -> Entailments | None:
    """The entailments the compiled ``checks`` and ``reads`` (what the report reads) can read; None when a
    check can read any predicate or any literal."""
    footprints = Footprints(store)
    predicates, classes, all_types = set(reads.predicates), set(reads.classes or ()), reads.classes is None
    for check in checks:
        found = footprints.of_check(check)
        if found.any_predicate or found.literals:
            return None
        predicates |= found.predicates
        classes |= found.classes
        all_types = all_types or found.any_type
    return Entailments(frozenset(predicates), None if all_types else frozenset(classes))
