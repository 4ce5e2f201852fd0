"""``msp-graph publish``: the server's pages, data documents and descriptions as a static site with relative
links, reproducible to the byte, written atomically; the w3id redirect rules (``.htaccess``) applied to
sample requests by a small mod_rewrite evaluator; the validation and ontology pages (server and site); the
licence files."""

from __future__ import annotations

import html.parser
import http.client
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urldefrag

import pyoxigraph as ox
import pytest

pytest.importorskip("starlette")
from cli_runs import one_line_error, run
from starlette.testclient import TestClient

from msp_graph.errors import MspGraphError
from msp_graph.resources import bundled_dir
from msp_graph.serve import create_app
from msp_graph.serve import publish as site

REPO = Path(__file__).resolve().parent.parent
BASE = "https://example.org/msp/"
ID = "https://w3id.org/msp/id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
VOID = "http://rdfs.org/ns/void#"


@pytest.fixture(scope="module")
def published(bundled, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("publish") / "site"
    site.publish(bundled[0], bundled[1], site.checked_target(target, False), base_url=BASE)
    return target


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def main_text(page: str) -> str:
    """The visible text of a page's <main> (the header's links differ between server and site)."""
    main = page[page.index("<main>") : page.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.replace("&#39;", "'"))).strip()


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("href", "src", "action") and value]


# --- the site -------------------------------------------------------------------------------------------


def test_the_site_holds_pages_data_dumps_descriptions_and_ontology(published):
    names = set(files_of(published))
    expected = {
        "index.html",
        "index.fr.html",
        "index.es.html",
        "validation.html",
        "page/partnership/alliance-8-7.html",
        "page/partnership/alliance-8-7.fr.html",
        "page/partnership/alliance-8-7.es.html",
        "page/organisation/ilo.html",
        *(f"data/partnership/alliance-8-7.{ext}" for ext in ("ttl", "jsonld", "nt", "rdf")),
        *(f"data/organisation/ilo.{ext}" for ext in ("ttl", "jsonld", "nt", "rdf")),
        "data/msp.trig",
        "data/msp.nq",
        ".well-known/void",
        "void.ttl",
        "context.jsonld",
        "ontology/index.html",
        "ontology/msp.ttl",
        "ontology/msp.owl",
        "LICENSE-DATA.txt",
        ".htaccess",
        site.MARKER,
    }
    assert expected <= names
    partnerships = {n for n in names if n.startswith("page/partnership/") and n.count(".") == 1}
    organisations = {n for n in names if n.startswith("page/organisation/") and n.count(".") == 1}
    assert (len(partnerships), len(organisations)) == (14, 119)


def test_pages_and_data_are_the_servers(client, published):
    for path in ("partnership/alliance-8-7", "organisation/ilo"):
        served = client.get(f"/page/{path}", params={"lang": "fr"}).text
        assert main_text((published / f"page/{path}.fr.html").read_text()) == main_text(served)
        for ext in ("ttl", "jsonld", "nt", "rdf"):
            assert (published / f"data/{path}.{ext}").read_bytes() == client.get(
                f"/data/{path}.{ext}"
            ).content
    assert (published / "context.jsonld").read_bytes() == client.get("/context.jsonld").content
    for name in ("msp.ttl", "msp.owl"):
        assert (published / "ontology" / name).read_bytes() == client.get(f"/ontology/{name}").content
    assert client.get("/ontology/other.ttl").status_code == 404
    assert main_text((published / "validation.html").read_text()) == main_text(client.get("/validation").text)
    assert main_text((published / "ontology/index.es.html").read_text()) == main_text(
        client.get("/ontology", params={"lang": "es"}).text
    )


def test_every_link_is_relative_and_leads_to_a_file(published):
    pages = sorted(published.rglob("*.html"))
    assert len(pages) > 400
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            if link.startswith(("https://", "http://")):
                continue
            assert not link.startswith("/"), (page, link)  # works under any base path
            target, fragment = urldefrag(link)
            if target:
                assert (page.parent / target).resolve().is_file(), (page, link)
            if fragment:
                assert f'id="{fragment}"' in (page.parent / (target or page.name)).read_text(), (page, link)


