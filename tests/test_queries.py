"""Named queries: catalogue, golden results on fixtures, safe parameter binding, result formats.

Fixtures: ``tests/fixtures/queries/<query>/data.ttl`` (or ``data.trig`` for named graphs) is loaded with the
bundled ontology and vocabularies; every ``*.tsv`` (SELECT, in SPARQL TSV: terms with their datatype
or language, unbound cells empty) or ``*.nt`` (CONSTRUCT) file next to it is one case, its exact expected
result. A case's first line may read ``# params: name=value name=value``. The comparison is exact, order
included: list cells come sorted (``run_query`` sorts the columns a query declares with ``#+ list:``) and
every ORDER BY is total (tests/test_query_stability.py).

Regenerate the golden files after a deliberate change (then review the diff by hand):
    MSP_REGENERATE_GOLDEN=1 python -m pytest tests/test_queries.py -k golden
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from msp_graph.errors import MspGraphError, QueryError
from msp_graph.loading import load_bundled, load_ontology
from msp_graph.queries import (
    CATALOGUE_END,
    CATALOGUE_START,
    PARAM_KINDS,
    NamedQuery,
    QueryResult,
    bind_params,
    catalogue_markdown,
    get_query,
    list_queries,
    make_term,
    parse_param,
    parse_query_file,
    query_form,
    run_query,
)
from msp_graph.resources import bundled_dir
from msp_graph.stores import EmbeddedStore, source_graph

FIXTURES = Path(__file__).parent / "fixtures" / "queries"
REPO = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/msp/id/"
REGENERATE = os.environ.get("MSP_REGENERATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def ontology_nt() -> bytes:
    store = EmbeddedStore()
    load_ontology(store)
    return store.dump(format="nt")


def fixture_store(name: str, ontology_nt: bytes) -> EmbeddedStore:
    store = EmbeddedStore()
    store.load(ontology_nt, graph="https://w3id.org/msp/id/graph/ontology", format="nt")
    folder = FIXTURES / name
    for data in sorted(folder.glob("data.*")):
        store.load(data, graph=source_graph(name))
    return store


def read_case(path: Path) -> tuple[dict[str, str], str]:
    text = path.read_text(encoding="utf-8")
    params: dict[str, str] = {}
    if text.startswith("# params:"):
        first, _, text = text.partition("\n")
        params = dict(parse_param(item) for item in first.removeprefix("# params:").split())
    return params, text


def normalised_rows(tsv_text: str) -> list[list[str]]:
    return [line.split("\t") for line in tsv_text.splitlines()]


def cases():
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for case in sorted([*folder.glob("*.tsv"), *folder.glob("*.nt")]):
            yield pytest.param(folder.name, case, id=f"{folder.name}/{case.stem}")


# --------------------------------------------------------------------------------------------- catalogue


def test_catalogue_lists_every_rq_file_with_a_summary():
    names = [q.name for q in list_queries()]
    files = sorted(p.stem for p in bundled_dir("queries").glob("*.rq"))
    assert names == files
    assert len(names) >= 15
    for query in list_queries():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", query.name), query.name
        assert query.summary.endswith("."), query.name
        assert query.params_declared


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_query_follows_the_house_style(query: NamedQuery):
    lines = [line for line in query.text.splitlines() if line.strip()]
    assert lines[0].startswith("#+ summary: "), "the header comes first"
    body = [line for line in lines if not line.lstrip().startswith("#")]
    assert body[0].startswith("PREFIX "), "then the query's own PREFIXes"
    assert body[-1].startswith("ORDER BY "), "and it ends with ORDER BY"
    used = set(re.findall(r"\b([a-z]+):[A-Za-z]", "\n".join(body)))
    declared = set(re.findall(r"PREFIX\s+([a-z]+):", query.text))
    assert used - {"http", "https", "file"} <= declared, "every prefix used is declared in the file"
    variables = set(re.findall(r"[?$]([A-Za-z_]\w*)", query.text))
    for param in query.params:
        assert param.name in variables, f"parameter {param.name} is not a variable of the query"
        assert param.description, f"parameter {param.name} has no description line"
    if query.name.startswith("construct-"):
        assert query.form == "construct"
    else:
        assert query.form == "select"
    # Each example binds cleanly (the CURIEs expand, the kinds fit).
    for example in query.examples:
        params = dict(parse_param(pair) for pair in example.split())
        assert "VALUES" in bind_params(query, params)


def test_queries_use_only_declared_msp_terms():
    ontology = (REPO / "ontology" / "msp.ttl").read_text(encoding="utf-8")
    declared = set(re.findall(r"^msp:(\w+) a ", ontology, re.M))
    for query in list_queries():
        used = set(re.findall(r"\bmsp:(\w+)", query.text))
        assert used <= declared, f"{query.name}: undeclared {used - declared}"


def test_every_query_has_fixture_cases_and_every_violation_fires():
    for query in list_queries():
        folder = FIXTURES / query.name
        assert list(folder.glob("data.*")), f"{query.name}: no fixture data"
        golden = [*folder.glob("*.tsv"), *folder.glob("*.nt")]
        assert golden, f"{query.name}: no expected results"
        if query.is_violation:
            rows = [normalised_rows(read_case(path)[1])[1:] for path in golden]
            assert any(rows), f"{query.name}: no fixture where the violation fires"


def test_unknown_query_suggests_the_closest_name():
    with pytest.raises(QueryError) as error:
        get_query("partners-sharing-aliances")
    message = str(error.value)
    assert message.startswith("unknown query 'partners-sharing-aliances'")
    assert "did you mean 'partners-sharing-alliances'?" in message
    assert "run `msp-graph queries` to list them" in message
    with pytest.raises(QueryError, match=r"unknown query '\.\./store'"):
        get_query("../store")
    assert get_query("composition-status.rq").name == "composition-status"


def test_header_errors_name_file_and_line(tmp_path: Path):
    bad = tmp_path / "bad.rq"
    bad.write_text("#+ summary: x.\n#+ params: partner (optional iri)\nSELECT * WHERE { } ORDER BY ?x\n")
    with pytest.raises(QueryError, match=r"bad\.rq:2:1: parameter 'partner' has unknown kind 'iri'"):
        parse_query_file(bad)
    bad.write_text("#+ summary: x.\n#+ params: partner optional IRI\nSELECT * WHERE { }\n")
    with pytest.raises(QueryError, match=r"bad\.rq:2:1: cannot read parameter"):
        parse_query_file(bad)
    with pytest.raises(QueryError, match="no such file"):
        parse_query_file(tmp_path / "missing.rq")


def test_list_and_entailment_header_lines(tmp_path: Path):
    path = tmp_path / "memberships-inferred.rq"
    path.write_text(
        "#+ summary: Members and their partnerships.\n"
        '#+ list: partnerships (separator " | ")\n'
        "#+ entailment: org:hasMembership gives the memberships stated only from the member's side.\n"
        "PREFIX org: <http://www.w3.org/ns/org#>\n"
        'SELECT ?m (GROUP_CONCAT(?p; separator=" | ") AS ?partnerships)\n'
        "WHERE { ?m org:hasMembership/org:organization ?p } GROUP BY ?m ORDER BY ?m\n",
        encoding="utf-8",
    )
    query = parse_query_file(path)
    assert query.lists == {"partnerships": " | "}
    assert query.entailment.startswith("org:hasMembership gives")
    section = catalogue_markdown([query])
    assert "List columns, items sorted: `partnerships` (separator ` | `)." in section
    assert "Uses entailments (run `msp-graph reason` first): org:hasMembership gives" in section
    plain = catalogue_markdown([next(q for q in list_queries() if not q.lists and not q.entailment)])
    assert "List columns" not in plain and "entailments" not in plain


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("#+ list: partnerships", r"bad\.rq:2:1: cannot read list column 'partnerships'"),
        ('#+ list: nowhere (separator "; ")', r"bad\.rq:2:1: list column 'nowhere' is not a variable"),
        ('#+ list: x (separator "; ")\n#+ list: x (separator ", ")', r"bad\.rq:3:1: .* declared twice"),
    ],
)
def test_list_header_errors_name_file_and_line(tmp_path: Path, line: str, message: str):
    bad = tmp_path / "bad.rq"
    bad.write_text(f"#+ summary: x.\n{line}\nSELECT ?x ?partnerships WHERE {{ }} ORDER BY ?x\n")
    with pytest.raises(QueryError, match=message):
        parse_query_file(bad)


_LABEL_RULE = re.compile(
    r"\?(\w+) rdfs:label \?(\w+) \.\s*\n\s*"
    r"FILTER NOT EXISTS \{ \?(\w+) skos:altLabel\|skos:hiddenLabel \?(\w+) \}\s*\n\s*"
    r"FILTER NOT EXISTS \{ \?(\w+) skos:prefLabel \?(\w+) \. "
    r'FILTER \(LANG\(\?(\w+)\) = "" \|\| LANGMATCHES\(LANG\(\?(\w+)\), "en"\)\) \}'
)


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_label_follows_the_display_label_rule(query: NamedQuery):
    """docs/model.md: skos:prefLabel, else an rdfs:label that is not an altLabel / hiddenLabel of the node
    (the rdfs:label triples reasoning infers from them), English or no language, one picked with MIN(STR)."""
    uses = len(re.findall(r"rdfs:label", query.text))
    ruled = _LABEL_RULE.findall(query.text)
    assert len(ruled) == uses, f"{query.name}: an rdfs:label outside the display-label rule"
    for node, name, node2, name2, node3, pref, pref2, pref3 in ruled:
        assert node == node2 == node3 and name == name2 and pref == pref2 == pref3, query.name
        assert re.search(rf"\{{ \?{node} skos:prefLabel \?{name} \}}\s*\n\s*UNION", query.text), query.name
        assert re.search(rf"MIN\(STR\(\?{name}\)\)", query.text), (
            f"{query.name}: ?{name} is not picked by MIN"
        )
    assert "SAMPLE(" not in query.text, f"{query.name}: SAMPLE picks no label deterministically"


# ------------------------------------------------------------------------------------------------ golden


@pytest.mark.parametrize(("name", "case"), list(cases()))
def test_golden(name: str, case: Path, ontology_nt: bytes):
    query = get_query(name)
    params, expected = read_case(case)
    result = run_query(fixture_store(name, ontology_nt), query, params=params)
    if case.suffix == ".nt":
        assert result.kind == "graph"
        actual = "".join(sorted(f"{line}\n" for line in result.render("nt").splitlines() if line))
    else:
        assert result.kind == "select"
        actual = result.render("tsv")
    if REGENERATE:
        header = f"# params: {' '.join(f'{k}={v}' for k, v in params.items())}\n" if params else ""
        case.write_text(header + actual, encoding="utf-8")
        expected = actual
    if case.suffix == ".nt":
        assert actual == expected
    else:
        assert normalised_rows(actual) == normalised_rows(expected)


def test_composition_status_agrees_with_the_composition_shape(ontology_nt: bytes):
    """The query's verdict equals the SHACL shape's (pyshacl, after OWL RL reasoning), partnership by
    partnership, and the query gives the same rows before and after reasoning."""
    from msp_graph.validation import check

    store = fixture_store("composition-status", ontology_nt)
    query = get_query("composition-status")
    before = run_query(store, query)
    failing = {row["partnership"].value for row in before.rows if row["conforms"].value == "false"}
    assert failing == {ID + "partnership/noworkers", ID + "partnership/empty"}
    report = check(store, shapes=[REPO / "shapes" / "composition.ttl", REPO / "shapes" / "prefixes.ttl"])
    flagged = {r.focus_node for r in report.results if "composition" in r.source_shape}
    assert flagged == failing
    after = run_query(store, query)
    assert after.render("tsv") == before.render("tsv")


# ------------------------------------------------------------------------------------------------ binding

HOSTILE = [
    "x> } ; DROP ALL ; #",
    'a" } ; DROP ALL ; #',
    "a' } DROP ALL #",
    'three """ quotes',
    "three ''' quotes",
    "line one\nline two } UNION { ?s ?p ?o }",
    "carriage\rreturn",
    "back\\slash\\",
    '\\" escaped quote',
    "tab\tand unicode é 字 \U0001f600",
    "# a comment",
    "?s ?p ?o",
    "",
]


