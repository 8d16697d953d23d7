"""The one read path: every store read of every route, the chain API and the CLI passes here.

A read is a *task*: a module-level function ``fn(view, *args)`` whose arguments (and answer) can
be pickled. ``Executor.read(principal, fn, *args)`` runs it and, in this one place, applies

- **access control**: the task sees the store only as ``principal`` may (``ScopedStore``);
- **the time limit**: on the embedded store the task runs in a forked evaluator that is killed
  at ``CPKG_QUERY_TIMEOUT`` (pyoxigraph cannot cancel a query), unless a *bounded variant* of
  the task (``bounded_variant``: e.g. a SELECT of one triple pattern, at most 1,000 rows) can
  answer it in the caller's thread with work that cannot come near the limit; a remote store
  gets the time left with each query;
- **the result cap**: every query result and graph read is counted against
  ``CPKG_MAX_RESULTS`` (``ResultTooLarge``, never silent truncation);
- **the fork lock**: evaluators are forked under the store's fork guard, so none inherits a
  half-applied write;
- **the answer cache**: answers are kept per (task, arguments, principal) at the store's
  *generation*, which every write bumps, so no answer computed before a write is served after it.

The store itself is wrapped so that it refuses to be read anywhere else (``OutsideExecutor``):
a route cannot bypass these guarantees, even by accident. Writes (SPARQL Update, Graph Store)
go through ``update``/``write_graph``, where access control is decided the same way.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import functools
import io
import itertools
import pickle
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, NamedTuple, TypeVar, cast

import pyoxigraph as ox

from service.config import Settings
from service.errors import OutsideExecutor, QueryTimeout, ResultTooLarge
from service.formats import Format
from service.query.access import (
    ANONYMOUS,
    Principal,
    ScopedStore,
    plan_user_update,
    refuse_load,
    write_refusal,
)
from service.query.cache import QueryCache
from service.query.evaluators import EvaluatorPool, Streamed
from service.store.base import (
    UNION,
    Dataset,
    GraphName,
    GraphResult,
    QueryResult,
    SelectResult,
    Store,
    Term,
)
from service.store.links import Links
from service.store.steps import within

T = TypeVar("T")
CHUNK_BYTES = 256 * 1024  # pieces of a streamed answer
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024  # a larger streamed answer waits in a temporary file

_INSIDE = contextvars.ContextVar("cpkg_inside_executor", default=False)


@contextlib.contextmanager
def _inside() -> Iterator[None]:
    token = _INSIDE.set(True)
    try:
        yield
    finally:
        _INSIDE.reset(token)


class ReadKey(NamedTuple):
    """What makes two reads' answers identical: the task, its arguments, who asks, and the
    store generation they were computed at."""

    version: int
    task: str
    args: tuple[Any, ...]
    principal: str

    @property
    def nbytes(self) -> int:
        """The strings the key holds (query texts, IRIs); other arguments (formats, datasets)
        are shared constants that cost the cache nothing."""
        held = sum(len(a) for a in self.args if isinstance(a, str | bytes))
        return len(self.task) + held + len(self.principal)


class Executor:
    """Runs reads and writes against one store with every guarantee applied (module docstring).

    Thread-safe. Belongs to a process: after a fork, the pool of evaluators starts afresh.
    """

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self.store = cast(Store, GatedStore(store))
        self.settings = settings
        self.timeout = settings.query_timeout if settings.query_timeout > 0 else None
        cacheable = store.generation is not None
        self.cache = QueryCache[ReadKey](
            settings.cache_bytes if cacheable else 0,
            version_source=lambda: store.generation or 0,
        )
        self._pool: EvaluatorPool | None = None
        self._pool_lock = threading.Lock()
        self._write_lock = getattr(store, "lock", None) or threading.RLock()

    # -- what the store is at -----------------------------------------------------------------

    @property
    def generation(self) -> int | None:
        """Bumped by every write; None when the store can change behind our back (remote)."""
        return self._store.generation

    @property
    def modified(self) -> float | None:
        """When the data last changed, if the store knows."""
        return self._store.modified

    # -- reads --------------------------------------------------------------------------------

    def read(
        self,
        principal: Principal,
        fn: Callable[..., T],
        *args: Any,
        cache: bool = True,
    ) -> T:
        """``fn(view, *args)`` under every guarantee; answers are cached unless ``cache`` is
        False or the answer is streamed (``Streamed``)."""
        key = None
        if cache and self.cache.enabled:
            key = ReadKey(self.cache.version, _task_name(fn), args, principal.key)
            hit = self.cache.get(key)
            if hit is not None:
                return pickle.loads(hit.body)
        if self._store.forkable:
            bounded = _BOUNDED.get(fn)
            if bounded is not None:
                got = _evaluate(self._store, self.settings, (principal, bounded, args))
                if got is not None:
                    if key is not None and not isinstance(got, Streamed):
                        self.cache.put(key, pickle.dumps(got, pickle.HIGHEST_PROTOCOL))
                    return cast(T, got)
            raw = self._evaluators().run_raw((principal, fn, args), self.timeout)
            if isinstance(raw, Streamed):
                return raw  # type: ignore[return-value]
            if key is not None:
                self.cache.put(key, raw)
            return pickle.loads(raw)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        return _evaluate(self._store, self.settings, (principal, fn, args), deadline)

    def _evaluators(self) -> EvaluatorPool:
        with self._pool_lock:
            if self._pool is None:
                fork_guard = getattr(self._store, "fork_guard", None)
                self._pool = EvaluatorPool(
                    functools.partial(_evaluate, self._store, self.settings),
                    generation=lambda: self._store.generation or 0,
                    lock=fork_guard() if fork_guard is not None else None,
                    max_idle=max(2, self.settings.threads),
                )
            return self._pool

    # -- writes -------------------------------------------------------------------------------

    def update(self, principal: Principal, sparql: str) -> None:
        """A SPARQL Update: the admin's as it is; a user's only if its *effect* stays within
        the user's own graphs (planned on a scratch copy by a read, applied in one write)."""
        if principal.admin:
            with _inside():
                self._store.update(sparql)
            return
        if principal.name is None:
            raise write_refusal(principal, ["(any graph)"])
        refuse_load(sparql)
        with self._write_lock:  # no other write between the plan and its application
            refused, ops = self.read(principal, plan_user_update, sparql, cache=False)
            if refused:
                raise write_refusal(principal, refused)
            if ops:
                with _inside():
                    self._store.update(ops)

    def write_graph(
        self, principal: Principal, method: str, graph: GraphName, triples: list[ox.Triple]
    ) -> bool:
        """A Graph Store write (PUT replace, POST add, DELETE); whether the graph existed."""
        with _inside():
            view = ScopedStore(self._store, principal)
            if method == "PUT":
                return view.replace_graph(graph, triples)
            if method == "POST":
                return view.add_to_graph(graph, triples)
            return view.delete_graph(graph)

    def close(self, *, busy: bool = False) -> None:
        """Stop the evaluators (with ``busy``, also those answering a request: shutdown)."""
        if self._pool is not None:
            self._pool.close(busy=busy)


