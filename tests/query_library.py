"""The example-query library (graph/queries/) as test data: run a query, read its expected result.

Kept importable by any test (e.g. a Virtuoso parity test)::

    from query_library import library, run_query, expected_results, results_match
    for q in library():
        assert results_match(run_query(remote_store, q), expected_results(q))

Expected results are reviewed files next to each query: ``NAME.srj`` (SPARQL JSON results) for
SELECT/ASK, ``NAME.ttl`` for CONSTRUCT/DESCRIBE. Regenerate a draft of one with
``.venv/bin/python tests/query_library.py --write NAME`` and then *check it against the sources*
before committing: the files are reviewed data, not snapshots.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from service.build.dataset import build_dataset  # noqa: E402
from service.config import Settings  # noqa: E402
from service.query.examples import ExampleQuery, load_queries  # noqa: E402
from service.store.base import AskResult, GraphResult, SelectResult, Store  # noqa: E402
from service.store.embedded import EmbeddedStore  # noqa: E402

LIBRARY_DIR = ROOT / "graph" / "queries"
MIN_QUERIES = 30

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class Result:
    """A query result in comparable form.

    ``kind`` is "select", "ask" or "graph". For SELECT, ``variables`` and ``rows`` (a term or
    None per variable); for ASK, ``boolean``; for graphs, ``triples``. ``ordered`` says whether
    row order is part of the answer (the query has a top-level ORDER BY).
    """

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: frozenset[ox.Triple] = frozenset()
    ordered: bool = False


def library(directory: Path = LIBRARY_DIR) -> list[ExampleQuery]:
    """Every query of the library, sorted by name (service.query.examples parses the headers)."""
    return load_queries(directory)


def query_body(query: ExampleQuery) -> str:
    return query.text


def is_ordered(text: str) -> bool:
    """True when the query's outermost solution modifier has an ORDER BY."""
    body = "\n".join(
        line.split("#", 1)[0] if '"' not in line else line for line in text.splitlines()
    )
    depth, last_close = 0, -1
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                last_close = i
    return bool(re.search(r"\bORDER\s+BY\b", body[last_close + 1 :], re.IGNORECASE))


def dataset_store(settings: Settings | None = None) -> EmbeddedStore:
    """An embedded store holding the built dataset: ``cpkg build`` into a temporary directory.

    The build validates (SHACL, quotes) and raises if the graph does not conform, so the library
    is only ever checked against a dataset that could be published.
    """
    settings = settings or Settings.from_env()
    out = Path(tempfile.mkdtemp(prefix="cpkg-query-library-"))
    try:
        build_dataset(dataclasses.replace(settings, output_dir=out / "dataset"))
        store = EmbeddedStore()
        store.load((out / "dataset" / "dataset.nq").read_bytes(), "application/n-quads")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return store


@functools.lru_cache(maxsize=1)
def shared_store() -> EmbeddedStore:
    """The dataset store, loaded once per test session and shared by the test modules."""
    return dataset_store()


def run_query(store: Store, query: ExampleQuery) -> Result:
    """Evaluate a library query through the Store interface."""
    result = store.query(query.text)
    ordered = is_ordered(query.text)
    if isinstance(result, SelectResult):
        return Result(
            "select", tuple(result.variables), tuple(tuple(r) for r in result), ordered=ordered
        )
    if isinstance(result, AskResult):
        return Result("ask", boolean=result.value)
    assert isinstance(result, GraphResult)
    return Result("graph", triples=frozenset(result))


def expected_path(query: ExampleQuery, directory: Path = LIBRARY_DIR) -> Path | None:
    """The expected-results file of a query, or None if it has none."""
    for ext in (".srj", ".ttl"):
        path = directory / f"{query.name}{ext}"
        if path.is_file():
            return path
    return None


