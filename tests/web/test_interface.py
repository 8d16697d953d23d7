"""The web interface in process, over the project's own graph files (loaded as `cpkg serve
--data` would, so the search index is written at start-up): search, the SPARQL search
functions, the timeline, every chain of a focus, paths without hubs and with evidence, the
endpoint page, source pages, and how static assets are served."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.config import Settings
from service.store.embedded import EmbeddedStore
from service.vocab import GRAPH

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "interface-test-admin-token-0123456789"
CPR = "https://w3id.org/cpkg/id/"
MET = CPR + "org-metropolitan-police-service"
MICHAEL = "https://caselaw.nationalarchives.gov.uk/uksc/2015/2"
JSON = {"Accept": "application/json"}


def project_store() -> EmbeddedStore:
    store = EmbeddedStore(None)
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        store.load_file(path, str(GRAPH[f"ontology-{path.stem}"]))
    for path in sorted((ROOT / "graph").glob("*.ttl")):
        store.load_file(path, str(GRAPH[path.stem]))
    return store


@pytest.fixture(scope="module")
def app() -> Flask:
    from service.web import create_app

    settings = Settings(graph_dir=ROOT / "graph", rate_limit=0, update_token=TOKEN)
    return create_app(settings, project_store())


@pytest.fixture()
def client(app: Flask) -> Iterator[FlaskClient]:
    yield app.test_client()


def hits(client: FlaskClient, text: str) -> list[dict[str, object]]:
    resp = client.get("/search", query_string={"q": text}, headers=JSON)
    assert resp.status_code == 200 and resp.content_type.startswith("application/json")
    return resp.get_json()["hits"]


# -- search ---------------------------------------------------------------------------------


def test_search_finds_names_as_the_sources_misspell_them(client: FlaskClient) -> None:
    first = hits(client, "Michaels")[0]
    assert first["iri"] == MICHAEL
    assert "Michaels" in str(first["quote"])  # the passage that writes the name so
    assert str(first["source"]).endswith("source-000")
    winsor = hits(client, "Windsor")[0]
    assert winsor["iri"] == CPR + "person-thomas-winsor"
    assert winsor["matched"] == "other name or name as written" and winsor["text"] == (
        "Sir Thomas Windsor"
    )
    assert winsor["page"] == "http://localhost/id/person-thomas-winsor"


def test_search_ranks_and_shows_the_matching_quote(client: FlaskClient) -> None:
    found = hits(client, "custody")
    scores = [float(str(h["score"])) for h in found]
    assert len(found) > 3
    custody = next(h for h in found if h["iri"] == CPR + "finding-2016-custody")
    assert "custody" in str(custody["text"]).lower()
    quoted = [h for h in found if h["quote"]]
    assert quoted and all("custody" in str(h["quote"]).lower() for h in quoted[:3])
    assert scores[0] > 0
    page = client.get("/search?q=custody").get_data(as_text=True)
    assert "<mark>custody</mark>" in page and "<script>" not in page.split("<main")[1]


def test_search_input_is_checked(client: FlaskClient) -> None:
    assert client.get("/search?q=" + "x" * 201).status_code == 400
    assert client.get("/search?q=a&limit=0").status_code == 400
    assert hits(client, '"*') == []  # no word at all
    assert hits(client, 'custody" OR NEAR(x') == hits(client, "custody or near x")  # just words
    empty = client.get("/search")
    assert empty.status_code == 200 and b'id="q"' in empty.data
    assert client.get("/search?q=a", headers={"Accept": "text/turtle"}).status_code == 406


def test_search_sees_only_what_the_store_has() -> None:
    from service.web import create_app

    settings = Settings(graph_dir=ROOT / "graph", rate_limit=0, update_token=TOKEN)
    client = create_app(settings, project_store()).test_client()
    target = CPR + "person-sally-smith"
    assert hits(client, "Sally Smith")[0]["iri"] == target
    gone = client.post(
        "/sparql",
        data={"update": f"DELETE WHERE {{ GRAPH ?g {{ <{target}> ?p ?o }} }}"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert gone.status_code == 204
    assert target not in [h["iri"] for h in hits(client, "Sally Smith")]  # the index is older


def test_search_from_sparql(client: FlaskClient) -> None:
    query = """PREFIX cpkg: <https://w3id.org/cpkg/def#>
    SELECT ?f ?score ?match WHERE {
      ?f a cpkg:Finding .
      BIND(cpkg:search(?f, "custody") AS ?score) FILTER(BOUND(?score))
      BIND(cpkg:searchMatch(?f, "custody") AS ?match)
    } ORDER BY DESC(?score)"""
    resp = client.post("/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0] == ["f", "score", "match"]
    assert rows[1][0] == CPR + "finding-2016-custody"
    assert all("custod" in r[2].lower() for r in rows[1:])
    scores = [float(r[1]) for r in rows[1:]]
    assert scores == sorted(scores, reverse=True)


# -- chains, paths, timeline ----------------------------------------------------------------


def test_chain_view_lists_every_chain_of_a_force(client: FlaskClient) -> None:
    doc = client.get("/chain", query_string={"focus": MET}, headers={"Accept": "application/json"})
    findings = [c["finding"] for c in doc.get_json()["chains"]]
    page = client.get("/chain/view", query_string={"focus": MET}).get_data(as_text=True)
    assert f"{len(findings)} findings</strong>" in page
    assert page.count('<option value="https://w3id.org/cpkg/id/finding-') == len(findings)
    chosen = findings[3]
    other = client.get("/chain/view", query_string={"focus": MET, "finding": chosen})
    assert f"Showing chain 4 of {len(findings)}" in other.get_data(as_text=True)


def test_chain_box_and_paths_take_names(client: FlaskClient) -> None:
    choose = client.get("/chain/view?focus=custody")
    assert choose.status_code == 200 and b"Which" in choose.data
    assert "finding-2016-custody" in choose.get_data(as_text=True)
    form = client.get("/paths", headers={"Accept": "text/html"})
    assert form.status_code == 200 and b'id="p-from"' in form.data


def test_paths_skip_generic_hubs_and_show_evidence(client: FlaskClient) -> None:
    args = {"from": "cpr:duty-pace-child-detention", "to": MICHAEL, "format": "json"}
    plain = client.get("/paths", query_string=args).get_json()
    assert plain["hubs"] is False and plain["count"] == 0
    hubs = client.get("/paths", query_string={**args, "hubs": "1"}).get_json()
    inner = {h["to"] for p in hubs["paths"] for h in p["hops"][:-1]}
    assert "https://w3id.org/cpkg/def#PoliceForcesInEnglandAndWales" in inner
    linked = client.get(
        "/paths",
        query_string={
            "from": "cpr:person-martin-hewitt",
            "to": "cpr:finding-2016-no-single-lead",
            "max": "2",
            "format": "json",
        },
    ).get_json()
    evidence = [e for p in linked["paths"] for h in p["hops"] for e in h["evidence"]]
    assert evidence and all(e["quote"] and e["source"].startswith(CPR) for e in evidence)


def test_timeline_is_ordered_filtered_and_quoted(client: FlaskClient) -> None:
    doc = client.get("/timeline", headers=JSON).get_json()
    dates = [r["date"] for r in doc["rows"] if r["date"]]
    assert dates == sorted(dates) and len(dates) > 20
    kinds = {r["kind"] for r in doc["rows"]}
    assert {"event", "report", "statement", "deadline", "status", "law"} <= kinds
    stated = [r for r in doc["rows"] if r["status"] == "stated" and r["date"]]
    assert all(r["quote"] and r["source"] for r in stated)
    hewitt = CPR + "person-martin-hewitt"
    only = client.get(
        "/timeline", query_string={"person": "cpr:person-martin-hewitt"}, headers=JSON
    )
    rows = only.get_json()["rows"]
    assert 0 < len(rows) < len(doc["rows"]) and all(hewitt in r["about"] for r in rows)
    text = client.get("/timeline?person=cpr:person-martin-hewitt&format=csv").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:3] == ["date", "kind", "label"] and len(table) == len(rows) + 1
    assert client.get("/timeline?force=not%20an%20iri").status_code == 400


# -- sources, the endpoint page, errors -----------------------------------------------------


def test_source_page_states_what_the_source_states(client: FlaskClient) -> None:
    page = client.get("/id/source-002", headers={"Accept": "text/html"}).get_data(as_text=True)
    about = page.split("About this document")[1].split("</dl>")[0]
    assert "Switalskis" in about and "status-inferred" in about  # publisher, inferred
    assert "law-firm commentary" in about
    assert 'Original address</dt><dd class="muted">not stated in the source' in about


def test_sparql_page_for_browsers_description_for_clients(client: FlaskClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get("/sparql", headers={"Accept": browser})
    assert page.content_type.startswith("text/html") and b"cpkg:search" in page.data
    for accept in ("*/*", "text/turtle", "application/rdf+xml", None):
        resp = client.get("/sparql", headers={"Accept": accept} if accept else {})
        assert not resp.content_type.startswith("text/html"), accept


def test_an_undeclared_prefix_is_named(client: FlaskClient) -> None:
    resp = client.post("/sparql", data={"query": "SELECT * WHERE {\n  ?s foo:bar ?o }"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "the prefix foo: is not declared" in text
    assert "line 2" in text and len(text) < 300


# -- static assets --------------------------------------------------------------------------


def test_static_assets_are_named_by_content_compressed_and_validated(client: FlaskClient) -> None:
    page = client.get("/timeline").get_data(as_text=True)
    href = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert "/static/cpkg.css?v=" in href
    first = client.get(href, headers={"Accept-Encoding": "gzip"})
    assert (
        first.headers["Content-Encoding"] == "gzip"
        and "immutable" in first.headers["Cache-Control"]
    )
    css = gzip.decompress(first.data).decode()
    assert ":root" in css
    etag = first.headers["ETag"]
    assert client.get(href, headers={"If-None-Match": etag}).status_code == 304
    plain = client.get("/static/cpkg.css")
    assert "immutable" not in plain.headers["Cache-Control"] and plain.data.decode() == css
    assert client.get("/static/../config.py").status_code == 404
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.content_type.startswith("image/svg+xml")
