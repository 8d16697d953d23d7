"""After any write, no route serves an answer computed before it.

The scenario that used to fail: a dump is fetched, an update replaces one literal by another
(the triple count stays the same), the dump is fetched again. Every route that shows the data
is checked the same way, and the dumps' ``ETag`` changes with the store's generation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from email.utils import parsedate_to_datetime

import pytest
from flask.testing import FlaskClient
from web_helpers import DATA_FILES, ROOT

from service.config import Settings
from service.store.embedded import EmbeddedStore
from service.vocab import GRAPH
from service.web import create_app

TOKEN = "freshness-admin-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CPR = "https://w3id.org/cpkg/id/"
OLD = "Most cases were dealt with inadequately"
NEW = "Most cases were handled badly (relabelled)"
UPDATE = f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX cpkg: <https://w3id.org/cpkg/def#>
DELETE {{ GRAPH ?g {{ <{CPR}finding-test-full> rdfs:label ?old .
                   <{CPR}org-test-inspectorate> a cpkg:Inspectorate }} }}
INSERT {{ GRAPH ?g {{ <{CPR}finding-test-full> rdfs:label "{NEW}"@en .
                   <{CPR}org-test-inspectorate> a cpkg:OversightBody }} }}
WHERE {{ GRAPH ?g {{ <{CPR}finding-test-full> rdfs:label ?old . FILTER(STR(?old) = "{OLD}")
                    <{CPR}org-test-inspectorate> a cpkg:Inspectorate }} }}
"""
#: Routes that show the finding's label, with the Accept they are asked with.
SHOWING_THE_LABEL = [
    ("/dumps/dataset.nq", "*/*"),
    ("/dumps/dataset.trig", "*/*"),
    ("/dumps/dataset.ttl", "*/*"),
    ("/dumps/dataset.jsonld", "*/*"),
    ("/id/finding-test-full", "text/turtle"),
    ("/id/finding-test-full", "text/html"),
    (f"/chain?focus={CPR}finding-test-full", "application/ld+json"),
    (f"/chain/view?focus={CPR}finding-test-full", "text/html"),
    ("/chain/view", "text/html"),
    (f"/data?graph={GRAPH['chain']}", "application/n-triples"),
    (
        "/sparql?query=SELECT%20%3Fl%20WHERE%20%7B%20%3Chttps%3A%2F%2Fw3id.org%2Fcpkg%2Fid%2F"
        "finding-test-full%3E%20%3Chttp%3A%2F%2Fwww.w3.org%2F2000%2F01%2Frdf-schema%23label%3E"
        "%20%3Fl%20%7D",
        "application/sparql-results+json",
    ),
]


@pytest.fixture()
def client() -> Iterator[FlaskClient]:
    store = EmbeddedStore(None)
    for name, path in DATA_FILES.items():
        store.load(path.read_bytes(), "text/turtle", graph=str(GRAPH[name]))
    settings = replace(Settings(graph_dir=ROOT / "graph"), update_token=TOKEN)
    with create_app(settings, store).test_client() as c:
        yield c


def _text(client: FlaskClient, path: str, accept: str) -> str:
    r = client.get(path, headers={"Accept": accept})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.get_data(as_text=True)


def test_no_route_serves_an_answer_from_before_an_update(client: FlaskClient) -> None:
    before = {route: _text(client, *route) for route in SHOWING_THE_LABEL}
    for route, text in before.items():  # twice: the second answers come from the caches
        assert OLD in text and _text(client, *route) == text, route
    void_before = _text(client, "/.well-known/void", "text/turtle")
    count_before = client.get("/healthz").json["triples"]  # type: ignore[index]
    r = client.post("/sparql", data={"update": UPDATE}, headers=AUTH)
    assert r.status_code == 204, r.text
    assert client.get("/healthz").json["triples"] == count_before  # type: ignore[index]
    for route in SHOWING_THE_LABEL:
        text = _text(client, *route)
        assert NEW in text and OLD not in text, route
    void_after = _text(client, "/.well-known/void", "text/turtle")
    assert "OversightBody" in void_after and "OversightBody" not in void_before


def test_a_dump_is_revalidated_by_its_etag(client: FlaskClient) -> None:
    first = client.get("/dumps/dataset.nq")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Content-Length"] == str(len(first.data))
    again = client.get("/dumps/dataset.nq", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    head = client.head("/dumps/dataset.nq")
    assert head.status_code == 200 and head.headers["ETag"] == etag
    assert client.post("/sparql", data={"update": UPDATE}, headers=AUTH).status_code == 204
    changed = client.get("/dumps/dataset.nq", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and NEW.encode() in changed.data
    assert changed.headers["ETag"] != etag
    assert parsedate_to_datetime(changed.headers["Last-Modified"]) >= parsedate_to_datetime(
        modified
    )
    other = client.get("/dumps/dataset.trig", headers={"If-None-Match": changed.headers["ETag"]})
    assert other.status_code == 200  # each dump has its own ETag
