"""As of a date: the store's data with only the memberships in force then, validated as usual.

The shapes stay the one authority: ``as_of_view`` selects data (a copy of the store's asserted graphs
without the memberships not in force on the date, and their triples) and the normal ``check`` (reason,
then validate) judges it. ``history`` judges one partnership at each date where one of its memberships
begins or ends and keeps the dates where its verdict changes.

When a membership is in force (docs/model.md, "Periods and the as-of view"): from the first day of its
beginning (an ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear``: that day, the month's first day, the
year's first day) to the last day of its end (the day itself, the month's or the year's last day), both
included; no beginning: in force since always; no end: still in force; no period: always in force.

>>> from msp_graph.loading import open_store, load_bundled
>>> store = open_store()
>>> _ = load_bundled(store)
>>> print(check(as_of_view(store, parse_date("2019-06-30"))).summary())
2 of 14 partnerships meet the MSP composition rule; 12 violations, 45 warnings
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import MspGraphError
from ..loading import asserted_graphs
from ..prefixes import PREFIXES
from ..stores import INFERRED_GRAPH, ONTOLOGY_GRAPH, EmbeddedStore, Store, source_graph
from . import check

__all__ = [
    "Change",
    "History",
    "Period",
    "as_of_view",
    "history",
    "keep_in_force",
    "parse_date",
    "periods",
    "resolve",
]

_HEAD = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("rdf", "rdfs", "org", "time", "msp", "skos"))
_VALUE = "(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear)"
_XSD = "http://www.w3.org/2001/XMLSchema#"
# One row per membership (of the partnership, when one is bound): its bounds, its member's name.
_PERIODS = (
    _HEAD
    + f"""SELECT ?membership ?partnership ?member (MIN(STR(?label)) AS ?name) ?start ?end WHERE {{
  ?membership org:organization ?partnership ; org:member ?member .
  OPTIONAL {{ ?membership org:memberDuring/time:hasBeginning/{_VALUE} ?start }}
  OPTIONAL {{ ?membership org:memberDuring/time:hasEnd/{_VALUE} ?end }}
  OPTIONAL {{
    ?member rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en") || LANG(?label) = "")
    FILTER NOT EXISTS {{ ?member skos:altLabel ?label }}
  }}
  FILTERS
}} GROUP BY ?membership ?partnership ?member ?start ?end"""
)
# The memberships not in force (VALUES ?gone), their periods and instants when no other membership uses
# them, and every triple that has one of them as subject or object.
_DROP = (
    _HEAD
    + """DELETE { GRAPH ?g { ?s ?p ?o } } WHERE {
  { VALUES ?x { GONE } } UNION {
    VALUES ?gone { GONE }
    ?gone org:memberDuring|org:memberDuring/time:hasBeginning|org:memberDuring/time:hasEnd ?x .
    FILTER NOT EXISTS {
      ?other org:memberDuring|org:memberDuring/time:hasBeginning|org:memberDuring/time:hasEnd ?x .
      FILTER (?other NOT IN (GONE_LIST))
    }
  }
  GRAPH ?g { { ?x ?p ?o BIND (?x AS ?s) } UNION { ?s ?p ?x BIND (?x AS ?o) } }
}"""
)


def parse_date(text: str) -> datetime.date:
    """The date of ``--as-of`` (``YYYY-MM-DD``); ``MspGraphError`` otherwise.

    >>> parse_date("2019-06-30")
    datetime.date(2019, 6, 30)
    """
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise MspGraphError(f"--as-of {text!r}: not a date; write it YYYY-MM-DD, e.g. 2019-06-30")


@dataclass(frozen=True)
class Period:
    """One membership (``membership``: its N-Triples term) and when it is in force: ``start`` its first
    day, ``end`` the first day it is no longer in force (``None``: open)."""

    membership: str
    partnership: str
    member: str
    name: str
    start: datetime.date | None = None
    end: datetime.date | None = None

    def in_force(self, when: datetime.date) -> bool:
        return (self.start is None or self.start <= when) and (self.end is None or when < self.end)


def _bound(value: ox.Literal | None, *, end: bool) -> datetime.date | None:
    """The first day of a beginning, or the first day after an end, as the instant's value names it; None
    for no value or a value that is not a date, a year-month or a year (the shapes report it)."""
    if value is None:
        return None
    kind, text = value.datatype.value.removeprefix(_XSD), value.value
    try:
        if kind == "date":
            day = datetime.date.fromisoformat(text[:10])
            return day + datetime.timedelta(days=1) if end else day
        if kind == "gYearMonth":
            year, month = int(text[:4]), int(text[5:7])
            if end:
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return datetime.date(year, month, 1)
        if kind == "gYear":
            return datetime.date(int(text[:4]) + (1 if end else 0), 1, 1)
    except ValueError:
        return None
    return None


def periods(store: Store, *, partnership: str | None = None) -> list[Period]:
    """Every membership (of ``partnership``, if given) with its period; several values of one bound: the
    earliest beginning and the latest end (the membership is in force whenever a source says so)."""
    filters = f"VALUES ?partnership {{ {ox.NamedNode(partnership)} }}" if partnership else ""
    found: dict[str, Period] = {}
    for row in store.query(_PERIODS.replace("FILTERS", filters)):
        start, end = _bound(row["start"], end=False), _bound(row["end"], end=True)
        key = row["membership"]  # a blank node stays one (as_of_view refuses to drop it)
        name = row["name"].value if row["name"] is not None else _short(row["member"].value)
        new = Period(str(key), row["partnership"].value, row["member"].value, name, start, end)
        old = found.get(str(key))
        if old is not None:
            new = Period(
                new.membership, new.partnership, new.member, new.name, _earliest(old.start, start),
                _latest(old.end, end),
            )  # fmt: skip
        found[str(key)] = new
    return sorted(found.values(), key=lambda p: (p.partnership, p.membership))


def _earliest(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    return None if a is None or b is None else min(a, b)


def _latest(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    return None if a is None or b is None else max(a, b)


def _short(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def as_of_view(store: Store, when: datetime.date, *, found: Sequence[Period] | None = None) -> EmbeddedStore:
    """An in-memory copy of ``store``'s asserted graphs (and the metadata graph) without the memberships
    not in force on ``when``; ``found``: the periods, if already read. Reason and validate it as usual."""
    view = EmbeddedStore()
    try:
        graphs = asserted_graphs(store, metadata=True)
        if graphs:
            view.load(store.dump(format="nq", graphs=graphs), graph=source_graph("as-of"), format="nq")
        keep_in_force(view, when, found=found)
    except BaseException:
        view.close()
        raise
    return view


def keep_in_force(store: Store, when: datetime.date, *, found: Sequence[Period] | None = None) -> None:
    """Remove from ``store`` the memberships not in force on ``when`` (and their triples), and the inferred
    graph: ``as_of_view`` without the copy, for a store its caller made and throws away (a command's
    in-memory store of FILES), where copying would double the work."""
    if INFERRED_GRAPH in store.graphs():
        store.drop(INFERRED_GRAPH)
    gone = {p.membership for p in (periods(store) if found is None else found) if not p.in_force(when)}
    if gone:
        terms = [_named(m) for m in sorted(gone)]
        store.update(_DROP.replace("GONE_LIST", ", ".join(terms)).replace("GONE", " ".join(terms)))


def _named(membership: str) -> str:
    """The SPARQL term of a membership to drop; ``MspGraphError`` for a blank node (no query can name it)."""
    if not membership.startswith("<"):
        raise MspGraphError(
            f"--as-of: a membership not in force is a blank node ({membership}); name memberships by IRIs "
            "(as the bundled data and `msp-graph import` do) to select them by date"
        )
    return membership


def resolve(store: Store, text: str) -> tuple[str, str]:
    """The partnership ``text`` names (its IRI, ``partnership:slug``, its slug or its name, any case) and
    its name; ``MspGraphError`` when the store holds none."""
    rows = store.query(
        _HEAD + "SELECT ?p (MIN(STR(?l)) AS ?name) WHERE { ?p a/rdfs:subClassOf* msp:Partnership "
        "OPTIONAL { ?p rdfs:label ?l "
        'FILTER (LANGMATCHES(LANG(?l), "en") || LANG(?l) = "") FILTER NOT EXISTS { ?p skos:altLabel ?l } } } '
        "GROUP BY ?p"
    )
    known = {row["p"].value: (row["name"].value if row["name"] else _short(row["p"].value)) for row in rows}
    wanted = (
        text.replace("partnership:", PREFIXES["partnership"], 1) if text.startswith("partnership:") else text
    )
    for iri, name in sorted(known.items()):
        if wanted in (iri, _short(iri)) or wanted.casefold() == name.casefold():
            return iri, name
    raise MspGraphError(
        f"unknown partnership {text!r}; give its IRI, slug or name (`msp-graph query composition-status` "
        "lists them)"
    )


@dataclass(frozen=True)
class Change:
    """The partnership's verdict from ``date`` on (``None``: before every dated beginning or end), and the
    members that joined (beginning that day) and left (no longer in force from that day)."""

    date: datetime.date | None
    meets: bool
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    message: str | None = None


@dataclass
class History:
    partnership: str
    name: str
    changes: list[Change]

    def render(self, format: str = "text") -> str:
        if format == "json":
            import json

            body = {"partnership": self.partnership, "name": self.name, "changes": [
                {"date": c.date and c.date.isoformat(), "meets_composition_rule": c.meets, "joined": c.joined,
                 "left": c.left, "message": c.message} for c in self.changes
            ]}  # fmt: skip
            return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
        lines = [f"{self.name}  <{self.partnership}>"]
        for c in self.changes:
            when = "from the start" if c.date is None else f"from {c.date.isoformat()}"
            verdict = (
                "meets the MSP composition rule" if c.meets else "does not meet the MSP composition rule"
            )
            lines.append(f"  {when}: {verdict}")
            lines.extend(f"    joined: {name}" for name in c.joined)
            lines.extend(f"    left:   {name}" for name in c.left)
            if c.message:
                lines.append(f"    why: {c.message}")
        return "\n".join(lines) + "\n"


def history(
    store: Store,
    partnership: str,
    *,
    shapes: Sequence[str | Path] | None = None,
    reasoner: str = "rules",
    engine: str = "sparql",
) -> History:
    """The dates at which ``partnership``'s verdict (the MSP composition rule) changes, and why: judged as of
    each date where one of its memberships begins or ends, on the partnership's data only (``_own_data``),
    by ``shapes`` (default: the bundled composition shapes, ``_verdict_shapes``)."""
    iri, name = resolve(store, partnership)
    shapes = shapes or _verdict_shapes()
    own = _own_data(store, iri)
    try:
        found = periods(own, partnership=iri)
        dates = sorted({p.start for p in found if p.start} | {p.end for p in found if p.end})
        moments: list[datetime.date | None] = [None, *dates]
        changes: list[Change] = []
        for moment in moments:
            when = moment or (dates[0] - datetime.timedelta(days=1) if dates else datetime.date.min)
            with as_of_view(own, when, found=found) as view:
                report = check(
                    view, shapes=shapes, reasoner=reasoner, engine=engine, lines=False, transient=True
                )
            meets = iri in report.meeting_composition
            if changes and changes[-1].meets == meets:
                continue
            why = [r.message for r in report.results if r.focus_node == iri and r.severity == "violation"]
            joined = sorted(p.name for p in found if moment and p.start == moment)
            left = sorted(p.name for p in found if moment and p.end == moment)
            changes.append(Change(moment, meets, joined, left, "; ".join(sorted(why)) or None))
    finally:
        own.close()
    return History(iri, name, changes)


def _verdict_shapes() -> list[Path]:
    """The bundled shapes that make the verdict: the MSP composition rule (``composition*.ttl``, and the
    prefixes its SPARQL declares); the other shapes cannot change it, and skipping them spares most of the
    work of each date."""
    from .shapes import shape_files

    return [f for f in shape_files() if f.stem.startswith(("composition", "prefixes"))]


def _own_data(store: Store, iri: str) -> EmbeddedStore:
    """An in-memory store with what judging one partnership needs: the ontology, the graphs that describe
    the partnership (as subject or object), and what any graph says about its members."""
    node = str(ox.NamedNode(iri))
    rows = store.query(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }} }}"
    )
    asserted = asserted_graphs(store)
    graphs = sorted(({row["g"].value for row in rows} | {ONTOLOGY_GRAPH}) & set(asserted))
    own = EmbeddedStore()
    try:
        own.load(store.dump(format="nq", graphs=graphs), graph=source_graph("own"), format="nq")
        members = store.query(
            _HEAD
            + "CONSTRUCT { ?m ?p ?o } WHERE { ?x org:organization MSP ; org:member ?m . "
            "GRAPH ?g { ?m ?p ?o } FILTER (?g IN (GRAPHS)) }".replace("MSP", node).replace(
                "GRAPHS", ", ".join(str(ox.NamedNode(g)) for g in asserted)
            )
        )
        triples = ox.serialize(members, format=ox.RdfFormat.N_TRIPLES)
        own.load(triples or b"", graph=source_graph("members"), format="nt")
    except BaseException:
        own.close()
        raise
    return own
