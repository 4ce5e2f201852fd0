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

import datetime as _dt
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from .errors import EndpointError
from .resources import bundled_dir
from .stores import (
    GRAPH_BASE,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    STAGING_PREFIX,
    EmbeddedStore,
    RemoteStore,
    Store,
    file_source,
    open_remote,
    rdf_format,
    read_source,
    source_graph,
)
from .stores.terms import parsing

__all__ = [
    "METADATA_GRAPH",
    "RDF_SUFFIXES",
    "SOURCE_PREFIX",
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

Progress = Callable[[str], None]


def open_store(path: str | Path | None = None) -> EmbeddedStore:
    """An embedded store: in memory, or on disk in ``path`` (created on first use, reopened later).

    >>> store = open_store()
    >>> store.graphs()
    []
    """
    return EmbeddedStore(path)


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
    """The source-graph slug of a file: its name without suffix, lower case, ``[a-z0-9-]`` only.

    >>> slug_for("data/Alliance 8.7.ttl")
    'alliance-8-7'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", Path(path).stem.lower()).strip("-")
    return slug or "source"


def parse_file(path: str | Path, *, format: str | None = None) -> list[ox.Quad]:
    """Parse one RDF file completely; ``LoadError`` names ``file:line:column`` on a syntax error."""
    where, data, fmt, base = read_source(Path(path), format)
    with parsing(where):
        return list(ox.parse(data, format=fmt.oxigraph, base_iri=base))


def _nt(quads: Iterable[ox.Quad]) -> bytes:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def load_ontology(store: Store, *, files: Sequence[Path] | None = None) -> int:
    """Replace ``ONTOLOGY_GRAPH`` with the ontology, its imports and the vocabularies; return its size."""
    quads = [q for path in (files if files is not None else ontology_files()) for q in parse_file(path)]
    return store.load(_nt(quads), graph=ONTOLOGY_GRAPH, format="nt")


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


def _unique_slugs(paths: Sequence[Path]) -> list[str]:
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
    * any other file: its base name.

    Paths use ``/`` whatever the system.

    >>> source_name("https://example.org/alliance.ttl")
    'https://example.org/alliance.ttl'
    >>> source_name("/elsewhere/alliance.ttl")
    'alliance.ttl'
    """
    if isinstance(source, str) and _URL.match(source):
        return source
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
    paths: Sequence[str | Path],
    *,
    replace: bool = False,
    progress: Progress | None = None,
) -> list[str]:
    """Load data files, one source graph each; return the graph IRIs written.

    Each file is parsed once, by the store's loader. All or nothing: a missing or malformed file raises
    ``LoadError`` and leaves the store as it was (a graph that is new is loaded in place and dropped again
    on failure; an existing one is loaded beside it and replaces it only when every file has loaded). With
    ``replace=True`` the source graphs not among ``paths`` are dropped afterwards (the files replace the data
    held so far); otherwise they are kept.
    """
    files = [Path(p) for p in paths]
    check_files(files)
    existing = set(store.graphs())
    loaded: dict[str, str] = {}  # target graph -> the graph it was loaded into
    try:
        for path, slug in zip(files, _unique_slugs(files), strict=True):
            if progress is not None:
                progress(f"loading {path}")
            graph = source_graph(slug)
            into = f"{STAGING_PREFIX}{uuid.uuid4().hex}" if graph in existing else graph
            loaded[graph] = into
            store.load(path, graph=into)
    except BaseException:
        for into in loaded.values():
            store.drop(into)
        raise
    when = _now()
    for (graph, into), path in zip(loaded.items(), files, strict=True):
        move = f"MOVE SILENT {ox.NamedNode(into)} TO {ox.NamedNode(graph)} ;\n" if into != graph else ""
        store.update(move + describe_source(graph, name=source_name(path), sha256=_sha256(path), when=when))
    if replace:
        for graph in source_graphs(store):
            if graph not in loaded:
                store.drop(graph)
                meta, old = ox.NamedNode(METADATA_GRAPH), ox.NamedNode(graph)
                store.update(f"DELETE WHERE {{ GRAPH {meta} {{ {old} ?p ?o }} }}")
    return list(loaded)


