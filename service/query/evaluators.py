"""Evaluate queries in forked child processes so that a runaway query can be killed.

pyoxigraph has no cancellation API and a single aggregate can run inside one native call, so a
deadline checked in Python cannot stop it. Instead queries are evaluated (and serialized) in
children forked from the worker, which share the loaded store copy-on-write. The parent waits
on a pipe with a deadline; when it passes, the child is SIGKILLed and ``QueryTimeout`` is
raised: the CPU is freed at once and the worker goes on answering other requests.

``EvaluatorPool`` keeps forked children alive between queries (forking a ~60 MB worker costs
2-4 ms; a pipe round trip costs ~0.1 ms). A child forked before a write would answer from a
stale copy-on-write snapshot, so children remember the store generation they were forked at and
are retired when it changes. ``run_forked`` is the one-shot variant for arbitrary callables.

A handler may answer with ``Streamed(head, chunks)``: the head comes back from ``run`` at once
and the chunks follow over the pipe as the consumer reads them (the pipe's back-pressure paces
the child), so the parent never holds a large answer whole. The time limit then counts only the
time spent waiting for the child, not the time the consumer (a slow client) takes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import os
import pickle
import select
import signal
import stat
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from service.errors import CpkgError, QueryTimeout, StoreError
from service.query import wire

T = TypeVar("T")
Lock = contextlib.AbstractContextManager[Any]

# kind (b"o" ok, b"e" error, b"q" request, b"h" stream head, b"c" stream chunk), payload length
_HEADER = struct.Struct("!cQ")


@dataclass
class Streamed:
    """An answer sent in pieces: ``head`` (any picklable value), then ``chunks`` as they come."""

    head: Any
    chunks: Iterator[bytes]


# -- framing ---------------------------------------------------------------------------------


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _send(fd: int, kind: bytes, obj: object) -> None:
    """One framed message, header and payload in one system call without joining them (an
    answer can be a whole page: every copy counts)."""
    payload = wire.dumps(obj)
    header = _HEADER.pack(kind, len(payload))
    sent = os.writev(fd, (header, payload))
    if sent < len(header):
        _write_all(fd, header[sent:])
        sent = len(header)
    _write_all(fd, memoryview(payload)[sent - len(header) :])


# A read asks for this much unless more of the current message is known to be missing: asking
# for 1 MiB made every read allocate (mmap) and free (munmap) 1 MiB, ~14 us against ~1 us.
READ_BYTES = 64 * 1024


class Inbox:
    """Framed messages from a pipe, read in as few system calls as the data allows (a whole
    message usually arrives in one read); bytes past a message wait for the next one."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()

    def _missing(self) -> int:
        """How much to ask the pipe for: the rest of the current message, when its header
        says it is larger than a usual read."""
        if len(self.buf) < _HEADER.size:
            return READ_BYTES
        return max(READ_BYTES, _HEADER.size + _HEADER.unpack_from(self.buf)[1] - len(self.buf))

    def _complete(self) -> tuple[bytes, bytes] | None:
        if len(self.buf) < _HEADER.size:
            return None
        kind, size = _HEADER.unpack_from(self.buf)
        end = _HEADER.size + size
        if len(self.buf) < end:
            return None
        with memoryview(self.buf) as view:  # one copy of the payload, not two
            payload = bytes(view[_HEADER.size : end])
        del self.buf[:end]
        return kind, payload

    def receive(
        self, deadline: float | None = None, timeout: float | None = None
    ) -> tuple[bytes, bytes] | None:
        """The next message (kind, pickled payload); None at end of file. QueryTimeout at
        ``deadline`` (when given; without one, reads block)."""
        while (message := self._complete()) is None:
            if deadline is not None:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    raise QueryTimeout(
                        f"the query took longer than the {timeout:g} s limit and was stopped; "
                        "make it more selective (fewer joins, a LIMIT, bound variables)"
                    )
                if not select.select([self.fd], [], [], wait)[0]:
                    continue
            chunk = os.read(self.fd, self._missing())
            if not chunk:
                return None
            if not self.buf and (whole := _whole_message(chunk)) is not None:
                return whole  # the usual case: exactly one message, taken without buffering
            self.buf += chunk
        return message


def _whole_message(chunk: bytes) -> tuple[bytes, bytes] | None:
    """(kind, payload) when ``chunk`` is exactly one framed message."""
    if len(chunk) < _HEADER.size:
        return None
    kind, size = _HEADER.unpack_from(chunk)
    return (kind, chunk[_HEADER.size :]) if len(chunk) == _HEADER.size + size else None


def _receive(inbox: Inbox, deadline: float | None, timeout: float | None) -> tuple[bytes, object]:
    """Read one framed message and unpickle it (see ``_receive_raw``)."""
    kind, raw = _receive_raw(inbox, deadline, timeout)
    return kind, pickle.loads(raw)