def test_the_dumps_hold_the_whole_dataset(bundled, published):
    """Every graph of the store, as ``msp-graph export -f nquads`` writes it (the metadata graph without
    load times, so the bytes do not change from one run to the next)."""
    store = bundled[0]
    quads = list(ox.parse(path=published / "data/msp.nq", format=ox.RdfFormat.N_QUADS))
    trig = list(ox.parse(path=published / "data/msp.trig", format=ox.RdfFormat.TRIG))
    assert len(quads) == len(trig)
    ground = {q for q in quads if not any(isinstance(x, ox.BlankNode) for x in (q.subject, q.object))}
    assert ground == {q for q in trig if not any(isinstance(x, ox.BlankNode) for x in (q.subject, q.object))}
    for graph in store.graphs():
        if not graph.endswith("/graph/metadata"):
            assert sum(q.graph_name.value == graph for q in quads) == store.count(graph), graph
    assert b"generatedAtTime" not in (published / "data/msp.nq").read_bytes()


def test_void_names_the_dumps_and_both_licences_without_an_endpoint(published):
    assert (published / ".well-known/void").read_bytes() == (published / "void.ttl").read_bytes()
    triples = {
        (t.subject.value, t.predicate.value, t.object.value)
        for t in ox.parse(path=published / "void.ttl", format=ox.RdfFormat.TURTLE)
    }
    dataset = "https://w3id.org/msp/dataset"
    assert (dataset, VOID + "dataDump", BASE + "data/msp.trig") in triples
    assert (dataset, VOID + "dataDump", BASE + "data/msp.nq") in triples
    assert (
        BASE + "data/msp.nq",
        "http://purl.org/dc/terms/license",
        site.void_statements.__globals__["DATA_LICENCE"],
    ) in triples
    assert not any(p == VOID + "sparqlEndpoint" for _, p, _ in triples)
    rights = [o for s, p, o in triples if p == "http://purl.org/dc/terms/rights"]
    assert len(rights) == 1 and "CC BY 4.0" in rights[0] and "MIT" in rights[0]


def test_the_server_void_names_both_licences(client):
    body = client.get("/.well-known/void").content
    rights = [
        t.object.value
        for t in ox.parse(body, format=ox.RdfFormat.TURTLE)
        if t.predicate.value.endswith("rights")
    ]
    assert len(rights) == 1 and "https://opensource.org/license/mit" in rights[0]


def test_the_ontology_files_are_the_bundled_ontology(published):
    source = bundled_dir("ontology") / "msp.ttl"
    assert (published / "ontology/msp.ttl").read_bytes() == source.read_bytes()
    owl = set(ox.parse(path=published / "ontology/msp.owl", format=ox.RdfFormat.RDF_XML))
    ttl = set(ox.parse(path=source, format=ox.RdfFormat.TURTLE))
    assert len(owl) == len(ttl)
    assert {t for t in owl if isinstance(t.subject, ox.NamedNode)} == {
        t for t in ttl if isinstance(t.subject, ox.NamedNode) and not isinstance(t.object, ox.BlankNode)
    } | {t for t in owl if isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.BlankNode)}


def test_the_data_licence_notice_is_bundled_and_published(published):
    notice = (REPO / "data" / "LICENSE").read_bytes()
    assert (published / "LICENSE-DATA.txt").read_bytes() == notice
    assert b"https://creativecommons.org/licenses/by/4.0/" in notice and b"msp-graph contributors" in notice
    code = (REPO / "LICENSE").read_text()
    assert code.startswith("MIT License") and "msp-graph contributors" in code
    assert re.search(r'^license = "MIT"$', (REPO / "pyproject.toml").read_text(), re.M)
    assert re.search(r'^"data" = "msp_graph/_bundled/data"$', (REPO / "pyproject.toml").read_text(), re.M)


