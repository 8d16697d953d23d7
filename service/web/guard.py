"""Evaluate reads under the time limit: in killable forked children for the embedded store.

SPARQL queries go to a per-process ``EvaluatorPool`` (long-lived children, ~0.1 ms overhead);
other reads (Graph Store GET) use a one-shot ``run_forked``. Stores that cannot be forked
(remote) enforce the time limit themselves through ``Store.query(timeout=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app

from service.config import Settings
from service.protocol import negotiate
from service.serializers import result_kind, serialize
from service.store.base import Store
from service.store.embedded import EmbeddedStore
from service.store.isolate import EvaluatorPool, run_forked
from service.web.context import get_settings, get_store

T = TypeVar("T")
POOL_KEY = "cpkg.evaluators"


@dataclass(frozen=True)
class QueryJob:
    """Everything an evaluator needs to answer one query (picklable)."""

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
        store, settings = get_store(app), get_settings(app)
        assert isinstance(store, EmbeddedStore)
        pool = EvaluatorPool(
            lambda job: execute(store, settings, job),
            generation=lambda: store.generation,
            lock=store.fork_guard(),
            max_idle=max(2, settings.threads),
        )
        app.extensions[POOL_KEY] = pool
    return pool


def run_query(job: QueryJob) -> tuple[str, bytes]:
    """Answer a query within ``query_timeout``: (content type, body)."""
    store, settings = get_store(), get_settings()
    if store.forkable:
        return evaluator_pool(current_app._get_current_object()).run(job, _timeout(settings))  # type: ignore[attr-defined]
    return execute(store, settings, job)


def guarded(store: Store, settings: Settings, fn: Callable[[], T]) -> T:
    """``fn()`` with ``query_timeout`` enforced (one-shot fork for the embedded store)."""
    if store.forkable:
        lock = store.fork_guard() if isinstance(store, EmbeddedStore) else None
        return run_forked(fn, _timeout(settings), lock)
    return fn()
