"""Where a validation result's focus node comes from, so that CI can point at the line to fix: the source
file of the graph that describes it (as the store's metadata names it) and, for imported spreadsheets, the
sheet and row (the import's ``prov:wasDerivedFrom`` row record).

A node described in several source graphs (an organisation listed in ``organisations.ttl`` and named in a
partnership file) gets all of them, sorted and joined with ``; ``.

The ``line``: where, in the first of those files, the node is first written as the subject of a statement.
Found by a text scan of Turtle, TriG, N-Triples and N-Quads files (its full IRI ``<...>`` or a prefixed name
the file declares, at the start of a statement), each file read once for all its nodes, and only when the
file is still the one loaded: a relative path (from the working folder, or the bundled data folder) to a
regular file whose SHA-256 is the one the store recorded (``dct:identifier``). Otherwise (JSON-LD, RDF/XML,
``.gz``, standard input, a URL, a file changed or gone since it was loaded) there is no line.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyoxigraph as ox

from ..errors import LoadError
from ..limits import limit
from ..loading import METADATA_GRAPH
from ..resources import bundled_dir
from ..stores import Store, rdf_format, source_graph

__all__ = ["Origin", "origins"]

_DCT = "http://purl.org/dc/terms/"
_PROV = "http://www.w3.org/ns/prov#"
_CSVW = "http://www.w3.org/ns/csvw#"


@dataclass(frozen=True)
class Origin:
    """The source (file name, else graph IRI) of a node, the spreadsheet sheet and row it came from, and
    the line of the source file where it is first a subject."""

    source: str | None = None
    sheet: str | None = None
    row: int | None = None
    line: int | None = None

    def result_fields(self) -> dict:
        """The fields of a ``ValidationResult`` this origin gives (they have the same names)."""
        return {"source": self.source, "sheet": self.sheet, "row": self.row, "line": self.line}


def origins(
    store: Store, nodes: Iterable[str], *, chunk: int = 2000, lines: bool = True
) -> dict[str, Origin]:
    """The ``Origin`` of each IRI of ``nodes`` that some source graph describes (as a subject); the line
    only with ``lines`` (each source file read and hashed)."""
    iris = sorted(n for n in set(nodes) if _is_iri(n))  # a literal or blank focus node has no source
    found: dict[str, dict[str, set]] = {}
    for start in range(0, len(iris), chunk):
        values = " ".join(f"<{n}>" for n in iris[start : start + chunk])
        query = f"""
            SELECT DISTINCT ?s ?g ?source ?sha ?sheet ?row WHERE {{
                VALUES ?s {{ {values} }}
                GRAPH ?g {{ ?s ?p ?o }}
                FILTER (STRSTARTS(STR(?g), "{source_graph("")}"))
                OPTIONAL {{ GRAPH <{METADATA_GRAPH}> {{ ?g <{_DCT}source> ?source }} }}
                OPTIONAL {{ GRAPH <{METADATA_GRAPH}> {{ ?g <{_DCT}identifier> ?sha }} }}
                OPTIONAL {{ GRAPH ?g {{ ?s <{_PROV}wasDerivedFrom> ?record .
                    ?record <{_CSVW}rownum> ?row ; <{_DCT}isPartOf> ?table .
                    ?table <{_DCT}title> ?sheet }} }}
            }}"""
        for row in store.query(query):
            entry = found.setdefault(row["s"].value, {"source": set(), "at": set(), "files": set()})
            source = row["source"] if row["source"] is not None else row["g"]
            entry["source"].add(source.value)
            if row["sheet"] is not None:
                entry["at"].add((row["sheet"].value, int(row["row"].value)))
            if row["source"] is not None and row["sha"] is not None:
                entry["files"].add((source.value, row["sha"].value))
    at = _lines(found) if lines else {}
    return {iri: _origin(entry, at.get(iri)) for iri, entry in found.items()}


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)  # refuses literals' text and blank node labels alike
    except ValueError:
        return False
    return True


def _origin(entry: dict[str, set], line: int | None) -> Origin:
    # A record imported from one row: that row. Several rows (the same id twice): the first, by sheet name.
    at = min(entry["at"]) if entry["at"] else (None, None)
    return Origin(source="; ".join(sorted(entry["source"])), sheet=at[0], row=at[1], line=line)


# --- the line of a node in its source file --------------------------------------------------------------

#: The formats read line by line: every statement of a node begins with its subject, written as a term.
_TEXT_FORMATS = ("turtle", "trig", "nt", "nquads", "n3")
#: ``@prefix p: <ns> .`` / ``PREFIX p: <ns>`` (the prefixed names a file declares), ``@base`` / ``BASE``.
_DIRECTIVE = re.compile(rb"(?:@?prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>|@?base\s)", re.IGNORECASE)
#: A trailing comment (a ``#`` after a blank, outside an IRI or a string: approximately).
_COMMENT = re.compile(rb"\s#[^<>\"']*$")
_UNESCAPE = re.compile(rb"\\(.)")
_HASH, _LT = ord("#"), ord("<")
#: The subject of an N-Triples or N-Quads line, and the lines after it with the same subject (one match per
#: run of lines: 2.5 times fewer steps in Python than a match per line on a 10^6-triple file); the size of
#: the blocks such a file is read in.
_NT_SUBJECT = re.compile(rb"^[ \t]*<([^>\s]*)>[^\n]*\n(?:[ \t]*<\1>[^\n]*\n)*", re.MULTILINE)
_NT_LAST = re.compile(rb"[ \t]*<([^>\s]*)>")
_BLOCK = 16 * 1024 * 1024


def _lines(found: dict[str, dict[str, set]]) -> dict[str, int]:
    """The line of each node in the first (by name) of its source files, each file read once."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for iri, entry in found.items():
        names = sorted(entry["source"])
        files = sorted(f for f in entry["files"] if f[0] == names[0])
        if files:
            wanted.setdefault(files[0], set()).add(iri)
    lines: dict[str, int] = {}
    for (name, sha), iris in sorted(wanted.items()):
        path = _loaded_file(name, sha)
        if path is not None:
            lines.update(subject_lines(path, iris))
    return lines


