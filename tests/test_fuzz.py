"""Property-based fuzzing (Hypothesis) of the API and, for a few examples, the command line.

The property is the contract: a call returns, or raises an ``MspGraphError`` subclass, never anything
else; after an error the store is as it was (every quad, staging graphs included). On the command line:
exit 0/1, or exit 2 with one ``msp-graph: error:`` line; never a traceback or a hang; the store unchanged
after exit 2.

Inputs: byte-level mutations of valid Turtle and N-Triples (bit flips, cuts, NUL, quotes, brackets, bytes
that are no UTF-8), also read as the other RDF formats; random rows for the spreadsheet importer (CSV and
XLSX) with codes, dates, formulas and control characters; random parameter values for every named query
with parameters; ad-hoc SPARQL assembled from fragments.

The budget is the ``msp-graph-fuzz`` settings profile: ``MSP_GRAPH_FUZZ_EXAMPLES`` examples per property
(default 50; the command-line ones a tenth of that, at least 3), no deadline, no example database, and
``derandomize=True`` under CI (``CI=true``), so that a CI run is reproducible. A failure prints the
shrunk example and the seed to replay it (``--hypothesis-seed``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hostile_inputs import (
    ORGANISATIONS_HEADER,
    SMALL_TTL,
    classify,
    csv_bytes,
    damage_member,
    organisations_xlsx,
    run_cli,
    store_fingerprint,
    xlsx_bytes,
)
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

import msp_graph
from msp_graph.errors import MspGraphError
from msp_graph.sheets import import_sheets, template_tables

CI = os.environ.get("CI") == "true"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
EXAMPLES = int(os.environ.get("MSP_GRAPH_FUZZ_EXAMPLES", "50"))

settings.register_profile(
    "msp-graph-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=CI,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FUZZ = settings.get_profile("msp-graph-fuzz")
CLI_FUZZ = settings(FUZZ, max_examples=max(3, EXAMPLES // 10))
# Examples that cost a second or more are reported as found, not shrunk (shrinking them takes minutes).
SLOW_FUZZ = settings(FUZZ, max_examples=max(5, EXAMPLES // 5), phases=[p for p in Phase if p != Phase.shrink])


@contextlib.contextmanager
def logged_tracebacks():
    """The log records that carry a traceback, emitted by any library while the block runs."""

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info:
                found.append(f"{record.name}: {record.getMessage()}")

    found: list[str] = []
    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield found
    finally:
        root.removeHandler(handler)


def fingerprint(store) -> tuple[int, str]:
    """Every quad of ``store`` (the count includes staging graphs, which ``dump`` leaves out)."""
    return store.count(), hashlib.sha256(store.dump(format="nquads")).hexdigest()


# --- strategies ---------------------------------------------------------------------------------------

NTRIPLES = (
    b'<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "A \\u00e9 \\"q\\""@en .\n'
    b"<https://example.org/a> <https://example.org/p> _:b .\n"
    b'_:b <https://example.org/n> "12"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    b'<https://example.org/a> <https://example.org/d> "2020-01-02"'
    b"^^<http://www.w3.org/2001/XMLSchema#date> .\n"
)
BASES = {"ttl": SMALL_TTL.read_bytes(), "nt": NTRIPLES}
INSERTS = [
    b"\x00",
    b'"',
    b"'",
    b'"""',
    b"<",
    b">",
    b"[",
    b"]",
    b"(",
    b")",
    b"{",
    b"}",
    b".",
    b";",
    b",",
    b"\\",
    b"\\u",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"@prefix x: <y> .",
    b"^^",
    b"@",
    b"_:",
    b"#",
    b"\n",
    b"\r",
    "\u2028".encode(),
    b"\x01",
    b"a" * 300,
]


@st.composite
def mutated_rdf(draw) -> tuple[str, bytes]:
    """(format suffix, bytes): a valid document damaged by a few random edits, read as any RDF format."""
    kind = draw(st.sampled_from(sorted(BASES)))
    data = bytearray(BASES[kind])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "cut", "insert", "delete", "repeat"]))
        if edit == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "cut":
            del data[at:]
        elif edit == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS))
        elif edit == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        elif edit == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 40))] * draw(st.integers(2, 5))
    suffix = draw(st.sampled_from([kind] * 4 + ["trig", "nq", "rdf", "jsonld", "n3"]))
    return suffix, bytes(data)


