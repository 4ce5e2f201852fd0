"""The spreadsheet layout: one sheet per kind of record, each column mapped onto the ontology.

This module is the single description of the layout: the template, the importer, the exporter and
``docs/spreadsheets.md`` all follow it. A column turns one cell into RDF terms (``parse``) and a set of
terms back into one cell (``render``); the exporter keeps a cell only when parsing it back gives exactly
the triples it came from, so a value the layout cannot carry goes to the ``triples`` sheet instead.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import hashlib
import logging
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from ..prefixes import SCHEMES, select
from . import vocab as V

__all__ = [
    "CSVW",
    "ID",
    "MSP",
    "ORG",
    "PREFIXES",
    "SHEETS",
    "TIME",
    "ApproximateDate",
    "Column",
    "Sheet",
    "column_mark",
    "instant_text",
    "owner_sheets",
    "parse_cell",
    "period_triples",
    "quiet_libraries",
    "ref_kind",
    "sheet_named",
    "slugify",
    "strip_import_provenance",
]

ID = "https://w3id.org/msp/id/"
MSP = Namespace("https://w3id.org/msp/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
SH = Namespace("http://www.w3.org/ns/shacl#")
CSVW = Namespace(select("csvw")["csvw"])
SEPARATOR = ";"
#: The prefixed names (``msp:level``) the ``triples`` sheet reads, and the export writes where they read back.
PREFIXES = select(
    "msp",
    "org",
    "time",
    "rdf",
    "rdfs",
    "skos",
    "dct",
    "prov",
    "xsd",
    "foaf",
    "owl",
    "csvw",
    *SCHEMES,
    "country",
    "sdg",
)


def slugify(text: str, *, limit: int = 60) -> str:
    """A lower-case ``[a-z0-9-]`` slug of a name, for minted IRIs.

    >>> slugify("Alliance 8.7 — Côte d'Ivoire")
    'alliance-8-7-cote-d-ivoire'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def local_slug(iri: str) -> str:
    """A slug standing for any IRI (used to name the periods of records with a full-IRI id)."""
    if iri.startswith(ID):
        path = iri[len(ID) :].removeprefix("partnership/")  # as the data names them: interval:gan
        if re.fullmatch(r"[A-Za-z0-9._~/-]+", path):
            return path.replace("/", "-")
    digest = hashlib.sha1(iri.encode()).hexdigest()[:8]
    return f"{slugify(iri.rsplit('/', 1)[-1]) or 'x'}-{digest}"


def record_slug(iri: str) -> str:
    """The slug of a record without its kind, as the data names them: ``.../partnership/global-deal`` ->
    ``global-deal``, ``.../organisation/ilo`` -> ``ilo``; any other IRI: ``local_slug``.

    >>> record_slug(ID + "partnership/global-deal"), record_slug(ID + "organisation/ilo")
    ('global-deal', 'ilo')
    """
    if iri.startswith(ID):
        _kind, _, rest = iri[len(ID) :].partition("/")
        if rest and re.fullmatch(r"[A-Za-z0-9._~/-]+", rest):
            return rest.replace("/", "-")
    return local_slug(iri)


