"""A deterministic generator of MSP graphs for the benchmark, in exactly the model of ``docs/model.md``.

Two data profiles (``PROFILES``):

``standard``
    The graphs look like the curated data: partnerships with 5-20 memberships (``org:Membership`` with role,
    ``org:memberDuring`` interval and ``dct:source``), partners from the ten stakeholder groups in the mix the
    real lists show (governments, UN entities and civil society most often; a few hub organisations such as
    the ILO, the IOE and the ITUC in many partnerships), periods as ``time:Interval`` / ``time:Instant``,
    countries as EU authority IRIs and a few country engagements (pathfinder countries and the like).
``wide``
    The shapes large alliances give: long member lists (50-400 memberships per partnership, heavy-tailed:
    a Pareto draw capped at 400), 20-150 country engagements per partnership (distinct countries from all
    249 ISO 3166-1 alpha-3 codes), periods also given as ``xsd:gYearMonth``, a different defect mix (see
    ``PROFILES``), and deep sub-class chains: the file declares a small class hierarchy, a chain of eight
    ``rdfs:subClassOf`` levels under each of msp's ten stakeholder-group classes (``msp:WorkersOrganisation``
    ...), and about two thirds of the new partners are typed only with one of these classes (half at the
    deepest level): no ``org:Organization``, no ``msp:stakeholderGroup``. OWL 2 RL reasoning closes the chain
    (cax-sco) and derives the group from msp's ``owl:hasValue`` restriction (cls-hv1), which the composition
    rule needs.

A controlled share of partnerships, memberships, organisations and engagements carries exactly one defect of
a kind the shapes catch (see ``DEFECTS``); the manifest written next to each file counts them and gives the
shape of the graph (memberships and engagements per partnership, generated classes). The same
``(triples, seed, profile)`` always gives the same bytes.

>>> from bench.generate import generate
>>> manifest = generate(2_000, seed=1, out=None)
>>> manifest["triples"] >= 2_000
True
>>> generate(20_000, seed=1, out=None, profile="wide")["members_per_partnership"]["min"] >= 50
True

Command line: ``python -m bench.generate 10000 -o graph.nt``, ``python -m bench.generate 1e5 --profile wide
-o graph.nt``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

__all__ = ["DEFECTS", "GENERATOR_VERSION", "PROFILES", "Profile", "cached", "generate"]

# Bump when the output changes (the N-Triples or the manifest of any profile), so cached files are
# regenerated. 2: the manifest names the profile and gives the graph's shape; the ``wide`` profile; the
# ``standard`` N-Triples are byte for byte those of version 1.
GENERATOR_VERSION = 2

CACHE = Path(__file__).resolve().parent / ".cache"

MSP = "https://w3id.org/msp/ontology#"
ID = "https://w3id.org/msp/id/"
VOCAB = "https://w3id.org/msp/vocab/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
SDG = "http://metadata.un.org/sdg/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
ORG = "http://www.w3.org/ns/org#"
TIME = "http://www.w3.org/2006/time#"
DCT_SOURCE = "http://purl.org/dc/terms/source"
FOAF_HOMEPAGE = "http://xmlns.com/foaf/0.1/homepage"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS_DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
RDFS_DEFINED_BY = "http://www.w3.org/2000/01/rdf-schema#isDefinedBy"
# The generated class hierarchy of the ``wide`` profile: declared in the file itself, not part of msp.
BENCH_ONTOLOGY = "https://w3id.org/msp/bench/ontology"
BENCH = BENCH_ONTOLOGY + "#"

# Group -> weight in the partner lists (the curated data: governments, UN entities and civil society
# dominate; local authorities and regional groups are rare).
GROUPS = {
    "employers-organisations": 8,
    "workers-organisations": 8,
    "government": 22,
    "regional-groups": 3,
    "local-authorities": 2,
    "civil-society": 15,
    "private-sector": 12,
    "academia": 8,
    "un": 14,
    "multilateral-organisations": 8,
}
SOCIAL_PARTNERS = ("employers-organisations", "workers-organisations")
OTHER_GROUPS = tuple(g for g in GROUPS if g not in SOCIAL_PARTNERS)
STATED_KIND = {
    "employers-organisations": "employers' organization",
    "workers-organisations": "workers' organization",
    "government": "government",
    "regional-groups": "regional organization",
    "local-authorities": "local government",
    "civil-society": "civil society",
    "private-sector": "private sector",
    "academia": "academia/think tank",
    "un": "UN agency",
    "multilateral-organisations": "intergovernmental organization",
}
# msp's class for each group (ontology/msp.ttl: each is equivalent to "has this msp:stakeholderGroup value").
GROUP_CLASS = {
    "employers-organisations": "EmployersOrganisation",
    "workers-organisations": "WorkersOrganisation",
    "government": "GovernmentInstitution",
    "regional-groups": "RegionalGroup",
    "local-authorities": "LocalAuthority",
    "civil-society": "CivilSocietyActor",
    "private-sector": "PrivateSectorEntity",
    "academia": "AcademicInstitution",
    "un": "UnitedNationsEntity",
    "multilateral-organisations": "MultilateralOrganisation",
}
# Hub partners that sit in many partnerships, as the ILO, the IOE and the ITUC do.
HUBS = (
    ("ilo", "International Labour Organization", "un", "CHE"),
    ("ioe", "International Organisation of Employers", "employers-organisations", "CHE"),
    ("ituc", "International Trade Union Confederation", "workers-organisations", "BEL"),
)
ROLES = (
    "member",
    "member",
    "member",
    "member",
    "founding-member",
    "chair",
    "co-chair",
    "secretariat",
    "host",
    "lead",
    "donor",
    "observer",
    "board-member",
    "technical-partner",
    "participant",
    "supporter",
)
ENGAGEMENT_ROLES = ("pathfinder-country", "programme-country", "network-country", "coalition-country")
AREAS = (
    "employment",
    "social-protection",
    "child-and-forced-labour",
    "migration",
    "social-finance",
    "skills",
    "occupational-safety-and-health",
    "just-transition",
    "gender-and-non-discrimination",
)
OBJECTIVES = ("policy-alignment", "knowledge-sharing", "outreach", "resource-mobilisation")
LEVELS = ("global", "global", "regional", "national")
FORMALITY = ("formal", "formal", "partially-formal")
SDG_TARGETS = ("8.5", "8.6", "8.7", "8.8", "1.3", "5.1", "10.7", "13.2", "17.17")
COUNTRIES = (
    "ARG",
    "BGD",
    "BRA",
    "CHE",
    "CHL",
    "CIV",
    "DEU",
    "ETH",
    "FRA",
    "GHA",
    "IDN",
    "IND",
    "JOR",
    "KEN",
    "MAR",
    "MEX",
    "MRT",
    "NGA",
    "NPL",
    "PAK",
    "PER",
    "PHL",
    "SEN",
    "TUN",
    "UGA",
    "USA",
    "VNM",
    "ZAF",
)
# Every ISO 3166-1 alpha-3 code (the 249 of shapes/country.ttl's pattern): the ``wide`` profile's countries.
_ALPHA_3 = """
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR
    BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL
    COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK
    FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV
    HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO
    LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG
    MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN
    PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE
    SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO
    TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
    """
ALL_COUNTRIES = tuple(_ALPHA_3.split())
SOURCES = (
    "https://www.ilo.org/partnerships",
    "https://www.alliance87.org/partners",
    "https://www.social-protection.org/gimi/ShowWiki.action",
    "https://www.youthforum.org/members",
)

# The defects the shapes catch, one per affected entity. Each profile gives the share of the entities of the
# right kind that carry each of its defects (``Profile.defect_rate``).
DEFECTS = {
    "no-workers-organisation": "a partnership without any member from group:workers-organisations",
    "one-other-group": "a partnership whose members come from only one of the eight other groups",
    "membership-without-source": "an org:Membership without dct:source",
    "end-before-start": "a membership period whose end instant precedes its beginning",
    "unknown-role": "a membership whose org:role is not in the role scheme",
    "missing-label": "a partnership or organisation without rdfs:label",
    "bad-country": "an organisation or engagement whose country is not an EU authority country IRI",
    "two-formalities": "a partnership with two msp:formality values (at most one)",
    "no-stakeholder-group": "an organisation of one of the eight other groups with no group, stated or typed",
    "engagement-without-role": "a country engagement without msp:engagementRole",
    "engagement-without-source": "a country engagement without dct:source (a warning)",
}


@dataclass(frozen=True)
class Profile:
    """The shape of one kind of generated graph. Draws from the generator's random source happen only where
    a profile asks for them, so adding a knob never changes the bytes of another profile."""

    name: str
    members: Callable[[random.Random], int]  # memberships drawn for one partnership
    engagements: Callable[[random.Random], int]  # country engagements of one partnership
    defect_rate: dict[str, float]  # only these kinds occur; the others are never drawn
    countries: tuple[str, ...] = COUNTRIES  # home countries; engagement countries
    distinct_engagement_countries: bool = False  # one engagement per country in a partnership
    exact_members: bool = False  # a partner drawn twice is replaced (else dropped: fewer members)
    class_depth: int = 0  # generated rdfs:subClassOf levels under each group class (0: none)
    class_typed_share: float = 0.0  # share of new partners typed only with a generated class
    date_share: float = 0.6  # instants as xsd:date; then xsd:gYearMonth; the rest xsd:gYear
    month_share: float = 0.0
    index_width: int = 2  # digits of the membership and engagement numbers in their IRIs


PROFILES = {
    "standard": Profile(
        name="standard",
        members=lambda rng: rng.randint(5, 20),
        engagements=lambda rng: rng.choice((0, 0, 0, 1, 2, 4)),
        # Partnerships are few, so their defects are more frequent, or a small graph would have none.
        defect_rate=dict.fromkeys(
            (
                "no-workers-organisation",
                "one-other-group",
                "membership-without-source",
                "end-before-start",
                "unknown-role",
                "missing-label",
                "bad-country",
            ),
            0.02,
        )
        | {"no-workers-organisation": 0.06, "one-other-group": 0.06},
    ),
    "wide": Profile(
        name="wide",
        # Heavy-tailed: a Pareto draw (shape 1.3) from 50, capped at 400; median about 85.
        members=lambda rng: min(400, int(50 * rng.paretovariate(1.3))),
        engagements=lambda rng: rng.randint(20, 150),
        defect_rate={
            "no-workers-organisation": 0.08,
            "one-other-group": 0.05,
            "two-formalities": 0.08,
            "membership-without-source": 0.04,
            "end-before-start": 0.005,
            "unknown-role": 0.005,
            "missing-label": 0.01,
            "no-stakeholder-group": 0.02,
            "bad-country": 0.005,
            "engagement-without-role": 0.01,
            "engagement-without-source": 0.03,
        },
        countries=ALL_COUNTRIES,
        distinct_engagement_countries=True,
        exact_members=True,
        class_depth=8,
        class_typed_share=0.65,
        date_share=0.4,
        month_share=0.3,
        index_width=3,
    ),
}


def _lit(text: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    """An N-Triples literal."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{body}"@{lang}'
    if datatype:
        return f'"{body}"^^<{datatype}>'
    return f'"{body}"'


