"""The shape tests run pySHACL once per fixture (about 150 times). pySHACL hands each SPARQL-based
target and constraint to rdflib as text, and rdflib parses and translates it again every time
(pyparsing: half of each validation). Here a query text is translated once and the translated
query reused, as rdflib's own ``prepareQuery`` does for queries run many times; what pySHACL
evaluates is exactly what a fresh translation gives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rdflib.plugins.sparql import processor


class _Text(str):
    """A query text whose translation may be reused (what ``parse_query`` hands on)."""


@pytest.fixture(autouse=True, scope="session")
def _translate_each_query_once() -> Iterator[None]:
    parse, translate = processor.parseQuery, processor.translateQuery
    translated: dict[tuple[Any, ...], Any] = {}

    def parse_query(q: Any) -> Any:
        return _Text(q) if isinstance(q, str) else parse(q)

    def translate_query(parsed: Any, base: Any = None, init_ns: Any = None) -> Any:
        if not isinstance(parsed, _Text):
            return translate(parsed, base, init_ns)
        key = (str(parsed), base, tuple(sorted((init_ns or {}).items())))
        if key not in translated:
            translated[key] = translate(parse(str(parsed)), base, init_ns)
        return translated[key]

    processor.parseQuery, processor.translateQuery = parse_query, translate_query
    try:
        yield
    finally:
        processor.parseQuery, processor.translateQuery = parse, translate
