"""Private named graphs: a user's graph is seen by its owner (and the admin) only, through
every read path, and users write nothing but their own graphs. Real server (granian), real store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from sec_helpers import ADMIN, ALICE, BOB, PRIVATE, USERS, Server, bearer

pytestmark = pytest.mark.server

T = 30
CPR = "https://w3id.org/cpkg/id/"
CUSTODY = CPR + "finding-2016-custody"
MARKER = "zq-private-marker-8c1f"  # appears nowhere but in alice's graphs
MARKER2 = "zq-private-update-marker-51d0"
SECRET = CPR + "finding-zq-secret-matter"
ALICE_G = PRIVATE + "alice/matter-17"
ALICE_G2 = PRIVATE + "alice/notes/2026"
BOB_G = PRIVATE + "bob/own"
TTL = f"""
@prefix cpkg: <https://w3id.org/cpkg/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{SECRET}> a cpkg:Finding ; rdfs:label "{MARKER}" ; cpkg:concerns <{CUSTODY}> .
<{CUSTODY}> rdfs:comment "{MARKER} on a public resource" .
<{PRIVATE}alice/term-{MARKER}> a <{PRIVATE}alice/Class-{MARKER}> .
"""


@pytest.fixture(scope="module")
def srv(dataset_nq: Path) -> Iterator[str]:
    env = {"CPKG_USERS": USERS, "CPKG_UPDATE_TOKEN": ADMIN, "CPKG_QUERY_TIMEOUT": "20"}
    server = Server([dataset_nq], env).wait()
    url = server.url
    before = requests.get(url + "/healthz", timeout=T).json()
    h = {**bearer(ALICE), "Content-Type": "text/turtle"}
    r = requests.put(url + "/data", params={"graph": ALICE_G}, data=TTL, headers=h, timeout=T)
    assert r.status_code == 201, r.text
    upd = f'INSERT DATA {{ GRAPH <{ALICE_G2}> {{ <{SECRET}> <{CPR}p> "{MARKER2}" }} }}'
    r = requests.post(url + "/sparql", data={"update": upd}, headers=bearer(ALICE), timeout=T)
    assert r.status_code == 204, r.text
    h = {**bearer(BOB), "Content-Type": "text/turtle"}
    r = requests.put(url + "/data", params={"graph": BOB_G}, data="<a:b> <a:c> 'bob' .", headers=h)
    assert r.status_code == 201, r.text
    assert requests.get(url + "/healthz", timeout=T).json() == before  # anonymous: unchanged
    yield url
    server.stop()


def _sparql(url: str, query: str, token: str | None = None, **params: str) -> requests.Response:
    headers = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
    if token:
        headers.update(bearer(token))
    return requests.post(
        url + "/sparql", data={"query": query, **params}, headers=headers, timeout=T
    )


QUERIES = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"SELECT * FROM <{ALICE_G}> WHERE {{ ?s ?p ?o }}",
    f"SELECT * FROM NAMED <{ALICE_G}> FROM NAMED <{ALICE_G2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    f"PREFIX p: <{PRIVATE}alice/> SELECT * FROM p:matter-17 WHERE {{ ?s ?p ?o }}",
    f"SELECT * WHERE {{ GRAPH <{ALICE_G}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ <{SECRET}> ?p ?o }}",
    f"SELECT * WHERE {{ <{CUSTODY}> ?p ?o }}",
    f"DESCRIBE <{SECRET}>",
    f"DESCRIBE <{CUSTODY}>",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    # \u escapes and comments do not smuggle a FROM past the dataset check
    f"SELECT * \\u0046ROM <{ALICE_G}> WHERE {{ ?s ?p ?o }}",
    f"SELECT * # comment\n FROM <{ALICE_G}> WHERE {{ ?s ?p ?o }}",
]
LEAKS = (MARKER, MARKER2, "private/alice", "private/bob")


def _no_leak(text: str, where: str, allowed: tuple[str, ...] = ()) -> None:
    for s in LEAKS:
        if s not in allowed:
            assert s not in text, f"{s!r} leaked through {where}"


@pytest.mark.parametrize("who", ["anonymous", "bob"])
def test_queries_never_see_private_graphs(srv: str, who: str) -> None:
    token = BOB if who == "bob" else None
    allowed = ("private/bob",) if who == "bob" else ()
    for q in QUERIES:
        r = _sparql(srv, q, token)
        assert r.status_code in (200, 400), (q, r.text)
        _no_leak(r.text, q, allowed)
    ask = f"ASK {{ GRAPH <{ALICE_G}> {{ ?s ?p ?o }} }}"
    assert _sparql(srv, ask, token).json()["boolean"] is False
    for params in ({"default-graph-uri": ALICE_G}, {"named-graph-uri": ALICE_G}):
        r = _sparql(
            srv, "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", token, **params
        )
        assert r.status_code == 200
        _no_leak(r.text, str(params), allowed)
    # the service description lists the graphs the caller can see
    r = requests.get(srv + "/sparql", headers=bearer(token) if token else {}, timeout=T)
    _no_leak(r.text, "service description", allowed)


@pytest.mark.parametrize("who", ["anonymous", "bob"])
def test_pages_dumps_void_chain_paths_never_show_private_data(srv: str, who: str) -> None:
    h = bearer(BOB) if who == "bob" else {}
    allowed = ("private/bob",) if who == "bob" else ()
    secret_page = requests.get(srv + "/id/finding-zq-secret-matter", headers=h, timeout=T)
    assert secret_page.status_code == 404
    _no_leak(secret_page.text, "/id/ of the private resource")
    for fmt in ("html", "ttl", "jsonld", "nt"):
        r = requests.get(srv + "/id/finding-2016-custody", params={"format": fmt}, headers=h)
        assert r.status_code == 200
        _no_leak(r.text, f"/id/finding-2016-custody?format={fmt}", allowed)
    for name in ("dataset.nq", "dataset.trig", "dataset.ttl", "dataset.jsonld"):
        r = requests.get(srv + "/dumps/" + name, headers=h, timeout=T)
        assert r.status_code == 200 and len(r.content) > 10_000
        _no_leak(r.text, "/dumps/" + name, allowed)
    for fmt in ("ttl", "html"):
        r = requests.get(srv + "/.well-known/void", params={"format": fmt}, headers=h, timeout=T)
        assert r.status_code == 200
        _no_leak(r.text, "VoID " + fmt, allowed)
    for path, params in (
        ("/chain", {"focus": CUSTODY}),
        ("/chain", {"focus": CUSTODY, "format": "ttl"}),
        ("/chain/view", {"focus": CUSTODY}),
        ("/chain/view", {}),
        ("/chain", {"focus": SECRET}),
        ("/paths", {"from": SECRET, "to": CUSTODY}),
        ("/paths", {"from": CUSTODY, "to": "http://www.legislation.gov.uk/id/ukpga/1984/60"}),
        ("/data", {"graph": ALICE_G}),
        ("/query", {}),
    ):
        r = requests.get(srv + path, params=params, headers=h, timeout=T)
        assert r.status_code in (200, 404), (path, params, r.status_code, r.text[:300])
        _no_leak(r.text.replace(ALICE_G, ""), f"{path} {params}", allowed)  # echoes are fine
    assert requests.get(srv + "/data", params={"graph": ALICE_G}, headers=h).status_code == 404
    assert requests.get(srv + "/chain", params={"focus": SECRET}, headers=h).status_code == 404


def test_healthz_counts_only_visible_triples(srv: str) -> None:
    anon = requests.get(srv + "/healthz", timeout=T).json()
    alice = requests.get(srv + "/healthz", headers=bearer(ALICE), timeout=T).json()
    bob = requests.get(srv + "/healthz", headers=bearer(BOB), timeout=T).json()
    admin = requests.get(srv + "/healthz", headers=bearer(ADMIN), timeout=T).json()
    assert alice["triples"] == anon["triples"] + 6 and alice["graphs"] == anon["graphs"] + 2
    assert bob["triples"] == anon["triples"] + 1 and bob["graphs"] == anon["graphs"] + 1
    assert admin["triples"] == anon["triples"] + 7


def test_owner_sees_own_graphs_everywhere(srv: str) -> None:
    r = _sparql(srv, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", ALICE)
    assert MARKER in r.text and MARKER2 in r.text and "private/bob" not in r.text
    r = _sparql(srv, f"SELECT * FROM <{ALICE_G}> WHERE {{ ?s ?p ?o }}", ALICE)
    assert MARKER in r.text and MARKER2 not in r.text  # FROM is honoured within the view
    r = _sparql(srv, f"SELECT * FROM <{ALICE_G}> FROM <{BOB_G}> WHERE {{ ?s ?p ?o }}", ALICE)
    assert MARKER in r.text and "bob" not in r.text  # ... and never widens it
    page = requests.get(srv + "/id/finding-zq-secret-matter", headers=bearer(ALICE), timeout=T)
    assert page.status_code == 200 and MARKER in page.text
    dump = requests.get(srv + "/dumps/dataset.nq", headers=bearer(ALICE), timeout=T)
    assert MARKER in dump.text and "private/bob" not in dump.text
    g = requests.get(srv + "/data", params={"graph": ALICE_G}, headers=bearer(ALICE), timeout=T)
    assert g.status_code == 200 and MARKER in g.text
    admin = _sparql(srv, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", ADMIN)
    assert MARKER in admin.text and "private/bob" in admin.text


def _update(url: str, token: str, text: str) -> requests.Response:
    return requests.post(url + "/sparql", data={"update": text}, headers=bearer(token), timeout=T)


@pytest.mark.parametrize(
    "update",
    [
        f"INSERT DATA {{ GRAPH <{ALICE_G}> {{ <a:x> <a:y> 'bob was here' }} }}",
        "INSERT DATA { <a:x> <a:y> 'default graph' }",
        "INSERT DATA { GRAPH <https://w3id.org/cpkg/graph/findings> { <a:x> <a:y> 1 } }",
        "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
        "INSERT { GRAPH ?g { <a:x> <a:y> 1 } } WHERE { GRAPH ?g { ?s ?p ?o } }",
        f"WITH <{PRIVATE}alice/other> INSERT {{ <a:x> <a:y> 1 }} WHERE {{ }}",
        "DROP ALL",
        "CLEAR DEFAULT",
        f"DROP GRAPH <{ALICE_G}>",
        f"COPY <https://w3id.org/cpkg/graph/findings> TO <{PRIVATE}alice/copy>",
        f"MOVE <{BOB_G}> TO <{PRIVATE}bob/../alice/x>",
        "CREATE GRAPH <https://w3id.org/cpkg/graph/new>",
        f"INSERT DATA {{ GRAPH <{PRIVATE}bob/a/../b> {{ <a:x> <a:y> 1 }} }}",
        f"LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <{BOB_G}>",
    ],
)
def test_bob_cannot_write_outside_his_graphs(srv: str, update: str) -> None:
    before = requests.get(srv + "/healthz", headers=bearer(ADMIN), timeout=T).json()
    r = _update(srv, BOB, update)
    # 403, or 400 for a graph bob cannot see (exactly as if it did not exist), or 204 for an
    # update with no effect (CLEAR DEFAULT on an empty default graph); never a change
    assert r.status_code in (204, 400, 403), r.text
    if r.status_code == 403:
        assert "bob" in r.text or "LOAD" in r.text
    after = requests.get(srv + "/healthz", headers=bearer(ADMIN), timeout=T).json()
    assert after == before


def test_user_update_reads_only_what_the_user_sees(srv: str) -> None:
    copy = f"{PRIVATE}bob/stolen"
    upd = f"INSERT {{ GRAPH <{copy}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{ALICE_G}> {{ ?s ?p ?o }} }}"
    assert _update(srv, BOB, upd).status_code == 204
    r = requests.get(srv + "/data", params={"graph": copy}, headers=bearer(BOB), timeout=T)
    assert MARKER not in r.text
    # a user may read public data into their own graph, and delete their own graph
    upd = (
        f"INSERT {{ GRAPH <{copy}> {{ <{CUSTODY}> <a:seen> true }} }} "
        f"WHERE {{ GRAPH ?g {{ <{CUSTODY}> a ?t }} }}"
    )
    assert _update(srv, BOB, upd).status_code == 204
    assert "a:seen" in requests.get(srv + "/data", params={"graph": copy}, headers=bearer(BOB)).text
    assert (
        requests.delete(srv + "/data", params={"graph": copy}, headers=bearer(BOB)).status_code
        == 204
    )


def test_graph_store_writes_are_confined(srv: str) -> None:
    h = {**bearer(BOB), "Content-Type": "text/turtle"}
    body = "<a:x> <a:y> 'z' ."
    for graph in (ALICE_G, "https://w3id.org/cpkg/graph/findings", PRIVATE + "bob/../x"):
        for method in ("PUT", "POST", "DELETE"):
            r = requests.request(
                method, srv + "/data", params={"graph": graph}, data=body, headers=h
            )
            assert r.status_code == 403, (method, graph, r.text)
            assert f"{PRIVATE}bob/" in r.text
    r = requests.put(srv + "/data?default", data=body, headers=h, timeout=T)
    assert r.status_code == 403
    anon = {"Content-Type": "text/turtle"}
    assert (
        requests.put(srv + "/data", params={"graph": BOB_G}, data=body, headers=anon).status_code
        == 401
    )
    # the admin may write public data
    r = requests.post(
        srv + "/data",
        params={"graph": "https://w3id.org/cpkg/graph/zq-admin"},
        data=body,
        headers={**bearer(ADMIN), "Content-Type": "text/turtle"},
        timeout=T,
    )
    assert r.status_code == 201
    assert (
        requests.delete(
            srv + "/data",
            params={"graph": "https://w3id.org/cpkg/graph/zq-admin"},
            headers=bearer(ADMIN),
        ).status_code
        == 204
    )


def test_invalid_tokens_are_refused_clearly(srv: str) -> None:
    for header in (
        "Bearer nope",
        "Bearer " + ALICE[:-1],
        "Basic YWxpY2U6eA==",
        "Bearer",
        "Bearer  ",
    ):
        r = requests.get(srv + "/healthz", headers={"Authorization": header}, timeout=T)
        assert r.status_code == 401, header
        assert r.headers["WWW-Authenticate"] == "Bearer"
        assert "token" in r.text or "Bearer" in r.text
    r = requests.get(srv + "/sparql", params={"query": "ASK {}"}, headers=bearer("x" * 40))
    assert r.status_code == 401 and "wrong" in r.text


def test_private_graph_naming_is_documented() -> None:
    root = Path(__file__).resolve().parents[2]
    text = (root / "SECURITY.md").read_text() + (root / "README.md").read_text()
    assert "https://w3id.org/cpkg/private/<user>/" in text
    assert quote("private/<user>/") not in text  # documented literally, not URL-encoded
