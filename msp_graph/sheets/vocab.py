"""Codes and labels accepted in spreadsheet cells: concept schemes, countries, output classes.

Every value a partnership officer types is matched case- and accent-insensitively against the concept's
code (``skos:notation``) and its labels in English, French and Spanish (``skos:prefLabel``,
``skos:altLabel``), read from the bundled ``vocab/*.ttl``. Countries are matched against ISO 3166-1 codes
and names (English, French, Spanish) from pycountry. An unknown value comes back with the closest known
ones ("did you mean ...").

>>> v = Vocabularies.bundled()
>>> str(v.concept("level", "Mondial"))
'https://w3id.org/msp/vocab/level/global'
"""

from __future__ import annotations

import copy
import difflib
import functools
import gettext
import re
import unicodedata
from dataclasses import dataclass, field

import pycountry
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..resources import bundled_files

__all__ = [
    "COUNTRY",
    "SCHEMES",
    "SDG",
    "SPELLINGS",
    "VOCAB",
    "UnknownValue",
    "Vocabularies",
    "bundled_graph",
    "country",
    "country_code",
    "name_key",
    "name_parts",
    "normalise",
]

VOCAB = "https://w3id.org/msp/vocab/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
SDG = "http://metadata.un.org/sdg/"
MSP = rdflib.Namespace("https://w3id.org/msp/ontology#")
_LANGS = ("en", "fr", "es")
#: The scheme whose "concepts" are the concept schemes themselves (``policy-area``, "Policy areas"): what
#: the ``scheme`` column of the concepts sheet reads.
SCHEMES = "concept-scheme"


def normalise(text: str) -> str:
    """Case-, accent-, apostrophe- and spacing-insensitive key of a typed value.

    >>> normalise("  Organisations  d’EMPLOYEURS ")
    "organisations d'employeurs"
    """
    if not text.isascii():  # ASCII has nothing to decompose
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("`", "'")
    text = re.sub(r"[\s_\-]+", " ", text.casefold())
    return text.strip()


#: British spellings -> the American ones a name key uses (whole words), so "International Labour
#: Organisation" and "International Labor Organization" are one key. Small on purpose: words of names.
SPELLINGS = {
    "labour": "labor",
    "labours": "labors",
    "programme": "program",
    "programmes": "programs",
    "centre": "center",
    "centres": "centers",
    "defence": "defense",
    "licence": "license",
    "favour": "favor",
    "behaviour": "behavior",
    "harbour": "harbor",
    "neighbour": "neighbor",
    "neighbourhood": "neighborhood",
    "catalogue": "catalog",
    "dialogue": "dialog",
    "analyse": "analyze",
}
#: Stems whose -ise/-isation forms are written -ize/-ization in American spelling (organisation, mobilise...);
#: a closed list, as "enterprise", "promise" or "expertise" are never written with a z.
_ISE_STEMS = (
    "organ|mobil|recogn|harmon|special|standard|civil|international|formal|capital|modern|industrial|urban"
    "|sensit|subsid|decentral|categor|priorit|optim|summar|author|democrat|normal|util|global|stabil"
    "|central|fertil|real|local|computer|digital|privat|visual|minim|maxim|memor|synchron|character"
)
_ISE = re.compile(rf"({_ISE_STEMS})is(e|es|ed|er|ers|ing|ation|ations)")
_INITIALS = re.compile(r"\b([a-z])\.")  # U.N. -> UN (a letter and its dot); 8.7 keeps its dot
_PUNCTUATION = re.compile(r"[^\w.]+|(?<!\d)\.|\.(?!\d)")


@functools.lru_cache(maxsize=1 << 16)  # a name indexed, then typed again in the rows naming it
def name_key(text: str) -> str:
    """The key a record's name, acronym or id is indexed and looked up by: ``normalise``d, then without the
    dots of initials ("U.N." = "UN"), with "&" read as "and", other punctuation (hyphens, apostrophes,
    brackets) as spaces or nothing, and British spellings read as American (``SPELLINGS``, -ise = -ize).

    >>> name_key("U.N. Women") == name_key("UN-Women"), name_key("International Labour Organisation")
    (True, 'international labor organization')
    """
    text = normalise(text)
    if "." in text:
        text = _INITIALS.sub(r"\1", text)
    text = _PUNCTUATION.sub(" ", text.replace("&", " and ").replace("'", ""))
    return " ".join(_american(word) for word in text.split())


