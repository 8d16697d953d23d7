"""Focus nodes of a shape's targets, found with one query per target declaration.

Mirrors pyshacl/shape.py focus_nodes(): sh:targetNode (whether or not the node is in the data),
sh:targetClass and implicit class targets (rdf:type/rdfs:subClassOf*), sh:targetSubjectsOf,
sh:targetObjectsOf, and SPARQL SELECT targets, run once over the data with ?this as the result.
"""

from __future__ import annotations

import pyoxigraph as ox
from pyshacl.shape import Shape
from rdflib import RDF, RDFS, SH, URIRef
from rdflib.term import Node

from service.build.shacl.engine import Engine
from service.build.shacl.rewrite import restrict, rewrite_exists
from service.build.shacl.sensitivity import features
from service.build.shacl.terms import Nodes, OxTerm, Unsupported, iri, to_ox
from service.build.shacl.workspace import VAR, NodeSet


def focus_set(engine: Engine, shape: Shape) -> NodeSet:
    """The focus nodes; plain class/property targets stay a pattern until listed."""
    pattern = defining(shape)
    if pattern is None:
        return NodeSet(focus_nodes(engine, shape))
    return NodeSet(defining=pattern, loader=lambda: focus_nodes(engine, shape))


def defining(shape: Shape) -> str | None:
    """One SELECT DISTINCT for class, subjects-of and objects-of targets; None for others."""
    if list(shape.target_nodes()) or shape.advanced_target():
        return None
    parts: list[str] = []
    try:
        for cls in {*shape.target_classes(), *shape.implicit_class_targets()}:
            parts.append(f"{{ {VAR} <{RDF.type}>/<{RDFS.subClassOf}>* {iri(cls)} }}")
        for predicate in shape.target_subjects_of():
            parts.append(f"{{ {VAR} {_iri(predicate)} ?cpkgObject }}")
        for predicate in shape.target_objects_of():
            parts.append(f"{{ ?cpkgSubject {_iri(predicate)} {VAR} }}")
    except Unsupported:
        return None
    if not parts:
        return None
    return f"{{ SELECT DISTINCT {VAR} WHERE {{ {' UNION '.join(parts)} }} }}"


def focus_nodes(engine: Engine, shape: Shape) -> Nodes:
    """Every focus node of the shape's targets (pySHACL's Shape.focus_nodes)."""
    out: Nodes = {}
    for node in shape.target_nodes():
        out.setdefault(node, to_ox(node))
    classes = {*shape.target_classes(), *shape.implicit_class_targets()}
    for cls in classes:
        for term in engine.instances(cls):
            out.setdefault(engine.ws.term(term), term)
    for predicate in shape.target_subjects_of():
        _collect(engine, out, f"SELECT DISTINCT ?x WHERE {{ ?x {_iri(predicate)} ?o }}")
    for predicate in shape.target_objects_of():
        _collect(engine, out, f"SELECT DISTINCT ?x WHERE {{ ?s {_iri(predicate)} ?x }}")
    out.update({n: t for n, t in sparql_targets(engine, shape).items() if n not in out})
    return out


def sparql_targets(engine: Engine, shape: Shape, among: NodeSet | None = None) -> Nodes:
    """Focus nodes of the shape's SPARQL SELECT targets; `among`: only those of these nodes
    (the query joined with them where that is exact, else run whole and intersected)."""
    out: Nodes = {}
    for target, spec in shape.advanced_target().items():
        if spec.get("type") != SH.SPARQLTarget:
            raise Unsupported(f"target {target} is not a SPARQL SELECT target")
        helper = spec["qh"]
        known = {**engine.ws.prefixes, **{p: str(n) for p, n in helper.prefixes.items()}}
        why = engine.ws.conflict(features(helper.select_text, known))
        if why is not None:
            raise Unsupported(f"SPARQL target of {shape.node}: {why}")
        text = rewrite_exists(helper.select_text)
        if among is not None:
            text = restrict(text, engine.ws.pattern(among, "this")) or text
        for row in engine.ws.select(helper.apply_prefixes(text)):
            found = _this(row)
            if found is None:
                raise Unsupported(f"SPARQL target {target} returns rows without ?this")
            node = engine.ws.term(found)
            if among is None or node in among.nodes:
                out.setdefault(node, found)
    return out


def _this(row: ox.QuerySolution) -> OxTerm | None:
    try:
        return row["this"]
    except (KeyError, IndexError):
        return None


def _iri(node: Node) -> str:
    if not isinstance(node, URIRef):
        raise Unsupported(f"target predicate {node!r} is not an IRI")
    return iri(node)


def _collect(engine: Engine, out: Nodes, query: str) -> None:
    for row in engine.ws.select(query):
        term = row[0]
        out.setdefault(engine.ws.term(term), term)