class _IllTyped(logging.Filter):
    """Drops rdflib's report of an ill-typed literal (a logged traceback) or of a doubtful IRI: the
    spreadsheet code reports both itself, located."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (
            message.startswith("Failed to convert Literal lexical form")
            or "does not look like a valid URI" in message
        )


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """While reading or writing spreadsheets: no rdflib traceback for an ill-typed literal, no openpyxl
    warning about workbook features it drops (data validation, conditional formatting...)."""
    logger = logging.getLogger("rdflib.term")
    dropped = _IllTyped()
    logger.addFilter(dropped)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="openpyxl")
            warnings.filterwarnings("ignore", message="Parsing weird boolean", module="rdflib")
            yield
    finally:
        logger.removeFilter(dropped)


class CellError(ValueError):
    """A cell value that cannot be read; ``str()`` says what is wrong and what to type instead."""


# --- value kinds ----------------------------------------------------------------------------------------

_DATE_FORMS = (
    (re.compile(r"^\d{4}$"), XSD.gYear),
    (re.compile(r"^\d{4}-\d{2}$"), XSD.gYearMonth),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), XSD.date),
)
_DATE_PROPERTY = {XSD.gYear: TIME.inXSDgYear, XSD.gYearMonth: TIME.inXSDgYearMonth, XSD.date: TIME.inXSDDate}


@dataclass(frozen=True)
class ApproximateDate:
    """A date cell known only approximately: somewhere from ``earliest`` to ``latest`` (``2010/2012``), or
    about a date (``circa``: ``c. 2011``, ``ca. 2011``, ``circa 2011``; ``earliest`` = ``latest``). Written
    back as ``2010/2012`` or ``c. 2011``."""

    earliest: Literal
    latest: Literal
    circa: bool = False

    def __str__(self) -> str:
        return f"c. {self.earliest}" if self.circa else f"{self.earliest}/{self.latest}"


_CIRCA = re.compile(r"^(?:circa|ca|c)\.?\s*(\d[\d-]*)$", re.IGNORECASE)


def parse_date(text: str) -> Literal | ApproximateDate:
    """``2019``, ``2019-06`` or ``2019-06-30`` as an xsd:gYear, xsd:gYearMonth or xsd:date literal;
    ``2010/2012`` (somewhere in that range) or ``c. 2011`` (about then) as an ``ApproximateDate``.

    >>> str(parse_date("2010/2012-06")), str(parse_date("Circa 2011")), parse_date("ca.2011").circa
    ('2010/2012-06', 'c. 2011', True)
    """
    circa = _CIRCA.match(text)
    first, slash, second = text.partition("/")
    parts = [circa[1]] if circa else [first.strip(), second.strip()] if slash else [text]
    dates = [_exact_date(part) for part in parts]
    if None in dates:
        raise CellError(
            f"bad date {text!r}; write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2019 or 2019-06-30), a range "
            "(2010/2012: somewhere in it) or c. 2011 (about then)"
        )
    if circa:
        return ApproximateDate(dates[0], dates[0], circa=True)
    if slash:
        if str(dates[1]) < str(dates[0]):
            raise CellError(f"bad date range {text!r}: it ends before it begins; write EARLIEST/LATEST")
        return ApproximateDate(dates[0], dates[1])
    return dates[0]


def _exact_date(text: str) -> Literal | None:
    for pattern, datatype in _DATE_FORMS:
        if pattern.match(text):
            try:
                if datatype == XSD.date:
                    _dt.date.fromisoformat(text)
                elif datatype == XSD.gYearMonth:
                    _dt.date.fromisoformat(text + "-01")
            except ValueError:
                return None
            return Literal(text, datatype=datatype)
    return None


_IRI = re.compile(r"^(https?://|urn:|file:|mailto:)[^\x00-\x20\s<>\"{}|\\^`]+$")


def is_iri(text: str) -> bool:
    return bool(_IRI.match(text))


def parse_iri(text: str) -> URIRef:
    if not is_iri(text):
        raise CellError(f"{text!r} is not a web address; write a full address such as https://www.ilo.org/")
    return URIRef(text)


def record_iri(text: str, kind: str) -> URIRef:
    """The IRI an id cell names: a full IRI, ``kind/slug`` under the data base, or a slug of ``kind``."""
    if is_iri(text):
        return URIRef(text)
    if re.fullmatch(r"[a-z]+/[A-Za-z0-9._~-]+", text):
        return URIRef(ID + text)
    if re.fullmatch(r"[A-Za-z0-9._~-]+", text):
        return URIRef(f"{ID}{kind}/{text}")
    raise CellError(
        f"bad id {text!r}; use letters, digits and '-' only (e.g. {slugify(text) or 'my-alliance'})"
    )


def record_text(iri: str, kind: str) -> str:
    """The shortest id cell that ``record_iri`` reads back as ``iri``."""
    for text in (iri[len(f"{ID}{kind}/") :] if iri.startswith(f"{ID}{kind}/") else None, iri[len(ID) :]):
        if text and iri.startswith(ID):
            try:
                if str(record_iri(text, kind)) == iri:
                    return text
            except CellError:
                pass
    return iri


_SDG = re.compile(r"^(?:sdg\s*)?(\d{1,2}(?:\.[0-9a-z]{1,2})?)$", re.IGNORECASE)


def parse_sdg(text: str) -> URIRef:
    match = _SDG.match(text.strip())
    if not match:
        raise CellError(f"bad SDG target {text!r}; write the goal or target number, e.g. 8 or 8.7")
    return URIRef(V.SDG + match[1].lower())


# --- columns --------------------------------------------------------------------------------------------


_LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish"}
_CONCEPT_FORMATS = {
    None: "a code or label (English, French or Spanish) of a concept of the row's scheme",
    V.SCHEMES: "a code or label (English, French or Spanish) of a concept scheme "
    "(`policy-area`, `Policy areas`)",
}
_DATE_FORMAT = (
    "a date: YYYY, YYYY-MM or YYYY-MM-DD; 2010/2012 (somewhere in that range) or c. 2011 (about then)"
)


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    ``kind`` says how a cell reads: ``id``, ``label`` (English text), ``text`` (plain text), ``iri``,
    ``concept`` (a code or label of ``scheme``), ``country``, ``coverage`` (country or region), ``sdg``,
    ``ref`` (the id or name of a record of sheet ``ref``), ``start``/``end`` (a date of the period given by
    ``predicate``), ``class`` (an output type), ``subject``/``property``/``object``/``object_type``/
    ``language`` (the triples sheet).

    ``required``: the import cannot make a record of a row without it (and refuses the row). What the
    template tells the officer is ``column_mark``, which adds what the shapes require.
    """

    name: str
    kind: str
    doc: str
    example: str = ""
    predicate: URIRef | None = None
    required: bool = False
    multi: bool = False
    scheme: str | None = None
    ref: str | None = None
    reverse: URIRef | None = None
    language: str | None = None

    @property
    def format(self) -> str:
        base = {
            "id": "an id: letters, digits and '-' (a slug), or a full IRI; empty: made from the name",
            "label": f"text ({_LANGUAGE_NAMES.get(self.language or 'en', self.language)})",
            "text": "text",
            "iri": "a web address (https://...)",
            "concept": _CONCEPT_FORMATS.get(
                self.scheme, f"a code or label (English, French or Spanish) of the {self.scheme} scheme"
            ),
            "country": "an ISO 3166-1 code (FRA) or a country name (English, French or Spanish)",
            "coverage": "a country (ISO code or name) or a region code or label",
            "sdg": "an SDG goal or target number, e.g. 8.7",
            "ref": f"the id, name or acronym of a record of the {self.ref} sheet (or already in the store)"
            if self.ref != "any"
            else "the id of any record, as kind/slug (partnership/gan) or a full IRI",
            "start": _DATE_FORMAT,
            "end": _DATE_FORMAT,
            "class": "an output type: code or label",
        }.get(self.kind, "see the description")
        return base + (f"; several values separated by '{SEPARATOR}'" if self.multi else "")