def _american(word: str) -> str:
    if word in SPELLINGS:
        return SPELLINGS[word]
    match = _ISE.fullmatch(word) if "is" in word else None
    return f"{match[1]}iz{match[2]}" if match else word


def name_parts(text: str) -> tuple[str, str] | None:
    """The name and the acronym of "Name (ACRONYM)", as sources write them; None for any other text.

    >>> name_parts("International Labour Organization (ILO)")
    ('International Labour Organization', 'ILO')
    """
    match = re.fullmatch(r"\s*([^()]*[^()\s])\s*\(\s*([^()]*[^()\s])\s*\)\s*", text)
    return (match[1], match[2]) if match else None


@functools.cache
def bundled_graph() -> rdflib.Graph:
    """``vocab/*.ttl`` and ``ontology/msp.ttl`` as one graph, parsed once per process (read only: shared)."""
    graph = rdflib.Graph()
    for path in bundled_files("vocab") + bundled_files("ontology", "msp.ttl"):
        graph.parse(path, format="turtle")
    return graph


class UnknownValue(ValueError):
    """A cell value that names no known code or label; ``str()`` says what was expected."""


@dataclass
class Scheme:
    """One concept scheme: its concepts' codes, and every accepted key -> concept."""

    name: str
    codes: dict[str, str] = field(default_factory=dict)  # concept IRI -> notation
    keys: dict[str, str] = field(default_factory=dict)  # normalised key -> concept IRI
    labels: dict[str, str] = field(default_factory=dict)  # concept IRI -> English label

    def lookup(self, text: str) -> str:
        key = normalise(text)
        if key in self.keys:
            return self.keys[key]
        raise UnknownValue(_unknown(self.name.replace("-", " "), text, self.keys, self.codes.values()))


def _unknown(what: str, text: str, keys: dict[str, str], codes) -> str:
    close = difflib.get_close_matches(normalise(text), list(keys), n=3, cutoff=0.6)
    suggestions: list[str] = []
    for key in close:
        code = keys[key]
        shown = code.rsplit("/", 1)[-1]
        if shown not in suggestions:
            suggestions.append(shown)
    if suggestions:
        hint = "did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
    else:
        hint = "use one of: " + ", ".join(sorted(codes))
    return f"unknown {what} {text!r}; {hint}"