# --- reproducible, atomic, careful with the user's folders ----------------------------------------------


def _inputs(folder: Path) -> list[Path]:
    folder.mkdir()
    out = []
    for name in ("partnerships/better-work.ttl", "organisations.ttl"):
        out.append(folder / Path(name).name)
        shutil.copyfile(REPO / "data" / name, out[-1])
    return out


def test_same_data_gives_the_same_bytes_wherever_it_lies(tmp_path):
    sites = []
    for name in ("a", "b"):
        sites.append(tmp_path / f"site-{name}")
        result = run("publish", sites[-1], *_inputs(tmp_path / f"in-{name}"), "--base-url", BASE)
        assert result.exit_code == 0, result.stderr
    first, second = files_of(sites[0]), files_of(sites[1])
    assert len(first) > 20 and first == second
    for body in first.values():
        assert str(tmp_path).encode() not in body and b"file:" not in body
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in-a", "in-b", "site-a", "site-b"]  # no leftovers


def test_an_earlier_output_is_replaced_only_with_force(tmp_path):
    inputs = _inputs(tmp_path / "in")
    target = tmp_path / "site"
    assert run("publish", target, *inputs).exit_code == 0
    (target / "stale.html").write_text("old")
    one_line_error(run("publish", target, *inputs), str(target), "--force")
    assert (target / "stale.html").exists()
    assert run("publish", target, *inputs, "--force").exit_code == 0
    assert not (target / "stale.html").exists() and (target / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "site"]


def test_a_users_folder_is_never_replaced(tmp_path):
    inputs = _inputs(tmp_path / "in")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    for extra in ((), ("--force",)):
        one_line_error(run("publish", mine, *inputs, *extra), str(mine), "not an msp-graph publish output")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("publish", empty, *inputs).exit_code == 0 and (empty / "index.html").is_file()


def test_a_failure_while_writing_leaves_the_earlier_output(bundled, tmp_path, monkeypatch):
    target = tmp_path / "site"
    site.publish(bundled[0], bundled[1], site.checked_target(target, False))
    before = files_of(target)

    def broken(*_):
        raise OSError("disk full")

    monkeypatch.setattr(site, "_ontology", broken)
    with pytest.raises(MspGraphError, match=r"could not write the site \(disk full\)"):
        site.publish(bundled[0], bundled[1], site.checked_target(target, True), base_url=BASE)
    assert files_of(target) == before and [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        (("<<dir>>/a-file",), "is not a folder"),
        (("<<dir>>/missing/site",), "does not exist"),
        (("<<dir>>/site", "<<dir>>/no-such.ttl"), "no-such.ttl"),
        (("<<dir>>/site", "--endpoint", "http://127.0.0.1:9/sparql"), "--endpoint"),
    ],
)
def test_bad_targets_and_inputs_are_one_line_and_change_nothing(tmp_path, given, fragment):
    (tmp_path / "a-file").write_text("x")
    args = [a.replace("<<dir>>", str(tmp_path)) for a in given]
    one_line_error(run("publish", *args), fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_publish_without_the_extra_names_it(tmp_path):
    probe = (
        "import sys; sys.modules['uvicorn'] = None;"
        f"sys.argv = ['msp-graph', 'publish', {str(tmp_path / 'site')!r}];"
        "from msp_graph.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "msp-graph: error: publish: the serve extra (Starlette, uvicorn, Jinja2) is not installed; "
        "pip install 'msp-graph[serve]'"
    ]


# --- the w3id redirect rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/msp/",
        "example.org/msp/",
        "https://",
        "https:///msp/",
        "https://example.org/a b/",
        "https://example.org/$1/",
        "https://example.org/%24/",
        "https://example.org/msp/?q=1",
        "https://example.org/msp/#top",
        "https://user@example.org/msp/",
        "https://example.org/msp/\n[R=302]",
        "",
    ],
)
def test_a_bad_base_url_is_one_line(tmp_path, url):
    one_line_error(run("publish", tmp_path / "site", "--base-url", url), "--base-url")
    assert list(tmp_path.iterdir()) == []


