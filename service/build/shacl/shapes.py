"""The shapes, as pySHACL loads them, and which of them the fast path can evaluate.

pySHACL stays the reference: its ShapesGraph parses the shapes, its constraint component objects
hold each constraint's parameters and build every validation result. The fast path only decides
*which* focus and value nodes fail, so a shape it cannot decide that for (a feature it does not
implement, recursion, a malformed shape pySHACL would reject) is validated by pySHACL itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pyshacl import consts
from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.advanced import ExpressionConstraint, SH_expression
from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.constraints.core import (
    cardinality_constraints,
    logical_constraints,
    other_constraints,
    shape_based_constraints,
    string_based_constraints,
    value_constraints,
    value_range_constraints,
)
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.errors import ConstraintLoadWarning
from pyshacl.pytypes import SHACLExecutor
from pyshacl.shape import Shape
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, RDFS, SH, Graph
from rdflib.term import Node

from service.build.shacl.paths import sparql_path
from service.build.shacl.prepared import prepare
from service.build.shacl.terms import Unsupported

# Constraints decided from the value nodes alone: pySHACL's own evaluate() runs on them.
LOCAL: tuple[type[ConstraintComponent], ...] = (
    value_constraints.DatatypeConstraintComponent,
    value_constraints.NodeKindConstraintComponent,
    cardinality_constraints.MinCountConstraintComponent,
    cardinality_constraints.MaxCountConstraintComponent,
    value_range_constraints.MinExclusiveConstraintComponent,
    value_range_constraints.MinInclusiveConstraintComponent,
    value_range_constraints.MaxExclusiveConstraintComponent,
    value_range_constraints.MaxInclusiveConstraintComponent,
    string_based_constraints.MinLengthConstraintComponent,
    string_based_constraints.MaxLengthConstraintComponent,
    string_based_constraints.PatternConstraintComponent,
    string_based_constraints.LanguageInConstraintComponent,
    string_based_constraints.UniqueLangConstraintComponent,
    other_constraints.HasValueConstraintComponent,
    other_constraints.InConstraintComponent,
)
# Constraints that look at other nodes: the engine evaluates them over whole node sets.
GRAPH_BASED: tuple[type[ConstraintComponent], ...] = (
    value_constraints.ClassConstraintComponent,
    shape_based_constraints.NodeConstraintComponent,
    shape_based_constraints.PropertyConstraintComponent,
    shape_based_constraints.QualifiedValueShapeConstraintComponent,
    logical_constraints.NotConstraintComponent,
    logical_constraints.AndConstraintComponent,
    logical_constraints.OrConstraintComponent,
    logical_constraints.XoneConstraintComponent,
    SPARQLBasedConstraint,
)
SUPPORTED = frozenset(LOCAL + GRAPH_BASED)
MAX_DEPTH = 6  # nesting of sh:node / sh:property / sh:or ... the fast path follows

# SHACL-AF features that change the data or the query language for every shape.
_GLOBAL_FEATURES = (
    (consts.SH_rule, "SHACL rules (sh:rule) change the data graph"),
    (consts.SH_js, "SHACL-JS"),
)
_GLOBAL_TYPES = (
    (consts.SH_SPARQLFunction, "SHACL functions (sh:SPARQLFunction)"),
    (consts.SH_SHACLFunction, "SHACL functions"),
    (consts.SH_JSFunction, "SHACL-JS functions"),
    (consts.SH_TripleRule, "SHACL rules"),
    (consts.SH_SPARQLRule, "SHACL rules"),
)


@dataclass(frozen=True)
class Options:
    """The pySHACL options the project validates with (service.build.validate.run_shacl)."""

    allow_warnings: bool = True
    allow_infos: bool = True


@dataclass
class ShapesModel:
    """pySHACL's shapes plus, per shape, why the fast path cannot take it (or None)."""

    graph: Graph
    options: Options = field(default_factory=Options)

    def __post_init__(self) -> None:
        self.sg = ShapesGraph(self.graph)
        self.executor = SHACLExecutor(
            advanced_mode=True,
            allow_infos=self.options.allow_infos,
            allow_warnings=self.options.allow_warnings,
        )
        self.shapes: list[Shape] = list(self.sg.shapes)
        for shape in self.shapes:
            shape.set_advanced(True)
        self.global_reason = self._global_reason()
        self._components: dict[Node, list[ConstraintComponent]] = {}
        self._reasons: dict[Node, str | None] = {}

    def _global_reason(self) -> str | None:
        for predicate, why in _GLOBAL_FEATURES:
            if next(self.graph.subject_objects(predicate), None) is not None:
                return why
        for cls, why in _GLOBAL_TYPES:
            if next(self.graph.subjects(RDF.type, cls), None) is not None:
                return why
        if next(self.graph.subjects(RDFS.subClassOf, SH.Target), None) is not None:
            return "custom SHACL target types"
        return None

    def shape(self, node: Node) -> Shape:
        """The pySHACL shape for a shape node (a malformed reference is unsupported)."""
        try:
            return self.sg.lookup_shape_from_node(node)
        except KeyError:
            raise Unsupported(f"no shape {node}") from None

    def components(self, shape: Shape) -> list[ConstraintComponent]:
        """The constraint components pySHACL's Shape.validate would run, in its order."""
        cached = self._components.get(shape.node)
        if cached is not None:
            return cached
        parameters = dict(CONSTRAINT_PARAMETERS_MAP)
        parameters[SH_expression] = ExpressionConstraint
        classes: list[type[ConstraintComponent]] = []
        for p, _ in self.sg.predicate_objects(shape.node):
            cls = parameters.get(p)
            if cls is not None and cls not in classes:
                classes.append(cls)
        out: list[ConstraintComponent] = []
        for cls in classes:
            try:
                out.append(cls(shape))
            except ConstraintLoadWarning:
                continue  # pySHACL logs these and skips the component too
        self._components[shape.node] = out
        return out

    def unsupported(self, shape: Shape) -> str | None:
        """Why the fast path cannot validate this shape and all it refers to, or None."""
        if self.global_reason is not None:
            return self.global_reason
        if shape.node not in self._reasons:
            try:
                self._check(shape, [])
                self._reasons[shape.node] = None
            except Unsupported as exc:
                self._reasons[shape.node] = str(exc)
            except Exception as exc:  # noqa: BLE001 - pySHACL rejects the shape: let it say why
                self._reasons[shape.node] = f"pySHACL rejects the shape ({exc})"
        return self._reasons[shape.node]

    def _check(self, shape: Shape, path: list[Node]) -> None:
        if shape.node in path:
            raise Unsupported(f"recursive shape {shape.node}")
        if len(path) >= MAX_DEPTH:
            raise Unsupported(f"shape {shape.node} nested more than {MAX_DEPTH} levels")
        if shape.deactivated:
            return  # pySHACL skips it before looking at its constraints
        if shape.find_custom_constraints():
            raise Unsupported(f"custom constraint components on {shape.node}")
        if shape.is_property_shape:
            sparql_path(self.graph, shape.path())
        for component in self.components(shape):
            if type(component) not in SUPPORTED:
                raise Unsupported(f"{component.constraint_name()} on {shape.node}")
            if isinstance(component, SPARQLBasedConstraint):
                for helper in component.sparql_constraints:
                    prepare(helper)
            for ref in referenced_shapes(self, component):
                self._check(self.shape(ref), [*path, shape.node])

    def targeted(self, shape: Shape) -> bool:
        """True if the shape declares targets (else pySHACL validates it only when nested)."""
        graph, node = self.graph, shape.node
        declared = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
        if any(graph.value(node, p) is not None for p in (*declared, SH.target)):
            return True
        return bool(shape.implicit_class_targets())

    def targets_unsupported(self, shape: Shape) -> str | None:
        """Targets other than class, node, subjects/objects-of and SPARQL SELECT targets."""
        for target, spec in shape.advanced_target().items():
            if spec.get("type") != SH.SPARQLTarget:
                return f"target {target} of {shape.node} is not a SPARQL SELECT target"
        return None


