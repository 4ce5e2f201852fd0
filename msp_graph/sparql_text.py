"""Reading SPARQL text without a parser: the characters that are code, not comments, strings or IRIs.

Parameter binding (``msp_graph.queries``) and the rewriting of SPARQL-based constraints
(``msp_graph.validation.sparql``) both need to find braces, variables and keywords in a query while ignoring
what ``#`` comments, string literals and IRIs contain; this is the one scanner they share. It also measures
what a text asks of the SPARQL engine before the engine sees it (``shape``): the keywords that reach the
network (``SERVICE``, ``LOAD``), how deep its brackets nest and how many operators it chains, the two
things that overflow the stack of Oxigraph's parser and planner (a crash, not an error) when unbounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["Shape", "code", "keyword_offsets", "masked", "shape", "without_comments"]

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_STRING = (
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"|\'[^\'\\\n\r]*(?:\\.[^\'\\\n\r]*)*\''
    r"|\"[\s\S]*|'[\s\S]*"  # a quote that is never closed: a string to the end
)
#: Each branch starts with its own character (``#``, a quote, ``<``), which lets the regex engine skip the
#: code between pieces at C speed; the first character also tells the kind of the piece.
_NON_CODE_RE = re.compile(rf"#[^\n]*|{_STRING}|{_IRI}", re.S)
_KINDS = {"#": "comment", "<": "iri", '"': "string", "'": "string"}


def code(text: str) -> Iterator[tuple[int, str]]:
    """``(index, character)`` of ``text`` outside comments, string literals and IRIs.

    The newline ending a comment is code (it still separates tokens); an unterminated string runs to the end.
    A ``<`` that does not open an IRI (the less-than operator) is code.

    >>> "".join(c for _, c in code('SELECT ?s # a { comment\\nWHERE { ?s <urn:x> "}" }'))
    'SELECT ?s \\nWHERE { ?s   }'
    """
    for kind, start, end in _segments(text):
        if kind == "code":
            for index in range(start, end):
                yield index, text[index]


def masked(text: str) -> str:
    """``text`` with every comment, string and IRI blanked out: the same length, so offsets (and, as
    newlines are kept, lines and columns) are those of ``text``; what is left is the code.

    >>> masked('ASK { ?s <urn:x> "{" } # }')
    'ASK { ?s             }    '
    """
    return _NON_CODE_RE.sub(_blank, text)


def without_comments(text: str) -> str:
    """``text`` with its ``#`` comments removed (strings and IRIs that hold ``#`` are kept), so that what a
    comment says is never read as a keyword (SPARQLWrapper takes "# ... loaded" for a ``LOAD`` update).

    >>> without_comments('SELECT ?s # loaded\\nWHERE { ?s <urn:x#y> "#" }')
    'SELECT ?s \\nWHERE { ?s <urn:x#y> "#" }'
    """
    return "".join(text[start:end] for kind, start, end in _segments(text) if kind != "comment")


_BLANK_RE = re.compile(r"[^\n]")


def _blank(match: re.Match) -> str:
    piece = match.group()
    return _BLANK_RE.sub(" ", piece) if "\n" in piece else " " * len(piece)


def _segments(text: str) -> Iterator[tuple[str, int, int]]:
    """``(kind, start, end)`` pieces of ``text``: ``comment``, ``string``, ``iri`` or a run of ``code``.

    One regular expression finds the next comment, string or IRI; the code between them is one run (the
    scan costs a few regex steps per piece, not a Python step per character). A quote opens a string even
    when it is not closed (it then runs to the end); a ``<`` that opens no IRI is code.
    """
    position = 0
    for match in _NON_CODE_RE.finditer(text):
        start, end = match.span()
        if start > position:
            yield "code", position, start
        yield _KINDS[text[start]], start, end
        position = end
    if position < len(text):
        yield "code", position, len(text)


# --- what a text asks of the engine ---------------------------------------------------------------------


def _any_case(*words: str) -> re.Pattern:
    """``words`` in any case of their ASCII letters, as SPARQL reads keywords (``[sS][eE]...``: a search
    the regex engine runs at C speed, where ``(?i)`` would not)."""
    return re.compile("|".join("".join(f"[{c.upper()}{c.lower()}]" for c in word) for word in words))


#: A keyword is a bare word of the code: not part of a variable (``?load``), a prefixed or local name
#: (``ex:service``, ``service:x``, ``ex:my-service``), a blank node label or a language tag (``@load``). A
#: ``.`` before it is no guard (``?o.SERVICE <x> {}`` is a triple, then SERVICE), so a local name
#: ``ex:a.service`` is read as the keyword too: the scan errs on the side of finding it.
_BEFORE_WORD = frozenset("?$@:-_")
#: Blocks of plain data that the engine reads as lists, whatever their length: ``INSERT DATA { }``,
#: ``DELETE DATA { }`` and ``VALUES ?x { }`` / ``VALUES (?x ?y) { }``. Their tokens are not counted.
_DATA_WORD_RE = _any_case("DATA", "VALUES")
_DATA_BLOCK_RE = {
    "DATA": re.compile(r"\s*\{"),
    "VALUES": re.compile(r"\s*(?:[?$]\w+|\([^(){}\[\]]*\))\s*\{"),
}
_BRACKET_RE = re.compile(r"[{}()\[\]]")
#: A token: a name, variable, number or prefixed name (``.`` and ``:`` inside), ``&&``, ``||``, or any one
#: other character that is not a space. Packed text (``?o&&?o``, ``!!!``) is counted token by token.
_TOKEN_RE = re.compile(r"[?$]?[\w.:%]+|&&|\|\||[^\w\s]")


@dataclass(frozen=True)
class Shape:
    """What the scanner measured in a SPARQL text (offsets are into the text)."""

    #: The deepest nesting of ``{``, ``(`` and ``[`` together, and the offset of the first bracket deeper
    #: than the ``depth_bound`` asked for (without one, of the first bracket reaching the deepest).
    depth: int = 0
    depth_at: int = 0
    #: The tokens of the code outside data blocks (``INSERT DATA``, ``DELETE DATA``, ``VALUES``): each is
    #: at most a node of the trees Oxigraph parses and plans recursively (patterns, operators, projections).
    tokens: int = 0
    #: The first offset of each keyword asked for that the code holds (upper case).
    keywords: dict[str, int] = field(default_factory=dict)


def shape(text: str, keywords: Iterable[str] = (), *, depth_bound: int | None = None) -> Shape:
    """Measure ``text``: bracket depth, token count, and where the ``keywords`` asked for first appear as
    keywords (case-insensitive; never inside comments, strings, IRIs, variables or prefixed names). The
    scan is a few regular expressions over the text, so it can run on any text the engine would read.

    >>> text = 'SELECT * { SERVICE SILENT <urn:x> { ?service ex:load "LOAD" } } # load'
    >>> found = shape(text, ["SERVICE", "LOAD"])
    >>> found.keywords, found.depth, found.tokens
    ({'SERVICE': 11}, 2, 10)
    """
    code_text = masked(text)
    found = {}
    for word in (w.upper() for w in keywords):
        offset = next(_keyword_offsets(code_text, word), None)
        if offset is not None:
            found[word] = offset
    depth, depth_at, blocks = _brackets(code_text, _data_blocks(code_text), depth_bound)
    if blocks:
        kept, position = [], 0
        for start, end in blocks:
            kept.append(code_text[position:start])
            position = end
        code_text = " ".join([*kept, code_text[position:]])
    tokens = _TOKEN_RE.subn("", code_text)[1]
    return Shape(depth=depth, depth_at=depth_at, tokens=tokens, keywords=found)


def keyword_offsets(text: str, word: str) -> list[int]:
    """Every offset where ``word`` is a keyword of ``text`` (as ``shape`` finds them).

    >>> keyword_offsets("SELECT * { service <urn:a> { } SERVICE ?s { ?service ?p 'SERVICE' } }", "SERVICE")
    [11, 31]
    """
    return list(_keyword_offsets(masked(text), word.upper()))


def _keyword_offsets(code_text: str, word: str) -> Iterator[int]:
    return (match.start() for match in _any_case(word).finditer(code_text) if _is_word(code_text, match))


def _is_word(code_text: str, match: re.Match) -> bool:
    """Whether ``match`` is a whole bare word of the code (see ``_BEFORE_WORD``)."""
    start, end = match.span()
    before = code_text[start - 1] if start else " "
    after = code_text[end] if end < len(code_text) else " "
    return not (before.isalnum() or before in _BEFORE_WORD or after.isalnum() or after in ":-_")


def _data_blocks(code_text: str) -> set[int]:
    """Offsets of the ``{`` opening each data block (``DATA {``, ``VALUES ?x {``) in the masked code."""
    found = set()
    for match in _DATA_WORD_RE.finditer(code_text):
        block = _DATA_BLOCK_RE[match.group().upper()]
        if _is_word(code_text, match) and (brace := block.match(code_text, match.end())):
            found.add(brace.end() - 1)
    return found


def _brackets(code_text: str, opening: set[int], bound: int | None) -> tuple[int, int, list[tuple[int, int]]]:
    """The deepest nesting of brackets, the offset of the first bracket past ``bound`` (or reaching the
    deepest), and the spans of the data blocks that open at ``opening`` (the outermost ones, from their
    ``{`` to their ``}``)."""
    bound = bound if bound is not None else -1
    depth = deepest = deepest_at = 0
    blocks: list[tuple[int, int]] = []
    block_start, block_depth = -1, 0
    for match in _BRACKET_RE.finditer(code_text):
        start = match.start()
        if match.group() in "{([":
            depth += 1
            if depth > deepest:
                if deepest <= bound or bound < 0:
                    deepest_at = start
                deepest = depth
            if block_start < 0 and start in opening:
                block_start, block_depth = start, depth
        else:
            if block_start >= 0 and depth == block_depth:
                blocks.append((block_start, start + 1))
                block_start = -1
            depth -= 1
    return deepest, deepest_at, blocks
