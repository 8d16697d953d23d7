"""The /sparql endpoint over real HTTP (werkzeug server in a thread): every protocol case."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
import pytest
import requests
from flask import Flask
from web_helpers import (
    RDF_FORMATS,
    RESULT_FORMATS,
    csv_values,
    expected_rows,
    expected_triples,
    fixture_store,
    parse_rows,
    parse_triples,
    settings,
)

from service.web import create_app

T = 10  # seconds: every request here is local and small

SELECT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX cpkg: <https://w3id.org/cpkg/def#>
SELECT ?f ?label ?sev WHERE { ?f a cpkg:Finding ; rdfs:label ?label ; cpkg:severity ?sev }"""
CONSTRUCT = """PREFIX cpkg: <https://w3id.org/cpkg/def#>
CONSTRUCT { ?i cpkg:inspected ?f . ?i cpkg:year ?y }
WHERE { ?i cpkg:inspected ?f ; cpkg:year ?y }"""
G = "https://w3id.org/cpkg/graph/"


@pytest.fixture
def url(live_app: Callable[[Flask], str]) -> str:
    return live_app(create_app(settings(), fixture_store())) + "/sparql"


@pytest.fixture
def small_url(live_app: Callable[[Flask], str]) -> str:
    s = settings(max_results=5, max_request_bytes=2000)
    return live_app(create_app(s, fixture_store())) + "/sparql"


def test_select_via_get_post_form_and_post_body_agree(url: str) -> None:
    want = expected_rows(SELECT)
    assert len(want) == 6
    r1 = requests.get(url, params={"query": SELECT}, timeout=T)
    r2 = requests.post(url, data={"query": SELECT}, timeout=T)
    r3 = requests.post(
        url, data=SELECT.encode(), timeout=T, headers={"Content-Type": "application/sparql-query"}
    )
    for r in (r1, r2, r3):
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/sparql-results+json")
        assert parse_rows(r.content, "application/sparql-results+json") == want


@pytest.mark.parametrize("media_type", list(RESULT_FORMATS))
def test_select_in_every_format(url: str, media_type: str) -> None:
    r = requests.get(url, params={"query": SELECT}, headers={"Accept": media_type}, timeout=T)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == media_type
    want = expected_rows(SELECT)
    got = parse_rows(r.content, media_type)
    assert got == (csv_values(want) if media_type == "text/csv" else want)


def test_literals_survive_every_format(url: str) -> None:
    q = 'SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(CONTAINS(?l, "\\t") || CONTAINS(?l, "\\"") || LANG(?l) = "fr") }'  # noqa: E501
    want = expected_rows(q)
    assert len(want) == 3
    for media_type in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/tab-separated-values",
    ):
        r = requests.get(url, params={"query": q, "format": media_type}, timeout=T)
        assert parse_rows(r.content, media_type) == want


@pytest.mark.parametrize(
    ("fmt", "value"), [("json", True), ("xml", True), ("csv", True), ("tsv", True), ("json", False)]
)
def test_ask(url: str, fmt: str, value: bool) -> None:
    q = "ASK { ?s a <https://w3id.org/cpkg/def#%s> }" % ("Force" if value else "Nothing")
    r = requests.get(url, params={"query": q, "format": fmt}, timeout=T)
    assert r.status_code == 200
    if fmt in ("json", "xml"):
        fmt_enum = ox.QueryResultsFormat.JSON if fmt == "json" else ox.QueryResultsFormat.XML
        parsed = ox.parse_query_results(r.content, format=fmt_enum)
        assert bool(parsed) is value
    else:
        assert r.text.strip() == str(value).lower()


@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
def test_construct_in_every_format(url: str, media_type: str) -> None:
    r = requests.post(url, data={"query": CONSTRUCT}, headers={"Accept": media_type}, timeout=T)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == media_type
    want = expected_triples(CONSTRUCT)
    assert len(want) == 6
    assert parse_triples(r.content, media_type) == want