@pytest.fixture
def small_store() -> EmbeddedStore:
    store = EmbeddedStore()
    store.load(
        b'<https://x.org/s> <https://x.org/p> "o" .\n<https://x.org/s> <https://x.org/label> "x> } ; #" .',
        graph="https://x.org/g",
        format="nt",
    )
    return store


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_string_becomes_one_inert_literal(small_store: EmbeddedStore, value: str):
    text = "#+ params: text (string)\nSELECT ?text (STRLEN(?text) AS ?n) WHERE { ?s ?p ?o } ORDER BY ?s"
    result = run_query(small_store, text, params={"text": value})
    assert [row["text"] for row in result.rows] == [ox.Literal(value)] * 2
    assert int(result.rows[0]["n"].value) == len(value)
    assert small_store.count() == 2
    # Bound into a pattern, it matches only the literal equal to it.
    match = run_query(small_store, "SELECT ?s WHERE { ?s ?p ?label } ORDER BY ?s", params={"label": value})
    assert match.rows == []


@pytest.mark.parametrize("value", [v for v in HOSTILE if v] + ["https://x.org/a b", "relative/iri", "<x>"])
def test_hostile_iri_is_rejected_naming_the_parameter(small_store: EmbeddedStore, value: str):
    query = get_query("alliances-of-partner")
    with pytest.raises(QueryError, match=r"^parameter 'partner': .*expected an IRI"):
        run_query(small_store, query, params={"partner": value})


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("integer", "1) } DROP ALL #"),
        ("integer", "1.5"),
        ("decimal", "NaN"),
        ("boolean", "yes"),
        ("date", "2020-13-01"),
        ("year", "20"),
        ("literal", '"a" . <urn:s> <urn:p> "b"'),
        ("literal", '"a"^^<urn:x> ; <urn:p> "b"'),
        ("literal", '"unterminated'),
    ],
)
def test_malformed_typed_values_are_rejected(small_store: EmbeddedStore, kind: str, value: str):
    text = f"#+ params: v ({kind})\nSELECT ?v WHERE {{ }} ORDER BY ?v"
    with pytest.raises(QueryError, match=r"^parameter 'v': "):
        run_query(small_store, text, params={"v": value})


