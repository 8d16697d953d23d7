"""SPARQL answers (service/query/answers.py): the store's own serializer for SELECT, with the
result cap still exact in every format, and the same rows as the row-by-row writers."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from service.config import Settings
from service.errors import ResultTooLarge
from service.formats import CSV, JSON_RESULTS, RESULT_FORMATS, TSV, TURTLE, XML_RESULTS, Format
from service.protocol.serializers import serialize
from service.query.access import ANONYMOUS, ScopedStore
from service.query.answers import BOUNDED_ROWS, answer, answer_bounded
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


# -- one triple pattern, answered without an evaluator -----------------------------------------


def _pattern_store(objects: int) -> EmbeddedStore:
    store = EmbeddedStore()
    values = ", ".join(f'<urn:o{i}>, "{i}"@en, {i}' for i in range(objects))
    store.update(
        f"INSERT DATA {{ GRAPH <urn:g1> {{ <urn:a> <urn:p> {values} . <urn:b> <urn:q> <urn:a> }}"
        " GRAPH <urn:g2> { <urn:a> <urn:p> 7 . <urn:c> a <urn:C> } }"
    )
    return store


PATTERNS = [
    "SELECT ?p ?o WHERE { <urn:a> ?p ?o }",
    "SELECT * { ?s <urn:p> ?o }",
    "SELECT ?s { ?s ?p <urn:a> }",
    'SELECT ?s ?p { ?s ?p "3"@en }',
    "SELECT ?s { ?s ?p 7 }",
    "SELECT ?s ?x { ?s a <urn:C> }",
    "SELECT * { ?s ?p ?o } LIMIT 3",
    "PREFIX u: <urn:> SELECT ?o { u:a u:p ?o } LIMIT 1000",
    "SELECT ?o { <urn:none> <urn:p> ?o }",
]


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.names[0])
@pytest.mark.parametrize("query", PATTERNS)
def test_a_one_pattern_answer_is_the_evaluated_answer(fmt: Format, query: str) -> None:
    """Byte for byte what ``answer`` gives, in every results format, over the union of graphs
    and over a protocol dataset."""
    view = ReadView(ScopedStore(_pattern_store(20), ANONYMOUS), Settings(), None)
    for dataset in (UNION, Dataset(("urn:g2",), ())):
        assert answer_bounded(view, query, dataset, fmt, None) == answer(
            view, query, dataset, fmt, None
        )


def test_a_one_pattern_answer_of_more_rows_is_left_to_an_evaluator() -> None:
    """Past ``BOUNDED_ROWS`` rows the bounded variant stops reading and declines; the executor
    then answers in full (never a truncated answer)."""
    from service.query.executor import Executor

    store = _pattern_store(BOUNDED_ROWS // 3 + 1)  # 3 objects each: just over the bound
    query = "SELECT ?o WHERE { <urn:a> <urn:p> ?o }"
    view = ReadView(ScopedStore(store, ANONYMOUS), Settings(), None)
    assert answer_bounded(view, query, UNION, JSON_RESULTS, None) is None
    assert answer_bounded(view, query + " LIMIT 1001", UNION, JSON_RESULTS, None) is None
    assert answer_bounded(view, query + " LIMIT 1000", UNION, JSON_RESULTS, None) is not None
    _, body = Executor(store, Settings()).read(ANONYMOUS, answer, query, UNION, JSON_RESULTS, None)
    assert _rows(body, JSON_RESULTS) == (BOUNDED_ROWS // 3 + 1) * 3 + 1


def test_the_cap_holds_for_a_one_pattern_answer() -> None:
    """Over the endpoint's own result cap: the error the evaluator would raise, not a fallback."""
    with pytest.raises(ResultTooLarge, match="more than 10 rows"):
        answer_bounded(
            ReadView(ScopedStore(_pattern_store(20), ANONYMOUS), Settings(max_results=10), None),
            "SELECT * { ?s ?p ?o }",
            UNION,
            JSON_RESULTS,
            None,
        )


def test_other_queries_have_no_bounded_answer() -> None:
    view = ReadView(ScopedStore(_pattern_store(2), ANONYMOUS), Settings(), None)
    for query in ("SELECT ?o { <urn:a> <urn:p>/<urn:q> ?o }", "ASK { ?s ?p ?o }"):
        assert answer_bounded(view, query, UNION, JSON_RESULTS, None) is None
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    assert answer_bounded(view, construct, UNION, TURTLE, None) is None


def test_the_store_is_asked_for_one_row_more_than_the_bound_at_most() -> None:
    """What bounds the work: the scan stops after ``BOUNDED_ROWS`` + 1 rows, whatever the data."""
    asked: list[str] = []
    view = ReadView(ScopedStore(_pattern_store(2), ANONYMOUS), Settings(), None)
    query = view.query

    def recording(text: str, *args: object, **kwargs: object) -> object:
        asked.append(text)
        return query(text, *args, **kwargs)  # type: ignore[arg-type]

    view.query = recording  # type: ignore[assignment,method-assign]
    answer_bounded(view, "SELECT * { ?s ?p ?o } # c", UNION, JSON_RESULTS, None)
    answer_bounded(view, "SELECT * { ?s ?p ?o } LIMIT 9", UNION, JSON_RESULTS, None)
    assert asked == [f"SELECT * {{ ?s ?p ?o }} # c\nLIMIT {BOUNDED_ROWS + 1}",
                     "SELECT * { ?s ?p ?o } LIMIT 9"]  # fmt: skip