class Vocabularies:
    """The concept schemes and output classes of the bundled vocabularies and ontology."""

    def __init__(self, graph: rdflib.Graph):
        self.schemes: dict[str, Scheme] = {}
        self.add_concepts(graph)
        # Output classes: msp:Output and its subclasses, by local name and label (en, fr, es).
        self.output_classes: dict[str, str] = {}
        self._output_keys: dict[str, str] = {}
        outputs = {MSP.Output} | set(graph.transitive_subjects(RDFS.subClassOf, MSP.Output))
        for cls in outputs:
            if (cls, RDF.type, OWL.Class) not in graph and cls != MSP.Output:
                continue
            local = str(cls)[len(str(MSP)) :]
            self.output_classes[str(cls)] = local
            self._output_keys.setdefault(normalise(local), str(cls))
            self._output_keys.setdefault(normalise(re.sub(r"(?<!^)(?=[A-Z])", " ", local)), str(cls))
            for label in graph.objects(cls, RDFS.label):
                if isinstance(label, rdflib.Literal) and (label.language or "en") in _LANGS:
                    self._output_keys.setdefault(normalise(str(label)), str(cls))

    def add_concepts(self, graph: rdflib.Graph) -> None:
        """Add the concepts of ``graph`` to their schemes: a concept joins the scheme it is
        ``skos:inScheme`` of (one under ``VOCAB``), else the one its IRI lies under; and the schemes
        themselves to ``SCHEMES``. Keys already taken keep their concept."""
        for concept in sorted(set(graph.subjects(RDF.type, SKOS.Concept))):
            name = _scheme_of(graph, concept)
            if name is None:
                continue
            notation = graph.value(concept, SKOS.notation)
            code = str(notation) if notation is not None else str(concept).rsplit("/", 1)[-1]
            self._add(name, str(concept), code, graph, concept, (SKOS.prefLabel, SKOS.altLabel))
        for scheme in sorted(set(graph.subjects(RDF.type, SKOS.ConceptScheme))):
            code = str(scheme)[len(VOCAB) :]
            if str(scheme).startswith(VOCAB) and code and "/" not in code:
                self._add(SCHEMES, str(scheme), code, graph, scheme, (SKOS.prefLabel, DCTERMS.title))

    def _add(self, name: str, iri: str, code: str, graph: rdflib.Graph, node, predicates) -> None:
        scheme = self.schemes.setdefault(name, Scheme(name))
        scheme.codes.setdefault(iri, code)
        scheme.keys.setdefault(normalise(code), iri)
        scheme.keys.setdefault(normalise(iri), iri)
        for predicate in predicates:
            for label in graph.objects(node, predicate):
                if isinstance(label, rdflib.Literal) and (label.language or "en") in _LANGS:
                    scheme.keys.setdefault(normalise(str(label)), iri)
                    if predicate == SKOS.prefLabel and label.language == "en":
                        scheme.labels.setdefault(iri, str(label))

    def extended(self, graph: rdflib.Graph) -> Vocabularies:
        """These vocabularies plus the concepts of ``graph`` (a concepts sheet, a store's data); ``self``
        is unchanged."""
        out = copy.copy(self)
        out.schemes = {
            n: Scheme(n, dict(s.codes), dict(s.keys), dict(s.labels)) for n, s in self.schemes.items()
        }
        out.add_concepts(graph)
        return out

    @classmethod
    @functools.cache
    def bundled(cls) -> Vocabularies:
        """The vocabularies shipped with msp-graph (``vocab/*.ttl`` and ``ontology/msp.ttl``), read once."""
        return cls(bundled_graph())

    def scheme(self, name: str) -> Scheme:
        try:
            return self.schemes[name]
        except KeyError:
            raise UnknownValue(f"the concept scheme {name!r} is not in the bundled vocabularies") from None

    def concept(self, scheme: str, text: str) -> rdflib.URIRef:
        """The concept of ``scheme`` whose code or label (en, fr, es) is ``text``."""
        return rdflib.URIRef(self.scheme(scheme).lookup(text))

    def code(self, iri: str) -> str | None:
        """The code (``skos:notation``) of a known concept IRI, or None."""
        for scheme in self.schemes.values():
            if iri in scheme.codes:
                return scheme.codes[iri]
        return None

    def output_class(self, text: str) -> rdflib.URIRef:
        key = normalise(text)
        if key in self._output_keys:
            return rdflib.URIRef(self._output_keys[key])
        raise UnknownValue(_unknown("output type", text, self._output_keys, self.output_classes.values()))


def _scheme_of(graph: rdflib.Graph, concept) -> str | None:
    """The name of the scheme under ``VOCAB`` a concept is in (``policy-area``), or None."""
    for candidate in sorted(str(s) for s in graph.objects(concept, SKOS.inScheme)):
        name = candidate[len(VOCAB) :]
        if candidate.startswith(VOCAB) and name and "/" not in name:
            return name
    iri = str(concept)
    if iri.startswith(VOCAB) and "/" in iri[len(VOCAB) :]:
        return iri[len(VOCAB) :].split("/", 1)[0]
    return None


@functools.cache
def _country_keys() -> dict[str, str]:
    """Normalised ISO 3166-1 codes and names (en, fr, es) -> alpha-3 code."""
    keys: dict[str, str] = {}
    translations = []
    for lang in ("fr", "es"):
        try:
            translations.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:
            continue
    for country in pycountry.countries:
        code = country.alpha_3
        names = [country.alpha_3, country.alpha_2, country.name]
        names += [getattr(country, a) for a in ("official_name", "common_name") if hasattr(country, a)]
        for translation in translations:
            names += [translation.gettext(n) for n in names[2:]]
        for name in names:
            keys.setdefault(normalise(name), code)
    return keys


def country(text: str) -> rdflib.URIRef:
    """The EU country authority IRI of an ISO 3166-1 code or a country name (en, fr, es).

    >>> str(country("Côte d'Ivoire")), str(country("civ"))[-3:]
    ('http://publications.europa.eu/resource/authority/country/CIV', 'CIV')
    """
    keys = _country_keys()
    key = normalise(text)
    if key in keys:
        return rdflib.URIRef(COUNTRY + keys[key])
    raise UnknownValue(_unknown("country", text, keys, ["an ISO 3166-1 alpha-3 code such as FRA"]))


def country_code(iri: str) -> str | None:
    """The alpha-3 code of a country IRI that ``country()`` gives back unchanged, or None."""
    if not iri.startswith(COUNTRY):
        return None
    code = iri[len(COUNTRY) :]
    return code if _country_keys().get(normalise(code)) == code else None
