"""Build the curated data files of msp-graph from the reference facts and the seed text.

Dev-time tool: it reads ``../shared/reference/msp_facts.json`` and ``../shared/seed/*.txt`` (next to the
repository) and writes

- ``data/partnerships/<slug>.ttl``: one file per partnership of the reference file,
- ``data/organisations.ttl``: one node per real organisation across all partnerships,
- ``data/seed.ttl``: the facts and examples of the seed text (the ILO's public page on MSPs),
- ``data/README.md``: what is there, how complete it is, the mapping tables.

The product and the data files never need this script or ``../shared``. Every generated file says so in a
header comment with the command that regenerates it; ``tests/test_data.py`` re-runs it and checks the
committed files are in step.

Run from the repository root::

    python tools/build_data.py            # rewrite data/
    python tools/build_data.py --check    # exit 1 when data/ is out of step with the sources

Every hand decision (name aliases, kind -> stakeholder group, stated role -> role concept, formality,
objectives, conflicts between sources) is a table below; an unknown name, kind or role stops the build
with a message naming it, so nothing is mapped silently.
"""

# The hand tables quote the sources' wording and URLs verbatim, so some lines are longer than the limit.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from msp_graph.prefixes import SCHEMES, select

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared"
COMMAND = "python tools/build_data.py"
COMPILED = "2026-11-27"
DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
SEED_URL = "https://www.ilo.org/pardev/partnerships/other-global/lang--en/index.htm"
SEED_MIRROR = "http://wcmsq3.ilo.org/pardev/partnerships/other-global/lang--en/index.htm"

ID = "https://w3id.org/msp/id/"
PREFIXES: dict[str, str] = select(
    "rdf",
    "rdfs",
    "xsd",
    "skos",
    "dct",
    "dcat",
    "prov",
    "org",
    "time",
    "foaf",
    "msp",
    *SCHEMES,
    "country",
    "partnership",
    "organisation",
    "membership",
    "engagement",
    "output",
    "claim",
    "conflict",
    "statement",
    "interval",
    "instant",
    "source",
)
SDG = select("sdg")["sdg"]


class BuildError(Exception):
    """The sources cannot be converted as they are: an unknown name, kind, role or country."""


def iri(prefix: str, local: str) -> URIRef:
    return URIRef(PREFIXES[prefix] + local)


# ---------------------------------------------------------------------------------------------------------
# Hand tables
# ---------------------------------------------------------------------------------------------------------

# Stated kind (the source's wording) -> stakeholder group. Documented in data/README.md.
KIND_GROUPS: dict[str, tuple[str, str]] = {
    "UN agency": ("un", ""),
    "UN entity": ("un", ""),
    "UN regional commission": ("un", ""),
    "UN secretariat": ("un", ""),
    "UN pooled fund": ("un", "a fund administered by the UN system"),
    "UN agency / research centre": ("un", "a UNDP centre: the UN comes first in the wording"),
    "government": ("government", ""),
    "government agency": ("government", "government-driven institution"),
    "government agency (bilateral)": ("government", "government-driven institution"),
    "regional intergovernmental organization": ("regional-groups", ""),
    "regional statistical institute": ("regional-groups", "an institute of the African Union"),
    "intergovernmental organization": ("multilateral-organisations", ""),
    "international financial institution": ("multilateral-organisations", ""),
    "international financial institution (World Bank Group)": ("multilateral-organisations", ""),
    "international association (social security institutions)": (
        "multilateral-organisations",
        "an international body whose members are national social security institutions; not a UN "
        "agency, not a government",
    ),
    "employers' organization": ("employers-organisations", ""),
    "employers' organization (global)": ("employers-organisations", ""),
    "employers'/business organization": (
        "employers-organisations",
        "Business at OECD speaks for employers' and business federations",
    ),
    "workers' organization": ("workers-organisations", ""),
    "workers' organization (global)": ("workers-organisations", ""),
    "workers' organization (global union federation)": ("workers-organisations", ""),
    "civil society": ("civil-society", ""),
    "civil society network": ("civil-society", ""),
    "civil society / think tank": ("civil-society", "the source names civil society first"),
    "civil society (organization of persons with disabilities)": ("civil-society", ""),
    "professional body / NGO": ("civil-society", "a not-for-profit professional body"),
    "foundation": (
        "civil-society",
        "philanthropic foundations are not-for-profit actors; a company's own foundation would still be "
        "recorded with its stated kind",
    ),
    "academia / think tank": ("academia", ""),
    "academia": ("academia", ""),
    "private sector": ("private-sector", ""),
    "private sector (multinational enterprise)": ("private-sector", ""),
    "private sector (global buyer)": ("private-sector", ""),
    "business network": ("private-sector", "a network of companies"),
}


@dataclass(frozen=True)
class Org:
    slug: str
    label: str
    alt: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    parent: str | None = None  # org:subOrganizationOf, only when both nodes are in the data
    country: str | None = None  # home country when no member record gives it
    country_basis: str = ""
    group: str | None = None  # only for organisations no record gives a kind for
    group_basis: str = ""
    no_membership: str = ""  # why the organisation is in the data without any membership


