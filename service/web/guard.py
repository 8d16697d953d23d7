"""Evaluate reads under the time limit: in killable forked children for the embedded store.

SPARQL queries go to a per-process ``EvaluatorPool`` (long-lived children, ~0.1 ms overhead);
other reads (Graph Store GET) use a one-shot ``run_forked``. Stores that cannot be forked
(remote) enforce the time limit themselves through ``Store.query(timeout=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from flask import Flask, current_app

from service.access import ScopedStore, backing_store
from service.cache import QueryCache
from service.config import Settings
from service.protocol import negotiate
from service.serializers import result_kind, serialize
from service.store.base import Store
from service.store.embedded import EmbeddedStore
from service.store.isolate import EvaluatorPool, run_forked
from service.web.context import get_base_store, get_settings, get_store

T = TypeVar("T")
POOL_KEY = "cpkg.evaluators"
CACHE_KEY = "cpkg.query-cache"


@dataclass(frozen=True)
class QueryJob:
    """Everything an evaluator needs to answer one query (picklable).

    ``default_graphs``/``named_graphs`` are the *resolved* dataset the caller may see
    (``ScopedStore.dataset``), never empty: the evaluator runs the query over exactly these,
    and anything keyed on a job (e.g. a result cache) is thereby keyed on what the caller sees.
    """

    text: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    accept: str | None
    format: str | None


def execute(store: Store, settings: Settings, job: QueryJob) -> tuple[str, bytes]:
    """Evaluate, negotiate on the actual result kind, serialize: (content type, body)."""
    result = store.query(
        job.text,
        default_graphs=job.default_graphs or None,
        named_graphs=job.named_graphs or None,
        timeout=settings.query_timeout,
    )
    fmt = negotiate(result_kind(result), job.accept, job.format)
    limit = settings.max_results if settings.max_results > 0 else None
    return fmt.content_type, serialize(result, fmt.media_type, max_results=limit)


def _timeout(settings: Settings) -> float | None:
    return settings.query_timeout if settings.query_timeout > 0 else None


def evaluator_pool(app: Flask) -> EvaluatorPool:
    """The app's evaluator pool (created on first use in each process)."""
    pool = app.extensions.get(POOL_KEY)
    if pool is None:
        store, settings = get_base_store(app), get_settings(app)
        assert isinstance(store, EmbeddedStore)
        pool = EvaluatorPool(
            lambda job: execute(store, settings, job),
            generation=lambda: store.generation,
            lock=store.fork_guard(),
            max_idle=max(2, settings.threads),
        )
        app.extensions[POOL_KEY] = pool
    return pool


def resolve(store: Store, job: QueryJob) -> QueryJob:
    """``job`` with the dataset the caller may see filled in (idempotent)."""
    if not isinstance(store, ScopedStore):
        return job
    d, n = store.dataset(job.text, job.default_graphs, job.named_graphs)
    return replace(job, default_graphs=d, named_graphs=n)


def query_cache(app: Flask) -> QueryCache:
    """The app's cache of answers (one per process; service/cache.py).

    Invalidated by every write to the embedded store (its ``generation`` counter). Remote
    stores can be written by others, so their answers are not cached (``max_bytes=0``).
    """
    cache = app.extensions.get(CACHE_KEY)
    if cache is None:
        base, settings = get_base_store(app), get_settings(app)
        if isinstance(base, EmbeddedStore):
            cache = QueryCache(settings.cache_bytes, version_source=lambda: base.generation)
        else:
            cache = QueryCache(0)
        app.extensions[CACHE_KEY] = cache
    return cache


def run_query(job: QueryJob) -> tuple[str, bytes]:
    """Answer a query within ``query_timeout``: (content type, body), cached per dataset version.

    The cache key is the *resolved* job (query, the graphs this caller may see, Accept, format),
    so callers with different access never share an answer.
    """
    store, settings = get_store(), get_settings()
    job = resolve(store, job)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = query_cache(app)
    if cache.enabled:
        key = cache.key(job.text, job.default_graphs, job.named_graphs, job.accept, job.format)
        hit = cache.get(key)
        if hit is not None:
            return hit.content_type, hit.body
    if store.forkable:
        content_type, body = evaluator_pool(app).run(job, _timeout(settings))
    else:
        content_type, body = execute(store, settings, job)
    if cache.enabled:
        cache.put(key, content_type, body)
    return content_type, body


def guarded(store: Store, settings: Settings, fn: Callable[[], T]) -> T:
    """``fn()`` with ``query_timeout`` enforced (one-shot fork for the embedded store)."""
    if store.forkable:
        base = backing_store(store)
        lock = base.fork_guard() if isinstance(base, EmbeddedStore) else None
        return run_forked(fn, _timeout(settings), lock)
    return fn()
