"""What the HTML pages show, read from the store: names in a language, partnerships, organisations.

Names follow the display-label rule of docs/model.md for the language asked (``en``, ``fr``, ``es``), then
English (tags ``en``, ``en-*`` and no tag), then the smallest name in another language, then the short IRI.
Every value is a plain Python value for the templates, which escape it.
"""

from __future__ import annotations

import functools
import gettext
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import MspGraphError
from ..network import draw
from ..prefixes import PREFIXES
from ..queries import get_query, run_query
from ..resources import bundled_dir, bundled_files
from ..stores import EmbeddedStore, Store
from ..validation import SEVERITIES, ValidationReport
from ..validation.report import result_lines

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "FILTERS",
    "ID",
    "LANGUAGES",
    "VOCAB",
    "Names",
    "concept",
    "data_name",
    "exists",
    "filter_iri",
    "filter_value",
    "filtered_index",
    "index",
    "neighbourhood",
    "network_svg",
    "ontology",
    "organisation",
    "partnership",
    "statements",
    "validation",
]

ID = "https://w3id.org/msp/id/"
#: The concept schemes' IRIs: ``VOCAB + "{scheme}"``, their concepts ``VOCAB + "{scheme}/{concept}"``.
VOCAB = "https://w3id.org/msp/vocab/"
LANGUAGES = ("en", "fr", "es")
_COUNTRY = PREFIXES["country"]

_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?node ?label ?preferred WHERE {
  VALUES ?node { NODES }
  { ?node skos:prefLabel ?label BIND(true AS ?preferred) }
  UNION
  { ?node rdfs:label ?label BIND(false AS ?preferred)
    FILTER NOT EXISTS { ?node skos:altLabel|skos:hiddenLabel ?label } }
  FILTER isLiteral(?label)
}
"""


def _in(tag: str, lang: str) -> bool:
    tag = tag.lower()
    if lang == "en" and not tag:
        return True
    return tag == lang or tag.startswith(lang + "-")


def _iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def _short(iri: str) -> str:
    for name, base in PREFIXES.items():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{name}:{iri[len(base) :]}"
    return iri


class Names:
    """One display name per IRI in ``lang``, read from the store in one query per batch of IRIs."""

    def __init__(self, store: Store, lang: str):
        self.store, self.lang, self._names = store, lang, {}

    def load(self, iris: Iterable[str]) -> Names:
        wanted = sorted({i for i in iris if i and i not in self._names and _iri(i)})
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            # Checked IRIs (pyoxigraph's NamedNode) written as SPARQL terms, never raw text.
            text = _LABELS.replace("NODES", " ".join(str(ox.NamedNode(i)) for i in batch))
            found: dict[str, list[tuple[str, bool, str]]] = {}
            for row in run_query(self.store, text, where="labels").rows:
                label = row["label"]
                found.setdefault(row["node"].value, []).append(
                    (label.language or "", row["preferred"].value == "true", label.value)
                )
            for iri in batch:
                self._names[iri] = (
                    self._pick(found.get(iri, [])) or _country_name(iri, self.lang) or _short(iri)
                )
        return self

    def _pick(self, labels: list[tuple[str, bool, str]]) -> str | None:
        for lang in dict.fromkeys((self.lang, "en")):
            mine = [(not pref, text) for tag, pref, text in labels if _in(tag, lang)]
            if mine:
                preferred = [text for rank, text in mine if rank == min(mine)[0]]
                return min(preferred)
        return min((text for _, _, text in labels), default=None)

    def __call__(self, iri: str | None) -> str:
        if iri is None:
            return ""
        if iri not in self._names:
            self.load([iri])
        return self._names.get(iri, _short(iri))


@functools.cache
def _country_translation(lang: str):
    import pycountry

    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return gettext.NullTranslations()


def _country_name(iri: str, lang: str) -> str | None:
    """A country of the EU authority table by its ISO 3166-1 name (pycountry), in ``lang`` if translated."""
    if not iri.startswith(_COUNTRY):
        return None
    import pycountry

    country = pycountry.countries.get(alpha_3=iri[len(_COUNTRY) :])
    if country is None:
        return None
    return _country_translation(lang).gettext(country.name) if lang != "en" else country.name


def path_of(iri: str) -> str | None:
    """The server path of an IRI under ``ID`` (``/id/partnership/x``) or ``VOCAB`` (``/vocab/level``,
    ``/vocab/level/global``), or None for any other IRI."""
    if iri.startswith(ID) and iri[len(ID) :].count("/") == 1:
        return "/id/" + iri[len(ID) :]
    rest = iri[len(VOCAB) :]
    return (
        "/vocab/" + rest
        if iri.startswith(VOCAB) and rest and not rest.endswith("/") and rest.count("/") <= 1
        else None
    )


def data_name(iri: str) -> str:
    """The IRI of the data document describing ``iri``: ``.../msp/data/{kind}/{slug}`` for ``.../msp/id/...``,
    ``.../msp/data/vocab/...`` for ``.../msp/vocab/...``."""
    return (
        iri.replace("/msp/id/", "/msp/data/", 1)
        if iri.startswith(ID)
        else iri.replace("/msp/vocab/", "/msp/data/vocab/", 1)
    )


def exists(store: Store, iri: str) -> bool:
    """True when ``iri`` is the subject of at least one triple."""
    return bool(run_query(store, "ASK { ?s ?p ?o }", params={"s": iri}, where="resource").boolean)


def statements(store: Store, iri: str) -> list[tuple[str, object]]:
    """The resource's ``(predicate, object)`` pairs, sorted (the generic page of any other resource)."""
    rows = run_query(store, "SELECT ?p ?o WHERE { ?s ?p ?o }", params={"s": iri}, where="resource").rows
    return sorted(((r["p"].value, r["o"]) for r in rows), key=lambda po: (po[0], str(po[1])))