def _receive_raw(
    inbox: Inbox, deadline: float | None, timeout: float | None
) -> tuple[bytes, bytes]:
    """Read one framed message, raising QueryTimeout at ``deadline``, StoreError on EOF."""
    message = inbox.receive(deadline, timeout)
    if message is None:
        raise StoreError("the query evaluator died without an answer (out of memory?)")
    return message


def _send_stream(fd: int, answer: Streamed, timeout: float | None) -> None:
    """Child side of a streamed answer: head, chunks, then ok or the error that stopped it.

    The alarm (the orphan safety net) covers making each chunk, not writing it: a write
    blocks while the client is slow, and fails with EPIPE if the parent has gone."""
    signal.alarm(0)
    _send(fd, b"h", answer.head)
    while True:
        _alarm(timeout)
        kind, chunk = _call(lambda: next(answer.chunks, None))
        signal.alarm(0)
        if kind == b"e" or chunk is None:
            _send(fd, kind, chunk)
            return
        _send(fd, b"c", chunk)


def _call(fn: Callable[[], object]) -> tuple[bytes, object]:
    try:
        return b"o", fn()
    except CpkgError as exc:
        return b"e", exc
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a StoreError
        return b"e", StoreError(f"the query evaluator failed: {type(exc).__name__}: {exc}")


def _child_signals() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def _close_sockets() -> None:
    """Drop inherited sockets (listeners, client connections) so the parent alone owns them.

    Otherwise a connection the worker closes stays open while a child lives. Files (an
    on-disk store's) are kept: the child needs them.
    """
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)


def _alarm(timeout: float | None) -> None:
    """Safety net: a child whose parent died (and so cannot kill it) ends by itself."""
    signal.alarm(0 if timeout is None else max(1, math.ceil(timeout)) + 1)


def _unpack(kind: bytes, value: object) -> Any:
    if kind == b"e":
        assert isinstance(value, BaseException)
        raise value
    return value


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


# -- one-shot --------------------------------------------------------------------------------


def run_forked(fn: Callable[[], T], timeout: float | None, lock: Lock | None = None) -> T:
    """Return ``fn()`` computed in a forked child, or raise QueryTimeout after ``timeout`` s.

    ``fn``'s return value and any ``CpkgError`` it raises are pickled back to the parent.
    ``lock`` is held around ``os.fork()`` so the child never sees a half-applied write.
    """
    read_fd, write_fd = os.pipe()
    with lock if lock is not None else contextlib.nullcontext():
        pid = os.fork()
    if pid == 0:  # child: never returns
        code = 0
        try:
            os.close(read_fd)
            _child_signals()
            _close_sockets()
            _alarm(timeout)
            kind, value = _call(fn)
            _send(write_fd, kind, value)
        except BaseException:  # noqa: BLE001 - the parent sees EOF
            code = 1
        finally:
            os._exit(code)  # skip atexit/destructors: the parent owns the store and sockets
    os.close(write_fd)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        kind, value = _receive(Inbox(read_fd), deadline, timeout)
    except BaseException:
        _kill(pid)
        raise
    finally:
        os.close(read_fd)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    return _unpack(kind, value)


# -- pool ------------------------------------------------------------------------------------

# An evaluator is replaced after this many answers, which bounds any slow growth of its private
# memory. A replacement costs a fork and the new child's first writes to shared pages: at 1,000
# answers that was ~1.5% of the machine's CPU under distinct-query load (perf), at 10,000 a tenth.
MAX_USES = 10_000


@dataclass
class _Evaluator:
    pid: int
    to_child: int
    from_child: int
    generation: int
    uses: int = 0
    inbox: Inbox = field(init=False)

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.from_child)