# One node per real organisation. ``aliases`` are the exact names used in the reference file.
ORGS: tuple[Org, ...] = (
    Org(
        "ilo",
        "International Labour Organization",
        ("ILO",),
        ("International Labour Organization (ILO)", "ILO"),
    ),
    Org(
        "iom",
        "International Organization for Migration",
        ("IOM",),
        ("International Organization for Migration (IOM)",),
    ),
    Org("unicef", "United Nations Children's Fund", ("UNICEF",), ("UNICEF",)),
    Org(
        "ohchr",
        "Office of the UN High Commissioner for Human Rights",
        ("OHCHR",),
        ("Office of the UN High Commissioner for Human Rights (OHCHR)",),
    ),
    Org("oecd", "Organisation for Economic Co-operation and Development", ("OECD",), ("OECD",)),
    Org(
        "oecd-development-centre", "OECD Development Centre", (), ("OECD Development Centre",), parent="oecd"
    ),
    Org("unodc", "United Nations Office on Drugs and Crime", ("UNODC",), ("UNODC",)),
    Org(
        "ioe",
        "International Organisation of Employers",
        ("IOE",),
        ("International Organisation of Employers (IOE)",),
    ),
    Org(
        "ituc",
        "International Trade Union Confederation",
        ("ITUC",),
        ("International Trade Union Confederation (ITUC)",),
    ),
    Org("free-the-slaves", "Free the Slaves", (), ("Free the Slaves",)),
    Org("walk-free-foundation", "Walk Free Foundation", (), ("Walk Free Foundation",)),
    Org(
        "government-of-france",
        "Government of France",
        (),
        ("Government of France", "French development cooperation"),
    ),
    Org("government-of-argentina", "Government of Argentina", (), ("Government of Argentina",)),
    Org("government-of-chile", "Government of Chile", (), ("Government of Chile",)),
    Org("government-of-australia", "Government of Australia", (), ("Government of Australia",)),
    Org("government-of-mexico", "Government of Mexico", (), ("Government of Mexico",)),
    Org(
        "global-march-against-child-labour",
        "Global March Against Child Labour",
        (),
        ("Global March Against Child Labour",),
    ),
    Org("freedom-fund", "Freedom Fund", (), ("Freedom Fund",)),
    Org("child-labour-platform", "Child Labour Platform", (), ("Child Labour Platform",)),
    Org(
        "ilo-gbnfl",
        "ILO Global Business Network on Forced Labour",
        ("GBNFL",),
        ("ILO Global Business Network on Forced Labour",),
    ),
    Org("world-bank-group", "World Bank Group", ("World Bank", "WBG"), ("World Bank", "World Bank Group")),
    Org("african-union", "African Union", ("AU",), ("African Union",)),
    Org(
        "african-union-commission",
        "African Union Commission",
        ("AUC",),
        ("African Union Commission (AUC)",),
        parent="african-union",
    ),
    Org(
        "statafric",
        "African Union Institute for Statistics",
        ("STATAFRIC",),
        ("AU Institute for Statistics (STATAFRIC)",),
        parent="african-union",
    ),
    Org("fao", "Food and Agriculture Organization of the United Nations", ("FAO",), ("FAO",)),
    Org(
        "european-union",
        "European Union",
        ("EU", "European Commission"),
        ("European Commission / European Union", "European Union", "European Commission"),
    ),
    Org("helpage-international", "HelpAge International", (), ("HelpAge International",)),
    Org(
        "idb",
        "Inter-American Development Bank",
        ("IDB", "IADB"),
        ("Inter-American Development Bank (IADB/IDB)",),
    ),
    Org("save-the-children", "Save the Children", (), ("Save the Children",)),
    Org("undp", "United Nations Development Programme", ("UNDP",), ("UNDP",)),
    Org(
        "ipc-ig",
        "International Policy Centre for Inclusive Growth",
        ("IPC-IG", "UNDP-IPC"),
        ("UNDP International Policy Centre for Inclusive Growth (UNDP-IPC)", "IPC-IG (UNDP)"),
        parent="undp",
    ),
    Org(
        "government-of-belgium",
        "Government of Belgium",
        (),
        ("Belgian development cooperation", "Government of Belgium"),
    ),
    Org("government-of-finland", "Government of Finland", (), ("Finnish development cooperation",)),
    Org(
        "government-of-germany",
        "Government of Germany",
        (),
        ("German development cooperation", "Government of Germany"),
    ),
    Org("expertise-france", "Expertise France", (), ("Expertise France",)),
    Org(
        "giz",
        "Deutsche Gesellschaft für Internationale Zusammenarbeit",
        ("GIZ",),
        ("Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)", "GIZ"),
    ),
    Org("cippec", "CIPPEC", (), ("CIPPEC",)),
    Org(
        "issa",
        "International Social Security Association",
        ("ISSA",),
        ("International Social Security Association (ISSA)",),
    ),
    Org(
        "mfa-finland",
        "Ministry for Foreign Affairs of Finland",
        (),
        ("Ministry for Foreign Affairs of Finland",),
    ),
    Org("odi", "Overseas Development Institute", ("ODI",), ("Overseas Development Institute (ODI)",)),
    Org(
        "dfat-australia",
        "Australian Department of Foreign Affairs and Trade",
        ("DFAT",),
        ("Australian Department of Foreign Affairs and Trade (DFAT)",),
    ),
    Org(
        "un-eosg",
        "UN Executive Office of the Secretary-General",
        ("EOSG",),
        ("UN Executive Office of the Secretary-General",),
    ),
    Org("who", "World Health Organization", ("WHO",), ("World Health Organization (WHO)",)),
    Org("government-of-spain", "Government of Spain", (), ("Government of Spain",)),
    Org("government-of-peru", "Government of Peru", (), ("Government of Peru",)),
    Org("government-of-samoa", "Government of Samoa", (), ("Government of Samoa",)),
    Org("government-of-ghana", "Government of Ghana", (), ("Government of Ghana",)),
    Org(
        "government-of-the-united-states",
        "Government of the United States",
        (),
        ("Government of the United States",),
    ),
    Org("industriall", "IndustriALL Global Union", ("IndustriALL",), ("IndustriALL Global Union",)),
    Org(
        "iosh",
        "Institution of Occupational Safety and Health",
        ("IOSH",),
        ("Institution of Occupational Safety and Health (IOSH)",),
    ),
    Org(
        "ripess",
        "Intercontinental Network for the Promotion of Social Solidarity Economy",
        ("RIPESS",),
        ("RIPESS (Intercontinental Network for the Promotion of Social Solidarity Economy)",),
    ),
    Org("accor", "Accor", (), ("Accor",)),
    Org("adecco-group", "The Adecco Group", ("Adecco",), ("Adecco Group", "The Adecco Group")),
    Org("axa", "AXA", (), ("AXA",)),
    Org("carrefour", "Carrefour", (), ("Carrefour",)),
    Org("casino-group", "Casino Group", ("Casino",), ("Casino Group",)),
    Org("dow", "Dow", (), ("Dow",)),
    Org("loreal", "L'Oréal", (), ("L'Oréal",)),
    Org("michelin", "Michelin", (), ("Michelin",)),
    Org("orange", "Orange", (), ("Orange",)),
    Org("sodexo", "Sodexo", (), ("Sodexo",)),
    Org("standard-bank", "Standard Bank", (), ("Standard Bank",)),
    Org("bnp-paribas", "BNP Paribas", (), ("BNP Paribas",)),
    Org("ibm", "IBM", (), ("IBM",)),
    Org("repsol", "Repsol", (), ("Repsol",)),
    Org("iss", "ISS", (), ("ISS",)),
    Org("unilever", "Unilever", (), ("Unilever",)),
    Org(
        "international-disability-alliance",
        "International Disability Alliance",
        ("IDA",),
        ("International Disability Alliance",),
    ),
    Org("business-at-oecd", "Business at OECD", ("BIAC",), ("Business at OECD (BIAC)",)),
    Org(
        "tisk",
        "Turkish Confederation of Employer Associations",
        ("TİSK", "TISK"),
        ("Turkish Confederation of Employer Associations (TİSK)",),
    ),
    Org("uia", "Unión Industrial Argentina", ("UIA",), ("Unión Industrial Argentina (UIA)",)),
    Org("joint-sdg-fund", "Joint SDG Fund", (), ("Joint SDG Fund",)),
    Org(
        "government-of-the-republic-of-korea",
        "Government of the Republic of Korea",
        (),
        ("Government of the Republic of Korea",),
    ),
    Org("wfp", "World Food Programme", ("WFP",), ("WFP",)),
    Org("un-women", "UN Women", (), ("UN Women",)),
    Org(
        "ifc",
        "International Finance Corporation",
        ("IFC",),
        ("International Finance Corporation (IFC)",),
        parent="world-bank-group",
    ),
    Org("h-and-m", "H&M", (), ("H&M",)),
    Org("gap", "GAP", (), ("GAP",)),
    Org("levi-strauss", "Levi Strauss", (), ("Levi Strauss",)),
    Org("adidas", "Adidas", (), ("Adidas",)),
    Org("government-of-denmark", "Government of Denmark", (), ("Government of Denmark",)),
    Org("itc", "International Trade Centre", ("ITC",), ("ITC",)),
    Org("itu", "International Telecommunication Union", ("ITU",), ("ITU",)),
    Org("unctad", "United Nations Conference on Trade and Development", ("UNCTAD",), ("UNCTAD",)),
    Org("un-desa", "UN Department of Economic and Social Affairs", ("UN DESA",), ("UN DESA",)),
    Org("unep", "United Nations Environment Programme", ("UNEP",), ("UNEP",)),
    Org(
        "unesco", "United Nations Educational, Scientific and Cultural Organization", ("UNESCO",), ("UNESCO",)
    ),
    Org("unfpa", "United Nations Population Fund", ("UNFPA",), ("UNFPA",)),
    Org("un-habitat", "UN-Habitat", (), ("UN-Habitat",)),
    Org("unido", "United Nations Industrial Development Organization", ("UNIDO",), ("UNIDO",)),
    Org(
        "unrwa",
        "United Nations Relief and Works Agency for Palestine Refugees in the Near East",
        ("UNRWA",),
        ("UNRWA",),
    ),
    Org("unwto", "World Tourism Organization", ("UNWTO",), ("UNWTO",)),
    Org("wipo", "World Intellectual Property Organization", ("WIPO",), ("WIPO",)),
    Org(
        "un-envoy-on-youth",
        "Office of the Secretary-General's Envoy on Youth",
        (),
        ("Office of the Secretary-General's Envoy on Youth",),
    ),
    Org(
        "mars",
        "Mars Incorporated",
        ("Mars",),
        ("Mars Incorporated",),
        no_membership="seed funder of the ILO Global Business Network on Forced Labour, a network related to the "
        "Fair Recruitment Initiative and not one of the partnerships (not a funder of the Initiative itself)",
    ),
    Org(
        "sdc",
        "Swiss Agency for Development and Cooperation",
        ("SDC",),
        ("Swiss Agency for Development and Cooperation (SDC)",),
    ),
    Org(
        "bmz",
        "German Federal Ministry for Economic Cooperation and Development",
        ("BMZ",),
        ("German Federal Ministry for Economic Cooperation and Development (BMZ)",),
    ),
    Org("asean-secretariat", "ASEAN Secretariat", (), ("ASEAN Secretariat",), parent="asean"),
    Org("global-affairs-canada", "Global Affairs Canada", ("GAC",), ("Global Affairs Canada",)),
    Org(
        "un-escap",
        "UN Economic and Social Commission for Asia and the Pacific",
        ("ESCAP", "UN ESCAP"),
        ("UN ESCAP",),
    ),
    Org(
        "uneca",
        "UN Economic Commission for Africa",
        ("UNECA", "ECA"),
        ("UN Economic Commission for Africa (UNECA)",),
    ),
    Org("statistics-sweden", "Statistics Sweden", (), ("Statistics Sweden",)),
    Org(
        "sida",
        "Swedish International Development Cooperation Agency",
        ("Sida", "SIDA"),
        ("Swedish International Development Cooperation Agency (SIDA)",),
    ),
    Org("government-of-brazil", "Government of Brazil", (), ("Government of Brazil",)),
    Org("government-of-india", "Government of India", (), ("Government of India",)),
    Org("government-of-south-africa", "Government of South Africa", (), ("Government of South Africa",)),
    Org("government-of-algeria", "Government of Algeria", (), ("Government of Algeria",)),
    Org("government-of-panama", "Government of Panama", (), ("Government of Panama",)),
    Org(
        "acftu",
        "All-China Federation of Trade Unions",
        ("ACFTU",),
        ("All-China Federation of Trade Unions (ACFTU)",),
    ),
    Org(
        "unossc",
        "UN Office for South-South Cooperation",
        ("UNOSSC",),
        ("UN Office for South-South Cooperation (UNOSSC)",),
    ),
    Org(
        "cplp",
        "Community of Portuguese Speaking Countries",
        ("CPLP",),
        ("Community of Portuguese Speaking Countries (CPLP)",),
    ),
    # Named only in a fact, not in a member record (Better Work Viet Nam donors), or only in the seed.
    *(
        Org(
            f"government-of-{c.lower().replace(' ', '-')}",
            f"Government of {c}",
            (),
            (),
            country=iso,
            country_basis="the funding country named in the source",
            group="government",
            group_basis="named as a funding country in the source",
        )
        for c, iso in (
            ("Canada", "CAN"),
            ("Ireland", "IRL"),
            ("Japan", "JPN"),
            ("New Zealand", "NZL"),
            ("the Netherlands", "NLD"),
            ("Norway", "NOR"),
            ("Sweden", "SWE"),
            ("Switzerland", "CHE"),
        )
    ),
    Org(
        "asean",
        "Association of Southeast Asian Nations",
        ("ASEAN",),
        (),
        group="regional-groups",
        group_basis="a regional organisation (the seed text: 'ILO Cooperation with regional organisations')",
    ),
)

# Stated role (exact source wording) -> role concept. Documented in data/README.md.
ROLE_MAP: dict[str, str] = {
    "Secretariat; chair of Supply Chains Action Group; co-lead of strategy workshop sessions": "secretariat",
    "Migration Action Group facilitator; co-author of 2019 supply-chains report; supported Madagascar pathfinder workshop": "member",
    "Co-author of 2019 supply-chains report; supported Madagascar pathfinder workshop; Migration Action Group": "member",
    "Supported Madagascar pathfinder strategic workshop": "member",
    "Co-author of 2019 Alliance 8.7 supply-chains report (research consortium)": "member",
    "Supported Nigeria Alliance 8.7 roadmap/communication workshop (2019)": "participant",
    "Participated in 2017 strategy workshop; co-lead of 'Vision and progress' session of 2022 strategy workshop": "member",
    "Co-lead of 'Vision and progress' session of 2022 strategy workshop": "member",
    "Co-lead of Pathfinder Country Accountability Framework session; published Pathfinder Accountability Framework document": "member",
    "Collaborated on Migration Action Group planning workshop; research on migrant vulnerabilities": "member",
    "Chair of Alliance 8.7 (2019 to May 2023)": "chair",
    "Vice-Chair (term ending May 2023); co-lead of 2022 strategy workshop session": "vice-chair",
    "Assumed presidency (chair) of Alliance 8.7 after France": "chair",
    "Co-lead of 'Vision and progress' session at 2022 strategy workshop": "member",
    "Co-lead of Pathfinder accountability session at 2022 strategy workshop; Pathfinder Country": "member",
    "Organised symposium with 5 Pathfinder countries; supports Ghana's Pathfinder advocacy": "participant",
    "Convened forum of 60 CSOs (London, Sept 2017) on their role in Alliance 8.7": "participant",
    "Leading business network engaged with the Supply Chains Action Group": "participant",
    "Leading business network engaged with Alliance 8.7; its employer-organization members engaged with Pathfinder Countries (2023)": "participant",
    "Co-lead / co-chair": "co-lead",
    "Founding supporting partner (2016)": "founding-member",
    "Founding supporting partner (2016); listed as member (2021)": "founding-member",
    "Founding supporting partner (2016); member (2021)": "founding-member",
    "Member (2021)": "member",
    "Member; membership request approved 21 May 2021": "member",
    "Committed to the Global Partnership at the 5 Feb 2019 USP2030 conference": "member",
    "Board member; presented strategy at first meeting (2012)": "member",
    "Board member; presented strategy at first meeting (2012); hosts SPIAC-B web pages": "member",
    "Publicised the SPIAC-B joint statement (implied member)": "member",
    "Leads the SPIAC-B Working Group on Digital Social Protection": "member",
    "CODI contributor": "technical-partner",
    "CODI contributor; ISPA partner agency": "technical-partner",
    "CODI contributor; co-sponsored 2018 ISPA training": "technical-partner",
    "CODI contributor; co-leads ISPA": "technical-partner",
    "ISPA partner agency; co-sponsored 2018 training": "technical-partner",
    "Leads/spearheads the initiative; Board member": "lead",
    "Advisory Board member": "advisory-board-member",
    "Supported the Spain/Peru-led coalition at the 2019 summit": "supporter",
    "Co-lead of initiative; Board co-chair (Teresa Ribera)": "co-lead",
    "Co-lead of initiative": "co-lead",
    "Advisory Board co-chair": "co-chair",
    "Advisory Board member (Minister Ignatius Baffour-Awuah appointed Sept 2020)": "advisory-board-member",
    "Advisory Board member (joined March 2023)": "advisory-board-member",
    "Coalition member (April 2022); Board member (March 2023)": "member",
    "Initiator and host of secretariat": "host",
    "Partner (joined early 2024)": "member",
    "Partner (joined 20 Feb 2024)": "member",
    "Partner (invited Jan 2024; attended inaugural forum)": "member",
    "Partner": "member",
    "Charter signatory": "signatory",
    "Network member (non-business)": "member",
    "Founder/coordinator": "founding-member",
    "Founding supporter; feasibility study": "founding-member",
    "Founding supporter": "founding-member",
    "Host of GAN Turkey (2015)": "member",
    "Host of GAN Argentina": "member",
    "Leading GAN Belgium work": "member",
    "Key UN implementer (ILO news; ADG statements)": "member",
    "Partner in the M-GA UN-World Bank partnership": "member",
    "Funding track for pathfinder countries": "donor",
    "Donor": "donor",
    "Supporter": "supporter",
    "Participated in Malawi scoping mission (June 2023)": "participant",
    "Co-owner of programme": "co-lead",
    "Participating buyer": "member",
    "Donor (2014-16 and 2018-22)": "donor",
    "Lead; chair of HLCP task team": "lead",
    "HLCP task team member (strategy development, 2015)": "member",
    "Initiator/implementer": "lead",
    "Seed funder of the related ILO Global Business Network on Forced Labour (not of FRI itself)": "donor",
    "Host and lead": "host",
    "Partner on recruitment-cost surveys; co-custodian of SDG 10.7.1": "technical-partner",
    "Largest trust-fund contributor (first phase)": "donor",
    "Co-chair of TWG on Policy and Institutional Coherence": "member",
    "Funded the 2018 SDG 10.7.1 workshop (REFRAME project)": "donor",
    "Runs ILMS; JLMP partner": "lead",
    "ILMS collaborator": "member",
    "TRIANGLE in ASEAN funding partner": "donor",
    "Participant in ILMS technical meetings": "participant",
    "JLMP lead; report publisher": "lead",
    "JLMP partner": "member",
    "Technical support for 3rd edition": "technical-partner",
    "Partner for 2nd edition launch": "member",
    "Migration database used for report": "technical-partner",
    "Facilitator": "facilitator",
    "South-South partner (MoU 2007; child-labour cooperation since 2005)": "member",
    "IBSA partner; contributor": "donor",
    "SSTC contributor": "donor",
    "Cooperation partner": "member",
    "Agreement with ILO (2013)": "member",
}