@dataclass(frozen=True)
class Sheet:
    """One sheet (XLSX) or CSV file: a kind of record, its class and its columns."""

    name: str
    kind: str
    rdf_type: URIRef | None
    doc: str
    columns: tuple[Column, ...] = field(default_factory=tuple)
    mint_from: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _id(example: str) -> Column:
    return Column("id", "id", "The record's identifier; keep it stable.", example)


def _sources(example: str = "https://www.ilo.org/") -> Column:
    return Column(
        "sources", "iri", "Web pages the facts were read from.", example, DCTERMS.source, multi=True
    )


def _name(doc: str, example: str) -> Column:
    return Column("name", "label", doc, example, RDFS.label, required=True, language="en")


def _acronyms(example: str = "") -> Column:
    return Column("acronyms", "text", "Short names.", example, SKOS.altLabel, multi=True)


def _label(what: str) -> Column:
    return Column("label", "label", f"A name for the {what} in English.", "", RDFS.label, language="en")


def _homepage(example: str = "") -> Column:
    return Column("homepage", "iri", "Its website.", example, FOAF.homepage, multi=True)


def _description() -> Column:
    return Column(
        "description", "label", "A short description in English.", "", DCTERMS.description, language="en"
    )


def _stated_role() -> Column:
    return Column("stated_role", "text", "The source's own wording of the role.", "", MSP.statedRole)


