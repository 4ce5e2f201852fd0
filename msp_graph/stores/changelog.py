"""What the writers of a store on disk changed since its last validation: ``DIR/.msp-graph-changes.jsonl``.

A file of the store's folder, beside the kept report, not a graph: no query, export or ``stats`` sees it.
Every writer's session (``EmbeddedStore`` opened for writing) is one entry, from the store's version when
the session began to the version it ends with (``_end`` in ``embedded.py``; a new version each session):

* the entry is written when the session begins (no change yet), before anything is written to the store;
* a change whose quads are known (a load's staged difference, an ``INSERT DATA`` / ``DELETE DATA``
  update) adds its quads to the entry, marked ``exact: false`` ("unknown change: the next validation is
  full"), BEFORE it is applied; once applied, the entry is marked exact again. A write whose quads are not
  known (any other update, the reasoner writing pyoxigraph directly) marks the entry unknown for good,
  before it writes;
* so after a crash at any point the log never claims less than what changed: the entry of a writer killed
  during a change is unknown, and, whatever it says, the next writer's recovery ends that session with a
  version no entry names, which no chain of entries reaches.

``since(folder, version, until)`` gives the quads touched from ``version`` (the store's version when the
last validation kept its report) to ``until``: None when an entry on the way is unknown or missing (a
writer that logged nothing, a crash), and the caller validates in full. The file is rewritten whole,
atomically (a temporary file, then a rename), and is at most ``MOST`` quads per entry (more: unknown).

>>> data_quads('INSERT DATA { <urn:a> <urn:p> "x" } ; '
...            'DELETE DATA { GRAPH <urn:g> { <urn:a> <urn:p> <urn:b> } }')
[['<urn:a>', '<urn:p>', '"x"', ''], ['<urn:a>', '<urn:p>', '<urn:b>', '<urn:g>']]
>>> data_quads("DELETE WHERE { ?s ?p ?o }") is None
True
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from ..sparql_text import masked
from .terms import parse_term

__all__ = [
    "CHANGES_FILE",
    "MOST",
    "Session",
    "clear",
    "data_quads",
    "difference",
    "graphs_named",
    "parse_quad",
    "present_at",
    "quad_texts",
    "since",
]

#: The change log's file name in the store's folder.
CHANGES_FILE = ".msp-graph-changes.jsonl"
MOST = 50_000  # quads one entry lists; a bigger change is logged as unknown
_DATA_VERB = re.compile(r"\b(INSERT|DELETE)\s+DATA\b", re.I)
_OTHER_VERBS = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH|WHERE|USING)\b", re.I)


def quad_texts(quads: Iterable[ox.Quad]) -> list[list[str]]:
    """Quads as the log writes them: the N-Triples text of subject, predicate, object and graph ('' for
    the default graph)."""
    return [
        [str(q.subject), str(q.predicate), str(q.object), "" if isinstance(q.graph_name, ox.DefaultGraph)
         else str(q.graph_name)]
        for q in quads
    ]  # fmt: skip


def parse_quad(texts: list[str]) -> ox.Quad:
    """The quad of ``quad_texts``; a blank node keeps its label."""
    graph = texts[3]
    terms = [parse_term(t) for t in texts[:3]]
    return ox.Quad(*terms, ox.DefaultGraph() if graph == "" else ox.NamedNode(graph[1:-1]))


def data_quads(update: str) -> list[list[str]] | None:
    """The quads an update made only of ``INSERT DATA`` / ``DELETE DATA`` operations names (what it may
    add or remove); None for any other update, or one that inserts blank nodes (new ones each run)."""
    code = masked(update)
    verbs = list(_DATA_VERB.finditer(code))
    if not verbs or len(_OTHER_VERBS.findall(code)) != len(verbs) or len(verbs) > 10_000:
        return None
    text = update
    for verb in reversed(verbs):  # every block read as an insertion into an empty store
        text = text[: verb.start()] + "INSERT DATA" + text[verb.end() :]
    scratch = ox.Store()
    try:
        scratch.update(text)
    except (SyntaxError, ValueError, OSError, RuntimeError):
        return None
    quads = list(scratch)
    if len(quads) > MOST or any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
        return None
    return sorted(quad_texts(quads))


_KEYWORD = r"\b(?:GRAPH|INTO|TO|WITH|USING|MOVE|COPY|ADD)\s+(?:SILENT\s+)?(?:NAMED\s+)?(?:GRAPH\s+)?"
_GRAPH_AFTER = re.compile(_KEYWORD + r"<([^<>\s]*)>", re.I)
_ANY_GRAPH = re.compile(rf"{_KEYWORD}(?:[?$]|[\w.-]*:)|\b(?:ALL|NAMED|DEFAULT|LOAD|SERVICE)\b", re.I)


def graphs_named(update: str) -> list[str] | None:
    """The graphs an update can change: those it names by IRI after ``GRAPH``, ``INTO``, ``TO``, ``WITH``,
    ``USING``, ``MOVE``, ``COPY``, ``ADD``, and the default graph (``""``); None when it can change others
    (``GRAPH ?g``, a graph by a prefixed name, ``ALL``, ``NAMED``, ``DEFAULT``, ``LOAD``) or names more
    than a hundred."""
    if not update.strip():
        return []
    if _ANY_GRAPH.search(masked(update)):
        return None
    names = sorted(set(_GRAPH_AFTER.findall(update)))
    return ["", *names] if len(names) <= 100 else None


def difference(before: dict[str, set[ox.Quad]], after: dict[str, set[ox.Quad]]) -> list[list[str]]:
    """The quads in one of two snapshots of the same graphs and not in the other."""
    changed = [q for g in before for q in (before[g] ^ after.get(g, set()))]
    return sorted(quad_texts(changed))


class Session:
    """A writer's entry in the log of the store in ``folder``: from version ``start`` to ``end``."""

    def __init__(self, folder: Path, start: str | None, end: str):
        self.folder = folder
        # ``present``: whether each quad was in the store before the session changed it (None: not known)
        self.entry = {"from": start, "to": end, "exact": True, "quads": [], "present": []}
        self.lost = False  # an unknown change happened: the entry stays unknown
        self.depth = 0  # inside ``changing``: writes are the ones announced
        self._write()

    def unknown(self) -> None:
        """A write whose quads are not known is about to happen (outside ``EmbeddedStore.changing``)."""
        if not self.depth:
            self._lose()

    def _lose(self) -> None:
        if not self.lost:
            self.lost = True
            self.entry.update(exact=False, quads=None, present=None)
            self._write()

    def announce(self, quads: list[list[str]] | None, present: list[bool] | None = None) -> None:
        """Quads about to change (None: not known), written before the change; ``settle`` after it.
        ``present``: whether each was in the store before (None: not known; then the entry never says)."""
        if self.lost or quads is None or len(self.entry["quads"]) + len(quads) > MOST:
            self._lose()
            return
        self.entry["exact"] = False
        self.entry["quads"].extend(quads)
        known = self.entry.get("present")
        if known is not None and present is not None and len(present) == len(quads):
            known.extend(present)
        else:
            self.entry["present"] = None
        self._write()

    def settle(self) -> None:
        """The changes announced are applied: the entry is exact (unless an unknown change happened)."""
        if not self.lost and not self.entry["exact"]:
            self.entry["exact"] = True
            self._write()

    def _write(self) -> None:
        """The log with this entry in its place. Entries of earlier sessions past ``4 * MOST`` quads in all
        (no validation took them in) are dropped: a chain through them cannot be followed, a full run."""
        mine = (self.entry["from"], self.entry["to"])
        entries = [e for e in _entries(self.folder) if (e.get("from"), e.get("to")) != mine]
        if sum(len(e.get("quads") or ()) for e in entries) > 4 * MOST:
            entries = []
        _rewrite(self.folder, [*entries, self.entry])


