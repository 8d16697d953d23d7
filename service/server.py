"""Run the web app under gunicorn (used by ``cpkg serve``).

Process model: with an in-memory store and updates disabled, the store is loaded once in the
gunicorn master (``preload_app``) and N worker processes share it copy-on-write. An on-disk
store (one process may open it) or enabled updates (every request must see every write) use
a single worker process; either way each worker has several threads and every query is
evaluated in its own forked child (see service/store/isolate.py), so queries still run in
parallel on all CPUs and a runaway query is killed at the time limit.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from service.config import Settings
from service.errors import CpkgError

log = logging.getLogger(__name__)


class CpkgApplication(BaseApplication):
    """A gunicorn application whose WSGI app comes from a factory, not an import string."""

    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.factory()


def _child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def gunicorn_options(settings: Settings, host: str, port: int, workers: int) -> dict[str, Any]:
    """The gunicorn configuration for ``serve`` (exposed for tests and benchmarks)."""
    single = settings.store_path is not None or bool(settings.update_token or settings.users)
    if single and workers > 1:
        log.warning(
            "using 1 worker process (with %d threads) instead of %d: %s",
            settings.threads,
            workers,
            "the on-disk store can be opened by one process"
            if settings.store_path
            else "updates (admin or users' private graphs) must be seen by every request",
        )
        workers = 1
    return {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "gthread",
        "threads": max(1, settings.threads),
        "preload_app": settings.store_path is None,
        # Requests wait in threads while children evaluate, so the heartbeat is never starved;
        # this is only a backstop for a wedged worker.
        "timeout": int(max(30.0, settings.query_timeout * 2 + 10)),
        "graceful_timeout": 10,
        "limit_request_line": 0,  # the app checks CPKG_MAX_REQUEST_BYTES with a clear message
        "accesslog": "-" if os.environ.get("CPKG_ACCESS_LOG") else None,
        "errorlog": "-",
        "loglevel": "info",
        "child_exit": _child_exit,
        "control_socket_disable": True,  # one fixed path would be shared by all instances
    }


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    data_files: list[Path] | None = None,
) -> None:
    """Serve the endpoint until interrupted: the built dataset, or ``data_files`` if given."""
    n = workers if workers is not None else settings.workers
    options = gunicorn_options(settings, host, port, n)
    if options["workers"] > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="cpkg-metrics-")
    files = list(data_files) if data_files else None

    def factory() -> Any:
        from service.store.configured import open_configured_store
        from service.web import create_app

        return create_app(settings, open_configured_store(settings, files))

    if settings.store_path is None or settings.store == "remote":
        app = factory()  # load once in the master; workers share it copy-on-write
        options["preload_app"] = True
        CpkgApplication(lambda: app, options).run()
    else:
        # Load (and report errors) before starting, then let the one worker reopen the store
        # and find the dataset already loaded (same SHA-256). The load runs in a forked child:
        # RocksDB's background threads do not survive fork, so the master must never open it
        # (a worker forked from such a master hangs forever in its first flush).
        from service.store.embedded import open_store
        from service.store.isolate import run_forked

        run_forked(lambda: open_store(settings, files).close(), None)
        CpkgApplication(factory, options).run()


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
