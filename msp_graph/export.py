"""Exporting the graph as linked data.

Formats: ``turtle``, ``nt`` (N-Triples), ``rdfxml`` (RDF/XML) merge the graphs into one; ``trig``, ``nquads``
and ``jsonld`` (JSON-LD, readable by 1.0 and 1.1 processors, compacted with the shipped context
``msp_graph/context.jsonld``) keep the named graphs. Only asserted triples are exported unless
``include_inferred`` is set: the inferred graph is recomputable and must not pass for asserted data. The
metadata graph (where each source graph came from) goes with the quad formats, where the graphs it describes
keep their names; merged into a single graph its statements would describe graphs that no longer exist, so
triple formats leave it out.

Exports are reproducible (``docs/export.md``): the same store content gives the same bytes whatever the
load order, time or folder. The metadata graph goes out without load times (``load_times=True`` keeps
them) and without anything naming the local disk; blank nodes are labelled by RDF Dataset Canonicalization
(RDFC-1.0: ``_:c14n0``, ``_:c14n1``...); statements are sorted.

>>> from msp_graph.loading import open_store
>>> store = open_store()
>>> _ = store.load(b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
...                graph="http://example.org/g", format="nt")
>>> print(export(store, format="nt").decode().strip())
<http://example.org/a> <http://example.org/b> <http://example.org/c> .
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path, PurePosixPath, PureWindowsPath

import pyoxigraph as ox

from .errors import LoadError, MspGraphError
from .loading import METADATA_GRAPH, asserted_graphs
from .stores import FORMATS, INFERRED_GRAPH, ONTOLOGY_GRAPH, Store, format_named, rdf_format, written

__all__ = ["EXPORT_FORMATS", "QUAD_FORMATS", "context", "export", "normalise_format"]

#: The formats ``export`` writes: those of the one RDF format table (``stores.FORMATS``) but N3, which would
#: only write the same triples as Turtle.
EXPORT_FORMATS = tuple(f.name for f in FORMATS if f.name != "n3")
#: Those that keep the named graphs.
QUAD_FORMATS = tuple(f.name for f in FORMATS if f.name in EXPORT_FORMATS and f.quads)


def normalise_format(name: str) -> str:
    """The canonical export format for a name or alias (``ttl`` -> ``turtle``, ``json-ld`` -> ``jsonld``)."""
    fmt = format_named(name)
    if fmt is None or fmt.name not in EXPORT_FORMATS:
        raise LoadError(f"{name}: unknown export format; use one of: {', '.join(EXPORT_FORMATS)}")
    return fmt.name


@cache
def context() -> dict:
    """The JSON-LD context shipped with msp-graph (prefixes of every namespace in ``docs/model.md``)."""
    return json.loads((Path(__file__).parent / "context.jsonld").read_text(encoding="utf-8"))["@context"]


def _prefixes() -> dict[str, str]:
    return {k: v for k, v in context().items() if not k.startswith("@") and isinstance(v, str)}


def export(
    store: Store,
    *,
    format: str = "turtle",
    include_inferred: bool = False,
    include_ontology: bool = True,
    graphs: Iterable[str] | None = None,
    load_times: bool = False,
) -> bytes:
    """Serialise the store's asserted graphs (and, on request, the inferred graph) in ``format``.

    ``graphs`` picks graphs by IRI instead; ``include_ontology=False`` leaves out the ontology and
    vocabularies (data only). ``load_times=True`` keeps in the metadata graph when each source graph was
    loaded (``prov:generatedAtTime``); without it two exports of the same data are byte-identical. Only the
    quad formats carry the metadata graph, so it changes nothing in the others.
    """
    fmt = rdf_format(normalise_format(format))
    if graphs is None:
        names = asserted_graphs(store, ontology=include_ontology, metadata=fmt.quads)
        if include_inferred and INFERRED_GRAPH in store.graphs():
            names.append(INFERRED_GRAPH)
    else:
        names = list(graphs)
    dump = _as_written(store.dump(format="nquads", graphs=names), written.read(store), names)
    lines = _statements(dump, merge=not fmt.quads, load_times=load_times)
    lines.sort()  # code point order: RDFC-1.0's canonical N-Quads (N-Triples)
    if fmt.name in ("nt", "nquads"):
        return b"".join(lines)
    if fmt.name == "jsonld":  # the writer puts graphs, nodes and values in its own order
        return _jsonld(ox.parse(b"".join(lines), format=_NQ))
    lines.sort(key=_quad_order if fmt.quads else _triple_order)
    statements = ox.parse(b"".join(lines), format=_NQ if fmt.quads else ox.RdfFormat.N_TRIPLES)
    if fmt.name == "rdfxml":
        return _rdfxml(statements)
    return ox.serialize(statements, format=fmt.oxigraph, prefixes=_prefixes()) or b""


_NQ = ox.RdfFormat.N_QUADS
_GENERATED_AT = ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")
_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


# XML 1.0 (2.2): the characters a document cannot hold, raw or as a character reference.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# XML 1.0 (2.3) NameStartChar and NameChar, without ":": an RDF/XML property element is named by a
# namespace and a local name that is an NCName, split from the end of the predicate IRI.
_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_CHAR = _NAME_START + "\\-.0-9\u00b7\u0300-\u036f\u203f\u2040"
# Read on the reversed IRI, so that a long IRI costs one pass: name characters up to a name start.
_LOCAL_NAME_REVERSED = re.compile(f"[{_NAME_CHAR}]*?[{_NAME_START}]")
_SHOWN = 120


def _rdfxml(triples: Iterable[ox.Quad]) -> bytes:
    """RDF/XML of ``triples``. A raw CR is written ``&#13;`` (an XML parser reads it, and CR LF, as LF);
    TAB and LF stay as they are (element content keeps them: literals are never attribute values here).
    What XML 1.0 cannot hold at all is refused, naming the statement: a literal with a character outside
    XML's Char production (NUL, most C0 controls, U+FFFE, U+FFFF), a predicate with no local name."""
    out = ox.serialize(_xml_writable(triples), format=ox.RdfFormat.RDF_XML, prefixes=_prefixes()) or b""
    return out.replace(b"\r", b"&#13;")


