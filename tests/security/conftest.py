"""Security-suite fixtures: the real dataset as a file, and result lines for the terminal.
Helpers (tokens, the ``Server`` launcher) are in ``sec_helpers``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from query_library import shared_store


@pytest.fixture(scope="session")
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Write a result line to the terminal even when output is captured (load, fuzz counts)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        if reporter is None or capture is None:  # pragma: no cover - pytest without them
            print(line)
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    return write


@pytest.fixture(scope="session")
def dataset_nq(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built dataset (the query library's session store) written as N-Quads."""
    path = tmp_path_factory.mktemp("dataset") / "dataset.nq"
    data = ox.serialize(shared_store()._store, format=ox.RdfFormat.N_QUADS)
    path.write_bytes(data or b"")
    return path
