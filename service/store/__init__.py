"""Stores: the ``Store`` interface and result types (base), the embedded pyoxigraph store,
remote SPARQL stores, and pushing the built dataset to a remote store."""

from service.store.base import (
    AskResult,
    Dataset,
    GraphName,
    GraphResult,
    QueryResult,
    Row,
    SelectResult,
    Store,
    Term,
)
from service.store.embedded import EmbeddedStore, LoadReport, load_dataset, load_files, open_store

__all__ = [
    "AskResult",
    "Dataset",
    "EmbeddedStore",
    "GraphName",
    "GraphResult",
    "LoadReport",
    "QueryResult",
    "Row",
    "SelectResult",
    "Store",
    "Term",
    "load_dataset",
    "load_files",
    "open_store",
]