CELL_WORDS = [
    "",
    " ",
    "un",
    "workers-organisations",
    "Organisations d'employeurs",
    "sindicatos",
    "FRA",
    "Sénégal",
    "global",
    "formal",
    "employment; skills",
    "8.7",
    "africa",
    "2019",
    "2019-06",
    "2020-13-45",
    "June 2019",
    "https://www.example.org/",
    "not a url",
    "=1+1",
    "'=1+1",
    "+1",
    "-1",
    "@x",
    "\t=x",
    "ilo",
    "ITUC",
    "example-alliance",
    "partnership/example-alliance",
    "organisation/ilo",
    "_:b",
    "msp:Partnership",
    "xsd:date",
    "iri",
    "a;b;",
    ";",
    '"',
    "\x00",
    "\r",
    "\n",
    "\x0b",
    "\ufffe",
    "\u2028",
    "é" * 50,
    "x" * 2000,
    "co-chair",
    "high",
    "member",
]
SHEETS = {name: header for name, header, _ in template_tables()}

cells = st.one_of(st.sampled_from(CELL_WORDS), st.text(max_size=30))


@st.composite
def sheet_rows(draw) -> tuple[str, list[str], list[list[str]]]:
    """(sheet, header, rows): a layout sheet's header (perhaps shuffled, a column dropped or added)."""
    sheet = draw(st.sampled_from(sorted(SHEETS)))
    header = list(SHEETS[sheet])
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.integers(0, 4)) == 0 and len(header) > 1:
        header.pop(draw(st.integers(0, len(header) - 1)))
    if draw(st.integers(0, 4)) == 0:
        header.append(draw(st.sampled_from(["colour", "", "id", "name", "# note"])))
    width = len(header)
    rows = draw(st.lists(st.lists(cells, min_size=max(0, width - 1), max_size=width + 1), max_size=6))
    return sheet, header, rows


xlsx_values = st.one_of(
    st.sampled_from([c for c in CELL_WORDS if c.isprintable() or c == ""]),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.none(),
)

PARAM_WORDS = [
    "",
    " ",
    "ex:a",
    "organisation:ilo",
    "partnership:gan",
    "msp:Partnership",
    "<https://e.org/x>",
    "<x>",
    "<",
    "<>",
    "https://w3id.org/msp/id/organisation/ilo",
    '"lit"',
    '"x"@en',
    '"1"^^xsd:integer',
    "1",
    "-1",
    "0",
    "1e309",
    "NaN",
    "inf",
    "1.5",
    "9" * 40,
    "_:b",
    "?x",
    "$x",
    "} DROP ALL {",
    "<a:b> } ; DROP ALL ; SELECT * {",
    "nope:x",
    "msp:",
    ":",
    "\x00",
    "\n",
    "é",
    "'",
    '"',
    "\\",
    "level:global",
    "area:employment",
]
param_values = st.one_of(st.sampled_from(PARAM_WORDS), st.text(max_size=40))

FRAGMENTS = [
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "DISTINCT",
    "*",
    "?s",
    "?p",
    "?o",
    "$x",
    "{",
    "}",
    "(",
    ")",
    ".",
    ";",
    ",",
    "WHERE",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "GRAPH",
    "BIND",
    "AS",
    "VALUES",
    "LIMIT",
    "OFFSET",
    "ORDER BY",
    "GROUP BY",
    "HAVING",
    "COUNT(*)",
    "-1",
    "0",
    "NaN",
    "1e309",
    "'x'",
    '"x"',
    '"""',
    "<x:y>",
    "<",
    ">",
    "a",
    "msp:Partnership",
    "rdfs:label",
    "nope:x",
    "ex:a",
    "PREFIX ex: <https://example.org/>",
    "BASE <x:>",
    "INSERT DATA",
    "DELETE WHERE",
    "DROP ALL",
    "LOAD <http://127.0.0.1:1/>",
    "SERVICE <http://127.0.0.1:1/>",
    "SERVICE SILENT <http://127.0.0.1:1/>",
    "#",
    "\n",
    "#+ params: x (IRI)\n",
    "#+ summary: s\n",
    "STRLEN(?o)",
    "xsd:date(?o)",
    "REGEX(?o, '(a+)+$')",
    "?o / 0",
    "\x00",
    "\u2028",
    "é",
    "[]",
    "_:b",
    "*",
    "+",
    "|",
    "^",
    "!",
]
FORMS = ["", "SELECT * WHERE { ", "ASK { ", "CONSTRUCT { ?s ?p ?o } WHERE { ", "SELECT ?s WHERE { ?s ?p ?o "]


@st.composite
def sparql_text(draw) -> str:
    start = draw(st.sampled_from(FORMS))
    body = " ".join(draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=25)))
    return start + body + draw(st.sampled_from(["", " }", " } LIMIT 5"]))