def _period(predicate: URIRef, what: str, start: str, end: str = "") -> tuple[Column, Column]:
    return (
        Column("start", "start", f"When {what} began.", start, predicate),
        Column("end", "end", f"When {what} ended; empty while it goes on.", end, predicate),
    )


def _confidence() -> tuple[Column, Column]:
    return (
        Column(
            "confidence", "concept", "How sure the value is.", "high", MSP.confidence, scheme="confidence"
        ),
        Column("basis", "text", "Why an inferred value was inferred.", "", MSP.basis),
    )


PARTNERSHIPS = Sheet(
    "partnerships",
    "partnership",
    MSP.Partnership,
    "One row per partnership (alliance).",
    (
        _id("example-alliance"),
        _name("The partnership's name in English.", "Example Alliance"),
        _acronyms("EXA"),
        Column(
            "levels",
            "concept",
            "Global, regional or national.",
            "global",
            MSP.level,
            multi=True,
            scheme="level",
        ),
        Column(
            "formality",
            "concept",
            "Formal or partially formal alliance.",
            "formal",
            MSP.formality,
            scheme="formality",
        ),
        Column(
            "policy_areas",
            "concept",
            "The ILO policy areas it works on.",
            "emploi; social protection",
            MSP.policyArea,
            multi=True,
            scheme="policy-area",
        ),
        Column(
            "stated_policy_areas",
            "text",
            "The source's own wording of the policy areas.",
            "",
            MSP.statedPolicyArea,
            multi=True,
        ),
        Column(
            "objectives",
            "concept",
            "What it aims at.",
            "policy-alignment",
            MSP.objective,
            multi=True,
            scheme="objective",
        ),
        Column(
            "modalities",
            "concept",
            "Cooperation modalities.",
            "",
            MSP.modality,
            multi=True,
            scheme="modality",
        ),
        Column(
            "contributions",
            "concept",
            "What it contributes.",
            "",
            MSP.contribution,
            multi=True,
            scheme="contribution",
        ),
        Column("sdg_targets", "sdg", "SDG targets it works towards.", "8.7", MSP.sdgTarget, multi=True),
        Column(
            "coverage",
            "coverage",
            "Countries and regions it covers.",
            "africa",
            MSP.geographicCoverage,
            multi=True,
            scheme="region",
        ),
        *_period(MSP.activeDuring, "the partnership", "2019"),
        _homepage("https://www.example.org/"),
        _description(),
        _sources(),
        Column(
            "confidence",
            "concept",
            "How sure the partnership's values are.",
            "",
            MSP.confidence,
            scheme="confidence",
        ),
        Column(
            "basis",
            "text",
            "Why inferred values were inferred (formality: ..., objective: ...).",
            "",
            MSP.basis,
            multi=True,
        ),
    ),
    mint_from=("acronyms", "name"),
)

