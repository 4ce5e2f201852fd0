"""Queries and updates against hostile input (issue 14): no network surprises, check first then write, one
clear line for every bad file, text or parameter, and no crash of the SPARQL engine.

The network tests use a loopback server that accepts connections and never answers (what a firewalled or
stuck internal address does); it counts the connections it accepted. Every command runs as a subprocess with
a time-out, and every API call that could hang runs in a thread with one: a hang fails the test, it never
stalls the suite.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import msp_graph
from msp_graph.errors import LoadError, MspGraphError, QueryError
from msp_graph.loading import load_bundled, load_files
from msp_graph.queries import (
    MAX_DEPTH,
    MAX_TOKENS,
    NETWORK_KEYWORDS,
    check_sparql,
    get_query,
    list_queries,
    parse_query_file,
    prepare_query,
    read_sparql_file,
    run_query,
    run_update,
)
from msp_graph.sparql_text import keyword_offsets, shape
from msp_graph.stores import EmbeddedStore

SMALL = b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n"
OTHER = b"<https://example.org/x> <https://example.org/y> <https://example.org/z> .\n"
HUNG = 60  # seconds: far more than any of these commands needs; reaching it means a hang


# --- helpers ---------------------------------------------------------------------------------------------


class SilentServer:
    """A loopback TCP server that accepts connections and never answers; ``accepted`` counts them."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/sparql"
        self.connections: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def accepted(self) -> int:
        return len(self.connections)

    def _accept(self) -> None:
        while not self.stopped.is_set():
            with contextlib.suppress(OSError):
                connection, _ = self.socket.accept()
                self.connections.append(connection)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        for connection in [*self.connections, self.socket]:
            with contextlib.suppress(OSError):
                connection.close()


@pytest.fixture
def server():
    silent = SilentServer()
    yield silent
    silent.close()


def bounded(call, seconds: float = HUNG):
    """``call()`` in a thread: its result, its exception raised here, or a failure if it hangs."""
    box: dict = {}

    def work():
        try:
            box["value"] = call()
        except BaseException as error:
            box["error"] = error

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"still running after {seconds} s: a hang")
    if "error" in box:
        raise box["error"]
    return box["value"]