_INDEX = """
PREFIX msp: <https://w3id.org/msp/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT DISTINCT ?node ?kind WHERE {
  { ?node a msp:Partnership BIND("partnership" AS ?kind) }
  UNION
  { ?m org:member ?node ; org:organization [ a msp:Partnership ] BIND("organisation" AS ?kind) }
}
"""


def _matches(name: str, search: str) -> bool:
    """The index's search: ``search`` (trimmed) in ``name``, ignoring case."""
    return search.casefold().strip() in name.casefold()


def index(store: Store, names: Names, search: str = "") -> dict[str, list[tuple[str, str]]]:
    """Partnerships and organisations as ``(name, IRI)`` sorted by name, those whose name holds ``search``."""
    rows = run_query(store, _INDEX, where="index").rows
    names.load(r["node"].value for r in rows)
    found: dict[str, list[tuple[str, str]]] = {"partnership": [], "organisation": []}
    for row in rows:
        iri = row["node"].value
        if not _matches(names(iri), search):
            continue
        found[row["kind"].value].append((names(iri), iri))
    return {kind: sorted(set(items), key=lambda x: (x[0].casefold(), x[1])) for kind, items in found.items()}


#: The index's filters (``?group=``, ``?area=``, ``?country=``) and the namespace of their values: a value is
#: the local part of an IRI in that namespace (``?group=workers-organisations``), or any other IRI in full.
FILTERS = {
    "group": "https://w3id.org/msp/vocab/stakeholder-group/",
    "area": "https://w3id.org/msp/vocab/policy-area/",
    "country": _COUNTRY,
}
# Per partnership: its members (with their groups), its policy areas, the countries it engages.
_FACETS = """
PREFIX msp: <https://w3id.org/msp/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT DISTINCT ?partnership ?facet ?value WHERE {
  ?partnership a msp:Partnership .
  { ?m org:organization ?partnership ; org:member ?value BIND ("member" AS ?facet) }
  UNION { ?partnership msp:policyArea ?value BIND ("area" AS ?facet) }
  UNION { ?e msp:engagementOf ?partnership ; msp:country ?value BIND ("country" AS ?facet) }
}
"""
# Every organisation's groups as _GROUP_OF reads them, set at a time: the classes that stand for a group
# (the ontology's restrictions and their subclasses) first, then what is typed with them (at 10^5 triples
# 0.05 s, against 1.7 s for _GROUP_OF once per member).
_GROUPS = """
PREFIX msp: <https://w3id.org/msp/ontology#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?member ?group WHERE {
  { ?member msp:stakeholderGroup ?group }
  UNION
  { { SELECT DISTINCT ?class ?group WHERE {
        ?restriction owl:onProperty msp:stakeholderGroup ; owl:hasValue ?group .
        ?stated owl:equivalentClass ?restriction .
        ?class rdfs:subClassOf* ?stated } }
    ?member a ?class }
}
"""