def test_describe(url: str) -> None:
    q = "DESCRIBE <https://w3id.org/cpkg/id/force-a>"
    r = requests.get(url, params={"query": q, "format": "nt"}, timeout=T)
    assert r.status_code == 200
    assert parse_triples(r.content, "application/n-triples") == expected_triples(q)


def test_default_and_named_graph_uri(url: str) -> None:
    q = "SELECT ?s WHERE { ?s a ?c }"
    r = requests.get(url, params={"query": q, "default-graph-uri": G + "forces"}, timeout=T)
    assert len(parse_rows(r.content, "application/sparql-results+json")) == 3
    q2 = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = requests.post(
        url + "?named-graph-uri=" + G + "ontology",
        data=q2.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=T,
    )
    assert parse_rows(r.content, "application/sparql-results+json") == {(f"<{G}ontology>",)}
    r = requests.post(
        url, data={"query": q, "default-graph-uri": [G + "forces", G + "ontology"]}, timeout=T
    )
    assert len(parse_rows(r.content, "application/sparql-results+json")) == 8


def test_conneg_over_http(url: str) -> None:
    def ctype(accept: str, **params: str) -> tuple[int, str]:
        r = requests.get(
            url, params={"query": SELECT, **params}, headers={"Accept": accept}, timeout=T
        )
        return r.status_code, r.headers["Content-Type"].split(";")[0]

    assert ctype("text/csv;q=0.4, application/sparql-results+xml;q=0.8") == (
        200,
        "application/sparql-results+xml",
    )
    assert ctype("application/*") == (200, "application/sparql-results+json")
    assert ctype("*/*;q=0.5, text/tab-separated-values") == (200, "text/tab-separated-values")
    assert ctype("text/csv", format="json") == (200, "application/sparql-results+json")
    status, _ = ctype("application/sparql-results+json;q=0, text/turtle")
    assert status == 406
    r = requests.get(url, params={"query": SELECT}, headers={"Accept": "image/png"}, timeout=T)
    assert r.status_code == 406 and "application/sparql-results+json" in r.text
    assert "text/csv" in r.headers["X-Offered-Types"]
    r = requests.get(url, params={"query": CONSTRUCT, "format": "csv"}, timeout=T)
    assert r.status_code == 406 and "text/turtle" in r.text


def test_service_description(url: str) -> None:
    r = requests.get(url, timeout=T)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    triples = parse_triples(r.content, "text/turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoints = {str(t.object)[1:-1] for t in triples if t.predicate.value == sd + "endpoint"}
    assert endpoints == {url}
    names = {str(t.object)[1:-1] for t in triples if t.predicate.value == sd + "name"}
    assert names == {G + "forces", G + "inspections", G + "ontology"}
    r = requests.get(url, headers={"Accept": "application/ld+json"}, timeout=T)
    assert r.headers["Content-Type"].startswith("application/ld+json")
    assert parse_triples(r.content, "application/ld+json") == triples
    head = requests.head(url, timeout=T)
    assert head.status_code == 200 and head.content == b""


def test_head_and_options_and_cors(url: str) -> None:
    r = requests.head(url, params={"query": SELECT}, timeout=T)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = requests.options(
        url,
        timeout=T,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in r.headers["Access-Control-Allow-Headers"]
    assert "GET" in r.headers["Allow"]
    r = requests.get(
        url, params={"query": "ASK {}"}, headers={"Origin": "https://x.org"}, timeout=T
    )
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_syntax_error_says_where(url: str) -> None:
    r = requests.get(url, params={"query": "SELECT *\nWHERE { ?s ?p }"}, timeout=T)
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "syntax error at line 2, column 16" in r.text
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "PREFIX ex: <http://ex.org/> DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
    ],
)
def test_update_sent_as_query_is_refused(url: str, update: str) -> None:
    for r in (
        requests.get(url, params={"query": update}, timeout=T),
        requests.post(url, data={"query": update}, timeout=T),
    ):
        assert r.status_code == 400
        assert "read-only" in r.text
    assert requests.get(url, params={"query": "ASK { ?s ?p ?o }"}, timeout=T).json()["boolean"]


