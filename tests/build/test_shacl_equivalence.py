"""The SHACL fast path (service/build/shacl) gives exactly pySHACL's report.

Every shape fixture is compared in tests/shapes/test_shapes.py; here: the project graph,
generated data with a violation of every kind of constraint the shapes use, SHACL features the
shapes do not use yet, shapes the fast path leaves to pySHACL, and literals the store keeps in
another form. "Identical" means isomorphic report graphs (tests/shacl_compare.py).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import SH, Graph, URIRef
from shacl_compare import differences, fast_report, records, reference_report

from service.build.loading import LoadedFile, load_project, parse_file, to_rdflib
from service.build.shacl.api import Checked
from service.build.validate import check_shapes, split_shapes
from service.config import Settings

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import violations  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shacl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
EX = "http://example.org/"


def shapes_file() -> LoadedFile:
    return parse_file(SHAPES, "urn:cpkg:test:shapes")


def compare(files: list[LoadedFile], shapes: LoadedFile) -> tuple[Graph, Checked]:
    """pySHACL's report and the fast path's, on the same parsed files (as the build does)."""
    reference = reference_report(to_rdflib(files), to_rdflib([shapes]))
    return reference, check_shapes(files, shapes)


def components(report: Graph) -> Counter[str]:
    """Constraint components of all results, nested sh:detail results included."""
    return Counter(
        str(c).split("#")[-1] for c in report.objects(None, SH.sourceConstraintComponent)
    )


def test_project_graph_report_is_identical() -> None:
    settings = Settings.from_env()
    shapes, data = split_shapes(load_project(settings), settings)
    reference, fast = compare(data, shapes)
    assert differences(reference, fast.report) == []
    assert fast.fallback == {}, "every project shape must run on the fast path"


def test_generated_data_with_every_kind_of_violation_is_identical(tmp_path: Path) -> None:
    path = tmp_path / "data-10k.nq"
    violations.write(10_000, path)
    data = LoadedFile(path, path.name, ox.NamedNode("urn:cpkg:test:data"), [])
    data.quads.extend(ox.parse(path=path, format=ox.RdfFormat.N_QUADS))
    reference, fast = compare([data], shapes_file())
    assert differences(reference, fast.report) == []
    assert fast.fallback == {}
    assert not fast.conforms
    kinds = components(fast.report)
    expected = {
        "Class", "Datatype", "NodeKind", "MinCount", "MaxCount", "MinInclusive",
        "MaxInclusive", "MinLength", "Pattern", "LanguageIn", "UniqueLang", "In", "HasValue",
        "Node", "Or", "SPARQL",
    }  # fmt: skip
    assert {f"{k}ConstraintComponent" for k in expected} <= set(kinds)
    assert kinds["SPARQLConstraintComponent"] >= 13  # every SPARQL constraint of the shapes
    assert SH.Warning in set(fast.report.objects(None, SH.resultSeverity))


def test_features_the_shapes_do_not_use_yet_are_identical() -> None:
    """Paths, logic, qualified shapes, nested property shapes, severities, targets, SPARQL with
    $PATH, $currentShape, {?var} messages, ?failure, PREFIX in the query, generic messages."""
    shapes = Graph().parse(FIXTURES / "features.ttl")
    data = Graph().parse(FIXTURES / "features-data.ttl")
    fast = fast_report(data, shapes)
    assert differences(reference_report(data, shapes), fast.graph) == []
    assert fast.fallback == {}
    assert len(records(fast.graph)) > 40


def test_unsupported_shapes_fall_back_to_pyshacl_and_only_they() -> None:
    shapes = Graph().parse(FIXTURES / "unsupported.ttl")
    data = Graph().parse(FIXTURES / "unsupported-data.ttl")
    with pytest.warns(Warning, match="Recursive Shape"):  # pySHACL's own, for RecursiveShape
        reference = reference_report(data, shapes)
        fast = fast_report(data, shapes)
    assert differences(reference, fast.graph) == []
    assert set(fast.fallback) == {f"{EX}ClosedShape", f"{EX}PairShape", f"{EX}RecursiveShape"}
    assert "Closed" in fast.fallback[f"{EX}ClosedShape"]
    assert "recursive" in fast.fallback[f"{EX}RecursiveShape"]
    kinds = components(fast.graph)
    assert kinds["ClosedConstraintComponent"] and kinds["EqualsConstraintComponent"]
    assert kinds["MaxCountConstraintComponent"], "the supported shape still reports"


def test_literals_the_store_rewrites_keep_their_written_form() -> None:
    shapes = parse_file(FIXTURES / "literals.ttl", "urn:cpkg:test:shapes")
    data = parse_file(FIXTURES / "literals-data.ttl", "urn:cpkg:test:data")
    reference, fast = compare([data], shapes)
    assert differences(reference, fast.report) == []
    # Core constraints stay on the fast path; the query reading STR()/DATATYPE() does not.
    assert set(fast.fallback) == {f"{EX}TextShape"}
    values = {str(v) for v in fast.report.objects(None, SH.value)}
    assert "50.0" in values, "the value is reported as written, not as stored (50)"


@pytest.mark.parametrize("name", ["literals-merged-store.ttl", "literals-merged-rdflib.ttl"])
def test_literals_that_would_merge_are_validated_by_pyshacl(name: str) -> None:
    shapes = parse_file(FIXTURES / "literals.ttl", "urn:cpkg:test:shapes")
    data = parse_file(FIXTURES / name, "urn:cpkg:test:data")
    reference, fast = compare([data], shapes)
    assert differences(reference, fast.report) == []
    assert list(fast.fallback) == ["all shapes"]
    assert " one " in fast.fallback["all shapes"]


def test_a_shape_fixture_violation_names_the_same_shape_in_both(tmp_path: Path) -> None:
    """A mutation check of the comparison itself: a different report is noticed."""
    shapes = Graph().parse(FIXTURES / "features.ttl")
    data = Graph().parse(FIXTURES / "features-data.ttl")
    fast = fast_report(data, shapes).graph
    changed = Graph()
    for triple in fast:
        changed.add(triple)
    result = next(iter(changed.subjects(SH.sourceConstraintComponent, None)))
    changed.set((result, SH.resultSeverity, URIRef(SH.Info)))
    assert differences(fast, changed) != []