def filter_value(name: str, iri: str) -> str:
    """The value of filter ``name`` (``FILTERS``) that stands for ``iri``: its local part, or the IRI."""
    local = iri[len(FILTERS[name]) :]
    return local if iri.startswith(FILTERS[name]) and local and "/" not in local else iri


def filter_iri(name: str, value: str) -> str:
    """The IRI a value of filter ``name`` stands for (``filter_value`` the other way)."""
    return value if "://" in value else FILTERS[name] + value


def _facets(store: Store) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    """Each partnership's members, each member's groups, and the values of ``(facet, partnership)``."""
    members: dict[str, set[str]] = {}
    groups: dict[str, set[str]] = {}
    facets: dict[tuple[str, str], set[str]] = {}
    for row in run_query(store, _FACETS, where="index filters").rows:
        partnership, facet = row["partnership"].value, row["facet"].value
        if facet == "member":
            members.setdefault(partnership, set()).add(row["value"].value)
        else:
            facets.setdefault((facet, partnership), set()).add(row["value"].value)
    in_partnerships = {m for ms in members.values() for m in ms}
    for row in run_query(store, _GROUPS, where="index filters").rows:
        if row["member"].value in in_partnerships:
            groups.setdefault(row["member"].value, set()).add(row["group"].value)
    return members, groups, facets


def _by_name(item: tuple[str, str]) -> tuple[str, str, str]:
    """Names in alphabetical order whatever their accents (Égalité before Emploi)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", item[0]) if not unicodedata.combining(c))
    return plain.casefold(), item[0], item[1]


def filtered_index(
    store: Store, names: Names, search: str = "", chosen: dict[str, str] | None = None
) -> dict:
    """The index (``index``, with the name search) narrowed by ``chosen`` (filter name -> IRI; all must
    hold): the partnerships with a member of the group, the policy area, an engagement in the country; the
    organisations that are members of those partnerships (and, with a group, in it), whatever the search.
    ``options``: each filter's values in the data, as ``(name, value)`` sorted by name; ``chosen``: the
    values chosen, by filter."""
    chosen = chosen or {}
    everything = index(store, names)
    found = {kind: [x for x in items if _matches(x[0], search)] for kind, items in everything.items()}
    members, groups, facets = _facets(store)
    group = chosen.get("group")

    def kept(partnership: str) -> bool:
        if any(chosen[f] not in facets.get((f, partnership), ()) for f in ("area", "country") if f in chosen):
            return False
        return group is None or any(group in groups.get(m, ()) for m in members.get(partnership, ()))

    partnerships = {iri for _, iri in everything["partnership"] if kept(iri)}  # whatever the search
    organisations = {
        m for p in partnerships for m in members.get(p, ()) if group in (None, *groups.get(m, ()))
    }
    options = {"group": {g for gs in groups.values() for g in gs}}
    for facet in ("area", "country"):
        options[facet] = {v for (f, _), vs in facets.items() if f == facet for v in vs}
    names.load(v for vs in options.values() for v in vs)
    return {
        "found": {
            "partnership": [x for x in found["partnership"] if x[1] in partnerships],
            "organisation": [x for x in found["organisation"] if x[1] in organisations],
        },
        "options": {
            f: sorted(((names(v), filter_value(f, v)) for v in vs), key=_by_name) for f, vs in options.items()
        },
        "chosen": {f: filter_value(f, iri) for f, iri in chosen.items()},
    }


@dataclass
class Verdict:
    """What the report kept at start-up says about one partnership."""

    known: bool
    meets: bool
    problems: list[tuple[str, str]] = field(default_factory=list)  # (severity, message)


def verdict(report: ValidationReport | None, iri: str) -> Verdict | None:
    """The verdict on ``iri`` and its problems, the most severe first; None when the report has none."""
    if report is None or iri not in report.partnerships:
        return None
    found = {(r.severity, r.message) for r in report.results if r.partnership == iri}
    problems = sorted(found, key=lambda p: (-SEVERITIES.index(p[0]) if p[0] in SEVERITIES else 1, p[1]))
    return Verdict(report.composition_known, iri in report.meeting_composition, problems)


_PREFIXES = """PREFIX msp: <https://w3id.org/msp/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX time: <http://www.w3.org/2006/time#>
"""
_WHEN = "(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear)"
# A member's group as members-by-stakeholder-group.rq reads it: msp:stakeholderGroup, or the group of an
# msp: class it is typed with (the ontology's owl:hasValue restrictions), so reasoning changes nothing.
_GROUP_OF = """
    { ?member msp:stakeholderGroup ?group }
    UNION
    { ?member a/rdfs:subClassOf* ?class . ?class owl:equivalentClass ?restriction .
      ?restriction owl:onProperty msp:stakeholderGroup ; owl:hasValue ?group }"""
_MEMBERS = (
    _PREFIXES
    + f"""
