"""Loading the ontology, the vocabularies and data files into a store, with provenance.

What goes where (see ``docs/model.md``):

* ``ontology/msp.ttl`` + ``ontology/imports/*`` + ``vocab/*`` -> one graph, ``ONTOLOGY_GRAPH``;
* each data file -> its own graph, ``source_graph(slug)`` (the slug is the file name without suffix), replaced
  atomically when the file is loaded again;
* a description of every source graph -> ``METADATA_GRAPH``: ``a prov:Entity``, ``dct:source`` the file's
  name (``source_name``: relative, never an absolute path), ``dct:identifier "sha256:<hex>"`` (the SHA-256 of
  the file's bytes) and ``prov:generatedAtTime`` (the load time: the store's own record, exported only on
  request, see ``docs/export.md``).

Files are all parsed before anything is written, so one bad file among several changes nothing.

>>> store = open_store()
>>> load_bundled(store)                                   # doctest: +SKIP
>>> ONTOLOGY_GRAPH in store.graphs()                      # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import EndpointError, LoadError
from .resources import bundled_dir
from .stores import (
    GRAPH_BASE,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    EmbeddedStore,
    RemoteStore,
    Store,
    file_source,
    open_remote,
    rdf_format,
    read_source,
    source_graph,
    written,
)
from .stores.terms import STDIN, is_packed, parsing, unpack

__all__ = [
    "METADATA_GRAPH",
    "RDF_SUFFIXES",
    "SOURCE_PREFIX",
    "Source",
    "asserted_graphs",
    "bundled_data_files",
    "check_files",
    "describe_source",
    "load_bundled",
    "load_files",
    "load_ontology",
    "ontology_files",
    "open_data",
    "open_store",
    "open_workspace",
    "parse_file",
    "pull",
    "push",
    "slug_for",
    "source_graphs",
    "source_name",
    "unpacked",
]

METADATA_GRAPH = GRAPH_BASE + "metadata"
SOURCE_PREFIX = source_graph("")
# The files a folder load picks up. Not every suffix of the format table (``stores.FORMATS``): a folder may
# hold JSON-LD contexts and XML that is not RDF, so .jsonld and .xml files are loaded only when named.
RDF_SUFFIXES = (".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl", ".n3")

_PROV = "http://www.w3.org/ns/prov#"
_DCT = "http://purl.org/dc/terms/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# The syntaxes whose typed literals the byte scan of ``stores.written`` finds; the others (RDF/XML, JSON-LD)
# are parsed again to find the literals the store rewrites.
_SCANNED = (".nt", ".nq", ".ttl", ".trig", ".n3")

# progress(message) at each step; while a file loads, again with done=bytes read, total=bytes, count=triples
Progress = Callable[..., None]


def open_store(path: str | Path | None = None, *, mode: str = "write") -> EmbeddedStore:
    """An embedded store: in memory, or on disk in ``path`` (created on first use, reopened later).

    ``mode`` (on disk): ``write`` holds the store's lock (one writer at a time); ``read`` reads a snapshot
    beside any writer and never writes; ``auto`` reads until its first write, which takes the lock.

    >>> store = open_store()
    >>> store.graphs()
    []
    """
    return EmbeddedStore(path, mode=mode)


def _rdf_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in RDF_SUFFIXES)


def ontology_files() -> list[Path]:
    """The bundled ontology, its import modules and the concept schemes, in load order."""
    files = _rdf_files(bundled_dir("ontology")) + _rdf_files(bundled_dir("vocab"))
    data = _optional_dir("data")
    if data is not None and (data / "vocab").is_dir():
        files += _rdf_files(data / "vocab")
    return files


def _optional_dir(name: str) -> Path | None:
    try:
        return bundled_dir(name)
    except FileNotFoundError:
        return None


def bundled_data_files() -> list[Path]:
    """The curated data files shipped with msp-graph (``data/``, without ``data/vocab``)."""
    data = _optional_dir("data")
    if data is None:
        return []
    return [p for p in _rdf_files(data) if "vocab" not in p.relative_to(data).parts[:-1]]


def slug_for(path: str | Path) -> str:
    """The source-graph slug of a file: its name without suffix (and without ``.gz``: a compressed file
    loads into the graph of the plain one), lower case, ``[a-z0-9-]`` only; ``stdin`` for standard input.

    >>> slug_for("data/Alliance 8.7.ttl"), slug_for("data/alliance.ttl.gz"), slug_for("-")
    ('alliance-8-7', 'alliance', 'stdin')
    """
    name = "stdin" if str(path) == STDIN else Path(path).name
    name = name[:-3] if name.lower().endswith(".gz") else name
    slug = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")
    return slug or "source"


@dataclass(frozen=True)
class Source:
    """One RDF input: ``given`` as named (a file, ``data.ttl.gz``, or ``-`` for standard input), ``path``
    the regular file read (``given`` itself, or its copy made by ``unpacked``), ``format`` the format
    given for it (None: from the name)."""

    given: str | Path
    path: Path
    format: str | None = None


@contextlib.contextmanager
def unpacked(paths: Iterable[str | Path | Source], format: str | None = None) -> Iterator[list[Source]]:
    """The ``Source`` of each input, for as long as the ``with`` lasts: standard input (``-``, at most once)
    and ``.gz`` files copied (decompressed) as a stream into regular files in a temporary folder, removed
    afterwards (``stores.terms.unpack``: the limit ``max_file_bytes`` holds for the decompressed bytes);
    other files read where they are. ``format``: the format of every input (standard input needs one).

    A file, and not memory, so that a store's loader reads it as it reads any file: a 10^6-triple input is
    never held in memory whole (once decompressed, then again by the parser)."""
    given = [p if isinstance(p, Source) else p if str(p) == STDIN else Path(p) for p in paths]
    if sum(str(p) == STDIN for p in given) > 1:
        raise LoadError("-: standard input given more than once; give - once")
    with contextlib.ExitStack() as stack:
        folder = None
        sources = []
        for item in given:
            if isinstance(item, Source):
                sources.append(item)
            elif is_packed(item):
                if folder is None:
                    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="msp-graph-input-"))
                sources.append(Source(item, unpack(item, format, folder), format))
            else:
                sources.append(Source(item, item, format))
        yield sources


def parse_file(path: str | Path, *, format: str | None = None) -> list[ox.Quad]:
    """Parse one RDF file completely; ``LoadError`` names ``file:line:column`` on a syntax error, and the
    file for what ``check_files`` refuses or a term over the parser's 16 MiB buffer."""
    where, data, fmt, base = read_source(Path(path), format)
    with parsing(where):
        return list(ox.parse(data, format=fmt.oxigraph, base_iri=base))