ORGANISATIONS = Sheet(
    "organisations",
    "organisation",
    ORG.Organization,
    "One row per partner organisation.",
    (
        _id("example-employers"),
        _name("The organisation's name in English.", "Example Employers' Federation"),
        _acronyms("EEF"),
        Column(
            "stakeholder_groups",
            "concept",
            "Its stakeholder group(s) in the MSP definition.",
            "Organisations d'employeurs",
            MSP.stakeholderGroup,
            required=True,
            multi=True,
            scheme="stakeholder-group",
        ),
        Column(
            "stated_kind", "text", "The source's own wording of what kind of body it is.", "", MSP.statedKind
        ),
        Column("country", "country", "Home country.", "FRA", MSP.country, multi=True),
        _homepage(),
        _sources(),
    ),
    mint_from=("acronyms", "name"),
)

MEMBERSHIPS = Sheet(
    "memberships",
    "membership",
    ORG.Membership,
    "One row per organisation in a partnership (with its role and period).",
    (
        _id(""),
        Column(
            "partnership",
            "ref",
            "The partnership.",
            "example-alliance",
            ORG.organization,
            required=True,
            ref="partnerships",
        ),
        Column(
            "organisation",
            "ref",
            "The member organisation (or partnership).",
            "example-employers",
            ORG.member,
            required=True,
            ref="organisations",
        ),
        _label("membership"),
        Column("roles", "concept", "Its role(s).", "co-chair", ORG.role, multi=True, scheme="role"),
        Column(
            "relation",
            "text",
            "How the source relates it: member, engaged, participant, supporter...",
            "member",
            MSP.relation,
        ),
        _stated_role(),
        *_period(ORG.memberDuring, "the membership", "2019-06"),
        *_confidence(),
        _sources(),
    ),
    mint_from=("partnership", "organisation"),
)

ENGAGEMENTS = Sheet(
    "country-engagements",
    "engagement",
    MSP.CountryEngagement,
    "One row per country engaged in a partnership (e.g. a pathfinder country).",
    (
        _id(""),
        Column(
            "partnership",
            "ref",
            "The partnership.",
            "example-alliance",
            MSP.engagementOf,
            required=True,
            ref="partnerships",
            reverse=MSP.hasCountryEngagement,
        ),
        _label("engagement"),
        Column("country", "country", "The country.", "Mexique", MSP.country, required=True),
        Column(
            "roles",
            "concept",
            "The country's role(s).",
            "pathfinder-country",
            MSP.engagementRole,
            multi=True,
            scheme="role",
        ),
        _stated_role(),
        *_period(MSP.engagedDuring, "the engagement", "2018"),
        *_confidence(),
        _sources(),
    ),
    mint_from=("partnership", "country"),
)

OUTPUTS = Sheet(
    "outputs",
    "output",
    None,
    "One row per output or mechanism of a partnership (tool, hub, fund, facility, roadmap...).",
    (
        _id("example-toolkit"),
        Column(
            "partnership",
            "ref",
            "The partnership that produces it.",
            "example-alliance",
            MSP.outputOf,
            ref="partnerships",
            reverse=MSP.hasOutput,
        ),
        Column("type", "class", "What kind of output.", "assessment tool", RDF.type, required=True),
        _name("Its name in English.", "Example Toolkit"),
        _acronyms(),
        Column(
            "contributors",
            "ref",
            "Organisations behind it.",
            "example-employers",
            DCTERMS.contributor,
            multi=True,
            ref="organisations",
        ),
        Column("regions", "concept", "Regions it serves.", "", MSP.region, multi=True, scheme="region"),
        Column(
            "processes",
            "concept",
            "UN country processes it supports.",
            "",
            MSP.supportsProcess,
            multi=True,
            scheme="un-process",
        ),
        _homepage(),
        _description(),
        _sources(),
    ),
    mint_from=("acronyms", "name"),
)

