"""The embedded store: pyoxigraph in memory, or on disk with ``--store DIR``.

>>> store = EmbeddedStore()
>>> store.load(b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
...            graph="http://example.org/g", format="nt")
1
>>> store.graphs()
['http://example.org/g']

A store on disk is shared by processes by three rules (docs/cli.md, "Stores on disk"):

* **One writer at a time.** A writer holds the store's lock; a second one is refused ("locked by another
  process").
* **Readers beside it.** A reader opens a snapshot of its own: hard links to the store's files in
  ``DIR/.msp-graph-readers/`` (RocksDB never changes a table file once written: it adds and deletes whole
  files), opened read-only. It takes no lock, sees the store as it was when it opened for as long as it runs,
  and the writer's compactions cannot delete a file from under it. Where no folder can be made (a read-only
  directory) the store itself is opened read-only.
* **Old or new, never a mix.** While a writer works, its *session* lists the graphs readers may see: what it
  creates stays hidden until it publishes it, and what a writer that crashed had not published is removed by
  the next writer that opens the store. ``replace_graphs`` stages every source and then replaces the graphs,
  publishes the new ones and runs its metadata update in ONE transaction; closing the store publishes the
  rest. The session is written as empty named graphs under ``SESSION_PREFIX``, which no query sees and which
  cost union queries nothing; staging graphs holding triples are hidden from queries.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import functools
import io
import itertools
import os
import re
import shutil
import time
import traceback
import urllib.parse
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import StoreError
from . import changelog
from .base import GRAPH_BASE, STAGING_PREFIX, Store
from .terms import file_source, parsing, rdf_format, running_sparql, short, term

try:
    import fcntl
except ImportError:  # no flock (Windows): readers open the store itself read-only, without a snapshot
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import rdflib

__all__ = ["MODES", "SESSION_PREFIX", "EmbeddedStore"]

#: How a store on disk is opened: ``write`` holds the lock from the start; ``read`` never writes;
#: ``auto`` reads (no lock) until its first write, which takes the lock.
MODES = ("write", "read", "auto")

#: The embedded store's own graphs on disk, all empty: a writer's session and the store's version.
SESSION_PREFIX = GRAPH_BASE + "session/"
_SESSION = SESSION_PREFIX + "open"  # a writer's session is open
_VISIBLE = SESSION_PREFIX + "visible/"  # + the quoted IRI: a graph readers see during the session
_VERSION = SESSION_PREFIX + "version/"  # + hex: replaced whenever a writer's session ends
_OURS = (STAGING_PREFIX, SESSION_PREFIX)  # graphs that are not data
_READERS = ".msp-graph-readers"  # readers' snapshots, inside the store directory
_SCRATCH = ".msp-graph-scratch-"  # scratch stores of replace_graphs, inside the store directory
_ROCKSDB_FILE = re.compile(r"CURRENT|IDENTITY|MANIFEST-\d+|OPTIONS-\d+|\d+\.(?:sst|log|blob)")
# The graphs an update moves, copies or adds data into: published in the same step as the update.
_INTO = re.compile(
    r"\b(?:MOVE|COPY|ADD)\s+(?:SILENT\s+)?(?:DEFAULT|(?:GRAPH\s+)?<[^<>\s]*>)"
    r"\s+TO\s+(?:GRAPH\s+)?<([^<>\s]*)>",
    re.IGNORECASE,
)
_BATCH = 100_000  # quads per bulk write (a difference, a parsed file): bounds the memory held
_PART = 8 << 20  # bytes of N-Triples / N-Quads per bulk load (cut at a line end): bounds the loader's memory
_BY_LINE = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)  # one statement a line: cut into parts
_SNAPSHOT_TRIES = 60
_KEPT: list[ox.Store] = []  # in-memory stores left for the process ending to free (keep_until_exit)
_ANY = "*"  # no version graph is named so: a writer that read nothing

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class EmbeddedStore(Store):
    """The default store: pyoxigraph in memory, or on disk when ``path`` is given.

    A store directory is created on first use and reopened later. ``mode`` (a store on disk): ``write``
    (the default) opens it for writing and holds its lock; ``read`` opens a read-only snapshot, beside any
    writer, and refuses writes; ``auto`` opens a snapshot and becomes a writer at its first write (taking the
    lock then; if another process changed the store meanwhile, ``StoreError``: what was read is out of date).
    Opening a directory that is not an Oxigraph store, a store another process writes (for writing), or a
    missing store (``read``) raises ``StoreError``.
    """

    def __init__(self, path: str | Path | None = None, *, mode: str = "write"):
        if mode not in MODES:
            raise StoreError(f"mode {mode!r}: unknown; use one of: {', '.join(MODES)}")
        self.path = Path(path) if path is not None else None
        self.mode = mode
        self._db: ox.Store | None = None
        self._writable = True
        self._unpublished: frozenset[str] = frozenset()  # what this reader must not see
        self._version: str | None = None  # the version this reader read
        self._finalizer: weakref.finalize | None = None
        self._log: changelog.Session | None = None  # a writer's entry in the change log (on disk)
        self._next = uuid.uuid4().hex  # the version this writer's session ends with
        if self.path is None:
            self._db = ox.Store()
            return
        _check_folder(self.path)
        if mode == "write" or (mode == "auto" and not (self.path / "CURRENT").is_file()):
            self._open_for_writing()
        elif not (self.path / "CURRENT").is_file():
            raise StoreError(
                f"{self.path}: no store there; make one with `msp-graph load --store {self.path}`"
            )
        else:
            self._open_for_reading()

    # --- opening ---------------------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """True while the store is open for reading only (modes ``read`` and, before a write, ``auto``)."""
        return not self._writable

    def _open_for_writing(self, *, read_version: str | None = _ANY) -> None:
        """Open for writing (the lock), undo what a crashed writer left, and begin a session. With
        ``read_version`` (the version a reader saw), refuse if another writer changed the store since."""
        try:
            db = ox.Store(str(self.path))
        except OSError as error:
            raise StoreError(f"{self.path}: cannot open the store for writing: {_why(error)}") from None
        try:
            with _errors(self.path):
                _recover(db, self.path)
                if read_version != _ANY and _version(db) != read_version:
                    raise StoreError(
                        f"{self.path}: another process changed the store while this command was reading "
                        "it, before it could write; run the command again"
                    )
                _begin(db)
                self._next = uuid.uuid4().hex
                self._log = changelog.Session(self.path, _version(db), _VERSION + self._next)
        except BaseException as error:
            del db  # the lock goes with it, not with the traceback's frames
            _forget(error)
            raise
        self._db, self._writable = db, True
        self._unpublished = frozenset()
        self._finalizer = weakref.finalize(self, _end_quietly, db)

    def _open_for_reading(self) -> None:
        taken = _snapshot(self.path)
        if taken is None:
            db = _open_read_only(self.path)
        else:
            db, release = taken
            self._finalizer = weakref.finalize(self, release)
        self._db, self._writable = db, False
        with _errors(self.path):
            self._version = _version(db)
            self._unpublished = frozenset(_unpublished(db))

    def _writer(self) -> ox.Store:
        """pyoxigraph for writing: a store read in mode ``auto`` becomes a writer here."""
        if self._writable:
            return self._db
        if self.mode == "read":
            raise StoreError(f"{self.path}: opened read-only (mode 'read'); open it for writing to change it")
        read = self._version
        self._release()
        self._open_for_writing(read_version=read)
        return self._db

    def try_write(self) -> bool:
        """Become a writer if no other process writes the store (and none has changed it since this one
        read it); else stay a reader and return False. For a command that can do its writing elsewhere."""
        if self._writable:
            return True
        if self.mode == "read":
            return False
        try:
            self._writer()
        except StoreError:
            if self._db is None:  # the reader was let go to take the lock: read again
                self._open_for_reading()
            return False
        return True

    @property
    def version(self) -> str | None:
        """The store's version now (a new one each time a writer's session ends); for a writer, the version
        its session ends with. None for a store in memory."""
        if self.path is None:
            return None
        return _VERSION + self._next if self._writable else self._version

    @contextlib.contextmanager
    def changing(self, quads: list[list[str]] | None, present: list[bool] | None = None) -> Iterator[None]:
        """Writes whose quads are ``quads`` (``changelog.quad_texts``; None: not known): logged before they
        happen, with whether each is in the store now (``present``, else looked up), and the log entry
        settled after them (``stores.changelog``)."""
        log = self._log
        if log is None:
            yield
            return
        if quads is not None and present is None:
            present = self.holds(quads)
        log.announce(quads, present)
        log.depth += 1
        try:
            yield
        finally:
            log.depth -= 1
        log.settle()

    def holds(self, quads: list[list[str]]) -> list[bool]:
        """Whether each quad (``changelog.quad_texts``) is in the store."""
        db = self._db
        return [changelog.parse_quad(q) in db for q in quads]

    @property
    def _store(self) -> ox.Store:
        """pyoxigraph itself, for code that reads and writes it directly (the rules reasoner). Such code may
        write, so a store read in mode ``auto`` becomes a writer first; mode ``read`` refuses. What it
        writes is not known: the change log marks the session unknown."""
        db = self._writer()
        if self._log is not None:
            self._log.unknown()
        return db

    def _release(self) -> None:
        """Let go of pyoxigraph: a reader's snapshot is removed; a writer's session must be ended first."""
        self._db = None
        finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer()

    def keep_until_exit(self) -> None:
        """Let an in-memory store outlive ``close``: the process ending frees it (a command about to end
        spares the second freeing 10^6 triples takes). Nothing to do for a store on disk."""
        if self.path is None and self._db is not None:
            _KEPT.append(self._db)

    def close(self) -> None:
        """End a writer's session (publishing what it wrote) and flush; remove a reader's snapshot."""
        if self._db is None:
            return
        if not (self._writable and self.path is not None):
            self._release()
            return
        db, self._db = self._db, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        with _errors(self.path):
            _end(db, self._next)
            db.flush()

    def __exit__(self, kind, error, trace) -> None:
        self.close()
        if self.path is not None:
            _forget(error)

    # --- writing ---------------------------------------------------------------------------------------

    def replace_graphs(
        self,
        sources: Sequence[tuple[str, str | Path | bytes, str | None]],
        *,
        then: str = "",
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """Replace several graphs as one transaction: readers, and the store after a crash, see all the old
        graphs or all the new.

        ``sources``: ``(graph, file or bytes, format)``; for quad formats ``graph`` receives the default-graph
        triples and the file's named graphs are added to. A graph the store does not hold yet (from a triple
        format) is bulk-loaded in place, where no other process sees it before the transaction. For a graph
        the store holds, the source is bulk-loaded into a scratch store and compared with the graph: only the
        triples to add and to remove are staged (so re-loading an unchanged file writes nothing to the
        graph). Then ONE update applies every change, publishes the new graphs and runs ``then`` (e.g. the
        metadata of the files). A failure at any point leaves the store as it was.
        """
        self._writer()
        targets = [_iri(graph) for graph, _, _ in sources]
        if len(set(targets)) < len(targets):
            raise StoreError("replace_graphs: the same graph twice; give each graph one source")
        work = _Work()
        try:
            for (graph, source, fmt), target in zip(sources, targets, strict=True):
                loaded = None
                if progress is not None:
                    shown = f"loading {source if not isinstance(source, bytes) else f'<{graph}>'}"
                    progress(shown)
                    loaded = functools.partial(progress, shown)
                work.operations += self._stage(target, source, fmt, work, loaded)
            if (work.operations or then.strip()) and progress is not None:
                progress(f"replacing {len(sources)} graph(s) in one transaction")
            self._commit(work, targets, then)
        except BaseException:
            self._discard([*work.new, *work.staging])
            raise
        self._discard(work.staging)
        if work.later:
            with self.changing(changelog.quad_texts(work.later)), _errors(self.path):
                self._db.bulk_extend(work.later)

    def replace_graph_from(
        self, source: EmbeddedStore, graph: str, *, changed: Callable[[ox.Quad], None] | None = None
    ) -> None:
        """Make ``graph`` hold what ``source`` (another embedded store, e.g. one in memory where a stage did
        its work) holds in it, as ``replace_graphs`` does for a file: written in place when the store does
        not hold the graph yet; otherwise only the triples to add and to remove are staged, and applied in
        one transaction (so replacing a big graph by a nearly equal one writes little, and a failure leaves
        the old graph). ``changed(quad)`` is called with each quad added to or removed from a graph the store
        held."""
        self._writer()
        target = _iri(graph)
        work = _Work()
        try:
            if self._has_graph(target):
                changes = self._changes(source._db, target, target, work, replace=True, changed=changed)
                work.operations += changes
            else:
                work.new.append(target)
                big = _size(source._db, target) > changelog.MOST
                with self.changing(None if big else changelog.quad_texts(source.quads(graph))):
                    self._write_quads(source.quads(graph))
            self._commit(work, [target], "")
        except BaseException:
            self._discard([*work.new, *work.staging])
            raise
        self._discard(work.staging)

    def _commit(self, work: _Work, targets: list[ox.NamedNode], then: str) -> None:
        """The one update that applies ``work``'s changes, publishes ``targets`` and runs ``then``."""
        if not (work.operations or then.strip()):
            return  # graphs loaded in place alone are published when the session ends
        update = [*self._publishing(targets), *work.operations, then.strip()]
        with self._logged(work, then), running_sparql("update", StoreError):
            self._db.update(" ;\n".join(op for op in update if op))

    @contextlib.contextmanager
    def _logged(self, work: _Work, then: str) -> Iterator[None]:
        """The transaction of ``replace_graphs`` in the change log: the staged quads (and the graphs loaded
        in place, when small) before it; what ``then`` changed in the graphs it names, after it."""
        if self._log is None:
            yield
            return
        quads: list[list[str]] | None = []
        for staging, target in work.moves:  # read no further than the log would keep
            if quads is None:
                break
            staged = self._db.quads_for_pattern(None, None, None, staging)
            found = itertools.islice(staged, changelog.MOST + 1)
            moved = changelog.quad_texts(ox.Quad(q.subject, q.predicate, q.object, target) for q in found)
            quads = None if len(quads) + len(moved) > changelog.MOST else quads + moved
        present = None if quads is None else self.holds(quads)
        for graph in work.new:  # loaded in place already, but new: none of their quads was there before
            big = _size(self._db, graph) > changelog.MOST
            quads = None if big or quads is None else quads + changelog.quad_texts(self._graph_quads(graph))
            present = None if quads is None else present + [False] * (len(quads) - len(present))
        named = changelog.graphs_named(then)
        if named is not None and sum(_size(self._db, self._graph_name(g)) for g in named) > changelog.MOST:
            named = None
        before = None if named is None else {g: self._graph_quads(g) for g in named}
        with self.changing(quads if before is not None else None, present):
            yield
            if before is not None:
                after = {g: self._graph_quads(g) for g in named}
                difference = changelog.difference(before, after)
                was = {tuple(t) for held in before.values() for t in changelog.quad_texts(held)}
                self._log.announce(difference, [tuple(q) in was for q in difference])

    @staticmethod
    def _graph_name(graph: str | ox.NamedNode) -> ox.NamedNode | ox.DefaultGraph:
        return ox.DefaultGraph() if graph == "" else ox.NamedNode(graph) if isinstance(graph, str) else graph

    def _graph_quads(self, graph: str | ox.NamedNode) -> set[ox.Quad]:
        return set(self._db.quads_for_pattern(None, None, None, self._graph_name(graph)))

    def _stage(self, target: ox.NamedNode, source, fmt: str | None, work: _Work, loaded=None) -> list[str]:
        """Load one source where the transaction will find it; return the operations that put it in place.
        ``loaded(done=bytes read, total=bytes, count=triples read)`` as the source is read."""
        kind = rdf_format(fmt or "ttl") if isinstance(source, bytes) else file_source(source, fmt)[1]
        if not kind.quads and not self._has_graph(target):
            work.new.append(target)
            self._bulk_load(source, fmt, target, loaded=loaded)
            return []
        folder = self.path / f"{_SCRATCH}{uuid.uuid4().hex}" if self.path is not None else None
        try:
            with _errors(self.path):
                scratch = ox.Store(str(folder) if folder is not None else None)
            self._bulk_load(source, fmt, None, scratch=scratch, loaded=loaded)
            operations = self._changes(scratch, ox.DefaultGraph(), target, work, replace=True)
            for name in scratch.named_graphs():
                if isinstance(name, ox.BlankNode):  # cannot be named in an update: added after it
                    work.later += scratch.quads_for_pattern(None, None, None, name)
                else:
                    operations += self._changes(scratch, name, name, work, replace=False)
        finally:
            scratch = None  # closed before its folder (in the store directory, on the same disk) goes
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        return operations

    def _changes(
        self, scratch: ox.Store, source, target, work: _Work, *, replace: bool, changed=None
    ) -> list[str]:
        """Stage what turns ``target`` into ``scratch``'s graph ``source`` (``replace``) or adds it to
        ``target``: the triples to add and those to remove, each into a staging graph of their own (a
        stored blank node keeps its identity there); return the operations that apply them.
        ``changed(quad)``: called with each quad staged, in ``target``."""
        adding, tally = _staging_graph(), collections.Counter()

        def new() -> Iterator[ox.Quad]:
            """The quads of ``source`` that ``target`` lacks (told to ``changed``), counted by group."""
            for q in scratch.quads_for_pattern(None, None, None, source):
                if ox.Quad(q.subject, q.predicate, q.object, target) not in self._db:
                    _tell(changed, q, target)
                    tally[_group(q)] += 1
                    yield ox.Quad(q.subject, q.predicate, q.object, adding)

        added = self._stage_quads(new(), adding, work)
        operations = [_apply("INSERT", adding, target)] if added else []
        work.moves += [(adding, target)] if added else []
        if replace and self.count(target.value) > _size(scratch, source) - added:
            # Only the groups (a predicate; rdf:type: a class) that lost triples are read from the target:
            # reading every quad of a store on disk costs 9 us (6.7 s for an inferred graph at 10^6).
            removing, now = _staging_graph(), _groups(scratch, source)
            lost = [g for g, n in _groups(self._db, target).items() if n - now.get(g, 0) + tally[g] > 0]

            def gone() -> Iterator[ox.Quad]:
                for p, c in lost:
                    for q in self._db.quads_for_pattern(None, p, c, target):
                        if ox.Quad(q.subject, q.predicate, q.object, source) not in scratch:
                            _tell(changed, q, target)
                            yield ox.Quad(q.subject, q.predicate, q.object, removing)

            self._stage_quads(gone(), removing, work)
            operations.append(_apply("DELETE", removing, target))
            work.moves.append((removing, target))
        return operations

    def _stage_quads(self, quads: Iterable[ox.Quad], graph: ox.NamedNode, work: _Work) -> int:
        """Bulk-write ``quads`` (into the staging graph ``graph``) in batches; return how many."""
        work.staging.append(graph)
        return self._write_quads(quads)

    def _write_quads(self, quads: Iterable[ox.Quad]) -> int:
        """Bulk-write ``quads`` in batches (no transaction: into a graph no reader sees yet); how many."""
        written, batch = 0, []
        with _errors(self.path):
            for quad in quads:
                batch.append(quad)
                if len(batch) >= _BATCH:
                    self._db.bulk_extend(batch)
                    written, batch = written + len(batch), []
            if batch:
                self._db.bulk_extend(batch)
        return written + len(batch)

    def _publishing(self, targets: Iterable[ox.NamedNode]) -> list[str]:
        """The operations that let readers see every graph of the store now, and ``targets``."""
        if self.path is None:
            return []
        names = {g.value for g in self._db.named_graphs() if isinstance(g, ox.NamedNode)}
        names = {n for n in names if not n.startswith(_OURS)} | {t.value for t in targets}
        return [f"CREATE SILENT GRAPH {_marker(n)}" for n in sorted(names)]

    def _discard(self, graphs: Iterable[ox.NamedNode]) -> None:
        for graph in graphs:
            with contextlib.suppress(OSError, RuntimeError):
                self._db.remove_graph(graph)

    def _bulk_load(
        self, source, format: str | None, graph: ox.NamedNode | None, *, scratch=None, loaded=None
    ) -> None:
        """Load ``source`` into ``graph`` (None: where the file says, in ``scratch``); on disk a bounded part
        at a time, so the memory held is bounded by the store, not by the file (one ``bulk_load`` of 3x10^6
        triples held 2.2 GB); ``loaded(done=bytes read, total=bytes, count=triples read)`` after each part."""
        if isinstance(source, bytes):
            where, fmt, base, opened = "<data>", rdf_format(format or "ttl"), None, io.BytesIO(source)
        else:
            where, fmt, base = file_source(source, format)
            opened = None
        db = self._db if scratch is None else scratch
        if self.path is None:  # in memory the store holds it all anyway: one load in Rust, 2.5x less CPU
            # ``load``, not ``bulk_load``: in memory it is the faster (10^6 triples: 3.1 s against 3.3 s;
            # 4x10^6: 11.3 s against 13.8 s) and holds less (426 MB against 665 MB at 10^6).
            data = {"input": source} if isinstance(source, bytes) else {"path": str(source)}
            with parsing(where):
                db.load(**data, format=fmt.oxigraph, to_graph=graph, base_iri=base)
            return
        with parsing(where), opened or open(source, "rb") as handle:
            total = handle.seek(0, io.SEEK_END)
            handle.seek(0)
            count = 0
            for done, read in _load_parts(db, handle, fmt, base, graph):
                count += read
                if loaded is not None:
                    loaded(done=min(done, total), total=total, count=count)

    def _has_graph(self, graph: ox.NamedNode) -> bool:
        return next(self._db.quads_for_pattern(None, None, None, graph), None) is not None

    def add(self, data: rdflib.Graph, *, graph: str) -> int:
        target = ox.NamedNode(graph)
        self._writer()
        if self._log is not None:
            self._log.unknown()
        with _errors(self.path):
            self._db.extend(
                ox.Quad(term(s), term(p), term(o), target) for s, p, o in data.triples((None, None, None))
            )
        return len(data)

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 update as one transaction. A graph it moves, copies or adds into is published to
        readers with it (its name marked visible just before); other graphs it creates, when the store closes.
        """
        self._writer()
        into = sorted(set(_INTO.findall(sparql))) if self.path is not None else []
        if into:
            with _errors(self.path):
                self._db.update(" ;\n".join(f"CREATE SILENT GRAPH {_marker(iri)}" for iri in into))
        quads = changelog.data_quads(sparql) if self._log is not None else None
        with self.changing(quads), running_sparql("update"):
            self._db.update(sparql)

    def drop(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")

    # --- reading ---------------------------------------------------------------------------------------

    def _hidden(self) -> frozenset[str]:
        """What queries must not see: staging graphs holding triples and, for a reader, what no writer had
        published when it opened (fixed: a reader's snapshot does not change)."""
        if not self._writable:
            return self._unpublished
        return frozenset(
            g.value
            for g in self._db.named_graphs()
            if isinstance(g, ox.NamedNode) and g.value.startswith(STAGING_PREFIX) and self._has_graph(g)
        )

    def query(self, sparql: str):
        hidden = self._hidden()
        with running_sparql("query"):
            if not hidden:
                return self._db.query(sparql, use_default_graph_as_union=True)
            shown = [
                g
                for g in self._db.named_graphs()
                if not (isinstance(g, ox.NamedNode) and (g.value in hidden or g.value.startswith(_OURS)))
            ]
            # A writer still names its own staging graphs in GRAPH clauses (the reasoner does).
            named = None if self._writable else shown
            return self._db.query(sparql, default_graph=[*shown, ox.DefaultGraph()], named_graphs=named)

    def dump(self, *, format: str, graphs: Iterable[str] | None = None) -> bytes:
        fmt = rdf_format(format)
        names = list(graphs) if graphs is not None else self.graphs()
        names = [n for n in names if n not in self._unpublished]
        if fmt.quads:
            quads = [
                q for name in names for q in self._db.quads_for_pattern(None, None, None, ox.NamedNode(name))
            ]
            return ox.serialize(quads, format=fmt.oxigraph) or b""
        triples = {
            ox.Triple(q.subject, q.predicate, q.object)
            for name in names
            for q in self._db.quads_for_pattern(None, None, None, ox.NamedNode(name))
        }
        out = io.BytesIO()
        ox.serialize(sorted(triples, key=str), out, format=fmt.oxigraph)
        return out.getvalue()

    def graphs(self) -> list[str]:
        return sorted(
            g.value
            for g in self._db.named_graphs()
            if isinstance(g, ox.NamedNode)
            and not g.value.startswith(_OURS)
            and g.value not in self._unpublished
            and self._has_graph(g)
        )

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            if not self._hidden():
                return len(self._db)
            default = sum(1 for _ in self._db.quads_for_pattern(None, None, None, ox.DefaultGraph()))
            return default + sum(self.count(name) for name in self.graphs())
        if graph in self._unpublished:
            return 0
        rows = self._db.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)

    def quads(self, graph: str) -> Iterator[ox.Quad]:
        """The quads of ``graph`` ("": the default graph) as pyoxigraph holds them (a blank node stays the
        same node when they are written to another store), for reading: unlike ``_store``, no write is
        implied."""
        if graph in self._unpublished:
            return iter(())
        return self._db.quads_for_pattern(None, None, None, self._graph_name(graph))