def _xml_writable(triples: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    named: dict[ox.NamedNode, bool] = {}
    for triple in triples:
        s, p, o = triple.subject, triple.predicate, triple.object
        known = named.get(p)
        if known is None:
            known = named[p] = _LOCAL_NAME_REVERSED.match(p.value[::-1]) is not None
        if not known:
            raise MspGraphError(
                f"export -f rdfxml: {_shown(s)} {_shown(p)}: RDF/XML cannot name this predicate (its IRI "
                "does not end with an XML name); export it as turtle, nt, trig or nquads"
            )
        bad = _NOT_XML.search(o.value) if isinstance(o, ox.Literal) else None
        if bad is not None:
            raise MspGraphError(
                f"export -f rdfxml: {_shown(s)} {_shown(p)}: the literal holds U+{ord(bad.group()):04X}, "
                "which XML 1.0 cannot hold; export it as turtle, nt, trig or nquads"
            )
        yield triple


def _shown(term) -> str:
    """A term in N-Triples, cut for a message (an IRI may be 100 KB long)."""
    text = str(term)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _as_written(nquads: bytes, records: written.Written, names: Iterable[str]) -> bytes:
    """The dump with the literals the store rewrote when it loaded them as they were written
    (``stores.written``): ``"03"^^xsd:int`` stays that, not ``"3"^^xsd:integer``."""
    if not records:
        return nquads
    swap: dict[bytes, bytes] = {}
    for name in names:
        graph = ox.NamedNode(name)
        for key, forms in records.graphs.get(name, {}).items():
            stored = ox.serialize([ox.Quad(key.subject, key.predicate, key.object, graph)], format=_NQ) or b""
            swap[stored] = (
                ox.serialize([ox.Quad(key.subject, key.predicate, form, graph) for form in forms], format=_NQ)
                or b""
            )
    lines = nquads.splitlines(keepends=True)
    return b"".join(swap.get(line, line) for line in lines)


def _statements(nquads: bytes, *, merge: bool, load_times: bool) -> list[bytes]:
    """The distinct statements of an N-Quads dump as they are published, one N-Quads line each (N-Triples
    lines with ``merge``: the graphs merged into one), blank nodes labelled by RDFC-1.0, in no order.

    The work is on the dump's lines (one statement per line, as pyoxigraph writes them, each named-graph
    line ending ``<graph> .``): at 10^5 quads, a Python object per term would double the export's time.
    Only the lines that may hold a blank node are parsed and canonicalised; the labels RDFC-1.0 gives
    depend on those statements alone, so this equals canonicalising the whole dataset.
    """
    metadata_end = f" {ox.NamedNode(METADATA_GRAPH)} .\n".encode()
    kept: set[bytes] = set()
    blank: list[bytes] = []
    for line in nquads.splitlines(keepends=True):
        if line.endswith(metadata_end) and not _published(line, load_times=load_times):
            continue
        if merge:
            line = line.rsplit(b" ", 2)[0] + b" .\n"
        if b"_:" in line:
            blank.append(line)
        else:
            kept.add(line)
    if blank:
        dataset = ox.Dataset(ox.parse(b"".join(blank), format=ox.RdfFormat.N_TRIPLES if merge else _NQ))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        kept.update((ox.serialize(dataset, format=_NQ) or b"").splitlines(keepends=True))
    return list(kept)


def _published(line: bytes, *, load_times: bool) -> bool:
    """Whether a statement of the metadata graph is exported: not a load time (unless asked for), nothing
    naming the local disk."""
    quad = next(iter(ox.parse(line, format=_NQ)))
    if quad.predicate == _GENERATED_AT:
        return load_times
    return not _names_local_disk(quad.object)


def _names_local_disk(term) -> bool:
    """A ``file:`` IRI, or a literal holding one or an absolute path (as stores loaded by earlier versions
    hold in their metadata)."""
    if not isinstance(term, ox.NamedNode | ox.Literal):
        return False
    text = term.value
    if text.lower().startswith("file:"):
        return True
    return isinstance(term, ox.Literal) and (
        PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute()
    )


def _triple_order(line: bytes) -> tuple:
    """Subject, predicate (``rdf:type`` first), object, as written in N-Triples."""
    subject, predicate, rest = line.split(b" ", 2)
    return subject, predicate != _TYPE, predicate, rest


def _quad_order(line: bytes) -> tuple:
    """Graph first (its statements together, as TriG writes them), then as ``_triple_order``."""
    triple, graph, _ = line.rsplit(b" ", 2)
    subject, predicate, rest = triple.split(b" ", 2)
    return graph, subject, predicate != _TYPE, predicate, rest


def _jsonld(quads: Iterable[ox.Quad], ctx: dict | None = None) -> bytes:
    """A compacted JSON-LD 1.1 document of ``quads``, written straight from them.

    Shape: ``{"@context": <shipped context>, "@graph": [{"@id": <graph>, "@graph": [<nodes>]}, ...]}``, one
    object per named graph (default-graph nodes, if any, stand at the top level beside them). A node holds
    the triples of one subject in one graph; ``rdf:type`` with IRI objects goes to ``@type``. IRIs are
    compacted with the context's prefixes (``partnership:ilo-aaa``); a term of the context is used where its
    coercion fits the value exactly, anything else is written as an expanded value object, so expansion
    gives back exactly the quads. Order is sorted (graphs, subjects, keys, values), blank nodes keep their
    labels (``export`` gives canonical ones), and every node stands on one line.
    """
    writer = _JsonLdWriter(_Compaction(context() if ctx is None else ctx))
    for quad in quads:
        writer.add(quad)
    return writer.document()


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_GEN_DELIMS = frozenset(":/?#[]@")
# Keys a term definition may have for the writer to use it; others (@reverse, @container, @context...)
# change what a key means beyond an IRI and a coercion, so such terms are left to their compact IRIs.
_PLAIN_TERM_KEYS = frozenset({"@id", "@type", "@language", "@prefix", "@protected"})


class _Compaction:
    """What the writer needs from a JSON-LD context: prefixes, usable terms and the default language."""

    def __init__(self, ctx: dict) -> None:
        self.context_json = json.dumps(ctx, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        self.default_language = ctx.get("@language")
        self.terms = {k for k in ctx if not k.startswith("@")}
        simple = {k: v for k, v in ctx.items() if not k.startswith("@") and isinstance(v, str)}
        # A prefix: a simple term whose IRI ends with a gen-delim, or an expanded one with "@prefix": true.
        self.prefixes: dict[str, str] = {}
        for name, value in ctx.items():
            if name.startswith("@") or ":" in name:
                continue
            if isinstance(value, str) and value and value[-1] in _GEN_DELIMS:
                self.prefixes.setdefault(value, name)
            elif (
                isinstance(value, dict) and value.get("@prefix") is True and isinstance(value.get("@id"), str)
            ):
                self.prefixes.setdefault(self._expand(value["@id"], simple), name)
        self._names = {name for name in self.terms if ":" not in name}
        # Terms by IRI: (name, coercion, argument); coercion None = any value in its natural form.
        self.by_iri: dict[str, list[tuple[str, str | None, str | None]]] = {}
        for name in sorted(self.terms):
            value = ctx[name]
            if isinstance(value, str):
                self.by_iri.setdefault(self._expand(value, simple), []).append((name, None, None))
                continue
            if not isinstance(value, dict) or not set(value) <= _PLAIN_TERM_KEYS:
                continue
            iri = self._expand(value.get("@id", name), simple)
            if ":" not in iri or ("@type" in value and "@language" in value):
                continue
            if "@type" in value:
                kind = value["@type"]
                if kind in ("@id", "@vocab"):
                    entry = (name, kind, None)
                elif isinstance(kind, str) and not kind.startswith("@"):
                    entry = (name, "@type", self._expand(kind, simple))
                else:
                    continue
            elif "@language" in value:
                entry = (name, "@language", value["@language"])
            else:
                entry = (name, None, None)
            self.by_iri.setdefault(iri, []).append(entry)
        # Exact terms (no coercion) usable wherever an IRI is vocabulary-relative (keys, @type values).
        self.vocab_terms = {
            iri: next(name for name, kind, _ in entries if kind is None)
            for iri, entries in self.by_iri.items()
            if any(kind is None for _, kind, _ in entries)
        }
        self.coerced = {
            iri: [e for e in entries if e[1] is not None]
            for iri, entries in self.by_iri.items()
            if any(e[1] is not None for e in entries)
        }
        self._doc: dict[str, str] = {}
        self._vocab: dict[str, str] = {}

    def _expand(self, value: str, simple: dict[str, str]) -> str:
        if value in simple and value != simple[value]:
            return self._expand(simple[value], simple)
        prefix, colon, suffix = value.partition(":")
        if colon and not suffix.startswith("//") and prefix in simple:
            return simple[prefix] + suffix
        return value

    def _curie(self, iri: str) -> str | None:
        i = len(iri) - 1
        while i > 0:
            if iri[i] in _GEN_DELIMS:
                name = self.prefixes.get(iri[: i + 1])
                suffix = iri[i + 1 :]
                if name is not None and suffix and not suffix.startswith("//"):
                    curie = f"{name}:{suffix}"
                    if curie not in self.terms:
                        return curie
            i -= 1
        return None

    def _absolute(self, iri: str) -> str:
        scheme, _, rest = iri.partition(":")
        if scheme in self._names and not rest.startswith("//"):
            raise MspGraphError(
                f"export -f jsonld: <{iri}> would read as a compact IRI of the context prefix "
                f"'{scheme}'; export it as trig or nquads"
            )
        return iri

    def doc(self, iri: str) -> str:
        """An IRI as a document-relative value (``@id``): compact IRI, else the IRI itself."""
        out = self._doc.get(iri)
        if out is None:
            out = self._doc[iri] = self._curie(iri) or self._absolute(iri)
        return out

    def vocab(self, iri: str) -> str:
        """An IRI as a vocabulary-relative value (keys, ``@type``): term, compact IRI, else the IRI."""
        out = self._vocab.get(iri)
        if out is None:
            out = self._vocab[iri] = self.vocab_terms.get(iri) or self._curie(iri) or self._absolute(iri)
        return out


class _JsonLdWriter:
    """Collects quads into node objects (graph -> subject -> key -> values) and writes the document."""

    def __init__(self, compaction: _Compaction) -> None:
        self.c = compaction
        self.graphs: dict[object, dict[object, dict]] = {}
        self.values: dict[object, tuple] = {}  # object term -> (sort key, JSON value), shared by nodes
        self.predicates: dict[object, tuple] = {}  # predicate -> (key, coerced terms, is rdf:type)
        self.types: dict[object, tuple] = {}  # class -> (sort key, compact IRI) in @type
        self.heads: dict[object, dict] = {}  # graph name -> its node object's "@id"

    def _value(self, o) -> tuple:
        cached = self.values.get(o)
        if cached is not None:
            return cached
        if isinstance(o, ox.NamedNode):
            out = ((0, o.value), {"@id": self.c.doc(o.value)})
        elif isinstance(o, ox.BlankNode):
            out = ((1, o.value), {"@id": "_:" + o.value})
        elif isinstance(o, ox.Literal):
            value, language, datatype = o.value, o.language, o.datatype.value
            if language is not None:
                obj = {"@value": value, "@language": language}
                direction = getattr(o, "direction", None)
                if direction:
                    obj["@direction"] = direction
                out = ((2, value, "@" + language), obj)
            elif datatype == _XSD_STRING:
                out = ((2, value, ""), {"@value": value} if self.c.default_language else value)
            else:
                out = ((2, value, datatype), {"@value": value, "@type": self.c.vocab(datatype)})
        else:  # RDF 1.2 triple terms have no JSON-LD 1.1 form
            raise MspGraphError(
                f"export -f jsonld: {o} cannot be written in JSON-LD 1.1; export it as nquads"
            )
        self.values[o] = out
        return out

    def _coerced(self, o, entries: list) -> tuple[str, str] | None:
        """(term, compact value) for the first term whose coercion fits ``o`` exactly."""
        for name, kind, arg in entries:
            if kind == "@id" and isinstance(o, ox.NamedNode):
                return name, self.c.doc(o.value)
            if kind == "@vocab" and isinstance(o, ox.NamedNode):
                return name, self.c.vocab(o.value)
            if isinstance(o, ox.Literal) and not getattr(o, "direction", None):
                if kind == "@type" and o.language is None and o.datatype.value == arg:
                    return name, o.value
                if kind == "@language":
                    if arg is None and o.language is None and o.datatype.value == _XSD_STRING:
                        return name, o.value
                    if arg is not None and o.language is not None and o.language == arg.lower():
                        return name, o.value
        return None

    def add(self, quad: ox.Quad) -> None:
        s, p, o, g = quad
        nodes = self.graphs.get(g)
        if nodes is None:
            nodes = self.graphs[g] = {}
            if isinstance(g, ox.NamedNode):
                self.heads[g] = {"@id": self.c.doc(g.value)}
            elif isinstance(g, ox.BlankNode):
                self.heads[g] = {"@id": "_:" + g.value}
        node = nodes.get(s)
        if node is None:
            blank = isinstance(s, ox.BlankNode)
            node = nodes[s] = {"@id": "_:" + s.value if blank else self.c.doc(s.value)}
        known = self.predicates.get(p)
        if known is None:
            predicate = p.value
            known = self.predicates[p] = (
                self.c.vocab(predicate),
                self.c.coerced.get(predicate),
                predicate == _RDF_TYPE,
            )
        key, entries, is_type = known
        if is_type and isinstance(o, ox.NamedNode):
            value = self.types.get(o)
            if value is None:
                value = self.types[o] = ((0, o.value), self.c.vocab(o.value))
            node.setdefault("@type", []).append(value)
            return
        if entries:
            fit = self._coerced(o, entries)
            if fit is not None:
                node.setdefault(fit[0], []).append(((0, fit[1]), fit[1]))
                return
        node.setdefault(key, []).append(self._value(o))

    def document(self) -> bytes:
        encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
        default = self.graphs.pop(ox.DefaultGraph(), {})
        top = []
        for g in sorted(self.graphs, key=_term_order):
            nodes = self.graphs[g]
            lines = ",\n".join("      " + encode(_finish(nodes[s])) for s in sorted(nodes, key=_term_order))
            # A default-graph description of the graph itself shares its node object.
            head = encode(_finish(default.pop(g)) if g in default else self.heads[g])
            top.append((_term_order(g), f'    {head[:-1]}, "@graph": [\n{lines}\n    ]}}'))
        top.extend((_term_order(s), "    " + encode(_finish(node))) for s, node in default.items())
        top.sort(key=lambda entry: entry[0])
        body = "\n" + ",\n".join(line for _, line in top) + "\n  " if top else ""
        return f'{{\n  "@context": {self.c.context_json},\n  "@graph": [{body}]\n}}\n'.encode()


def _term_order(term) -> tuple:
    """IRIs first, by IRI, then blank nodes by their labels."""
    return (isinstance(term, ox.BlankNode), term.value)


def _finish(node: dict) -> dict:
    """A node object with each key's values sorted, and a single value written without its array."""
    out = {}
    for key, values in node.items():
        if key == "@id":
            out[key] = values
            continue
        values.sort(key=lambda entry: entry[0])
        out[key] = values[0][1] if len(values) == 1 else [value for _, value in values]
    return out


def graph_names(store: Store) -> dict[str, str]:
    """Short names of the special graphs, for messages and statistics."""
    return {ONTOLOGY_GRAPH: "ontology", INFERRED_GRAPH: "inferred", METADATA_GRAPH: "metadata"}