# task -> its bounded variant (``bounded_variant``)
_BOUNDED: dict[Callable[..., Any], Callable[..., Any]] = {}


def bounded_variant(task: Callable[..., T]) -> Callable[[Callable[..., T | None]], Any]:
    """Register the decorated function as ``task``'s *bounded variant*: called with the same
    arguments, it answers only when its work is bounded by construction (a fixed number of
    index steps, whatever the data), and returns None otherwise.

    The executor then runs it in the caller's thread before forking anything: an answer that
    cannot outlive the time limit needs no evaluator to kill (a pipe round trip to one costs
    more than such a query). Access control and the result cap apply as to any task."""

    def register(variant: Callable[..., T | None]) -> Callable[..., T | None]:
        _BOUNDED[task] = variant
        return variant

    return register


def bounded_in_steps(steps: int) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Make the decorated task its own bounded variant: a task that reads the store by index
    walks (a resource page) runs in the caller's thread with a budget of ``steps`` index
    steps, and goes to an evaluator when it needs more, or SPARQL (service/store/steps.py)."""

    def register(task: Callable[..., T]) -> Callable[..., T]:
        _BOUNDED[task] = functools.partial(within, steps, task)
        return task

    return register


def _task_name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _evaluate(
    store: Store,
    settings: Settings,
    payload: tuple[Principal, Callable[..., T], tuple[Any, ...]],
    deadline: float | None = None,
) -> T:
    """Run one task: in a forked evaluator (embedded store) or in the caller's thread.

    In a context of its own: an evaluator is forked from a thread that was answering some
    request, whose context variables (Flask's request and app contexts) must not leak into
    the next task."""
    principal, fn, args = payload

    def run() -> T:
        _INSIDE.set(True)  # no reset needed: this context is the task's alone
        return fn(ReadView(ScopedStore(store, principal), settings, deadline), *args)

    return contextvars.Context().run(run)


class ReadView(Store):
    """What a task sees: the caller's view of the store (access control) with the result cap
    and, where the store cannot be killed, the time left passed to every query. Read-only."""

    def __init__(self, scoped: ScopedStore, settings: Settings, deadline: float | None) -> None:
        self.scoped = scoped
        self.settings = settings
        self.principal = scoped.principal
        self.deadline = deadline
        self.forkable = scoped.forkable
        self.generation = scoped.base.generation
        self.modified = scoped.base.modified
        self.cap = settings.max_results if settings.max_results > 0 else None

    def _left(self) -> float | None:
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            limit = self.settings.query_timeout
            raise QueryTimeout(
                f"this request took longer than the {limit:g} s limit and was stopped; "
                "make it more selective"
            )
        return left

    def query(
        self, sparql: str, dataset: Dataset = UNION, timeout: float | None = None
    ) -> QueryResult:
        result = self.scoped.query(sparql, dataset, timeout=self._left())
        if isinstance(result, SelectResult):
            result.rows = capped(result.rows, self.cap, "rows")
            result.cap = self.cap
        elif isinstance(result, GraphResult):
            result.triples = capped(result.triples, self.cap, "triples")
        return result

    def get_graph(self, graph: GraphName) -> list[ox.Triple]:
        self._left()
        triples = self.scoped.get_graph(graph)
        if self.cap is not None and len(triples) > self.cap:
            raise ResultTooLarge(
                f"the graph has more than {self.cap} triples, the limit of this endpoint; "
                "use a SPARQL query with LIMIT/OFFSET"
            )
        return triples

    def graph_names(self) -> list[str]:
        return self.scoped.graph_names()

    def graph_exists(self, graph: GraphName) -> bool:
        return self.scoped.graph_exists(graph)

    def triple_count(self) -> int:
        return self.scoped.triple_count()

    def quads(self) -> Iterator[ox.Quad]:
        return self.scoped.quads()

    def links(self, iri: str, offset: int, per_page: int) -> Links:
        self._left()
        return self.scoped.links(iri, offset, per_page)

    def objects(
        self, subjects: Sequence[str], predicates: Sequence[str], *, first: bool = False
    ) -> Iterator[tuple[str, str, Term]]:
        self._left()
        return capped(self.scoped.objects(subjects, predicates, first=first), self.cap, "values")


def write_capped(result: SelectResult, fmt: Format, spool: Spool) -> None:
    """Write a SELECT answer with the store's own serializer, keeping the result cap: the
    rows are counted (by reading the answer back) only when its size leaves room for more
    rows than the cap allows."""
    assert result.write is not None and fmt.results is not None
    start = spool.size
    result.write(spool.sink, fmt.results)
    size, end = spool.size - start, spool.size
    if result.cap is None or size <= result.cap * fmt.min_row_bytes:
        return
    out = spool.file
    out.seek(start)
    if fmt.results is ox.QueryResultsFormat.CSV:  # lossy, so not parsed back: records counted
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        rows: Iterable[object] = itertools.islice(csv.reader(text), 1, None)
    else:
        parsed = ox.parse_query_results(out, fmt.results)
        rows = parsed if isinstance(parsed, ox.QuerySolutions) else ()
    try:
        for _ in capped(rows, result.cap, "rows"):
            pass
    finally:
        if fmt.results is ox.QueryResultsFormat.CSV:
            text.detach()
    out.seek(end)


def capped(items: Iterable[T], limit: int | None, what: str) -> Iterator[T]:
    """``items``, raising ResultTooLarge when there are more than ``limit``."""
    for count, item in enumerate(items, 1):
        if limit is not None and count > limit:
            raise ResultTooLarge(
                f"the result has more than {limit} {what}, the limit of this endpoint; "
                "add LIMIT/OFFSET to page through it"
            )
        yield item


class GatedStore:
    """The store as everything outside the executor holds it: any use of it is refused unless
    the executor is running it (``OutsideExecutor``)."""

    def __init__(self, store: Store) -> None:
        object.__setattr__(self, "_wrapped", store)

    def __getattr__(self, name: str) -> Any:
        if not _INSIDE.get():
            raise OutsideExecutor(
                f"store.{name} was used outside the executor; read through "
                "Executor.read(principal, task, ...) so that the time limit, result cap, "
                "access control and cache apply (service/query/executor.py)"
            )
        return getattr(object.__getattribute__(self, "_wrapped"), name)


# -- answers too large to hold: spooled, then streamed ------------------------------------------


class Spool:
    """A write target for a large answer: memory first, then a temporary file. ``finish``
    gives its exact length and its chunks, so the answer is complete (every error raised)
    before the first byte is sent, and a cut-off transfer is visible to the client.

    Serializers write to the spool itself (``write``, ``flush``); ``file`` is where the bytes
    are (a BytesIO, or the temporary file once they pass ``memory``). Lighter than
    ``tempfile.SpooledTemporaryFile``, whose making and closing alone cost ~4.6 us, a tenth
    of a point lookup's evaluation."""

    def __init__(self, memory: int = SPOOL_MEMORY_BYTES) -> None:
        self.memory = memory
        self.file: IO[bytes] = io.BytesIO()
        self._in_memory = True

    def write(self, data: bytes) -> int:
        if self._in_memory and self.file.tell() + len(data) > self.memory:
            on_disk = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the spool
            on_disk.write(cast(io.BytesIO, self.file).getbuffer())
            self.file, self._in_memory = on_disk, False
        return self.file.write(data)

    def flush(self) -> None:
        """Serializers flush when done; the bytes stay here until read."""

    @property
    def sink(self) -> IO[bytes]:
        """The spool as the file-like a serializer writes to (it calls only write and flush)."""
        return cast(IO[bytes], self)

    @property
    def size(self) -> int:
        """Bytes written so far (the position after the last write)."""
        return self.file.tell()

    def finish(self, head: Any) -> Streamed:
        length = self.file.tell()
        self.file.seek(0)
        return Streamed((head, length), _read_chunks(self.file))

    def whole_or_streamed(self, head: Any, small: int | None) -> bytes | Streamed:
        """The answer whole when it is at most ``small`` bytes, else streamed."""
        if small is not None and self.file.tell() > small:
            return self.finish(head)
        if self._in_memory:
            return cast(io.BytesIO, self.file).getvalue()
        self.file.seek(0)
        with self.file:
            return self.file.read()

    def discard(self) -> None:
        self.file.close()


def _read_chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk


def spooled(pieces: Iterable[bytes], head: Any, small: int | None) -> bytes | Streamed:
    """The pieces joined when they add up to at most ``small`` bytes, else spooled and
    streamed (``Streamed((head, length), chunks)``)."""
    first = bytearray()
    it = iter(pieces)
    for piece in it:
        first += piece
        if small is not None and len(first) > small:
            spool = Spool()
            try:
                spool.write(bytes(first))
                for more in it:
                    spool.write(more)
            except BaseException:
                spool.discard()
                raise
            return spool.finish(head)
    return bytes(first)


__all__ = ["ANONYMOUS", "Executor", "ReadView", "Spool", "Streamed", "capped", "spooled"]