def _entries(folder: Path) -> list[dict]:
    """The entries of the log (an unreadable line: an entry nothing can follow)."""
    try:
        text = (folder / CHANGES_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError):
        return [{"from": None, "to": None, "exact": False, "quads": None}]
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            entry = None
        entries.append(entry if isinstance(entry, dict) else {"from": None, "to": None, "exact": False})
    return entries


def _rewrite(folder: Path, entries: list[dict]) -> None:
    text = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in entries)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=CHANGES_FILE, suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, folder / CHANGES_FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def since(folder: Path, version: str | None, until: str | None) -> list[list[str]] | None:
    """The quads touched from store version ``version`` to ``until`` (a writer: the version its session
    will end with, its own changes so far included), in the order logged, possibly repeated; None when the
    log cannot tell (an unknown change, a session it has no entry for)."""
    chain = _chain(folder, version, until)
    return None if chain is None else [q for entry in chain for q in entry["quads"]]


def present_at(folder: Path, version: str | None, until: str | None) -> dict[tuple[str, ...], bool] | None:
    """Whether each quad touched from ``version`` to ``until`` (as ``since``) was in the store at
    ``version``; None when the log cannot tell (as ``since``, or a writer that did not say)."""
    chain = _chain(folder, version, until)
    if chain is None:
        return None
    found: dict[tuple[str, ...], bool] = {}
    for entry in chain:
        present = entry.get("present")
        if not isinstance(present, list) or len(present) != len(entry["quads"]):
            return None
        for quad, was in zip(entry["quads"], present, strict=True):
            found.setdefault(tuple(quad), bool(was))  # the first entry that names a quad saw it before
    return found


def _chain(folder: Path, version: str | None, until: str | None) -> list[dict] | None:
    """The entries from ``version`` to ``until``, in order; None when one is unknown or missing."""
    chain: list[dict] = []
    at = version
    for entry in _entries(folder):
        if at == until:
            break
        if entry.get("from") != at:
            continue  # an entry of before ``version`` (a validation that could not clear the log)
        if not entry.get("exact") or not isinstance(entry.get("quads"), list):
            return None
        chain.append(entry)
        at = entry.get("to")
    return chain if at == until else None


def clear(folder: Path) -> None:
    """Forget the log (a validation has taken every change in: its report is the new starting point)."""
    (folder / CHANGES_FILE).unlink(missing_ok=True)
