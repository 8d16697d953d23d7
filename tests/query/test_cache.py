"""service/query/cache.py: hits, misses, invalidation on writes, the byte bound, thread safety."""

from __future__ import annotations

import threading

import pytest

from service.query.cache import QueryCache
from service.query.executor import ReadKey
from service.store.embedded import EmbeddedStore

Q = "SELECT * WHERE { ?s ?p ?o }"
JSON = "application/sparql-results+json"


def key(cache: QueryCache[ReadKey], *args: object, task: str = "", who: str = "") -> ReadKey:
    """A read's key at the cache's current version (as the executor makes them)."""
    return ReadKey(cache.version, task, args, who)


def test_miss_then_hit() -> None:
    cache = QueryCache[ReadKey](1024)
    k = key(cache, Q, JSON)
    assert cache.get(k) is None
    cache.put(k, b'{"x": 1}')
    hit = cache.get(key(cache, Q, JSON))
    assert hit is not None and hit.body == b'{"x": 1}'
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.entries) == (1, 1, 1)
    assert stats.bytes == len(b'{"x": 1}') + len(Q) + len(JSON)  # the key's strings count too


def test_key_separates_task_arguments_and_caller() -> None:
    cache = QueryCache[ReadKey](1024)
    cache.put(key(cache, Q, JSON, task="answer", who="anonymous"), b"json")
    assert cache.get(key(cache, Q, "text/csv", task="answer", who="anonymous")) is None
    assert cache.get(key(cache, Q, JSON, ("urn:g",), task="answer", who="anonymous")) is None
    assert cache.get(key(cache, Q, JSON, task="answer", who="user:alice")) is None
    assert cache.get(key(cache, Q, JSON, task="describe", who="anonymous")) is None
    assert cache.get(key(cache, Q + " ", JSON, task="answer", who="anonymous")) is None
    assert cache.get(key(cache, Q, JSON, task="answer", who="anonymous")) is not None


def test_bump_invalidates() -> None:
    cache = QueryCache[ReadKey](1024)
    k = key(cache, Q)
    cache.put(k, b"old")
    version = cache.version
    assert cache.bump() == version + 1
    assert cache.get(k) is None  # stale key
    assert cache.get(key(cache, Q)) is None  # same request, new version
    assert len(cache) == 0 and cache.size_bytes == 0


def test_put_computed_before_a_write_is_dropped() -> None:
    cache = QueryCache[ReadKey](1024)
    k = key(cache, Q)
    cache.bump()  # a write lands while the answer for `k` is being computed
    cache.put(k, b"stale")
    assert len(cache) == 0


def test_follows_the_store_generation_after_update() -> None:
    store = EmbeddedStore()
    cache = QueryCache[ReadKey](1 << 20, version_source=lambda: store.generation)
    k = key(cache, "ASK { <urn:a> <urn:b> <urn:c> }")
    cache.put(k, b'{"boolean": false}')
    assert cache.get(k) is not None
    store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert cache.get(k) is None
    assert cache.get(key(cache, "ASK { <urn:a> <urn:b> <urn:c> }")) is None
    assert cache.stats().invalidations == 1


def test_byte_bound_evicts_least_recently_used() -> None:
    cache = QueryCache[ReadKey](100, max_entry_bytes=100)
    keys = [key(cache, f"q{i}") for i in range(4)]
    for k in keys[:3]:
        cache.put(k, b"x" * 30)
    assert cache.get(keys[0]) is not None  # keys[0] is now most recent; keys[1] is oldest
    cache.put(keys[3], b"y" * 30)
    assert cache.size_bytes == 3 * (30 + 2) and len(cache) == 3  # body + key "qN"
    assert cache.get(keys[1]) is None
    assert all(cache.get(k) is not None for k in (keys[0], keys[2], keys[3]))
    assert cache.stats().evictions == 1


def test_oversized_entries_and_disabled_cache_are_not_stored() -> None:
    cache = QueryCache[ReadKey](100, max_entry_bytes=10)
    entry = cache.put(key(cache, Q), b"z" * 11)
    assert entry.body == b"z" * 11 and len(cache) == 0
    off = QueryCache[ReadKey](0)
    assert not off.enabled
    off.put(key(off, Q), b"a")
    assert off.get(key(off, Q)) is None
    with pytest.raises(ValueError):
        QueryCache[ReadKey](-1)


def test_thread_safety_keeps_the_byte_count_exact() -> None:
    cache = QueryCache[ReadKey](5_000, max_entry_bytes=1_000)

    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(300):
                k = key(cache, f"q{(n * 7 + i) % 50}")
                if cache.get(k) is None:
                    cache.put(k, b"b" * (i % 200 + 1))
                if i % 97 == 0:
                    cache.bump()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    stats = cache.stats()
    assert stats.hits + stats.misses == 8 * 300
    assert stats.bytes <= 5_000
    assert stats.bytes == sum(k.nbytes + len(e.body) for k, e in cache._entries.items())


def test_long_queries_with_short_answers_stay_within_the_budget() -> None:
    """A key holds the query text (up to the request limit): it counts against the budget, so
    many distinct long queries cannot grow the cache without bound."""
    cache = QueryCache[ReadKey](10_000, max_entry_bytes=10_000)
    for i in range(1_000):
        cache.put(key(cache, f"# {i}\n" + "x" * 1_000), b"{}")
    assert cache.size_bytes <= 10_000 and len(cache) == 9
    assert cache.stats().evictions == 1_000 - 9


def test_endpoint_answers_repeats_from_the_cache_and_sees_updates() -> None:
    """Wired into the executor: a repeat is a hit; an update invalidates."""
    from dataclasses import replace

    from service.config import Settings
    from service.web import create_app, get_executor

    store = EmbeddedStore()
    store.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 1 } }")
    app = create_app(replace(Settings(), update_token="t0ken"), store)
    client = app.test_client()
    # With a protocol dataset: a request service/web/fastpath.py leaves to the route, which
    # reads through the executor and its answer cache.
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "default-graph-uri": "urn:g"}
    accept = {"Accept": JSON}

    def count(method: str = "POST") -> str:
        # The same query by GET and POST: the second is a different request (so not replayed by
        # service/web/fastpath.py) but the same question, answered from this cache.
        if method == "GET":
            r = client.get("/sparql", query_string=query, headers=accept)
        else:
            r = client.post("/sparql", data=query, headers=accept)
        assert r.status_code == 200, r.text
        return str(r.json["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]

    assert count() == "1"
    assert count("GET") == "1"
    cache = get_executor(app).cache
    assert cache.stats().hits == 1 and cache.stats().misses == 1
    r = client.post(
        "/sparql",
        data={"update": "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 2 } }"},
        headers={"Authorization": "Bearer t0ken"},
    )
    assert r.status_code == 204, r.text
    assert count() == "2"  # not the cached "1"
    assert count("GET") == "2"
    assert cache.stats().invalidations >= 1