def expected_results(query: ExampleQuery, directory: Path = LIBRARY_DIR) -> Result:
    """The reviewed expected result of ``query`` (FileNotFoundError if there is none)."""
    path = expected_path(query, directory)
    if path is None:
        raise FileNotFoundError(f"{query.name}: no {query.name}.srj or {query.name}.ttl")
    if path.suffix == ".ttl":
        triples = frozenset(
            ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=path)
        )
        return Result("graph", triples=triples)
    parsed = ox.parse_query_results(path=path, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return Result("ask", boolean=bool(parsed))
    variables = tuple(v.value for v in parsed.variables)
    rows = tuple(tuple(sol[v] for v in variables) for sol in parsed)
    return Result("select", variables, rows, ordered=is_ordered(query.text))


def _row_key(
    variables: tuple[str, ...], row: tuple[Term | None, ...]
) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((v, str(t)) for v, t in zip(variables, row, strict=True) if t is not None))


def results_match(actual: Result, expected: Result) -> bool:
    """Whether two results are the same answer.

    Terms are compared exactly (datatypes and language tags included). SELECT rows are compared
    in order when the query orders them, otherwise as multisets; variables by name, so column
    order does not matter. Graphs are compared as sets of triples (the library avoids blank nodes).
    """
    if actual.kind != expected.kind:
        return False
    if actual.kind == "ask":
        return actual.boolean == expected.boolean
    if actual.kind == "graph":
        return actual.triples == expected.triples
    if set(actual.variables) != set(expected.variables):
        return False
    a = [_row_key(actual.variables, r) for r in actual.rows]
    e = [_row_key(expected.variables, r) for r in expected.rows]
    if expected.ordered:
        return a == e
    return Counter(a) == Counter(e)


def describe_difference(actual: Result, expected: Result, limit: int = 8) -> str:
    """A short human-readable diff for assertion messages."""
    if actual.kind != "select" or expected.kind != "select":
        got = f"{actual.kind} {actual.boolean} {len(actual.triples)} triples"
        return f"actual {got}; expected {expected.kind} {len(expected.triples)} triples"
    a = Counter(_row_key(actual.variables, r) for r in actual.rows)
    e = Counter(_row_key(expected.variables, r) for r in expected.rows)
    lines = [f"variables actual={actual.variables} expected={expected.variables}"]
    lines += [f"  unexpected: {dict(k)}" for k in list((a - e).elements())[:limit]]
    lines += [f"  missing:    {dict(k)}" for k in list((e - a).elements())[:limit]]
    if not (a - e) and not (e - a):
        lines.append("  same rows, different order")
    return "\n".join(lines)


def write_expected(
    store: EmbeddedStore, query: ExampleQuery, directory: Path = LIBRARY_DIR
) -> Path:
    """Write a *draft* expected file for ``query`` (review it against the sources!)."""
    result = store.query(query.text)
    if isinstance(result, GraphResult):
        path = directory / f"{query.name}.ttl"
        triples = sorted(result, key=str)
        path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        return path
    path = directory / f"{query.name}.srj"
    assert result.native is not None, "drafts are written from the embedded store"
    path.write_text(reviewable_json(result.native.serialize(format=ox.QueryResultsFormat.JSON)))
    return path


def reviewable_json(raw: bytes) -> str:
    """SPARQL JSON results with one binding per line, so a change to the data shows as a diff."""
    doc = json.loads(raw)
    head = json.dumps(doc["head"], ensure_ascii=False)
    if "boolean" in doc:
        return f'{{"head": {head}, "boolean": {json.dumps(doc["boolean"])}}}\n'
    rows = ",\n".join("  " + json.dumps(b, ensure_ascii=False) for b in doc["results"]["bindings"])
    return f'{{"head": {head}, "results": {{"bindings": [\n{rows}\n]}}}}\n'


def _reformat_all(directory: Path = LIBRARY_DIR) -> None:
    for path in sorted(directory.glob("*.srj")):
        path.write_text(reviewable_json(path.read_bytes()))


if __name__ == "__main__":  # pragma: no cover - maintenance helper
    import argparse

    parser = argparse.ArgumentParser(description="write draft expected results for queries")
    parser.add_argument("--write", nargs="+", metavar="NAME", required=True)
    args = parser.parse_args()
    store = dataset_store()
    by_name = {q.name: q for q in library()}
    for name in args.write:
        print(write_expected(store, by_name[name]))
