"""The web interface as researchers and lawyers use it, in Debian's Chromium (Playwright), over
the real built dataset: search by a misspelled name, shareable queries, local result links, every
chain of a force, paths with evidence, the timeline, quotes in context, a 390 px wide screen and
axe-core on every page type. Never runs ``playwright install``; test traffic stays on loopback."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from components import missing
from live_server import free_port, stop_process, wait_ready

from service.build.dataset import build_dataset
from service.config import Settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
MET = "https://w3id.org/cpkg/id/org-metropolitan-police-service"
PACE_DUTY = "cpr:duty-pace-child-detention"
MICHAEL = "https://caselaw.nationalarchives.gov.uk/uksc/2015/2"
PROLOGUE = (
    "PREFIX cpkg: <https://w3id.org/cpkg/def#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
)
#: One URL of every kind of page the site has.
RESULTS_QUERY = PROLOGUE + "SELECT ?f ?label WHERE { ?f a cpkg:Finding ; rdfs:label ?label }"
PAGE_TYPES = {
    "query": "/",
    "query results": f"/?query={quote(RESULTS_QUERY)}&run=1",
    "search": "/search?q=custody",
    "resource": "/id/finding-2016-custody",
    "source": "/id/source-001",
    "chain index": "/chain/view",
    "chain": f"/chain/view?focus={quote(MET)}",
    "choose": "/chain/view?focus=custody",
    "paths form": "/paths",
    "paths": "/paths?from=cpr:person-martin-hewitt&to=cpr:finding-2016-no-single-lead&max=2",
    "timeline": "/timeline",
    "ontology": "/def",
    "dataset": "/.well-known/void?format=html",
    "endpoint": "/sparql",
    "error": "/id/no-such-thing",
}

pytestmark = pytest.mark.browser
if not CHROMIUM.exists():
    missing("browser", "headless Chromium is not installed (apt-get install chromium)", module=True)

from playwright import sync_api  # noqa: E402 - after the check that Chromium exists


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project's dataset, built as `cpkg build` builds it, served by the real server
    (granian, its own process: its forked evaluators never hold this process's pipes)."""
    output = tmp_path_factory.mktemp("dataset")
    build_dataset(replace(Settings.from_env(), output_dir=output))
    port = free_port()
    env = {**os.environ, "CPKG_OUTPUT_DIR": str(output), "CPKG_RATE_LIMIT": "off"}
    cmd = [sys.executable, "-m", "service.server", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + "/healthz", timeout=60, proc=proc)
        yield url
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    p = sync_api.sync_playwright().start()
    b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    yield b
    p.stop()  # ends the browser it launched; one Playwright per process at a time


@pytest.fixture()
def page(browser: sync_api.Browser, site: str) -> Iterator[sync_api.Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    failures: list[str] = []
    pg.on(
        "response",
        lambda r: (
            failures.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.url.startswith(site) and "/no-such-thing" not in r.url
            else None
        ),
    )
    pg.on(
        "request",
        lambda r: (
            failures.append(f"outside loopback: {r.url}")
            if not r.url.startswith((site, "data:", "blob:"))
            else None
        ),
    )
    pg.on("pageerror", lambda e: failures.append(f"script error: {e}"))
    pg.cpkg_failures = failures  # type: ignore[attr-defined]  # a test may expect some
    yield pg
    context.close()
    assert failures == [], failures  # no 404 (favicon included), no script error, offline


def ready(page: sync_api.Page) -> None:
    """Wait until the query page's editor is set up."""
    page.wait_for_function("() => window.cpkgYasgui && window.cpkgYasgui.getTab()")


def run_query(page: sync_api.Page, query: str) -> None:
    ready(page)
    page.evaluate(
        "q => { const t = window.cpkgYasgui.getTab(); t.setQuery(q); t.query(); }", PROLOGUE + query
    )


# -- search ---------------------------------------------------------------------------------


def test_search_by_a_misspelled_name(page: sync_api.Page, site: str) -> None:
    page.goto(f"{site}/id/finding-2016-custody")
    page.fill("#site-q", "Michaels")
    page.press("#site-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=Michaels"))
    first = page.locator("li.hit").first
    assert first.locator("h2").inner_text() == "Michael v Chief Constable of South Wales Police"
    assert first.locator("blockquote mark").first.inner_text() == "Michaels"  # as written
    page.screenshot(path=str(ARTIFACTS / "search-michaels.png"), full_page=True)

    page.goto(f"{site}/search?q=Windsor")
    first = page.locator("li.hit").first
    assert first.locator("h2").inner_text() == "Sir Thomas Winsor"
    assert first.locator(".match mark").inner_text() == "Windsor"  # the name as written
    quote_text = first.locator("blockquote").inner_text()
    assert "Sir Thomas Windsor" in quote_text  # ... and the passage that writes it
    first.locator("h2 a").click()
    page.wait_for_url(f"{site}/id/person-thomas-winsor")

    found = page.request.get(f"{site}/search?q=Windsor", headers={"Accept": "application/json"})
    assert found.headers["content-type"].startswith("application/json")
    hit = found.json()["hits"][0]
    assert hit["iri"] == "https://w3id.org/cpkg/id/person-thomas-winsor"
    assert hit["page"] == f"{site}/id/person-thomas-winsor"