# Stated role of a country engagement -> role concept, by the first matching prefix (lower case).
ENGAGEMENT_ROLES: tuple[tuple[str, str], ...] = (
    ("pathfinder country", "pathfinder-country"),
    ("co-lead; committed country", "coalition-country"),
    ("coalition country", "coalition-country"),
    ("first ca4j project", "programme-country"),
    ("launched national just-transition initiative", "participant"),
    ("advisory board co-chair", "co-chair"),
    ("advisory board member", "advisory-board-member"),
    ("head of state present", "participant"),
    ("labour minister present", "participant"),
    ("gan national network", "network-country"),
    ("better work country programme", "programme-country"),
    ("asean member state in ilms data network", "network-country"),
    ("sstc partner", "member"),
    ("ibsa partner", "member"),
)

# Free-text policy area -> policy-area concepts (an empty tuple: no concept fits; the wording is kept).
POLICY_AREAS: dict[str, tuple[str, ...]] = {
    "child labour": ("child-and-forced-labour",),
    "forced labour": ("child-and-forced-labour",),
    "modern slavery": ("child-and-forced-labour",),
    "human trafficking": ("child-and-forced-labour",),
    "forced labour prevention": ("child-and-forced-labour",),
    "fundamental principles and rights at work": (),
    "social protection": ("social-protection",),
    "social protection floors": ("social-protection",),
    "universal social protection": ("social-protection",),
    "just transition": ("just-transition",),
    "just transitions": ("just-transition",),
    "green jobs": ("just-transition",),
    "climate change": ("just-transition",),
    "skills": ("skills",),
    "apprenticeships": ("skills",),
    "work-based learning": ("skills",),
    "youth employment": ("employment",),
    "decent jobs": ("employment",),
    "employment of persons with disabilities": ("employment", "gender-and-non-discrimination"),
    "disability inclusion": ("gender-and-non-discrimination",),
    "non-discrimination": ("gender-and-non-discrimination",),
    "gender equality": ("gender-and-non-discrimination",),
    "labour migration": ("migration",),
    "migration statistics": ("migration",),
    "remittances": ("migration",),
    "recruitment costs": ("migration",),
    "fair recruitment": ("migration",),
    "social dialogue": (),
    "social justice": (),
    "decent work": ("employment",),
    "SDGs": (),
    "policy coherence": (),
    "financing for development": (),
    "labour standards compliance": (),
    "global supply chains": (),
    "garment industry": (),
    "development cooperation": (),
    "decent work agenda": ("employment",),
}


@dataclass(frozen=True)
class PInfo:
    slug: str
    label: str
    level: str
    formality: str
    formality_basis: str
    objectives: dict[str, str] = field(default_factory=dict)  # objective -> why (from the facts)
    modalities: tuple[str, ...] = ()
    coverage: tuple[str, ...] = ()  # region concepts
    homepage_ok: bool = True


PARTNERSHIPS: dict[str, PInfo] = {
    "Alliance 8.7": PInfo(
        "alliance-8-7",
        "Alliance 8.7",
        "global",
        "formal",
        "a Global Coordinating Group acting as steering committee, an ILO secretariat, chairs with fixed terms "
        "and a procedure to admit pathfinder countries",
        {
            "policy-alignment": "chairs, a steering group and national strategies aligned on SDG target 8.7",
            "knowledge-sharing": "the 2019 joint supply-chains report and thematic action groups",
            "outreach": "national strategic workshops and roadmaps in pathfinder countries",
        },
    ),
    "USP2030": PInfo(
        "usp2030",
        "Global Partnership for Universal Social Protection to Achieve the Sustainable Development Goals",
        "global",
        "formal",
        "a Call to Action with five principles, membership assemblies, approved membership requests and working "
        "groups under World Bank-ILO co-leadership",
        {
            "policy-alignment": "the Call to Action and its five core principles",
            "knowledge-sharing": "working groups and 23 country case studies at the launch",
        },
    ),
    "SPIAC-B": PInfo(
        "spiac-b",
        "Social Protection Inter-Agency Cooperation Board",
        "global",
        "partially-formal",
        "described as a 'light, lean and agile inter-agency coordination mechanism'; no chair or secretariat "
        "found; set up at the request of the G20 Development Working Group",
        {
            "policy-alignment": "joint statements of the member agencies",
            "knowledge-sharing": "the ISPA assessment tools developed at its request",
        },
        modalities=("inter-agency-cooperation",),
    ),
    "CA4J": PInfo(
        "ca4j",
        "Climate Action for Jobs Initiative",
        "global",
        "formal",
        "an International Advisory Board with co-chairs that endorsed a 10-year strategy, and a secretariat "
        "reporting to it",
        {
            "policy-alignment": "46-49 countries committed to put jobs at the heart of climate action",
            "outreach": "a first country project in Senegal (2022)",
        },
    ),
    "GCSJ": PInfo(
        "gcsj",
        "Global Coalition for Social Justice",
        "global",
        "formal",
        "endorsed by the ILO Governing Body; a Coordinating Group, an annual Forum and a secretariat hosted by "
        "the ILO",
        {"policy-alignment": "policy coherence for social justice named as its aim"},
    ),
    "GBDN": PInfo(
        "gbdn",
        "ILO Global Business and Disability Network",
        "global",
        "formal",
        "a member-based network whose members sign a Charter of ten principles",
        {"policy-alignment": "members commit to the ten principles of the Charter"},
    ),
    "GAN": PInfo(
        "gan",
        "Global Apprenticeship Network",
        "global",
        "formal",
        "a Swiss not-for-profit association with a secretariat in Geneva and a management board",
        {"outreach": "national GAN networks in 16 countries"},
    ),
    "GA": PInfo(
        "global-accelerator",
        "Global Accelerator on Jobs and Social Protection for Just Transitions",
        "global",
        "formal",
        "a Steering Group (February 2024), a Joint SDG Fund funding track and government-endorsed national "
        "roadmaps",
        {
            "resource-mobilisation": "EUR 21 million pledged and a USD 17.8 million funding track",
            "outreach": "implementation in 17 pathfinder countries",
            "policy-alignment": "national roadmaps endorsed by governments",
        },
    ),
    "BW": PInfo(
        "better-work",
        "Better Work",
        "global",
        "formal",
        "a programme jointly owned by the ILO and the IFC, with country programmes and donor-funded phases",
        {"outreach": "country programmes in garment-producing countries"},
        homepage_ok=False,
    ),
    "Decent Jobs for Youth": PInfo(
        "decent-jobs-for-youth",
        "Global Initiative on Decent Jobs for Youth",
        "global",
        "partially-formal",
        "endorsed by the UN Chief Executives Board and run as an engagement platform; no charter, board or "
        "membership rules found",
        {"policy-alignment": "the first UN system-wide effort on youth employment"},
        modalities=("inter-agency-cooperation",),
    ),
    "FRI": PInfo(
        "fair-recruitment-initiative",
        "ILO Fair Recruitment Initiative",
        "global",
        "partially-formal",
        "an ILO-led initiative carried out with partners; no membership rules or named partner list found",
        {"knowledge-sharing": "a stocktaking of promising practices"},
    ),
    "KNOMAD": PInfo(
        "knomad",
        "Global Knowledge Partnership on Migration and Development",
        "global",
        "formal",
        "a World Bank multi-donor trust fund with an Advisory Committee and thematic working groups",
        {"knowledge-sharing": "a methodology and surveys on recruitment costs (SDG indicator 10.7.1)"},
    ),
    "ILMS-ASEAN / AU-JLMP": PInfo(
        "migration-statistics-asean-au",
        "ILO cooperation on labour migration statistics with ASEAN (ILMS Database) and the African Union "
        "(JLMP statistics reports)",
        "regional",
        "partially-formal",
        "a formal AU programme (the JLMP, adopted by the AU Assembly) on one side and a project-based "
        "network of focal points in ASEAN on the other; no single charter",
        {"knowledge-sharing": "the ILMS database and the reports on labour migration statistics in Africa"},
        modalities=("regional-cooperation",),
        coverage=("south-east-asia", "africa"),
    ),
    "SSTC": PInfo(
        "sstc",
        "ILO South-South and Triangular Cooperation",
        "global",
        "partially-formal",
        "a modality of ILO development cooperation built on MoUs and declarations (Brazil 2007, IBSA 2010), "
        "not a membership body",
        {"resource-mobilisation": "BRICS contributions of over USD 15 million over ten years"},
    ),
}


@dataclass(frozen=True)
class When:
    begin: str | None = None  # "2016", "2016-09" or "2016-09-21"
    end: str | None = None
    basis: str = ""


# Periods of memberships beyond ``joined_year`` (key: partnership slug, organisation slug).
MEMBER_PERIODS: dict[tuple[str, str], When] = {
    ("alliance-8-7", "government-of-france"): When("2019", "2023-05"),
    ("alliance-8-7", "government-of-argentina"): When(None, "2023-05"),
    ("spiac-b", "world-bank-group"): When(
        "2012", basis="presented its strategy at the first meeting (July 2012)"
    ),
    ("spiac-b", "unicef"): When("2012", basis="presented its strategy at the first meeting (July 2012)"),
    ("spiac-b", "ilo"): When("2012", basis="presented its strategy at the first meeting (July 2012)"),
    ("usp2030", "cippec"): When("2021-05-21"),
    ("usp2030", "issa"): When("2019-02-05"),
    ("gcsj", "industriall"): When("2024-02-20"),
    ("ca4j", "government-of-the-united-states"): When("2022-04-11"),
    ("ca4j", "government-of-ghana"): When("2020-09"),
    ("gbdn", "iss"): When("2022-03"),
    ("gbdn", "sodexo"): When("2015"),  # a year only: the claims of conflict gbdn-sodexo-start are years
}
for _org in (
    "accor",
    "adecco-group",
    "axa",
    "carrefour",
    "casino-group",
    "dow",
    "loreal",
    "michelin",
    "orange",
    "standard-bank",
):
    MEMBER_PERIODS[("gbdn", _org)] = When("2015-10-28")
