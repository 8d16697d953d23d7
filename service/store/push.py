"""`cpkg push`: copy the built dataset into a remote SPARQL store, graph by graph, in batches.

Idempotent and safe to re-run: each graph ``<g>`` is loaded into a staging graph
``<urn:x-cpkg:staging:g>`` (dropped first, so leftovers of a failed run never count), and only
when every batch is in is it swapped in with ``DROP SILENT GRAPH <g> ; MOVE <staging> TO <g>``.
Queries keep seeing the old ``<g>`` while it loads; a failure mid-way leaves ``<g>`` as it was
and names the graph and batch; re-running redoes the whole graph from scratch.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import NamedNode

from service.errors import ConfigError, ParseError, QueryError, RemoteStoreError
from service.formats import rdf_format
from service.store.remote import (
    STAGING_PREFIX,
    RemoteStore,
    batched_triples,
    insert_data,
    quads_by_graph,
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class GraphPush:
    """One graph pushed: its IRI, triples, batches and seconds."""

    graph: str
    triples: int
    batches: int
    seconds: float


@dataclass
class PushReport:
    """What ``push_dataset`` loaded, for the CLI and tests."""

    endpoint: str
    dataset: Path
    graphs: list[GraphPush] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)

    def summary(self) -> str:
        lines = [
            f"pushed {self.dataset} to {self.endpoint}: {len(self.graphs)} graphs, "
            f"{self.triples} triples in {self.seconds:.1f} s"
        ]
        lines += [f"  {g.graph}: {g.triples} triples, {g.batches} batches" for g in self.graphs]
        lines += [f"  dropped (not in the dataset): {g}" for g in self.pruned]
        return "\n".join(lines)


def staging_graph(graph: str) -> NamedNode:
    """The IRI a graph is loaded into before it is swapped in."""
    return NamedNode(STAGING_PREFIX + graph)


def read_dataset(path: Path) -> dict[str, list[ox.Triple]]:
    """Triples per graph from an N-Quads or TriG file (format from the extension)."""
    if not path.is_file():
        raise ConfigError(f"no dataset at {path}; run `cpkg build` first or pass --dataset FILE")
    fmt = rdf_format(path.suffix)
    try:
        return quads_by_graph(ox.parse(path=str(path), format=fmt.rdf))
    except SyntaxError as exc:
        raise ParseError.from_syntax_error(exc, f"{fmt.label} data", path=str(path)) from None


def _insert(store: RemoteStore, staging: NamedNode, batch: list[ox.Triple]) -> None:
    """Insert one batch; if the store refuses it as too big to compile, insert it in halves.

    Blank-node batches go as ``INSERT {…} WHERE {}``, which some stores cannot compile at
    thousands of triples (Virtuoso: "generated SQL text has exceeded 10000 lines"); splitting
    keeps every blank node's triples together (``batched_triples``), so the result is the same.
    """
    try:
        store.update(insert_data(staging, batch))
    except QueryError:
        halves = list(batched_triples(batch, max(1, len(batch) // 2)))
        if len(halves) < 2:
            raise
        for half in halves:
            _insert(store, staging, half)


def push_graph(
    store: RemoteStore,
    graph: str,
    triples: list[ox.Triple],
    batch_size: int,
    progress: Progress,
) -> GraphPush:
    """Load one graph via its staging graph, then swap it in."""
    start = time.monotonic()
    target, staging = NamedNode(graph), staging_graph(graph)
    batches = list(batched_triples(triples, batch_size))
    n = len(batches)

    where = f"graph <{graph}>, clearing its staging graph {staging}"
    try:
        store.update(f"DROP SILENT GRAPH {staging}")
        done = 0
        for i, batch in enumerate(batches, 1):
            where = f"graph <{graph}>, batch {i}/{n} ({len(batch)} triples)"
            _insert(store, staging, batch)
            done += len(batch)
            progress(f"push: <{graph}> batch {i}/{n}: {done}/{len(triples)} triples")
        where = f"graph <{graph}>, swapping the loaded staging graph in"
        store.update(f"DROP SILENT GRAPH {target} ;\nMOVE SILENT GRAPH {staging} TO {target}")
    except RemoteStoreError as exc:
        raise type(exc)(
            f"push failed at {where}: {exc}\n<{graph}> was not changed; the "
            "partial load sits in its staging graph and is discarded by the next run; fix the "
            "cause and re-run `cpkg push` (it is safe to re-run)"
        ) from exc
    return GraphPush(graph, len(triples), n, time.monotonic() - start)


def push_dataset(
    store: RemoteStore,
    dataset: Path,
    *,
    batch_size: int = 2000,
    prune: bool = False,
    progress: Progress | None = None,
) -> PushReport:
    """Replace each of the dataset's graphs in ``store``; never duplicates triples."""
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, not {batch_size}")
    say = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    start = time.monotonic()
    graphs = read_dataset(dataset)
    report = PushReport(store.update_endpoint, dataset)
    for graph in sorted(graphs):
        report.graphs.append(push_graph(store, graph, graphs[graph], batch_size, say))
    if prune:
        for graph in store.graph_names():
            if graph not in graphs:
                say(f"push: dropping <{graph}> (not in the dataset)")
                store.update(f"DROP SILENT GRAPH <{graph}>")
                report.pruned.append(graph)
    report.seconds = time.monotonic() - start
    return report