def test_search_is_reachable_from_sparql(page: sync_api.Page, site: str) -> None:
    query = (
        "PREFIX cpkg: <https://w3id.org/cpkg/def#>\n"
        "SELECT ?r ?score WHERE { ?r a cpkg:Judgment "
        'BIND(cpkg:search(?r, "Michaels") AS ?score) FILTER(BOUND(?score)) }'
    )
    got = page.request.post(f"{site}/sparql", form={"query": query}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(got.text())))
    assert rows[0] == ["r", "score"] and [r[0] for r in rows[1:]] == [MICHAEL]


# -- the query page -------------------------------------------------------------------------


def test_permalink_round_trip_and_persistent_tabs(
    browser: sync_api.Browser, page: sync_api.Page, site: str
) -> None:
    query = PROLOGUE + "SELECT ?f WHERE { ?f a cpkg:Finding } ORDER BY ?f LIMIT 3"
    page.goto(f"{site}/")
    assert page.evaluate("window.scrollY") == 0  # opens at the top, menu visible
    ready(page)
    page.evaluate("q => { window.cpkgYasgui.getTab().setQuery(q); }", query)
    link = page.get_attribute("#permalink", "href")
    assert link and link.startswith(f"{site}/?query=")
    page.click(".yasqe .yasqe_share")
    shared = page.input_value(".yasqe_sharePopup input")
    assert shared == link

    page.reload()  # unsaved work survives a reload
    ready(page)
    assert page.evaluate("window.cpkgYasgui.getTab().getQuery()") == query

    other = browser.new_context(viewport={"width": 1200, "height": 800})  # someone else
    try:
        pg = other.new_page()
        pg.goto(shared)
        ready(pg)
        assert pg.evaluate("window.cpkgYasgui.getTab().getQuery()") == query
        assert pg.locator(".yasr table.dataTable tbody tr").count() == 0  # opened, not run
        pg.goto(shared + "&run=1")
        pg.wait_for_selector(".yasr table.dataTable tbody tr td", timeout=20_000)
        assert pg.locator(".yasr table.dataTable tbody tr").count() == 3
    finally:
        other.close()


def test_result_links_columns_and_large_results(page: sync_api.Page, site: str) -> None:
    page.goto(f"{site}/")
    run_query(page, "SELECT * WHERE { ?zeta a cpkg:Finding ; rdfs:label ?alpha } LIMIT 5")
    page.wait_for_selector(".yasr table.dataTable tbody tr td")
    headers = page.eval_on_selector_all(
        ".yasr table.dataTable thead th", "els => els.map(e => e.textContent.trim())"
    )
    assert headers[1:] == ["zeta", "alpha"]  # the query's order, not alphabetical
    link = page.locator(".yasr table.dataTable tbody a.iri").first
    href = link.get_attribute("href") or ""
    assert href.startswith(f"{site}/id/finding-") and link.get_attribute("target") == "_self"
    link.click()
    page.wait_for_url(href)
    assert page.locator("h1").inner_text()

    page.goto(f"{site}/")
    ready(page)
    elapsed = page.evaluate(
        """() => new Promise(done => {
             const tab = window.cpkgYasgui.getTab();
             let start = 0;
             tab.getYasr().once('drawn', () => done(performance.now() - start));
             window.cpkgYasgui.once('queryResponse', () => { start = performance.now(); });
             tab.setQuery('SELECT * WHERE { ?s ?p ?o } LIMIT 10000');
             tab.query();
           })"""
    )
    shown = page.evaluate("window.cpkgYasgui.getTab().getYasr().results.getBindings().length")
    assert shown == 10_000 and 0 < page.locator(".yasr table.dataTable tbody tr").count() <= 100
    assert elapsed < 2000, f"10,000 rows took {elapsed:.0f} ms to render"