for _org in ("bnp-paribas", "ibm", "repsol"):
    MEMBER_PERIODS[("gbdn", _org)] = When("2016-06-29")
FOUNDING_2016 = When("2016", basis="named as a founding supporting partner at the September 2016 launch")
TASK_TEAM_2015 = When("2015", basis="member of the HLCP task team that developed the initiative in 2015")


@dataclass(frozen=True)
class Extra:
    """A membership read from a fact (not a member record) of the reference file or from the seed."""

    partnership: str
    org: str
    role: str
    stated_role: str
    relation: str
    source: str
    when: When = When()
    confidence: str | None = None
    basis: str = ""
    key: str = ""  # suffix to keep two memberships with the same role apart


BW_VN = (
    "https://english.vov.vn/en/society/ilo-helps-improve-working-conditions-for-textile-employees-12834.vov"
)
EXTRA_MEMBERSHIPS: tuple[Extra, ...] = (
    *(
        Extra(
            "better-work",
            f"government-of-{c}",
            "donor",
            "Funded the Better Work Viet Nam launch (through a private-sector development programme)",
            "funder",
            BW_VN,
            confidence="medium",
            basis="the source names the country as funder of the Viet Nam launch, through a private-sector "
            "development programme, not of the global programme",
        )
        for c in (
            "australia",
            "canada",
            "finland",
            "ireland",
            "japan",
            "new-zealand",
            "the-netherlands",
            "norway",
            "sweden",
            "switzerland",
        )
    ),
    Extra(
        "usp2030",
        "ohchr",
        "signatory",
        "Signed the USP2030 Call to Action (High Commissioner Michelle Bachelet)",
        "member",
        "https://www.social-protection.org/gimi/gess/ShowRessource.action?id=55475",
    ),
    Extra(
        "gbdn",
        "ilo",
        "secretariat",
        "Secretariat (the network was created by ILO ACT/EMP and the ILO Disability Team)",
        "member",
        "https://www.ilo.org/global/about-the-ilo/newsroom/news/WCMS_495155/lang--en/index.htm",
        When("2010"),
        confidence="medium",
        basis="the reference gives the ILO as secretariat without naming a page; the cited ILO news release "
        "presents the network as the ILO's own",
    ),
)

# Memberships whose reference record is split into two periods (key: partnership, organisation).
SPLIT_PERIODS: dict[tuple[str, str], tuple[When, ...]] = {
    ("better-work", "government-of-denmark"): (When("2014", "2016"), When("2018", "2022")),
}

# Roadmaps of country engagements: (partnership, ISO3) -> (label, status wording, source).
ROADMAPS: dict[tuple[str, str], tuple[str, str]] = {
    ("alliance-8-7", "TUN"): (
        "Tunisia roadmap 2019-2025 (Alliance 8.7)",
        "adopted at the strategic workshop of 28 March 2019",
    ),
    ("alliance-8-7", "MWI"): ("Malawi roadmap (Alliance 8.7)", "validated on 28 September 2023"),
    ("alliance-8-7", "MRT"): (
        "Mauritania national strategic plan (Alliance 8.7)",
        "adopted at the workshop of 4-5 March 2019",
    ),
}
for _iso, _name in (
    ("ALB", "Albania"),
    ("KHM", "Cambodia"),
    ("IDN", "Indonesia"),
    ("MWI", "Malawi"),
    ("NAM", "Namibia"),
    ("PRY", "Paraguay"),
    ("UZB", "Uzbekistan"),
):
    ROADMAPS[("global-accelerator", _iso)] = (
        f"{_name} national roadmap (Global Accelerator)",
        "developed by December 2024"
        + ("; endorsed by the government" if _iso in {"ALB", "MWI", "PRY"} else ""),
    )


@dataclass(frozen=True)
class ClaimSpec:
    value: str
    source: str
    says: str
    basis: str = ""


@dataclass(frozen=True)
class ConflictSpec:
    slug: str
    partnership: str
    about: str  # "start" (the partnership's beginning), "engagement:ISO3" or "membership:org-slug"
    prop: str  # time:inXSDgYear or time:inXSDgYearMonth
    claims: tuple[ClaimSpec, ...]
    best: str
    confidence: str
    basis: str


A87 = "https://alliance87.org/"
CONFLICTS: tuple[ConflictSpec, ...] = (
    ConflictSpec(
        "better-work-start",
        "better-work",
        "start",
        "inXSDgYear",
        (
            ClaimSpec(
                "2006",
                "https://www.ilo.org/global/programmes-and-projects/WCMS_084616/lang--ja/index.htm",
                "ILO programme page: launched in August 2006, first pilots in Jordan, Lesotho and Viet Nam",
            ),
            ClaimSpec(
                "2007",
                "http://www.ilo.org/washington/areas/better-work/lang--en/index.htm",
                "ILO Washington page: launched in 2007 after the success of Better Factories Cambodia",
            ),
        ),
        "2006",
        "medium",
        "the programme page gives the month (August 2006); the later date may be the "
        "first country operations",
    ),
    ConflictSpec(
        "gan-start",
        "gan",
        "start",
        "inXSDgYear",
        (
            ClaimSpec(
                "2012", "https://ganhub.opennemas.com/estaticas/who-we-are.html", "GAN hub: founded in 2012"
            ),
            ClaimSpec(
                "2013",
                "https://www.ioe-emp.org/news/details/1544547620-end-of-year-message-from-the-gan-and-ioe",
                "IOE/GAN end-of-year message 2018: established in 2013",
            ),
            ClaimSpec(
                "2014",
                "https://enbaike.710302.xyz/wiki/Global_Apprenticeship_Network",
                "encyclopaedia page: 2014, as a Swiss association",
                "the reference names a Grokipedia page; this wiki mirror is the only encyclopaedia page in "
                "its source list",
            ),
        ),
        "2013",
        "medium",
        "the G20/B20 call was in 2012, the ILO feasibility study and the IOE's founding "
        "date in 2013; 2014 is the date of the Swiss association",
    ),
    ConflictSpec(
        "ca4j-start",
        "ca4j",
        "start",
        "inXSDgYearMonth",
        (
            ClaimSpec(
                "2019-09",
                "https://www.climateaction4jobs.org/initiative/",
                "launched by the UN Secretary-General at the Climate Action Summit, New York, September 2019",
            ),
            ClaimSpec(
                "2019-12",
                "https://mpmc.gov.ws/pr-samoa-elected-as-co-chair-of-the-international-labour-organization-international-ilo-advisory-board-on-climate-action-for-jobs",
                "a Samoan government release: launched at COP25, Madrid, December 2019",
                "the reference attributes this to 'a Samoan government release'; this is the only Samoan "
                "government page in its sources",
            ),
        ),
        "2019-09",
        "high",
        "the initiative's own page, the ILO and the UN agree on the September 2019 summit",
    ),
    ConflictSpec(
        "alliance-8-7-mwi-start",
        "alliance-8-7",
        "engagement:MWI",
        "inXSDgYear",
        (
            ClaimSpec(
                "2020",
                "http://www.ilo.org/africa/technical-cooperation/accel-africa/malawi/WCMS_897169/lang--en/index.htm",
                "ILO (Sept 2023): Pathfinder status obtained in March 2020",
            ),
            ClaimSpec(
                "2022",
                "https://www.ilo.org/africa/technical-cooperation/accel-africa/malawi/WCMS_859023/lang--en/index.htm",
                "ILO (24 Oct 2022): Malawi became 'one of 26 countries' with Pathfinder status",
            ),
        ),
        "2020",
        "high",
        "the 2023 page gives the month of the status; the 2022 page reports the strategic "
        "workshop of that year",
    ),
    ConflictSpec(
        "alliance-8-7-nga-start",
        "alliance-8-7",
        "engagement:NGA",
        "inXSDgYear",
        (
            ClaimSpec(
                "2017",
                "http://www.ilo.org/africa/technical-cooperation/accel-africa/WCMS_733772/lang--en/index.htm",
                "commitment made at the 2017 Buenos Aires conference",
            ),
            ClaimSpec(
                "2018",
                "http://www.ilo.org/africa/technical-cooperation/accel-africa/WCMS_733772/lang--en/index.htm",
                "formally confirmed by a letter of 21 May 2018",
            ),
            ClaimSpec(
                "2019",
                "https://allafrica.com/stories/201905130100.html",
                "Alliance 8.7 launched nationally in May 2019",
            ),
        ),
        "2018",
        "high",
        "the formal letter is the act of joining; 2017 is a commitment and 2019 the national launch",
    ),
    ConflictSpec(
        "alliance-8-7-uga-start",
        "alliance-8-7",
        "engagement:UGA",
        "inXSDgYear",
        (
            ClaimSpec(
                "2018",
                "http://www.ilo.org/africa/technical-cooperation/accel-africa/uganda/WCMS_763347/lang--en/index.htm",
                "formal commitment by ministerial letter in December 2018",
            ),
            ClaimSpec(
                "2020",
                "http://www.ilo.org/africa/technical-cooperation/accel-africa/uganda/WCMS_763347/lang--en/index.htm",
                "national strategic planning workshop in December 2020",
            ),
        ),
        "2018",
        "high",
        "the ministerial letter is the act of joining; the workshop came later",
    ),
    ConflictSpec(
        "gbdn-sodexo-start",
        "gbdn",
        "membership:sodexo",
        "inXSDgYear",
        (
            ClaimSpec(
                "2015",
                "https://zeroproject.org/ilo-global-business-disability-network-charter-signed/",
                "among the 11 first signatories of the Charter, 28 October 2015",
            ),
            ClaimSpec(
                "2016",
                "https://www.ilo.org/global/about-the-ilo/newsroom/news/WCMS_495155/lang--en/index.htm",
                "listed again among the companies signing the Charter in Paris, 29 June 2016",
            ),
        ),
        "2015",
        "medium",
        "the 2016 release lists Sodexo with the new signatories although it signed in 2015; "
        "one of the two lists is inconsistent",
    ),
)

SEED_OUTPUTS = {
    "ca4j-innovation-hub": ("InnovationHub", "CA4J global innovation hub on just transition", "ca4j"),
    "ca4j-pooled-fund": ("PooledFund", "CA4J pooled funding for country-level technical assistance", "ca4j"),
    "ca4j-advocacy-youth-facility": ("AdvocacyFacility", "CA4J facility for advocacy and youth", "ca4j"),
}


# ---------------------------------------------------------------------------------------------------------
# A small deterministic Turtle writer
# ---------------------------------------------------------------------------------------------------------

_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")