@dataclass
class _Work:
    """What ``replace_graphs`` has written so far: graphs loaded in place, staging graphs, the operations of
    its transaction, and quads to add after it (named by a blank node); the staging graphs the transaction
    adds to or removes from a target (``moves``, for the change log)."""

    new: list[ox.NamedNode] = field(default_factory=list)
    staging: list[ox.NamedNode] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    later: list[ox.Quad] = field(default_factory=list)
    moves: list[tuple[ox.NamedNode, ox.NamedNode]] = field(default_factory=list)  # staging -> target


def _iri(graph: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(graph)
    except (TypeError, ValueError):
        raise StoreError(f"graph {graph!r}: not a valid IRI") from None


def _tell(changed: Callable[[ox.Quad], None] | None, quad: ox.Quad, graph) -> None:
    """Tell ``changed`` (when given) of ``quad``, put in ``graph``."""
    if changed is not None:
        changed(ox.Quad(quad.subject, quad.predicate, quad.object, graph))


def _group(quad: ox.Quad) -> tuple:
    """The group of ``quad`` that ``_groups`` counts it in."""
    return (quad.predicate, quad.object if quad.predicate == _RDF_TYPE else None)


def _groups(store: ox.Store, graph) -> dict[tuple, int]:
    """How many triples ``graph`` holds of each predicate, and for ``rdf:type`` of each class: keyed
    (predicate, class or None), counted by the store."""
    pattern = "?s ?p ?o" if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{ ?s ?p ?o }}"
    rows = store.query(
        f"SELECT ?p ?c (COUNT(*) AS ?n) WHERE {{ {pattern} BIND (IF(?p = {_RDF_TYPE}, ?o, 0) AS ?c) }} "
        "GROUP BY ?p ?c"
    )
    return {(r["p"], r["c"] if r["p"] == _RDF_TYPE else None): int(r["n"].value) for r in rows}


