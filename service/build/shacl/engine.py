"""Evaluate a shape over a whole set of focus nodes at once.

pySHACL walks focus node by focus node and value node by value node, asking rdflib for every
triple. The engine asks pyoxigraph once per property path for all (focus, value) pairs of a node
set, once per class for its instances, and evaluates nested shapes (sh:node, sh:or, ...) once
over the distinct value nodes; each constraint component then has one handler
(service/build/shacl/components.py, nested.py, sparql.py) that finds the failing focus/value
nodes and lets pySHACL's component object write the results.
"""

from __future__ import annotations

from collections.abc import Callable

from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.constraints.core import logical_constraints as logical
from pyshacl.constraints.core import shape_based_constraints as based
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.shape import Shape
from rdflib import RDF, RDFS, BNode, URIRef

from service.build.shacl.outcome import Check, Outcome, Rules
from service.build.shacl.paths import sparql_path
from service.build.shacl.prefilter import candidates
from service.build.shacl.report import ReportData
from service.build.shacl.shapes import ShapesModel
from service.build.shacl.terms import Nodes, OxTerm, Term, iri, to_ox
from service.build.shacl.values import Values
from service.build.shacl.workspace import NodeSet, Workspace

Handler = Callable[["Engine", ConstraintComponent, Values], dict[Term, Check]]
HANDLERS: dict[type[ConstraintComponent], Handler] = {}  # filled by components/nested/sparql

# Components that work on the whole set of value nodes without listing them in Python.
SET_BASED: tuple[type[ConstraintComponent], ...] = (
    based.PropertyConstraintComponent,
    based.NodeConstraintComponent,
    logical.OrConstraintComponent,
    logical.AndConstraintComponent,
    SPARQLBasedConstraint,
)


def handles(*classes: type[ConstraintComponent]) -> Callable[[Handler], Handler]:
    """Register a handler for pySHACL constraint component classes."""

    def register(handler: Handler) -> Handler:
        for cls in classes:
            HANDLERS[cls] = handler
        return handler

    return register


class Engine:
    """Evaluates shapes of one ShapesModel against the data of one Workspace."""

    def __init__(self, ws: Workspace, model: ShapesModel, report: ReportData) -> None:
        self.ws = ws
        self.model = model
        self.report = report
        self.rules = Rules(model.executor)
        self._instances: dict[Term, set[OxTerm]] = {}

    def evaluate(self, shape: Shape, nodes: NodeSet) -> Outcome:
        """Shape.validate(focus=...) for every node of the set, as one Outcome."""
        outcome = Outcome(shape, self.rules)
        if shape.deactivated or nodes.known_empty():
            return outcome
        components = self.model.components(shape)
        if not components:
            return outcome
        values = self._values(shape, components, nodes)
        for key, component in enumerate(components):
            handler = HANDLERS[type(component)]
            per_value, whole = values
            chosen = whole if type(component) in SET_BASED else per_value
            if chosen is None:
                continue  # no focus node can fail this shape's value constraints
            for focus, check in handler(self, component, chosen).items():
                outcome.add(focus, key, check)
        return outcome

    def _values(
        self, shape: Shape, components: list[ConstraintComponent], nodes: NodeSet
    ) -> tuple[Values | None, Values]:
        """(values for value-by-value constraints, values for set-based ones).

        Value-by-value constraints see only the focus nodes SPARQL says could fail them, when
        every one of them has an exact SPARQL test.
        """
        per_value = [c for c in components if type(c) not in SET_BASED]
        set_based = len(per_value) < len(components)
        if not shape.is_property_shape:
            whole = Values(self, nodes, None)
            subset = candidates(self.ws, per_value, nodes, None) if per_value else None
            if subset is None:
                return whole, whole
            return (Values(self, subset, None) if subset.nodes else None), whole
        path = sparql_path(self.model.graph, shape.path())
        subset = None if set_based else candidates(self.ws, per_value, nodes, path)
        if subset is not None:  # no set-based constraint: the second value is never used
            chosen = Values(self, subset, self.pairs(subset, path)) if subset.nodes else None
            return chosen, Values(self, subset, {})
        whole = Values(self, nodes, self.pairs(nodes, path))
        return whole, whole

    def pairs(self, nodes: NodeSet, path: str) -> dict[Term, Nodes]:
        """Every focus node's values along a SPARQL path (focus nodes without values too)."""
        query = f"SELECT ?f ?v WHERE {{ {self.ws.pattern(nodes, 'f')} ?f {path} ?v }}"
        out: dict[Term, Nodes] = {f: {} for f in nodes.nodes}
        term = self.ws.term
        for row in self.ws.select(query):
            value = row[1]
            out[term(row[0])].setdefault(term(value), value)
        return out

    def instances(self, cls: Term) -> set[OxTerm]:
        """SHACL instances of a class: rdf:type/rdfs:subClassOf* in the data graph."""
        found = self._instances.get(cls)
        if found is None:
            pattern = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
            if isinstance(cls, URIRef):
                query = f"SELECT DISTINCT ?x WHERE {{ ?x {pattern} {iri(cls)} }}"
                rows = self.ws.select(query)
            else:
                query = f"SELECT DISTINCT ?x WHERE {{ ?x {pattern} ?cls }}"
                rows = self.ws.select(query, {"cls": to_ox(cls)})
            found = self._instances[cls] = {row[0] for row in rows}
        return found

    def include(self, focus: Term, values: Nodes | None = None) -> None:
        """Make blank focus and value nodes describable in results."""
        nodes: list[Term] = [focus, *(values or {})]
        self.report.include(n for n in nodes if isinstance(n, BNode))
