"""The whole service on a remote store: CPKG_STORE=remote switches every client of the store."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from virtuoso import FIXTURE, Virtuoso, virtuoso_fixture  # noqa: E402, F401 - fixtures

from service.config import Settings  # noqa: E402
from service.store.configured import open_configured_store  # noqa: E402
from service.store.push import push_dataset  # noqa: E402
from service.web import create_app, get_executor  # noqa: E402

pytestmark = pytest.mark.virtuoso


def _settings(virtuoso: Virtuoso, **overrides: object) -> Settings:
    base = Settings(
        store="remote",
        sparql_endpoint=virtuoso.endpoint,
        query_timeout=20.0,
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def client(virtuoso: Virtuoso) -> Iterator[FlaskClient]:
    virtuoso.clear()
    push_dataset(virtuoso.store(), FIXTURE, batch_size=50, progress=lambda _m: None)
    app = create_app(_settings(virtuoso))  # no store given: the factory opens the configured one
    # The remote store can change behind our back: the executor knows no generation to cache by.
    assert get_executor(app).generation is None
    with app.test_client() as c:
        yield c


def test_sparql_endpoint_answers_from_the_remote_store(client: FlaskClient) -> None:
    q = (
        "SELECT ?l WHERE { <https://w3id.org/cpkg/id/force-met> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    )
    resp = client.get("/sparql", query_string={"query": q}, headers={"Accept": "application/json"})
    assert resp.status_code == 200, resp.text
    values = [b["l"]["value"] for b in resp.get_json()["results"]["bindings"]]
    assert values == ["Metropolitan Police Service"]


def test_linked_data_page_reads_the_remote_store(client: FlaskClient) -> None:
    resp = client.get("/id/force-met", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200, resp.text
    assert "Metropolitan Police Service" in resp.text


def test_data_files_with_remote_store_is_a_clear_config_error(virtuoso: Virtuoso) -> None:
    from service.errors import ConfigError

    with pytest.raises(ConfigError, match="cpkg push"):
        open_configured_store(_settings(virtuoso), [FIXTURE])


def test_remote_timeout_is_a_gateway_timeout(virtuoso: Virtuoso) -> None:
    virtuoso.clear()
    push_dataset(virtuoso.store(), FIXTURE, batch_size=50, progress=lambda _m: None)
    app = create_app(_settings(virtuoso, query_timeout=1.0))
    slow = (
        "SELECT (COUNT(*) AS ?n) FROM <http://www.openlinksw.com/schemas/virtrdf#> "
        "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    )
    with app.test_client() as c:
        resp = c.get("/sparql", query_string={"query": slow})
    assert resp.status_code == 504, resp.text
    assert "1 s" in resp.text