def _apply(verb: str, staging: ox.NamedNode, target: ox.NamedNode) -> str:
    return f"{verb} {{ GRAPH {target} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {staging} {{ ?s ?p ?o }} }}"


def _load_parts(db: ox.Store, handle, fmt, base: str | None, graph) -> Iterator[tuple[int, int]]:
    """``_bulk_load``'s work, yielding (bytes read, triples written) after each part. N-Triples and N-Quads:
    ``_PART`` bytes cut at a line end per bulk load while no part names a blank node. From the first one
    that does (a label names one node across the whole file, and each bulk load gives labels new nodes),
    and for the other formats: one parser over the rest of the file, its quads written ``_BATCH`` at a time.
    """
    lines = 0
    if fmt.oxigraph in _BY_LINE:
        while part := handle.read(_PART):
            part += handle.readline()  # to the end of the line
            if b"_:" in part:
                handle.seek(-len(part), io.SEEK_CUR)
                break
            with _counted_from(lines):
                db.bulk_load(input=part, format=fmt.oxigraph, to_graph=graph, base_iri=base)
            read = part.count(b"\n")
            lines += read
            yield handle.tell(), read
        else:
            return
    parser = ox.parse(handle, format=fmt.oxigraph, base_iri=base, rename_blank_nodes=True)
    with _counted_from(lines):
        while batch := list(itertools.islice(parser, _BATCH)):
            if graph is not None:
                batch = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in batch]
            db.bulk_extend(batch)
            yield handle.tell(), len(batch)


