"""The executor is the one read path: the guarantees hold for every task, and the store cannot
be read any other way."""

from __future__ import annotations

import time
from dataclasses import replace

import pyoxigraph as ox
import pytest
from flask import Blueprint, Response

from service.config import Settings
from service.errors import OutsideExecutor, QueryTimeout, ResultTooLarge
from service.query.access import ADMIN, ANONYMOUS, Principal
from service.query.answers import summary
from service.query.executor import Executor
from service.store.base import SelectResult, Store
from service.store.embedded import EmbeddedStore
from service.web import create_app, get_executor

PRIVATE = "https://w3id.org/cpkg/private/alice/notes"
ALICE = Principal("alice")


def _store() -> EmbeddedStore:
    store = EmbeddedStore()
    store.update(
        "INSERT DATA { GRAPH <urn:public> { <urn:a> <urn:p> 1, 2, 3, 4, 5, 6, 7, 8 } "
        f"GRAPH <{PRIVATE}> {{ <urn:secret> <urn:p> 42 }} }}"
    )
    return store


# -- tasks: module-level functions of (view, *args), as routes define them ---------------------


def sleep_task(view: Store, seconds: float) -> str:
    time.sleep(seconds)
    return "woke up"


def rows_task(view: Store) -> int:
    result = view.query("SELECT * WHERE { ?s ?p ?o }")
    assert isinstance(result, SelectResult)
    return sum(1 for _ in result)


def seen_task(view: Store) -> tuple[list[str], int, list[str]]:
    result = view.query("SELECT ?s WHERE { ?s ?p ?o }")
    assert isinstance(result, SelectResult)
    subjects = sorted(str(row[0]) for row in result)
    return view.graph_names(), view.triple_count(), subjects


def busy_task(view: Store) -> int:
    n = 0
    while True:  # many quick queries: only the deadline between them can stop this
        view.query("ASK { ?s ?p ?o }")
        n += 1


def generation_task(view: Store) -> int:
    result = view.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(result, SelectResult)
    (n,) = next(iter(result))
    assert isinstance(n, ox.Literal)
    return int(n.value)


# -- the guarantees ----------------------------------------------------------------------------


def test_the_store_refuses_to_be_read_outside_the_executor() -> None:
    app = create_app(Settings(), _store())
    executor = get_executor(app)
    with app.test_request_context("/"), pytest.raises(OutsideExecutor, match="Executor.read"):
        executor.store.triple_count()
    with pytest.raises(OutsideExecutor):
        executor.store.query("ASK {}")
    assert executor.read(ANONYMOUS, summary)[0] == 8  # through the executor: fine


def test_a_route_that_reads_the_store_directly_fails_loudly() -> None:
    app = create_app(Settings(), _store())
    bp = Blueprint("sneaky", __name__)

    @bp.route("/sneaky")
    def sneaky() -> Response:
        return Response(str(get_executor().store.triple_count()))

    app.register_blueprint(bp)
    r = app.test_client().get("/sneaky")
    assert r.status_code == 500 and "outside the executor" in r.text


def test_time_limit_kills_the_task() -> None:
    executor = Executor(_store(), Settings(query_timeout=0.5))
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout):
        executor.read(ANONYMOUS, sleep_task, 30.0)
    assert time.monotonic() - t0 < 5
    assert executor.read(ANONYMOUS, sleep_task, 0.0) == "woke up"  # the next one is served


def test_time_limit_on_a_store_that_cannot_be_forked() -> None:
    """A remote store cannot be killed: the time left goes with every query instead."""
    store = _store()
    store.forkable = False
    executor = Executor(store, Settings(query_timeout=0.3))
    with pytest.raises(QueryTimeout):
        executor.read(ANONYMOUS, busy_task)


def test_result_cap_applies_to_every_task() -> None:
    executor = Executor(_store(), Settings(max_results=5))
    with pytest.raises(ResultTooLarge, match="more than 5 rows"):
        executor.read(ANONYMOUS, rows_task)
    assert Executor(_store(), Settings(max_results=100)).read(ANONYMOUS, rows_task) == 8


def test_access_control_applies_to_every_task() -> None:
    executor = Executor(_store(), Settings())
    graphs, count, subjects = executor.read(ANONYMOUS, seen_task)
    assert graphs == ["urn:public"] and count == 8 and "<urn:secret>" not in subjects
    graphs, count, subjects = executor.read(ALICE, seen_task)
    assert PRIVATE in graphs and count == 9 and "<urn:secret>" in subjects
    assert executor.read(ADMIN, seen_task)[1] == 9


