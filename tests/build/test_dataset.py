"""build_dataset (service/build/dataset.py): parse per file, validate, verify quotes, write."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from build_project import make_project

from service.build.dataset import DATASET_FILES, BuildFailed, build_dataset
from service.config import Settings
from service.errors import ParseError, SourceError
from service.vocab import GRAPH

CPKG = "https://w3id.org/cpkg/def#"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under the directory (the validation index is a directory) and its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


EXPECTED_GRAPHS = {
    f"{GRAPH}ontology-cpkg",
    f"{GRAPH}ontology-concepts",
    f"{GRAPH}ontology-shapes",
    f"{GRAPH}sources",
    f"{GRAPH}findings",
    f"{GRAPH}quote-context",  # generated: offsets, prefix and suffix of every quote
}


def test_build_writes_one_named_graph_per_file(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    report = build_dataset(settings)
    out = settings.output_dir
    assert sorted(p.name for p in out.iterdir()) == sorted(DATASET_FILES)
    for name, fmt in (("dataset.trig", ox.RdfFormat.TRIG), ("dataset.nq", ox.RdfFormat.N_QUADS)):
        quads = list(ox.parse(path=out / name, format=fmt))
        assert {q.graph_name.value for q in quads} == EXPECTED_GRAPHS, name
        assert len(quads) == sum(report.stats["triples_per_graph"].values())
    merged = list(ox.parse(path=out / "dataset.ttl", format=ox.RdfFormat.TURTLE))
    assert len(merged) == report.stats["total_triples"]
    # graph/queries/ holds a file that is not Turtle: it must have been skipped
    assert not any("queries" in f for f in report.files)


def test_stats_counts(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    build_dataset(settings)
    stats = json.loads((settings.output_dir / "stats.json").read_text(encoding="utf-8"))
    assert stats["triples_per_graph"][f"{GRAPH}sources"] == 8
    assert stats["total_triples"] == sum(stats["triples_per_graph"].values())
    classes = stats["instances_per_class"]
    assert classes[CPKG + "Claim"] == 3
    assert classes[CPKG + "InspectionFinding"] == 1 and classes[CPKG + "Finding"] == 1
    assert classes[CPKG + "SourceDocument"] == 2
    assert not any(c.startswith("http://www.w3.org/2002/07/owl#") for c in classes)
    assert stats["evidence_nodes"] == 5
    assert stats["quotes_checked"] == stats["verified_quotes"] == 5
    # finding-a: count; finding-b: count; the two Stated claims: total; mention: writtenAs
    # (+ 3 reified cpkg:Claim)
    assert stats["claims"] == {"supported_pairs": 5, "reified": 3, "total": 8}
    # evidenced: the two counts and the name as written; a claim: finding-a's total (inferred);
    # editorial: 5 types, 2 titles and whether the name is misspelt
    assert stats["assertions"] == {
        "total": 12,
        "evidenced": 3,
        "editorial": 8,
        "claims": {"total": 1, "inferred": 1, "background_knowledge": 0},
        "unexplained": 0,
        "over_claimed": 0,
        "support_record_triples": stats["assertions"]["support_record_triples"],
    }
    assert stats["assertions"]["support_record_triples"] > 0
    assert stats["conflicts"] == 1
    assert stats["inferred_claims"] == 1
    assert stats["name_mentions"] == 1
    assert stats["sources"][str(ox.NamedNode("https://w3id.org/cpkg/id/source-a").value)] == {
        "file": "report-a.txt",
        "sha256": "d1c00f168f524ac2917b166a7726878e8bfeb85f1f7b5675b1d2ee7f1459980b",
    }
    assert len(stats["dataset_sha256"]) == 64
    assert stats["build_validate_seconds"] > 0


def test_build_is_reproducible(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    first = build_dataset(settings).stats["dataset_sha256"]
    assert build_dataset(settings).stats["dataset_sha256"] == first


def test_subclass_instances_are_validated_and_sparql_constraints_run(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    # finding-a is a cpkg:InspectionFinding; the shape targets cpkg:Finding (rdfs:subClassOf)
    edit(settings.graph_dir / "findings.ttl", "cpkg:count 12 ;", "cpkg:count 50 ;")
    with pytest.raises(BuildFailed) as exc:
        build_dataset(settings)
    [violation] = exc.value.report.violations
    assert violation.focus_node == "cpr:finding-a"
    assert violation.component == "sh:SPARQLConstraintComponent"
    assert violation.file.endswith("graph/findings.ttl")


def test_failure_leaves_previous_dataset_intact(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    build_dataset(settings)
    before = snapshot(settings.output_dir)
    edit(settings.graph_dir / "findings.ttl", "“inadequate”", "'inadequate'")
    edit(settings.graph_dir / "findings.ttl", "cpkg:count 40 ;", 'cpkg:count "forty" ;')
    with pytest.raises(BuildFailed) as exc:
        build_dataset(settings)
    report = exc.value.report
    assert len(report.quotes.failures) == 1 and len(report.violations) == 1
    assert "cpr:finding-a" in str(exc.value) and "cpr:finding-b" in str(exc.value)
    assert snapshot(settings.output_dir) == before
    leftovers = [p.name for p in settings.output_dir.parent.iterdir() if p.name != "dataset"]
    assert leftovers == [], "no temporary directories left behind"


def test_unexplained_and_over_claimed_assertions_stop_the_build(tmp_path: Path) -> None:
    """The support audit: a link no quote or claim explains, and a figure its quote lacks."""
    settings = make_project(tmp_path)
    findings = settings.graph_dir / "findings.ttl"
    edit(findings, "cpkg:count 40 ;", "cpkg:count 41 ;\n    cpkg:recursIn cpr:finding-a ;")
    with pytest.raises(BuildFailed) as exc:
        build_dataset(settings)
    audit = exc.value.report.audit
    assert [(p.kind, p.subject, p.predicate, p.value) for p in audit.problems] == [
        ("over-claimed", "cpr:finding-b", "cpkg:count", "'41'^^xsd:integer"),
        ("unexplained", "cpr:finding-b", "cpkg:recursIn", "cpr:finding-a"),
    ]
    lines = findings.read_text(encoding="utf-8").splitlines()
    for problem, text in zip(audit.problems, ("cpkg:count 41", "cpkg:recursIn"), strict=True):
        assert problem.file.endswith("graph/findings.ttl")
        assert problem.line is not None and text in lines[problem.line - 1]
    assert "holds 41" in str(exc.value) and "cpkg:EditorialProperty" in str(exc.value)
    assert not settings.output_dir.exists()


def test_malformed_turtle_names_file_line_and_column(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    (settings.graph_dir / "broken.ttl").write_text(
        '@prefix cpr: <https://w3id.org/cpkg/id/> .\n\ncpr:a cpr:b cpr:c ;\n    cpr:d "open .\n',
        encoding="utf-8",
    )
    with pytest.raises(ParseError) as exc:
        build_dataset(settings)
    assert exc.value.path is not None and exc.value.path.endswith("broken.ttl")
    assert exc.value.line == 4
    assert str(exc.value).startswith(f"{exc.value.path}:4:")
    assert not settings.output_dir.exists()


def test_sha_mismatch_stops_the_build(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    edit(settings.sources_dir / "report-b.txt", "41 cases", "42 cases")
    with pytest.raises(SourceError, match="SHA-256"):
        build_dataset(settings)
    assert not settings.output_dir.exists()


def test_real_project_builds_and_every_quote_is_verified(tmp_path: Path) -> None:
    """The project's own graph, with default settings: conforms, 100% of quotes verified."""
    import dataclasses

    settings = dataclasses.replace(Settings.from_env(), output_dir=tmp_path / "dataset")
    report = build_dataset(settings)
    assert report.validation.conforms
    assert report.stats["quotes_checked"] > 0
    assert report.stats["verified_quotes"] == report.stats["quotes_checked"]
