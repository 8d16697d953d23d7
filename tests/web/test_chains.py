"""``/chain`` and ``/paths`` over HTTP (Flask test client, real dataset)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from query_library import shared_store
from rdflib import Graph, Literal, URIRef

from service.config import Settings
from service.web import create_app

CPR = "https://w3id.org/cpkg/id/"
CUSTODY = CPR + "finding-2016-custody"
OA_EXACT = URIRef("http://www.w3.org/ns/oa#exact")


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    app = create_app(Settings(), shared_store())
    yield app.test_client()


def test_chain_jsonld_by_default(client: FlaskClient) -> None:
    resp = client.get("/chain", query_string={"focus": CUSTODY})
    assert resp.status_code == 200
    assert resp.content_type.startswith("application/ld+json")
    doc = resp.get_json(force=True)
    (chain,) = doc["chains"]
    assert chain["finding"] == CUSTODY
    steps = {s["step"]: s for s in chain["steps"]}
    assert steps["post"]["missing"] and steps["post"]["missingReason"]
    assert steps["duty"]["links"][0]["evidence"][0]["exact"]
    graph = Graph().parse(data=resp.get_data(as_text=True), format="json-ld")
    assert any(isinstance(o, Literal) for o in graph.objects(None, OA_EXACT))


def test_chain_plain_json_and_curie(client: FlaskClient) -> None:
    resp = client.get(
        "/chain?focus=cpr:finding-2016-custody", headers={"Accept": "application/json"}
    )
    assert resp.status_code == 200 and resp.content_type.startswith("application/json")
    assert json.loads(resp.data)["focus"] == CUSTODY


def test_chain_turtle_by_accept_and_format(client: FlaskClient) -> None:
    for kwargs in ({"headers": {"Accept": "text/turtle"}}, {"query_string": {"format": "ttl"}}):
        qs = kwargs.get("query_string", {})
        resp = client.get(
            "/chain", query_string={"focus": CUSTODY, **qs}, headers=kwargs.get("headers", {})
        )
        assert resp.status_code == 200 and resp.content_type.startswith("text/turtle")
        assert len(Graph().parse(data=resp.get_data(as_text=True), format="turtle")) > 50


def test_chain_html_goes_to_the_view(client: FlaskClient) -> None:
    resp = client.get("/chain", query_string={"focus": CUSTODY}, headers={"Accept": "text/html"})
    assert resp.status_code == 303
    assert "/chain/view?focus=" in resp.headers["Location"]
    page = client.get(resp.headers["Location"], headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"Children kept in police custody" in page.data


def test_chain_for_a_force_lists_all_its_findings(client: FlaskClient) -> None:
    resp = client.get("/chain?focus=cpr:org-metropolitan-police-service&format=jsonld")
    assert resp.status_code == 200
    findings = [c["finding"] for c in resp.get_json(force=True)["chains"]]
    assert len(findings) >= 30 and findings == sorted(findings)


def test_chain_text_format(client: FlaskClient) -> None:
    resp = client.get("/chain", query_string={"focus": CUSTODY, "format": "text"})
    assert resp.status_code == 200 and b"MISSING" in resp.data


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ({"focus": CPR + "no-such-thing"}, 404, "nothing in the dataset"),
        ({"focus": CPR + "source-001"}, 404, "leads to no finding"),
        ({"focus": "not an iri"}, 400, "not an absolute IRI"),
        ({}, 400, "focus is missing"),
        ({"focus": CUSTODY, "format": "pdf"}, 400, "not offered"),
    ],
)
def test_chain_errors(client: FlaskClient, query: dict[str, str], status: int, text: str) -> None:
    resp = client.get("/chain", query_string=query)
    assert resp.status_code == status
    assert text in resp.get_data(as_text=True)


def test_chain_not_acceptable(client: FlaskClient) -> None:
    resp = client.get("/chain", query_string={"focus": CUSTODY}, headers={"Accept": "image/png"})
    assert resp.status_code == 406


def test_paths_json(client: FlaskClient) -> None:
    resp = client.get(
        "/paths",
        query_string={"from": CUSTODY, "to": "http://www.legislation.gov.uk/id/ukpga/1984/60"},
    )
    assert resp.status_code == 200 and resp.content_type.startswith("application/json")
    doc = resp.get_json()
    assert doc["max"] == 4 and doc["paths"][0]["length"] == 2
    hop = doc["paths"][0]["hops"][0]
    assert set(hop) == {
        "from",
        "fromLabel",
        "predicate",
        "predicateLabel",
        "direction",
        "to",
        "toLabel",
        "status",
        "reasoning",
        "evidence",
    }
    for ev in hop["evidence"]:
        assert set(ev) == {"source", "file", "quote", "of"} and ev["quote"]


def test_paths_html_and_text(client: FlaskClient) -> None:
    qs = {"from": "cpr:person-martin-hewitt", "to": "cpr:finding-2016-no-single-lead", "max": "2"}
    html = client.get("/paths", query_string=qs, headers={"Accept": "text/html"})
    assert html.status_code == 200 and b"Martin Hewitt" in html.data
    text = client.get("/paths", query_string={**qs, "format": "text"})
    assert text.status_code == 200 and text.data.startswith(b"Paths from cpr:person-martin-hewitt")


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ({"from": CUSTODY, "to": CUSTODY, "max": "7"}, 400, "use 1 to 6"),
        ({"from": CUSTODY, "to": CUSTODY, "max": "0"}, 400, "use 1 to 6"),
        ({"from": CUSTODY, "to": CUSTODY, "max": "two"}, 400, "use 1 to 6"),
        ({"from": CUSTODY}, 400, "to is missing"),
        ({"from": "a b", "to": CUSTODY}, 400, "not an absolute IRI"),
        ({"from": CUSTODY, "to": CPR + "nope"}, 404, "nothing in the dataset"),
    ],
)
def test_paths_errors(client: FlaskClient, query: dict[str, str], status: int, text: str) -> None:
    resp = client.get("/paths", query_string=query)
    assert resp.status_code == status
    assert text in resp.get_data(as_text=True)