def test_a_one_pattern_select_is_answered_without_an_evaluator() -> None:
    """A bounded variant (``answer_bounded``) answers in the caller's thread, with access
    control and the cap applied as in an evaluator; anything else still forks one."""
    from service.formats import JSON_RESULTS
    from service.query.answers import answer
    from service.store.base import UNION

    def rows(executor: Executor, principal: Principal, text: str) -> int:
        _, body = executor.read(principal, answer, text, UNION, JSON_RESULTS, None)
        return sum(1 for _ in ox.parse_query_results(body, ox.QueryResultsFormat.JSON))  # type: ignore[union-attr]

    executor = Executor(_store(), Settings())
    one = "SELECT ?s ?o WHERE { ?s <urn:p> ?o }"
    assert rows(executor, ANONYMOUS, one) == 8  # not the private graph's row
    assert rows(executor, ALICE, one) == 9
    assert executor._pool is None  # no evaluator was forked
    with pytest.raises(ResultTooLarge, match="more than 5 rows"):
        Executor(_store(), Settings(max_results=5)).read(
            ANONYMOUS, answer, one, UNION, JSON_RESULTS, None
        )
    assert rows(executor, ANONYMOUS, "SELECT ?s WHERE { ?s <urn:p> ?o . ?s ?q ?o }") == 8
    assert executor._pool is not None  # two patterns: an evaluator answered


def test_a_resource_past_its_step_budget_is_described_by_an_evaluator() -> None:
    """A resource page runs in the caller's thread only while its index walks stay within
    ``PAGE_STEPS``; past that, a killable evaluator describes it, in full."""
    from service.formats import TURTLE
    from service.query.describe import Paging, describe_rdf
    from service.store.steps import PAGE_STEPS

    def described(links: int) -> tuple[int, bool]:
        store = EmbeddedStore()
        store.update(
            "INSERT DATA { <urn:s> <urn:p> " + ", ".join(f"<urn:o{i}>" for i in range(links)) + " }"
        )
        executor = Executor(store, Settings(cache_bytes=0))
        rdf = executor.read(
            ANONYMOUS, describe_rdf, "urn:s", 1, 100, TURTLE, Paging("http://localhost/id/s"), None
        )
        return rdf.pages, executor._pool is not None

    assert described(PAGE_STEPS - 10) == (100, False)  # in the caller's thread
    assert described(PAGE_STEPS + 1) == (101, True)  # by an evaluator


def test_answers_are_cached_until_the_next_write() -> None:
    store = _store()
    executor = Executor(store, replace(Settings(), cache_bytes=1 << 20))
    assert executor.read(ADMIN, generation_task) == 9
    assert executor.read(ADMIN, generation_task) == 9
    assert executor.cache.stats().hits == 1
    executor.update(ADMIN, "INSERT DATA { <urn:b> <urn:p> 1 }")
    assert executor.read(ADMIN, generation_task) == 10  # not the cached 9
    assert executor.read(ALICE, generation_task) == 10  # another caller: its own entry
    assert executor.cache.stats().hits == 1


def test_users_write_only_their_own_graphs_through_the_executor() -> None:
    store = _store()
    executor = Executor(store, Settings())
    executor.update(ALICE, f"INSERT DATA {{ GRAPH <{PRIVATE}> {{ <urn:x> <urn:p> 1 }} }}")
    assert executor.read(ALICE, seen_task)[1] == 10
    with pytest.raises(Exception, match="may only write"):
        executor.update(ALICE, "INSERT DATA { GRAPH <urn:public> { <urn:x> <urn:p> 1 } }")
    assert executor.read(ANONYMOUS, seen_task)[1] == 8


def test_principals_and_datasets_survive_the_trip_to_an_evaluator() -> None:
    """Both travel with every read's task to its evaluator (pickled by their fields)."""
    import pickle

    from service.store.base import UNION, Dataset

    values = (ANONYMOUS, ADMIN, Principal("alice"), UNION, Dataset(("urn:g",), ("urn:n",)))
    for value in values:
        copy = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert copy == value and type(copy) is type(value)


@pytest.mark.parametrize("memory", [10, 1_000, 1 << 20])
def test_a_spool_keeps_every_byte_in_memory_or_on_disk(memory: int) -> None:
    """A spool moves to a temporary file once its bytes pass ``memory``; written through
    its sink (as serializers do) or directly, read whole or streamed, the bytes are the same."""
    from service.query.executor import Spool, Streamed

    parts = [b"head:", b"x" * 700, b"", "é".encode() * 300, b":tail"]
    expected = b"".join(parts)
    for streamed in (False, True):
        spool = Spool(memory)
        ox.serialize([], spool.sink, format=ox.RdfFormat.N_TRIPLES)  # a serializer's write+flush
        for part in parts:
            spool.sink.write(part)
        assert spool.size == len(expected)
        assert spool.file.__class__.__name__ == (
            "BytesIO" if len(expected) <= memory else "BufferedRandom"
        )
        got = spool.whole_or_streamed("type", 0 if streamed else None)
        if streamed:
            assert isinstance(got, Streamed) and got.head == ("type", len(expected))
            got = b"".join(got.chunks)
        assert got == expected
