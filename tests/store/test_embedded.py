"""The embedded store: union default graph, protocol datasets, atomic updates, persistence."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from service.config import Settings
from service.errors import ConfigError, ParseError, QueryError, QueryTimeout
from service.query.evaluators import run_forked
from service.store.base import AskResult, Dataset, GraphResult, SelectResult
from service.store.embedded import EmbeddedStore, load_dataset, load_files, open_store

G = "https://w3id.org/cpkg/graph/"
CPR = "https://w3id.org/cpkg/id/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture
def store(fixtures_dir: Path) -> EmbeddedStore:
    s = EmbeddedStore()
    load_files(s, [fixtures_dir / "dataset.trig"])
    return s


def _select(store: EmbeddedStore, q: str, **kw: list[str]) -> list[tuple[str | None, ...]]:
    dataset = Dataset(tuple(kw.get("default_graphs", ())), tuple(kw.get("named_graphs", ())))
    result = store.query(q, dataset)
    assert isinstance(result, SelectResult)
    return [tuple(None if t is None else str(t) for t in row) for row in result]


def test_default_graph_is_union_of_named_graphs(store: EmbeddedStore) -> None:
    rows = _select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert rows[0][0] is not None and rows[0][0].startswith('"54"')


def test_default_graph_uri_restricts_the_dataset(store: EmbeddedStore) -> None:
    q = "SELECT ?s WHERE { ?s a <https://w3id.org/cpkg/def#Force> }"
    assert len(_select(store, q, default_graphs=[G + "forces"])) == 3
    assert _select(store, q, default_graphs=[G + "inspections"]) == []


def test_query_from_clause_overrides_the_union_default_graph(store: EmbeddedStore) -> None:
    q = f"SELECT ?s FROM <{G}inspections> WHERE {{ ?s a <https://w3id.org/cpkg/def#Force> }}"
    assert _select(store, q) == []
    q = f"SELECT ?s FROM <{G}forces> WHERE {{ ?s a <https://w3id.org/cpkg/def#Force> }}"
    assert len(_select(store, q)) == 3
    # "from" inside a string, an IRI or a variable is not a dataset clause
    q = 'SELECT ?from WHERE { ?from a <https://w3id.org/cpkg/def#Force> FILTER(?from != "FROM") }'
    assert len(_select(store, q)) == 3


def test_named_graph_uri_limits_graph_clauses(store: EmbeddedStore) -> None:
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _select(store, q, named_graphs=[G + "forces"]) == [(f"<{G}forces>",)]
    assert len(_select(store, q)) == 3


def test_ask_and_construct(store: EmbeddedStore) -> None:
    ask = store.query("ASK { ?s a <https://w3id.org/cpkg/def#Force> }")
    assert isinstance(ask, AskResult) and ask.value is True
    graph = store.query("CONSTRUCT WHERE { ?s a <https://w3id.org/cpkg/def#Force> }")
    assert isinstance(graph, GraphResult) and len(list(graph)) == 3


def test_syntax_error_reports_line_and_column(store: EmbeddedStore) -> None:
    with pytest.raises(ParseError) as info:
        store.query("SELECT *\nWHERE { ?s ?p }")
    assert (info.value.line, info.value.column) == (2, 16)  # as pyoxigraph reports it
    assert "line 2, column 16" in str(info.value)


def test_update_is_all_or_nothing(store: EmbeddedStore) -> None:
    before = store.triple_count()
    with pytest.raises(QueryError, match="nothing was changed"):
        store.update(f"INSERT DATA {{ <{CPR}x> <{LABEL}> 'x' }} ; CREATE GRAPH <{G}forces>")
    assert store.triple_count() == before
    store.update(f"INSERT DATA {{ GRAPH <{G}new> {{ <{CPR}x> <{LABEL}> 'x' }} }}")
    assert store.triple_count() == before + 1
    assert G + "new" in store.graph_names()


def test_labels_follow_every_write(store: EmbeddedStore) -> None:
    """Index lookups are remembered between pages, never across a write: a label changed by
    SPARQL Update or the Graph Store shows on the next page."""
    x = CPR + "relabelled"

    def label() -> list[str]:
        return [str(o.value) for _, _, o in store.objects([x], [LABEL], first=True)]

    assert label() == []
    store.update(f"INSERT DATA {{ GRAPH <{G}new> {{ <{x}> <{LABEL}> 'old' }} }}")
    assert label() == ["old"]
    store.update(
        f"DELETE DATA {{ GRAPH <{G}new> {{ <{x}> <{LABEL}> 'old' }} }} ;"
        f"INSERT DATA {{ GRAPH <{G}new> {{ <{x}> <{LABEL}> 'new' }} }}"
    )
    assert label() == ["new"]
    g = NamedNode(G + "new")
    store.replace_graph(g, [Triple(NamedNode(x), NamedNode(LABEL), Literal("put"))])
    assert label() == ["put"]


def test_graph_store_operations(store: EmbeddedStore) -> None:
    g = NamedNode(G + "scratch")
    t1 = Triple(NamedNode(CPR + "a"), NamedNode(LABEL), Literal("a"))
    t2 = Triple(NamedNode(CPR + "b"), NamedNode(LABEL), Literal("b"))
    assert store.graph_exists(g) is False
    assert store.add_to_graph(g, [t1]) is False
    assert store.add_to_graph(g, [t2]) is True
    assert set(store.get_graph(g)) == {t1, t2}
    assert store.replace_graph(g, [t2]) is True
    assert store.get_graph(g) == [t2]
    assert store.delete_graph(g) is True
    assert store.delete_graph(g) is False
    assert store.add_to_graph(None, [t1]) is False or True  # default graph always "exists"
    assert t1 in store.get_graph(None)


def test_load_reports_parse_errors_with_position(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://a> <http://b> .\n")
    with pytest.raises(ParseError) as info:
        load_files(EmbeddedStore(), [bad])
    assert info.value.line == 1 and "bad.ttl" in str(info.value)
    with pytest.raises(ConfigError, match="not found"):
        load_files(EmbeddedStore(), [tmp_path / "missing.ttl"])
    with pytest.raises(ParseError, match="unsupported RDF format"):
        load_files(EmbeddedStore(), [_touch(tmp_path / "data.xyz")])


def _touch(p: Path) -> Path:
    p.write_text("")
    return p


def test_on_disk_store_persists_and_skips_unchanged_dataset(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    out = tmp_path / "dataset"
    out.mkdir()
    (out / "dataset.nq").write_bytes((fixtures_dir / "dataset.nq").read_bytes())
    settings = Settings(output_dir=out, store_path=tmp_path / "store")
    store = open_store(settings)
    assert store.triple_count() == 54
    store.update(f"INSERT DATA {{ <{CPR}x> <{LABEL}> 'persisted' }}")
    store.close()
    again = EmbeddedStore(settings.store_path)
    report = load_dataset(again, settings)
    assert report.reloaded is False  # same SHA-256: the store is reused as is
    assert again.triple_count() == 55  # ... including the update
    again.close()
    with (out / "dataset.nq").open("a") as f:
        f.write(f'<{CPR}y> <{LABEL}> "new" .\n')
    third = EmbeddedStore(settings.store_path)
    report = load_dataset(third, settings)
    assert report.reloaded is True and third.triple_count() == 55  # reloaded from scratch
    third.close()


def test_missing_dataset_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cpkg build"):
        open_store(Settings(output_dir=tmp_path))


def test_forked_evaluation_returns_results_and_errors(store: EmbeddedStore) -> None:
    rows = run_forked(lambda: _select(store, "SELECT ?s WHERE { ?s a ?c } LIMIT 2"), 5.0)
    assert len(rows) == 2
    with pytest.raises(ParseError) as info:
        run_forked(lambda: store.query("SELECT nonsense"), 5.0)
    assert info.value.line == 1


def test_forked_evaluation_is_killed_at_the_deadline(store: EmbeddedStore) -> None:
    explosive = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    )
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match="1 s limit"):
        run_forked(lambda: _select(store, explosive), 1.0)
    assert time.monotonic() - start < 1.5
