"""The example-query library: every query has its headers and a reviewed expected result, and
the dataset still gives that result."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from query_library import (
    MIN_QUERIES,
    Result,
    describe_difference,
    expected_path,
    expected_results,
    is_ordered,
    library,
    results_match,
    run_query,
    shared_store,
)

from service.query.examples import ExampleQuery
from service.store.embedded import EmbeddedStore
from service.vocab import PREFIXES

QUERIES = library()
CONFLICT_QUERIES = [q for q in QUERIES if "cpkg:Conflict" in q.text or "conflict-" in q.text]


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return shared_store()


def test_library_has_enough_queries() -> None:
    assert len(QUERIES) >= MIN_QUERIES, f"only {len(QUERIES)} queries in graph/queries/"


def test_library_covers_conflicts() -> None:
    """At least the all-conflicts query plus the four named ones."""
    names = {q.name for q in CONFLICT_QUERIES}
    assert {
        "conflicts",
        "conflict-sample-size-374-vs-384",
        "conflict-hewitt-stance",
        "conflict-2016-proportion-inadequate",
        "conflict-inspectorate-naming",
    } <= names


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_has_title_description_and_expected_file(query: ExampleQuery) -> None:
    head = query.text.split("PREFIX", 1)[0]
    assert re.search(r"^# title: \S", head, re.MULTILINE), f"{query.name}.rq has no '# title:'"
    assert re.search(r"^# description: \S", head, re.MULTILINE), f"{query.name}.rq: no description"
    assert query.description.endswith((".", "?", ")")), "describe the question in a sentence"
    assert expected_path(query) is not None, f"{query.name}: no .srj/.ttl expected result"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_uses_project_prefixes(query: ExampleQuery) -> None:
    for prefix, iri in re.findall(r"^PREFIX\s+(\w*):\s*<([^>]*)>", query.text, re.MULTILINE):
        assert PREFIXES.get(prefix) == iri, f"{query.name}: PREFIX {prefix}: <{iri}> differs"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_gives_expected_results(store: EmbeddedStore, query: ExampleQuery) -> None:
    actual = run_query(store, query)
    expected = expected_results(query)
    assert results_match(actual, expected), describe_difference(actual, expected)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_returns_no_blank_nodes(store: EmbeddedStore, query: ExampleQuery) -> None:
    """Blank-node labels are not stable across stores, so results never include them."""
    actual = run_query(store, query)
    terms = [t for row in actual.rows for t in row] + [
        x for t in actual.triples for x in (t.subject, t.object)
    ]
    assert not any(isinstance(t, ox.BlankNode) for t in terms)
    if actual.kind == "select":
        assert actual.rows, f"{query.name} returns nothing: an example should show an answer"


def _select(rows: list[tuple[ox.NamedNode | ox.Literal | None, ...]], ordered: bool) -> Result:
    return Result("select", ("a", "b"), tuple(rows), ordered=ordered)


def test_results_match_compares_terms_exactly() -> None:
    x = ox.NamedNode("urn:x")
    one, one_int, one_en = (
        ox.Literal("1"),
        ox.Literal("1", datatype=ox.NamedNode(PREFIXES["xsd"] + "integer")),
        ox.Literal("1", language="en"),
    )
    assert results_match(_select([(x, one)], False), _select([(x, one)], False))
    assert not results_match(_select([(x, one)], False), _select([(x, one_int)], False))
    assert not results_match(_select([(x, one)], False), _select([(x, one_en)], False))
    assert not results_match(_select([(x, None)], False), _select([(x, one)], False))
    assert not results_match(_select([(x, one)], False), _select([(x, one), (x, one)], False))


def test_results_match_respects_order_only_when_ordered() -> None:
    x, y = ox.NamedNode("urn:x"), ox.NamedNode("urn:y")
    assert results_match(
        _select([(x, None), (y, None)], False), _select([(y, None), (x, None)], False)
    )
    assert not results_match(
        _select([(x, None), (y, None)], True), _select([(y, None), (x, None)], True)
    )


def test_is_ordered_looks_at_the_outer_query_only() -> None:
    assert is_ordered("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s")
    assert not is_ordered("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1 } }")