SELECT ?member ?group ?role ?start ?end WHERE {{
  ?membership org:organization ?partnership ; org:member ?member .
  OPTIONAL {{ ?membership org:role ?role }}
  OPTIONAL {{ ?membership org:memberDuring/time:hasBeginning/{_WHEN} ?start }}
  OPTIONAL {{ ?membership org:memberDuring/time:hasEnd/{_WHEN} ?end }}
  OPTIONAL {{ {_GROUP_OF} }}
}}
"""
)
_COUNTRIES = (
    _PREFIXES
    + f"""
SELECT ?country ?role ?start ?end WHERE {{
  ?engagement msp:engagementOf ?partnership ; msp:country ?country .
  OPTIONAL {{ ?engagement msp:engagementRole ?role }}
  OPTIONAL {{ ?engagement msp:engagedDuring/time:hasBeginning/{_WHEN} ?start }}
  OPTIONAL {{ ?engagement msp:engagedDuring/time:hasEnd/{_WHEN} ?end }}
}}
"""
)
_FACTS = (
    _PREFIXES
    + f"""
SELECT ?p ?o WHERE {{
  {{ ?partnership ?p ?o
     FILTER (?p IN (msp:objective, msp:policyArea, msp:level, msp:formality, foaf:homepage, dct:source,
                    dct:description, msp:sdgTarget)) }}
  UNION {{ ?partnership msp:activeDuring/time:hasBeginning/{_WHEN} ?o BIND ("start" AS ?p) }}
  UNION {{ ?partnership msp:activeDuring/time:hasEnd/{_WHEN} ?o BIND ("end" AS ?p) }}
}}
"""
)
_ALLIANCES = (
    _PREFIXES
    + """
