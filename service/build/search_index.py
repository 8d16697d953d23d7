"""The search index of the built dataset: ``search.sqlite`` (SQLite FTS5) beside the dataset.

What is indexed (labels, other names and names as the sources write them, descriptions, evidence
quotes) is ``service.fulltext.DOCUMENT_QUERY``; the same query indexes data served without a
build (service/web/search.py), so both indexes hold the same things.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from service.fulltext import DOCUMENT_QUERY, SEARCH_FILE, documents, write_index

__all__ = ["SEARCH_FILE", "write_search_index"]


def write_search_index(store: ox.Store, path: Path, dataset_sha256: str) -> int:
    """Index every searchable text of ``store`` at ``path``; the number of rows."""
    rows = store.query(DOCUMENT_QUERY, use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    docs = documents(tuple(row[i] for i in range(5)) for row in rows)
    return write_index(path, docs, {"dataset_sha256": dataset_sha256})