def _nt(quads: Iterable[ox.Quad]) -> bytes:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def load_ontology(store: Store, *, files: Sequence[Path] | None = None) -> int:
    """Replace ``ONTOLOGY_GRAPH`` with the ontology, its imports and the vocabularies; return its size."""
    return store.load(_ontology_nt(files), graph=ONTOLOGY_GRAPH, format="nt")


def _ontology_nt(files: Sequence[Path] | None = None) -> bytes:
    return _nt(q for path in (files if files is not None else ontology_files()) for q in parse_file(path))


def source_graphs(store: Store) -> list[str]:
    """The IRIs of the data-source graphs in ``store``."""
    return [g for g in store.graphs() if g.startswith(SOURCE_PREFIX)]


def asserted_graphs(store: Store, *, ontology: bool = True, metadata: bool = False) -> list[str]:
    """Every graph holding asserted triples: ontology (optional), sources and other user graphs.

    The inferred graph is never asserted; the metadata graph (descriptions of the graphs) only on request.
    """
    skip = {INFERRED_GRAPH}
    if not ontology:
        skip.add(ONTOLOGY_GRAPH)
    if not metadata:
        skip.add(METADATA_GRAPH)
    return [g for g in store.graphs() if g not in skip]


def _unique_slugs(paths: Sequence[str | Path]) -> list[str]:
    seen: dict[str, int] = {}
    slugs = []
    for path in paths:
        slug = slug_for(path)
        seen[slug] = seen.get(slug, 0) + 1
        slugs.append(slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
    return slugs


def source_name(source: str | Path) -> str:
    """How the metadata names a loaded file: the same on every machine, never an absolute path.

    * a URL (``https://...``, given as a string): the URL;
    * a file in the bundled data folder: its path relative to that folder (``partnerships/gan.ttl``);
    * a file under the current folder: its path relative to the current folder (``data/alliance.ttl``);
    * any other file: its base name;
    * standard input (``-``): ``stdin``.

    Paths use ``/`` whatever the system.

    >>> source_name("https://example.org/alliance.ttl")
    'https://example.org/alliance.ttl'
    >>> source_name("/elsewhere/alliance.ttl")
    'alliance.ttl'
    """
    if isinstance(source, str) and _URL.match(source):
        return source
    if str(source) == STDIN:
        return "stdin"
    path = Path(source).resolve()
    folders = [Path.cwd().resolve()]
    data = _optional_dir("data")
    if data is not None:
        folders.insert(0, data.resolve())
    for folder in folders:
        if path.is_relative_to(folder):
            return path.relative_to(folder).as_posix()
    return path.name


def describe_source(graph: str, *, name: str, sha256: str, when: str | None = None) -> str:
    """SPARQL update replacing the description of one source graph in ``METADATA_GRAPH``.

    ``name``: what ``source_name`` gives; ``sha256``: the hex SHA-256 of the file's bytes; ``when``: the load
    time (``xsd:dateTime``; default: now, UTC, to the second). The description is ``a prov:Entity``,
    ``dct:source name``, ``dct:identifier "sha256:<hex>"`` and ``prov:generatedAtTime when``.
    """
    g, meta = ox.NamedNode(graph), ox.NamedNode(METADATA_GRAPH)
    stamp = ox.Literal(when or _now(), datatype=ox.NamedNode(_XSD + "dateTime"))
    return (
        f"DELETE WHERE {{ GRAPH {meta} {{ {g} ?p ?o }} }} ;\n"
        f"INSERT DATA {{ GRAPH {meta} {{ {g} a <{_PROV}Entity> ; "
        f"<{_DCT}source> {ox.Literal(name)} ; <{_DCT}identifier> {ox.Literal('sha256:' + sha256)} ; "
        f"<{_PROV}generatedAtTime> {stamp} . }} }}"
    )


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def load_files(
    store: Store,
    paths: Sequence[str | Path | Source],
    *,
    replace: bool = False,
    progress: Progress | None = None,
    format: str | None = None,
) -> list[str]:
    """Load data files, one source graph each; return the graph IRIs written.

    Each file is parsed once, by the store's loader. One transaction (``Store.replace_graphs``): the files'
    graphs, their metadata and, with ``replace=True``, the removal of the source graphs not among ``paths``
    (the files replace the data held so far; otherwise those are kept) happen together or not at all, for a
    reader meanwhile and after a crash. A missing or malformed file raises ``LoadError`` and changes nothing.
    ``-`` reads standard input, ``.gz`` files are decompressed (``unpacked``); ``format`` (``ttl``, ``nt``...)
    is the format of every file, whatever its name (standard input needs it).
    """
    with unpacked(paths, format) as sources:
        return _load(store, sources, replace=replace, progress=progress)


def _load(
    store: Store,
    files: list[Source],
    *,
    replace: bool = False,
    progress: Progress | None = None,
    ontology: bool = False,
) -> list[str]:
    """``load_files``; with ``ontology``, the bundled ontology and vocabularies in the same transaction."""
    check_files(files)
    graphs = [source_graph(slug) for slug in _unique_slugs([f.given for f in files])]
    when = _now()
    then = [
        describe_source(graph, name=source_name(file.given), sha256=_sha256(file.path), when=when)
        for graph, file in zip(graphs, files, strict=True)
    ]
    records = written.names(store)
    then += _as_written(graphs, files, records)
    if replace:
        meta = ox.NamedNode(METADATA_GRAPH)
        for old in map(ox.NamedNode, source_graphs(store)):
            if old.value not in graphs:
                then += [f"DROP SILENT GRAPH {old}", f"DELETE WHERE {{ GRAPH {meta} {{ {old} ?p ?o }} }}"]
                then += written.record(old.value, [], records.get(old.value, ()))
    sources: list[tuple[str, str | Path | bytes, str | None]]
    sources = [(graph, file.path, file.format) for graph, file in zip(graphs, files, strict=True)]
    if ontology:
        if progress is not None:
            progress("loading the ontology and vocabularies")
        sources.insert(0, (ONTOLOGY_GRAPH, _ontology_nt(), "nt"))
    store.replace_graphs(sources, then=" ;\n".join(then), progress=progress)
    return graphs


def _as_written(graphs: list[str], files: list[Source], records: dict[str, list[str]]) -> list[str]:
    """The updates replacing the records of literals the store rewrites (``stores.written``) of the graphs
    ``files`` load. A file in a syntax the byte scan reads (``_SCANNED``) is parsed here a second time only
    when the scan finds a literal that may be one; the file's own named graphs (TriG, N-Quads) get their
    records too."""
    ops: list[str] = []
    for graph, file in zip(graphs, files, strict=True):
        found: dict[str, list[ox.Triple]] = {graph: []}
        suffix = "." + rdf_format(file.format or file.path).suffix
        if suffix not in _SCANNED or written.may_change(file.path, bare_numbers=suffix not in (".nt", ".nq")):
            for quad in parse_file(file.path, format=file.format):
                name = graph if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name
                if isinstance(name, ox.NamedNode):
                    name = name.value
                if isinstance(name, str):
                    found.setdefault(name, []).append(quad)
        for name, quads in found.items():
            ops += written.record(name, written.changed(quads), records.get(name, ()))
    return ops


def check_files(paths: Iterable[str | Path | Source], *, format: str | None = None) -> None:
    """``LoadError`` for the first path that is missing, not a regular file, unreadable, over the limit
    ``max_file_bytes``, of no known RDF format, or refused by ``stores.terms.screen`` (XML entity
    declarations, nesting that would crash the parser, UTF-16, a BOM): what can be told without parsing
    (syntax errors come from the one parse, when the file is loaded). The store's loader does not screen a
    file checked here again unless it changed. Standard input and ``.gz`` files are read (``unpacked``) to
    be checked: to check and then load them, check and load what ``unpacked`` gives."""
    with unpacked(paths, format) as sources:
        for source in sources:
            file_source(source.path, source.format)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:  # removed or replaced since it was checked
        raise LoadError(f"{path}: cannot read: {error.strerror}") from None
    return digest.hexdigest()


def load_bundled(store: Store, *, data: bool = True, progress: Progress | None = None) -> list[str]:
    """Load the bundled ontology and vocabularies and (with ``data=True``) the curated data files, in one
    transaction.

    Returns the source graphs written.
    """
    if not data:
        if progress is not None:
            progress("loading the ontology and vocabularies")
        load_ontology(store)
        return []
    return _load(store, [Source(p, p) for p in bundled_data_files()], progress=progress, ontology=True)


def open_workspace(
    store_dir: str | Path | None = None,
    files: Sequence[str | Path | Source] = (),
    *,
    with_bundled: bool = False,
    progress: Progress | None = None,
    format: str | None = None,
) -> EmbeddedStore:
    """The store a command works on, prepared by one rule (the command line's):

    * the ontology graph is loaded when the store has none;
    * ``files`` given: they are loaded (one source graph each); in a fresh store they *replace* the bundled
      data unless ``with_bundled`` is set, in which case the bundled data is loaded too;
    * no ``files``: a store that already holds data is used as it is; an empty one gets the bundled data.

    A store on disk is opened for reading (a snapshot: no lock, beside any writer) unless ``files`` or
    ``with_bundled`` will be loaded; it takes the lock at its first write (mode ``auto``), so a command
    that only reads never blocks, nor is blocked by, a writer. ``-`` and ``.gz`` files, and ``format``: as
    ``load_files`` reads them.
    """
    with unpacked(files, format) as sources:
        return _workspace(store_dir, sources, with_bundled=with_bundled, progress=progress)


def _workspace(
    store_dir: str | Path | None, files: list[Source], *, with_bundled: bool, progress: Progress | None
) -> EmbeddedStore:
    check_files(files)
    store = open_store(store_dir, mode="write" if files or with_bundled else "auto")
    try:
        graphs = store.graphs()
        if ONTOLOGY_GRAPH not in graphs:
            if progress is not None:
                progress("loading the ontology and vocabularies")
            load_ontology(store)
        has_data = any(g.startswith(SOURCE_PREFIX) for g in graphs)
        if (not has_data and (with_bundled or not files)) or (has_data and with_bundled):
            load_files(store, bundled_data_files(), progress=progress)
        if files:
            load_files(store, files, progress=progress)
    except BaseException:
        store.close()
        raise
    return store


def open_data(
    files: Sequence[str | Path] = (),
    *,
    store_dir: str | Path | None = None,
    endpoint: str | None = None,
    update_endpoint: str | None = None,
    graph_store: str | None = None,
    with_bundled: bool = False,
    progress: Progress | None = None,
    format: str | None = None,
) -> Store:
    """The data a command works on, by one rule: ``FILES`` | ``--store DIR`` | ``--endpoint URL``.

    With ``endpoint``: the endpoint's data as it is (``push`` fills it); ``files`` and ``store_dir`` are
    refused there, so that nothing is silently ignored. Otherwise ``open_workspace``.
    """
    if endpoint:
        if files:
            raise EndpointError(
                "FILES with --endpoint: push them first (msp-graph push FILES --endpoint URL)"
            )
        if store_dir is not None:
            raise EndpointError(
                "--store and --endpoint: give one of them (push a store with msp-graph push --store)"
            )
        if with_bundled:
            raise EndpointError("--with-bundled and --endpoint: push the bundled data first (msp-graph push)")
        return open_remote(endpoint, update_endpoint, graph_store)
    return open_workspace(store_dir, files, with_bundled=with_bundled, progress=progress, format=format)


# --- between stores and files: push, pull ---------------------------------------------------------------


def push(
    remote: RemoteStore,
    files: Iterable[str | Path] = (),
    *,
    store: str | Path | None = None,
    progress: Progress | None = None,
    format: str | None = None,
) -> list[str]:
    """Load local data into the endpoint ``remote``, one named graph per source; return the graphs written.

    ``files``: the bundled ontology and vocabularies, then each file into its source graph (described in the
    metadata graph). ``store``: every graph of a local store, copied as it is. Neither: the bundled ontology,
    vocabularies and data. Check first, then write: every file and argument is read and parsed before the
    first request that changes the server, so a ``LoadError`` or ``StoreError`` leaves it as it was; then
    the graphs are replaced in one transaction (``RemoteStore.replace_graphs``): old or new, never a mix.
    ``-`` and ``.gz`` files, and ``format``: as ``load_files`` reads them.
    """
    from .errors import StoreError

    if not isinstance(remote, RemoteStore):
        raise EndpointError("push: needs a RemoteStore (open_remote); load a local store with load_files")
    files = [Path(files)] if isinstance(files, str | Path) else [Path(p) for p in files]
    if store is not None:
        store = Path(store)
        if files:
            raise EndpointError("push: give FILES or --store, not both")
        if not (store / "CURRENT").is_file():  # what EmbeddedStore finds in a store; never create one here
            raise StoreError(f"{store}: not an msp-graph store (no Oxigraph database found); give a --store "
                             "DIR that msp-graph load made")  # fmt: skip
        reading = EmbeddedStore(store, mode="read")  # no lock: a writer may go on beside the push
        with tempfile.TemporaryDirectory(prefix="msp-graph-push-") as folder, reading as local:
            sources: list[tuple[str, str | Path | bytes, str | None]] = []
            for n, graph in enumerate(local.graphs()):  # one graph in memory at a time, then a file
                path = Path(folder) / f"{n}.nt"
                path.write_bytes(local.dump(format="nt", graphs=[graph]))
                sources.append((graph, path, "nt"))
            remote.replace_graphs(sources, progress=progress)
        return [graph for graph, _, _ in sources]
    with unpacked(files or bundled_data_files(), format) as inputs:
        return _push_files(remote, inputs, progress)


def _push_files(remote: RemoteStore, files: list[Source], progress: Progress | None) -> list[str]:
    check_files(files)
    if progress is not None:
        progress("reading the ontology, the vocabularies and the files")
    ontology = _nt([quad for path in ontology_files() for quad in parse_file(path)])
    graphs = [source_graph(slug) for slug in _unique_slugs([f.given for f in files])]
    when = _now()
    then = " ;\n".join(
        describe_source(graph, name=source_name(f.given), sha256=_sha256(f.path), when=when)
        for graph, f in zip(graphs, files, strict=True)
    )
    given = ((g, f.path, f.format) for g, f in zip(graphs, files, strict=True))
    sources = [(ONTOLOGY_GRAPH, ontology, "nt"), *given]
    remote.replace_graphs(sources, then=then, progress=progress)
    return graphs


def _file_name(graph: str, used: set[str]) -> str:
    tail = graph[len(GRAPH_BASE) :] if graph.startswith(GRAPH_BASE) else graph
    tail = tail.removeprefix("source/")
    name = re.sub(r"[^A-Za-z0-9]+", "-", tail).lower()[-80:].strip("-") or "graph"
    unique, n = name, 1
    while unique in used:
        n += 1
        unique = f"{name}-{n}"
    used.add(unique)
    return unique


def pull(
    remote: RemoteStore, folder: str | Path, *, format: str = "ttl", graphs: Iterable[str] | None = None
) -> list[Path]:
    """Dump ``graphs`` (default: all) into ``folder``: one file per graph (Turtle, N-Triples) starting with a
    ``# graph: IRI`` line, or one ``dataset.trig`` / ``dataset.nq`` for quad formats. Paged, streamed.

    A graph asked for that the endpoint does not have is an ``EndpointError`` naming it and some of the
    graphs there are, and nothing is written. Files appear when all of them are complete.
    """
    from .errors import MspGraphError, QueryError

    fmt = rdf_format(format)
    there = remote.graphs()
    names = (
        list(dict.fromkeys([graphs] if isinstance(graphs, str) else graphs)) if graphs is not None else there
    )
    for graph in names:
        try:
            ox.NamedNode(graph)
        except (TypeError, ValueError):
            raise QueryError(f"--graph {graph!r}: not a valid IRI") from None
        if graph not in there:
            shown = ", ".join(f"<{g}>" for g in there[:5]) + (
                f" and {len(there) - 5} more" * (len(there) > 5)
            )
            has = f"it has {len(there)} graph(s): {shown}" if there else "it holds no graph"
            raise EndpointError(
                f"{remote.endpoint}: no graph <{graph}> there; {has}; give one of them with --graph, or "
                "leave --graph out to pull every graph"
            )
    folder = Path(folder)
    if fmt.quads:
        targets = [(folder / f"dataset.{fmt.suffix}", names)]
    else:
        used: set[str] = set()
        targets = [(folder / f"{_file_name(g, used)}.{fmt.suffix}", [g]) for g in names]
    partials = [path.with_name(f".{path.name}.part") for path, _ in targets]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for (_, graphs_of_file), partial in zip(targets, partials, strict=True):
            with open(partial, "wb") as out:
                if len(graphs_of_file) == 1 and fmt.name != "rdfxml":
                    out.write(f"# graph: {graphs_of_file[0]}\n".encode())
                remote.dump_to(out, format=format, graphs=graphs_of_file)
        for (path, _), partial in zip(targets, partials, strict=True):
            os.replace(partial, path)
    except OSError as error:
        where = error.filename or folder
        raise MspGraphError(f"{where}: cannot write: {error.strerror}; give another -o folder") from None
    finally:
        for partial in partials:
            if partial.exists():
                partial.unlink()
    return [path for path, _ in targets]