def cli(*args: str | bytes | Path, env: dict[str, str] | None = None, cwd: Path | None = None):
    """``python -m msp_graph.cli ARGS``: (exit code, stdout, stderr); a hang fails the test."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MSP_GRAPH_")} | (env or {})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "msp_graph.cli", *(a if isinstance(a, bytes) else str(a) for a in args)],
            capture_output=True,
            env=environment,
            cwd=cwd,
            timeout=HUNG,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"msp-graph {' '.join(map(str, args))[:200]}: still running after {HUNG} s: a hang")
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def one_line(result, *fragments: str) -> str:
    """The contract for bad input: exit 2, one line ``msp-graph: error: ...`` on stderr, nothing on stdout."""
    code, stdout, stderr = result
    assert code == 2, (code, stdout, stderr[-2000:])
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("msp-graph: error: "), stderr[-2000:]
    assert "Traceback" not in stderr and stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def fingerprint(store_dir: Path) -> dict[str, int]:
    """Graphs and their sizes, and the total, read through the API after the command has exited."""
    with EmbeddedStore(store_dir) as store:
        return {"*": store.count(), **{graph: store.count(graph) for graph in store.graphs()}}


def clean_message(error: Exception) -> str:
    message = str(error)
    assert "\n" not in message and len(message) < 800, message[:2000]
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in message), repr(message[:300])
    return message


@pytest.fixture(scope="module")
def template_store(tmp_path_factory) -> Path:
    """A store on disk with the ontology, vocabularies and one small data file (copied by each test)."""
    folder = tmp_path_factory.mktemp("template")
    data = folder / "small.nt"
    data.write_bytes(SMALL)
    with EmbeddedStore(folder / "store") as store:
        load_bundled(store, data=False)
        load_files(store, [data])
    return folder / "store"


@pytest.fixture
def store_dir(template_store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(template_store, target)
    return target


@pytest.fixture
def small_store() -> EmbeddedStore:
    store = EmbeddedStore()
    store.load(SMALL, graph="https://example.org/g", format="nt")
    return store


def service_query(url: str, *, silent: bool = False) -> str:
    return f"SELECT * WHERE {{ SERVICE {'SILENT ' if silent else ''}<{url}> {{ ?s ?p ?o }} }} LIMIT 1"


# --- 1. no network surprises -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "select * {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?a ?b ?c.SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "# a comment\nASK {{\n  SeRvIcE#x\n<{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_service_in_an_ad_hoc_query_is_refused_without_allow_network(server, small_store, template):
    """Was: Oxigraph called the URL itself, with no time-out (any address, internal ones included)."""
    text = template.format(url=server.url)
    with pytest.raises(QueryError) as error:
        bounded(lambda: run_query(small_store, text))
    message = clean_message(error.value)
    assert "SERVICE" in message and "--allow-network" in message and "allow_network=True" in message
    assert server.accepted == 0


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?service WHERE { ?service ?p ?o }",
        'SELECT * WHERE { ?s ?p ?o FILTER (?o != "SERVICE <http://10.0.0.1/>") }',
        "SELECT * WHERE { ?s <urn:SERVICE> ?o } # SERVICE <http://10.0.0.1/> { }",
        "PREFIX service: <urn:x#> SELECT * WHERE { ?s service:load ?o }",
    ],
)
def test_service_in_strings_comments_iris_and_names_is_not_the_keyword(small_store, text):
    assert run_query(small_store, text).kind == "select"


def test_an_allowed_service_gives_up_after_the_network_timeout(server, small_store, monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_NETWORK_TIMEOUT", "1")
    with pytest.raises(QueryError, match=r"^query: the network call .* did not finish within 1 s") as error:
        bounded(lambda: run_query(small_store, service_query(server.url), allow_network=True), 30)
    clean_message(error.value)
    assert server.accepted == 1


def test_an_allowed_service_is_checked_without_calling_it(server, monkeypatch):
    """Oxigraph calls a SERVICE as soon as it plans a query: the syntax check must not plan the call."""
    monkeypatch.delenv("MSP_GRAPH_NETWORK_TIMEOUT", raising=False)
    text = f"SELECT * WHERE {{\n  SERVICE SILENT <{server.url}> {{ ?s ?p ?o }} }}"
    prepared = bounded(lambda: prepare_query(text, allow_network=True), 30)
    assert prepared.deadline == 30.0 and "SERVICE SILENT" in prepared.text
    with pytest.raises(QueryError, match=r"^query:2:\d+: SPARQL syntax error"):
        bounded(lambda: prepare_query(text.replace("?o }", "}"), allow_network=True), 30)
    assert server.accepted == 0


def test_a_bad_network_timeout_is_one_error_before_any_connection(server, small_store, monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_NETWORK_TIMEOUT", "nan")
    with pytest.raises(MspGraphError, match="MSP_GRAPH_NETWORK_TIMEOUT"):
        bounded(lambda: run_query(small_store, service_query(server.url), allow_network=True), 30)
    assert server.accepted == 0


@pytest.mark.parametrize("how", ["-e", "--file", "silent"])
def test_command_line_query_refuses_service(server, tmp_path, how):
    text = service_query(server.url, silent=how == "silent")
    if how == "--file":
        (tmp_path / "remote.rq").write_text(text, encoding="utf-8")
        result = cli("query", "--file", tmp_path / "remote.rq", cwd=tmp_path)
        where = "remote.rq:1:18"
    else:
        result = cli("query", "-e", text, cwd=tmp_path)
        where = "query:1:18"
    one_line(result, where, "SERVICE", "--allow-network")
    assert server.accepted == 0


def test_command_line_query_with_allow_network_is_bounded(server, tmp_path):
    result = cli(
        "query", "--allow-network", "-e", service_query(server.url), env={"MSP_GRAPH_NETWORK_TIMEOUT": "1"}
    )
    one_line(result, "did not finish within 1 s", "MSP_GRAPH_NETWORK_TIMEOUT")
    assert server.accepted == 1


@pytest.mark.parametrize(
    "template",
    [
        "LOAD <{url}> INTO GRAPH <https://example.org/g>",
        "load silent <{url}>",
        "INSERT {{ GRAPH <urn:g> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_command_line_update_refuses_load_and_service(server, store_dir, template):
    """Was: ``LOAD <url>`` and SERVICE in an update reached any URL with no time-out."""
    before = fingerprint(store_dir)
    result = cli("update", template.format(url=server.url), "--store", store_dir)
    line = one_line(result, "--allow-network")
    assert "LOAD" in line or "SERVICE" in line
    assert server.accepted == 0
    assert fingerprint(store_dir) == before


def test_command_line_update_with_allow_network_is_bounded_and_changes_nothing(server, store_dir):
    before = fingerprint(store_dir)
    update = (
        f"INSERT DATA {{ <urn:a> <urn:b> <urn:c> }} ; LOAD <{server.url}> INTO GRAPH <https://example.org/g>"
    )
    result = cli(
        "update", "--allow-network", update, "--store", store_dir, env={"MSP_GRAPH_NETWORK_TIMEOUT": "1"}
    )
    one_line(result, "did not finish within 1 s")
    assert server.accepted == 1
    assert fingerprint(store_dir) == before


def test_the_api_update_refuses_load_without_allow_network(server, small_store):
    with pytest.raises(QueryError, match=r"^update:1:1: LOAD fetches the URL"):
        bounded(lambda: run_update(small_store, f"LOAD <{server.url}>"))
    assert server.accepted == 0 and small_store.count() == 1


def test_named_queries_never_call_the_network():
    for query in list_queries():
        for word in NETWORK_KEYWORDS:
            assert keyword_offsets(query.text, word) == [], f"{query.name} uses {word}"
        check_sparql(query.text, where=query.name)  # passes without allow_network


def test_the_scanner_finds_network_keywords_only_as_keywords():
    text = (
        '# SERVICE in a comment\nPREFIX load: <urn:x#>\nSELECT ?service ?load WHERE { ?s load:x "LOAD" ;'
        " <urn:SERVICE> ?o . ?o ex:my-service ?service ; ex:a.b _:service } # LOAD\n"
    )
    assert shape(text, NETWORK_KEYWORDS).keywords == {}
    assert shape("LOAD<http://x/>", NETWORK_KEYWORDS).keywords == {"LOAD": 0}
    assert shape("{ }Service Silent ?x {}", ["SERVICE"]).keywords == {"SERVICE": 3}


# --- 2. check first, then write ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["query", "alliances-by-level", "{file}", "-f", "bogus"],
        ["query", "alliances-by-level", "{file}", "-f", "turtle"],
        ["query", "alliances-by-level", "{file}", "-p", "nosuch=1"],
        ["query", "alliances-by-level", "{file}", "-p", "level=no such level"],
        ["query", "alliances-by-level", "{file}", "-o", "{missing}/out.csv"],
        ["query", "{file}", "-e", "SELECT * WHERE { ?s ?p }"],
        ["query", "{file}", "-e", "SELECT * WHERE { ?s nope:p ?o }"],
        ["query", "{file}", "-e", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"],
        ["query", "no-such-query", "{file}"],
    ],
    ids=["format", "format-for-select", "param-name", "param-value", "output-folder", "syntax", "prefix",
         "service", "query-name"],
)  # fmt: skip
def test_a_bad_argument_changes_nothing_in_the_store(store_dir, tmp_path, args):
    """Was: ``query FILE --store S -f bogus`` (or a bad -p, a malformed query) loaded FILE into S, then
    exited 2."""
    other = tmp_path / "other.nt"
    other.write_bytes(OTHER)
    before = fingerprint(store_dir)
    filled = [a.replace("{file}", str(other)).replace("{missing}", str(tmp_path / "missing")) for a in args]
    one_line(cli(*filled, "--store", store_dir))
    assert fingerprint(store_dir) == before


def test_prepare_checks_without_a_store():
    prepared = prepare_query(get_query("alliances-by-level"), params={"level": "level:global"})
    assert prepared.form == "select" and "VALUES (?level)" in prepared.text
    assert prepared.check_format("CSV") == "csv"
    with pytest.raises(QueryError, match="format 'nt' does not fit SELECT results"):
        prepared.check_format("nt")


# --- 3. update files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        ("latin1.ru", b'INSERT DATA { <urn:a> <urn:b> "caf\xe9" }', ["latin1.ru:1:35:", "not UTF-8"]),
        ("folder.ru", None, ["folder.ru", "is a directory"]),
        ("empty.ru", b"", ["empty.ru", "empty"]),
        ("comments.ru", b"# nothing to do\n\n", ["comments.ru", "empty"]),
        ("syntax.ru", b"INSERT DATA {\n <urn:a> <urn:b> }", ["syntax.ru:2:", "SPARQL syntax error"]),
        ("query.ru", b"\nSELECT * { ?s ?p ?o }", ["query.ru:2:1:", "this is a query"]),
        ("fifo.ru", "fifo", ["fifo.ru", "not a regular file"]),
        ("deep.ru", b"DELETE WHERE " + b"{" * 100_000 + b"}" * 100_000, ["deep.ru:1:", "nest more than"]),
    ],
)
def test_a_bad_update_file_is_one_line_naming_it_and_changes_nothing(
    store_dir, tmp_path, name, content, fragments
):
    """Was: a non-UTF-8 file printed a traceback (exit 1); a folder, an empty file, a syntax error did not
    name the file, or ran."""
    path = tmp_path / name
    if content is None:
        path.mkdir()
    elif content == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(content)
    before = fingerprint(store_dir)
    one_line(cli("update", path, "--store", store_dir), *fragments)
    assert fingerprint(store_dir) == before


def test_an_update_file_over_the_file_limit_is_refused_before_it_is_read(store_dir, tmp_path):
    path = tmp_path / "big.ru"
    path.write_bytes(b"INSERT DATA { <urn:a> <urn:b> <urn:c> }" + b" " * 200)
    before = fingerprint(store_dir)
    result = cli("update", path, "--store", store_dir, env={"MSP_GRAPH_MAX_FILE_BYTES": "100"})
    one_line(result, "big.ru", "larger than 100 bytes", "MSP_GRAPH_MAX_FILE_BYTES")
    assert fingerprint(store_dir) == before


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> }",
        "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 1 } } ; DROP GRAPH <urn:none>",
        "/no/such/file.ru",
    ],
)
def test_a_failing_update_text_is_one_line_and_changes_nothing(store_dir, update):
    before = fingerprint(store_dir)
    one_line(cli("update", update, "--store", store_dir))
    assert fingerprint(store_dir) == before


def test_a_good_update_file_still_runs(store_dir, tmp_path):
    path = tmp_path / "add.ru"
    path.write_text("INSERT DATA { GRAPH <https://example.org/g> { <urn:a> <urn:b> <urn:c> } }\n")
    code, _, stderr = cli("update", path, "--store", store_dir)
    assert code == 0, stderr
    assert fingerprint(store_dir)["https://example.org/g"] == 1


def test_read_sparql_file_raises_the_error_asked_for(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        read_sparql_file(tmp_path / "none.ru", what="update", error=LoadError)


# --- 4. hostile parameters and names through the API ------------------------------------------------------


HOSTILE_PARAMS = {
    "int": {"min_shared": 5},
    "none": {"min_shared": None},
    "float": {"min_shared": 1.5},
    "bytes": {"partner": b"organisation:ilo"},
    "list": {"partner": ["organisation:ilo"]},
    "ten-megabytes": {"partner": "x" * 10_000_000},
    "nul": {"partner": "urn:a\x00b"},
    "angle": {"partner": "<urn:a>b>"},
    "quote": {"partner": 'urn:a"b'},
    "control": {"partner": "https://example.org/\x1b[31m"},
    "undeclared": {"nosuch": "1"},
    "name-none": {None: "1"},
    "name-int": {1: "1"},
    "name-empty": {"": "1"},
    "name-huge": {"p" * 1_000_000: "1"},
    "surrogate": {"partner": "urn:a\udcff"},
    "params-str": "partner=organisation:ilo",
    "params-list": [("partner", "organisation:ilo")],
}


@pytest.mark.parametrize("params", HOSTILE_PARAMS.values(), ids=HOSTILE_PARAMS.keys())
def test_hostile_parameters_are_one_query_error(small_store, params):
    """Was: AttributeError / TypeError / ValueError from inside, or a message 10 MB long or holding NUL."""
    query = get_query("partners-sharing-alliances")
    with pytest.raises(QueryError) as error:
        run_query(small_store, query, params=params)
    clean_message(error.value)
    assert small_store.count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "../queries/alliances-by-level",
        "/etc/passwd",
        str(Path(msp_graph.__file__).resolve().parents[1] / "queries" / "alliances-by-level.rq"),
        "alliances-by-level/../../etc/passwd",
        "x" * 1000,
        "a\x00b",
        None,
        5,
        b"alliances-by-level",
    ],
    ids=["dotdot", "absolute", "absolute-real", "inner-dotdot", "long", "nul", "none", "int", "bytes"],
)
def test_a_query_name_is_never_a_path(name):
    with pytest.raises(QueryError, match="query") as error:
        get_query(name)
    clean_message(error.value)


@pytest.mark.parametrize("query", [None, b"SELECT * WHERE { }", 5, ["SELECT * WHERE { }"]])
def test_a_query_that_is_not_text_is_one_query_error(small_store, query):
    with pytest.raises(QueryError, match="SPARQL text or a NamedQuery"):
        run_query(small_store, query)
    with pytest.raises(QueryError, match="must be SPARQL text"):
        run_update(small_store, query)


# --- 5. texts that would crash or exhaust the engine -----------------------------------------------------

CRASHERS = {
    "nested-groups": ("query", "SELECT * WHERE " + "{" * 100_000 + "}" * 100_000),
    "nested-collections": ("query", "SELECT * WHERE { ?s ?p " + "(" * 10_000 + "?o" + ")" * 10_000 + " }"),
    "nested-if": ("query", "SELECT * WHERE { BIND(" + "IF(true," * 5_000 + "1" + ",2)" * 5_000 + " AS ?x) }"),
    "negations": ("query", "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 100_000 + "?o) }"),
    "conjunction": ("query", "SELECT * WHERE { ?s ?p ?o FILTER(" + "&&".join(["?o"] * 30_000) + ") }"),
    "unions": ("query", "SELECT * WHERE { " + "UNION".join(["{}"] * 30_000) + " }"),
    "triple-patterns": ("query", "SELECT * WHERE { " + "<urn:a> <urn:b> <urn:c> ." * 30_000 + " }"),
    "update-nested": ("update", "DELETE WHERE " + "{" * 100_000 + "}" * 100_000),
    "update-conjunction": (
        "update",
        "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(" + "&&".join(["?o"] * 30_000) + ") }",
    ),
}
_CRASH_SCRIPT = """
import sys
from msp_graph.errors import QueryError
from msp_graph.queries import run_query, run_update
from msp_graph.stores import EmbeddedStore
kind, text = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
try:
    (run_update if kind == "update" else run_query)(EmbeddedStore(), text)
