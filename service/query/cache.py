"""A bounded, thread-safe LRU cache of answers as bytes, valid for one dataset version.

Keys record the dataset version they were made at (the executor keys reads by task, arguments
and principal; the replay layer keys whole requests); values are bytes (a pickled answer, or a
response body with its headers). The cache is bounded by the
total size of the bodies *and their keys* (``max_bytes``: a key holds the query text, up to the
request size limit, so many long queries with short answers cannot grow it unbounded) and never
stores one entry larger than ``max_entry_bytes``, so a huge result cannot evict everything else.

Invalidation: every write to the dataset must change its *version*. The cache keeps its own
``version`` counter, which writers bump with ``bump()``; it can also follow an external
counter (``version_source``, e.g. ``lambda: store.generation`` of the embedded store, which
the store increments on every write), and then any change of that counter empties the cache.
Entries are only ever served for the version they were computed at.

Each process has its own cache (worker processes do not share memory after fork); with updates
enabled ``cpkg serve`` runs a single worker process, so a write is seen by every request.

    cache = QueryCache[MyKey](max_bytes=64 << 20, version_source=lambda: store.generation)
    hit = cache.get(MyKey(cache.version, ...))
    if hit is None:
        hit = cache.put(key, evaluate())   # bytes
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, NamedTuple, Protocol, TypeVar

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class VersionedKey(Hashable, Protocol):
    """Any hashable key that records the dataset version it was made at, and its size."""

    @property
    def version(self) -> int: ...

    @property
    def nbytes(self) -> int:
        """About how much memory the key holds (its strings), counted against the budget."""
        ...


K = TypeVar("K", bound=VersionedKey)


class Entry(NamedTuple):
    """A cached answer: its bytes (and, for whole HTTP responses, the headers), with what it
    counts against the budget (its key's size included), worked out once when it is stored."""

    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    size: int = 0


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    evictions: int
    invalidations: int
    entries: int
    bytes: int
    version: int


class QueryCache(Generic[K]):
    """LRU over ``key -> Entry`` bounded by total body bytes; safe across threads.

    Keys are usually ``CacheKey``s (made by ``key()``); any hashable with a ``version`` works.
    """

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        *,
        max_entry_bytes: int | None = None,
        version_source: Callable[[], int] | None = None,
    ) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0 (0 disables the cache)")
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 4 if max_entry_bytes is None else max_entry_bytes
        self._source = version_source
        self._seen_source: int | None = version_source() if version_source else None
        self._version = 0
        self._entries: OrderedDict[K, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = self.evictions = self.invalidations = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def version(self) -> int:
        """The dataset version answers are cached for (changes on every write)."""
        with self._lock:
            self._sync()
            return self._version

    def bump(self) -> int:
        """Record a write to the dataset: drop every entry; return the new version."""
        with self._lock:
            self._invalidate()
            return self._version

    def get(self, key: K) -> Entry | None:
        """The cached answer for ``key``, or None (a miss); a hit becomes most recent."""
        with self._lock:
            self._sync()
            entry = self._entries.get(key) if key.version == self._version else None
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: K, body: bytes, headers: tuple[tuple[str, str], ...] = ()) -> Entry:
        """Store an answer computed for ``key`` (unless stale or too big); return it."""
        size = key.nbytes + len(body) + sum(map(len, itertools.chain.from_iterable(headers)))
        entry = Entry(bytes(body), headers, size)
        if not self.enabled or size > self.max_entry_bytes or size > self.max_bytes:
            return entry
        with self._lock:
            self._sync()
            if key.version != self._version:  # a write happened while this was computed
                return entry
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._bytes -= self._entries.popitem(last=False)[1].size
                self.evictions += 1
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            self._sync()
            return CacheStats(
                self.hits,
                self.misses,
                self.evictions,
                self.invalidations,
                len(self._entries),
                self._bytes,
                self._version,
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return self._bytes

    # -- internals (call with the lock held) --------------------------------------------------

    def _sync(self) -> None:
        if self._source is None:
            return
        current = self._source()
        if current != self._seen_source:
            self._seen_source = current
            self._invalidate()

    def _invalidate(self) -> None:
        self._version += 1
        self.invalidations += 1
        self._entries.clear()
        self._bytes = 0