def check_files(paths: Iterable[str | Path]) -> None:
    """``LoadError`` for the first path that is missing, not a file, unreadable or of no known RDF format:
    what can be told without parsing (syntax errors come from the one parse, when the file is loaded)."""
    for path in paths:
        file_source(path, None)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_bundled(store: Store, *, data: bool = True, progress: Progress | None = None) -> list[str]:
    """Load the bundled ontology and vocabularies and (with ``data=True``) the curated data files.

    Returns the source graphs written.
    """
    if progress is not None:
        progress("loading the ontology and vocabularies")
    load_ontology(store)
    if not data:
        return []
    return load_files(store, bundled_data_files(), progress=progress)


def open_workspace(
    store_dir: str | Path | None = None,
    files: Sequence[str | Path] = (),
    *,
    with_bundled: bool = False,
    progress: Progress | None = None,
) -> EmbeddedStore:
    """The store a command works on, prepared by one rule (the command line's):

    * the ontology graph is loaded when the store has none;
    * ``files`` given: they are loaded (one source graph each); in a fresh store they *replace* the bundled
      data unless ``with_bundled`` is set, in which case the bundled data is loaded too;
    * no ``files``: a store that already holds data is used as it is; an empty one gets the bundled data.
    """
    check_files(files)
    store = open_store(store_dir)
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
    return open_workspace(store_dir, files, with_bundled=with_bundled, progress=progress)


# --- between stores and files: push, pull ---------------------------------------------------------------


def push(
    remote: Store,
    files: Iterable[Path] = (),
    *,
    store: Path | None = None,
    progress=None,
) -> list[str]:
    """Load local data into ``remote``, one named graph per source; return the graphs written.

    ``files``: the bundled ontology and vocabularies, then each file into its source graph. ``store``: every
    graph of a local store, copied as it is. Neither: the bundled ontology, vocabularies and data.
    """
    files = list(files)
    if store is not None:
        if files:
            raise EndpointError("push: give FILES or --store, not both")
        if not Path(store).is_dir():
            raise EndpointError(f"{store}: no such store directory")
        written = []
        with EmbeddedStore(store) as local:
            for graph in local.graphs():
                if progress is not None:
                    progress(f"pushing <{graph}>")
                remote.load(local.dump(format="nt", graphs=[graph]), graph=graph, format="nt")
                written.append(graph)
        return written
    load_bundled(remote, data=False, progress=progress)
    return load_files(remote, files or bundled_data_files(), progress=progress)


def _file_name(graph: str, used: set[str]) -> str:
    tail = graph[len(GRAPH_BASE) :] if graph.startswith(GRAPH_BASE) else graph
    tail = tail.removeprefix("source/")
    name = re.sub(r"[^A-Za-z0-9]+", "-", tail).strip("-").lower()[-80:] or "graph"
    unique, n = name, 1
    while unique in used:
        n += 1
        unique = f"{name}-{n}"
    used.add(unique)
    return unique


def pull(
    remote: RemoteStore, folder: Path, *, format: str = "ttl", graphs: Iterable[str] | None = None
) -> list[Path]:
    """Dump ``graphs`` (default: all) into ``folder``: one file per graph (Turtle, N-Triples) starting with a
    ``# graph: IRI`` line, or one ``dataset.trig`` / ``dataset.nq`` for quad formats. Paged, streamed."""
    fmt = rdf_format(format)
    names = list(graphs) if graphs is not None else remote.graphs()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = fmt.suffix
    if fmt.quads:
        targets = [(folder / f"dataset.{suffix}", names)]
    else:
        used: set[str] = set()
        targets = [(folder / f"{_file_name(g, used)}.{suffix}", [g]) for g in names]
    written = []
    for path, graphs_of_file in targets:
        partial = path.with_name(f".{path.name}.part")
        try:
            with open(partial, "wb") as out:
                if len(graphs_of_file) == 1 and fmt.name != "rdfxml":
                    out.write(f"# graph: {graphs_of_file[0]}\n".encode())
                remote.dump_to(out, format=format, graphs=graphs_of_file)
            os.replace(partial, path)
        finally:
            if partial.exists():
                partial.unlink()
        written.append(path)
    return written