# --- fixtures (module-scoped: Hypothesis runs many examples in one test call) --------------------------


@pytest.fixture(scope="module")
def folder():
    path = Path(tempfile.mkdtemp(prefix="msp-graph-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def bundled_store():
    """The bundled ontology, vocabularies and data, in memory: queries and imports run against it."""
    store = msp_graph.open_store()
    msp_graph.load_bundled(store)
    return store


@pytest.fixture(scope="module")
def tiny_store():
    """Five triples: ad-hoc queries may join patterns freely without a blow-up."""
    store = msp_graph.open_store()
    path = Path(tempfile.mkdtemp(prefix="msp-graph-fuzz-tiny-")) / "tiny.nt"
    path.write_bytes(NTRIPLES + b'<https://example.org/b> <https://example.org/p> "b" .\n')
    msp_graph.load_files(store, [path])
    return store


@pytest.fixture(scope="module")
def vocab():
    from msp_graph.sheets import vocab as V

    return V.Vocabularies.bundled()


def _write(folder: Path, name: str, data: bytes) -> Path:
    target = Path(tempfile.mkdtemp(dir=folder)) / name
    target.write_bytes(data)
    return target


# --- RDF files ----------------------------------------------------------------------------------------


@FUZZ
@given(document=mutated_rdf())
def test_loading_a_damaged_file_raises_only_package_errors_and_changes_nothing(folder, document):
    suffix, data = document
    store = msp_graph.open_store()
    msp_graph.load_files(store, [SMALL_TTL])
    before = fingerprint(store)
    path = _write(folder, f"damaged.{suffix}", data)
    try:
        msp_graph.load_files(store, [path])
    except MspGraphError:
        assert fingerprint(store) == before
        return
    # Loaded: what was loaded must also be exportable and queryable.
    for fmt in ("turtle", "rdfxml", "jsonld", "trig"):
        msp_graph.export(store, format=fmt)
    msp_graph.run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


@FUZZ
@given(document=mutated_rdf())
def test_a_damaged_file_with_another_never_leaves_half_a_load(folder, document):
    """Two files in one load_files call: all or nothing, whichever of them is damaged."""
    suffix, data = document
    store = msp_graph.open_store()
    before = fingerprint(store)
    good = _write(folder, "good.ttl", SMALL_TTL.read_bytes())
    damaged = _write(folder, f"damaged.{suffix}", data)
    try:
        msp_graph.load_files(store, [good, damaged])
    except MspGraphError:
        assert fingerprint(store) == before


XSD = "http://www.w3.org/2001/XMLSchema#"
DATATYPES = [
    f"{XSD}{name}"
    for name in (
        "date",
        "gYear",
        "gYearMonth",
        "dateTime",
        "integer",
        "decimal",
        "boolean",
        "string",
        "anyURI",
        "double",
    )
]
LEXICAL = [
    "2020-13-45",
    "2019-02-30",
    "2019",
    "2019-06",
    "2019-06-30",
    "-0001",
    "99999-01-01",
    "NaN",
    "INF",
    "1e309",
    "0x10",
    "true",
    "yes",
    "",
    " 2019 ",
    "2019-06-30T25:00:00",
    "http://",
    "\x00",
    "é",
]


@SLOW_FUZZ
@given(
    values=st.lists(
        st.tuples(st.one_of(st.sampled_from(LEXICAL), st.text(max_size=12)), st.sampled_from(DATATYPES)),
        min_size=3,
        max_size=3,
    )
)
def test_ill_typed_literals_are_data_for_check_and_the_spreadsheet_export(folder, values):
    """Dates and numbers whose lexical form does not fit their datatype: reasoning, validation and the
    spreadsheet export treat them as data (a result, a cell), never as an exception from rdflib."""
    import pyoxigraph as ox

    from msp_graph.sheets import export_sheets

    (begin, begin_type), (date, date_type), (count, count_type) = values
    ex, time = "https://example.org/", "http://www.w3.org/2006/time#"
    lines = [
        f"<{ex}good> <https://w3id.org/msp/ontology#activeDuring> <{ex}period> .",
        f"<{ex}period> <{RDF_TYPE}> <{time}Interval> .",
        f"<{ex}period> <{time}hasBeginning> <{ex}start> .",
        f"<{ex}start> <{RDF_TYPE}> <{time}Instant> .",
        f"<{ex}start> <{time}inXSDDate> {ox.Literal(begin, datatype=ox.NamedNode(begin_type))} .",
        f"<{ex}good> <http://purl.org/dc/terms/date> {ox.Literal(date, datatype=ox.NamedNode(date_type))} .",
        f"<{ex}good> <{ex}count> {ox.Literal(count, datatype=ox.NamedNode(count_type))} .",
    ]
    extra = _write(folder, "typed.nt", ("\n".join(lines) + "\n").encode())
    store = msp_graph.open_store()
    msp_graph.load_bundled(store, data=False)
    msp_graph.load_files(store, [SMALL_TTL, extra])
    with logged_tracebacks() as tracebacks:
        with contextlib.suppress(MspGraphError):
            msp_graph.check(store)
        with contextlib.suppress(MspGraphError):
            export_sheets(store, extra.parent / "out.xlsx", format="xlsx")
        with contextlib.suppress(MspGraphError):
            export_sheets(store, extra.parent / "out.zip", format="csv")
    assert tracebacks == [], "a library logged a traceback (the command line prints it on stderr)"


# --- spreadsheets -------------------------------------------------------------------------------------


@FUZZ
@given(sheet=sheet_rows(), delimiter=st.sampled_from([",", ";", "\t"]), bom=st.booleans())
def test_importing_random_csv_rows_raises_only_package_errors(
    folder, bundled_store, vocab, sheet, delimiter, bom
):
    name, header, rows = sheet
    data = (b"\xef\xbb\xbf" if bom else b"") + csv_bytes(header, rows, delimiter=delimiter)
    path = _write(folder, f"{name}.csv", data)
    before = fingerprint(bundled_store)
    with contextlib.suppress(MspGraphError):
        import_sheets([path], store=bundled_store, dry_run=True, validate=False, vocab=vocab)
    assert fingerprint(bundled_store) == before  # a dry run writes nothing, error or not


GROUPS = [
    "un",
    "workers-organisations",
    "employers-organisations",
    "government",
    "civil-society",
    "Organisations d'employeurs",
    "sindicatos",
    "academia; private-sector",
]
DATES = ["", "2019", "2019-06", "2019-06-30"] * 8 + ["2020-13-45", "2019-02-30", "0000", "99999", "June 2019"]


@st.composite
def organisation_rows(draw) -> list[list[str]]:
    """Mostly valid organisations (so the import goes on to validate and write), with odd names."""
    names = st.one_of(st.text(min_size=1, max_size=20), st.sampled_from([c for c in CELL_WORDS if c.strip()]))
    rows = []
    for number in range(draw(st.integers(1, 4))):
        group = draw(st.sampled_from(GROUPS) if draw(st.integers(0, 9)) else cells)
        country = draw(st.sampled_from(["", "FRA", "Sénégal"] * 3 + ["XXX"]))
        rows.append([f"org-{number}", draw(names), draw(st.sampled_from(["", "ACR", "=X"])), group, country])
    return rows


@SLOW_FUZZ
@given(rows=organisation_rows(), dates=st.lists(st.sampled_from(DATES), min_size=4, max_size=4))
def test_importing_then_validating_random_organisations_writes_all_or_nothing(folder, vocab, rows, dates):
    """A real import (validated, then written) into a store holding the ontology: all or nothing."""
    store = msp_graph.open_store()
    msp_graph.load_bundled(store, data=False)
    members = [
        ["", "example-alliance", row[0], "", "", "", "", dates[i], "", "", "", ""]
        for i, row in enumerate(rows)
    ]
    first = _write(folder, "organisations.csv", csv_bytes(ORGANISATIONS_HEADER, rows))
    (first.parent / "memberships.csv").write_bytes(csv_bytes(SHEETS["memberships"], members))
    (first.parent / "partnerships.csv").write_bytes(
        csv_bytes(["id", "name", "start"], [["example-alliance", "Example Alliance", dates[0]]])
    )
    before = fingerprint(store)
    try:
        result = import_sheets([first.parent], store=store, validate=True, vocab=vocab)
    except MspGraphError:
        event("refused")
        assert fingerprint(store) == before
        return
    event("imported")
    assert result.written and fingerprint(store) != before
    msp_graph.export(store, format="turtle")


@SLOW_FUZZ
@given(rows=st.lists(st.lists(xlsx_values, min_size=1, max_size=6), max_size=5), header=st.booleans())
def test_importing_a_random_workbook_raises_only_package_errors(folder, bundled_store, vocab, rows, header):
    table = ([ORGANISATIONS_HEADER] if header else []) + rows
    path = _write(folder, "random.xlsx", xlsx_bytes({"organisations": table or [[None]]}))
    before = fingerprint(bundled_store)
    with contextlib.suppress(MspGraphError):
        import_sheets([path], store=bundled_store, dry_run=True, validate=False, vocab=vocab)
    assert fingerprint(bundled_store) == before


@SLOW_FUZZ
@given(
    member=st.integers(0, 20),
    where=st.floats(0, 1),
    patch=st.binary(min_size=1, max_size=8),
    cut=st.integers(0, 4),
)
def test_importing_a_damaged_workbook_raises_only_package_errors(
    folder, bundled_store, vocab, member, where, patch, cut
):
    """A workbook with a few bytes of one zip member overwritten (or the file cut short)."""
    data = damage_member(organisations_xlsx(), member, where, patch)
    if cut == 0:
        data = data[: int(where * len(data))]
    path = _write(folder, "damaged.xlsx", data)
    before = fingerprint(bundled_store)
    with contextlib.suppress(MspGraphError):
        import_sheets([path], store=bundled_store, dry_run=True, validate=False, vocab=vocab)
    assert fingerprint(bundled_store) == before


# --- queries ------------------------------------------------------------------------------------------

WITH_PARAMS = sorted(q.name for q in msp_graph.list_queries() if q.params)


@FUZZ
@given(name=st.sampled_from(WITH_PARAMS), data=st.data())
def test_named_queries_with_random_parameters_raise_only_package_errors(bundled_store, name, data):
    query = msp_graph.get_query(name)
    known = [p.name for p in query.params]
    names = data.draw(
        st.lists(
            st.one_of(st.sampled_from(known), st.sampled_from(["", "x", "1", "a b"])), max_size=3, unique=True
        )
    )
    params = {param: data.draw(param_values, label=param) for param in names}
    before = fingerprint(bundled_store)
    with contextlib.suppress(MspGraphError):
        msp_graph.run_query(bundled_store, query, params=params)
    assert fingerprint(bundled_store) == before


@FUZZ
@given(text=sparql_text())
def test_ad_hoc_sparql_fragments_raise_only_package_errors_and_never_write(tiny_store, text):
    before = fingerprint(tiny_store)
    with contextlib.suppress(MspGraphError):
        msp_graph.run_query(tiny_store, text)
    assert fingerprint(tiny_store) == before


@FUZZ
@given(text=st.text(max_size=200))
def test_ad_hoc_random_text_raises_only_package_errors(tiny_store, text):
    with contextlib.suppress(MspGraphError):
        msp_graph.run_query(tiny_store, text)


# --- through the command line (a few examples: each is a process) ---------------------------------------


@pytest.fixture(scope="module")
def cli_store(folder):
    """A store on disk (ontology, vocabularies, the small fixture) that each example copies."""
    from msp_graph.loading import open_workspace

    path = folder / "cli-store"
    open_workspace(path, [SMALL_TTL]).close()
    return path


def _assert_contract(command: str, code, stdout: bytes, stderr: bytes) -> str:
    category, detail = classify(
        command, code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
    )
    assert category in ("ok", "clean2"), f"{category}: {detail}\n{stderr.decode('utf-8', 'replace')[-2000:]}"
    return category


@CLI_FUZZ
@given(document=mutated_rdf())
def test_command_line_load_of_a_damaged_file(folder, cli_store, document):
    suffix, data = document
    path = _write(folder, f"damaged.{suffix}", data)
    store = path.parent / "store"
    shutil.copytree(cli_store, store)
    before = store_fingerprint(store)
    code, out, err = run_cli(["load", str(path), "--store", str(store)], cwd=path.parent, timeout=60)
    if _assert_contract("load", code, out, err) != "ok":
        assert store_fingerprint(store) == before


@CLI_FUZZ
@given(name=st.sampled_from(WITH_PARAMS), value=param_values)
def test_command_line_query_with_a_random_parameter(folder, name, value):
    param = msp_graph.get_query(name).params[0].name
    argv = ["query", name, "-p", f"{param}={value.replace(chr(0), '')}"]  # argv cannot hold a NUL
    code, out, err = run_cli(argv, cwd=folder, timeout=60)
    _assert_contract("query", code, out, err)


def test_the_profile_is_bounded_and_reproducible_in_ci():
    profile = settings.get_profile("msp-graph-fuzz")
    assert (profile.max_examples, profile.deadline, profile.database) == (EXAMPLES, None, None)
    assert profile.derandomize is CI
    assert CLI_FUZZ.max_examples <= SLOW_FUZZ.max_examples <= profile.max_examples