class EvaluatorPool:
    """Long-lived forked evaluators running ``handler(payload)``; one query at a time each.

    ``generation()`` returns a number that changes on every write to the store; ``lock`` is
    held by writers and around fork. Thread-safe; belongs to the process that created it.
    """

    def __init__(
        self,
        handler: Callable[[Any], Any],
        *,
        generation: Callable[[], int] = lambda: 0,
        lock: Lock | None = None,
        max_idle: int = 8,
        max_uses: int = MAX_USES,
    ) -> None:
        self.handler = handler
        self.generation = generation
        self.lock = lock
        self.max_idle = max_idle
        self.max_uses = max_uses
        self.owner = os.getpid()
        self._idle: list[_Evaluator] = []
        self._all: dict[int, _Evaluator] = {}  # pid -> evaluator, idle or busy
        self._mutex = threading.Lock()

    def run(self, payload: Any, timeout: float | None) -> Any:
        """``handler(payload)`` in an evaluator; QueryTimeout (and a killed child) past timeout."""
        answer = self.run_raw(payload, timeout)
        return answer if isinstance(answer, Streamed) else pickle.loads(answer)

    def run_raw(self, payload: Any, timeout: float | None) -> bytes | Streamed:
        """Like ``run``, but a whole answer comes back still pickled: the caller can keep the
        bytes (e.g. in a cache, where their length is the entry's size) and unpickle copies."""
        ev = self._acquire()
        started = time.monotonic()
        deadline = None if timeout is None else started + timeout
        try:
            _send(ev.to_child, b"q", (payload, timeout))
            kind, raw = _receive_raw(ev.inbox, deadline, timeout)
        except BaseException:
            self._discard(ev)
            raise
        if kind == b"h":
            left = None if timeout is None else timeout - (time.monotonic() - started)
            return Streamed(pickle.loads(raw), self._chunks(ev, timeout, left))
        ev.uses += 1
        self._release(ev)
        if kind == b"e":
            _unpack(kind, pickle.loads(raw))
        return raw

    def _chunks(self, ev: _Evaluator, timeout: float | None, left: float | None) -> Iterator[bytes]:
        """A streamed answer's chunks; the evaluator is released at the end (killed if the
        consumer stops early or the time spent waiting for it passes ``timeout``)."""
        finished = False
        try:
            while True:
                waited = time.monotonic()
                deadline = None if left is None else waited + left
                kind, value = _receive(ev.inbox, deadline, timeout)
                if left is not None:
                    left -= time.monotonic() - waited
                if kind == b"c":
                    assert isinstance(value, bytes)
                    yield value
                    continue
                finished = True
                _unpack(kind, value)  # raises the child's error, if that is what came
                return
        finally:
            if finished:
                ev.uses += 1
                self._release(ev)
            else:
                self._discard(ev)

    def close(self, *, busy: bool = False) -> None:
        """Stop all idle evaluators, and with ``busy`` the ones answering a query too (at
        shutdown: their requests then fail at once instead of running on)."""
        if os.getpid() != self.owner:
            return
        with self._mutex:
            idle, self._idle = self._idle, []
            running = [ev for ev in self._all.values() if ev not in idle] if busy else []
        for ev in idle + running:
            self._discard(ev)

    def _acquire(self) -> _Evaluator:
        if os.getpid() != self.owner:  # inherited through fork: start afresh
            self._idle, self._all = [], {}
            self.owner, self._mutex = os.getpid(), threading.Lock()
        gen = self.generation()
        stale = []
        with self._mutex:
            while self._idle:
                ev = self._idle.pop()
                if ev.generation == gen:
                    break
                stale.append(ev)
            else:
                ev = None
        for old in stale:
            self._discard(old)
        return ev if ev is not None else self._spawn()

    def _release(self, ev: _Evaluator) -> None:
        if ev.generation != self.generation() or ev.uses >= self.max_uses:
            self._discard(ev)
            return
        with self._mutex:
            if len(self._idle) < self.max_idle:
                self._idle.append(ev)
                return
        self._discard(ev)

    def _discard(self, ev: _Evaluator) -> None:
        with self._mutex:
            self._all.pop(ev.pid, None)
        for fd in (ev.to_child, ev.from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        _kill(ev.pid)

    def _spawn(self) -> _Evaluator:
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        with self.lock if self.lock is not None else contextlib.nullcontext(), self._mutex:
            gen = self.generation()
            pid = os.fork()
            if pid == 0:
                # Close the other evaluators' pipes: each must see EOF when the worker exits.
                for other in self._all.values():
                    for fd in (other.to_child, other.from_child):
                        with contextlib.suppress(OSError):
                            os.close(fd)
                os.close(req_w)
                os.close(resp_r)
                self._serve(req_r, resp_w)
            ev = _Evaluator(pid, req_w, resp_r, gen)
            self._all[pid] = ev
        os.close(req_r)
        os.close(resp_w)
        return ev

    def _serve(self, req_fd: int, resp_fd: int) -> None:
        """The evaluator's loop: answer requests until the parent closes the pipe."""
        code = 0
        try:
            # Everything here was inherited from the worker and is shared copy-on-write: a full
            # collection would walk (and so copy) all of it; only what this child makes is its own.
            gc.freeze()
            _child_signals()
            _close_sockets()
            requests = Inbox(req_fd)
            while True:
                message = requests.receive()
                if message is None:  # the worker has gone: so does its evaluator
                    break
                payload, timeout = pickle.loads(message[1])
                _alarm(timeout)
                kind, value = _call(functools.partial(self.handler, payload))
                if kind == b"o" and isinstance(value, Streamed):
                    _send_stream(resp_fd, value, timeout)
                else:
                    _send(resp_fd, kind, value)
                signal.alarm(0)
        except BaseException:  # noqa: BLE001 - the parent sees EOF
            code = 1
        finally:
            os._exit(code)
