"""Large answers stream (service/query/answers.py, executor.spooled): the same bytes as a whole
answer, sent in chunks from a spooled file with an exact Content-Length, so every error is an
ordinary error response and a cut-off transfer can never pass for a whole answer."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
import requests
from web_helpers import DATASET, fixture_store, replay_cache, settings

from service.web import create_app, get_executor

CROSS = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }"  # every pair of triples: thousands of rows
CONSTRUCT = "CONSTRUCT { ?s ?p ?a } WHERE { ?s ?p ?o . ?a ?b ?c }"
SMALL = 4096


@pytest.mark.parametrize(
    "query,accept",
    [
        (CROSS, "application/sparql-results+json"),
        (CROSS, "application/sparql-results+xml"),
        (CROSS, "text/csv"),
        (CROSS, "text/tab-separated-values"),
        (CONSTRUCT, "application/n-triples"),
        (CONSTRUCT, "text/turtle"),
    ],
)
def test_a_large_answer_is_streamed_and_equals_the_whole(query: str, accept: str) -> None:
    store = fixture_store()
    streaming = create_app(settings(stream_after_bytes=SMALL), store)
    whole = create_app(settings(stream_after_bytes=1 << 30), store)
    a = streaming.test_client().post("/sparql", data={"query": query}, headers={"Accept": accept})
    b = whole.test_client().post("/sparql", data={"query": query}, headers={"Accept": accept})
    assert a.status_code == b.status_code == 200
    # Streamed answers are never kept whole, so never cached; whole ones are (by the fast path,
    # which answered both: service/web/fastpath.py).
    assert len(replay_cache(streaming)) == 0 and len(replay_cache(whole)) == 1
    assert len(get_executor(streaming).cache) == len(get_executor(whole).cache) == 0
    assert a.headers["Content-Length"] == str(len(a.data))
    assert b.headers["Content-Length"] == str(len(b.data)) and len(b.data) > SMALL
    assert a.content_type == b.content_type
    assert a.data == b.data


def test_an_answer_over_the_limit_before_streaming_is_a_clear_error() -> None:
    client = create_app(settings(max_results=100), fixture_store()).test_client()
    r = client.post("/sparql", data={"query": CROSS})
    assert r.status_code == 400 and "more than 100 rows" in r.text


@pytest.mark.server
def test_over_http_a_streamed_answer_is_whole_and_a_late_error_is_a_clear_error(
    cpkg_server: Callable[..., str],
) -> None:
    url = cpkg_server(
        [DATASET],
        env={"CPKG_STREAM_AFTER_BYTES": str(SMALL), "CPKG_MAX_RESULTS": "2000"},
        workers=1,
    )
    accept = {"Accept": "text/csv"}
    for _ in range(2):  # streamed answers are not cached: the second streams again
        ok = requests.post(
            url + "/sparql", data={"query": CROSS + " LIMIT 1500"}, headers=accept, timeout=30
        )
        assert ok.status_code == 200, ok.text
        assert int(ok.headers["Content-Length"]) == len(ok.content) > SMALL
        assert len(list(csv.reader(io.StringIO(ok.text)))) == 1 + 1500
    # Past the row limit only after the first SMALL bytes: still an error before any byte.
    late = requests.post(url + "/sparql", data={"query": CROSS}, headers=accept, timeout=30)
    assert late.status_code == 400 and "more than 2000 rows" in late.text
    assert requests.get(url + "/healthz", timeout=10).status_code == 200
