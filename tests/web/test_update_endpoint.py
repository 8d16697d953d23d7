"""Updates and the Graph Store Protocol over real HTTP: auth, atomicity, persistence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from flask import Flask
from web_helpers import fixture_store, parse_triples, settings

from service.store.embedded import EmbeddedStore
from service.web import create_app

T = 10
TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G = "https://w3id.org/cpkg/graph/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TTL = f'<https://w3id.org/cpkg/id/n1> <{LABEL}> "one" .\n<https://w3id.org/cpkg/id/n2> <{LABEL}> "two"@en .\n'  # noqa: E501


@pytest.fixture
def base(live_app: Callable[[Flask], str]) -> str:
    return live_app(create_app(settings(update_token=TOKEN), fixture_store()))


def _count(base: str) -> int:
    r = requests.get(
        base + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}, timeout=T
    )
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_update_needs_the_token(base: str) -> None:
    upd = f"INSERT DATA {{ <http://x/a> <{LABEL}> 'a' }}"
    r = requests.post(base + "/sparql", data={"update": upd}, timeout=T)
    assert r.status_code == 401 and "Bearer" in r.text
    r = requests.post(
        base + "/sparql", data={"update": upd}, timeout=T, headers={"Authorization": "Bearer wrong"}
    )
    assert r.status_code == 401 and "wrong" in r.text
    r = requests.post(
        base + "/sparql",
        data={"update": upd},
        timeout=T,
        headers={"Authorization": f"Basic {TOKEN}"},
    )
    assert r.status_code == 401
    assert _count(base) == 54


def test_update_via_form_and_body(base: str) -> None:
    assert _count(base) == 54  # warms the evaluator pool: it must not answer stale data later
    r = requests.post(
        base + "/sparql",
        timeout=T,
        headers=AUTH,
        data={"update": f"INSERT DATA {{ <http://x/a> <{LABEL}> 'a' }}"},
    )
    assert r.status_code == 204, r.text
    r = requests.post(
        base + "/sparql",
        timeout=T,
        headers={**AUTH, "Content-Type": "application/sparql-update"},
        data=f"INSERT DATA {{ GRAPH <{G}extra> {{ <http://x/b> <{LABEL}> 'b' }} }}",
    )
    assert r.status_code == 204, r.text
    assert _count(base) == 56
    q = f"ASK {{ GRAPH <{G}extra> {{ <http://x/b> ?p ?o }} }}"
    assert requests.get(base + "/sparql", params={"query": q}, timeout=T).json()["boolean"]


def test_update_is_all_or_nothing(base: str) -> None:
    upd = (
        f"INSERT DATA {{ <http://x/a> <{LABEL}> 'a' }} ;\n"
        f"DELETE WHERE {{ ?s a <https://w3id.org/cpkg/def#Force> }} ;\n"
        f"CREATE GRAPH <{G}forces>"
    )  # fails: the graph exists
    r = requests.post(base + "/sparql", data={"update": upd}, headers=AUTH, timeout=T)
    assert r.status_code == 400 and "nothing was changed" in r.text
    assert _count(base) == 54
    r = requests.post(
        base + "/sparql", data={"update": "INSERT DATA { <a> }"}, headers=AUTH, timeout=T
    )
    assert r.status_code == 400 and "line 1" in r.text


def test_update_with_service_is_refused(base: str) -> None:
    upd = "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }"
    r = requests.post(base + "/sparql", data={"update": upd}, headers=AUTH, timeout=T)
    assert r.status_code == 400 and "SERVICE" in r.text


def test_graph_store_protocol(base: str) -> None:
    data = base + "/data"
    g = {"graph": G + "gsp"}
    ttl = {**AUTH, "Content-Type": "text/turtle"}
    assert requests.get(data, params=g, timeout=T).status_code == 404
    assert requests.put(data, params=g, data=TTL, timeout=T).status_code == 401
    assert requests.put(data, params=g, data=TTL, headers=ttl, timeout=T).status_code == 201
    assert requests.put(data, params=g, data=TTL, headers=ttl, timeout=T).status_code == 204
    want = parse_triples(TTL.encode(), "text/turtle")
    for media_type in ("text/turtle", "application/n-triples", "application/ld+json"):
        r = requests.get(data, params=g, headers={"Accept": media_type}, timeout=T)
        assert r.status_code == 200 and parse_triples(r.content, media_type) == want
    more = f'<https://w3id.org/cpkg/id/n3> <{LABEL}> "three" .'
    r = requests.post(
        data,
        params=g,
        data=more,
        timeout=T,
        headers={**AUTH, "Content-Type": "application/n-triples"},
    )
    assert r.status_code == 204
    r = requests.get(data, params={**g, "format": "nt"}, timeout=T)
    assert len(parse_triples(r.content, "application/n-triples")) == 3
    head = requests.head(data, params=g, timeout=T)
    assert head.status_code == 200 and head.content == b""
    assert requests.delete(data, params=g, timeout=T).status_code == 401
    assert requests.delete(data, params=g, headers=AUTH, timeout=T).status_code == 204
    assert requests.delete(data, params=g, headers=AUTH, timeout=T).status_code == 404
    assert requests.get(data, params=g, timeout=T).status_code == 404
    assert _count(base) == 54


def test_graph_store_default_graph_and_errors(base: str) -> None:
    data = base + "/data"
    ttl = {**AUTH, "Content-Type": "text/turtle"}
    r = requests.post(data + "?default", data=TTL, headers=ttl, timeout=T)
    assert r.status_code in (201, 204)
    r = requests.get(data + "?default", headers={"Accept": "application/n-triples"}, timeout=T)
    assert parse_triples(r.content, "application/n-triples") == parse_triples(
        TTL.encode(), "text/turtle"
    )
    assert requests.get(data, timeout=T).status_code == 400
    assert requests.get(data + "?default&graph=http://x/", timeout=T).status_code == 400
    r = requests.get(data, params={"graph": "not an iri"}, timeout=T)
    assert r.status_code == 400 and "absolute IRI" in r.text
    r = requests.put(data, params={"graph": G + "bad"}, data="<a> <b> .", headers=ttl, timeout=T)
    assert r.status_code == 400 and "line 1" in r.text
    r = requests.put(
        data,
        params={"graph": G + "bad"},
        data="x",
        timeout=T,
        headers={**AUTH, "Content-Type": "image/png"},
    )
    assert r.status_code == 415
    nq = "<http://x/s> <http://x/p> <http://x/o> <http://x/g> .\n"
    r = requests.put(
        data,
        params={"graph": G + "bad"},
        data=nq,
        timeout=T,
        headers={**AUTH, "Content-Type": "application/n-quads"},
    )
    assert r.status_code == 400 and "triple format" in r.text


def test_graph_store_writes_disabled_without_token(live_app: Callable[[Flask], str]) -> None:
    base = live_app(create_app(settings(), fixture_store()))
    r = requests.put(
        base + "/data",
        params={"graph": G + "x"},
        data=TTL,
        timeout=T,
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    assert r.status_code == 403 and "read-only" in r.text
    r = requests.get(base + "/data", params={"graph": G + "forces"}, timeout=T)
    assert r.status_code == 200 and len(parse_triples(r.content, "text/turtle")) == 9


def test_updates_persist_on_disk(live_app: Callable[[Flask], str], tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = fixture_store(path)
    base = live_app(create_app(settings(update_token=TOKEN, store_path=path), store))
    r = requests.post(
        base + "/sparql",
        headers=AUTH,
        timeout=T,
        data={"update": f"INSERT DATA {{ <http://x/p> <{LABEL}> 'kept' }}"},
    )
    assert r.status_code == 204
    r = requests.put(
        base + "/data",
        params={"graph": G + "disk"},
        data=TTL,
        timeout=T,
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    assert r.status_code == 201
    store.close()
    reopened = EmbeddedStore(path)
    assert reopened.triple_count() == 57
    assert ox.NamedNode(G + "disk").value in reopened.graph_names()
    reopened.close()
