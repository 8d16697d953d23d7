"""Index steps counted against a budget: how a read shows its work is bounded, whatever the data.

A read run ``within(steps, fn, …)`` may touch the embedded store only by index lookups
(``quads_for_pattern``), each step of which yields one quad in about a microsecond; every step is
counted, and past ``steps`` the read is abandoned and ``within`` returns None. SPARQL, one step of
which can take any time (pyoxigraph cannot be interrupted), is refused the same way. So a read
that finishes inside its budget did a fixed amount of work, and one that would not is stopped
early at a fixed cost: the executor runs such reads in the request's own thread
(``executor.bounded_variant``) and gives the others to an evaluator it can kill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import pyoxigraph as ox

T = TypeVar("T")

#: Index steps a resource page may take in the request's thread (~10 ms of walking at most).
PAGE_STEPS = 10_000


class OverBudget(Exception):
    """The read needed more steps than its budget, or SPARQL. Control flow inside ``within``
    (not a ``CpkgError``: it never reaches a caller, and no store error handler catches it)."""


_LEFT: ContextVar[list[int] | None] = ContextVar("cpkg_steps_left", default=None)


def within(steps: int, fn: Callable[..., T], *args: Any) -> T | None:
    """``fn(*args)`` if it reads the store in at most ``steps`` index steps, else None."""
    token = _LEFT.set([steps])
    try:
        return fn(*args)
    except OverBudget:
        return None
    finally:
        _LEFT.reset(token)


def spend(steps: int) -> None:
    """Count ``steps`` of work against the budget, if a read is counted (values a store
    remembered cost what reading them again would)."""
    left = _LEFT.get()
    if left is not None:
        left[0] -= steps
        if left[0] < 0:
            raise OverBudget


def refuse() -> None:
    """Work that cannot be counted (e.g. copying a whole store): over budget inside ``within``."""
    if _LEFT.get() is not None:
        raise OverBudget


def counted(reader: ox.Store) -> ox.Store:
    """``reader``, or, inside ``within``, a view of it whose only reads are counted steps."""
    left = _LEFT.get()
    return reader if left is None else _CountedReader(reader, left)  # type: ignore[return-value]


class _CountedReader:
    """An ``ox.Store`` read one counted quad at a time; anything else (``query``) ends the
    read as over budget."""

    def __init__(self, store: ox.Store, left: list[int]) -> None:
        self._store, self._left = store, left

    def quads_for_pattern(self, *pattern: Any) -> Iterator[ox.Quad]:
        left = self._left
        for quad in self._store.quads_for_pattern(*pattern):
            left[0] -= 1
            if left[0] < 0:
                raise OverBudget
            yield quad

    def __getattr__(self, name: str) -> Any:
        raise OverBudget