@pytest.mark.parametrize(
    ("kind", "value", "term"),
    [
        (
            "IRI",
            "role:pathfinder-country",
            ox.NamedNode("https://w3id.org/msp/vocab/role/pathfinder-country"),
        ),
        ("IRI", "<https://x.org/a>", ox.NamedNode("https://x.org/a")),
        ("IRI", "urn:isbn:123", ox.NamedNode("urn:isbn:123")),
        (
            "integer",
            " 2 ",
            ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ),
        (
            "date",
            "2020-01-31",
            ox.Literal("2020-01-31", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
        ),
        ("literal", '"Alliance"@en', ox.Literal("Alliance", language="en")),
        (
            "literal",
            '"2019"^^xsd:gYear',
            ox.Literal("2019", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
        ),
        ("literal", "plain text", ox.Literal("plain text")),
        ("string", '"quoted"@en', ox.Literal('"quoted"@en')),
    ],
)
def test_values_become_checked_terms(kind: str, value: str, term):
    assert kind in PARAM_KINDS
    assert make_term(value, kind) == term


def test_binding_puts_one_values_row_in_the_where_group_and_keeps_line_numbers():
    query = get_query("partners-sharing-alliances")
    bound = bind_params(query, {"partner": "organisation:ilo", "min-shared": "2"})
    assert bound.count("\n") == query.text.count("\n")
    assert (
        "WHERE { VALUES (?partner ?min_shared) "
        '{ (<https://w3id.org/msp/id/organisation/ilo> "2"^^<http://www.w3.org/2001/XMLSchema#integer>) }'
    ) in bound
    construct = get_query("construct-direct-members")
    bound = bind_params(construct, {"partnership": "partnership:alpha"})
    assert "CONSTRUCT { ?partnership org:hasMember ?member . }" in bound
    assert "WHERE { VALUES (?partnership) { (<https://w3id.org/msp/id/partnership/alpha>) }" in bound


def test_braces_in_comments_strings_iris_and_projection_do_not_fool_the_binder(small_store):
    text = (
        '# { a comment }\nPREFIX ex: <https://x.org/odd#>\nSELECT ?s (CONCAT("{", "}") AS ?b) '
        "(EXISTS { ?s ?p ?o } AS ?e) # } {\nWHERE { ?s ?p ?o . FILTER (?o != '{') } ORDER BY ?s"
    )
    result = run_query(small_store, text, params={"o": '"o"'})
    assert [row["s"].value for row in result.rows] == ["https://x.org/s"]


def test_parameter_errors(small_store):
    query = get_query("alliances-of-partner")
    with pytest.raises(QueryError, match=r"needs parameter 'partner'.*add --param partner="):
        run_query(small_store, query)
    with pytest.raises(QueryError, match=r"has no parameter 'partnr' \(did you mean 'partner'\?\)"):
        run_query(small_store, query, params={"partner": "organisation:ilo", "partnr": "x"})
    with pytest.raises(QueryError, match="takes no parameters"):
        run_query(small_store, get_query("membership-incomplete-violation"), params={"x": "1"})
    with pytest.raises(QueryError, match=r"no variable \?nothere"):
        run_query(small_store, "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", params={"nothere": "1"})
    with pytest.raises(QueryError, match="short form"):
        run_query(small_store, "CONSTRUCT WHERE { ?s ?p ?o }", params={"s": "<https://x.org/s>"})
    assert parse_param("a=b=c") == ("a", "b=c")
    for bad in ("novalue", "=x", "bad name=1"):
        with pytest.raises(QueryError, match=r"^--param"):
            parse_param(bad)


def test_a_mistyped_prefix_is_an_error_listing_the_known_prefixes(small_store):
    """Was 0 rows and exit 0: ``organization:ilo`` was read as an IRI of the scheme ``organization``."""
    query = get_query("alliances-of-partner")
    with pytest.raises(QueryError, match=r"unknown prefix 'organization:' \(known: .*organisation:"):
        run_query(small_store, query, params={"partner": "organization:ilo"})
    assert run_query(small_store, query, params={"partner": "urn:x-msp:nobody"}).rows == []


def test_adhoc_parameters_guess_their_kind(small_store):
    text = "SELECT ?s ?o WHERE { ?s <https://x.org/p> ?o } ORDER BY ?s"
    assert len(run_query(small_store, text, params={"s": "<https://x.org/s>"}).rows) == 1
    assert len(run_query(small_store, text, params={"s": "https://x.org/s"}).rows) == 1
    assert len(run_query(small_store, text, params={"o": "o"}).rows) == 1
    assert len(run_query(small_store, text, params={"o": '"o"@en'}).rows) == 0


# --------------------------------------------------------------------------------------- ad-hoc checking


@pytest.mark.parametrize(
    "text",
    [
        "DROP ALL",
        "PREFIX ex: <https://x.org/>\n# SELECT in a comment\nINSERT DATA { ex:a ex:b ex:c }",
        "WITH <https://x.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "load <https://x.org/data.ttl>",
    ],
)
def test_updates_are_refused(small_store, text: str):
    with pytest.raises(QueryError, match=r"this is an update \(\w+\), not a query"):
        run_query(small_store, text)
    assert small_store.count() == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o }\nLIMIT x\n", "query:2:7: SPARQL syntax error: unexpected text here"),
        ("SELECT ?s WHERE {\n ?s ?p ?o .\n ?s <bad iri> ?o }", "query:3:14: SPARQL syntax error: "),
        ("ASK WHERE {\n ?s ?p ?o .\n ?s <bad iri> ?o }", "query:3:14: SPARQL syntax error: "),
        ("ASK { ?s <bad iri> ?o }", "query:1:19: SPARQL syntax error: "),
        ("SELECT ?s WHERE { ?s nope:p ?o }", "query:1:22: prefix 'nope:' is not declared"),
    ],
)
def test_syntax_errors_give_line_and_column(small_store, text: str, expected: str):
    """Positions are Oxigraph's, on the user's own text (the bound VALUES row does not move them)."""
    with pytest.raises(QueryError) as error:
        run_query(small_store, text, params={"s": "<https://x.org/s>"})
    assert str(error.value).startswith(expected), str(error.value)
    assert "\n" not in str(error.value) and len(str(error.value)) < 200