def test_chart_and_timeline_views(page: sync_api.Page, site: str) -> None:
    page.goto(f"{site}/")
    run_query(
        page,
        "SELECT ?inspection (COUNT(?f) AS ?findings) WHERE { ?f cpkg:inspection ?inspection } "
        "GROUP BY ?inspection",
    )
    page.wait_for_selector(".yasr table.dataTable tbody tr td")
    page.click(".yasr .select_chart")
    page.wait_for_selector(".yasr .cpkg-chart canvas")
    run_query(
        page,
        "SELECT ?thing ?date WHERE { ?thing dcterms:date|dcterms:issued ?date }",
    )
    page.wait_for_selector(".yasr table.dataTable tbody tr td, .yasr ol.cpkg-timeline")
    page.click(".yasr .select_timeline")
    dates = page.eval_on_selector_all(
        ".yasr ol.cpkg-timeline time", "els => els.map(e => e.getAttribute('datetime'))"
    )
    assert len(dates) > 5 and dates == sorted(dates) and len(set(dates)) > 5


def test_readable_errors_and_examples_scroll_into_view(page: sync_api.Page, site: str) -> None:
    page.goto(f"{site}/")
    run_query(page, "SELECT * WHERE { ?s foo:bar ?o }")
    error = page.locator(".yasr .errorResult")
    error.wait_for()
    assert "the prefix foo: is not declared" in error.inner_text()
    page.cpkg_failures.clear()  # type: ignore[attr-defined]  # the 400 was the point
    box = error.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1400  # not cut off at the edge
    page.locator("button.example").last.click()
    page.wait_for_selector(".yasr table.dataTable tbody tr td, .yasr .dataTables_empty")
    page.wait_for_timeout(200)
    top = page.evaluate("document.querySelector('.yasr').getBoundingClientRect().top")
    assert 0 <= top < 900, "the results of an example are scrolled into view"


def test_sparql_endpoint_in_a_browser(page: sync_api.Page, site: str) -> None:
    page.goto(f"{site}/")
    page.click("header nav >> text=SPARQL endpoint")
    page.wait_for_url(f"{site}/sparql")
    assert page.locator("h1").inner_text() == "SPARQL endpoint"
    described = page.request.get(f"{site}/sparql", headers={"Accept": "text/turtle"})
    assert described.headers["content-type"].startswith("text/turtle")


# -- chains and paths -----------------------------------------------------------------------


def test_every_chain_of_a_force(page: sync_api.Page, site: str) -> None:
    text = page.request.get(f"{site}/chain?focus={quote(MET)}&format=text").text()
    expected = len(re.findall(r"^Accountability chain of ", text, re.M))
    assert expected > 30
    page.goto(f"{site}/chain/view?focus={quote(MET)}")
    assert page.locator(".chain-count").inner_text() == f"{expected} findings"
    assert page.locator("#finding-pick option").count() == expected
    page.click("details.all-chains summary")
    links = page.locator("ol.finding-list a")
    assert links.count() == expected
    fifth = links.nth(4).inner_text()
    page.select_option("#finding-pick", index=4)
    page.click(".switcher-form button")
    page.wait_for_url(re.compile(r"finding="))
    assert page.locator("h1").inner_text() == fifth
    assert f"Showing chain 5 of {expected}" in page.locator(".chain-switcher").inner_text()
    page.wait_for_function("() => window.cpkgChainGraph && window.cpkgChainGraph.nodes().length")
    with page.expect_download() as svg:
        page.click("#export-svg")
    assert svg.value.suggested_filename == "chain.svg"
    assert b"<svg" in Path(svg.value.path()).read_bytes()[:500]
    with page.expect_download() as png:
        page.click("#export-png")
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.screenshot(path=str(ARTIFACTS / "chain-of-force.png"), full_page=True)


def test_chain_box_takes_a_name(page: sync_api.Page, site: str) -> None:
    page.goto(f"{site}/chain/view")
    page.fill("#focus", "custody")
    page.press("#focus", "Enter")
    page.click("ol.choices >> text=Children kept in police custody after charge")
    page.wait_for_url(re.compile(r"/chain/view\?focus=https"))
    assert "Children kept in police custody after charge" in page.locator("h1").inner_text()


