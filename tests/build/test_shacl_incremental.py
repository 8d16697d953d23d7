"""Incremental validation (service/build/shacl/incremental.py) against full validation.

A graph is validated and indexed as `cpkg build` does; a contribution validated incrementally
against the index must give the report a full validation of graph + contribution gives (and
that pySHACL gives), while re-checking only a few focus nodes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from shacl_compare import differences, reference_report

from service.build.loading import LoadedFile, parse_file, to_rdflib
from service.build.shacl import index as index_module
from service.build.shacl.api import Checked, check_files, namespaces
from service.build.shacl.data import Unfaithful
from service.build.shacl.incremental import validate_incremental
from service.build.shacl.index import IndexUnusable, open_index, write_index
from service.build.shacl.validator import Result

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import contribution, generate, violations  # noqa: E402

SHAPES = ROOT / "ontology" / "shapes.ttl"
CPR = "https://w3id.org/cpkg/id/"
CPKG = "https://w3id.org/cpkg/def#"


def loaded(path: Path, quads: list[ox.Quad]) -> LoadedFile:
    return LoadedFile(path, path.name, ox.NamedNode(f"urn:cpkg:test:{path.stem}"), quads)


def nquads(path: Path) -> LoadedFile:
    return loaded(path, list(ox.parse(path=path, format=ox.RdfFormat.N_QUADS)))


def ntriples(text: str) -> list[ox.Quad]:
    graph = ox.NamedNode("urn:cpkg:test:contribution")
    parsed = ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES)
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in parsed]


@pytest.fixture(scope="module")
def shapes() -> LoadedFile:
    return parse_file(SHAPES, "urn:cpkg:test:shapes")


def indexed(base: LoadedFile, shapes: LoadedFile, directory: Path) -> Checked:
    checked = check_files([base], to_rdflib([shapes]))
    write_index(directory, checked, fingerprint="files", shapes_sha256="shapes")
    return checked


def incremental(directory: Path, added: list[ox.Quad], shapes: LoadedFile) -> Result:
    index = open_index(directory, fingerprint="files", shapes_sha256="shapes")
    result, _ = validate_incremental(
        index, added, to_rdflib([shapes]), namespaces(), lambda store, result: None
    )
    return result


def assert_same_as_full(
    base: LoadedFile, added: list[ox.Quad], shapes: LoadedFile, result: Result
) -> None:
    """Incremental == full fast path == pySHACL, on graph + contribution."""
    both = [base, loaded(Path("contribution.nt"), added)]
    full = check_files(both, to_rdflib([shapes]))
    assert differences(full.report, result.graph) == []
    assert differences(reference_report(to_rdflib(both), to_rdflib([shapes])), result.graph) == []


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LoadedFile, Path]]:
    """10k generated triples (conforming), indexed once for the module."""
    tmp = tmp_path_factory.mktemp("synthetic")
    path = tmp / "data-10k.nq"
    generate.write(10_000, path)
    base = nquads(path)
    shapes = parse_file(SHAPES, "urn:cpkg:test:shapes")
    indexed(base, shapes, tmp / "index")
    yield base, tmp / "index"


def test_contribution_report_equals_full_validation(
    synthetic: tuple[LoadedFile, Path], shapes: LoadedFile
) -> None:
    base, directory = synthetic
    added = ntriples("".join(contribution.contribution()))
    result = incremental(directory, added, shapes)
    assert not result.conforms
    assert_same_as_full(base, added, shapes, result)
    counted = [s.focus_nodes for s in result.shapes if s.focus_nodes is not None]
    assert counted and sum(counted) < 200, "only nodes the contribution reaches are re-checked"


def test_triples_already_in_the_graph_change_nothing(
    synthetic: tuple[LoadedFile, Path], shapes: LoadedFile
) -> None:
    base, directory = synthetic
    again = base.quads[5000:5100]
    result = incremental(directory, again, shapes)
    assert result.conforms
    assert all(s.focus_nodes in (0, None) for s in result.shapes)
    assert_same_as_full(base, again, shapes, result)


def test_a_new_subclass_reaches_all_instances(
    synthetic: tuple[LoadedFile, Path], shapes: LoadedFile
) -> None:
    """Every statement becomes a cpkg:Finding: the findings' shapes fire for all of them."""
    base, directory = synthetic
    triple = (
        f"<{CPKG}Statement> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{CPKG}Finding> .\n"
    )
    added = ntriples(triple)
    result = incremental(directory, added, shapes)
    assert not result.conforms
    assert_same_as_full(base, added, shapes, result)


def test_results_and_warnings_of_the_built_graph_are_kept_or_redone(
    tmp_path: Path, shapes: LoadedFile
) -> None:
    """A graph with violations of every kind: results of untouched nodes come from the index,
    a contribution that fixes one removes it, one that adds another reports both."""
    path = tmp_path / "violations.nq"
    violations.write(10_000, path)
    base = nquads(path)
    indexed(base, shapes, tmp_path / "index")
    fixes = (
        f"<{CPR}holding-incomplete> <http://www.w3.org/ns/org#member> <{CPR}person-000000-0> .\n"
        f"<{CPR}holding-incomplete> <{CPKG}post> <{CPR}post-000000-0> .\n"
        f"<{CPR}inspection-000001> <{CPKG}partOfProgramme> <{CPR}programme-empty> .\n"
    )
    added = ntriples(fixes + "".join(contribution.contribution()))
    result = incremental(tmp_path / "index", added, shapes)
    assert_same_as_full(base, added, shapes, result)


def test_an_index_from_other_files_or_shapes_is_not_used(
    synthetic: tuple[LoadedFile, Path],
) -> None:
    _, directory = synthetic
    with pytest.raises(IndexUnusable, match="files changed"):
        open_index(directory, fingerprint="other", shapes_sha256="shapes")
    with pytest.raises(IndexUnusable, match="shapes changed"):
        open_index(directory, fingerprint="files", shapes_sha256="other")
    with pytest.raises(IndexUnusable, match="no usable"):
        open_index(directory.parent / "absent", fingerprint="files", shapes_sha256="shapes")


def test_the_index_is_not_modified_by_a_validation(
    synthetic: tuple[LoadedFile, Path], shapes: LoadedFile
) -> None:
    _, directory = synthetic
    store = directory / index_module.STORE
    before = {p.name: p.stat().st_mtime_ns for p in store.iterdir()}
    incremental(directory, ntriples("".join(contribution.contribution())), shapes)
    assert {p.name: p.stat().st_mtime_ns for p in store.iterdir()} == before


def test_a_contribution_the_store_would_merge_is_refused(
    synthetic: tuple[LoadedFile, Path], shapes: LoadedFile
) -> None:
    """The graph holds 5^^xsd:nonNegativeInteger sample sizes; "05" would merge with one."""
    _, directory = synthetic
    sample = next(
        q.object
        for q in ox.parse(path=directory.parent / "data-10k.nq", format=ox.RdfFormat.N_QUADS)
        if q.predicate.value == f"{CPKG}sampleSize"
    )
    assert isinstance(sample, ox.Literal)
    odd = f'<{CPR}x> <{CPKG}sampleSize> "0{sample.value}"^^<{sample.datatype.value}> .\n'
    with pytest.raises(Unfaithful):
        incremental(directory, ntriples(odd), shapes)