def test_not_a_query():
    with pytest.raises(QueryError, match="not a SPARQL query"):
        query_form("hello there")
    assert issubclass(QueryError, MspGraphError)


# ------------------------------------------------------------------------------------------------ formats


@pytest.fixture
def select_result(small_store) -> QueryResult:
    small_store.load(
        (
            b'<https://x.org/s> <https://x.org/n> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
            b'<https://x.org/s> <https://x.org/fr> "le \\"quai\\", <b>&"@fr .\n'
            b"<https://x.org/s> <https://x.org/b> _:blank .\n"
        ),
        graph="https://x.org/g2",
        format="nt",
    )
    return run_query(
        small_store,
        "SELECT ?p ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <https://x.org/none> ?missing } } ORDER BY ?p",
    )


def test_srj_srx_tsv_round_trip_through_a_results_parser(select_result: QueryResult):
    expected = [[row[v] for v in select_result.variables] for row in select_result.rows]
    for fmt, parser_format in (
        ("srj", ox.QueryResultsFormat.JSON),
        ("srx", ox.QueryResultsFormat.XML),
        ("tsv", ox.QueryResultsFormat.TSV),
    ):
        parsed = ox.parse_query_results(select_result.render(fmt).encode(), format=parser_format)
        assert [v.value for v in parsed.variables] == select_result.variables
        rows = [[solution[v] for v in select_result.variables] for solution in parsed]
        # Blank node labels may be renamed by a parser; everything else must be identical.
        assert [[t if not isinstance(t, ox.BlankNode) else "bnode" for t in r] for r in rows] == [
            [t if not isinstance(t, ox.BlankNode) else "bnode" for t in r] for r in expected
        ], fmt