@dataclass
class _Writer:
    """Writes N-Triples lines and counts them."""

    out: TextIO | None
    defects: dict[str, int]
    triples: int = 0

    def add(self, s: str, p: str, o: str) -> None:
        """One triple; ``o`` is an IRI unless it is already a literal (starts with a quote)."""
        obj = o if o.startswith('"') else f"<{o}>"
        if self.out is not None:
            self.out.write(f"<{s}> <{p}> {obj} .\n")
        self.triples += 1


@dataclass
class _Shape:
    """What the manifest says about the graph's shape (counted, never drawn)."""

    members: list[int] = field(default_factory=list)  # memberships of each partnership
    engagements: list[int] = field(default_factory=list)  # country engagements of each partnership
    classes: int = 0
    class_typed: int = 0  # organisations typed only with a generated class


class _Generator:
    def __init__(self, writer: _Writer, seed: int, profile: Profile):
        self.w = writer
        self.p = profile
        self.rng = random.Random(seed)
        self.orgs: dict[str, list[str]] = {g: [] for g in GROUPS}
        self.next_org = 0
        self.next_interval = 0
        self.shape = _Shape()

    def defect(self, kind: str) -> bool:
        """Whether this entity carries ``kind`` (and count it); no draw for a kind the profile lacks."""
        rate = self.p.defect_rate.get(kind)
        if rate and self.rng.random() < rate:
            self.w.defects[kind] += 1
            return True
        return False

    def declare_classes(self) -> None:
        """The generated hierarchy: a chain of ``class_depth`` subclasses under each group class of msp,
        each declared with msp's term template (type, label, definition, superclass, isDefinedBy)."""
        w = self.w
        w.add(BENCH_ONTOLOGY, RDF_TYPE, OWL + "Ontology")
        w.add(BENCH_ONTOLOGY, RDFS_LABEL, _lit("msp-graph benchmark classes (generated)", lang="en"))
        for group, base in GROUP_CLASS.items():
            parent = MSP + base
            for level in range(1, self.p.class_depth + 1):
                iri = self.klass(group, level)
                w.add(iri, RDF_TYPE, OWL + "Class")
                w.add(iri, RDFS_LABEL, _lit(f"{base}, generated level {level}", lang="en"))
                definition = f"A generated subclass of msp:{base}, {level} levels below it (benchmark data)."
                w.add(iri, SKOS_DEFINITION, _lit(definition, lang="en"))
                w.add(iri, RDFS_SUBCLASS, parent)
                w.add(iri, RDFS_DEFINED_BY, BENCH_ONTOLOGY)
                self.shape.classes += 1
                parent = iri

    @staticmethod
    def klass(group: str, level: int) -> str:
        return f"{BENCH}{GROUP_CLASS[group]}L{level}"

    def class_level(self) -> int:
        """The level of the generated class a new partner is typed with (half at the deepest), or 0: typed
        ``org:Organization`` with its group stated."""
        depth = self.p.class_depth
        if not depth or self.rng.random() >= self.p.class_typed_share:
            return 0
        return depth if self.rng.random() < 0.5 else self.rng.randint(1, depth - 1)

    def organisation(
        self, slug: str, name: str, group: str, country: str, *, level: int = 0, grouped: bool = True
    ) -> str:
        iri = f"{ID}organisation/{slug}"
        w = self.w
        w.add(iri, RDF_TYPE, self.klass(group, level) if level else ORG + "Organization")
        if not self.defect("missing-label"):
            w.add(iri, RDFS_LABEL, _lit(name, lang="en"))
        if grouped and not level:
            w.add(iri, MSP + "stakeholderGroup", f"{VOCAB}stakeholder-group/{group}")
        w.add(iri, MSP + "statedKind", _lit(STATED_KIND[group]))
        w.add(iri, MSP + "country", self.country(country))
        self.shape.class_typed += bool(level)
        return iri

    def country(self, code: str) -> str:
        """The country IRI of an ISO 3166-1 alpha-3 code (or, for the defect, of its alpha-2 form)."""
        if self.defect("bad-country"):
            return COUNTRY + code[:2]  # an alpha-2 code: not in the authority list
        return COUNTRY + code

    def partner(self, group: str) -> str:
        """An organisation of ``group``: an existing one (partners sit in several alliances) or a new one."""
        pool = self.orgs[group]
        if pool and self.rng.random() < 0.7:
            return self.rng.choice(pool)
        self.next_org += 1
        slug = f"bench-o{self.next_org:07d}"
        level = self.class_level()
        # Only an "other group" partner may lack its group: the social partners decide the composition rule.
        grouped = level > 0 or group in SOCIAL_PARTNERS or not self.defect("no-stakeholder-group")
        name = f"{STATED_KIND[group].capitalize()} {self.next_org}"
        iri = self.organisation(
            slug, name, group, self.rng.choice(self.p.countries), level=level, grouped=grouped
        )
        pool.append(iri)
        return iri

    def interval(self, start_year: int, *, reversed_: bool = False) -> str:
        """A ``time:Interval`` from a date in ``start_year`` to a later one (or none: still running)."""
        self.next_interval += 1
        n = self.next_interval
        iri = f"{ID}interval/bench-i{n:07d}"
        w = self.w
        w.add(iri, RDF_TYPE, TIME + "Interval")
        begin = f"{ID}instant/bench-b{n:07d}"
        w.add(iri, TIME + "hasBeginning", begin)
        w.add(begin, RDF_TYPE, TIME + "Instant")
        ends = reversed_ or self.rng.random() < 0.35
        end_year = start_year - self.rng.randint(1, 4) if reversed_ else start_year + self.rng.randint(1, 8)
        # Full dates, months or years (sources often give only the year): one draw picks the precision.
        precision = self.rng.random()
        if precision < self.p.date_share:
            month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
            w.add(
                begin, TIME + "inXSDDate", _lit(f"{start_year}-{month:02d}-{day:02d}", datatype=XSD + "date")
            )
            end_value = _lit(f"{end_year}-{month:02d}-{day:02d}", datatype=XSD + "date")
            end_property = TIME + "inXSDDate"
        elif precision < self.p.date_share + self.p.month_share:
            month = self.rng.randint(1, 12)
            month_type = XSD + "gYearMonth"
            w.add(begin, TIME + "inXSDgYearMonth", _lit(f"{start_year}-{month:02d}", datatype=month_type))
            end_value = _lit(f"{end_year}-{month:02d}", datatype=month_type)
            end_property = TIME + "inXSDgYearMonth"
        else:
            w.add(begin, TIME + "inXSDgYear", _lit(str(start_year), datatype=XSD + "gYear"))
            end_value = _lit(str(end_year), datatype=XSD + "gYear")
            end_property = TIME + "inXSDgYear"
        if ends:
            end = f"{ID}instant/bench-e{n:07d}"
            w.add(iri, TIME + "hasEnd", end)
            w.add(end, RDF_TYPE, TIME + "Instant")
            w.add(end, end_property, end_value)
        return iri

    def membership(self, partnership: str, index: int, member: str, start_year: int) -> None:
        iri = f"{partnership.replace('/partnership/', '/membership/')}-m{index:0{self.p.index_width}d}"
        w = self.w
        w.add(iri, RDF_TYPE, ORG + "Membership")
        w.add(iri, ORG + "member", member)
        w.add(iri, ORG + "organization", partnership)
        if self.defect("unknown-role"):
            w.add(iri, ORG + "role", f"{VOCAB}role/president")
        else:
            w.add(iri, ORG + "role", f"{VOCAB}role/{self.rng.choice(ROLES)}")
        joined = start_year + self.rng.randint(0, 5)
        w.add(iri, ORG + "memberDuring", self.interval(joined, reversed_=self.defect("end-before-start")))
        if not self.defect("membership-without-source"):
            w.add(iri, DCT_SOURCE, self.rng.choice(SOURCES))

    def members(self) -> list[str]:
        """Members of one partnership: social partners plus others, with the composition defects."""
        size = self.p.members(self.rng)
        groups: list[str] = []
        if self.defect("no-workers-organisation"):
            groups.append("employers-organisations")
            groups.extend(self.rng.sample(OTHER_GROUPS, 2))
            pool = OTHER_GROUPS
        elif self.defect("one-other-group"):
            groups.extend(SOCIAL_PARTNERS)
            pool = (self.rng.choice(OTHER_GROUPS),)
        else:
            groups.extend(SOCIAL_PARTNERS)
            groups.extend(self.rng.sample(OTHER_GROUPS, 2))
            pool = OTHER_GROUPS
        weights = [GROUPS[g] for g in pool]
        while len(groups) < size:
            groups.append(self.rng.choices(pool, weights)[0])
        hubs = {group: f"{ID}organisation/{slug}" for slug, _, group, _ in HUBS}
        chosen: list[str] = []
        seen: set[str] = set()
        for group in groups:
            hub = hubs.get(group)
            if hub and hub not in seen and self.rng.random() < 0.5:
                member = hub
            else:
                member = self.partner(group)
                # A partner can be drawn twice; the pool grows by 30 % of draws, so redrawing ends.
                while self.p.exact_members and member in seen:
                    member = self.partner(group)
            if member not in seen:
                chosen.append(member)
                seen.add(member)
        return chosen

    def partnership(self, n: int) -> None:
        iri = f"{ID}partnership/bench-p{n:06d}"
        w, rng = self.w, self.rng
        w.add(iri, RDF_TYPE, MSP + "Partnership")
        if not self.defect("missing-label"):
            w.add(iri, RDFS_LABEL, _lit(f"Generated partnership {n}", lang="en"))
        w.add(iri, SKOS_ALT, _lit(f"GP{n}"))
        w.add(iri, MSP + "level", f"{VOCAB}level/{rng.choice(LEVELS)}")
        formality = rng.choice(FORMALITY)
        w.add(iri, MSP + "formality", f"{VOCAB}formality/{formality}")
        if self.defect("two-formalities"):
            other = "partially-formal" if formality == "formal" else "formal"
            w.add(iri, MSP + "formality", f"{VOCAB}formality/{other}")
        for area in rng.sample(AREAS, rng.randint(1, 3)):
            w.add(iri, MSP + "policyArea", f"{VOCAB}policy-area/{area}")
        for objective in rng.sample(OBJECTIVES, rng.randint(1, 3)):
            w.add(iri, MSP + "objective", f"{VOCAB}objective/{objective}")
        w.add(iri, MSP + "sdgTarget", SDG + rng.choice(SDG_TARGETS))
        start_year = rng.randint(1995, 2022)
        w.add(iri, MSP + "activeDuring", self.interval(start_year))
        w.add(iri, DCT_SOURCE, rng.choice(SOURCES))
        w.add(iri, FOAF_HOMEPAGE, f"https://example.org/msp/{n}")
        members = self.members()
        for index, member in enumerate(members, start=1):
            self.membership(iri, index, member, start_year)
        self.shape.members.append(len(members))
        self.engagements(n, iri, start_year)

    def engagements(self, n: int, partnership: str, start_year: int) -> None:
        """The partnership's country engagements (standard: a country drawn for each, repeats allowed)."""
        w, rng, width = self.w, self.rng, self.p.index_width
        count = self.p.engagements(rng)
        distinct = rng.sample(self.p.countries, count) if self.p.distinct_engagement_countries else None
        for index in range(count):
            engagement = f"{ID}engagement/bench-p{n:06d}-c{index:0{width}d}"
            w.add(partnership, MSP + "hasCountryEngagement", engagement)
            w.add(engagement, RDF_TYPE, MSP + "CountryEngagement")
            code = distinct[index] if distinct is not None else rng.choice(COUNTRIES)
            w.add(engagement, MSP + "country", self.country(code))
            if not self.defect("engagement-without-role"):
                w.add(engagement, MSP + "engagementRole", f"{VOCAB}role/{rng.choice(ENGAGEMENT_ROLES)}")
            w.add(engagement, MSP + "engagedDuring", self.interval(start_year + rng.randint(0, 6)))
            if not self.defect("engagement-without-source"):
                w.add(engagement, DCT_SOURCE, rng.choice(SOURCES))
        self.shape.engagements.append(count)

    def run(self, target: int) -> int:
        if self.p.class_depth:
            self.declare_classes()
        for slug, name, group, country in HUBS:
            self.organisation(slug, name, group, country)
        n = 0
        while self.w.triples < target:
            n += 1
            self.partnership(n)
        return n