STATEMENTS = Sheet(
    "statements",
    "statement",
    MSP.SourcedStatement,
    "One row per sourced statement: a fact in words about a record, with the page it was read from.",
    (
        _id("example-alliance-01"),
        Column(
            "about",
            "ref",
            "The records the statement is about (kind/slug ids).",
            "partnership/example-alliance",
            None,
            multi=True,
            ref="any",
            reverse=MSP.statement,
        ),
        Column(
            "text",
            "label",
            "The statement in English.",
            "Launched in 2019.",
            RDF.value,
            required=True,
            language="en",
        ),
        _sources(),
    ),
    mint_from=("text",),
)

TRIPLES = Sheet(
    "triples",
    "triple",
    None,
    "Any other statement, one per row (for data stewards; officers can leave it empty). The export puts "
    "here what the other sheets cannot hold, so that nothing is lost.",
    (
        Column(
            "subject",
            "subject",
            "The thing described: an IRI, a prefixed name (msp:x) or _:name for a blank node.",
            "https://w3id.org/msp/id/partnership/example-alliance",
            required=True,
        ),
        Column(
            "property", "property", "The property: an IRI or a prefixed name.", "rdfs:label", required=True
        ),
        Column(
            "object",
            "object",
            "The value: text, an IRI, a prefixed name or _:name.",
            "Alliance exemple",
            required=True,
        ),
        Column(
            "object_type",
            "object_type",
            "What the value is: iri, blank, or a datatype (xsd:date...); empty: text.",
            "",
        ),
        Column("language", "language", "The language tag of a text value (en, fr, es...).", "fr"),
    ),
)


def _concept_label(lang: str, required: bool = False) -> Column:
    names = {"en": "English", "fr": "French", "es": "Spanish"}
    example = {"en": "Social dialogue", "fr": "Dialogue social", "es": "Diálogo social"}[lang]
    return Column(
        f"label_{lang}",
        "label",
        f"Its name in {names[lang]} (skos:prefLabel).",
        example,
        SKOS.prefLabel,
        required=required,
        language=lang,
    )


CONCEPTS = Sheet(
    "concepts",
    "concept",
    SKOS.Concept,
    "One row per concept added to a concept scheme (a policy area, a role...); later rows may use it by "
    "code or label.",
    (
        _id(""),
        Column(
            "scheme",
            "concept",
            "The scheme it joins, by code (policy-area) or name (Policy areas).",
            "policy-area",
            SKOS.inScheme,
            required=True,
            scheme=V.SCHEMES,
        ),
        Column(
            "code",
            "text",
            "Its code (skos:notation): letters, digits and '-'.",
            "social-dialogue",
            SKOS.notation,
            required=True,
        ),
        _concept_label("en", required=True),
        _concept_label("fr"),
        _concept_label("es"),
        Column(
            "broader",
            "concept",
            "A broader concept of the same scheme, by code or label.",
            "",
            SKOS.broader,
        ),
        Column("definition", "label", "What it means, in English.", "", SKOS.definition, language="en"),
        _sources(),
    ),
    mint_from=("code",),
)

SHEETS: tuple[Sheet, ...] = (
    PARTNERSHIPS,
    ORGANISATIONS,
    MEMBERSHIPS,
    ENGAGEMENTS,
    OUTPUTS,
    STATEMENTS,
    CONCEPTS,
    TRIPLES,
)
RECORD_SHEETS = SHEETS[:-1]


def sheet_named(name: str) -> Sheet | None:
    """The sheet a sheet or CSV file name stands for (``Memberships``, ``acme-memberships``...)."""
    key = slugify(name)
    for sheet in SHEETS:
        if key == sheet.name or key.endswith("-" + sheet.name):
            return sheet
    aliases = {"engagements": ENGAGEMENTS, "country-engagement": ENGAGEMENTS, "organizations": ORGANISATIONS}
    for alias, sheet in aliases.items():
        if key == alias or key.endswith("-" + alias):
            return sheet
    return None