def test_csv_json_and_tables(select_result: QueryResult):
    rows = list(csv.reader(io.StringIO(select_result.render("csv"))))
    assert rows[0] == ["p", "o", "missing"]
    assert ["https://x.org/fr", 'le "quai", <b>&', ""] in rows
    assert ["https://x.org/n", "42", ""] in rows
    plain = json.loads(select_result.render("json"))
    assert {"p": "https://x.org/n", "o": 42, "missing": None} in plain
    table = select_result.render("table", terminal=False)
    header, rule, *body = table.splitlines()
    assert header.split() == ["p", "o", "missing"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert len(body) == len(select_result.rows)
    assert "\x1b[" not in table
    rich_table = select_result.render("table", terminal=True)
    assert "https://x.org/n" in rich_table and "\x1b[" in rich_table
    with pytest.raises(QueryError, match=r"format 'turtle' does not fit SELECT results; use one of table"):
        select_result.render("turtle")


def test_ask_results(small_store):
    yes = run_query(small_store, 'ASK { ?s ?p "o" }')
    no = run_query(small_store, 'ASK WHERE { ?s ?p "absent" }')
    assert (yes.kind, yes.boolean, no.boolean) == ("ask", True, False)
    assert json.loads(yes.render("srj")) == {"head": {}, "boolean": True}
    assert (
        ox.parse_query_results(no.render("srx").encode(), format=ox.QueryResultsFormat.XML).__bool__()
        is False
    )
    assert yes.render("json") == "true\n"
    assert "true" in yes.render("table", terminal=False)
    bound = run_query(small_store, "ASK { ?s ?p ?o }", params={"o": "o"})
    assert bound.boolean is True


def test_graph_results_in_every_rdf_format(ontology_nt: bytes):
    store = fixture_store("construct-direct-members", ontology_nt)
    result = run_query(store, get_query("construct-direct-members"))
    assert result.kind == "graph" and len(result) == 3
    expected = set(result.triples)
    for fmt, rdf_format in (
        ("turtle", ox.RdfFormat.TURTLE),
        ("nt", ox.RdfFormat.N_TRIPLES),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("rdfxml", ox.RdfFormat.RDF_XML),
    ):
        text = result.render(fmt)
        parsed = {
            ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(text.encode(), format=rdf_format)
        }
        assert parsed == expected, fmt
    assert "@prefix org:" in result.render("turtle")
    rows = list(csv.reader(io.StringIO(result.render("csv"))))
    assert rows[0] == ["subject", "predicate", "object"] and len(rows) == 4
    with pytest.raises(QueryError, match="does not fit CONSTRUCT/DESCRIBE results"):
        result.render("srj")


class _ForeignStore:
    """A store that only answers ``query``, as a remote endpoint does: run_query needs nothing else."""

    def __init__(self, inner: EmbeddedStore):
        self.inner, self.seen = inner, []

    def query(self, sparql: str):
        self.seen.append(sparql)
        return self.inner.query(sparql)


def test_run_query_needs_only_the_query_call(small_store):
    foreign = _ForeignStore(small_store)
    result = run_query(foreign, "SELECT ?p WHERE { ?s ?p ?o } ORDER BY ?p", params={"s": "<https://x.org/s>"})
    assert len(result.rows) == 2
    assert foreign.seen == ["SELECT ?p WHERE { VALUES (?s) { (<https://x.org/s>) } ?s ?p ?o } ORDER BY ?p"]


# ------------------------------------------------------------------------------------------- bundled data


@pytest.fixture(scope="module")
def bundled_store() -> EmbeddedStore:
    store = EmbeddedStore()
    graphs = load_bundled(store)
    assert graphs, "no bundled data files were loaded from data/"
    return store


def _ilo(store) -> str:
    rows = run_query(
        store,
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT DISTINCT ?o WHERE { ?m <http://www.w3.org/ns/org#member> ?o . ?o rdfs:label ?l "
        'FILTER (REGEX(STR(?l), "^(ILO|International Labour Organi[sz]ation)", "i")) } ORDER BY ?o',
    ).rows
    assert rows, "the bundled data has no ILO membership"
    return rows[0]["o"].value


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_named_query_on_the_bundled_data(bundled_store, query: NamedQuery):
    required = [p.name for p in query.params if not p.optional]
    assert required in ([], ["partner"]), "add a value for the new required parameter here"
    params = {"partner": _ilo(bundled_store)} if required else {}
    result = run_query(bundled_store, query, params=params)
    if query.is_violation:
        assert result.rows == [], f"{query.name} fires on the bundled data:\n{result.render('csv')}"
    else:
        assert len(result) > 0, f"{query.name} returns nothing on the bundled data"


def test_co_membership_on_the_bundled_data(bundled_store):
    ilo = _ilo(bundled_store)
    result = run_query(bundled_store, get_query("partners-sharing-alliances"), params={"partner": ilo})
    assert result.rows, "the ILO shares no alliance with anyone"
    for row in result.rows:
        assert row["partnerA"].value == ilo
        assert row["partnerB"].value != ilo
        assert int(row["sharedCount"].value) >= 1 and row["sharedAlliances"].value
    everyone = run_query(bundled_store, get_query("partners-sharing-alliances"))
    pairs = {(row["partnerA"].value, row["partnerB"].value) for row in everyone.rows}
    assert all(a < b for a, b in pairs)
    assert {tuple(sorted((ilo, row["partnerB"].value))) for row in result.rows} <= pairs


def test_documented_examples_return_rows_on_the_bundled_data(bundled_store):
    for query in list_queries():
        for example in query.examples:
            params = dict(parse_param(pair) for pair in example.split())
            assert len(run_query(bundled_store, query, params=params)) > 0, f"{query.name} {example}"


def test_docs_catalogue_is_current():
    text = (REPO / "docs" / "queries.md").read_text(encoding="utf-8")
    start = text.index(CATALOGUE_START) + len(CATALOGUE_START)
    assert text[start : text.index(CATALOGUE_END)].strip() == catalogue_markdown().strip(), (
        "docs/queries.md is out of date: run "
        "python -c \"from msp_graph.queries import write_catalogue; write_catalogue('docs/queries.md')\""
    )
    for query in list_queries():
        assert f"msp-graph query {query.name}" in text


def test_ad_hoc_queries_know_the_project_prefixes():
    """`msp:` or `organisation:ilo` without a PREFIX line: the project's prefixes (`msp-graph prefixes`)."""
    store = EmbeddedStore()
    load_bundled(store)
    text = "SELECT ?a WHERE { ?m org:member organisation:ilo ; org:organization ?a . ?a a msp:Partnership }"
    declared = (
        "PREFIX org: <http://www.w3.org/ns/org#>\nPREFIX msp: <https://w3id.org/msp/ontology#>\n"
        "SELECT ?a WHERE { ?m org:member <https://w3id.org/msp/id/organisation/ilo> ; "
        "org:organization ?a . ?a a msp:Partnership }"
    )
    got, expected = run_query(store, text), run_query(store, declared)
    assert len(expected) > 5 and got.rows == expected.rows
    # A query's own declaration wins over the project's.
    mine = run_query(store, "PREFIX org: <urn:elsewhere#> SELECT * WHERE { ?m org:member ?x }")
    assert len(mine) == 0


def test_an_undeclared_unknown_prefix_is_named_with_its_position():
    with pytest.raises(QueryError, match=r"query:2:12: prefix 'foo:' is not declared"):
        run_query(EmbeddedStore(), "SELECT *\nWHERE { ?m foo:member ?x }")


def test_an_unknown_prefix_in_a_guessed_parameter_is_an_error():
    with pytest.raises(QueryError, match=r"unknown prefix 'organization:'.*organisation:"):
        run_query(EmbeddedStore(), "SELECT ?m WHERE { ?m ?p ?x }", params={"x": "organization:ilo"})


@pytest.mark.slow
def test_the_benchmark_times_the_query_command_against_jena_arq_with_the_same_rows(tmp_path: Path):
    from bench import jena
    from bench import run as bench_run

    if not jena.available():
        pytest.skip("needs java and Debian's libapache-jena-java")
    argv = ["--sizes", "300", "--repeat", "1", "--only", "command-query", "--references", "jena"]
    assert bench_run.main([*argv, "--results", str(tmp_path)]) == 0
    (record,) = tmp_path.glob("*.json")
    (row,) = json.loads(record.read_text())["rows"]
    assert (row["operation"], row["reference"]["engine"]) == ("command-query", "jena")
    assert row["ours"]["info"]["rows"] == row["reference"]["info"]["rows"] > 0
    assert row["ours"]["peak_mib"] > 20
