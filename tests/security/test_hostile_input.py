"""Hostile input against a real server (granian): path traversal, markup in literals, SERVICE
aimed at internal addresses, oversized uploads, absurd nesting, bad tokens."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sec_helpers import ADMIN, Server, bearer

pytestmark = pytest.mark.server

T = 30
CPR = "https://w3id.org/cpkg/id/"
CUSTODY = CPR + "finding-2016-custody"
SCRIPT = "<script>alert('cpkg-xss')</script>"
HOSTILE_TRIG = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix cpkg: <https://w3id.org/cpkg/def#> .
<https://w3id.org/cpkg/graph/x'&y> {{
  <{CUSTODY}> rdfs:label "{SCRIPT}"@en ; rdfs:comment "\\"><img src=x onerror=alert(1)>" .
  <{CPR}finding-zz-xss> a cpkg:Finding ; rdfs:label "{SCRIPT}" .
}}
"""
EVIL_QUERY = f"# title: </script>{SCRIPT}\n# description: {SCRIPT}\nSELECT * WHERE {{ ?s ?p ?o }}\n"


@pytest.fixture(scope="module")
def srv(dataset_nq: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "hostile.trig").write_text(HOSTILE_TRIG)
    (tmp / "graph" / "queries").mkdir(parents=True)
    (tmp / "graph" / "queries" / "evil.rq").write_text(EVIL_QUERY)
    env = {
        "CPKG_GRAPH_DIR": str(tmp / "graph"),
        "CPKG_MAX_REQUEST_BYTES": "20000",
        "CPKG_UPDATE_TOKEN": ADMIN,
        "CPKG_QUERY_TIMEOUT": "5",
        "CPKG_FEDERATION_ALLOWLIST": "https://query.wikidata.org/sparql http://127.0.0.1:1/exact",
    }
    server = Server([dataset_nq, tmp / "hostile.trig"], env).wait()
    yield server.url
    server.stop()


def _raw_get(url: str, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (no client-side normalization of dot segments)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=T)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "path",
    [
        "/static/../pyproject.toml",
        "/static/%2e%2e/pyproject.toml",
        "/static/..%2fpyproject.toml",
        "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/..%5c..%5cpyproject.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/vendor/../../../../pyproject.toml",
        "/dumps/..%2fpyproject.toml",
        "/dumps/%2e%2e%2fpyproject.toml",
        "/dumps/../pyproject.toml",
        "/dumps/..%2f..%2f..%2fetc%2fpasswd",
        "/dumps/dataset.nq%00.txt",
        "/id/..%2f..%2fpyproject.toml",
        "/graph/..%2f..%2fpyproject.toml",
    ],
)
def test_path_traversal(srv: str, path: str) -> None:
    status, body = _raw_get(srv, path)
    assert status in (301, 302, 303, 308, 400, 404), (path, status)
    assert b"[project]" not in body and b"root:x:0" not in body


def _escaped(body: str) -> None:
    assert SCRIPT not in body and "<img src=x" not in body and "</script><script>" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/id/finding-2016-custody",
        "/id/finding-zz-xss",
        f"/chain/view?focus={CUSTODY}",
        "/chain/view",
        "/query",
        "/.well-known/void?format=html",
        f"/paths?from={CUSTODY}&to={CPR}finding-zz-xss&format=html",
    ],
)
def test_markup_in_literals_renders_as_text(srv: str, path: str) -> None:
    r = requests.get(srv + path, headers={"Accept": "text/html"}, timeout=T)
    assert r.status_code in (200, 404), r.text[:300]
    assert r.headers["Content-Type"].startswith("text/html")
    _escaped(r.text)
    if path.startswith("/id/") or path.startswith("/chain/view?"):
        assert "&lt;script&gt;" in r.text  # shown, as text


def test_hostile_host_header_is_not_reflected_as_markup(srv: str) -> None:
    r = requests.get(srv + "/query", headers={"Host": 'evil"><script>x</script>'}, timeout=T)
    assert r.status_code in (200, 400)
    assert "<script>x</script>" not in r.text


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8000/sparql",
        "http://localhost/sparql",
        "http://LOCALHOST./sparql",
        "http://10.0.0.5/sparql",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/sparql",
        "http://[::ffff:127.0.0.1]/sparql",
        "http://2130706433/",
        "http://0x7f.0.0.1/",
        "http://127.1/",
        "http://metadata.google.internal/",
        "http://127.0.0.1:1/exact/../other",
    ],
)
def test_service_to_internal_addresses_is_refused(srv: str, endpoint: str) -> None:
    q = f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    r = requests.get(srv + "/sparql", params={"query": q}, timeout=T)
    assert r.status_code == 400 and "not allowed" in r.text, r.text
    upd = f"INSERT {{ <a:b> <a:c> ?o }} WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    r = requests.post(srv + "/sparql", data={"update": upd}, headers=bearer(ADMIN), timeout=T)
    assert r.status_code == 400 and "not allowed" in r.text, r.text


def test_exactly_allowlisted_local_endpoint_passes_the_policy(srv: str) -> None:
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/exact> { ?s ?p ?o } }"
    r = requests.get(srv + "/sparql", params={"query": q}, timeout=T)
    assert r.status_code == 502 and "SERVICE endpoint" in r.text  # policy passed; call failed


def test_oversized_graph_store_upload_is_413(srv: str) -> None:
    big = "<a:s> <a:p> '" + "x" * 30_000 + "' ."
    h = {**bearer(ADMIN), "Content-Type": "text/turtle"}
    params = {"graph": "https://w3id.org/cpkg/graph/big"}
    r = requests.put(srv + "/data", params=params, data=big, headers=h, timeout=T)
    assert r.status_code == 413 and "20000 bytes" in r.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        for _ in range(40):
            yield b"<a:s> <a:p> '" + b"y" * 1000 + b"' .\n"

    r = requests.put(srv + "/data", params=params, data=chunks(), headers=h, timeout=T)
    assert r.status_code == 413
    assert requests.get(srv + "/data", params=params, timeout=T).status_code == 404
    r = requests.post(srv + "/sparql", data={"query": "SELECT * {}" + " " * 30_000}, timeout=T)
    assert r.status_code == 413


@pytest.mark.parametrize("opener,closer", [("{", "}"), ("(", ")"), ("[", "]")])
def test_absurd_nesting_is_a_clear_400(srv: str, opener: str, closer: str) -> None:
    if opener == "{":
        q = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    elif opener == "(":
        q = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }"
    else:
        q = "SELECT * WHERE { ?s <a:p> " + "[ <a:p> " * 300 + "1" + " ]" * 300 + " }"
    r = requests.post(srv + "/sparql", data={"query": q}, timeout=T)
    assert r.status_code == 400 and "nests" in r.text
    r = requests.post(
        srv + "/sparql", data={"update": "INSERT DATA " + q[15:]}, headers=bearer(ADMIN)
    )
    assert r.status_code == 400
    assert requests.get(srv + "/healthz", timeout=T).status_code == 200


def test_bad_encodings_are_400_not_500(srv: str) -> None:
    h = {"Content-Type": "application/sparql-query; charset=utf-8"}
    r = requests.post(srv + "/sparql", data=b"SELECT * WHERE { ?s ?p '\xff\xfe' }", headers=h)
    assert r.status_code == 400 and "UTF-8" in r.text
    h = {"Content-Type": "application/sparql-query; charset=no-such-charset"}
    assert requests.post(srv + "/sparql", data=b"ASK {}", headers=h, timeout=T).status_code == 400
    r = requests.get(srv + "/sparql?query=%ff%fe%00", timeout=T)
    assert r.status_code == 400
