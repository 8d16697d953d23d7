"""Evaluate reads under the time limit: in killable forked children for the embedded store.

SPARQL queries go to a per-process ``EvaluatorPool`` (long-lived children, ~0.1 ms overhead);
other reads (Graph Store GET) use a one-shot ``run_forked``. Stores that cannot be forked
(remote) enforce the time limit themselves through ``Store.query(timeout=...)``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import IO, TypeVar

from flask import Flask, current_app

from service.config import Settings
from service.protocol import negotiate
from service.protocol.serializers import result_kind, serialize_chunks
from service.query.access import ScopedStore, backing_store
from service.query.cache import CacheKey, QueryCache
from service.query.evaluators import EvaluatorPool, Streamed, run_forked
from service.store.base import Store
from service.store.embedded import EmbeddedStore
from service.web.context import get_base_store, get_settings, get_store

T = TypeVar("T")
POOL_KEY = "cpkg.evaluators"
CACHE_KEY = "cpkg.query-cache"
CHUNK_BYTES = 256 * 1024  # pieces of a streamed answer
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024  # a larger answer being streamed waits in a temporary file


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


def execute(store: Store, settings: Settings, job: QueryJob) -> tuple[str, bytes] | Streamed:
    """Evaluate, negotiate on the actual result kind, serialize: (content type, body); or, for
    an answer over ``stream_after_bytes``, ``Streamed((content type, length), chunks)``.

    A large answer is written to a spooled temporary file (memory, then disk) and streamed from
    there: every error (a result over ``max_results``, the time limit) happens before the first
    byte is sent, so it is an ordinary error response, and the exact Content-Length is known, so
    a client can always tell a cut-off transfer from a whole answer. (A failure half-way through
    a chunked response would reach clients as a complete, shorter answer under granian.)"""
    result = store.query(
        job.text,
        default_graphs=job.default_graphs or None,
        named_graphs=job.named_graphs or None,
        timeout=settings.query_timeout,
    )
    fmt = negotiate(result_kind(result), job.accept, job.format)
    limit = settings.max_results if settings.max_results > 0 else None
    pieces = serialize_chunks(result, fmt.media_type, max_results=limit)
    first = bytearray()
    for piece in pieces:
        first += piece
        if len(first) > settings.stream_after_bytes:
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
            try:
                spool.write(first)
                for more in pieces:
                    spool.write(more)
                length = spool.tell()
                spool.seek(0)
            except BaseException:
                spool.close()
                raise
            return Streamed((fmt.content_type, length), _read_chunks(spool))
    return fmt.content_type, bytes(first)


def _read_chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk


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


def query_cache(app: Flask) -> QueryCache[CacheKey]:
    """The app's cache of answers (one per process; service/query/cache.py).

    Invalidated by every write to the embedded store (its ``generation`` counter). Remote
    stores can be written by others, so their answers are not cached (``max_bytes=0``).
    """
    cache = app.extensions.get(CACHE_KEY)
    if cache is None:
        base, settings = get_base_store(app), get_settings(app)
        if isinstance(base, EmbeddedStore):
            cache = QueryCache[CacheKey](
                settings.cache_bytes, version_source=lambda: base.generation
            )
        else:
            cache = QueryCache[CacheKey](0)
        app.extensions[CACHE_KEY] = cache
    return cache


@dataclass(frozen=True)
class Answer:
    """A query's answer: the body whole, or (a large one) as chunks adding up to ``length``."""

    content_type: str
    body: bytes | Iterator[bytes]
    length: int


def run_query(job: QueryJob) -> Answer:
    """Answer a query within ``query_timeout``, cached per dataset version; a large answer
    comes as chunks (streamed, not cached).

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
            return Answer(hit.content_type, hit.body, len(hit.body))
    if store.forkable:
        answer = evaluator_pool(app).run(job, _timeout(settings))
    else:
        answer = execute(store, settings, job)
    if isinstance(answer, Streamed):
        content_type, length = answer.head
        return Answer(content_type, answer.chunks, length)
    content_type, body = answer
    if cache.enabled:
        cache.put(key, content_type, body)
    return Answer(content_type, body, len(body))


def guarded(store: Store, settings: Settings, fn: Callable[[], T]) -> T:
    """``fn()`` with ``query_timeout`` enforced (one-shot fork for the embedded store)."""
    if store.forkable:
        base = backing_store(store)
        lock = base.fork_guard() if isinstance(base, EmbeddedStore) else None
        return run_forked(fn, _timeout(settings), lock)
    return fn()
