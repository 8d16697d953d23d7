"""Forked evaluation: results and errors cross the pipe, deadlines kill, stale children retire."""

from __future__ import annotations

import os
import time

import pytest

from service.errors import ParseError, QueryTimeout, StoreError
from service.store.isolate import EvaluatorPool, run_forked


def _job(payload: tuple[str, float]) -> tuple[int, str]:
    kind, arg = payload
    if kind == "sleep":
        time.sleep(arg)
    elif kind == "parse-error":
        raise ParseError("bad", line=3, column=4)
    elif kind == "bug":
        raise KeyError("oops")
    elif kind == "die":
        os._exit(3)
    return os.getpid(), kind


def test_run_forked_returns_value_in_another_process() -> None:
    assert run_forked(os.getpid, 5.0) != os.getpid()


def test_run_forked_kills_at_deadline() -> None:
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match="0.5 s limit"):
        run_forked(lambda: time.sleep(30), 0.5)
    assert time.monotonic() - start < 1.0


def test_pool_reuses_evaluators_and_carries_errors() -> None:
    pool = EvaluatorPool(_job)
    try:
        pid1, _ = pool.run(("ok", 0), 5.0)
        pid2, _ = pool.run(("ok", 0), 5.0)
        assert pid1 == pid2 != os.getpid()
        with pytest.raises(ParseError) as info:
            pool.run(("parse-error", 0), 5.0)
        assert (info.value.line, info.value.column) == (3, 4)
        with pytest.raises(StoreError, match="KeyError"):
            pool.run(("bug", 0), 5.0)
        assert pool.run(("ok", 0), 5.0)[0] == pid1  # errors do not cost the evaluator
        with pytest.raises(StoreError, match="died"):
            pool.run(("die", 0), 5.0)
        assert pool.run(("ok", 0), 5.0)[0] != pid1  # a dead evaluator is replaced
    finally:
        pool.close()


def test_pool_kills_runaway_and_keeps_serving() -> None:
    pool = EvaluatorPool(_job)
    try:
        pid, _ = pool.run(("ok", 0), 5.0)
        start = time.monotonic()
        with pytest.raises(QueryTimeout):
            pool.run(("sleep", 30), 0.3)
        assert time.monotonic() - start < 0.8
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped
        assert pool.run(("ok", 0), 5.0)[1] == "ok"
    finally:
        pool.close()


def test_pool_retires_evaluators_after_a_write() -> None:
    generation = [0]
    pool = EvaluatorPool(_job, generation=lambda: generation[0])
    try:
        pid1, _ = pool.run(("ok", 0), 5.0)
        generation[0] += 1
        pid2, _ = pool.run(("ok", 0), 5.0)
        assert pid1 != pid2
        with pytest.raises(ProcessLookupError):
            os.kill(pid1, 0)
    finally:
        pool.close()


def test_closed_pool_stops_its_evaluators() -> None:
    pool = EvaluatorPool(_job)
    pid, _ = pool.run(("ok", 0), 5.0)
    pool.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