def column_mark(sheet: Sheet, column: Column) -> str:
    """What the template and the ``about`` sheet say of a column: ``required`` (the import needs it, or the
    bundled shapes report a record without it as a violation), ``recommended`` (the shapes warn) or
    ``optional``.

    A shape speaks of a sheet's records when it targets the sheet's class or a superclass of it
    (``sh:targetClass``, through the ontology's ``rdfs:subClassOf``; outputs: ``msp:Output``), or the
    objects of the predicate of a reference column pointing at the sheet (``sh:targetObjectsOf org:member``:
    the organisations). It speaks of a column when one of its property shapes has the column's predicate as
    ``sh:path`` and ``sh:minCount`` 1 or more; the property shape's ``sh:severity`` (default
    ``sh:Violation``) decides. A period's need is marked on its ``start`` (an ``end`` stays empty while the
    period goes on).

    >>> column_mark(PARTNERSHIPS, PARTNERSHIPS.column("formality"))
    'required'
    """
    if column.required:
        return "required"
    if column.predicate is None or column.kind == "end":
        return "optional"
    needs, superclasses = _shape_needs()
    targets = [("class", c) for c in superclasses[sheet.rdf_type or MSP.Output]]
    targets += [("objects", c.predicate) for s in SHEETS for c in s.columns if c.ref == sheet.name]
    found = set().union(*(needs.get((kind, target, column.predicate), ()) for kind, target in targets))
    if SH.Violation in found:
        return "required"
    return "recommended" if found else "optional"


@functools.cache
def _shape_needs() -> tuple[dict[tuple, set], dict[URIRef, set]]:
    """From the bundled shapes, read once: (target kind, target, path) -> the severities of the property
    shapes with ``sh:minCount`` >= 1 on that path; and each sheet class -> itself and its superclasses."""
    from ..resources import bundled_files

    shapes, ontology = Graph(), Graph()
    for path in bundled_files("shapes"):
        shapes.parse(path, format="turtle")
    for path in bundled_files("ontology"):
        ontology.parse(path, format="turtle")
    on = Literal(True)
    needs: dict[tuple, set] = {}
    for kind, link in (("class", SH.targetClass), ("objects", SH.targetObjectsOf)):
        for shape, target in shapes.subject_objects(link):
            for prop in (shape, *shapes.objects(shape, SH.property)):
                path, least = shapes.value(prop, SH.path), shapes.value(prop, SH.minCount)
                if (shape, SH.deactivated, on) in shapes or (prop, SH.deactivated, on) in shapes:
                    continue
                if isinstance(path, URIRef) and least is not None and int(least) >= 1:
                    severity = shapes.value(prop, SH.severity) or SH.Violation
                    needs.setdefault((kind, target, path), set()).add(severity)
    classes = {s.rdf_type for s in SHEETS if s.rdf_type is not None} | {MSP.Output}
    return needs, {c: set(ontology.transitive_objects(c, RDFS.subClassOf)) for c in classes}


def date_property(literal: Literal) -> URIRef:
    return _DATE_PROPERTY[literal.datatype]


# --- what the importer and the exporter both follow -----------------------------------------------------


def owner_sheets(ref: str) -> list[str]:
    """The sheets whose records a reference column may name."""
    if ref == "any":
        return [sheet.name for sheet in RECORD_SHEETS]
    return [ref] + (["partnerships"] if ref == "organisations" else [])


def ref_kind(sheet: Sheet, column: Column) -> str:
    """The kind a bare slug in a reference cell belongs to."""
    return sheet.kind if column.ref == "any" else sheet_named(column.ref).kind