def _loaded_file(name: str, sha: str) -> Path | None:
    """The file the store's metadata names ``name``, if it is still the one loaded (same SHA-256), read as
    text line by line: relative to the working folder or to the bundled data folder; never an absolute
    path, a path out of those folders (``..``), a URL, a device or a FIFO."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "://" in name or not sha.startswith("sha256:"):
        return None
    try:
        if rdf_format(name).name not in _TEXT_FORMATS or name.lower().endswith(".gz"):
            return None
    except LoadError:  # a name that tells no format (read with --input-format): not scanned
        return None
    folders = [Path.cwd()]
    with contextlib.suppress(FileNotFoundError):  # an installation without the bundled data
        folders.append(bundled_dir("data"))
    for folder in folders:
        path = folder / pure
        try:
            if path.is_file() and path.stat().st_size <= limit("max_file_bytes") and _sha256(path) == sha[7:]:
                return path
        except OSError:
            continue
    return None


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def subject_lines(path: Path, iris: set[str]) -> dict[str, int]:
    """The line (from 1) where each IRI of ``iris`` first begins a statement of the Turtle, TriG, N-Triples
    or N-Quads file ``path``, as its full IRI or a prefixed name the file declared before. A text scan, not
    a parse: a statement is taken to begin on a line, after a line that ends one (``.``, ``{``, ``}``) or a
    prefix declaration (relative IRIs are not resolved, and a line inside a long string can mislead it:
    then a line is wrong, never the file); the scan stops once every IRI is found.
    """
    missing = {iri.encode("utf-8") for iri in iris}
    if rdf_format(path.name).name in ("nt", "nquads"):
        return _line_subjects(path, missing)
    prefixes: dict[bytes, bytes] = {}
    found: dict[str, int] = {}
    starts = True  # the next line may begin a statement
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if b" #" in line or b"\t#" in line:
                line = _COMMENT.sub(b"", line)
            text = line.strip()
            if not text or text[0] == _HASH:
                continue
            directive = _DIRECTIVE.match(text) if text[0] in b"@PpBb" else None
            if directive is not None:
                if directive.group(2) is not None:
                    prefixes[directive.group(1) or b""] = directive.group(2)
            elif starts and (iri := _subject(text, prefixes)) in missing:
                missing.discard(iri)
                found[iri.decode("utf-8")] = number
                if not missing:
                    break
            starts = directive is not None or text[-1] in b".{}"
    return found


def _line_subjects(path: Path, missing: set[bytes]) -> dict[str, int]:
    """``subject_lines`` of N-Triples and N-Quads, where every line is a statement: one regular expression
    over blocks of the file, cut at line ends."""
    found: dict[str, int] = {}
    number = 1  # the line at ``done`` in the block
    rest = b""
    with open(path, "rb") as handle:
        while missing and (block := handle.read(_BLOCK)):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            done = 0
            for match in _NT_SUBJECT.finditer(block):
                if match.group(1) in missing:
                    number += block.count(b"\n", done, match.start())
                    done = match.start()
                    missing.discard(match.group(1))
                    found[match.group(1).decode("utf-8")] = number
            number += block.count(b"\n", done)
        if missing and rest:  # a last line with no line end
            match = _NT_LAST.match(rest)
            if match and match.group(1) in missing:
                found[match.group(1).decode("utf-8")] = number
    return found


def _subject(text: bytes, prefixes: dict[bytes, bytes]) -> bytes | None:
    """The IRI of the term a line begins with: ``<iri>`` or a declared prefixed name (None: a blank node, a
    literal, a graph's name before ``{``...). Plain byte operations: this runs on every line of the file."""
    first = text.split(None, 1)[0]
    if b"{" in text and text[len(first) :].lstrip().startswith(b"{"):
        return None
    if first[0] == _LT:
        end = first.find(b">")
        return first[1:end] if end > 0 else None
    colon = first.find(b":")
    namespace = prefixes.get(first[:colon]) if colon >= 0 else None
    if namespace is None:
        return None
    local = first[colon + 1 :].rstrip(b".;,")
    return namespace + (_UNESCAPE.sub(rb"\1", local) if b"\\" in local else local)
