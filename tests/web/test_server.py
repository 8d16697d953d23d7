"""The real deployment (granian via service.server) with real SPARQL clients and the timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from live_server import start_server, stop_process
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper
from web_helpers import DATASET, expected_rows

EXPLOSIVE = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
)

pytestmark = pytest.mark.server
CHEAP = "SELECT ?s WHERE { ?s a <https://w3id.org/cpkg/def#Force> }"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """One server (1 worker, 4 threads, 2 s timeout) shared by this module."""
    url, proc = start_server(
        [DATASET], env={"CPKG_QUERY_TIMEOUT": "2", "CPKG_THREADS": "4"}, workers=1
    )
    yield url
    stop_process(proc)


def test_runaway_query_is_stopped_while_others_are_answered(server: str) -> None:
    url = server + "/sparql"
    out: dict[str, object] = {}

    def explode() -> None:
        t0 = time.monotonic()
        r = requests.get(url, params={"query": EXPLOSIVE}, timeout=30)
        out["status"], out["text"], out["elapsed"] = r.status_code, r.text, time.monotonic() - t0

    thread = threading.Thread(target=explode)
    thread.start()
    time.sleep(0.3)  # let the explosive query start
    t0 = time.monotonic()
    cheap = requests.get(url, params={"query": CHEAP}, timeout=10)
    cheap_elapsed = time.monotonic() - t0
    assert cheap.status_code == 200 and len(cheap.json()["results"]["bindings"]) == 3
    assert cheap_elapsed < 0.5, f"cheap query took {cheap_elapsed:.2f} s"
    thread.join(30)
    assert out["status"] == 503, out
    assert "2 s limit" in str(out["text"])
    assert 1.9 < float(out["elapsed"]) < 3.0, out  # type: ignore[arg-type]
    # afterwards the server still answers, and counted the timeout
    assert requests.get(url, params={"query": CHEAP}, timeout=10).status_code == 200
    metrics = requests.get(server + "/metrics", timeout=10).text
    assert "cpkg_query_timeouts_total 1.0" in metrics


def test_sparqlwrapper_client(server: str) -> None:
    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery(CHEAP)
    sw.setReturnFormat(JSON)
    result = sw.query().convert()
    assert isinstance(result, dict)
    got = {b["s"]["value"] for b in result["results"]["bindings"]}
    assert got == {row[0][1:-1] for row in expected_rows(CHEAP)}
    sw.setMethod("POST")
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert len(doc.getElementsByTagName("result")) == 3  # type: ignore[union-attr]
    sw.setQuery("ASK { ?s a <https://w3id.org/cpkg/def#Force> }")
    sw.setReturnFormat(JSON)
    answer = sw.query().convert()
    assert isinstance(answer, dict) and answer["boolean"] is True
    sw.setQuery("CONSTRUCT WHERE { ?s a <https://w3id.org/cpkg/def#Force> }")
    sw.setReturnFormat(TURTLE)
    g = Graph().parse(data=sw.query().convert(), format="turtle")  # type: ignore[arg-type]
    assert len(g) == 3


def test_rdflib_sparqlstore_client(server: str) -> None:
    g = Graph(store=SPARQLStore(server + "/sparql"))
    rows = list(g.query(CHEAP))
    assert len(rows) == 3
    force_a = URIRef("https://w3id.org/cpkg/id/force-a")
    assert len(list(g.triples((force_a, None, None)))) == 3
    assert len(g) == 54


def test_several_workers_share_metrics(cpkg_server: Callable[..., str]) -> None:
    url = cpkg_server([DATASET], workers=2)
    for _ in range(6):
        assert requests.get(url + "/sparql", params={"query": CHEAP}, timeout=10).ok
    text = requests.get(url + "/metrics", timeout=10).text
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith('cpkg_http_requests_total{method="GET",route="/sparql"')
    )
    assert line.endswith(" 6.0"), line
    assert requests.get(url + "/healthz", timeout=10).json()["triples"] == 54


def test_on_disk_store_under_the_server_persists_updates(tmp_path: Path) -> None:
    env = {"CPKG_STORE_PATH": str(tmp_path / "store"), "CPKG_UPDATE_TOKEN": "tok"}
    ask = {"query": "ASK { <http://x/a> ?p ?o }"}
    url, proc = start_server([DATASET], env=env, workers=2)  # forced to 1 worker
    try:
        assert requests.get(url + "/sparql", params=ask, timeout=10).json()["boolean"] is False
        r = requests.post(
            url + "/sparql",
            headers={"Authorization": "Bearer tok"},
            timeout=10,
            data={"update": "INSERT DATA { <http://x/a> <http://x/b> 'c' }"},
        )
        assert r.status_code == 204
        assert requests.get(url + "/sparql", params=ask, timeout=10).json()["boolean"] is True
    finally:
        stop_process(proc)
    url, proc = start_server([DATASET], env=env, workers=1)
    try:  # same dataset SHA-256: the store is reused, with the update
        assert requests.get(url + "/sparql", params=ask, timeout=10).json()["boolean"] is True
        assert requests.get(url + "/healthz", timeout=10).json()["triples"] == 55
    finally:
        stop_process(proc)


@pytest.mark.parametrize(
    "overrides,workers,preloaded,reason",
    [
        ({}, 3, True, ""),
        ({"store_path": Path("/var/lib/cpkg")}, 1, False, "on-disk store"),
        ({"update_token": "t"}, 1, True, "updates"),
        ({"users": (("alice", "a-token"),)}, 1, True, "updates"),
        ({"store": "remote", "store_path": Path("/ignored")}, 3, True, ""),
    ],
)
def test_process_model(
    overrides: dict[str, object], workers: int, preloaded: bool, reason: str
) -> None:
    """Several workers share one preloaded store unless a store or writes need one process."""
    from dataclasses import replace

    from service.config import Settings
    from service.server import plan

    sp = plan(replace(Settings(), **overrides), 3)  # type: ignore[arg-type]
    assert (sp.workers, sp.preloaded, sp.threads) == (workers, preloaded, 4)
    assert reason in sp.reason and bool(sp.reason) == bool(reason)


def test_the_loaded_app_is_hidden_from_the_collector() -> None:
    """Workers are forked from the loaded app and share it copy-on-write: frozen, it is never
    walked (and so copied) by a full garbage collection in a worker."""
    import gc

    from service.server import _settled

    app = object()
    try:
        assert _settled(app) is app
        assert gc.get_freeze_count() >= len(gc.get_objects()) // 10
    finally:
        gc.unfreeze()
