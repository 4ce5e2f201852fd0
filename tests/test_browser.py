"""The pages in a real browser: Playwright driving Debian's ``chromium`` (no browser download), against
``msp-graph serve`` on the bundled data and against ``msp-graph publish``'s output under
``python -m http.server``, both on 127.0.0.1. Each test asserts what a person sees (headings, verdicts,
member names, counts) and saves a screenshot in ``$MSP_GRAPH_TEST_ARTIFACTS/browser/`` (default
``test-artifacts/browser/`` in the repository, ignored by git). ``MSP_GRAPH_CHROMIUM`` names another
chromium binary (default: ``chromium`` on the PATH, else ``/usr/bin/chromium``).

Without chromium or the ``playwright`` package the tests skip, except under CI (``CI`` set), where they
fail. To add a page: a test taking ``site`` (where the served site is, ``site.url``) and ``page`` (a
fresh browser tab), ending with ``shot(page, site, "name")``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from msp_graph.errors import QueryError
from msp_graph.prefixes import PREFIXES, select
from msp_graph.queries import get_query, list_queries, run_query

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the test extra installs it
    sync_playwright = None

pytest.importorskip("starlette")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("MSP_GRAPH_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "browser"
CHROMIUM = os.environ.get("MSP_GRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ID = "https://w3id.org/msp/id/"
STARTUP = 90  # seconds a server may take to say where it listens (serve loads and validates first)
PUBLISHING = 180  # seconds publish may take (10 to 25 s on the bundled data, on 2 busy cores)


def _missing() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).is_file():
        return "Debian's chromium is not installed (apt-get install chromium)"
    return None


# --- the served sites -----------------------------------------------------------------------------------


#: Pages by name: the server's path, the published site's file (a new page, the query page say, adds its
#: entry here; a page the static site does not have is left out of ``SITE_FILES``).
SERVER_PATHS = {"index": "", "validation": "validation", "query": "query"}
SITE_FILES = {"index": "index.html", "validation": "validation.html", "query": "query.html"}


@dataclass
class Site:
    """Where a served site is: ``kind`` is ``serve`` (the server's paths) or ``publish`` (the static
    site's file names); ``url(name)`` or ``url(kind, slug)`` gives a page's address either way."""

    kind: str
    base: str

    def url(self, name: str, slug: str | None = None) -> str:
        if slug is not None:
            return self.base + f"page/{name}/{slug}" + ("" if self.kind == "serve" else ".html")
        pages = SERVER_PATHS if self.kind == "serve" else SITE_FILES
        if name not in pages:
            pytest.skip(f"the {self.kind} site has no {name} page")
        return self.base + pages[name]


class Running:
    """A command started with its output (stdout and stderr) read on a thread, so a chatty server never
    blocks on a full pipe; ``address(pattern)`` waits, bounded, for the line that says where it listens."""

    def __init__(self, command: list[str], **options):
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            **options,
        )  # fmt: skip
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def address(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            if found := re.search(pattern, line):
                return found[1]
        self.stop()
        raise AssertionError(
            f"no address from {self.process.args} within {timeout} s:\n{''.join(self.output)}"
        )

    def stop(self) -> None:
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.process.kill()
        self.process.wait(timeout=10)


def _serve() -> Running:
    return Running([sys.executable, "-m", "msp_graph.cli", "serve", "--host", "127.0.0.1", "--port", "0"])


@pytest.fixture(scope="module", autouse=True)
def publishing(tmp_path_factory):
    """``msp-graph publish`` of the bundled data, started in the background as the module starts (it takes
    the longest) while the server's tests run; ``site`` waits for it. Killed at the end if still running."""
    if _missing() is not None:
        yield None
        return
    directory = tmp_path_factory.mktemp("published") / "site"
    command = [sys.executable, "-m", "msp_graph.cli", "publish", str(directory)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    try:
        yield process, directory
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _static(publishing) -> Running:
    """The published site under ``python -m http.server``, once ``publish`` has written it."""
    process, directory = publishing
    _, errors = process.communicate(timeout=PUBLISHING)
    assert process.returncode == 0, errors
    command = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]
    return Running([*command, "--directory", str(directory)])


@pytest.fixture(scope="module", params=["serve", "publish"])
def site(request, publishing):
    """The bundled data served by ``msp-graph serve``, then as ``msp-graph publish`` wrote it under
    ``python -m http.server``; stopped when the module's tests are done."""
    if (why := _missing()) is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {why}")
        pytest.skip(why)
    if request.param == "serve":
        server = _serve()
        pattern = r"serving on (http://127\.0\.0\.1:\d+/)"
    else:
        server = _static(publishing)
        pattern = r"\((http://127\.0\.0\.1:\d+/)\)"
    try:
        yield Site(request.param, server.address(pattern, STARTUP))
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(site):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab (English, a desktop-sized window); 15 s at most for any step."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def scriptless(browser):
    """A fresh tab as ``page`` makes, with JavaScript off: the pages as they work without scripts."""
    context = browser.new_context(
        locale="en-GB", viewport={"width": 1200, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def shot(page, site: Site, name: str) -> None:
    """Keep a screenshot of the whole page as a test artefact: ``{serve|publish}-{name}.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{site.kind}-{name}.png", full_page=True)


def visible(page) -> str:
    """The page's text as a person reads it (what is rendered, spaces collapsed)."""
    return " ".join(page.locator("body").inner_text().split())


# --- what the pages should say, from the data -----------------------------------------------------------


# --- the pages ------------------------------------------------------------------------------------------


def test_index_lists_partnerships_and_organisations(site, page, bundled):
    page.goto(site.url("index"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Multi-stakeholder partnerships")
    expect(page.get_by_role("heading", name="Partnerships (14)")).to_be_visible()
    expect(page.get_by_role("link", name="Alliance 8.7", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="International Labour Organization", exact=True)).to_be_visible()
    assert bundled[1].summary() in visible(page)
    shot(page, site, "index")


def test_a_partnership_reached_from_the_index(site, page):
    page.goto(site.url("index"))
    page.get_by_role("link", name="Alliance 8.7", exact=True).click()
    expect(page).to_have_url(re.compile(r"/page/partnership/alliance-8-7(\.html|\?lang=en)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alliance 8.7")
    expect(page.locator(".verdict")).to_have_text("Meets the MSP composition rule.")
    expect(page.get_by_role("heading", name="Members (19) by stakeholder group")).to_be_visible()
    workers = page.get_by_role("heading", name="Workers' organisations (1)").locator(
        "xpath=following-sibling::ul[1]"
    )
    expect(workers.get_by_role("listitem")).to_have_count(1)
    expect(workers).to_contain_text("International Trade Union Confederation")
    expect(page.get_by_role("link", name="International Labour Organization", exact=True)).to_be_visible()
    assert "Malawi Pathfinder country since 2020" in visible(page)
    shot(page, site, "partnership")


def test_a_failing_partnership_says_what_is_missing(site, page, bundled):
    report = bundled[1]
    iri = ID + "partnership/better-work"
    assert iri not in report.meeting_composition
    messages = {r.message for r in report.results if r.partnership == iri and r.severity == "violation"}
    page.goto(site.url("partnership", "better-work"))
    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text("Does not meet the MSP composition rule.")
    shown = " ".join(verdict.inner_text().split())
    assert messages and all(" ".join(m.split()) in shown for m in messages)
    shot(page, site, "partnership-failing")


def test_an_organisation_page_shows_its_partnerships_and_partners(site, page, bundled):
    shared = run_query(
        bundled[0], get_query("partners-sharing-alliances"), params={"partner": ID + "organisation/ilo"}
    )
    page.goto(site.url("partnership", "alliance-8-7"))
    page.get_by_role("link", name="International Labour Organization", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/page/organisation/ilo(\.html|\?lang=en)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("International Labour Organization")
    expect(page.get_by_role("listitem").filter(has_text="Alliance 8.7")).to_contain_text("(Secretariat)")
    expect(page.get_by_role("heading", name=f"Shares partnerships with ({len(shared)})")).to_be_visible()
    rows = page.get_by_role("table").last.get_by_role("row")
    expect(rows).to_have_count(len(shared) + 1)  # and the header
    expect(rows.nth(1)).to_contain_text(shared.rows[0]["partnerBLabel"].value)
    shot(page, site, "organisation")


def test_the_validation_page_gives_each_partnership_its_verdict(site, page, bundled):
    report = bundled[1]
    page.goto(site.url("index"))
    page.get_by_role("link", name="the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Validation report")
    expect(page.locator(".verdict")).to_have_text(report.summary())
    with_results = {r.partnership for r in report.results if r.partnership}
    headings = page.get_by_role("heading", level=2)
    shown = {" ".join(h.split()) for h in headings.all_inner_texts()}
    for iri in with_results:
        verdict = "meets" if iri in report.meeting_composition else "does not meet"
        assert f"{report.partnerships[iri]} ({verdict} the MSP composition rule)" in shown
    meeting = [h for h in shown if h.endswith("(meets the MSP composition rule)")]
    assert len(meeting) == len(set(report.meeting_composition) & with_results) == 2
    expect(headings.filter(has_text="the MSP composition rule")).to_have_count(len(with_results))
    # the result lines are the text report's (msp-graph validate), in its order; one per violation
    printed = [line.strip() for line in report.render("text").splitlines() if line.startswith("  ")]
    lines = [" ".join(li.split()) for li in page.locator("ul.results > li").all_inner_texts()]
    assert lines == [" ".join(line.split()) for line in printed]
    violations = sum(r.severity == "violation" for r in report.results)
    assert sum(line.startswith("✗ violation") for line in lines) == violations == 12
    shot(page, site, "validation")


# --- the query page -------------------------------------------------------------------------------------


def needs_server(site: Site) -> None:
    if site.kind != "serve":
        pytest.skip("the static site has no forms: parameters and ad-hoc SPARQL need msp-graph serve")


def rows_shown(page, count: str, columns: list[str]):
    """The result table as the user sees it: the count line above it ("118 rows"), the column headings,
    all within the window's width; returns the table's body rows."""
    expect(page.locator("p.count strong")).to_have_text(count)
    table = page.get_by_role("table")
    expect(table.locator("thead th")).to_have_text(columns)
    # a wide table scrolls in its own box: the page itself never scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    return table.locator("tbody tr")


def column(rows, number: int) -> list[str]:
    return [" ".join(text.split()) for text in rows.locator(f"td:nth-child({number})").all_inner_texts()]


def test_the_query_page_lists_the_named_queries(site, page, bundled):
    offered = [q for q in list_queries() if site.kind == "serve" or all(p.optional for p in q.params)]
    page.goto(site.url("index"))
    page.get_by_role("link", name="Queries", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Queries")
    expect(page.get_by_role("heading", name=f"Named queries ({len(offered)})")).to_be_visible()
    headings = page.get_by_role("heading", level=3)
    assert [h.split(" (")[0] for h in headings.all_inner_texts()] == [q.name for q in offered]
    for query in offered:
        section = page.locator(f"#q-{query.name}")
        expect(section).to_contain_text(query.summary)
        if site.kind == "serve":
            expect(section.get_by_role("button", name=f"Run {query.name}", exact=True)).to_be_visible()
            expect(section.get_by_role("textbox")).to_have_count(len(query.params))
        else:  # each with its count, run when the site was written, linking to the results
            n = len(run_query(bundled[0], query))
            noun = ("triple" if query.form == "construct" else "row") + ("" if n == 1 else "s")
            expect(section.get_by_role("link", name=f"{n:,} {noun}", exact=True)).to_be_visible()
    if site.kind == "serve":
        expect(page.get_by_label("A query (SELECT, ASK, CONSTRUCT or DESCRIBE)")).to_be_editable()
    else:
        expect(page.get_by_role("textbox")).to_have_count(0)
        assert "need the server: msp-graph serve" in visible(page)
    shot(page, site, "query")


def test_a_named_query_picked_from_the_query_page_shows_its_rows(site, page, bundled):
    expected = run_query(bundled[0], get_query("composition-status"))
    page.goto(site.url("query"))
    section = page.locator("#q-composition-status")
    if site.kind == "serve":
        section.get_by_role("button", name="Run composition-status").click()
        expect(page).to_have_url(re.compile(r"/query\?name=composition-status&partnership=&lang=en#results$"))
    else:
        section.get_by_role("link", name=f"{len(expected)} rows").click()
        expect(page).to_have_url(re.compile(r"/query/composition-status\.html$"))
    rows = rows_shown(page, f"{len(expected)} rows", expected.variables)
    expect(rows).to_have_count(len(expected))
    assert column(rows, 2) == [row["partnershipLabel"].value for row in expected.rows]
    assert column(rows, 7) == [row["conforms"].value for row in expected.rows]
    expect(page.get_by_role("link", name="CSV", exact=True)).to_be_visible()
    shot(page, site, "query-named")


def test_a_named_query_with_its_parameter_filled_in(site, page, bundled):
    needs_server(site)
    params = {"partner": ID + "organisation/ilo"}
    expected = run_query(bundled[0], get_query("partners-sharing-alliances"), params=params)
    page.goto(site.url("query"))
    required = page.locator("#q-alliances-of-partner")
    required.get_by_role("button", name="Run alliances-of-partner").click()  # its field left blank
    assert required.get_by_label("partner", exact=True).evaluate("field => field.validity.valueMissing")
    expect(page).to_have_url(site.url("query"))  # the browser did not send the form
    section = page.locator("#q-partners-sharing-alliances")
    section.get_by_label("partner", exact=True).fill("organisation:ilo")
    section.get_by_role("button", name="Run partners-sharing-alliances").click()
    expect(page).to_have_url(re.compile(r"\?name=partners-sharing-alliances&partner=organisation%3Ailo&"))
    rows = rows_shown(page, f"{len(expected)} rows", expected.variables)
    expect(rows).to_have_count(len(expected))
    assert set(column(rows, 2)) == {"International Labour Organization"}
    assert column(rows, 4) == [row["partnerBLabel"].value for row in expected.rows]
    expect(section.get_by_label("partner", exact=True)).to_have_value("organisation:ilo")
    shot(page, site, "query-parameter")


AD_HOC = """SELECT ?organisation ?name WHERE {
  ?membership org:member ?organisation .
  ?organisation rdfs:label ?name FILTER (lang(?name) = "en")
}
GROUP BY ?organisation ?name
ORDER BY ?name"""


def test_an_ad_hoc_query_typed_in_the_editor(site, scriptless, bundled):
    needs_server(site)
    page = scriptless  # the <textarea> form, as without scripts (with them, YASGUI: below)
    expected = run_query(bundled[0], AD_HOC)
    page.goto(site.url("query"))
    editor = page.get_by_label("A query (SELECT, ASK, CONSTRUCT or DESCRIBE)")
    editor.fill(AD_HOC)
    page.get_by_role("button", name="Run the query").click()
    expect(page).to_have_url(re.compile(r"/query\?query=SELECT\+%3Forganisation"))
    rows = rows_shown(page, f"{len(expected)} rows", expected.variables)
    expect(rows).to_have_count(len(expected))
    assert column(rows, 2) == [row["name"].value for row in expected.rows]
    iris = [row["organisation"].value for row in expected.rows]
    assert column(rows, 1) == [iri.replace(ID + "organisation/", "organisation:") for iri in iris]
    expect(editor).to_have_value(AD_HOC)
    shot(page, site, "query-ad-hoc")
    first = expected.rows[0]
    rows.first.get_by_role("link").click()  # an IRI of the data, linked to its page
    expect(page).to_have_url(re.compile(first["organisation"].value.removeprefix(ID) + r"\?lang=en$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(first["name"].value)


def test_a_malformed_query_shows_its_error_in_one_line(site, scriptless, bundled):
    needs_server(site)
    page = scriptless
    text = "SELECT * WHERE { ?s ?p }"
    with pytest.raises(QueryError) as error:
        run_query(bundled[0], text, where="query")
    page.goto(site.url("query"))
    editor = page.get_by_label("A query (SELECT, ASK, CONSTRUCT or DESCRIBE)")
    editor.fill(text)
    page.get_by_role("button", name="Run the query").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(f"The query was not run: {error.value}")
    assert "1:25: SPARQL syntax error" in str(error.value) and "\n" not in alert.inner_text()
    expect(page.get_by_role("table")).to_have_count(0)
    expect(editor).to_have_value(text)
    shot(page, site, "query-error")


def test_the_editor_runs_a_query_on_this_server_only(site, page, bundled):
    """With scripts, YASGUI (vendored) takes the place of the <textarea> form: it opens with the project's
    prefixes, runs a query at this server's /sparql and shows its rows; nothing is asked of another
    origin, and the page's Content-Security-Policy refuses nothing YASGUI needs."""
    needs_server(site)
    expected = run_query(bundled[0], AD_HOC)
    asked, refused = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(site.url("query"))
    expect(page.locator("#yasgui .CodeMirror")).to_be_visible()
    expect(page.get_by_label("A query (SELECT, ASK, CONSTRUCT or DESCRIBE)")).to_be_hidden()
    # completion of classes and properties would ask Linked Open Vocabularies: off
    completers = page.evaluate("() => mspQueryEditor.getTab().getYasqe().config.autocompleters")
    assert completers == ["variables", "prefixes"]
    opening = page.evaluate("() => mspQueryEditor.getTab().getQuery()")
    assert opening.startswith("".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items()))
    text = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in select("org", "rdfs").items()) + AD_HOC
    page.evaluate("text => { mspQueryEditor.getTab().setQuery(text); }", text)
    page.locator("#yasgui .yasqe_queryButton").click()
    expect(page.locator("#yasgui .yasr_response_chip")).to_contain_text(f"{len(expected)} results in")
    page.locator("#yasgui select.tableSizer").select_option("-1")  # all rows on one page
    rows = page.locator("#yasgui .yasr table.dataTable tbody tr")
    expect(rows).to_have_count(len(expected))
    names = [row["name"] for row in expected.rows]  # YASR shows a literal with its language tag
    assert column(rows, 3) == [f'"{name.value}"@{name.language}' for name in names]
    iris = [row["organisation"].value for row in expected.rows]
    assert column(rows, 2) == [iri.replace(ID + "organisation/", "organisation:") for iri in iris]
    shot(page, site, "query-editor")
    assert any(url.startswith(site.base + "assets/yasgui/") for url in asked)
    assert site.base + "sparql" in asked
    assert [url for url in asked if not url.startswith(site.base)] == []
    assert refused == []
