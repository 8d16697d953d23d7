"""Web test fixtures: the ontology, concepts, shapes and a chain fixture loaded once per session
into an in-memory store (each file in its own named graph, as the build does)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_helpers import DATA_FILES, ROOT
from werkzeug.serving import BaseWSGIServer, make_server

from service.config import Settings
from service.store.embedded import EmbeddedStore
from service.vocab import GRAPH


@pytest.fixture(scope="session")
def store() -> EmbeddedStore:
    s = EmbeddedStore(None)
    for name, path in DATA_FILES.items():
        s.load(path.read_bytes(), "text/turtle", graph=str(GRAPH[name]))
    return s


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(graph_dir=ROOT / "graph")


@pytest.fixture(scope="session")
def app(store: EmbeddedStore, settings: Settings) -> Flask:
    from service.web import create_app

    return create_app(settings, store)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free local port, for requests and the browser."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
