"""A deterministic generator of MSP graphs for the benchmark, in exactly the model of ``docs/model.md``.

The graphs look like the curated data: partnerships with 5-20 memberships (``org:Membership`` with role,
``org:memberDuring`` interval and ``dct:source``), partners from the ten stakeholder groups in the mix the
real lists show (governments, UN entities and civil society most often; a few hub organisations such as
the ILO, the IOE and the ITUC in many partnerships), periods as ``time:Interval`` / ``time:Instant``,
countries as EU authority IRIs and country engagements (pathfinder countries and the like).

A controlled share of partnerships, memberships and organisations carries exactly one defect of a kind the
shapes catch (see ``DEFECTS``); the manifest written next to each file counts them. The same
``(triples, seed)`` always gives the same bytes.

>>> from bench.generate import generate
>>> manifest = generate(2_000, seed=1, out=None)
>>> manifest["triples"] >= 2_000
True

Command line: ``python -m bench.generate 10000 -o graph.nt``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

__all__ = ["DEFECTS", "GENERATOR_VERSION", "cached", "generate"]

# Bump when the output changes, so cached files are regenerated.
GENERATOR_VERSION = 1

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
SOURCES = (
    "https://www.ilo.org/partnerships",
    "https://www.alliance87.org/partners",
    "https://www.social-protection.org/gimi/ShowWiki.action",
    "https://www.youthforum.org/members",
)

# The defects the shapes catch, one per affected entity, and the share of entities that carry each.
DEFECTS = {
    "no-workers-organisation": "a partnership without any member from group:workers-organisations",
    "one-other-group": "a partnership whose members come from only one of the eight other groups",
    "membership-without-source": "an org:Membership without dct:source",
    "end-before-start": "a membership period whose end instant precedes its beginning",
    "unknown-role": "a membership whose org:role is not in the role scheme",
    "missing-label": "a partnership or organisation without rdfs:label",
    "bad-country": "an organisation or engagement whose country is not an EU authority country IRI",
}
# Share of the entities of the right kind that carry each defect: partnerships are few, so their defects
# are more frequent, or a small graph would have none.
DEFECT_RATE = dict.fromkeys(DEFECTS, 0.02) | {"no-workers-organisation": 0.06, "one-other-group": 0.06}


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
    triples: int = 0
    defects: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEFECTS, 0))

    def add(self, s: str, p: str, o: str) -> None:
        """One triple; ``o`` is an IRI unless it is already a literal (starts with a quote)."""
        obj = o if o.startswith('"') else f"<{o}>"
        if self.out is not None:
            self.out.write(f"<{s}> <{p}> {obj} .\n")
        self.triples += 1


class _Generator:
    def __init__(self, writer: _Writer, seed: int):
        self.w = writer
        self.rng = random.Random(seed)
        self.orgs: dict[str, list[str]] = {g: [] for g in GROUPS}
        self.next_org = 0
        self.next_interval = 0

    def defect(self, kind: str) -> bool:
        """Whether this entity carries ``kind`` (and count it)."""
        if self.rng.random() < DEFECT_RATE[kind]:
            self.w.defects[kind] += 1
            return True
        return False

    def organisation(self, slug: str, name: str, group: str, country: str) -> str:
        iri = f"{ID}organisation/{slug}"
        w = self.w
        w.add(iri, RDF_TYPE, ORG + "Organization")
        if not self.defect("missing-label"):
            w.add(iri, RDFS_LABEL, _lit(name, lang="en"))
        w.add(iri, MSP + "stakeholderGroup", f"{VOCAB}stakeholder-group/{group}")
        w.add(iri, MSP + "statedKind", _lit(STATED_KIND[group]))
        w.add(iri, MSP + "country", self.country(country))
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
        iri = self.organisation(
            slug, f"{STATED_KIND[group].capitalize()} {self.next_org}", group, self.rng.choice(COUNTRIES)
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
        if self.rng.random() < 0.6:  # full dates; otherwise years, as sources often give only the year
            month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
            w.add(
                begin, TIME + "inXSDDate", _lit(f"{start_year}-{month:02d}-{day:02d}", datatype=XSD + "date")
            )
            end_value = _lit(f"{end_year}-{month:02d}-{day:02d}", datatype=XSD + "date")
            end_property = TIME + "inXSDDate"
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
        iri = f"{partnership.replace('/partnership/', '/membership/')}-m{index:02d}"
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
        size = self.rng.randint(5, 20)
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
        for group in groups:
            hub = hubs.get(group)
            if hub and hub not in chosen and self.rng.random() < 0.5:
                chosen.append(hub)
                continue
            member = self.partner(group)
            if member not in chosen:
                chosen.append(member)
        return chosen

    def partnership(self, n: int) -> None:
        iri = f"{ID}partnership/bench-p{n:06d}"
        w, rng = self.w, self.rng
        w.add(iri, RDF_TYPE, MSP + "Partnership")
        if not self.defect("missing-label"):
            w.add(iri, RDFS_LABEL, _lit(f"Generated partnership {n}", lang="en"))
        w.add(iri, SKOS_ALT, _lit(f"GP{n}"))
        w.add(iri, MSP + "level", f"{VOCAB}level/{rng.choice(LEVELS)}")
        w.add(iri, MSP + "formality", f"{VOCAB}formality/{rng.choice(FORMALITY)}")
        for area in rng.sample(AREAS, rng.randint(1, 3)):
            w.add(iri, MSP + "policyArea", f"{VOCAB}policy-area/{area}")
        for objective in rng.sample(OBJECTIVES, rng.randint(1, 3)):
            w.add(iri, MSP + "objective", f"{VOCAB}objective/{objective}")
        w.add(iri, MSP + "sdgTarget", SDG + rng.choice(SDG_TARGETS))
        start_year = rng.randint(1995, 2022)
        w.add(iri, MSP + "activeDuring", self.interval(start_year))
        w.add(iri, DCT_SOURCE, rng.choice(SOURCES))
        w.add(iri, FOAF_HOMEPAGE, f"https://example.org/msp/{n}")
        for index, member in enumerate(self.members(), start=1):
            self.membership(iri, index, member, start_year)
        for index in range(rng.choice((0, 0, 0, 1, 2, 4))):
            engagement = f"{ID}engagement/bench-p{n:06d}-c{index:02d}"
            w.add(iri, MSP + "hasCountryEngagement", engagement)
            w.add(engagement, RDF_TYPE, MSP + "CountryEngagement")
            w.add(engagement, MSP + "country", self.country(rng.choice(COUNTRIES)))
            w.add(engagement, MSP + "engagementRole", f"{VOCAB}role/{rng.choice(ENGAGEMENT_ROLES)}")
            w.add(engagement, MSP + "engagedDuring", self.interval(start_year + rng.randint(0, 6)))
            w.add(engagement, DCT_SOURCE, rng.choice(SOURCES))

    def run(self, target: int) -> int:
        for slug, name, group, country in HUBS:
            self.organisation(slug, name, group, country)
        n = 0
        while self.w.triples < target:
            n += 1
            self.partnership(n)
        return n


def generate(triples: int, *, seed: int = 0, out: TextIO | None) -> dict:
    """Write an MSP graph of at least ``triples`` triples as N-Triples to ``out``; return its manifest.

    The manifest gives the exact triple count, the number of partnerships and organisations, and how many
    entities carry each defect of ``DEFECTS``. ``out=None`` only counts.
    """
    if triples < 1:
        raise ValueError(f"triples: must be at least 1, got {triples}")
    writer = _Writer(out)
    gen = _Generator(writer, seed)
    partnerships = gen.run(triples)
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "target": triples,
        "triples": writer.triples,
        "partnerships": partnerships,
        "organisations": gen.next_org + len(HUBS),
        "defects": writer.defects,
    }


def cached(triples: int, *, seed: int = 0) -> tuple[Path, dict]:
    """The file for ``(triples, seed)`` in ``bench/.cache/`` (made on first use), and its manifest."""
    CACHE.mkdir(exist_ok=True)
    stem = CACHE / f"msp-{triples}-s{seed}-v{GENERATOR_VERSION}"
    path, manifest_path = stem.with_suffix(".nt"), stem.with_suffix(".json")
    if not (path.exists() and manifest_path.exists()):
        partial = stem.with_suffix(".nt.part")
        with partial.open("w", encoding="utf-8") as out:
            manifest = generate(triples, seed=seed, out=out)
        partial.replace(path)
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return path, json.loads(manifest_path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("triples", type=float, help="target size in triples, e.g. 1e5")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", help="N-Triples file to write (default: stdout)")
    args = parser.parse_args(argv)
    if args.triples < 1:
        parser.error(f"triples: must be at least 1, got {args.triples:g}")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            manifest = generate(int(args.triples), seed=args.seed, out=out)
    else:
        manifest = generate(int(args.triples), seed=args.seed, out=sys.stdout)
    print(json.dumps(manifest), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