def _term(value: object) -> str:
    if isinstance(value, URIRef):
        s = str(value)
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if s.startswith(ns) and _LOCAL.match(s[len(ns) :]) and "." not in s[len(ns) :]:
                return f"{prefix}:{s[len(ns) :]}"
        return f"<{s}>"
    if isinstance(value, Literal):
        text = str(value)
        text = (
            text.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
        out = f'"{text}"'
        if value.language:
            return f"{out}@{value.language}"
        if value.datatype is not None and value.datatype != XSD.string:
            return f"{out}^^{_term(URIRef(value.datatype))}"
        return out
    raise TypeError(f"not an RDF term: {value!r}")


class Doc:
    """Subjects with their predicate-object lists, in insertion order, written as grouped Turtle."""

    def __init__(self) -> None:
        self.nodes: dict[URIRef, dict[URIRef, list[object]]] = {}
        self.comments: dict[URIRef, str] = {}

    def add(self, s: URIRef, p: str | URIRef, *objects: object) -> None:
        pred = _pred(p)
        slot = self.nodes.setdefault(s, {}).setdefault(pred, [])
        for o in objects:
            if o is None:
                continue
            if o not in slot:
                slot.append(o)

    def section(self, s: URIRef, comment: str) -> None:
        self.comments[s] = comment

    def triples(self) -> int:
        return sum(len(objs) for preds in self.nodes.values() for objs in preds.values())

    def render(self, header: list[str]) -> str:
        lines = [f"# {h}" if h else "#" for h in header]
        lines.append("")
        used = {"rdf", "xsd"}
        body: list[str] = []
        for s, preds in self.nodes.items():
            if s in self.comments:
                body.append(f"# --- {self.comments[s]}")
            parts = []
            for p, objs in preds.items():
                ps = "a" if p == RDF_TYPE else _term(p)
                parts.append(f"    {ps} " + ",\n        ".join(_term(o) for o in objs))
            body.append(_term(s) + "\n" + " ;\n".join(parts) + " .\n")
        text = "\n".join(body)
        for prefix in PREFIXES:
            if re.search(rf"(?<![\w<]){re.escape(prefix)}:", text):
                used.add(prefix)
        for prefix, ns in PREFIXES.items():
            if prefix in used:
                lines.append(f"@prefix {prefix}: <{ns}> .")
        lines.append("")
        return "\n".join(lines) + "\n" + text


RDF_TYPE = URIRef(PREFIXES["rdf"] + "type")


def _pred(p: str | URIRef) -> URIRef:
    if isinstance(p, URIRef):
        return p
    if p == "a":
        return RDF_TYPE
    prefix, local = p.split(":", 1)
    return iri(prefix, local)


def q(curie: str) -> URIRef:
    return _pred(curie)


def lit(text: str, lang: str | None = "en") -> Literal:
    return Literal(text, lang=lang)


def plain(text: str) -> Literal:
    return Literal(text)


def time_literal(value: str) -> tuple[str, Literal]:
    """("time:inXSDgYear", "2016"^^xsd:gYear) and so on for a year, year-month or date string."""
    if re.fullmatch(r"\d{4}", value):
        return "time:inXSDgYear", Literal(value, datatype=XSD.gYear)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return "time:inXSDgYearMonth", Literal(value, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "time:inXSDDate", Literal(value, datatype=XSD.date)
    raise BuildError(f"time value {value!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")


def add_interval(doc: Doc, local: str, when: When) -> URIRef | None:
    if not when.begin and not when.end:
        return None
    interval = iri("interval", local)
    doc.add(interval, "a", q("time:Interval"))
    for edge, value in (("hasBeginning", when.begin), ("hasEnd", when.end)):
        if value:
            instant = iri("instant", f"{local}-{'start' if edge == 'hasBeginning' else 'end'}")
            doc.add(interval, f"time:{edge}", instant)
            doc.add(instant, "a", q("time:Instant"))
            prop, value_lit = time_literal(value)
            doc.add(instant, prop, value_lit)
    return interval


# ---------------------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------------------

URL = re.compile(r"https?://[^\s;,)]+")


def country_iri(iso3: str, where: str) -> URIRef:
    if pycountry.countries.get(alpha_3=iso3) is None:
        raise BuildError(f"{where}: {iso3!r} is not an ISO 3166-1 alpha-3 country code")
    return iri("country", iso3)


def urls_in(text: str | None) -> list[str]:
    return [u.rstrip(".") for u in URL.findall(text or "")]


class Builder:
    def __init__(self, records: list[dict], seed_text: str) -> None:
        self.records = records
        self.seed_text = seed_text
        self.orgs = {o.slug: o for o in ORGS}
        self.alias: dict[str, str] = {}
        for o in ORGS:
            for name in o.aliases:
                if name in self.alias:
                    raise BuildError(f"alias table: {name!r} is given to two organisations")
                self.alias[name] = o.slug
        self.kinds: dict[str, list[str]] = defaultdict(list)
        self.countries: dict[str, list[tuple[str, str]]] = defaultdict(list)  # slug -> [(iso3, basis)]
        self.org_sources: dict[str, set[str]] = defaultdict(set)
        self.memberships: list[dict] = []  # summary rows for the README and checks
        self.engaged: dict[str, set[str]] = defaultdict(set)
        self.statement_count: dict[str, int] = defaultdict(int)
        self.unattached: dict[str, list[tuple[str, str]]] = defaultdict(list)

    # -- organisations ----------------------------------------------------------------------------------
    def org_slug(self, name: str, where: str) -> str:
        try:
            return self.alias[name]
        except KeyError:
            raise BuildError(f"{where}: organisation {name!r} is not in the alias table (ORGS)") from None

    def note_member(self, m: dict, slug: str, where: str) -> None:
        kind = m.get("kind")
        if kind:
            if kind not in KIND_GROUPS:
                raise BuildError(f"{where}: kind {kind!r} has no stakeholder group (KIND_GROUPS)")
            if kind not in self.kinds[slug]:
                self.kinds[slug].append(kind)
        iso = m.get("country_iso3")
        if iso:
            country_iri(iso, where)
            note = m.get("note") or ""
            basis = m.get("country_note") or ("" if URL.search(note) else note)
            if not basis and kind and kind.startswith("private sector"):
                basis = "headquarters country is general knowledge, not stated in the cited source"
            self.countries[slug].append((iso, basis))
        self.org_sources[slug].add(m["source"])

    # -- statements --------------------------------------------------------------------------------------
    def statement(self, doc: Doc, file_slug: str, subject: URIRef, text: str, source: str | None) -> None:
        if not source:
            return
        self.statement_count[file_slug] += 1
        node = iri("statement", f"{file_slug}-{self.statement_count[file_slug]:02d}")
        doc.add(subject, "msp:statement", node)
        doc.add(node, "a", q("msp:SourcedStatement"))
        doc.add(node, "rdf:value", lit(text))
        doc.add(node, "dct:source", URIRef(source))

    # -- memberships -------------------------------------------------------------------------------------
    def membership(
        self,
        doc: Doc,
        pslug: str,
        oslug: str,
        *,
        role: str,
        stated_role: str,
        relation: str,
        sources: list[str],
        when: When = When(),
        confidence: str | None = None,
        basis: str = "",
        named_as: str | None = None,
        key: str = "",
    ) -> URIRef:
        local = f"{pslug}--{oslug}--{role}" + (f"-{key}" if key else "")
        node = iri("membership", local)
        if node in doc.nodes:
            raise BuildError(f"{pslug}: two memberships of {oslug} with role {role}; give them a key")
        org = self.orgs[oslug]
        doc.section(node, f"{org.label}: {role}")
        doc.add(node, "a", q("org:Membership"))
        doc.add(node, "rdfs:label", lit(f"{org.label} in {self.plabel[pslug]} ({role.replace('-', ' ')})"))
        doc.add(node, "org:member", iri("organisation", oslug))
        doc.add(
            node,
            "org:organization",
            iri("partnership", pslug),
        )
        doc.add(node, "org:role", iri("role", role))
        doc.add(node, "msp:statedRole", plain(stated_role))
        doc.add(node, "msp:relation", plain(relation))
        interval = add_interval(doc, f"membership-{local}", when)
        if interval is not None:
            doc.add(node, "org:memberDuring", interval)
        if confidence:
            doc.add(node, "msp:confidence", iri("confidence", confidence))
        if basis or when.basis:
            doc.add(node, "msp:basis", plain("; ".join(b for b in (basis, when.basis) if b)))
        if named_as and named_as != org.label and named_as not in org.alt:
            doc.add(node, "dct:description", lit(f"Named in the source as '{named_as}'."))
        for url in sources:
            doc.add(node, "dct:source", URIRef(url))
        self.memberships.append({"partnership": pslug, "org": oslug, "role": role, "node": node})
        return node

    # -- partnership files -------------------------------------------------------------------------------
    def build(self) -> dict[str, str]:
        partnerships = [r for r in self.records if r.get("record_type") == "partnership"]
        self.plabel = {
            PARTNERSHIPS[r["acronym"]].slug: PARTNERSHIPS[r["acronym"]].label for r in partnerships
        }
        files: dict[str, str] = {}
        self.pdocs: dict[str, Doc] = {}
        self.psources: dict[str, list[str]] = {}
        for r in partnerships:
            if r["acronym"] not in PARTNERSHIPS:
                raise BuildError(f"reference: partnership {r['acronym']!r} is not in PARTNERSHIPS")
            info = PARTNERSHIPS[r["acronym"]]
            doc = self.partnership_doc(r, info)
            self.pdocs[info.slug] = doc
        for e in EXTRA_MEMBERSHIPS:
            self.membership(
                self.pdocs[e.partnership],
                e.partnership,
                e.org,
                role=e.role,
                stated_role=e.stated_role,
                relation=e.relation,
                sources=[e.source],
                when=e.when,
                confidence=e.confidence,
                basis=e.basis,
                key=e.key,
            )
            self.org_sources[e.org].add(e.source)
            self.psources[e.partnership].append(e.source)
        for r in partnerships:
            info = PARTNERSHIPS[r["acronym"]]
            doc = self.pdocs[info.slug]
            self.dataset_node(
                doc,
                info.slug,
                f"{info.label}: partners, countries and sourced facts",
                self.psources[info.slug],
                r.get("reliability", ""),
            )
            files[f"partnerships/{info.slug}.ttl"] = doc.render(
                self.header(
                    f"{info.label}"
                    + (f" ({r['acronym']})" if r["acronym"] != info.label else "")
                    + ": the partnership, its memberships, country engagements, outputs, "
                    "sourced statements and source conflicts.",
                )
            )
        seed_doc = self.seed_doc()
        org_doc = self.organisations_doc()
        files["organisations.ttl"] = org_doc.render(
            self.header(
                "Every organisation named in the partnership files and the seed: one node per real organisation, "
                "with its stakeholder group, the source's wording of its kind, and its home country where given.",
            )
        )
        files["seed.ttl"] = seed_doc.render(
            self.header(
                "Facts and examples of the seed text, the ILO's public page on multi-stakeholder partnerships: "
                "contributions, objectives, outputs and mechanisms, stakeholder spaces, the SSTC modality.",
            )
        )
        files["README.md"] = self.readme(partnerships)
        return files

    def header(self, what: str) -> list[str]:
        return [
            what,
            "",
            "GENERATED FILE: do not edit by hand. Regenerate from the repository root with:",
            f"    {COMMAND}",
            "(it reads ../shared/reference/msp_facts.json and ../shared/seed/*.txt; see data/README.md).",
        ]

    def dataset_node(self, doc: Doc, slug: str, title: str, sources: list[str], description: str) -> None:
        node = iri("source", slug)
        doc.section(node, "this file")
        doc.add(node, "a", q("dcat:Dataset"), q("prov:Entity"))
        doc.add(node, "dct:title", lit(title))
        if description:
            doc.add(node, "dct:description", lit(description))
        doc.add(node, "dct:created", Literal(COMPILED, datatype=XSD.date))
        doc.add(node, "dct:license", URIRef(DATA_LICENSE))
        for url in sorted(set(sources)):
            doc.add(node, "dct:source", URIRef(url))
        for url in sorted(set(sources)):
            doc.add(node, "prov:wasDerivedFrom", URIRef(url))
        # Move the dataset node to the top of the file.
        doc.nodes = {node: doc.nodes.pop(node), **doc.nodes}

    def partnership_doc(self, r: dict, info: PInfo) -> Doc:
        doc = Doc()
        slug = info.slug
        p = iri("partnership", slug)
        sources: list[str] = list(r.get("sources", []))
        self.psources[slug] = sources
        doc.section(p, "the partnership")
        doc.add(p, "a", q("msp:Partnership"))
        doc.add(p, "rdfs:label", lit(info.label))
        if r["acronym"] != info.label:
            doc.add(p, "skos:altLabel", lit(r["acronym"]))
        if r["name"] != info.label:
            doc.add(p, "skos:altLabel", lit(r["name"]))
        doc.add(
            p,
            "dct:description",
            lit(
                f"Scope (source wording): {r['scope']}. Secretariat or host (source "
                f"wording): {r['secretariat_host']}"
            ),
        )
        doc.add(p, "msp:level", iri("level", info.level))
        doc.add(p, "msp:formality", iri("formality", info.formality))
        doc.add(p, "msp:basis", plain(f"formality: {info.formality_basis}"))
        for area in r["policy_areas"]:
            if area not in POLICY_AREAS:
                raise BuildError(f"{slug}: policy area {area!r} is not in POLICY_AREAS")
            doc.add(p, "msp:statedPolicyArea", plain(area))
        for area in r["policy_areas"]:
            for concept in POLICY_AREAS[area]:
                doc.add(p, "msp:policyArea", iri("area", concept))
        for objective, why in info.objectives.items():
            doc.add(p, "msp:objective", iri("objective", objective))
            doc.add(p, "msp:basis", plain(f"objective {objective}: {why}"))
        for modality in info.modalities:
            doc.add(p, "msp:modality", iri("modality", modality))
        for region in info.coverage:
            doc.add(p, "msp:geographicCoverage", iri("region", region))
        for target in r.get("sdg_targets", []):
            doc.add(p, "msp:sdgTarget", URIRef(SDG + target))
        if r.get("website"):
            doc.add(p, "foaf:homepage", URIRef(r["website"]))
            sources.append(r["website"])
        # Period of activity, with a recorded conflict when the sources disagree.
        start_conflict = next((c for c in CONFLICTS if c.partnership == slug and c.about == "start"), None)
        begin = start_conflict.best if start_conflict else str(r["start_year"])
        interval = add_interval(doc, slug, When(begin))
        doc.add(p, "msp:activeDuring", interval)
        start_note = r.get("start_detail") or r.get("start_year_note")
        if start_note:
            doc.add(iri("instant", f"{slug}-start"), "rdfs:comment", lit(start_note))
        # Statements: the facts, governance, participation notes.
        for fact in r.get("facts", []):
            self.statement(doc, slug, p, fact["fact"], fact["source"])
            doc.add(p, "dct:source", URIRef(fact["source"]))
        gov = r.get("governance", {})
        if gov:
            steering = gov.get("steering_body")
            for url in urls_in(steering):
                self.statement(doc, slug, p, re.sub(r"\s*\(sources?:[^)]*\)", "", steering), url)
                sources.append(url)
            for block in ("chair_history", "action_groups"):
                for fact in gov.get(block, []):
                    self.statement(doc, slug, p, fact["fact"], fact["source"])
            if gov.get("gcg_new_structure"):
                self.statement(
                    doc, slug, p, gov["gcg_new_structure"]["fact"], gov["gcg_new_structure"]["source"]
                )
        for key in ("ioe_participation", "ituc_participation"):
            block = r.get(key) or {}
            self.statement(doc, slug, p, block.get("fact", ""), block.get("source"))
        if r.get("sdg_note"):
            for url in urls_in(r["sdg_note"]):
                self.statement(doc, slug, p, r["sdg_note"], url)
        # Memberships from the member records.
        for m in r.get("members", []):
            where = f"{slug}: member {m['name']!r}"
            oslug = self.org_slug(m["name"], where)
            self.note_member(m, oslug, where)
            stated = m["role"]
            if stated not in ROLE_MAP:
                raise BuildError(f"{where}: stated role {stated!r} is not in ROLE_MAP")
            role = ROLE_MAP[stated]
            target = slug
            member_sources = [m["source"], *urls_in(m.get("note"))]
            sources.extend(member_sources)
            if m["relation"] == "related network funder":
                # The source says: funder of a related network, not of this partnership. No membership; the
                # fact is a statement on the organisation.
                self.unattached[oslug].append((f"{stated}.", m["source"]))
                continue
            confidence, basis = None, ""
            note = m.get("note") or ""
            if "implied" in note:
                confidence, basis = "medium", note
            periods = SPLIT_PERIODS.get((slug, oslug))
            if periods:
                for when in periods:
                    self.membership(
                        doc,
                        target,
                        oslug,
                        role=role,
                        stated_role=stated,
                        relation=m["relation"],
                        sources=member_sources,
                        when=when,
                        named_as=m["name"],
                        key=when.begin or "",
                    )
                continue
            when = MEMBER_PERIODS.get((slug, oslug))
            if when is None and stated.startswith("Founding supporting partner (2016)"):
                when = FOUNDING_2016
            if when is None and stated.startswith("HLCP task team member"):
                when = TASK_TEAM_2015
            if when is None and m.get("joined_year"):
                when = When(str(m["joined_year"]))
            if note and not URL.search(note) and not confidence:
                basis = note
            self.membership(
                doc,
                target,
                oslug,
                role=role,
                stated_role=stated,
                relation=m["relation"],
                sources=member_sources,
                when=when or When(),
                confidence=confidence,
                basis=basis,
                named_as=m["name"],
            )
        # Country engagements.
        for c in r.get("countries", []):
            self.engagement(doc, slug, p, c, sources)
        # ISPA assessment tools (SPIAC-B).
        if "ispa_tools" in r:
            self.ispa(doc, slug, p, r["ispa_tools"], sources)
        # Conflicts between sources.
        for spec in CONFLICTS:
            if spec.partnership == slug:
                self.conflict(doc, spec, sources)
        return doc

    def engagement(self, doc: Doc, slug: str, p: URIRef, c: dict, sources: list[str]) -> None:
        iso = c["iso3"]
        where = f"{slug}: country {iso}"
        country = country_iri(iso, where)
        role = next(
            (concept for prefix, concept in ENGAGEMENT_ROLES if c["role"].lower().startswith(prefix)), None
        )
        if role is None:
            raise BuildError(f"{where}: engagement role {c['role']!r} is not in ENGAGEMENT_ROLES")
        local = f"{slug}--{iso.lower()}"
        node = iri("engagement", local)
        if node in doc.nodes:
            raise BuildError(f"{where}: listed twice")
        doc.section(node, f"{c['name']}: {role}")
        doc.add(p, "msp:hasCountryEngagement", node)
        doc.add(node, "a", q("msp:CountryEngagement"))
        doc.add(node, "rdfs:label", lit(f"{c['name']} in {self.plabel[slug]} ({role.replace('-', ' ')})"))
        doc.add(node, "msp:engagementOf", p)
        doc.add(node, "msp:country", country)
        doc.add(node, "msp:engagementRole", iri("role", role))
        doc.add(node, "msp:statedRole", plain(c["role"]))
        conflict = next(
            (s for s in CONFLICTS if s.about == f"engagement:{iso}" and s.partnership == slug), None
        )
        year = conflict.best if conflict else (str(c["year"]) if c.get("year") else None)
        if year:
            doc.add(node, "msp:engagedDuring", add_interval(doc, f"engagement-{local}", When(year)))
        doc.add(node, "msp:confidence", iri("confidence", c.get("confidence") or "high"))
        basis = "; ".join(x for x in (c.get("year_basis"), c.get("note")) if x)
        if basis:
            doc.add(node, "msp:basis", plain(basis))
        node_sources = [c["source"], *urls_in(c.get("year_basis")), *urls_in(c.get("note"))]
        for url in node_sources:
            doc.add(node, "dct:source", URIRef(url))
        sources.extend(node_sources)
        self.engaged[slug].add(iso)
        roadmap = ROADMAPS.get((slug, iso))
        if roadmap:
            label, status = roadmap
            rnode = iri("output", f"{slug}-roadmap-{iso.lower()}")
            doc.add(node, "msp:hasRoadmap", rnode)
            doc.add(rnode, "a", q("msp:Roadmap"))
            doc.add(rnode, "rdfs:label", lit(label))
            doc.add(rnode, "dct:description", lit(f"Status in the source: {status}."))
            doc.add(rnode, "msp:roadmapOf", node)
            doc.add(rnode, "msp:outputOf", p)
            doc.add(p, "msp:hasOutput", rnode)
            doc.add(rnode, "dct:source", URIRef(c["source"]))

    def ispa(self, doc: Doc, slug: str, p: URIRef, ispa: dict, sources: list[str]) -> None:
        suite = iri("output", "ispa-tools")
        doc.section(suite, "the ISPA assessment tools")
        doc.add(p, "msp:hasOutput", suite)
        doc.add(suite, "a", q("msp:AssessmentTool"))
        doc.add(suite, "rdfs:label", lit("Inter-Agency Social Protection Assessment (ISPA) tools"))
        doc.add(suite, "skos:altLabel", lit("ISPA tools"))
        doc.add(suite, "msp:outputOf", p)
        desc = ispa["description"]
        doc.add(suite, "dct:description", lit(desc["fact"]))
        doc.add(suite, "dct:source", URIRef(desc["source"]))
        sources.append(desc["source"])
        for fact in ispa.get("facts", []):
            self.statement(doc, slug, suite, fact["fact"], fact["source"])
            sources.append(fact["source"])
        leads = ("world-bank-group", "ilo")
        lead_source = "https://socialprotection.org/learn/webinars/ispa-tools-and-their-role-support-countries-produce-well-informed-rapid-diagnostics"
        for tool in ispa["tools"]:
            m = re.search(r"\(([^)]+)\)$", tool["name"])
            short = m.group(1).lower() if m else re.sub(r"[^a-z0-9]+", "-", tool["name"].lower()).strip("-")
            node = iri("output", f"ispa-{short}")
            doc.add(suite, "dct:hasPart", node)
            doc.add(node, "a", q("msp:AssessmentTool"))
            doc.add(node, "rdfs:label", lit(f"ISPA tool: {tool['name']}"))
            doc.add(node, "dct:isPartOf", suite)
            doc.add(node, "msp:outputOf", p)
            doc.add(p, "msp:hasOutput", node)
            doc.add(node, "dct:subject", lit(f"ISPA tool category: {tool['category']}"))
            doc.add(node, "dct:source", URIRef(tool["source"]))
            sources.append(tool["source"])
            if short in {"codi", "pwp", "id"} or short.startswith("social-protection-payments"):
                for lead in leads:
                    doc.add(node, "dct:contributor", iri("organisation", lead))
                doc.add(node, "dct:source", URIRef(lead_source))
        codi = iri("output", "ispa-codi")
        for m in ispa.get("contributors", []):
            where = f"{slug}: ISPA contributor {m['name']!r}"
            oslug = self.org_slug(m["name"], where)
            self.note_member(m, oslug, where)
            if m["role"].startswith("CODI contributor"):
                doc.add(codi, "dct:contributor", iri("organisation", oslug))
            doc.add(suite, "dct:contributor", iri("organisation", oslug))
            stated = m["role"]
            if stated not in ROLE_MAP:
                raise BuildError(f"{where}: stated role {stated!r} is not in ROLE_MAP")
            self.membership(
                doc,
                slug,
                oslug,
                role=ROLE_MAP[stated],
                stated_role=f"ISPA: {stated}",
                relation=m["relation"],
                sources=[m["source"]],
                confidence="medium",
                basis="contributor to the ISPA tools, developed at SPIAC-B's request by a multi-actor working "
                "group; taking part in SPIAC-B itself is inferred from that work",
                named_as=m["name"],
            )
            sources.append(m["source"])

    def conflict(self, doc: Doc, spec: ConflictSpec, sources: list[str]) -> None:
        if spec.about == "start":
            subject = iri("instant", f"{spec.partnership}-start")
        elif spec.about.startswith("engagement:"):
            iso = spec.about.split(":")[1].lower()
            subject = iri("instant", f"engagement-{spec.partnership}--{iso}-start")
        else:
            oslug = spec.about.split(":")[1]
            local = next(
                str(m["node"]).rsplit("/", 1)[1]
                for m in self.memberships
                if m["partnership"] == spec.partnership and m["org"] == oslug
            )
            subject = iri("instant", f"membership-{local}-start")
        if subject not in doc.nodes:
            raise BuildError(f"conflict {spec.slug}: its subject {subject} is not in the file")
        node = iri("conflict", spec.slug)
        doc.section(node, f"source conflict: {spec.slug}")
        doc.add(node, "a", q("msp:SourceConflict"))
        what = {
            "start": f"the start of {self.plabel[spec.partnership]}",
            "engagement": f"the year {spec.about.partition(':')[2]} joined {self.plabel[spec.partnership]}",
            "membership": f"the year {spec.about.partition(':')[2]} joined {self.plabel[spec.partnership]}",
        }[spec.about.partition(":")[0]]
        doc.add(node, "rdfs:label", lit(f"Sources disagree on {what}"))
        doc.add(node, "msp:conflictAbout", subject)
        doc.add(node, "msp:basis", plain(f"best value {spec.best}: {spec.basis}"))
        prop = q(f"time:{spec.prop}")
        doc.add(subject, "msp:confidence", iri("confidence", spec.confidence))
        for c in spec.claims:
            claim = iri("claim", f"{spec.slug}-{c.value}")
            doc.add(node, "msp:hasClaim", claim)
            doc.add(claim, "a", q("msp:Claim"))
            doc.add(claim, "msp:claimOf", node)
            doc.add(claim, "msp:claimedProperty", prop)
            _, value = time_literal(c.value)
            doc.add(claim, "rdf:value", value)
            doc.add(claim, "dct:description", lit(c.says))
            doc.add(claim, "dct:source", URIRef(c.source))
            if c.basis:
                doc.add(claim, "msp:basis", plain(c.basis))
            sources.append(c.source)
        for c in spec.claims:
            _, value = time_literal(c.value)
            if c.value == spec.best:
                break
        else:
            raise BuildError(f"conflict {spec.slug}: the best value {spec.best} is none of the claims")

    # -- seed --------------------------------------------------------------------------------------------
    def seed_doc(self) -> Doc:
        doc = Doc()
        seed = "seed"
        text = re.sub(r"\s+", " ", self.seed_text.replace("\u00a0", " "))  # the page uses no-break spaces

        def says(fragment: str) -> str:
            if fragment not in text:
                raise BuildError(f"seed: the text no longer contains {fragment!r}")
            return fragment

        def P(slug: str) -> URIRef:
            return iri("partnership", slug)

        # Contributions: the seed's examples under "MSPs and policy coherence".
        for slug in ("spiac-b", "usp2030", "ca4j"):
            doc.add(P(slug), "msp:contribution", iri("contribution", "decent-work-mainstreaming"))
        self.statement(
            doc,
            seed,
            P("spiac-b"),
            says(
                "Alliances are crucial to promoting policy coherence and renewing the commitments of partners."
            ),
            SEED_URL,
        )
        # SPIAC-B and USP2030: the assessment tools.
        tools = says(
            "The Social Protection Inter-Agency cooperation board (SPIAC-B) and the Global Partnership for "
            "Universal Social Protection to Achieve the Sustainable Development Goals (USP2030) developed a "
            "set of assessment tools to assist design, implementation, joint development partner analysis "
            "and policy recommendations."
        )
        suite = iri("output", "ispa-tools")
        for slug in ("spiac-b", "usp2030"):
            doc.add(P(slug), "msp:hasOutput", suite)
            doc.add(suite, "msp:outputOf", P(slug))
            doc.add(
                P(slug),
                "msp:objective",
                iri("objective", "knowledge-sharing"),
                iri("objective", "policy-alignment"),
            )
            self.statement(doc, seed, P(slug), tools, SEED_URL)
        doc.add(suite, "a", q("msp:AssessmentTool"))
        # CA4J: hub, pooled fund, facility.
        ca4j = says(
            "The Climate Action for Jobs initiative (CA4J) provides a global innovation hub on just transition "
            "as well as a mechanism for pooling funding for country-level technical assistance and a facility "
            "for advocacy and youth."
        )
        self.statement(doc, seed, P("ca4j"), ca4j, SEED_URL)
        for local, (cls, label, slug) in SEED_OUTPUTS.items():
            node = iri("output", local)
            doc.section(node, label)
            doc.add(node, "a", q(f"msp:{cls}"))
            doc.add(node, "rdfs:label", lit(label))
            doc.add(node, "msp:outputOf", P(slug))
            doc.add(node, "dct:source", URIRef(SEED_URL))
            doc.add(P(slug), "msp:hasOutput", node)
        doc.add(
            P("ca4j"),
            "msp:objective",
            iri("objective", "knowledge-sharing"),
            iri("objective", "resource-mobilisation"),
            iri("objective", "policy-alignment"),
        )
        # Regional cooperation on migration statistics: ASEAN and the African Union.
        regional = says(
            "ILO Cooperation with regional organisations (ASEAN, African Union) has been developed with "
            "an MSP approach (Migration and Migration statistics)"
        )
        mig = "migration-statistics-asean-au"
        self.statement(doc, seed, P(mig), regional, SEED_URL)
        doc.add(P(mig), "msp:modality", iri("modality", "regional-cooperation"))
        for oslug in ("asean", "african-union"):
            self.membership(
                doc,
                mig,
                oslug,
                role="member",
                stated_role="Regional organisation cooperating with the "
                "ILO on migration statistics (seed text)",
                relation="member",
                sources=[SEED_URL],
            )
            self.org_sources[oslug].add(SEED_URL)
        # Alliance 8.7 pathfinder countries.
        pathfinders = says(
            "Alliance 8.7 has identified 30 pathfinder countries that are developing a roadmap of "
            "activities to accelerate programmes and report on them."
        )
        self.statement(doc, seed, P("alliance-8-7"), pathfinders, SEED_URL)
        doc.add(P("alliance-8-7"), "msp:objective", iri("objective", "outreach"))
        # South-South and Triangular Cooperation: a modality.
        sstc = says(
            "For instance, South-South and Triangular Cooperation initiatives are inclusive and horizontal "
            "MSPs based on trust and equality, allowing the co-creation of solutions to current development "
            "challenges."
        )
        doc.add(
            P("sstc"),
            "msp:modality",
            iri("modality", "south-south-cooperation"),
            iri("modality", "triangular-cooperation"),
        )
        doc.add(P("sstc"), "msp:objective", iri("objective", "knowledge-sharing"))
        self.statement(doc, seed, P("sstc"), sstc, SEED_URL)
        # Stakeholder spaces for CCA and Cooperation Framework processes.
        spaces = says(
            "In Latin America and the Arab States regions, a space for stakeholders and social partners has "
            "been developed to provide access and capacity building to engage in Common Country Analysis "
            "and Cooperation Framework processes"
        )
        for local, label, region in (
            (
                "stakeholder-space-latin-america",
                "Stakeholder space for CCA and Cooperation Framework processes in Latin America",
                "latin-america-and-caribbean",
            ),
            (
                "stakeholder-space-arab-states",
                "Stakeholder space for CCA and Cooperation Framework processes in the "
                "Arab States (ILO Regional Office for Arab States)",
                "arab-states",
            ),
        ):
            node = iri("output", local)
            doc.section(node, label)
            doc.add(node, "a", q("msp:StakeholderSpace"))
            doc.add(node, "rdfs:label", lit(label))
            doc.add(node, "msp:region", iri("region", region))
            doc.add(
                node,
                "msp:supportsProcess",
                iri("process", "common-country-analysis"),
                iri("process", "cooperation-framework"),
            )
            doc.add(node, "dct:description", lit(spaces + "."))
            doc.add(node, "dct:source", URIRef(SEED_URL))
            if region == "arab-states":
                doc.add(node, "dct:contributor", iri("organisation", "ilo"))
        # The MSP definition itself, as a statement of the dataset.
        definition = says(
            "Each MSP is a formal or partially formal alliance of partners, which includes employers’ "
            "and workers organisations together with partners from at least two of these groups"
        )
        src = iri("source", seed)
        self.statement(doc, seed, src, definition + ".", SEED_URL)
        self.dataset_node(
            doc,
            seed,
            "The ILO's page on multi-stakeholder partnerships: facts and examples",
            [SEED_URL],
            "The seed text of msp-graph. The text was read from a copy of the page served "
            f"at {SEED_MIRROR}, with the same path as the public page cited here.",
        )
        doc.add(src, "rdfs:seeAlso", URIRef(SEED_MIRROR))
        return doc

    # -- organisations -----------------------------------------------------------------------------------
    def organisations_doc(self) -> Doc:
        doc = Doc()
        used = {m["org"] for m in self.memberships} | {"asean", "african-union"}
        extra_records = {
            r["acronym"]: r for r in self.records if r.get("record_type", "").startswith("organisation")
        }
        sources: set[str] = set()
        for o in ORGS:
            if o.slug not in used and not (o.no_membership and self.unattached.get(o.slug)):
                raise BuildError(f"ORGS: {o.slug} is in the table but in no membership; remove it")
            node = iri("organisation", o.slug)
            doc.section(node, o.label)
            doc.add(node, "a", q("org:Organization"))
            doc.add(node, "rdfs:label", lit(o.label))
            for alt in o.alt:
                doc.add(node, "skos:altLabel", lit(alt))
            kinds = list(self.kinds.get(o.slug, []))
            rec = next(
                (
                    r
                    for r in extra_records.values()
                    if self.alias.get(f"{r['name']} ({r['acronym']})") == o.slug
                ),
                None,
            )
            if rec:
                kinds.append(rec["kind"])
            groups = {KIND_GROUPS[k][0] for k in kinds}
            if o.group:
                groups.add(o.group)
                doc.add(node, "msp:basis", plain(f"stakeholder group: {o.group_basis}"))
            if len(groups) != 1:
                raise BuildError(
                    f"organisation {o.slug}: kinds {kinds} map to groups {sorted(groups)}; expected one"
                )
            doc.add(node, "msp:stakeholderGroup", iri("group", groups.pop()))
            for k in kinds:
                doc.add(node, "msp:statedKind", plain(k))
            countries = list(self.countries.get(o.slug, []))
            if rec and rec.get("hq_country_iso3"):
                countries.insert(0, (rec["hq_country_iso3"], f"headquarters: {rec['headquarters']}"))
            if o.country:
                countries.append((o.country, o.country_basis))
            home = self.home_country(o.slug, countries)
            if home:
                iso, basis = home
                doc.add(node, "msp:country", country_iri(iso, f"organisation {o.slug}"))
                if basis:
                    doc.add(node, "msp:basis", plain(f"country: {basis}"))
            if o.parent:
                doc.add(node, "org:subOrganizationOf", iri("organisation", o.parent))
            for text, url in self.unattached.get(o.slug, []):
                self.statement(doc, "organisations", node, text, url)
                doc.add(node, "msp:basis", plain(f"no membership: {o.no_membership}"))
            if rec:
                for fact in rec.get("facts", []):
                    self.statement(doc, "organisations", node, fact["fact"], fact["source"])
                    sources.add(fact["source"])
                doc.add(node, "dct:description", lit(rec["founded_detail"]))
            sources |= self.org_sources.get(o.slug, set())
        self.dataset_node(
            doc,
            "organisations",
            "Organisations of the msp-graph data",
            sorted(sources),
            "One node per real organisation across all partnership files and the seed. Names are "
            "normalised with the alias table of tools/build_data.py.",
        )
        return doc

    @staticmethod
    def home_country(slug: str, countries: list[tuple[str, str]]) -> tuple[str, str] | None:
        if not countries:
            return None
        # A note saying the record's country is where the role is, not the home, defers to another record.
        home = [c for c in countries if "HQ'd in" not in c[1]] or countries
        iso = home[0][0]
        basis = next((b for c, b in home if c == iso and b), "")
        others = sorted({c for c, _ in countries if c != iso})
        if others:
            notes = "; ".join(b for c, b in countries if c != iso and b)
            basis = (basis + "; " if basis else "") + f"another record gives {', '.join(others)} ({notes})"
        return iso, basis

    # -- README ------------------------------------------------------------------------------------------
    def readme(self, partnerships: list[dict]) -> str:
        group_of: dict[str, str] = {}
        for o in ORGS:
            kinds = self.kinds.get(o.slug, [])
            group_of[o.slug] = KIND_GROUPS[kinds[0]][0] if kinds else (o.group or "")
        group_of["ioe"] = "employers-organisations"
        rows = []
        for r in partnerships:
            info = PARTNERSHIPS[r["acronym"]]
            ms = [m for m in self.memberships if m["partnership"] == info.slug]
            orgs = {m["org"] for m in ms}
            groups = {group_of[o] for o in orgs}
            social = [g for g in ("employers-organisations", "workers-organisations") if g in groups]
            other = sorted(groups - {"employers-organisations", "workers-organisations"})
            missing = [g for g in ("employers-organisations", "workers-organisations") if g not in groups]
            ok = not missing and len(other) >= 2
            verdict = (
                "conforms"
                if ok
                else "does not conform: "
                + "; ".join(
                    [
                        f"no {'employers' if g == E_GROUP else 'workers'}' organisation recorded"
                        for g in missing
                    ]
                    + ([f"only {len(other)} other group(s)"] if len(other) < 2 else [])
                )
            )
            rows.append(
                f"| {r['acronym']} | `{info.slug}` | {len(ms)} | {len(orgs)} | {len(self.engaged.get(info.slug, ()))} "
                f"| {', '.join(social) or '-'} | {', '.join(other) or '-'} | {verdict} | {info.formality} |"
            )
        kind_rows = [f"| {k} | `group:{g}` | {why or '-'} |" for k, (g, why) in sorted(KIND_GROUPS.items())]
        role_rows = [f"| {k} | `role:{v}` |" for k, v in sorted(ROLE_MAP.items())]
        eng_rows = [f"| {k}... | `role:{v}` |" for k, v in ENGAGEMENT_ROLES]
        area_rows = [
            f"| {k} | {', '.join(f'`area:{a}`' for a in v) or '(none: wording kept only)'} |"
            for k, v in sorted(POLICY_AREAS.items())
        ]
        conflict_rows = [
            f"| `conflict:{c.slug}` | {' / '.join(cl.value for cl in c.claims)} | {c.best} ({c.confidence}) |"
            for c in CONFLICTS
        ]
        all_countries = set().union(*self.engaged.values())
        org_countries = {iso for cs in self.countries.values() for iso, _ in cs} | {
            o.country for o in ORGS if o.country
        }
        return README_TEMPLATE.format(
            command=COMMAND,
            n_partnerships=len(partnerships),
            n_memberships=len(self.memberships),
            n_orgs=len(ORGS),
            n_countries=len(all_countries | org_countries),
            n_engaged=len(all_countries),
            table="\n".join(rows),
            kinds="\n".join(kind_rows),
            roles="\n".join(role_rows),
            engagement_roles="\n".join(eng_rows),
            areas="\n".join(area_rows),
            conflicts="\n".join(conflict_rows),
            seed_url=SEED_URL,
            license=DATA_LICENSE,
            compiled=COMPILED,
        )


E_GROUP = "employers-organisations"

README_TEMPLATE = """\
<!-- GENERATED FILE: do not edit by hand. Regenerate from the repository root with `{command}`
     (the prose lives in README_TEMPLATE of tools/build_data.py). -->
# The msp-graph data

The curated, sourced data of msp-graph: {n_partnerships} partnerships the ILO leads or takes part in, with
{n_memberships} memberships of {n_orgs} organisations and {n_countries} distinct countries ({n_engaged} of them
engaged in a partnership, the rest home countries of organisations). Compiled {compiled}; the facts are public
and the compilation is licensed under [CC BY 4.0]({license}).

| file | what |
|---|---|
| `partnerships/<slug>.ttl` | one partnership: its node, memberships (`org:Membership`), country engagements (`msp:CountryEngagement`), outputs, sourced statements (`msp:SourcedStatement`), source conflicts (`msp:SourceConflict` + `msp:Claim`) |
| `organisations.ttl` | one node per real organisation across all files, with `msp:stakeholderGroup`, `msp:statedKind`, `msp:country` |
| `seed.ttl` | the facts and examples of the seed text, [the ILO's page on MSPs]({seed_url}): contributions, objectives, CA4J's hub, pooled fund and facility, the ISPA tools of SPIAC-B and USP2030, the stakeholder spaces for CCA / Cooperation Framework processes, the SSTC modality, the regional cooperation with ASEAN and the African Union |

Every file is generated by `{command}` from `../shared/reference/msp_facts.json` (facts read from public
pages, each with its URL) and `../shared/seed/*.txt`; `tests/test_data.py` re-runs it and fails when the
committed files are out of step. Each file describes itself: the node `https://w3id.org/msp/id/source/<slug>`
(a `dcat:Dataset` and `prov:Entity`) with `dct:title`, `dct:created`, `dct:license` and every source URL as
`dct:source` and `prov:wasDerivedFrom`. Every membership and every country engagement has a `dct:source`.

## Reading the data
- **Open world.** The lists are partial: an organisation absent from a partnership is *unknown*, not a
  non-member. Nothing was added to make a partnership conform to the MSP definition.
- **Inferred values** carry `msp:confidence` (`confidence:medium` or `confidence:low`) and `msp:basis` (why).
  A partnership's `msp:basis` values explain its formality and each objective.
- **Conflicts** between sources are `msp:SourceConflict` nodes with one `msp:Claim` per source
  (`rdf:value`, `dct:source`, `msp:claimedProperty`); the value used in the data is the best one, with its
  confidence on the instant and the reason in the conflict's `msp:basis`.
- **Home countries** of companies are general knowledge, not read in the cited source; the organisation's
  `msp:basis` says so. Countries are EU authority IRIs (`country:FRA`), validated with pycountry.
- **Names** are normalised with the alias table `ORGS` of the converter: one node per real organisation
  ("ILO" and "International Labour Organization (ILO)" are `organisation:ilo`). "World Bank" and "World Bank
  Group" are one node; "European Commission" and "European Union" are one node (the Commission acts for the
  Union); "French/German/Belgian/Finnish development cooperation" are the governments of those countries (the
  source names no ministry), while named ministries and agencies (BMZ, DFAT, SDC, GIZ, Sida...) are their own
  nodes. Parts of an organisation are linked with `org:subOrganizationOf` when both are in the data.
- Mars Incorporated funded the related ILO Global Business Network on Forced Labour, not the Fair Recruitment
  Initiative itself: it has no membership, the fact is a statement on its organisation node.
- SPIAC-B: the contributors to the ISPA tools are recorded as `role:technical-partner` memberships with
  `confidence:medium` (taking part in SPIAC-B is inferred from the tools developed at its request).

## How complete each partnership is
Members and verdicts count every membership, whatever the role. The verdict is the MSP composition rule
(employers' and workers' organisations plus at least two of the other eight groups) on the recorded members
only; `shapes/composition.ttl` is the authority.

| partnership | slug | memberships | organisations | countries engaged | social partners | other groups | verdict | formality |
|---|---|---|---|---|---|---|---|---|
{table}

## Stated kind -> stakeholder group
The source's wording is kept in `msp:statedKind`. A foundation counts as civil society (a not-for-profit
actor); a company's own foundation would be recorded with the kind the source gives.

| stated kind | group | why |
|---|---|---|
{kinds}

## Stated role -> role
The source's wording is kept in `msp:statedRole` and its relation (`member`, `engaged`, `participant`,
`linked network`, `supporter`, `funder`, ...) in `msp:relation`. One role per membership; an organisation with
two distinct roles in one partnership has two memberships. Chairing a working group or an action group is a
`role:member` of the partnership (the chair is of the sub-group).

| stated role | role |
|---|---|
{roles}

Country engagements (`msp:engagementRole`), by the start of the stated role:

| stated role starts with | role |
|---|---|
{engagement_roles}

## Policy areas
| stated policy area | concept(s) |
|---|---|
{areas}

## Source conflicts
| conflict | claims | value used |
|---|---|---|
{conflicts}

The number of Alliance 8.7 partners (231 in an ILO page of 2023, 375 in a secondary blog of 2024) and of its
pathfinder countries (15, 17, 26, 30, 37 at different dates) are kept as sourced statements: they are counts
at different dates or in sources of unequal weight, not values of one property.

## How to add a partnership
1. Add its record to the reference file (every fact, member and country with the URL it was read from).
2. In `tools/build_data.py`: add a `PInfo` to `PARTNERSHIPS` (slug, label, level, formality and why,
   objectives and why), every new organisation name to `ORGS` (reuse an existing node when it is the same
   organisation), and any new stated kind, role or policy area to `KIND_GROUPS`, `ROLE_MAP`,
   `ENGAGEMENT_ROLES`, `POLICY_AREAS`. The build stops on anything it cannot map.
3. Record disagreements between sources in `CONFLICTS`; never pick one silently.
4. Run `{command}`, then `pytest tests/test_data.py`, and add the partnership's expected composition verdict to
   the hand-written table of the test.
"""


def build(shared: Path) -> dict[str, str]:
    reference = shared / "reference" / "msp_facts.json"
    seed_files = sorted((shared / "seed").glob("*.txt"))
    if not reference.is_file():
        raise BuildError(f"{reference}: reference file not found; pass --shared DIR")
    if not seed_files:
        raise BuildError(f"{shared / 'seed'}: no seed text found; pass --shared DIR")
    try:
        records = json.loads(reference.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BuildError(f"{reference}:{exc.lineno}:{exc.colno}: {exc.msg}") from None
    seed_text = "\n".join(p.read_text(encoding="utf-8") for p in seed_files)
    return Builder(records, seed_text).build()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared", type=Path, default=DEFAULT_SHARED, help="folder with reference/ and seed/"
    )
    parser.add_argument("--out", type=Path, default=REPO / "data", help="output folder (default: data/)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when out of step")
    args = parser.parse_args(argv)
    try:
        files = build(args.shared)
    except BuildError as exc:
        print(f"build_data: {exc}", file=sys.stderr)
        return 2
    stale = []
    for rel, text in sorted(files.items()):
        path = args.out / rel
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            stale.append(rel)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    expected = {args.out / rel for rel in files}
    extra = (
        sorted(
            str(p.relative_to(args.out))
            for p in (args.out / "partnerships").glob("*.ttl")
            if p not in expected
        )
        if (args.out / "partnerships").is_dir()
        else []
    )
    if args.check:
        for rel in stale + extra:
            print(f"build_data: {args.out / rel} is out of step; run {COMMAND}", file=sys.stderr)
        return 1 if stale or extra else 0
    for rel in extra:
        (args.out / rel).unlink()
    print(f"build_data: wrote {len(stale)} of {len(files)} files in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
