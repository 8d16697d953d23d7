"""Helpers for the web tests: build apps over the fixture store, parse bodies back."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Flask

from service.config import Settings
from service.query.cache import QueryCache
from service.store.embedded import EmbeddedStore, load_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
from fixture_files import DATA_FILES, ROOT  # noqa: E402,F401 - re-exported for web tests

DATASET = FIXTURES / "dataset.trig"

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/csv": ox.QueryResultsFormat.CSV,
}
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


def settings(**overrides: object) -> Settings:
    return replace(Settings(query_timeout=10.0), **overrides)


def replay_cache(app: Flask) -> QueryCache[Any]:
    """The fast path's cache of whole responses (service/web/fastpath.py)."""
    from service.web.fastpath import FastPath

    layer = app.wsgi_app
    assert isinstance(layer, FastPath)
    return layer.cache()


def fixture_store(path: Path | None = None) -> EmbeddedStore:
    store = EmbeddedStore(path)
    load_files(store, [DATASET])
    return store


def oracle() -> ox.Store:
    """An independent pyoxigraph store with the fixture data, to compute expected answers."""
    s = ox.Store()
    s.load(path=str(DATASET))
    return s


def expected_rows(query: str) -> set[tuple[str, ...]]:
    res = oracle().query(query, use_default_graph_as_union=True)
    assert isinstance(res, ox.QuerySolutions)
    n = len(res.variables)
    return {tuple("" if s[i] is None else str(s[i]) for i in range(n)) for s in res}


def expected_triples(query: str) -> set[ox.Triple]:
    res = oracle().query(query, use_default_graph_as_union=True)
    assert isinstance(res, ox.QueryTriples)
    return set(res)


def parse_rows(body: bytes, media_type: str) -> set[tuple[str, ...]]:
    """SELECT results parsed back (CSV holds plain values only: compare those)."""
    if media_type == "text/csv":
        reader = csv.reader(io.StringIO(body.decode()))
        next(reader)
        return {tuple(r) for r in reader}
    res = ox.parse_query_results(body, format=RESULT_FORMATS[media_type])
    assert isinstance(res, ox.QuerySolutions)
    n = len(res.variables)
    return {tuple("" if s[i] is None else str(s[i]) for i in range(n)) for s in res}


def csv_values(rows: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Expected rows (N-Triples terms) reduced to CSV's plain values."""
    out = set()
    for row in rows:
        vals = []
        for cell in row:
            if cell.startswith("<"):
                vals.append(cell[1:-1])
            elif cell.startswith('"'):
                term = next(
                    iter(ox.parse(f"<x:s> <x:p> {cell} .".encode(), format=ox.RdfFormat.N_TRIPLES))
                )
                vals.append(term.object.value)
            else:
                vals.append(cell)
        out.add(tuple(vals))
    return out


def parse_triples(body: bytes, media_type: str) -> set[ox.Triple]:
    return {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(body, format=RDF_FORMATS[media_type])
    }
