"""Run the web app under granian (used by ``cpkg serve``).

Server chosen by measurement (bench/README.md, ``python -m bench.wsgi_compare``): granian parses
HTTP in Rust outside the GIL, so a repeated query is answered 4-5x faster than under gunicorn,
whose Python HTTP handling alone caps at ~9,000 requests/s on two cores.

Process model: with an in-memory store and updates disabled, the app and its store are built
once in the master and the N worker processes are *forked* from it, sharing the store
copy-on-write (``preloaded``). An on-disk store (one process may open it) or enabled updates
(every request must see every write) use a single worker process. Each worker runs the app in
``CPKG_THREADS`` Python threads and evaluates every query in a forked child (see
service/query/evaluators.py), so queries still run in parallel on all CPUs and a runaway query is
killed at the time limit.
"""

from __future__ import annotations

import gc
import logging
import math
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.config import Settings
from service.errors import CpkgError

log = logging.getLogger(__name__)

HEADER_SLACK = 64 * 1024  # request line and headers beyond CPKG_MAX_REQUEST_BYTES


@dataclass(frozen=True)
class ServerPlan:
    """How ``serve`` runs: worker processes, threads each, and whether the app is preloaded."""

    workers: int
    threads: int
    preloaded: bool
    reason: str = ""  # why fewer workers than asked, if so


def plan(settings: Settings, workers: int) -> ServerPlan:
    """The process model for ``settings`` (exposed for tests and benchmarks)."""
    threads = max(1, settings.threads)
    reason = ""
    if settings.store_path is not None and settings.store != "remote":
        reason = "the on-disk store can be opened by one process"
    elif settings.update_token or settings.users:
        reason = "updates (admin or users' private graphs) must be seen by every request"
    if reason and workers > 1:
        log.warning("using 1 worker process (with %d threads) instead of %d: %s", threads, workers,
                    reason)  # fmt: skip
    preloaded = settings.store_path is None or settings.store == "remote"
    return ServerPlan(1 if reason else max(1, workers), threads, preloaded, reason)


def shutdown_grace(settings: Settings) -> int:
    """Seconds a worker may take to stop after SIGTERM: long enough for a request in flight to
    finish or be cut at the time limit (the executor then kills its evaluator), so no evaluator
    outlives its worker; 5 s to spare."""
    limit = settings.query_timeout if settings.query_timeout > 0 else 25.0
    return math.ceil(limit) + 5


def granian_server(settings: Settings, host: str, port: int, sp: ServerPlan) -> Any:
    """The configured granian server (not started)."""
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    return Server(
        "cpkg",  # only names the processes: the app is handed over by ``serve``
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=sp.workers,
        blocking_threads=sp.threads,
        # Long GET queries reach the app, which answers 413 with a clear message.
        http1_settings=HTTP1Settings(
            max_buffer_size=max(417_792, settings.max_request_bytes + HEADER_SLACK)
        ),
        log_access=bool(os.environ.get("CPKG_ACCESS_LOG")),
        respawn_failed_workers=True,  # a worker killed (e.g. out of memory) is replaced
        workers_kill_timeout=shutdown_grace(settings),
    )


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    data_files: list[Path] | None = None,
) -> None:
    """Serve the endpoint until interrupted: the built dataset, or ``data_files`` if given."""
    sp = plan(settings, workers if workers is not None else settings.workers)
    if sp.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="cpkg-metrics-")
    files = list(data_files) if data_files else None
    # Workers must be forked (not spawned) to inherit the preloaded app.
    multiprocessing.set_start_method("fork", force=True)

    def factory() -> Any:
        from service.store.configured import open_configured_store
        from service.web import create_app

        return create_app(settings, open_configured_store(settings, files))

    load: Callable[..., Any]
    if sp.preloaded:
        app = _settled(factory())  # load once in the master; workers share it copy-on-write
        load = lambda *_args, **_kwargs: app  # noqa: E731
    else:
        # Load (and report errors) before starting, then let the one worker reopen the store
        # and find the dataset already loaded (same SHA-256). The load runs in a forked child:
        # RocksDB's background threads do not survive fork, so the master must never open it
        # (a worker forked from such a master hangs forever in its first flush).
        from service.query.evaluators import run_forked
        from service.store.embedded import open_store

        run_forked(lambda: open_store(settings, files).close(), None)
        load = lambda *_args, **_kwargs: _settled(factory())  # noqa: E731
    granian_server(settings, host, port, sp).serve(target_loader=load, wrap_loader=False)


def _settled(app: Any) -> Any:
    """The app, with everything built so far moved out of the garbage collector's sight
    (``gc.freeze``): it lives as long as the process, and every full collection would otherwise
    walk it again, writing to (and so copying) the pages the forked workers share."""
    gc.freeze()
    return app


def main(argv: list[str] | None = None) -> None:
    """``python -m service.server``: the same as ``cpkg serve`` (for tests and debugging)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m service.server", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--data", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--store-path", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.store_path is not None:
            from dataclasses import replace

            settings = replace(settings, store_path=args.store_path)
        serve(settings, args.host, args.port, args.workers, args.data)
    except CpkgError as exc:  # the same contract as `cpkg serve`: a message and exit code 2
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
