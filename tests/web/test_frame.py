"""A resource page is written around base.html rendered once per host, with no request context
of its own: the frame follows the host and the assets, and the page knows its own path."""

from __future__ import annotations

import pytest
from flask import Flask, request

import service.web.frame as frame
import service.web.resources as resources
from service.query.access import ANONYMOUS
from service.query.describe import PER_PAGE
from service.query.executor import _evaluate
from service.web.context import APP_KEY, get_executor, task_path, task_request
from service.web.frame import page_site

FINDING = "https://w3id.org/cpkg/id/finding-test-full"


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/id/finding-test-full",
        "http://a.example:8080/id/a%20b?x=1&y=%2F",
        "http://localhost/id/%C3%BCn%C3%AFc%C3%B6d%C3%A9",
        "http://localhost/id/bad%FFbyte",
        "http://localhost//id//double/",
        "http://localhost",
    ],
)
def test_a_task_knows_its_page_path_without_a_request_context(app: Flask, url: str) -> None:
    with task_request(app.extensions[APP_KEY], url):
        expected = request.path
    assert task_path(url) == expected


def test_the_frame_is_rendered_once_per_host_and_asset_version(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = app.extensions[APP_KEY]
    a = page_site(key, "http://a.example/id/x")
    assert page_site(key, "http://a.example/id/y?page=2") is a
    b = page_site(key, "https://b.example:8443/id/x")
    assert b is not a and (a.base, b.base) == ("http://a.example/", "https://b.example:8443/")
    page = b.page("A &amp; B", '<link rel="x">', "<p>content</p>")
    assert "<title>A &amp; B · cpkg</title>" in page
    assert '<link rel="x">\n</head>' in page and "<p>content</p>\n</main>" in page
    assert page.startswith("<!doctype html>") and page.endswith("</html>")
    assert b.chain_view == "/chain/view"
    monkeypatch.setattr(frame, "version", lambda name: "another")  # a style sheet was edited
    assert page_site(key, "http://a.example/id/x") is not a


def test_a_page_needs_no_request_context_once_its_host_is_known(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making one cost more than the rest of a small page's rendering; only a source
    document's page (its "About this document" template) still makes one."""
    key = app.extensions[APP_KEY]
    made: list[str] = []
    real = resources.task_request
    monkeypatch.setattr(resources, "task_request", lambda k, u: made.append(u) or real(k, u))
    monkeypatch.setattr(frame, "task_request", lambda k, u: made.append(u) or real(k, u))
    executor = get_executor(app)

    def page(local: str) -> bytes:
        url = "http://c.example/id/" + local
        args = (FINDING.replace("finding-test-full", local), 1, PER_PAGE, key, url, ())
        task = (ANONYMOUS, resources.resource_page, args)
        body: bytes = _evaluate(executor._store, executor.settings, task)[0]
        return body

    assert b"Most cases were dealt with inadequately" in page("finding-test-full")
    assert made == ["http://c.example/id/finding-test-full"]  # the host's frame, once
    assert b"Referred to by" in page("recommendation-test-1")
    assert len(made) == 1
    assert b"About this document" in page("source-test-001")
    assert made[1:] == ["http://c.example/id/source-test-001"]
