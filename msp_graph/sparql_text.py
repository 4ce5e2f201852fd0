"""Reading SPARQL text without a parser: the characters that are code, not comments, strings or IRIs.

Parameter binding (``msp_graph.queries``) and the rewriting of SPARQL-based constraints
(``msp_graph.validation.sparql``) both need to find braces, variables and keywords in a query while ignoring
what ``#`` comments, string literals and IRIs contain; this is the one scanner they share.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["code", "without_comments"]

_IRI_RE = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_STRING_RE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\'',
    re.S,
)


def code(text: str) -> Iterator[tuple[int, str]]:
    """``(index, character)`` of ``text`` outside comments, string literals and IRIs.

    The newline ending a comment is code (it still separates tokens); an unterminated string runs to the end.
    A ``<`` that does not open an IRI (the less-than operator) is code.

    >>> "".join(c for _, c in code('SELECT ?s # a { comment\\nWHERE { ?s <urn:x> "}" }'))
    'SELECT ?s \\nWHERE { ?s   }'
    """
    for kind, start, _ in _segments(text):
        if kind == "code":
            yield start, text[start]


def without_comments(text: str) -> str:
    """``text`` with its ``#`` comments removed (strings and IRIs that hold ``#`` are kept), so that what a
    comment says is never read as a keyword (SPARQLWrapper takes "# ... loaded" for a ``LOAD`` update).

    >>> without_comments('SELECT ?s # loaded\\nWHERE { ?s <urn:x#y> "#" }')
    'SELECT ?s \\nWHERE { ?s <urn:x#y> "#" }'
    """
    return "".join(text[start:end] for kind, start, end in _segments(text) if kind != "comment")


def _segments(text: str) -> Iterator[tuple[str, int, int]]:
    """``(kind, start, end)`` pieces of ``text``: ``comment``, ``string``, ``iri`` or one ``code`` char."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            yield "comment", i, end
        elif c in "\"'":
            match = _STRING_RE.match(text, i)
            end = match.end() if match else n
            yield "string", i, end
        elif c == "<" and (match := _IRI_RE.match(text, i)):
            end = match.end()
            yield "iri", i, end
        else:
            end = i + 1
            yield "code", i, end
        i = end
