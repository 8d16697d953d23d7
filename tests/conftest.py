"""Shared fixtures: fixture files, and real HTTP servers on free loopback ports."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from live_server import start_server, stop_process
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Directory of the RDF fixture files."""
    return FIXTURES


@pytest.fixture
def live_app() -> Iterator[Callable[[Flask], str]]:
    """Serve a Flask app with werkzeug in a thread on a free port; yields a function app->URL."""
    servers = []

    def start(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def cpkg_server() -> Iterator[Callable[..., str]]:
    """A starter for cpkg servers (see ``start_server``), all stopped after the test."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(data: list[Path], env: dict[str, str] | None = None, workers: int = 2) -> str:
        url, proc = start_server(data, env, workers)
        procs.append(proc)
        return url

    yield start
    for proc in procs:
        stop_process(proc)