def test_a_base_url_gets_its_final_slash():
    assert site.checked_base_url("https://example.org/msp") == "https://example.org/msp/"
    assert site.checked_base_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"


def rewrite(rules: str, path: str, accept: str, language: str = "") -> tuple[int, str] | None:
    """What Apache's mod_rewrite does with ``path`` (relative to the .htaccess folder, as in a per-directory
    context) for this ``Accept`` and ``Accept-Language``: the first rule whose pattern matches and whose
    RewriteConds all hold (status, target), or None. Handles what the rules use: RewriteCond on
    %{HTTP_ACCEPT} or %{HTTP:Accept-Language} with [NC], RewriteRule PATTERN SUBSTITUTION [R=code,L], $N
    back-references (an unmatched group gives nothing)."""
    headers = {"%{HTTP_ACCEPT}": accept, "%{HTTP:Accept-Language}": language}
    conditions: list[tuple[str, str, bool]] = []
    for line in rules.splitlines():
        words = line.split()
        if not words or words[0].startswith("#") or words[0] in ("Options", "RewriteEngine"):
            assert not words or words[0].startswith("#") or words[1:] in (["on"], ["+FollowSymLinks"])
            continue
        if words[0] == "RewriteCond":
            assert len(words) in (3, 4) and words[1] in headers, line
            conditions.append((words[1], words[2], words[3:] == ["[NC]"]))
            continue
        assert words[0] == "RewriteRule" and len(words) == 4, line
        pattern, target, flags = words[1:]
        status = re.fullmatch(r"\[R=(\d{3}),L\]", flags)
        assert status, line
        held = all(re.search(regex, headers[name], re.I if nc else 0) for name, regex, nc in conditions)
        conditions = []
        found = re.search(pattern, path)
        if found and held:
            return int(status.group(1)), found.expand(re.sub(r"\$(\d)", r"\\\1", target))
    return None


SAMPLES = [
    ("id/partnership/alliance-8-7", BROWSER, "page/partnership/alliance-8-7.html"),
    ("id/partnership/alliance-8-7", "", "page/partnership/alliance-8-7.html"),
    ("id/partnership/alliance-8-7", "text/turtle", "data/partnership/alliance-8-7.ttl"),
    ("id/partnership/alliance-8-7", "application/ld+json", "data/partnership/alliance-8-7.jsonld"),
    ("id/organisation/ilo", "application/n-triples", "data/organisation/ilo.nt"),
    ("id/organisation/ilo", "application/RDF+XML", "data/organisation/ilo.rdf"),
    ("id/organisation/ilo", "text/html;q=0.1, text/turtle", "data/organisation/ilo.ttl"),
    ("id/organisation/ilo", "application/json", "page/organisation/ilo.html"),
    ("ontology", BROWSER, "ontology/index.html"),
    ("ontology/", "", "ontology/index.html"),
    ("ontology", "text/turtle", "ontology/msp.ttl"),
    ("ontology", "application/rdf+xml", "ontology/msp.owl"),
    ("dataset", "text/turtle", "void.ttl"),
    ("vocab/policy-area/migration", BROWSER, "page/vocab/policy-area/migration.html"),
    ("vocab/policy-area/migration", "text/turtle", "data/vocab/policy-area/migration.ttl"),
    ("vocab/stakeholder-group/un", "application/rdf+xml", "data/vocab/stakeholder-group/un.rdf"),
    ("vocab/policy-area", "", "page/vocab/policy-area.html"),
    ("vocab/policy-area", "application/ld+json", "data/vocab/policy-area.jsonld"),
    ("vocab/level", "application/n-triples", "data/vocab/level.nt"),
]
# (IRI path, Accept, Accept-Language) -> the page in the language named first, else English.
LANGUAGE_SAMPLES = [
    (
        "id/partnership/alliance-8-7",
        BROWSER,
        "fr-CH, fr;q=0.9, en;q=0.8",
        "page/partnership/alliance-8-7.fr.html",
    ),
    ("id/organisation/ilo", "", "es", "page/organisation/ilo.es.html"),
    ("id/organisation/ilo", BROWSER, "ES-mx,en;q=0.5", "page/organisation/ilo.es.html"),
    ("id/organisation/ilo", BROWSER, "en-GB,en;q=0.9,fr;q=0.8", "page/organisation/ilo.html"),
    ("id/organisation/ilo", BROWSER, "de-DE, fr;q=0.5", "page/organisation/ilo.html"),
    ("id/organisation/ilo", BROWSER, "fry", "page/organisation/ilo.html"),
    ("id/organisation/ilo", "text/turtle", "fr", "data/organisation/ilo.ttl"),
    ("vocab/policy-area/migration", BROWSER, "fr", "page/vocab/policy-area/migration.fr.html"),
    ("vocab/policy-area", BROWSER, "es-ES", "page/vocab/policy-area.es.html"),
    ("ontology", BROWSER, "fr", "ontology/index.fr.html"),
    ("ontology", "application/rdf+xml", "es", "ontology/msp.owl"),
]


