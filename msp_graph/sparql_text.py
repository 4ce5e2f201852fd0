"""Reading SPARQL text without a parser: the characters that are code, not comments, strings or IRIs.

Parameter binding (``msp_graph.queries``) and the rewriting of SPARQL-based constraints
(``msp_graph.validation.sparql``) both need to find braces, variables and keywords in a query while ignoring
what ``#`` comments, string literals and IRIs contain; this is the one scanner they share.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["code"]

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
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c in "\"'":
            match = _STRING_RE.match(text, i)
            i = match.end() if match else n
            continue
        if c == "<" and (match := _IRI_RE.match(text, i)):
            i = match.end()
            continue
        yield i, c
        i += 1
