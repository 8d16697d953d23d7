"""Replaying repeated anonymous queries before Flask (service/web/fastpath.py): byte-identical
answers, never stale, never across callers, formats or errors, rate limits and metrics intact."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import generate_latest
from web_helpers import fixture_store, replay_cache, settings
from werkzeug.test import Client

from service.store.embedded import EmbeddedStore
from service.web import create_app
from service.web.fastpath import FastPath
from service.web.metrics import REGISTRY

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TOKEN = "admin-token"


def count(client: FlaskClient, **headers: str) -> int:
    r = client.post("/sparql", data={"query": COUNT}, headers={**JSON, **headers})
    assert r.status_code == 200, r.text
    return int(r.json["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]


def test_a_repeated_query_is_replayed_byte_for_byte_with_the_same_headers() -> None:
    app = create_app(settings(), fixture_store())
    client = app.test_client()
    first = client.post("/sparql", data={"query": COUNT}, headers=JSON)
    hits = replay_cache(app).stats().hits
    second = client.post("/sparql", data={"query": COUNT}, headers=JSON)
    assert replay_cache(app).stats().hits == hits + 1
    assert second.data == first.data
    assert sorted(second.headers.items()) == sorted(first.headers.items())
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    assert second.headers["Vary"] == "Accept"
    get1 = client.get("/sparql", query_string={"query": COUNT}, headers=JSON)
    get2 = client.get("/sparql", query_string={"query": COUNT}, headers=JSON)
    assert get1.data == get2.data == first.data


def test_an_answer_is_kept_once_as_the_response_it_was_sent_as() -> None:
    """A query answered here is cached as the response alone: a second copy in the executor's
    answer cache would halve what the budget holds (and cost a fifth of the throughput of
    distinct queries)."""
    from service.web import get_executor

    app = create_app(settings(), fixture_store())
    client = app.test_client()
    query = f"SELECT ?s ?o WHERE {{ ?s <{LABEL}> ?o }}"
    first = client.post("/sparql", data={"query": query}, headers=JSON)
    assert first.status_code == 200
    assert len(replay_cache(app)) == 1
    assert len(get_executor(app).cache) == 0
    again = client.post("/sparql", data={"query": query}, headers=JSON)
    assert again.data == first.data and replay_cache(app).stats().hits == 1


def test_formats_are_never_mixed_up() -> None:
    app = create_app(settings(), fixture_store())
    client = app.test_client()
    for _ in range(2):
        as_json = client.post("/sparql", data={"query": COUNT}, headers=JSON)
        as_csv = client.post("/sparql", data={"query": COUNT}, headers={"Accept": "text/csv"})
        assert as_json.content_type.startswith("application/sparql-results+json")
        assert as_csv.content_type.startswith("text/csv") and as_csv.data.startswith(b"n\r\n")


def test_an_update_means_the_next_answer_is_computed_afresh() -> None:
    app = create_app(settings(update_token=TOKEN), fixture_store())
    client = app.test_client()
    before = count(client)
    assert count(client) == before  # now replayed
    r = client.post(
        "/sparql",
        data={"update": f'INSERT DATA {{ <http://x/a> <{LABEL}> "a" }}'},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 204
    assert count(client) == before + 1
    assert count(client) == before + 1


def test_errors_and_the_service_description_are_not_replayed() -> None:
    app = create_app(settings(), fixture_store())
    client = app.test_client()
    for _ in range(2):
        r = client.post("/sparql", data={"query": "SELECT WHERE {"}, headers=JSON)
        assert r.status_code == 400
    described = {
        client.get("/sparql", headers={"Accept": "text/turtle", "Host": host}).text
        for host in ("a.example", "b.example")
    }
    assert all(re.search(r"a\.example|b\.example", d) for d in described)
    assert len(described) == 2  # each names its own Host: never replayed across hosts
    assert len(replay_cache(app)) == 0


def test_callers_with_credentials_never_share_an_anonymous_answer() -> None:
    app = create_app(settings(users=(("alice", "alice-token"),)), fixture_store())
    client = app.test_client()
    alice = {"Authorization": "Bearer alice-token"}
    r = client.post(
        "/sparql",
        data={
            "update": "INSERT DATA { GRAPH <https://w3id.org/cpkg/private/alice/notes> "
            f'{{ <http://x/n> <{LABEL}> "private" }} }}'
        },
        headers=alice,
    )
    assert r.status_code == 204, r.text
    public = count(client)
    assert count(client) == public  # anonymous, replayed
    assert count(client, **alice) == public + 1  # alice sees her graph too
    assert count(client) == public
    wrong = client.post(
        "/sparql", data={"query": COUNT}, headers={**JSON, "Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401  # a bad token is refused even for a replayable query


def test_rate_limits_apply_to_replayed_answers_and_count_once() -> None:
    app = create_app(
        settings(rate_limit=3, rate_period=3600.0, rate_limit_loopback=True), fixture_store()
    )
    client = app.test_client()
    codes = [
        client.post("/sparql", data={"query": COUNT}, headers=JSON).status_code for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert replay_cache(app).stats().hits >= 2


def test_replayed_requests_are_counted_in_the_metrics() -> None:
    app = create_app(settings(), fixture_store())
    client = app.test_client()
    pattern = re.compile(
        r'cpkg_http_requests_total\{method="POST",route="/sparql",status="200"\} ([0-9.]+)'
    )

    def posts() -> float:
        m = pattern.search(client.get("/metrics").text)
        return float(m.group(1)) if m else 0.0

    client.post("/sparql", data={"query": COUNT}, headers=JSON)
    before = posts()
    for _ in range(3):
        client.post("/sparql", data={"query": COUNT}, headers=JSON)
    assert posts() == before + 3


def test_a_disabled_cache_disables_replay() -> None:
    app = create_app(settings(cache_bytes=0), fixture_store())
    client = app.test_client()
    assert count(client) == count(client)
    assert not replay_cache(app).enabled and len(replay_cache(app)) == 0


# -- resource pages (/id/…) -------------------------------------------------------------------

FINDING_PATH = "/id/finding-test-full"
PAGED_PATH = "/id/conflict-test-sample"  # two values of one property: two pages of one


class CountingFlask:
    """The Flask app behind the fast path, counting the requests that reach it."""

    def __init__(self, app: Flask) -> None:
        layer = app.wsgi_app
        assert isinstance(layer, FastPath)
        self.inner, self.calls = layer.wsgi_app, 0
        layer.wsgi_app = self

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.calls += 1
        return self.inner(environ, start_response)


def flask_only(app: Flask) -> Client:
    """A client of the Flask app itself, without the fast path in front."""
    layer = app.wsgi_app
    assert isinstance(layer, FastPath)
    return Client(layer.wsgi_app, app.response_class, use_cookies=False)


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        (FINDING_PATH, "text/html"),
        (FINDING_PATH, "text/turtle"),
        (f"{FINDING_PATH}?format=jsonld", "*/*"),
        (f"{PAGED_PATH}?per_page=1&page=2", "text/turtle"),  # Link header and Hydra triples
        (f"{PAGED_PATH}?per_page=1", "text/html"),
    ],
)
def test_resource_reads_are_answered_before_flask_exactly_as_flask_would(
    store: EmbeddedStore, path: str, accept: str
) -> None:
    app = create_app(settings(cache_bytes=0), store)
    slow = flask_only(app).get(path, headers={"Accept": accept})
    flask = CountingFlask(app)
    fast = app.test_client().get(path, headers={"Accept": accept})
    assert flask.calls == 0, "answered by the fast path"
    assert fast.status_code == slow.status_code == 200
    assert fast.data == slow.data
    assert sorted(fast.headers.items()) == sorted(slow.headers.items())
    if "&page=2" in path:
        assert 'rel="prev"' in fast.headers["Link"] and 'rel="first"' in fast.headers["Link"]
    elif "per_page" in path:
        assert 'rel="next"' in fast.headers["Link"]
    head = app.test_client().head(path, headers={"Accept": accept})
    assert head.data == b"" and head.headers["Content-Length"] == str(len(fast.data))
    assert flask.calls == 0


def reads(app: Flask) -> int:
    """Reads the executor has answered (from its cache or by evaluating)."""
    stats = app.extensions["cpkg.executor"].cache.stats()
    return int(stats.hits + stats.misses)


@pytest.mark.parametrize(
    ("path", "accept", "status", "kind"),
    [
        ("/id/no-such-thing", "text/html", 404, "text/html"),
        ("/id/no-such-thing", "text/turtle", 404, "text/plain"),
        (f"{FINDING_PATH}?page=99", "text/turtle", 404, "text/plain"),
        (f"{FINDING_PATH}?per_page=0", "text/turtle", 400, "text/plain"),
        (FINDING_PATH, "image/png", 406, "text/plain"),
    ],
)
def test_resource_errors_are_explained_by_flask_without_evaluating_again(
    store: EmbeddedStore, path: str, accept: str, status: int, kind: str
) -> None:
    app = create_app(settings(), store)
    expected = flask_only(app).get(path, headers={"Accept": accept})
    flask = CountingFlask(app)
    before = reads(app)
    got = app.test_client().get(path, headers={"Accept": accept})
    assert flask.calls == 1 and got.status_code == status
    assert reads(app) - before <= 1, "the fast path's read is not repeated by Flask"
    assert got.content_type.startswith(kind) and got.headers["Vary"] == "Accept"
    assert got.data == expected.data and got.status_code == expected.status_code


def test_resource_reads_with_anything_unusual_are_left_to_flask(store: EmbeddedStore) -> None:
    app = create_app(settings(cache_bytes=0, update_token=TOKEN), store)
    flask = CountingFlask(app)
    client = app.test_client()
    for path, headers in [
        (f"{FINDING_PATH}?lang=fr", {}),  # an argument the route ignores
        (f"{FINDING_PATH}?page=1&page=2", {}),
        (FINDING_PATH, {"Authorization": f"Bearer {TOKEN}"}),
    ]:
        before = flask.calls
        assert client.get(path, headers={"Accept": "text/turtle", **headers}).status_code == 200
        assert flask.calls == before + 1, path


def test_resource_reads_are_rate_limited_and_counted_once(store: EmbeddedStore) -> None:
    app = create_app(settings(rate_limit=2, rate_period=3600.0, rate_limit_loopback=True), store)
    client = app.test_client()
    counted = re.compile(
        r'cpkg_http_requests_total\{method="GET",route="/id/<path:local>",status="(200|429)"\} '
        r"([0-9.]+)"
    )

    def counts() -> dict[str, float]:
        return {m[1]: float(m[2]) for m in counted.finditer(generate_latest(REGISTRY).decode())}

    before = counts()
    codes = [client.get(FINDING_PATH).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    after = counts()
    assert after["200"] - before.get("200", 0) == 2 and after["429"] - before.get("429", 0) == 1