@pytest.mark.parametrize(("path", "accept", "expected"), SAMPLES)
def test_the_rules_send_each_iri_to_the_published_file(published, path, accept, expected):
    rules = (published / ".htaccess").read_text()
    assert rewrite(rules, path, accept) == (303, BASE + expected)
    assert (published / expected).is_file()


@pytest.mark.parametrize(("path", "accept", "language", "expected"), LANGUAGE_SAMPLES)
def test_the_rules_pick_the_page_language_by_accept_language(published, path, accept, language, expected):
    rules = (published / ".htaccess").read_text()
    assert rewrite(rules, path, accept, language) == (303, BASE + expected)
    assert (published / expected).is_file()


@pytest.mark.parametrize(
    "path",
    [
        *("id/partnership", "id/partnership/a/b", "id/Partnership/x", "id/partnership/.hidden", "page/x"),
        *("vocab", "vocab/", "vocab/a/b/c", "vocab/.x", "vocab/level/.hidden"),
    ],
)
def test_the_rules_leave_other_paths_alone(published, path):
    assert rewrite((published / ".htaccess").read_text(), path, "text/turtle") is None


def test_the_rules_are_written_only_with_a_base_url(bundled, tmp_path, published):
    rules = (published / ".htaccess").read_text()
    # id and vocab: 4 data types + 3 languages each; ontology: 2 files + 3 languages; dataset
    assert rules.count("RewriteRule") == 20 and rules.count("[R=303,L]") == 20
    assert all(BASE in line for line in rules.splitlines() if line.startswith("RewriteRule"))
    site.publish(bundled[0], bundled[1], site.checked_target(tmp_path / "site", False))
    assert not (tmp_path / "site" / ".htaccess").exists()


# --- validation and ontology pages ----------------------------------------------------------------------


def test_the_validation_page_is_the_text_report_with_links(bundled, client, published):
    report = bundled[1]
    page = client.get("/validation")
    assert page.status_code == 200
    text = main_text(page.text)
    lines = [line.strip() for line in report.render("text").splitlines() if line.startswith("  ")]
    assert lines and all(re.sub(r"\s+", " ", line) in text for line in lines)
    assert report.summary() in text
    failing = next(iri for iri in report.partnerships if iri not in report.meeting_composition)
    assert f'href="/id/{failing[len(ID) :]}?lang=en"' in page.text
    static = (published / "validation.html").read_text()
    assert f'href="page/{failing[len(ID) :]}.html"' in static


