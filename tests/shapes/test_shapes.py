"""SHACL shapes (ontology/shapes.ttl): every shape accepts its valid fixtures and rejects each
invalid fixture with exactly the expected shape, constraint component, focus node and path.

Fixtures live in ``fixtures/<ShapeLocalName>/``:

- ``valid-*.ttl`` must produce no validation result at all (not even a warning);
- ``invalid-<component>-*.ttl`` must produce at least one result, and every result must come
  from that shape (the node shape or one of its property shapes), with the constraint component
  named by ``<component>`` (``minCount`` -> ``sh:MinCountConstraintComponent``, ``sparql`` ->
  ``sh:SPARQLConstraintComponent``) and the focus node and path given in the file's header::

      # focus: cpr:finding-x           ("_:b": a blank node)
      # path: cpkg:inspection          ("-": no path; "(complex)": an inverse/alternative path)
      # constraint: cpsh:Name           (SPARQL fixtures: the sh:SPARQLConstraint that fires)
      # severity: Warning               (optional; default Violation)

Adding a fixture file adds a test case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, RDFS, SH, BNode, Graph, Namespace, URIRef
from rdflib.term import Node
from shacl_compare import differences, fast_report, unexplained_fallback

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
ONTOLOGY_FILES = (ROOT / "ontology" / "cpkg.ttl", ROOT / "ontology" / "concepts.ttl")

CPSH = Namespace("https://w3id.org/cpkg/shapes#")
CPKG = Namespace("https://w3id.org/cpkg/def#")
TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)

VALID = sorted(FIXTURES.glob("*/valid-*.ttl"))
INVALID = sorted(FIXTURES.glob("*/invalid-*.ttl"))


@dataclass(frozen=True)
class Result:
    """The parts of one sh:ValidationResult that a fixture asserts."""

    shape: Node
    component: Node
    focus: Node
    path: Node | None
    constraint: Node | None
    severity: Node


@cache
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE)


@cache
def ontology_graph() -> Graph:
    graph = Graph()
    for path in ONTOLOGY_FILES:
        graph.parse(path)
    return graph


def run(data: Graph) -> list[Result]:
    """Validate data the way the build does: ontology and concepts merged into the data graph
    (pySHACL's ont_graph only inoculates class and property definitions, not concepts).

    Every fixture also checks the build's fast path (service/build/shacl): its report must be
    the same graph as pySHACL's, and no shape may fall back to pySHACL except where the store
    rewrites a literal of the fixture (service/build/shacl/data.py)."""
    merged = Graph()
    for triple in ontology_graph():
        merged.add(triple)
    for triple in data:
        merged.add(triple)
    _, report, _ = validate(
        merged,
        shacl_graph=shapes_graph(),
        advanced=True,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
    )
    assert isinstance(report, Graph)
    fast = fast_report(merged, shapes_graph())  # service/build/shacl must agree exactly
    assert differences(report, fast.graph) == [], "the SHACL fast path differs from pySHACL"
    assert unexplained_fallback(fast) == {}, "a shape was left to pySHACL"
    results = []
    for node in report.objects(None, SH.result):  # top-level results, not nested sh:detail
        shape = report.value(node, SH.sourceShape)
        component = report.value(node, SH.sourceConstraintComponent)
        focus = report.value(node, SH.focusNode)
        severity = report.value(node, SH.resultSeverity)
        assert shape is not None and component is not None and focus is not None
        assert severity is not None
        path = report.value(node, SH.resultPath)
        constraint = report.value(node, SH.sourceConstraint)
        results.append(Result(shape, component, focus, path, constraint, severity))
    return results


def load_fixture(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def expand(graph: Graph, curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    namespace = dict(graph.namespaces()).get(prefix)
    assert namespace is not None, f"unknown prefix in fixture header: {curie}"
    return URIRef(str(namespace) + local)


ANY_BNODE = BNode("any-blank-node")


def term(graph: Graph, text: str) -> Node | None:
    """A header value: a CURIE, <IRI>, "-" (absent), "_:b" or "(complex)" (any blank node)."""
    if text == "-":
        return None
    if text in ("_:b", "(complex)"):
        return ANY_BNODE
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    return expand(graph, text)


def matches(actual: Node | None, expected: Node | None) -> bool:
    if expected is ANY_BNODE:
        return isinstance(actual, BNode)
    return actual == expected


def header(path: Path) -> dict[str, str]:
    """`# key: value` lines at the top of a fixture."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*(focus|path|constraint|severity):\s*(\S+)\s*$", line)
        if match:
            fields[match.group(1)] = match.group(2)
    return fields


def component_for(path: Path) -> URIRef:
    name = path.name.split("-")[1]
    if name == "sparql":
        return SH.SPARQLConstraintComponent
    return SH[name[0].upper() + name[1:] + "ConstraintComponent"]


