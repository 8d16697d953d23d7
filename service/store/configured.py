"""Open the store the settings ask for: embedded pyoxigraph, or a remote SPARQL 1.1 store.

The app factory, the server and the CLI all call this, so `CPKG_STORE=remote` switches every
client of the store interface at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from service.config import Settings
from service.errors import ConfigError
from service.fulltext import SEARCH_FILE
from service.store.base import Store


def open_configured_store(settings: Settings, data_files: Sequence[Path] | None = None) -> Store:
    """The embedded store loaded with `data_files` (or the built dataset), or the remote store.

    A store of the built dataset uses the search index the build wrote beside it."""
    store = _open(settings, data_files)
    index = settings.output_dir / SEARCH_FILE
    if not data_files and index.is_file():
        store.search_index = index
    return store


def _open(settings: Settings, data_files: Sequence[Path] | None) -> Store:
    if settings.store == "remote":
        if data_files:
            raise ConfigError(
                "--data loads files into the embedded store, but CPKG_STORE=remote is set: "
                "load them into the remote store with `cpkg push --dataset FILE`, or unset "
                "CPKG_STORE to serve them locally"
            )
        from service.store.remote import open_remote_store

        return open_remote_store(settings)
    from service.store.embedded import open_store

    return open_store(settings, data_files)