def test_the_validation_page_without_a_report(bundled):
    text = main_text(TestClient(create_app(bundled[0])).get("/validation").text)
    assert "No validation report" in text


def test_the_ontology_page_documents_every_class_and_property(client):
    page = client.get("/ontology", params={"lang": "fr"})
    assert page.status_code == 200
    source = list(ox.parse(path=bundled_dir("ontology") / "msp.ttl", format=ox.RdfFormat.TURTLE))
    owl = "http://www.w3.org/2002/07/owl#"
    kinds = {owl + k for k in ("Class", "ObjectProperty", "DatatypeProperty")}
    terms = {
        t.subject.value for t in source if t.predicate.value.endswith("#type") and t.object.value in kinds
    }
    terms = {t for t in terms if t.startswith("https://w3id.org/msp/ontology#")}
    assert len(terms) > 50
    for term in terms:
        assert f'id="{term.split("#")[1]}"' in page.text
    text = main_text(page.text)
    assert "Partenariat" in text and "Alianza" in text and "Partnership" in text
    assert "Domain" in text and "Range" in text and "org:OrganizationalCollaboration" in text


# --- the rules on a real Apache (Debian's apache2; CI installs it) ----------------------------------------

APACHE = shutil.which("apache2") or shutil.which("apache2", path="/usr/sbin")
_MODULES = "/usr/lib/apache2/modules"


@pytest.fixture(scope="module")
def apache(published, tmp_path_factory):
    """Apache on 127.0.0.1 (one process, ``-X``) serving the published ``.htaccess`` as w3id.org's ``msp/``
    folder: yields the port."""
    if APACHE is None or not Path(_MODULES, "mod_rewrite.so").is_file():
        pytest.skip("apache2 is not installed (apt-get install -y --no-install-recommends apache2)")
    root = tmp_path_factory.mktemp("apache")
    (root / "w3id" / "msp").mkdir(parents=True)
    shutil.copyfile(published / ".htaccess", root / "w3id" / "msp" / ".htaccess")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    modules = "\n".join(
        f"LoadModule {name}_module {_MODULES}/mod_{name}.so"
        for name in ("mpm_event", "authz_core", "rewrite")
    )
    (root / "httpd.conf").write_text(
        f"ServerRoot {root}\nDefaultRuntimeDir {root}\nServerName 127.0.0.1\nListen 127.0.0.1:{port}\n"
        f"PidFile {root}/httpd.pid\nErrorLog {root}/error.log\n{modules}\nDocumentRoot {root}/w3id\n"
        f"<Directory {root}/w3id>\n  AllowOverride All\n  Require all granted\n</Directory>\n"
    )
    server = subprocess.Popen([APACHE, "-X", "-f", str(root / "httpd.conf")], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("apache2 did not start: " + (root / "error.log").read_text(errors="replace"))
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _ask_apache(port: int, path: str, accept: str, language: str = "") -> tuple[int, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Accept": accept, "Accept-Language": language}
    try:
        connection.request("GET", "/msp/" + path, headers={k: v for k, v in headers.items() if v})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


@pytest.mark.parametrize(("path", "accept", "expected"), SAMPLES)
def test_apache_applies_the_rules_as_the_evaluator_does(published, apache, path, accept, expected):
    assert _ask_apache(apache, path, accept) == (303, BASE + expected)


@pytest.mark.parametrize(("path", "accept", "language", "expected"), LANGUAGE_SAMPLES)
def test_apache_picks_the_language_as_the_evaluator_does(apache, path, accept, language, expected):
    assert _ask_apache(apache, path, accept, language) == (303, BASE + expected)


@pytest.mark.parametrize(
    "path", ["id/partnership/a/b", "id/Partnership/x", "id/partnership/.hidden", "vocab/a/b/c", "vocab/.x"]
)
def test_apache_leaves_other_paths_alone(apache, path):
    assert _ask_apache(apache, path, "text/turtle")[0] == 404