def test_updates_disabled_without_token(url: str) -> None:
    r = requests.post(
        url, data={"update": "CLEAR ALL"}, timeout=T, headers={"Authorization": "Bearer anything"}
    )
    assert r.status_code == 403 and "CPKG_UPDATE_TOKEN" in r.text
    r = requests.get(url, params={"update": "CLEAR ALL"}, timeout=T)
    assert r.status_code == 405


def test_federation_refused_by_default(url: str) -> None:
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    r = requests.get(url, params={"query": q}, timeout=T)
    assert r.status_code == 400 and "SERVICE" in r.text and "ALLOWLIST" in r.text


def test_federation_allowlist(live_app: Callable[[Flask], str]) -> None:
    remote = live_app(create_app(settings(), fixture_store())) + "/sparql"
    local = live_app(create_app(settings(federation_allowlist=(remote,)), fixture_store()))
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ SERVICE <{remote}> {{ ?s a ?c }} }}"
    r = requests.get(local + "/sparql", params={"query": q}, timeout=T)
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "17"  # 3 + 3 + 6 + 5 typed
    q2 = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/other> { ?s ?p ?o } }"
    r = requests.get(local + "/sparql", params={"query": q2}, timeout=T)
    assert r.status_code == 400 and "not allowed" in r.text


def test_limits(small_url: str) -> None:
    r = requests.get(small_url, params={"query": SELECT}, timeout=T)
    assert r.status_code == 400 and "more than 5 rows" in r.text and "LIMIT" in r.text
    r = requests.get(small_url, params={"query": SELECT + " LIMIT 5"}, timeout=T)
    assert r.status_code == 200
    r = requests.get(small_url, params={"query": CONSTRUCT, "format": "nt"}, timeout=T)
    assert r.status_code == 400 and "more than 5 triples" in r.text
    big = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 3000
    r = requests.post(small_url, data={"query": big}, timeout=T)
    assert r.status_code == 413 and "2000 bytes" in r.text
    r = requests.get(small_url, params={"query": big}, timeout=T)
    assert r.status_code == 413 and "POST" in r.text


def test_wrong_method_and_content_type(url: str) -> None:
    r = requests.put(url, data="x", timeout=T)
    assert r.status_code == 405 and r.headers["Content-Type"].startswith("text/plain")
    r = requests.post(url, data="ASK {}", headers={"Content-Type": "text/plain"}, timeout=T)
    assert r.status_code == 415 and "application/sparql-query" in r.text
    r = requests.get(url.replace("/sparql", "/nowhere"), timeout=T)
    assert r.status_code == 404 and "Traceback" not in r.text


def test_evaluation_error_is_a_400(url: str) -> None:
    r = requests.get(
        url,
        params={
            "query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?x LIMIT 1 "
            "OFFSET 99999999999999999999999"
        },
        timeout=T,
    )
    assert r.status_code in (200, 400) and "Traceback" not in r.text


def test_healthz_and_metrics(url: str) -> None:
    base = url.removesuffix("/sparql")
    h = requests.get(base + "/healthz", timeout=T)
    assert h.json() == {"ok": True, "triples": 54, "graphs": 3}
    requests.get(url, params={"query": "SELECT nonsense"}, timeout=T)
    m = requests.get(base + "/metrics", timeout=T)
    assert m.status_code == 200
    assert 'cpkg_http_requests_total{method="GET",route="/sparql",status="400"}' in m.text
    assert "cpkg_http_request_duration_seconds_bucket" in m.text
    assert 'cpkg_errors_total{kind="ParseError"}' in m.text
