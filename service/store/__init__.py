"""Stores: the ``Store`` interface, result types, and the embedded pyoxigraph store."""

from service.store.base import (
    AskResult,
    GraphName,
    GraphResult,
    QueryError,
    QueryResult,
    ResultTooLarge,
    Row,
    SelectResult,
    Store,
    Term,
)
from service.store.embedded import EmbeddedStore, LoadReport, load_dataset, load_files, open_store

__all__ = [
    "AskResult",
    "EmbeddedStore",
    "GraphName",
    "GraphResult",
    "LoadReport",
    "QueryError",
    "QueryResult",
    "ResultTooLarge",
    "Row",
    "SelectResult",
    "Store",
    "Term",
    "load_dataset",
    "load_files",
    "open_store",
]