def referenced_shapes(model: ShapesModel, component: ConstraintComponent) -> Iterator[Node]:
    """The shapes a shape-expecting component evaluates value nodes against."""
    sg = model.graph
    if isinstance(component, shape_based_constraints.NodeConstraintComponent):
        yield from component.node_shapes
    elif isinstance(component, shape_based_constraints.PropertyConstraintComponent):
        yield from component.property_shapes
    elif isinstance(component, shape_based_constraints.QualifiedValueShapeConstraintComponent):
        yield from component.value_shapes
        if component.is_disjoint:
            yield from siblings(model, component, None)
    elif isinstance(component, logical_constraints.NotConstraintComponent):
        yield from component.not_list
    elif isinstance(component, logical_constraints.AndConstraintComponent):
        for lst in component.and_list:
            yield from sg.items(lst)
    elif isinstance(component, logical_constraints.OrConstraintComponent):
        for lst in component.or_list:
            yield from sg.items(lst)
    elif isinstance(component, logical_constraints.XoneConstraintComponent):
        for lst in component.xone_nodes:
            yield from sg.items(lst)


def siblings(
    model: ShapesModel,
    component: shape_based_constraints.QualifiedValueShapeConstraintComponent,
    own: Node | None,
) -> set[Node]:
    """Sibling qualified value shapes (sh:qualifiedValueShapesDisjoint), as pySHACL finds them."""
    sg = model.sg
    out: set[Node] = set()
    for parent in set(sg.subjects(SH.property, component.shape.node)):
        for prop in set(sg.objects(parent, SH.property)):
            for sibling in set(sg.objects(prop, SH.qualifiedValueShape)):
                if own is None or sibling != own:
                    out.add(sibling)
    return out
