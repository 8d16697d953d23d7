"""RemoteStore against a real Virtuoso: parity with the embedded store, and every failure path."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from virtuoso import (  # noqa: F401 - fixtures
    FIXTURE,
    Virtuoso,
    embedded_from,
    normalise,
    remote_fixture,
    virtuoso_fixture,
)

from service.errors import RemoteAuthError, RemoteStoreError, RemoteTimeout
from service.sparqltext import has_dataset_clause
from service.store.base import AskResult, Dataset, GraphResult, SelectResult
from service.store.push import push_dataset
from service.store.remote import RemoteStore

pytestmark = pytest.mark.virtuoso

G = "https://w3id.org/cpkg/graph/"
PARITY_QUERIES = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
    "SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }",
    "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
    "FILTER(lang(?l) = 'en') }",
    "SELECT ?f ?n WHERE { ?f <https://w3id.org/cpkg/def#count> ?n FILTER(?n > 100) }",
    "SELECT ?f ?quote WHERE { ?f <https://w3id.org/cpkg/def#evidence> ?e . "
    "?e <http://www.w3.org/ns/oa#hasSelector> ?sel . ?sel <http://www.w3.org/ns/oa#exact> ?quote }",
    "SELECT ?s WHERE { ?s <https://w3id.org/cpkg/def#active> true }",
    "SELECT ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t FILTER(CONTAINS(?t, '’')) }",
    "SELECT ?s ?d WHERE { GRAPH <" + G + "sources> { ?s <http://purl.org/dc/terms/date> ?d } }",
    # Only IRIs: Virtuoso does not order blank nodes before IRIs as SPARQL 1.1 15.1 says.
    "SELECT ?s WHERE { ?s a ?c FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 3",
    "ASK { ?s a <https://w3id.org/cpkg/def#Force> }",
    "ASK { ?s a <https://w3id.org/cpkg/def#Nothing> }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + G + "findings> { ?s ?p ?o } }",
    # No DESCRIBE: its answer is implementation-defined; Virtuoso adds inbound triples,
    # pyoxigraph gives the outbound ones only.
]


@pytest.fixture
def loaded(remote: RemoteStore) -> RemoteStore:
    push_dataset(remote, FIXTURE, batch_size=5, progress=lambda _m: None)
    return remote


@pytest.mark.parametrize("query", PARITY_QUERIES)
def test_parity_with_embedded(loaded: RemoteStore, query: str) -> None:
    embedded = embedded_from()
    assert normalise(loaded.query(query)) == normalise(embedded.query(query))


def test_result_types_and_graphs(loaded: RemoteStore) -> None:
    assert loaded.graph_names() == [G + "findings", G + "ontology", G + "sources"]
    assert loaded.triple_count() == 62
    sel = loaded.query("SELECT ?s WHERE { ?s a <https://w3id.org/cpkg/def#Force> }")
    assert isinstance(sel, SelectResult) and sel.variables == ["s"]
    assert {r[0] for r in sel} == {
        ox.NamedNode("https://w3id.org/cpkg/id/force-met"),
        ox.NamedNode("https://w3id.org/cpkg/id/force-b"),
    }
    assert isinstance(loaded.query("ASK {}"), AskResult)
    assert isinstance(loaded.query("CONSTRUCT WHERE { ?s a ?c }"), GraphResult)


def test_union_default_excludes_virtuoso_system_graphs(loaded: RemoteStore) -> None:
    # Virtuoso's own default (no dataset) is *all* graphs incl. ~2,500 virtrdf# triples.
    everything = loaded.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(everything[0]["n"].value) > 62
    result = loaded.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(result, SelectResult)
    assert [r[0].value for r in result if isinstance(r[0], ox.Literal)] == ["62"]


def test_protocol_dataset_passed_through(loaded: RemoteStore) -> None:
    result = loaded.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", Dataset((G + "ontology",)))
    assert [r[0].value for r in result if isinstance(r[0], ox.Literal)] == ["11"]  # type: ignore[union-attr]
    query = f"SELECT (COUNT(*) AS ?n) FROM <{G}sources> WHERE {{ ?s ?p ?o }}"
    assert has_dataset_clause(query)
    # The query's own FROM defines the dataset (SPARQL 1.1 13.2): the 9 triples of sources.
    # (The embedded store currently ignores FROM under use_default_graph_as_union: reported.)
    assert normalise(loaded.query(query)) == [("number:9.0",)]


def test_graph_store_operations(loaded: RemoteStore) -> None:
    g = ox.NamedNode("https://example.org/g")
    t = ox.Triple(
        ox.NamedNode("https://example.org/a"),
        ox.NamedNode("https://example.org/p"),
        ox.Literal("x"),
    )
    assert loaded.replace_graph(g, [t]) is False
    assert loaded.add_to_graph(g, [t]) is True
    assert loaded.get_graph(g) == [t]
    assert loaded.replace_graph(g, []) is True
    assert loaded.delete_graph(g) is False  # an emptied graph no longer exists in Virtuoso
    assert (
        loaded.load(
            b"<https://example.org/a> <https://example.org/p> 1 .", "ttl", "https://example.org/g2"
        )
        == 1
    )
    assert loaded.delete_graph(ox.NamedNode("https://example.org/g2")) is True


def test_bad_query_is_a_user_error(loaded: RemoteStore) -> None:
    from service.errors import QueryError

    with pytest.raises(QueryError, match="rejected the query"):
        loaded.query("SELECT * WHERE { ?s ?p }")


def test_wrong_credentials(virtuoso: Virtuoso) -> None:
    store = virtuoso.store(password="wrong")
    with pytest.raises(RemoteAuthError, match=r"HTTP 401.*CPKG_SPARQL_USER"):
        store.update("DROP SILENT GRAPH <https://example.org/none>")
    anonymous = RemoteStore(virtuoso.endpoint, update_endpoint=virtuoso.auth_endpoint)
    with pytest.raises(RemoteAuthError, match="no credentials were sent"):
        anonymous.update("DROP SILENT GRAPH <https://example.org/none>")


def test_endpoint_down_is_bad_gateway() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connection refused
        store = RemoteStore(f"http://127.0.0.1:{port}/sparql", timeout=5)
        with pytest.raises(RemoteStoreError, match="connection refused") as info:
            store.query("ASK {}")
    assert info.value.status == 502  # Bad Gateway


def test_slow_query_hits_client_timeout(loaded: RemoteStore) -> None:
    slow = (
        "SELECT (COUNT(*) AS ?n) FROM <http://www.openlinksw.com/schemas/virtrdf#> "
        "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    )
    with pytest.raises(RemoteTimeout, match="did not answer the query within 1 s"):
        loaded.query(slow, timeout=1)


def test_malformed_answer(virtuoso: Virtuoso) -> None:
    # The Virtuoso start page is HTML, not SPARQL results.
    store = RemoteStore(f"http://127.0.0.1:{virtuoso.http_port}/", timeout=5)
    with pytest.raises(RemoteStoreError):
        store.query("ASK {}")
