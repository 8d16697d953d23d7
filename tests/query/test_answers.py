"""SPARQL answers (service/query/answers.py): the store's own serializer for SELECT, with the
result cap still exact in every format, and the same rows as the row-by-row writers."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from service.config import Settings
from service.errors import ResultTooLarge
from service.formats import CSV, JSON_RESULTS, RESULT_FORMATS, TSV, XML_RESULTS, Format
from service.protocol.serializers import serialize
from service.query.access import ANONYMOUS, ScopedStore
from service.query.answers import answer
from service.query.executor import ReadView
from service.store.base import UNION, Dataset
from service.store.embedded import EmbeddedStore

ROWS = "SELECT ?n WHERE { VALUES ?n { " + " ".join(str(i) for i in range(50)) + " } }"
EMPTY_ROWS = "SELECT ?x WHERE { VALUES ?n { " + " ".join(str(i) for i in range(50)) + " } }"


def _view(cap: int) -> ReadView:
    store = EmbeddedStore()
    store.update("INSERT DATA { <urn:a> <urn:p> 1 }")
    return ReadView(ScopedStore(store, ANONYMOUS), Settings(max_results=cap), None)


def _rows(body: bytes, fmt: Format) -> int:
    if fmt is CSV:
        return len(list(csv.reader(io.StringIO(body.decode())))) - 1
    parsed = ox.parse_query_results(body, fmt.results)
    assert isinstance(parsed, ox.QuerySolutions)
    return sum(1 for _ in parsed)


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.names[0])
@pytest.mark.parametrize("query", [ROWS, EMPTY_ROWS], ids=["values", "unbound"])
def test_the_cap_holds_for_every_results_format(fmt: Format, query: str) -> None:
    with pytest.raises(ResultTooLarge, match="more than 10 rows"):
        answer(_view(10), query, UNION, fmt, None)
    content_type, body = answer(_view(50), query, UNION, fmt, None)  # type: ignore[misc]
    assert content_type == fmt.content_type and _rows(body, fmt) == 50


@pytest.mark.parametrize("fmt", [JSON_RESULTS, XML_RESULTS, TSV], ids=lambda f: f.names[0])
def test_native_answers_hold_the_same_rows_as_the_row_writers(fmt: Format) -> None:
    view = _view(1000)
    query = "SELECT ?s ?p ?o ?x WHERE { ?s ?p ?o }"
    _, native = answer(view, query, Dataset(), fmt, None)  # type: ignore[misc]
    by_rows = serialize(view.query(query), fmt)  # the row-by-row writer (remote stores)
    a, b = ox.parse_query_results(native, fmt.results), ox.parse_query_results(by_rows, fmt.results)
    assert isinstance(a, ox.QuerySolutions) and isinstance(b, ox.QuerySolutions)
    assert [tuple(str(t) for t in row) for row in a] == [tuple(str(t) for t in row) for row in b]