except QueryError as error:
    print("refused:", str(error)[:300])
else:
    print("ran")
"""


@pytest.mark.parametrize(("kind", "text"), CRASHERS.values(), ids=CRASHERS.keys())
def test_texts_that_overflow_the_engine_stack_are_refused_not_crashed(tmp_path, kind, text):
    """Was: a segmentation fault (Oxigraph parses and plans recursively): no message, the process gone.
    Each runs in its own process, so a crash fails the case and not the suite."""
    path = tmp_path / "text.rq"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _CRASH_SCRIPT, kind, str(path)], capture_output=True, text=True, timeout=HUNG
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.startswith("refused:"), done.stdout
    assert f"more than {MAX_DEPTH} deep" in done.stdout or f"more than {MAX_TOKENS:,}" in done.stdout


def test_long_data_blocks_are_not_counted_against_the_bound(small_store):
    values = " ".join(f'"v{i}"' for i in range(3 * MAX_TOKENS))
    assert len(run_query(small_store, f"SELECT ?v WHERE {{ VALUES ?v {{ {values} }} }}")) == 3 * MAX_TOKENS
    data = " ".join(f"<urn:s{i}> <urn:p> {i} ." for i in range(MAX_TOKENS))
    run_update(small_store, f"INSERT DATA {{ GRAPH <urn:g> {{ {data} }} }}")
    assert small_store.count("urn:g") == MAX_TOKENS


def test_a_fifty_megabyte_query_is_refused_at_once(tmp_path, small_store):
    text = 'SELECT ("' + "x" * 50_000_000 + '" AS ?x) WHERE { }'
    with pytest.raises(QueryError, match=r"^query: the query is larger than 16,777,216 bytes"):
        bounded(lambda: run_query(small_store, text), 30)
    path = tmp_path / "big.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QueryError, match=r"big\.rq: the query is larger than"):
        parse_query_file(path)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("SELECT * WHERE { ?s ?p ?o }\x00", "query:1:29: SPARQL syntax error"),
        ("SELECT * WHERE {\n ?s ?p '\udcff' }", "query:2:9: the query is not valid text"),
    ],
)
def test_nul_and_undecodable_text_are_one_query_error(small_store, text, fragment):
    with pytest.raises(QueryError) as error:
        run_query(small_store, text)
    assert clean_message(error.value).startswith(fragment)


def test_a_query_file_that_is_not_utf8_names_the_line_and_column(tmp_path):
    path = tmp_path / "bad.rq"
    path.write_bytes(b"SELECT * {\n ?s ?p '\xc3\x28' }")
    with pytest.raises(QueryError, match=r"bad\.rq:2:9: not UTF-8 \(byte 0xc3\)"):
        parse_query_file(path)


@pytest.mark.parametrize("source", ["/dev/zero", "fifo", "folder"])
def test_a_query_file_that_is_not_a_regular_file_is_refused_without_blocking(tmp_path, source):
    """Was: ``--file /dev/zero`` read without end, ``--file FIFO`` waited for a writer for ever."""
    path = Path(source)
    if source == "fifo":
        path = tmp_path / "query.rq"
        os.mkfifo(path)
    elif source == "folder":
        path = tmp_path / "folder.rq"
        path.mkdir()
    one_line(cli("query", "--file", path, cwd=tmp_path), str(path))


def test_command_line_text_with_bytes_that_are_not_utf8_is_one_line(tmp_path):
    one_line(cli("query", "-e", b'SELECT * WHERE { ?s ?p "\xff" }', cwd=tmp_path))