def test_paths_form_hubs_and_evidence(page: sync_api.Page, site: str) -> None:
    page.goto(f"{site}/")
    page.click("header nav >> text=Paths")
    page.fill("#p-from", PACE_DUTY)
    page.fill("#p-to", MICHAEL)
    page.click(".paths-form button")
    page.wait_for_url(re.compile(r"/paths\?"))
    assert "No path of at most 4 hops that avoids generic hubs" in page.inner_text("main")
    page.check("#p-hubs")
    page.click(".paths-form button")
    page.wait_for_url(re.compile(r"hubs=1"))
    assert "police forces" in page.locator("ol.paths").inner_text()

    page.fill("#p-from", "cpr:person-martin-hewitt")
    page.fill("#p-to", "cpr:finding-2016-no-single-lead")
    page.fill("#p-max", "2")
    page.uncheck("#p-hubs")
    page.click(".paths-form button")
    hop = page.locator("li.hop").first
    hop.wait_for()
    assert hop.locator("figure.quote blockquote").count() >= 1  # each hop shows its quote


# -- timeline and sources -------------------------------------------------------------------


def test_timeline_rows_with_quotes(page: sync_api.Page, site: str) -> None:
    page.goto(f"{site}/")
    page.click("header nav >> text=Timeline")
    rows = page.locator("table.timeline tbody tr")
    total = rows.count()
    assert total > 20
    dates = page.eval_on_selector_all(
        "table.timeline time", "els => els.map(e => e.getAttribute('datetime'))"
    )
    assert dates == sorted(dates)
    report = page.locator("tr.kind-report", has_text="2016").first
    assert report.locator("blockquote").inner_text().startswith("“")
    assert report.locator("figcaption a").count() == 1  # its source
    page.select_option("#f-person", label="Martin Hewitt")
    page.click(".filters button")
    page.wait_for_url(re.compile(r"person="))
    kept = page.locator("table.timeline tbody tr")
    assert 0 < kept.count() < total
    assert kept.locator("blockquote").count() == kept.count()
    csv_text = page.request.get(page.url + "&format=csv").text()
    parsed = list(csv.reader(io.StringIO(csv_text)))
    assert parsed[0][:3] == ["date", "kind", "label"] and len(parsed) == kept.count() + 1


def test_quote_in_context(page: sync_api.Page, site: str) -> None:
    source = Settings.from_env().sources_dir / "001_ac249e2c2bc6e9bf.txt"
    source_text = source.read_text(encoding="utf-8")
    page.goto(f"{site}/id/source-001")
    facts = page.locator("dl.facts").inner_text()
    assert "law-firm commentary" in facts and "not stated in the source" in facts
    item = page.locator("ol.quotes-in-context li", has_text="Sir Thomas Windsor").first
    shown = item.locator("p.in-context").inner_text()
    marked = item.locator("p.in-context mark").inner_text()
    assert marked in shown and len(shown) > len(marked)
    assert " ".join(shown.split()) in " ".join(source_text.split())  # verbatim, in its place
    start = int((item.get_attribute("id") or "q-").removeprefix("q-"))
    assert source_text[start : start + len(marked)] == marked

    page.goto(f"{site}/id/mention-001-sir-thomas-windsor")
    page.click("details.context summary")
    assert "protecting the vulnerable" in page.locator("details.context").first.inner_text()


# -- every page: narrow screens and accessibility -------------------------------------------


def test_no_sideways_scrolling_at_390px(browser: sync_api.Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        pg = context.new_page()
        wide = {}
        for name, path in PAGE_TYPES.items():
            pg.goto(site + path)
            if name.startswith("query"):
                ready(pg)
            if name == "query results":
                pg.wait_for_selector(".yasr table.dataTable tbody tr td")
            width = pg.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[name] = width
        pg.goto(site + PAGE_TYPES["chain"])
        pg.screenshot(path=str(ARTIFACTS / "chain-390.png"), full_page=False)
        assert wide == {}, f"pages wider than the screen: {wide}"
    finally:
        context.close()


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_axe_finds_no_serious_violations(page: sync_api.Page, site: str, name: str) -> None:
    page.goto(site + PAGE_TYPES[name])
    if name.startswith("query"):
        ready(page)
    if name == "query results":
        page.wait_for_selector(".yasr table.dataTable tbody tr td")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:4])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], "\n".join(serious)


def test_static_assets_are_compressed_and_cacheable(page: sync_api.Page, site: str) -> None:
    page.goto(f"{site}/")
    href = page.get_attribute("link[rel=stylesheet][href*='cpkg.css']", "href") or ""
    assert "?v=" in href
    got = page.request.get(site + href, headers={"Accept-Encoding": "gzip"})
    assert got.headers["cache-control"].endswith("immutable") and got.headers["etag"]
    assert got.headers.get("content-encoding") == "gzip"
    again = page.request.get(site + href, headers={"If-None-Match": got.headers["etag"]})
    assert again.status == 304