def _spread(counts: list[int]) -> dict:
    return {"min": min(counts), "median": statistics.median(counts), "max": max(counts)}


def generate(triples: int, *, seed: int = 0, out: TextIO | None, profile: str = "standard") -> dict:
    """Write an MSP graph of at least ``triples`` triples as N-Triples to ``out``; return its manifest.

    ``profile``: a name in ``PROFILES`` (``standard``, ``wide``). The manifest gives the profile, the exact
    triple count, the number of partnerships and organisations, how many entities carry each defect the
    profile draws, and the graph's shape: memberships and country engagements (in all and per partnership:
    min, median, max), the generated classes, their depth and the organisations typed only with one.
    ``out=None`` only counts.
    """
    if triples < 1:
        raise ValueError(f"triples: must be at least 1, got {triples}")
    if profile not in PROFILES:
        raise ValueError(f"profile: unknown {profile!r}; known: {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    writer = _Writer(out, defects=dict.fromkeys(chosen.defect_rate, 0))
    gen = _Generator(writer, seed, chosen)
    partnerships = gen.run(triples)
    shape = gen.shape
    return {
        "generator_version": GENERATOR_VERSION,
        "profile": profile,
        "seed": seed,
        "target": triples,
        "triples": writer.triples,
        "partnerships": partnerships,
        "organisations": gen.next_org + len(HUBS),
        "memberships": sum(shape.members),
        "members_per_partnership": _spread(shape.members),
        "country_engagements": sum(shape.engagements),
        "engagements_per_partnership": _spread(shape.engagements),
        "classes": shape.classes,
        "class_depth": chosen.class_depth,
        "class_typed_organisations": shape.class_typed,
        "defects": writer.defects,
    }


def cached(triples: int, *, seed: int = 0, profile: str = "standard") -> tuple[Path, dict]:
    """The file for ``(triples, seed, profile)`` in ``bench/.cache/`` (made on first use), and its manifest.

    The name holds all three and ``GENERATOR_VERSION``: ``msp-wide-100000-s0-v2.nt``.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile: unknown {profile!r}; known: {', '.join(PROFILES)}")
    CACHE.mkdir(exist_ok=True)
    stem = CACHE / f"msp-{profile}-{triples}-s{seed}-v{GENERATOR_VERSION}"
    path, manifest_path = stem.with_suffix(".nt"), stem.with_suffix(".json")
    if not (path.exists() and manifest_path.exists()):
        partial = stem.with_suffix(".nt.part")
        with partial.open("w", encoding="utf-8") as out:
            manifest = generate(triples, seed=seed, out=out, profile=profile)
        partial.replace(path)
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return path, json.loads(manifest_path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("triples", type=float, help="target size in triples, e.g. 1e5")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--profile", choices=list(PROFILES), default="standard", help="data profile (default: standard)"
    )
    parser.add_argument("-o", "--output", help="N-Triples file to write (default: stdout)")
    args = parser.parse_args(argv)
    if args.triples < 1:
        parser.error(f"triples: must be at least 1, got {args.triples:g}")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            manifest = generate(int(args.triples), seed=args.seed, out=out, profile=args.profile)
    else:
        manifest = generate(int(args.triples), seed=args.seed, out=sys.stdout, profile=args.profile)
    print(json.dumps(manifest), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