def parse_cell(column: Column, text: str, vocab: V.Vocabularies, resolve: Callable[[str], URIRef]):
    """The RDF term one value of a ``column`` cell stands for; ``CellError`` says why it cannot be read.

    ``resolve`` turns the text of a reference cell into the IRI of the record it names (the importer also
    finds records by name; the exporter checks that an id reads back).
    """
    kind = column.kind
    if kind == "label":
        return Literal(text, lang=column.language)
    if kind == "text":
        return Literal(text)
    if kind == "iri":
        return parse_iri(text)
    try:
        if kind == "concept":
            return vocab.concept(column.scheme, text)
        if kind == "country":
            return V.country(text)
        if kind == "coverage":
            return _coverage(text, vocab)
        if kind == "class":
            return vocab.output_class(text)
    except V.UnknownValue as error:
        raise CellError(str(error)) from None
    if kind == "sdg":
        return parse_sdg(text)
    if kind == "ref":
        return resolve(text)
    if kind in ("start", "end"):
        return parse_date(text)
    raise AssertionError(kind)


def _coverage(text: str, vocab: V.Vocabularies) -> URIRef:
    try:
        return vocab.concept("region", text)
    except V.UnknownValue:
        try:
            return V.country(text)
        except V.UnknownValue:
            raise V.UnknownValue(
                f"unknown country or region {text!r}; write an ISO 3166-1 code (FRA), a country "
                "name, or a region: " + ", ".join(sorted(vocab.scheme("region").codes.values()))
            ) from None


Bound = Literal | ApproximateDate


def period_triples(subject: URIRef, predicate: URIRef, start: Bound | None, end: Bound | None) -> set:
    """The OWL-Time interval of a record's period, with stable IRIs derived from the record's IRI.

    An approximate bound's instant holds its widest reading as its ``time:inXSD*`` value (the earliest
    of a start, the latest of an end: what the as-of view reads, so the period is in force wherever it may
    be), with ``msp:earliest`` and ``msp:latest`` for a range, or ``msp:approximate true`` for circa."""
    slug = local_slug(str(subject))
    interval = URIRef(f"{ID}interval/{slug}")
    triples = {(subject, predicate, interval), (interval, RDF.type, TIME.Interval)}
    for date, link, suffix in ((start, TIME.hasBeginning, "start"), (end, TIME.hasEnd, "end")):
        if date is None:
            continue
        instant = URIRef(f"{ID}instant/{slug}-{suffix}")
        value = date
        if isinstance(date, ApproximateDate):
            value = date.earliest if suffix == "start" else date.latest
            if date.circa:
                triples.add((instant, MSP.approximate, Literal(True)))
            else:
                triples |= {(instant, MSP.earliest, date.earliest), (instant, MSP.latest, date.latest)}
        triples |= {
            (interval, link, instant),
            (instant, RDF.type, TIME.Instant),
            (instant, date_property(value), value),
        }
    return triples


def instant_text(graph: Graph, instant) -> str | None:
    """The date cell ``period_triples`` made ``instant`` from, read back from ``graph``: ``2019``,
    ``2010/2012`` or ``c. 2011``; None when the instant holds not exactly one date value.

    For the exporter: a cell is kept when ``period_triples`` of ``parse_date(instant_text(...))`` are all
    in the graph, as for any cell.
    """
    values = [o for p, o in graph.predicate_objects(instant) if p in _DATE_PROPERTY.values()]
    if len(values) != 1:
        return None
    earliest, latest = graph.value(instant, MSP.earliest), graph.value(instant, MSP.latest)
    if earliest is not None and latest is not None:
        return f"{earliest}/{latest}"
    if (instant, MSP.approximate, Literal(True)) in graph:
        return f"c. {values[0]}"
    return str(values[0])


def strip_import_provenance(graph: Graph) -> Graph:
    """``graph`` without the row, table and file nodes an import adds (for comparisons and exports)."""
    nodes = {s for cls in (CSVW.Row, CSVW.Table, CSVW.TableGroup) for s in graph.subjects(RDF.type, cls)}
    out = Graph()
    for s, p, o in graph:
        if s in nodes or (p == PROV.wasDerivedFrom and o in nodes):
            continue
        out.add((s, p, o))
    return out
