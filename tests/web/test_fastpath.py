"""Replaying repeated anonymous queries before Flask (service/web/fastpath.py): byte-identical
answers, never stale, never across callers, formats or errors, rate limits and metrics intact."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from web_helpers import fixture_store, settings

from service.query.cache import QueryCache
from service.web import create_app
from service.web.fastpath import FastPath

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TOKEN = "admin-token"


def replay_cache(app: Flask) -> QueryCache[Any]:
    layer = app.wsgi_app
    assert isinstance(layer, FastPath)
    return layer.cache()


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