SELECT ?partnership ?role ?group WHERE {
  ?membership org:member ?organisation ; org:organization ?partnership .
  OPTIONAL { ?membership org:role ?role }
  OPTIONAL { ?organisation msp:stakeholderGroup ?group }
}
"""
)
_MSP = "https://w3id.org/msp/ontology#"
_KEYS = {
    _MSP + "objective": "objectives",
    _MSP + "policyArea": "policy_areas",
    _MSP + "level": "level",
    _MSP + "formality": "formality",
    _MSP + "sdgTarget": "sdg_targets",
    "http://xmlns.com/foaf/0.1/homepage": "homepage",
    "http://purl.org/dc/terms/source": "sources",
    "start": "start",
    "end": "end",
}


def _value(term) -> str | None:
    return None if term is None else term.value


def partnership(store: Store, iri: str, names: Names, report: ValidationReport | None) -> dict:
    """Everything the partnership page shows: facts, members by group, countries, verdict."""
    params = {"partnership": iri}
    members = run_query(store, _MEMBERS, params=params, where="partnership members").rows
    countries = run_query(store, _COUNTRIES, params=params, where="partnership countries").rows
    facts: dict[str, list[str]] = {}
    descriptions = []
    for row in run_query(store, _FACTS, params=params, where="partnership").rows:
        if row["p"].value == "http://purl.org/dc/terms/description":
            descriptions.append((row["o"].language or "", row["o"].value))
        else:
            facts.setdefault(_KEYS[row["p"].value], []).append(row["o"].value)
    names.load([m["member"].value for m in members] + [_value(m["group"]) or "" for m in members])
    names.load([_value(m["role"]) or "" for m in members] + [c["country"].value for c in countries])
    names.load(v for key in ("objectives", "policy_areas", "level", "formality") for v in facts.get(key, []))
    groups: dict[str, dict[str, tuple]] = {}
    for m in members:
        group = names(_value(m["group"])) or "(no stakeholder group recorded)"
        member = m["member"].value
        seen = groups.setdefault(group, {}).get(member)
        roles = sorted({*(seen[2] if seen else ()), names(_value(m["role"]))} - {""})
        groups[group][member] = (names(member), member, roles, _value(m["start"]), _value(m["end"]))
    return {
        "iri": iri,
        "name": names(iri),
        "description": _in_language(descriptions, names.lang),
        "facts": {key: sorted(set(facts.get(key, []))) for key in _KEYS.values()},
        "groups": [
            (g, sorted(ms.values())) for g, ms in sorted(groups.items(), key=lambda x: x[0].casefold())
        ],
        "member_count": len({m["member"].value for m in members}),
        "countries": sorted(
            {
                (names(c["country"].value), names(_value(c["role"])), _value(c["start"]), _value(c["end"]))
                for c in countries
            }
        ),
        "verdict": verdict(report, iri),
    }


_DRAWING = threading.Lock()  # matplotlib's settings are global: one picture at a time


def neighbourhood(graph: nx.Graph, iri: str, names: Names) -> nx.Graph | None:
    """The network around partnership ``iri``: the partnership, its members and the other partnerships they
    are members of (one step), taken from ``graph`` (the whole ``network()``), labelled with the names in
    ``names``' language; None when the partnership has no members."""
    if iri not in graph or not graph[iri]:
        return None
    import networkx as nx

    keep = {iri, *graph[iri], *(p for m in graph[iri] for p in graph[m])}
    names.load(keep)
    # Nodes and edges added in one order whatever the store's: the layout sums positions over neighbours.
    around = nx.Graph()
    around.add_nodes_from((n, {**graph.nodes[n], "label": names(n)}) for n in sorted(keep))
    edges = sorted(tuple(sorted(e)) for e in graph.subgraph(keep).edges)
    around.add_edges_from((a, b, dict(graph.edges[a, b])) for a, b in edges)
    return around


def network_svg(around: nx.Graph, title: str) -> str | None:
    """``around`` drawn by ``msp_graph.network.draw`` as SVG text to put inline in a page (no XML
    declaration, DOCTYPE or metadata, which names the matplotlib version): the same bytes for the same
    data. None when matplotlib (the ``picture`` extra) is not installed."""
    try:
        with _DRAWING:
            svg = draw(around, format="svg", title=title).decode("utf-8")
    except MspGraphError:  # no matplotlib: the page goes without the picture
        return None
    svg = svg[svg.index("<svg") :]
    return re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)