def shape_family(shape: URIRef) -> set[Node]:
    """A node shape and its property shapes: any of them may be a result's sh:sourceShape."""
    return {shape, *shapes_graph().objects(shape, SH.property)}


def targeted_shapes() -> list[URIRef]:
    g = shapes_graph()
    found = {s for t in TARGETS for s in g.subjects(t, None) if isinstance(s, URIRef)}
    return sorted(found)


def fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("fixture", VALID, ids=fixture_id)
def test_valid_fixture_conforms(fixture: Path) -> None:
    results = run(load_fixture(fixture))
    assert results == [], f"{fixture_id(fixture)} should conform, got {results}"


@pytest.mark.parametrize("fixture", INVALID, ids=fixture_id)
def test_invalid_fixture_fires_expected_constraint(fixture: Path) -> None:
    data = load_fixture(fixture)
    fields = header(fixture)
    assert "focus" in fields and "path" in fields, f"{fixture_id(fixture)} lacks focus/path header"
    shape = CPSH[fixture.parent.name]
    assert (shape, RDF.type, SH.NodeShape) in shapes_graph(), f"no shape {shape}"
    focus = term(data, fields["focus"])
    path = term(data, fields["path"])
    component = component_for(fixture)
    severity = SH[fields.get("severity", "Violation")]
    constraint = expand(shapes_graph(), fields["constraint"]) if "constraint" in fields else None
    if component == SH.SPARQLConstraintComponent:
        assert constraint is not None, "SPARQL fixtures name the constraint that fires"

    results = run(data)

    assert results, f"{fixture_id(fixture)} should not conform"
    family = shape_family(shape)
    for result in results:
        assert result.shape in family, f"unexpected shape fired: {result}"
        assert result.component == component, f"unexpected component: {result}"
        assert matches(result.focus, focus), f"unexpected focus node: {result}"
        assert matches(result.path, path), f"unexpected path: {result}"
        assert result.severity == severity, f"unexpected severity: {result}"
        if constraint is not None:
            assert result.constraint == constraint, f"unexpected SPARQL constraint: {result}"


@pytest.mark.parametrize("shape", targeted_shapes(), ids=lambda s: s.split("#")[-1])
def test_every_shape_has_valid_and_invalid_fixtures(shape: URIRef) -> None:
    directory = FIXTURES / shape.split("#")[-1]
    assert list(directory.glob("valid-*.ttl")), f"no valid fixture for {shape}"
    assert list(directory.glob("invalid-*.ttl")), f"no invalid fixture for {shape}"


def sparql_constraints() -> list[URIRef]:
    g = shapes_graph()
    return sorted(c for c in g.subjects(RDF.type, SH.SPARQLConstraint) if isinstance(c, URIRef))


@pytest.mark.parametrize("constraint", sparql_constraints(), ids=lambda c: c.split("#")[-1])
def test_every_sparql_constraint_has_a_violating_fixture(constraint: URIRef) -> None:
    local = constraint.split("#")[-1]
    named = [f for f in INVALID if header(f).get("constraint") == f"cpsh:{local}"]
    assert named, f"no invalid-sparql fixture names cpsh:{local}"


def test_every_constraint_has_a_message() -> None:
    g = shapes_graph()
    silent = []
    for shape in g.subjects(SH.path, None):
        if g.value(shape, SH.message) is None and (shape, RDF.type, SH.PropertyShape) in g:
            silent.append(shape)
    for constraint in sparql_constraints():
        if g.value(constraint, SH.message) is None:
            silent.append(constraint)
    for shape in targeted_shapes():
        if g.value(shape, RDFS.label) is None or g.value(shape, RDFS.comment) is None:
            silent.append(shape)
    assert silent == [], f"shapes or constraints without sh:message/rdfs:label/comment: {silent}"


def superclasses(cls: Node) -> set[Node]:
    return set(ontology_graph().transitive_objects(cls, RDFS.subClassOf))


def class_targets() -> set[Node]:
    return set(shapes_graph().objects(None, SH.targetClass))


def used_classes() -> set[Node]:
    used: set[Node] = set()
    for path in sorted((ROOT / "graph").glob("*.ttl")):
        used |= set(Graph().parse(path).objects(None, RDF.type))
    return used


def test_every_class_used_in_the_graph_has_a_shape() -> None:
    targets = class_targets()
    missing = sorted(str(c) for c in used_classes() if not superclasses(c) & targets)
    assert missing == [], f"classes used in graph/*.ttl without a shape: {missing}"


def test_every_ontology_class_has_a_shape() -> None:
    classes = {
        c
        for c in ontology_graph().subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class"))
        if str(c).startswith(str(CPKG))
    }
    targets = class_targets()
    missing = sorted(str(c) for c in classes if c not in targets)
    assert missing == [], f"ontology classes without a shape targeting them: {missing}"
