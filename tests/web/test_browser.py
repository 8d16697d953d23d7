"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright: the pages work in a
browser, offline. Screenshots go to test-artifacts/. Never runs ``playwright install``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from components import missing

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser
if not CHROMIUM.exists():
    missing("browser", "headless Chromium is not installed (apt-get install chromium)", module=True)

from playwright import sync_api  # noqa: E402 - after the check that Chromium exists


@pytest.fixture(scope="module")
def page(live_server: str) -> Iterator[object]:
    ARTIFACTS.mkdir(exist_ok=True)
    p = sync_api.sync_playwright().start()
    if True:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 900})
        external: list[str] = []
        pg.on(
            "request",
            lambda r: (
                external.append(r.url)
                if not r.url.startswith(live_server) and not r.url.startswith("data:")
                else None
            ),
        )
        pg.external = external  # type: ignore[attr-defined]
        yield pg
        # Debian's Chromium can hang on a graceful close: kill the process instead.
        proc = getattr(browser, "process", None)
        pg.close()
        if proc is not None:
            proc.kill()
        p.stop()  # one Playwright per process at a time: other browser test modules follow


def test_query_ui_runs_example(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click("button.example[data-name=findings-by-inspection]")
    page.wait_for_selector(".yasr table.dataTable tbody tr td", timeout=20_000)
    text = page.inner_text(".yasr")
    assert "finding-test-full" in text and "finding-test-gaps" in text
    page.screenshot(path=str(ARTIFACTS / "query-ui.png"), full_page=True)
    assert page.external == []  # type: ignore[attr-defined]  # fully offline


def test_finding_page_follow_link(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/id/finding-test-full")
    assert "Most cases were dealt with inadequately" in page.inner_text("h1")
    page.screenshot(path=str(ARTIFACTS / "finding.png"), full_page=True)
    page.click("text=2016 test inspection of the force")
    page.wait_for_url(f"{live_server}/id/inspection-test-2016")
    assert "2016 test inspection" in page.inner_text("h1")


def test_chain_view(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server}/chain/view?focus=https://w3id.org/cpkg/id/finding-test-full")
    assert page.locator("ol.chain li.step").count() == 12
    quote = page.locator("#step-finding figure.quote blockquote").first
    assert quote.is_visible()
    assert quote.inner_text().startswith("“A staggering 278 out of 374")
    source = page.locator("#step-finding figure.quote figcaption a").first
    assert source.inner_text() == "Test report: force criticised for failing children"
    badge = page.locator("#step-law .badge.status")
    assert badge.is_visible() and badge.inner_text().lower() == "background knowledge"
    assert "Section 11 of the Children Act 2004" in page.inner_text("#step-law .reasoning")
    assert page.locator(".chips .chip.ok").count() == 11
    assert page.locator(".chips .chip.gap").count() == 1  # the status assessment
    assert "2016" in page.inner_text(".year-pill")
    page.screenshot(path=str(ARTIFACTS / "chain.png"), full_page=True)

    page.goto(f"{live_server}/chain/view?focus=https://w3id.org/cpkg/id/finding-test-gaps")
    gap = page.locator("#step-post .node.gap")
    assert gap.is_visible()
    assert "no source names a post responsible for this finding" in gap.inner_text()
    reason = page.locator("#step-post .node-reason")
    assert reason.is_visible()
    assert "this finding is itself that the force had no such post" in reason.inner_text()
    markup = page.locator("#step-finding figure.quote blockquote").first
    assert "<script>alert('quote')</script>" in markup.inner_text()  # shown as text, not run
    assert dialogs == []
    page.screenshot(path=str(ARTIFACTS / "chain-gaps.png"), full_page=True)
    page.click("#step-inspection a.node-title")
    page.wait_for_url(f"{live_server}/id/inspection-test-2016")
    assert "2016 test inspection" in page.inner_text("h1")
    assert page.external == []  # type: ignore[attr-defined]  # fully offline


def test_chain_picker(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/chain/view")
    group = page.locator("section.inspection-group").first
    assert "2016 test inspection of the force" in group.locator("h2").inner_text()
    row = page.locator("tr[data-finding='https://w3id.org/cpkg/id/finding-test-full']")
    assert "11/12 links stated" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "chain-picker.png"), full_page=True)
    row.locator("a.pick-title").click()
    page.wait_for_url(lambda url: "/chain/view" in url and "finding-test-full" in url)
    assert "Most cases were dealt with inadequately" in page.inner_text("h1")
