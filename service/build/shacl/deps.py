"""Which triples a shape reads when it validates a focus node: the basis of incremental checks.

Evaluating a shape at a focus node x reads triples along paths that start at x: its property
paths, the rdf:type/rdfs:subClassOf* of value nodes (sh:class), the paths of nested shapes at
the value nodes, the triple patterns of its SPARQL constraints and targets joined to $this. Each
such read is (path from x, predicate, direction). A new triple (s, p, o) can only change the
results of x if some read has predicate p and x reaches s (or o) along that read's path, so the
nodes to re-check are found by following the paths backwards from s and o.

A SPARQL triple pattern that is not joined to $this (through the pattern's own variables, with
UNION branches, EXISTS bodies, OPTIONAL and MINUS sides and subqueries each in their own scope)
reads triples of any node: a new triple with its predicate re-checks every focus node of the
shape. LIMIT/OFFSET, GRAPH and SERVICE make a query read "anything".
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pyshacl.constraints.core.value_constraints import ClassConstraintComponent
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.shape import Shape
from rdflib import URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from service.build.shacl import paths
from service.build.shacl.paths import CLASS_PATH, PathTree, Read, Step
from service.build.shacl.shapes import ShapesModel, referenced_shapes
from service.build.shacl.terms import Unsupported

ANY = "urn:cpkg:shacl:any"  # the predicate of a triple pattern whose predicate is a variable


@dataclass
class Dependencies:
    """Reads anchored at the focus node, and predicates read at any node (None: any)."""

    reads: set[Read] = field(default_factory=set)
    anywhere: set[str | None] = field(default_factory=set)

    def add(self, other: Dependencies) -> None:
        self.reads |= other.reads
        self.anywhere |= other.anywhere


# -- SPARQL ---------------------------------------------------------------------------------

_UNSUPPORTED = {"Slice", "Graph", "GraphGraphPattern", "ServiceGraphPattern", "SubSelect"}
_EXISTS = ("Builtin_EXISTS", "Builtin_NOTEXISTS")
Triple = tuple[Any, PathTree | None, Any]


def _children(node: Any) -> Iterator[Any]:
    if isinstance(node, CompValue):  # not rdflib's own bookkeeping (_vars lists every variable)
        yield from (v for k, v in node.items() if not k.startswith("_"))
    elif isinstance(node, list | tuple):
        yield from node


def _scopes(node: CompValue) -> list[tuple[str, Any]]:
    """(key, child) pairs of a node whose child is a scope of its own.

    Children are read raw (dict access): rdflib translates EXISTS bodies anew on attribute
    access, and the walk must see the very objects it iterates over.
    """
    name = node.name
    keys: tuple[str, ...] = ()
    if name == "Union":
        keys = ("p1", "p2")
    elif name in ("LeftJoin", "Minus"):
        keys = ("p2",)
    elif name in (*_EXISTS, "OptionalGraphPattern", "MinusGraphPattern"):
        keys = ("graph",)
    elif name == "ToMultiSet":
        keys = ("p",)
    elif name == "GroupOrUnionGraphPattern":
        branches = dict.get(node, "graph") or []
        return [(str(i), g) for i, g in enumerate(branches)] if len(branches) > 1 else []
    return [(k, dict.get(node, k)) for k in keys if dict.get(node, k) is not None]


def _variables(node: Any, direct: bool) -> set[Variable]:
    """Variables under node; `direct` stops at nested scopes."""
    if isinstance(node, Variable):
        return {node}
    out: set[Variable] = set()
    scoped = (
        {id(child) for _, child in _scopes(node)}
        if direct and isinstance(node, CompValue)
        else set()
    )
    for child in _children(node):
        if id(child) not in scoped:
            out |= _variables(child, direct)
    return out


def _projection(node: Any) -> set[Variable] | None:
    """The projected variables of the first Project under a subquery, None for VALUES."""
    if isinstance(node, CompValue):
        if node.name == "Project":
            return set(node.PV)
        for child in _children(node):
            found = _projection(child)
            if found is not None:
                return found
    elif isinstance(node, list | tuple):
        for child in node:
            found = _projection(child)
            if found is not None:
                return found
    return None


class _Collector:
    """Triple patterns of a query, with scope-local variables renamed apart."""

    def __init__(self) -> None:
        self.triples: list[Triple] = []
        self.fresh = itertools.count(1)

    def scope(self, node: Any, mapping: dict[Variable, Any], shared: set[Variable]) -> None:
        keep = shared
        if isinstance(node, CompValue) and node.name in ("Project", "ToMultiSet"):
            keep = shared & (_projection(node) or set())
        inner = dict(mapping)
        for var in _variables(node, direct=False):
            if var not in keep:
                inner[var] = Variable(f"{var}_scope{next(self.fresh)}")
        self.walk(node, inner, shared | _variables(node, direct=True))

    def walk(self, node: Any, mapping: dict[Variable, Any], visible: set[Variable]) -> None:
        if not isinstance(node, CompValue):
            for child in _children(node):
                self.walk(child, mapping, visible)
            return
        if node.name in _UNSUPPORTED:
            raise Unsupported(f"{node.name} in a SPARQL query")
        if node.name == "BGP":
            for s, p, o in node.triples:
                self._add(s, p, o, mapping)
        elif node.name == "TriplesBlock":
            for block in node.triples:
                for i in range(0, len(block) - 2, 3):
                    self._add(block[i], block[i + 1], block[i + 2], mapping)
        scoped = _scopes(node)
        for _, child in scoped:
            self.scope(child, mapping, visible)
        skip = {id(child) for _, child in scoped}
        for child in _children(node):
            if id(child) not in skip:
                self.walk(child, mapping, visible)

    def _add(self, s: Any, p: Any, o: Any, mapping: dict[Variable, Any]) -> None:
        tree = None if isinstance(p, Variable) else paths.from_sparql(p)
        self.triples.append((mapping.get(s, s), tree, mapping.get(o, o)))


def _anchors(triples: list[Triple]) -> dict[Any, str | None]:
    """Breadth-first: the path from $this to every variable joined to it."""
    found: dict[Any, str | None] = {Variable("this"): None}
    frontier = [Variable("this")]
    while frontier:
        following = []
        for s, tree, o in triples:
            step = tree if tree is not None else Step(ANY)
            for start, end, way in ((s, o, step), (o, s, paths.inverse(step))):
                if start in frontier and isinstance(end, Variable) and end not in found:
                    found[end] = paths.extend(found[start], way)
                    following.append(end)
        frontier = following
    return found


def query_dependencies(query: str, base: str | None) -> Dependencies:
    """Reads of a SPARQL SELECT whose $this (or ?this) is the node `base` leads to."""
    out = Dependencies()
    try:
        algebra = translateQuery(parseQuery(query)).algebra
        collector = _Collector()
        collector.scope(algebra, {}, {Variable("this")})
    except Unsupported:
        out.anywhere.add(None)
        return out
    anchors = _anchors(collector.triples)
    for s, tree, o in collector.triples:
        step = tree if tree is not None else Step(ANY)
        from_object = (
            o in anchors and anchors[o] is None and s in anchors and anchors[s] is not None
        )
        if s in anchors and not from_object:
            found = paths.reads(step, _join(base, anchors[s]))
        elif o in anchors:  # $this itself is the object, or only the object is reached
            found = paths.reads(paths.inverse(step), _join(base, anchors[o]))
        else:
            out.anywhere |= {None if r[1] == ANY else r[1] for r in paths.reads(step, None)}
            continue
        out.reads |= {(where, None if p == ANY else p, back) for where, p, back in found}
    return out


def _join(base: str | None, rest: str | None) -> str | None:
    if base is None:
        return rest
    return base if rest is None else f"{base}/{rest}"


# -- shapes ---------------------------------------------------------------------------------


def _constraints(model: ShapesModel, shape: Shape, base: str | None) -> Dependencies:
    """Reads of a shape's constraints at a focus node that `base` leads to."""
    out = Dependencies()
    if shape.deactivated:
        return out
    values = base
    if shape.is_property_shape:
        tree = paths.from_shacl(model.graph, shape.path())
        out.reads |= paths.reads(tree, base)
        values = paths.extend(base, tree)
    for component in model.components(shape):
        if isinstance(component, ClassConstraintComponent):
            out.reads |= paths.reads(CLASS_PATH, values)
        elif isinstance(component, SPARQLBasedConstraint):
            for helper in component.sparql_constraints:
                _, text = helper.pre_bind_variables(URIRef("urn:cpkg:shacl:probe"))
                out.add(query_dependencies(helper.apply_prefixes(text), base))
        for ref in referenced_shapes(model, component):
            out.add(_constraints(model, model.shape(ref), values))
    return out


def shape_dependencies(model: ShapesModel, shape: Shape) -> Dependencies:
    """Everything a top-level shape reads at a focus node, its targets included."""
    out = _constraints(model, shape, None)
    if list(shape.target_classes()) or shape.implicit_class_targets():
        out.reads |= paths.reads(CLASS_PATH, None)
    out.reads |= {(None, str(p), False) for p in shape.target_subjects_of()}
    out.reads |= {(None, str(p), True) for p in shape.target_objects_of()}
    for spec in shape.advanced_target().values():
        helper = spec.get("qh")
        if helper is None:
            out.anywhere.add(None)
            continue
        out.add(query_dependencies(helper.apply_prefixes(helper.select_text), None))
    return out
