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

import difflib
import functools
import gettext
import re
import unicodedata
from dataclasses import dataclass, field

import pycountry
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ..resources import bundled_files

__all__ = ["COUNTRY", "SDG", "VOCAB", "UnknownValue", "Vocabularies", "country", "country_code", "normalise"]

VOCAB = "https://w3id.org/msp/vocab/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
SDG = "http://metadata.un.org/sdg/"
MSP = rdflib.Namespace("https://w3id.org/msp/ontology#")
_LANGS = ("en", "fr", "es")


def normalise(text: str) -> str:
    """Case-, accent-, apostrophe- and spacing-insensitive key of a typed value.

    >>> normalise("  Organisations  d’EMPLOYEURS ")
    "organisations d'employeurs"
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"[\s_\-]+", " ", text.casefold())
    return text.strip()


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
        for concept in set(graph.subjects(RDF.type, SKOS.Concept)):
            iri = str(concept)
            if not iri.startswith(VOCAB) or "/" not in iri[len(VOCAB) :]:
                continue
            name = iri[len(VOCAB) :].split("/", 1)[0]
            scheme = self.schemes.setdefault(name, Scheme(name))
            notation = graph.value(concept, SKOS.notation)
            code = str(notation) if notation is not None else iri.rsplit("/", 1)[-1]
            scheme.codes[iri] = code
            scheme.keys.setdefault(normalise(code), iri)
            scheme.keys.setdefault(normalise(iri), iri)
            for predicate in (SKOS.prefLabel, SKOS.altLabel):
                for label in graph.objects(concept, predicate):
                    if isinstance(label, rdflib.Literal) and (label.language or "en") in _LANGS:
                        scheme.keys.setdefault(normalise(str(label)), iri)
                        if predicate == SKOS.prefLabel and label.language == "en":
                            scheme.labels[iri] = str(label)
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

    @classmethod
    @functools.cache
    def bundled(cls) -> Vocabularies:
        """The vocabularies shipped with msp-graph (``vocab/*.ttl`` and ``ontology/msp.ttl``), read once."""
        graph = rdflib.Graph()
        for path in bundled_files("vocab") + bundled_files("ontology", "msp.ttl"):
            graph.parse(path, format="turtle")
        return cls(graph)

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