def _in_language(texts: list[tuple[str, str]], lang: str) -> str | None:
    for wanted in dict.fromkeys((lang, "en")):
        mine = sorted(text for tag, text in texts if _in(tag, wanted))
        if mine:
            return mine[0]
    return min((text for _, text in texts), default=None)


def organisation(store: Store, iri: str, names: Names) -> dict:
    """Everything the organisation page shows: its alliances (with roles) and who it shares them with
    (the named query ``partners-sharing-alliances`` with ``partner`` bound)."""
    rows = run_query(store, _ALLIANCES, params={"organisation": iri}, where="organisation").rows
    shared = run_query(store, get_query("partners-sharing-alliances"), params={"partner": iri}).rows
    names.load([r["partnership"].value for r in rows] + [_value(r["role"]) or "" for r in rows])
    names.load([_value(r["group"]) or "" for r in rows] + [r["partnerB"].value for r in shared])
    alliances: dict[str, set[str]] = {}
    for row in rows:
        alliances.setdefault(row["partnership"].value, set()).add(names(_value(row["role"])))
    return {
        "iri": iri,
        "name": names(iri),
        "groups": sorted({names(_value(r["group"])) for r in rows if r["group"] is not None}),
        "alliances": sorted((names(p), p, sorted(roles - {""})) for p, roles in alliances.items()),
        "partners": [
            (
                names(r["partnerB"].value),
                r["partnerB"].value,
                int(r["sharedCount"].value),
                r["sharedAlliances"].value,
            )
            for r in shared
        ],
    }


def validation(report: ValidationReport | None) -> dict | None:
    """The report kept at start-up as the CLI's text report has it (``report.render("text")``): each
    partnership with results, its verdict and result lines (the same lines); the other resources; the
    partnerships without problems; the OWL inconsistencies; the summary. None without a report."""
    if report is None:
        return None
    groups: dict[str | None, list] = {}
    for result in report.results:
        groups.setdefault(result.partnership, []).append(result)
    known, meeting = report.composition_known, set(report.meeting_composition)
    partnerships = []
    for iri, label in sorted(report.partnerships.items(), key=lambda kv: kv[1].lower()):
        if iri in groups:
            meets = iri in meeting
            verdict = (
                "" if not known else ("meets" if meets else "does not meet") + " the MSP composition rule"
            )
            lines = [line.strip() for line in result_lines(groups[iri], iri)]
            partnerships.append((label, iri, verdict, meets and known, lines))
    clean = [(label, iri) for iri, label in report.partnerships.items() if iri not in groups]
    return {
        "summary": report.summary(),
        "partnerships": partnerships,
        "other": [line.strip() for line in result_lines(groups.get(None, []), None)],
        "clean": sorted(clean, key=lambda x: (x[0].lower(), x[1])),
        "inconsistencies": [f"✗ {i.rule}: {i.message}" for i in report.inconsistencies],
    }


ONTOLOGY = "https://w3id.org/msp/ontology"
_OWL = "http://www.w3.org/2002/07/owl#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SECTIONS = (
    ("Class", "Classes"),
    ("ObjectProperty", "Object properties"),
    ("DatatypeProperty", "Datatype properties"),
)
_TERM_FIELDS = {
    _RDFS + "label": "labels",
    "http://www.w3.org/2004/02/skos/core#definition": "definitions",
    _RDFS + "domain": "domain",
    _RDFS + "range": "range",
    _RDFS + "subClassOf": "parents",
    _RDFS + "subPropertyOf": "parents",
    _OWL + "inverseOf": "inverse",
    "http://purl.org/dc/terms/source": "sources",
}


