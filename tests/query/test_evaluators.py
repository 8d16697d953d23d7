"""Forked evaluation: results and errors cross the pipe, deadlines kill, stale children retire,
large answers stream."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from service.errors import ParseError, QueryTimeout, ResultTooLarge, StoreError
from service.query.evaluators import EvaluatorPool, Streamed, run_forked


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


def _collector(payload: object) -> tuple[int, int]:
    import gc

    return gc.get_freeze_count(), len(gc.get_objects())


def test_an_evaluator_hides_what_it_inherited_from_the_collector() -> None:
    """Everything an evaluator inherits is shared with its worker copy-on-write: a full garbage
    collection that walked it would copy those pages into the evaluator, so it is frozen."""
    import gc

    pool = EvaluatorPool(_collector)
    try:
        frozen, tracked = pool.run(None, 5.0)
    finally:
        pool.close()
    assert frozen >= len(gc.get_objects()) // 2  # about everything this process holds
    assert tracked < frozen // 10  # what the collector still walks: the evaluator's own


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


def _stream(payload: tuple[str, int, float]) -> Streamed:
    """Streams ``n`` chunks of ``b"<i>\\n"``, sleeping ``pause`` s before each; ``fail`` raises
    after the first chunk, ``stall`` never produces the second."""
    kind, n, pause = payload

    def chunks() -> Iterator[bytes]:
        for i in range(n):
            if i == 1 and kind == "fail":
                raise ResultTooLarge("too many rows")
            if i == 1 and kind == "stall":
                time.sleep(60)
            time.sleep(pause)
            yield f"{i}\n".encode()

    return Streamed(("head", os.getpid()), chunks())


def test_a_streamed_answer_arrives_in_order_and_frees_its_evaluator() -> None:
    pool = EvaluatorPool(_stream)
    try:
        answer = pool.run(("ok", 500, 0.0), 5.0)
        assert isinstance(answer, Streamed)
        head, pid = answer.head
        assert head == "head" and pid != os.getpid()
        assert b"".join(answer.chunks) == b"".join(f"{i}\n".encode() for i in range(500))
        again = pool.run(("ok", 1, 0.0), 5.0)
        assert again.head[1] == pid  # released for reuse after the last chunk
        assert list(again.chunks) == [b"0\n"]
    finally:
        pool.close()


def test_a_slow_consumer_does_not_count_against_the_time_limit() -> None:
    pool = EvaluatorPool(_stream)
    try:
        answer = pool.run(("ok", 4, 0.0), 0.5)
        got = []
        for chunk in answer.chunks:
            got.append(chunk)
            time.sleep(0.3)  # 1.2 s in all, more than the 0.5 s limit, spent by the consumer
        assert got == [b"0\n", b"1\n", b"2\n", b"3\n"]
    finally:
        pool.close()


def test_errors_and_stalls_after_the_first_chunk_reach_the_consumer() -> None:
    pool = EvaluatorPool(_stream)
    try:
        failing = pool.run(("fail", 3, 0.0), 5.0).chunks
        assert next(failing) == b"0\n"
        with pytest.raises(ResultTooLarge, match="too many rows"):
            next(failing)
        stalled = pool.run(("stall", 3, 0.0), 0.5)
        pid = stalled.head[1]
        assert next(stalled.chunks) == b"0\n"
        start = time.monotonic()
        with pytest.raises(QueryTimeout):
            next(stalled.chunks)
        assert time.monotonic() - start < 1.0
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # the stalled evaluator was killed
    finally:
        pool.close()


def test_a_consumer_that_stops_early_kills_the_evaluator() -> None:
    pool = EvaluatorPool(_stream)
    try:
        answer = pool.run(("ok", 10_000, 0.0), 5.0)
        pid = answer.head[1]
        assert next(answer.chunks) == b"0\n"
        answer.chunks.close()  # e.g. the client disconnected
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert b"".join(pool.run(("ok", 2, 0.0), 5.0).chunks) == b"0\n1\n"
    finally:
        pool.close()


@pytest.mark.parametrize("split", [1, 7, 4096, 70_000, 1 << 20])
def test_messages_survive_any_split_across_reads(split: int) -> None:
    """Framed messages come out whole and in order however the pipe delivers their bytes:
    one per read, several in one read, or one spread over many (a large answer)."""
    import pickle
    import tempfile
    import threading

    from service.query.evaluators import Inbox, _send

    sent = [b"x", b"", b"page " * 30_000, b"y" * 65_530, {"k": [1, 2]}, b"z" * 200_000]
    with tempfile.TemporaryFile() as framed:  # the bytes _send writes, in order
        for value in sent:
            _send(framed.fileno(), b"o", value)
        framed.seek(0)
        wire = framed.read()
    r, w = os.pipe()

    def feed() -> None:
        for i in range(0, len(wire), split):
            os.write(w, wire[i : i + split])
        os.close(w)

    writer = threading.Thread(target=feed)
    writer.start()
    inbox, got = Inbox(r), []
    while (message := inbox.receive()) is not None:
        assert message[0] == b"o"
        got.append(pickle.loads(message[1]))
    writer.join()
    os.close(r)
    assert got == sent
