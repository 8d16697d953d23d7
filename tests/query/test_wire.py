"""service/query/wire.py: what crosses the pipe to an evaluator comes back as it was sent."""

from __future__ import annotations

import functools
import pickle

import pytest

from service.formats import ALL as FORMATS
from service.query import wire
from service.query.access import ADMIN, ANONYMOUS, Principal
from service.query.answers import answer
from service.store.base import UNION, Dataset


def test_a_task_comes_back_equal_with_shared_values_identical() -> None:
    task = (ANONYMOUS, answer, ("SELECT * { ?s ?p ?o }", UNION, FORMATS[0], 1 << 20))
    back = pickle.loads(wire.dumps((task, 3.0)))
    assert back == (task, 3.0)
    principal, fn, (_, dataset, fmt, _) = back[0]
    assert principal is ANONYMOUS and fn is answer and dataset is UNION and fmt is FORMATS[0]
    for value in (*FORMATS, ADMIN, Principal("alice"), Dataset(("urn:g",), ())):
        assert pickle.loads(wire.dumps(value)) == value
    big = [f"urn:x:{i}" for i in range(10_000)]  # plain values pickle as usual
    assert pickle.loads(wire.dumps((answer, big))) == (answer, big)


def test_shared_values_travel_by_name() -> None:
    """Named, not written as globals one by one: the task names one global (the resolver)."""
    data = wire.dumps((ANONYMOUS, answer, UNION, FORMATS[0]))
    assert data.count(b"service.query.answers") == 1  # inside the name, not as a module
    assert b"service.query.answers:answer" in data


def _wrapped() -> None:
    """Stands in for a decorated function: its name finds a different object."""


_original = _wrapped
_wrapped = functools.lru_cache(maxsize=None)(_wrapped)


def test_functions_not_found_by_their_name_are_pickled_the_pickle_way() -> None:
    def local() -> None:
        pass

    with pytest.raises((pickle.PicklingError, AttributeError)):
        wire.dumps(local)
    with pytest.raises(pickle.PicklingError):
        wire.dumps(_original)  # pickle refuses it too: not the object its name finds
