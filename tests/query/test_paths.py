"""Paths between two resources, found by SPARQL iterative deepening over the real dataset."""

from __future__ import annotations

import pytest
from query_library import shared_store

from service.config import Settings
from service.errors import QueryTimeout
from service.query.access import ADMIN
from service.query.chain import InvalidIri
from service.query.executor import Executor
from service.query.paths import (
    DEFAULT_MAX,
    MAX_ALLOWED,
    PathRangeError,
    check_max,
    find_paths,
    path_query,
)
from service.store.embedded import EmbeddedStore
from service.vocab import PREFIXES

CPR = PREFIXES["cpr"]
CPKG = PREFIXES["cpkg"]
PACE = "http://www.legislation.gov.uk/id/ukpga/1984/60"


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return shared_store()


def test_shortest_path_first_with_hops_and_labels(store: EmbeddedStore) -> None:
    result = find_paths(store, CPR + "finding-2016-custody", PACE, max_length=3)
    lengths = [p.length for p in result.paths]
    assert lengths == sorted(lengths) and lengths[0] == 2
    first = result.paths[0].hops
    assert [(h.predicate, h.direction) for h in first] == [
        (CPKG + "engagesDuty", "out"),
        (CPKG + "createdBy", "out"),
    ]
    assert first[0].source == CPR + "finding-2016-custody" and first[-1].target == PACE
    assert first[1].target_label == "Police and Criminal Evidence Act 1984"
    assert first[0].target == first[1].source


def test_paths_are_simple_and_connected(store: EmbeddedStore) -> None:
    result = find_paths(store, CPR + "person-martin-hewitt", CPR + "finding-2016-no-single-lead")
    assert result.paths
    for path in result.paths:
        nodes = [path.hops[0].source] + [h.target for h in path.hops]
        assert len(set(nodes)) == len(nodes)
        assert all(a.target == b.source for a, b in zip(path.hops, path.hops[1:], strict=False))
        assert path.length <= DEFAULT_MAX


def test_incoming_edges_are_followed(store: EmbeddedStore) -> None:
    result = find_paths(store, CPR + "person-martin-hewitt", CPR + "finding-2016-no-single-lead")
    first = result.paths[0].hops[0]
    assert first.direction == "in" and first.predicate == CPKG + "speaker"


def test_type_and_evidence_hops_only_when_they_are_the_target(store: EmbeddedStore) -> None:
    custody = CPR + "finding-2016-custody"
    to_class = find_paths(store, custody, CPKG + "Finding", max_length=1)
    assert [h.predicate for h in to_class.paths[0].hops] == [PREFIXES["rdf"] + "type"]
    to_other = find_paths(store, custody, CPR + "finding-2016-no-single-lead", max_length=3)
    for path in to_other.paths:
        assert all(
            h.predicate not in (PREFIXES["rdf"] + "type", CPKG + "evidence") for h in path.hops
        )
    to_source = find_paths(store, custody, CPR + "source-001", max_length=2)
    assert any(h.predicate == PREFIXES["oa"] + "hasSource" for h in to_source.paths[0].hops)


def test_no_path_within_the_bound(store: EmbeddedStore) -> None:
    result = find_paths(store, CPR + "finding-2016-custody", PACE, max_length=1)
    assert result.paths == () and result.complete


def test_result_limit(store: EmbeddedStore) -> None:
    result = find_paths(
        store, CPR + "person-martin-hewitt", CPR + "finding-2016-no-single-lead", limit=2
    )
    assert len(result.paths) == 2 and not result.complete


def test_time_limit_is_enforced(store: EmbeddedStore) -> None:
    """The search runs as a read of the executor, which stops it at the time limit."""
    executor = Executor(store, Settings(query_timeout=1e-6))
    with pytest.raises(QueryTimeout):
        executor.read(ADMIN, find_paths, CPR + "person-martin-hewitt", PACE, 6)


@pytest.mark.parametrize("value", [0, 7, -1, "x", "2.5"])
def test_max_out_of_range(value: object) -> None:
    with pytest.raises(PathRangeError, match=f"1 to {MAX_ALLOWED}"):
        check_max(value)  # type: ignore[arg-type]


def test_max_default_and_cap() -> None:
    assert check_max(None) == DEFAULT_MAX == 4
    assert check_max("6") == MAX_ALLOWED == 6


def test_bad_iris_are_rejected(store: EmbeddedStore) -> None:
    with pytest.raises(InvalidIri):
        find_paths(store, "not an iri", PACE)
    with pytest.raises(InvalidIri):
        find_paths(store, PACE, "x> } DROP ALL { <y")


def test_one_query_per_length_with_both_directions() -> None:
    q = path_query("urn:a", "urn:b", 2, [PREFIXES["rdf"] + "type"], 10)
    assert q.count("UNION") == 2 and "LIMIT 10" in q and "?n1" in q
    assert "NOT IN (<urn:a>, <urn:b>)" in q
