"""Find, in SPARQL, the only focus nodes a property shape could fail on.

Most property shapes of a valid graph hold for every focus node; reading every value node into
Python just to confirm that is the bulk of the work at a million triples. When all of a property
shape's constraints have an exact SPARQL counterpart (sh:minCount, sh:maxCount, sh:nodeKind,
sh:class, sh:datatype xsd:string / rdf:langString), pyoxigraph finds the focus nodes that break
at least one of them, and only those are evaluated (by pySHACL's code, as usual). Each query
selects a superset of the focus nodes the constraint fails on, so the results are unchanged.
"""

from __future__ import annotations

from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.constraints.core import cardinality_constraints as card
from pyshacl.constraints.core import value_constraints as value
from rdflib import RDF, RDFS, SH, XSD, URIRef

from service.build.shacl.terms import iri
from service.build.shacl.workspace import NodeSet, Workspace

_KIND = {
    SH.IRI: "isIRI(?v)",
    SH.BlankNode: "isBlank(?v)",
    SH.Literal: "isLiteral(?v)",
    SH.BlankNodeOrIRI: "!isLiteral(?v)",
    SH.BlankNodeOrLiteral: "!isIRI(?v)",
    SH.IRIOrLiteral: "!isBlank(?v)",
}
_DATATYPE = {
    XSD.string: f"isLiteral(?v) && datatype(?v) = <{XSD.string}>",
    RDF.langString: 'isLiteral(?v) && lang(?v) != ""',
}


def _tests(components: list[ConstraintComponent], counted: bool) -> list[str] | None:
    """Aggregate (counted) or per-row tests a focus node fails on, or None if some constraint
    has no exact SPARQL test. Class tests read ?okN, bound when ?v is an instance."""
    out: list[str] = []
    classes = 0
    for component in components:
        if counted and isinstance(component, card.MinCountConstraintComponent):
            out.append(f"COUNT(DISTINCT ?v) < {int(component.min_count.value)}")
        elif counted and isinstance(component, card.MaxCountConstraintComponent):
            out.append(f"COUNT(DISTINCT ?v) > {int(component.max_count.value)}")
        elif isinstance(component, value.NodeKindConstraintComponent):
            test = _KIND.get(component.nodekind_rule)
            if test is None:
                return None
            out.append(f"!({test})")
        elif isinstance(component, value.DatatypeConstraintComponent):
            test = _DATATYPE.get(component.datatype_rule)
            if test is None:
                return None
            out.append(f"!({test})")
        elif isinstance(component, value.ClassConstraintComponent):
            for _ in component.class_rules:
                classes += 1
                out.append(f"!BOUND(?ok{classes})")
        else:
            return None
    return out


def _instances(components: list[ConstraintComponent]) -> str | None:
    """OPTIONAL joins binding ?okN for value nodes that are instances of the Nth sh:class."""
    parts: list[str] = []
    for component in components:
        if isinstance(component, value.ClassConstraintComponent):
            for cls in component.class_rules:
                if not isinstance(cls, URIRef):
                    return None
                n = len(parts) + 1
                pattern = f"?v <{RDF.type}>/<{RDFS.subClassOf}>* {iri(cls)}"
                parts.append(
                    f"OPTIONAL {{ SELECT DISTINCT ?v (true AS ?ok{n}) WHERE {{ {pattern} }} }}"
                )
    return " ".join(parts)


def queries(
    components: list[ConstraintComponent], focus: str, path: str | None
) -> list[str] | None:
    """Queries for the focus nodes failing any of the constraints (one for counts, one for
    value tests), or None if SPARQL cannot decide one of them; `path` is None for node shapes."""
    instances = _instances(components)
    tests = _tests(components, counted=path is not None)
    if instances is None or not tests:
        return None
    counts = [t for t in tests if t.startswith("COUNT(")]
    checks = [t for t in tests if t not in counts]
    out: list[str] = []
    if counts:
        out.append(
            f"SELECT ?f WHERE {{ {focus} OPTIONAL {{ ?f {path} ?v }} }} "
            f"GROUP BY ?f HAVING ({' || '.join(counts)})"
        )
    if checks:
        values = "BIND (?f AS ?v)" if path is None else f"?f {path} ?v"
        out.append(
            f"SELECT DISTINCT ?f WHERE {{ {focus} {values} {instances} "
            f"FILTER ({' || '.join(checks)}) }}"
        )
    return out


def candidates(
    ws: Workspace,
    components: list[ConstraintComponent],
    nodes: NodeSet,
    path: str | None,
) -> NodeSet | None:
    """The focus nodes the shape's value constraints could fail on, or None if SPARQL cannot
    tell; `path` is the shape's SPARQL path, None for a node shape (the value is the focus)."""
    if not components:
        return None
    found = queries(components, ws.pattern(nodes, "f"), path)
    if found is None:
        return None
    return NodeSet(ws.nodes(row[0] for query in found for row in ws.select(query)))
