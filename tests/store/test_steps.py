"""A read counted in index steps finishes within its budget or is abandoned early, and cannot
reach the store any uncounted way (SPARQL, remembered values, a whole-store copy)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from service.store import steps
from service.store.embedded import EmbeddedStore

P = "urn:p"


def _store(n: int) -> EmbeddedStore:
    store = EmbeddedStore()
    values = ", ".join(f"<urn:o{i}>" for i in range(n))
    store.update(f"INSERT DATA {{ <urn:s> <{P}> {values} }}")
    return store


def _walk(store: EmbeddedStore) -> int:
    return len(store.links("urn:s", 0, 10).values) + store.links("urn:s", 0, 10).groups[0].total


def test_a_read_within_its_budget_answers_and_one_past_it_is_abandoned() -> None:
    store = _store(50)
    assert steps.within(100, _walk, store) == 60  # two walks of 50 links: a step per quad
    assert steps.within(99, _walk, store) is None
    assert _walk(store) == 60  # outside a budget nothing is counted


def test_sparql_is_refused_inside_a_budget() -> None:
    """One step of a SPARQL query can take any time: such a read is left to an evaluator."""
    store = _store(3)
    ask = "ASK { ?s ?p ?o }"
    assert steps.within(10**6, lambda: store.query(ask)) is None
    assert bool(store.query(ask))  # type: ignore[arg-type]


def test_remembered_values_cost_what_reading_them_costs() -> None:
    """A store keeps looked-up values (labels) between reads; served again, they are counted,
    so a budget bounds the work whether or not they were remembered."""
    store = _store(40)

    def values() -> int:
        return sum(1 for _ in store.objects(["urn:s"], [P]))

    assert values() == 40  # looked up, and remembered
    assert steps.within(40, values) == 40
    assert steps.within(39, values) is None


def test_a_whole_store_copy_is_no_bounded_work(tmp_path: Path) -> None:
    """An on-disk store reads from an in-memory snapshot, rebuilt after a write: the rebuild
    copies every quad, so a counted read declines instead."""
    store = EmbeddedStore(tmp_path / "store")
    store.update(f"INSERT DATA {{ <urn:s> <{P}> <urn:o> }}")
    assert steps.within(100, _walk, store) is None  # the snapshot is stale: declined
    assert _walk(store) == 2  # rebuilt outside a budget
    assert steps.within(100, _walk, store) == 2  # current: counted as usual
    store.close()


def test_the_budget_ends_with_the_read() -> None:
    reader = ox.Store()
    assert steps.within(5, lambda: steps.counted(reader).query("ASK {}")) is None
    assert steps.counted(reader) is reader
    steps.refuse()  # outside a budget, neither refuses nor counts
    steps.spend(10**9)