def ontology() -> dict:
    """The bundled ontology (``ontology/msp.ttl``) as its documentation page shows it: its header, then
    each class and property (sorted by local name) with labels and definitions in en/fr/es, domains,
    ranges, superclasses, inverses and the sources it comes from (the seed citations); then the concept
    schemes of the bundled vocabularies (``vocab/*.ttl``) with their labels and descriptions."""
    with EmbeddedStore() as scratch:
        scratch.load(bundled_dir("ontology") / "msp.ttl", graph=ONTOLOGY, format="turtle")
        for path in bundled_files("vocab"):
            scratch.load(path, graph=VOCAB + path.stem, format="turtle")
        rows = run_query(
            scratch, "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER isIRI(?s) }", where="ontology"
        ).rows
    about: dict[str, dict[str, list]] = {}
    for row in rows:
        about.setdefault(row["s"].value, {}).setdefault(row["p"].value, []).append(row["o"])
    sections = []
    for kind, title in _SECTIONS:
        terms = [_term(iri, facts) for iri, facts in about.items() if _is_a(facts, _OWL + kind)]
        sections.append((title, sorted(terms, key=lambda term: term["name"].casefold())))
    header = about.get(ONTOLOGY, {})
    return {
        "iri": ONTOLOGY,
        "title": _texts(header.get("http://purl.org/dc/terms/title", [])).get("en", "msp ontology"),
        "description": _texts(header.get("http://purl.org/dc/terms/description", [])).get("en", ""),
        "version": "".join(o.value for o in header.get(_OWL + "versionInfo", [])[:1]),
        "licence": "".join(o.value for o in header.get("http://purl.org/dc/terms/license", [])[:1]),
        "sections": sections,
        "schemes": sorted(
            (_scheme(iri, facts) for iri, facts in about.items() if _is_a(facts, _SKOS + "ConceptScheme")),
            key=lambda scheme: scheme["iri"],
        ),
    }


def _scheme(iri: str, facts: dict[str, list]) -> dict:
    """A concept scheme as the ontology page lists it: labels and descriptions by language."""
    return {
        "iri": iri,
        "labels": _texts(facts.get(_SKOS + "prefLabel", [])),
        "descriptions": _texts(facts.get("http://purl.org/dc/terms/description", [])),
    }


