"""`cpkg push` into a real Virtuoso: counts per graph, idempotent re-runs, crash mid-push, CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from virtuoso import (  # noqa: E402, F401 - fixtures
    FIXTURE,
    Virtuoso,
    get_virtuoso,
    remote_fixture,
    virtuoso_fixture,
)

from service.cli import main  # noqa: E402
from service.errors import RemoteStoreError  # noqa: E402
from service.store.push import push_dataset  # noqa: E402
from service.store.remote import RemoteStore  # noqa: E402

pytestmark = pytest.mark.virtuoso

G = "https://w3id.org/cpkg/graph/"
EXPECTED = {G + "findings": 42, G + "ontology": 11, G + "sources": 9}
QUIET = {"progress": lambda _msg: None}


def test_push_counts_and_rerun_does_not_duplicate(remote: RemoteStore) -> None:
    report = push_dataset(remote, FIXTURE, batch_size=4, **QUIET)  # type: ignore[arg-type]
    assert {g.graph: g.triples for g in report.graphs} == EXPECTED
    assert remote.graph_counts() == EXPECTED
    push_dataset(remote, FIXTURE, batch_size=1000, **QUIET)  # type: ignore[arg-type]
    assert remote.graph_counts() == EXPECTED  # replaced, not added to
    # blank-node evidence chains survived batching: two evidence nodes, each with a selector
    rows = remote.select(
        "SELECT (COUNT(DISTINCT ?sel) AS ?n) WHERE { ?f <https://w3id.org/cpkg/def#evidence> ?e ."
        " ?e <http://www.w3.org/ns/oa#hasSelector> ?sel . ?sel <http://www.w3.org/ns/oa#exact> ?q }"
    )
    assert rows[0]["n"].value == "2"


def test_prune_drops_graphs_not_in_dataset(remote: RemoteStore) -> None:
    remote.update("INSERT DATA { GRAPH <https://example.org/old> { <x:a> <x:b> <x:c> } }")
    report = push_dataset(remote, FIXTURE, prune=True, **QUIET)  # type: ignore[arg-type]
    assert report.pruned == ["https://example.org/old"]
    assert remote.graph_counts() == EXPECTED


def _big_dataset(path: Path, graphs: int = 2, per_graph: int = 4000) -> Path:
    quads = [
        ox.Quad(
            ox.NamedNode(f"https://w3id.org/cpkg/id/thing-{g}-{i}"),
            ox.NamedNode("https://w3id.org/cpkg/def#value"),
            ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            ox.NamedNode(f"{G}big-{g}"),
        )
        for g in range(graphs)
        for i in range(per_graph)
    ]
    ox.serialize(quads, output=str(path), format=ox.RdfFormat.N_QUADS)
    return path


def test_server_killed_mid_push_then_rerun(remote: RemoteStore, tmp_path: Path) -> None:
    data = _big_dataset(tmp_path / "big.nq")
    server: Virtuoso = get_virtuoso()
    seen: list[str] = []

    def kill_at_batch_3_of_second_graph(msg: str) -> None:
        seen.append(msg)
        if "big-1> batch 3/" in msg:
            server.kill()

    with pytest.raises(RemoteStoreError) as info:
        push_dataset(remote, data, batch_size=500, progress=kill_at_batch_3_of_second_graph)
    message = str(info.value)
    assert f"graph <{G}big-1>, batch 4/8" in message
    assert "connection refused" in message and "re-run `cpkg push`" in message
    server.start()  # after the crash Virtuoso rolls forward its transaction log
    counts = remote.graph_counts()
    assert counts.get(G + "big-1") is None  # never swapped in: staging only
    report = push_dataset(remote, data, batch_size=2000, **QUIET)  # type: ignore[arg-type]
    assert report.triples == 8000
    assert remote.graph_counts() == {G + "big-0": 4000, G + "big-1": 4000}
    staging = remote.select(
        "SELECT ?g WHERE { GRAPH ?g { } FILTER(STRSTARTS(STR(?g), 'urn:x-cpkg:staging:')) }"
    )
    assert staging == []


def test_cli_push(
    virtuoso: Virtuoso, remote: RemoteStore, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "push",
        "--endpoint",
        virtuoso.endpoint,
        "--update-endpoint",
        virtuoso.auth_endpoint,
        "--user",
        "dba",
        "--dataset",
        str(FIXTURE),
        "--batch-size",
        "10",
    ]
    assert main([*args, "--password", "dba"]) == 0
    out, err = capsys.readouterr()
    assert "3 graphs, 62 triples" in out and f"<{G}findings> batch 1/" in err
    assert main([*args, "--password", "wrong"]) == 2
    assert "HTTP 401" in capsys.readouterr().err
    assert remote.graph_counts() == EXPECTED
    assert main(["push", "--endpoint", virtuoso.endpoint, "--dataset", "/nonexistent.nq"]) == 2
    assert "cpkg build" in capsys.readouterr().err
