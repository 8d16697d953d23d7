"""Validate a contribution against the built graph by re-checking only what it can change.

The contribution's new triples are added to a checkpoint of the indexed store; each shape is
evaluated only on the focus nodes the contribution can affect (service/build/shacl/affected.py),
or on all of them when that cannot be narrowed down. The report is the built graph's results of
every other focus node plus the fresh ones, and the conformance per constraint component is
merged the same way, so it equals the report a full validation of built graph + contribution
gives (tests/build/test_shacl_incremental.py checks that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

import pyoxigraph as ox
from pyshacl.shape import Shape
from rdflib import RDF, SH, Graph, Literal
from rdflib.term import Node

from service.build.shacl.affected import Todo, affected, targets_among
from service.build.shacl.data import Literals, load
from service.build.shacl.engine import Engine
from service.build.shacl.index import Index, baseline_graph
from service.build.shacl.outcome import ComponentState, Rules
from service.build.shacl.report import validation_report
from service.build.shacl.shapes import ShapesModel
from service.build.shacl.targets import focus_set
from service.build.shacl.terms import Term
from service.build.shacl.validator import Result, run
from service.build.shacl.workspace import NodeSet, Workspace

T = TypeVar("T")


def new_triples(store: ox.Store, triples: Iterable[ox.Quad | ox.Triple]) -> list[ox.Triple]:
    """The triples the store's data graph does not hold yet, each once."""
    out: dict[ox.Triple, None] = {}
    for t in triples:
        triple = ox.Triple(t.subject, t.predicate, t.object)
        if ox.Quad(t.subject, t.predicate, t.object) not in store:
            out.setdefault(triple, None)
    return list(out)


def _merge_states(
    before: dict[int, ComponentState], after: dict[int, ComponentState], redone: set[Term]
) -> list[ComponentState]:
    keys = set(before) | set(after)
    merged: list[ComponentState] = []
    for key in keys:
        old = before.get(key, ComponentState())
        new = after.get(key, ComponentState())
        merged.append(
            ComponentState(
                (old.failed - redone) | new.failed, (old.disallowed - redone) | new.disallowed
            )
        )
    return merged


def _kept(graph: Graph, redone: set[Term]) -> list[Node]:
    """Result nodes of the built graph's report whose focus node was not re-checked."""
    report = graph.value(None, RDF.type, SH.ValidationReport)
    results = list(graph.objects(report, SH.result)) if report is not None else []
    return [r for r in results if graph.value(r, SH.focusNode) not in redone]


def merge(index: Index, model: ShapesModel, todo: Todo, result: Result) -> Result:
    """The full report: built-graph results of untouched focus nodes plus the new ones."""
    rules = Rules(model.executor)
    by_node: dict[Node, Shape] = {s.node: s for s in model.shapes}
    kept: list[tuple[Graph, Node]] = []
    conforms = True
    for fresh in result.shapes:
        shape: Shape = by_node[fresh.shape]
        base = index.shapes.get(str(fresh.shape))
        nodes = todo.get(fresh.shape)
        if base is None or nodes is None or fresh.fallback is not None:
            conforms = conforms and fresh.conforms
            continue
        redone = set(nodes.nodes)
        graph = baseline_graph(index, base)
        kept.extend((graph, r) for r in _kept(graph, redone))
        states = _merge_states(base.components, fresh.components, redone)
        conforms = conforms and not rules.nonconforming_states(shape, states)
    reports = [r for s in result.shapes for r in s.reports]
    report = validation_report(model.sg, True, reports)
    root = report.value(None, RDF.type, SH.ValidationReport)
    assert root is not None
    for graph, node in kept:
        report.add((root, SH.result, node))
        for triple in graph.cbd(node):
            report.add(triple)
    report.set((root, SH.conforms, Literal(conforms)))
    return Result(conforms, report, result.shapes, result.seconds)


def validate_incremental(
    index: Index,
    contribution: Iterable[ox.Quad | ox.Triple],
    shapes: Graph,
    namespaces: Mapping[str, str],
    inspect: Callable[[ox.Store, Result], T],
) -> tuple[Result, T]:
    """Validate the built graph plus the contribution; raises Unfaithful like data.load.

    `inspect` sees the combined data before it is deleted (to describe nodes of the report).
    """
    model = ShapesModel(shapes)
    with index.checkpoint() as store:
        new = new_triples(store, contribution)
        literals = Literals(dict(index.literals.originals), dict(index.literals.irregular))
        load(new, store, literals)
        ws = Workspace(store, namespaces, literals)
        try:
            todo = affected(ws, model, index.shapes, new)
        finally:
            ws.close()

        def focus_for(engine: Engine, shape: Shape) -> NodeSet:
            nodes = todo.get(shape.node)
            if nodes is None:
                return focus_set(engine, shape)
            return targets_among(engine, shape, NodeSet(dict(nodes.nodes)))

        result = merge(
            index, model, todo, run(store, model, namespaces, literals, focus_for=focus_for)
        )
        return result, inspect(store, result)