@contextlib.contextmanager
def _counted_from(lines: int) -> Iterator[None]:
    """A parse error in a part of a file that starts after ``lines`` lines, with the file's line numbers."""
    try:
        yield
    except SyntaxError as error:
        if not lines or error.lineno is None:
            raise
        end = error.end_lineno + lines if error.end_lineno is not None else None
        where = (error.filename, error.lineno + lines, error.offset, error.text, end, error.end_offset)
        raise SyntaxError(error.msg, where) from None


def _size(store: ox.Store, graph) -> int:
    pattern = "?s ?p ?o" if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{ ?s ?p ?o }}"
    return int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")))["n"].value)


def _staging_graph() -> ox.NamedNode:
    return ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4().hex}")


def _marker(graph: str) -> ox.NamedNode:
    return ox.NamedNode(_VISIBLE + urllib.parse.quote(graph, safe=""))


@contextlib.contextmanager
def _errors(path: Path | None) -> Iterator[None]:
    """pyoxigraph's storage errors (disk full, permissions, a corrupt store) as one ``StoreError``."""
    try:
        yield
    except (OSError, RuntimeError) as error:
        raise StoreError(f"{path or 'the store'}: {short(error)}") from None


def _forget(error: BaseException | None) -> None:
    """Clear the local variables of the frames ``error`` (and the errors it arose from) went through.

    pyoxigraph has no ``close()``: a store, and its lock, lives while anything refers to it, and the frames
    of a traceback do (a caller may keep the exception: click's test runner does). The lines stay."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error = error.__context__


def _check_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: not a directory; --store needs a directory (created if missing)")
    if path.is_dir() and any(path.iterdir()) and not (path / "CURRENT").exists():
        raise StoreError(
            f"{path}: not an msp-graph store (no Oxigraph database found); use another directory"
        )


def _why(error: OSError) -> str:
    text = str(error)
    if "While lock file" in text or "lock hold by" in text:
        return (
            "locked by another process (one writer at a time: run this when it is done; commands that only "
            "read can run beside it)"
        )
    if "Permission denied" in text or "Read-only file system" in text:
        return "permission denied (commands that only read can still open it)"
    return short(error)


# --- a writer's session ------------------------------------------------------------------------------------


def _names(db: ox.Store) -> list[str]:
    return [g.value for g in db.named_graphs() if isinstance(g, ox.NamedNode)]


def _holds(db: ox.Store, name: str) -> bool:
    return next(db.quads_for_pattern(None, None, None, ox.NamedNode(name)), None) is not None


def _visible(names: Iterable[str]) -> set[str]:
    return {urllib.parse.unquote(n[len(_VISIBLE) :]) for n in names if n.startswith(_VISIBLE)}


def _version(db: ox.Store) -> str | None:
    return next((n for n in _names(db) if n.startswith(_VERSION)), None)


def _unpublished(db: ox.Store) -> set[str]:
    """The graphs a reader must not see: staging graphs holding triples and, while a writer's session is
    open, the graphs it has not published."""
    names = _names(db)
    hidden = {n for n in names if n.startswith(STAGING_PREFIX) and _holds(db, n)}
    if _SESSION in names:
        visible = _visible(names)
        hidden |= {n for n in names if not n.startswith(_OURS) and n not in visible and _holds(db, n)}
    return hidden


def _begin(db: ox.Store) -> None:
    """Open a session: the graphs there now are the ones readers see until the writer publishes more."""
    names = [n for n in _names(db) if not n.startswith(_OURS)]
    db.update(" ;\n".join(f"CREATE SILENT GRAPH {g}" for g in [ox.NamedNode(_SESSION), *map(_marker, names)]))


def _end(db: ox.Store, version: str | None = None) -> None:
    """Close the session: every graph is published; staging graphs left by failed cleanups are removed; the
    version changes (a reader that wants to write then knows its snapshot is out of date) to ``version``
    (hex; the one the session's change log entry names) or a new one."""
    names = _names(db)
    for name in names:
        if name.startswith(STAGING_PREFIX):
            db.remove_graph(ox.NamedNode(name))
    control = [n for n in names if n.startswith(SESSION_PREFIX)]
    drops = [f"DROP SILENT GRAPH {ox.NamedNode(n)}" for n in control]
    name = _VERSION + (version or uuid.uuid4().hex)
    db.update(" ;\n".join([*drops, f"CREATE SILENT GRAPH {ox.NamedNode(name)}"]))


def _end_quietly(db: ox.Store) -> None:
    """``_end`` for a writer nobody closed, when it is collected or the interpreter exits."""
    with contextlib.suppress(Exception):
        _end(db)
        db.flush()


def _recover(db: ox.Store, path: Path) -> None:
    """Undo what a writer that stopped without closing left: the graphs it made and never published (no
    reader saw them), its staging graphs and scratch stores; and the snapshots of readers that are gone.
    Nothing else to do after a clean close."""
    names = _names(db)
    if _SESSION in names:
        visible = _visible(names)
        for name in names:
            if not name.startswith(_OURS) and name not in visible:
                db.remove_graph(ox.NamedNode(name))
        _end(db)
    else:
        for name in names:
            if name.startswith(STAGING_PREFIX):
                db.remove_graph(ox.NamedNode(name))
    for scratch in path.glob(f"{_SCRATCH}*"):
        shutil.rmtree(scratch, ignore_errors=True)
    if fcntl is not None and (path / _READERS).is_dir():
        _sweep(path / _READERS)  # snapshots of killed readers hold on to files the store deleted


# --- a reader's snapshot -----------------------------------------------------------------------------------


def _open_read_only(path: Path) -> ox.Store:
    """The store itself, read-only (no snapshot could be made: a read-only directory, no hard links)."""
    for attempt in range(10):
        try:
            return ox.Store.read_only(str(path))
        except (OSError, RuntimeError) as error:
            if "Permission denied" in str(error) or attempt == 9:
                raise StoreError(f"{path}: cannot open the store for reading: {short(error)}") from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _snapshot(path: Path) -> tuple[ox.Store, Callable[[], None]] | None:
    """A read-only store on hard links to ``path``'s files in a folder of this process's own, and the
    function that removes it; None where no snapshot can be made."""
    if fcntl is None:
        return None
    folder = path / _READERS
    try:
        folder.mkdir(exist_ok=True)
        _sweep(folder)
        lock, target = _claim(folder)
    except OSError:
        return None
    release = functools.partial(_remove_snapshot, lock, target)
    try:
        store = _linked(path, target)
    except BaseException:
        release()
        raise
    if store is None:
        release()
        return None
    return store, release


def _linked(path: Path, target: Path) -> ox.Store | None:
    """Link the store's files into ``target`` and open them read-only; again while a writer changed the
    store's file list meanwhile (the state is then taken again). None on a file system without links."""
    for attempt in range(_SNAPSHOT_TRIES):
        store = None
        try:
            before = _state(path)
            target.mkdir()
            for name in os.listdir(path):
                if _ROCKSDB_FILE.fullmatch(name):
                    with contextlib.suppress(FileNotFoundError):  # deleted meanwhile: the state tells
                        os.link(path / name, target / name)
            store = ox.Store.read_only(str(target))
            if _state(path) == before:
                return store
        except PermissionError:
            return None
        except OSError as error:
            if error.errno not in (None, errno.ENOENT, errno.EEXIST):  # else no hard links here
                return None
        except RuntimeError:
            pass
        store = None
        shutil.rmtree(target, ignore_errors=True)
        time.sleep(min(0.01 * (attempt + 1), 0.2))
    return None


def _state(path: Path) -> tuple:
    """What changes when a writer changes the store's files: CURRENT and the manifest it names (table files
    are added and deleted only by an edit of the manifest). The write-ahead log only grows between two
    manifest edits, a whole transaction per record, so a snapshot may replay more of it, never a part."""
    current = path / "CURRENT"
    manifest = path / current.read_text(encoding="ascii").strip()
    a, b = os.stat(current), os.stat(manifest)
    return (a.st_ino, a.st_mtime_ns, manifest.name, b.st_ino, b.st_size, b.st_mtime_ns)


def _claim(folder: Path) -> tuple[int, Path]:
    """A snapshot folder name of this process's own, and its lock (held while the process reads)."""
    for _ in range(10):
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        fd = os.open(folder / f"{name}.lock", os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_nlink > 0:  # not removed by a sweep between open and lock
                return fd, folder / name
        except OSError:
            pass
        os.close(fd)
    raise OSError("no snapshot folder could be claimed")


def _sweep(folder: Path) -> None:
    """Remove the snapshots of readers that are gone (their lock is free)."""
    for lock in folder.glob("*.lock"):
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        try:
            shutil.rmtree(lock.with_suffix(""), ignore_errors=True)
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)


def _remove_snapshot(lock: int, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    with contextlib.suppress(OSError):
        target.with_name(f"{target.name}.lock").unlink()
    with contextlib.suppress(OSError):
        os.close(lock)