def _is_a(facts: dict[str, list], kind: str) -> bool:
    return any(o.value == kind for o in facts.get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", []))


def _texts(literals: list) -> dict[str, str]:
    """One text per language tag (``en`` for untagged), the smallest when there are several."""
    out: dict[str, str] = {}
    for literal in sorted(literals, key=lambda o: o.value, reverse=True):
        out[getattr(literal, "language", None) or "en"] = literal.value
    return out


def _term(iri: str, facts: dict[str, list]) -> dict:
    term = {"iri": iri, "name": iri.rsplit("#", 1)[-1]}
    for predicate, key in _TERM_FIELDS.items():
        values = facts.get(predicate, [])
        if key in ("labels", "definitions"):
            term[key] = _texts(values)
        else:  # named nodes only: a restriction (blank node) is not a superclass a reader can follow
            named = sorted(o.value for o in values if isinstance(o, ox.NamedNode))
            term[key] = sorted(set(term.get(key, []) + named))
    return term


_SKOS = "http://www.w3.org/2004/02/skos/core#"
# Who uses a concept: partnerships and organisations (members of a partnership) that point to it, through
# a membership (org:role) or a country engagement too; for a stakeholder group, the organisations typed with
# a class that stands for it (the ontology's owl:hasValue restrictions), as the partnership page reads them.
_USERS = (
    _PREFIXES
    + """
SELECT DISTINCT ?node ?kind WHERE {
  { ?user ?link ?concept .
    { ?user a msp:Partnership BIND (?user AS ?node) BIND ("partnership" AS ?kind) }
    UNION { ?user org:organization ?node ; org:member ?someone . ?node a msp:Partnership
            BIND ("partnership" AS ?kind) }
    UNION { ?user org:member ?node ; org:organization ?in . ?in a msp:Partnership
            BIND ("organisation" AS ?kind) }
    UNION { ?user msp:engagementOf ?node BIND ("partnership" AS ?kind) }
    UNION { ?m org:member ?user ; org:organization ?in . ?in a msp:Partnership
            BIND (?user AS ?node) BIND ("organisation" AS ?kind) } }
  UNION
  { ?class owl:equivalentClass ?restriction .
    ?restriction owl:onProperty msp:stakeholderGroup ; owl:hasValue ?concept .
    ?node a/rdfs:subClassOf* ?class . ?m org:member ?node ; org:organization ?in . ?in a msp:Partnership
    BIND ("organisation" AS ?kind) }
}
"""
)
_INCOMING = f"""SELECT ?s ?p WHERE {{ ?s ?p ?o
  FILTER (?p IN (<{_SKOS}broader>, <{_SKOS}narrower>, <{_SKOS}inScheme>, <{_SKOS}topConceptOf>)) }}"""
# The concept's links: its key on the page, and the inverse link's key (a narrower concept states broader).
_CONCEPT_LINKS = {
    _SKOS + "broader": "broader",
    _SKOS + "narrower": "narrower",
    _SKOS + "inScheme": "schemes",
    _SKOS + "topConceptOf": "schemes",
    _SKOS + "hasTopConcept": "concepts",
    _SKOS + "member": "members",
    "http://purl.org/dc/terms/source": "sources",
}
_INVERSE = {_SKOS + "broader": "narrower", _SKOS + "narrower": "broader"}
_INVERSE |= {_SKOS + "inScheme": "concepts", _SKOS + "topConceptOf": "concepts"}


def concept(store: Store, iri: str, names: Names) -> dict:
    """Everything the page of a SKOS concept, collection or concept scheme shows: its labels, alternative
    labels and definitions by language, notation, schemes, broader and narrower concepts (stated either
    way), a collection's members, a scheme's concepts, sources, and the partnerships and organisations that
    use it (``_USERS``), each list as IRIs sorted by name."""
    facts: dict[str, list] = {}
    for predicate, value in statements(store, iri):
        facts.setdefault(predicate, []).append(value)
    linked: dict[str, set[str]] = {key: set() for key in (*_CONCEPT_LINKS.values(), "narrower", "concepts")}
    for predicate, key in _CONCEPT_LINKS.items():
        linked[key] |= {o.value for o in facts.get(predicate, []) if isinstance(o, ox.NamedNode)}
    for row in run_query(store, _INCOMING, params={"o": iri}, where="concept").rows:
        if isinstance(row["s"], ox.NamedNode):
            linked[_INVERSE[row["p"].value]].add(row["s"].value)
    users = run_query(store, _USERS, params={"concept": iri}, where="concept users").rows
    used = {"partnership": set(), "organisation": set()}
    for row in users:
        used[row["kind"].value].add(row["node"].value)
    names.load([iri, *(i for values in (*linked.values(), *used.values()) for i in values)])
    by_name = lambda iris: sorted(iris, key=lambda i: _by_name((names(i), i)))  # noqa: E731
    alternatives: dict[str, list[str]] = {}
    for literal in facts.get(_SKOS + "altLabel", []):
        alternatives.setdefault(literal.language or "en", []).append(literal.value)
    types = {o.value for o in facts.get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", [])}
    return {
        "iri": iri,
        "name": names(iri),
        "kind": "scheme" if _SKOS + "ConceptScheme" in types else "concept",
        "labels": _texts(facts.get(_SKOS + "prefLabel", [])),
        "alternatives": {lang: sorted(texts) for lang, texts in alternatives.items()},
        "definitions": _texts(facts.get(_SKOS + "definition", [])),
        "descriptions": _texts(facts.get("http://purl.org/dc/terms/description", [])),
        "notation": sorted(o.value for o in facts.get(_SKOS + "notation", [])),
        **{key: by_name(values) for key, values in linked.items()},
        "partnerships": by_name(used["partnership"]),
        "organisations": by_name(used["organisation"]),
    }


def short(iri: str) -> str:
    """An IRI as ``prefix:local`` with the project's prefixes (the IRI itself when none fits)."""
    return _short(iri)
