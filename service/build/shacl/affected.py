"""The focus nodes whose results a contribution can change, shape by shape.

A new triple (s, p, o) changes what a shape reads at focus node x only if one of the shape's
reads (service/build/shacl/deps.py) has predicate p and leads from x to s (outgoing) or to o
(incoming). Walking each read's path backwards from the new triples' subjects and objects, in
the graph with the contribution added, finds every such x. A shape that reads triples at
arbitrary nodes with p, or whose dependencies are unknown, is re-checked on all its targets.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox
from pyshacl.shape import Shape
from rdflib import RDF, RDFS, URIRef
from rdflib.term import Node

from service.build.shacl.engine import Engine
from service.build.shacl.index import ShapeBaseline
from service.build.shacl.paths import Read
from service.build.shacl.shapes import ShapesModel
from service.build.shacl.targets import sparql_targets
from service.build.shacl.terms import Nodes, iri, to_ox
from service.build.shacl.workspace import NodeSet, Workspace

Todo = dict[Node, NodeSet | None]  # shape -> nodes to re-check (None: all its focus nodes)


def _anchors(ws: Workspace, new: list[ox.Triple]) -> dict[tuple[str | None, bool], NodeSet]:
    """New triples' subjects (False) and objects (True), per predicate and for any predicate."""
    found: dict[tuple[str | None, bool], Nodes] = {}
    for t in new:
        predicate = t.predicate.value
        for key, term in (((predicate, False), t.subject), ((predicate, True), t.object)):
            for k in (key, (None, key[1])):
                found.setdefault(k, {})[ws.term(term)] = term
    return {k: NodeSet(v) for k, v in found.items()}


def _walk_back(ws: Workspace, read: Read, starts: NodeSet) -> Nodes:
    """The nodes from which `read`'s path leads to one of `starts`."""
    path = read[0]
    if path is None:
        return dict(starts.nodes)
    query = f"SELECT DISTINCT ?x WHERE {{ {ws.pattern(starts, 'a')} ?x {path} ?a }}"
    return ws.nodes(row[0] for row in ws.select(query))


def affected(
    ws: Workspace, model: ShapesModel, baselines: Mapping[str, ShapeBaseline], new: list[ox.Triple]
) -> Todo:
    """For each targeted shape, the nodes to re-check after adding `new`."""
    anchors = _anchors(ws, new)
    predicates = {t.predicate.value for t in new}
    walked: dict[Read, Nodes] = {}
    out: Todo = {}
    for shape in model.shapes:
        if not model.targeted(shape):
            continue
        base = baselines.get(str(shape.node)) if isinstance(shape.node, URIRef) else None
        deps = base.dependencies if base is not None and base.fallback is None else None
        if deps is None or None in deps.anywhere or predicates & deps.anywhere:
            out[shape.node] = None
            continue
        nodes: Nodes = {}
        for read in deps.reads:
            starts = anchors.get((read[1], read[2]))
            if starts is None:
                continue
            if read not in walked:
                walked[read] = _walk_back(ws, read, starts)
            nodes.update(walked[read])
        out[shape.node] = NodeSet(nodes)
    return out


def targets_among(engine: Engine, shape: Shape, candidates: NodeSet) -> NodeSet:
    """The candidates that are focus nodes of the shape's targets."""
    if not candidates.nodes:
        return candidates
    ws = engine.ws
    found: Nodes = {}
    target_nodes = set(shape.target_nodes())
    found.update({c: t for c, t in candidates.nodes.items() if c in target_nodes})
    classes = {*shape.target_classes(), *shape.implicit_class_targets()}
    if classes:
        wanted = set().union(*(_subclasses(engine, c) for c in classes))
        query = (
            f"SELECT DISTINCT ?x ?t WHERE {{ {ws.pattern(candidates, 'x')} ?x <{RDF.type}> ?t }}"
        )
        found.update({ws.term(r[0]): r[0] for r in ws.select(query) if r[1] in wanted})
    for predicate in shape.target_subjects_of():
        query = (
            f"SELECT DISTINCT ?x WHERE {{ {ws.pattern(candidates, 'x')} ?x {iri(predicate)} ?o }}"
        )
        found.update(ws.nodes(r[0] for r in ws.select(query)))
    for predicate in shape.target_objects_of():
        query = (
            f"SELECT DISTINCT ?x WHERE {{ {ws.pattern(candidates, 'x')} ?s {iri(predicate)} ?x }}"
        )
        found.update(ws.nodes(r[0] for r in ws.select(query)))
    if shape.advanced_target():
        found.update(sparql_targets(engine, shape, candidates))
    return NodeSet(found)


def _subclasses(engine: Engine, cls: Node) -> set[object]:
    """The store terms of cls and its subclasses (rdfs:subClassOf*)."""
    if not isinstance(cls, URIRef):
        query = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* ?cls }}"
        return {r[0] for r in engine.ws.select(query, {"cls": to_ox(cls)})}
    query = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {iri(cls)} }}"
    return {r[0] for r in engine.ws.select(query)}
