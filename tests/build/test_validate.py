"""validate (service/build/validate.py): a contribution checked together with the project graph."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from build_project import make_project

from service.build.dataset import build_dataset
from service.build.validate import PROJECT_GRAPH, validate
from service.config import Settings
from service.errors import ConfigError, ParseError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "build"
CONTRIB = FIXTURE / "contribution"


def settings_for(root: Path) -> Settings:
    return Settings(
        sources_dir=root / "sources",
        ontology_dir=root / "ontology",
        graph_dir=root / "graph",
        output_dir=root / "out",
    )


def test_contribution_referring_to_project_resources_conforms() -> None:
    report = validate([CONTRIB / "good.ttl"], settings_for(FIXTURE))
    assert report.conforms, report.to_text()
    assert (report.quotes.verified, report.quotes.total) == (1, 1), "only the contribution's quotes"


def test_json_ld_contribution_is_read_by_extension() -> None:
    report = validate([CONTRIB / "good.jsonld"], settings_for(FIXTURE))
    assert report.conforms, report.to_text()
    assert report.quotes.verified == 1


def test_nonconforming_contribution_reports_focus_path_message_and_file() -> None:
    bad = CONTRIB / "bad.ttl"
    report = validate([CONTRIB / "good.ttl", bad], settings_for(FIXTURE))
    assert not report.conforms
    [violation] = report.violations
    assert violation.focus_node == "cpr:finding-d"
    assert violation.path == "cpkg:count"
    assert violation.message == "a finding needs one integer cpkg:count"
    assert violation.component == "sh:MinCountConstraintComponent"
    assert violation.severity == "Violation"
    assert violation.file == str(bad)
    [failure] = report.quotes.failures
    assert failure.claim == "cpr:finding-d" and failure.file == str(bad)
    assert failure.nearest is not None and "41 cases were reviewed" in failure.nearest
    text = report.to_text()
    for part in ("cpr:finding-d", "cpkg:count", "a finding needs one integer", str(bad)):
        assert part in text
    data = json.loads(report.to_json())
    assert data["conforms"] is False and data["results"][0]["focus_node"] == "cpr:finding-d"


def test_contribution_is_audited_on_its_own_assertions(tmp_path: Path) -> None:
    contribution = tmp_path / "recurs.ttl"
    contribution.write_text(
        (CONTRIB / "good.ttl")
        .read_text(encoding="utf-8")
        .replace("cpkg:count 41 ;", "cpkg:count 41 ;\n    cpkg:recursIn cpr:finding-a ;"),
        encoding="utf-8",
    )
    report = validate([contribution], settings_for(FIXTURE))
    assert report.shacl_conforms and report.quotes.ok and not report.conforms
    [problem] = report.audit.problems  # the project graph's own assertions are not reported
    assert (problem.kind, problem.subject, problem.predicate, problem.file) == (
        "unexplained",
        "cpr:finding-c",
        "cpkg:recursIn",
        str(contribution),
    )
    assert json.loads(report.to_json())["assertions"]["unexplained"] == 1


def test_results_in_the_project_graph_are_labelled_as_such(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    findings = root / "graph" / "findings.ttl"
    findings.write_text(
        findings.read_text(encoding="utf-8").replace("cpkg:count 40 ;", ""), encoding="utf-8"
    )
    report = validate([CONTRIB / "good.ttl"], settings_for(root))
    assert [(v.focus_node, v.file) for v in report.violations] == [("cpr:finding-b", PROJECT_GRAPH)]


def test_blank_node_focus_is_described_by_what_points_at_it(tmp_path: Path) -> None:
    contribution = tmp_path / "no-source.ttl"
    contribution.write_text(
        (CONTRIB / "good.ttl")
        .read_text(encoding="utf-8")
        .replace("oa:hasSource cpr:source-b ;", ""),
        encoding="utf-8",
    )
    report = validate([contribution], settings_for(FIXTURE))
    [violation] = report.violations
    assert violation.focus_node.startswith("_:")
    assert "object of cpr:finding-c cpkg:evidence" in violation.focus_node
    assert violation.path == "oa:hasSource"
    assert violation.file == str(contribution)


def test_malformed_contribution_is_a_parse_error_with_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix cpr: <https://w3id.org/cpkg/id/> .\ncpr:a cpr:b .\n", "utf-8")
    with pytest.raises(ParseError) as exc:
        validate([broken], settings_for(FIXTURE))
    assert exc.value.line == 2 and str(broken) in str(exc.value)


def test_missing_and_unknown_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        validate([tmp_path / "absent.ttl"], settings_for(FIXTURE))
    odd = tmp_path / "data.csv"
    odd.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown RDF file extension"):
        validate([odd], settings_for(FIXTURE))


def test_each_problem_of_a_contribution_has_its_line_and_what_to_change() -> None:
    bad = CONTRIB / "bad.ttl"
    report = validate([bad], settings_for(FIXTURE))
    [violation] = report.violations
    assert violation.line == 6, "the line of cpr:finding-d, where cpkg:count is to be added"
    assert violation.fix == "add cpkg:count to cpr:finding-d: a literal of type xsd:integer"
    assert f"[{bad}:6]" in violation.format() and "fix:        add cpkg:count" in report.to_text()
    [failure] = report.quotes.failures
    assert failure.line == 8 and failure.message().startswith(f"{bad}:8: cpr:finding-d")


def test_a_project_file_validated_as_a_contribution_is_read_once(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    report = validate([root / "graph" / "findings.ttl"], settings_for(root))
    assert report.conforms, report.to_text()
    assert report.quotes.total == 5, "its quotes are the contribution's"


def test_a_quote_not_found_says_how_to_find_the_passage() -> None:
    [failure] = validate([CONTRIB / "bad.ttl"], settings_for(FIXTURE)).quotes.failures
    assert '`cpkg quote cpr:source-b "42 cases were reviewed"`' in failure.message()


def test_a_contribution_is_checked_against_the_build_incrementally(tmp_path: Path) -> None:
    """After `cpkg build`, validate uses the build's index; the report is the same as a full
    validation's, and an edit to the project's files makes it validate everything again."""
    settings = make_project(tmp_path)
    build_dataset(settings)
    files = [CONTRIB / "good.ttl", CONTRIB / "bad.ttl"]
    incremental = validate(files, settings)
    assert incremental.mode == "incremental"
    shutil.rmtree(settings.output_dir / "shacl-index")
    full = validate(files, settings)
    assert full.mode.startswith("full")
    assert incremental.results == full.results and not incremental.conforms
    assert json.loads(incremental.to_json())["shacl_mode"] == "incremental"

    build_dataset(settings)
    findings = settings.graph_dir / "findings.ttl"
    findings.write_text(findings.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stale = validate(files, settings)
    assert stale.mode == "full (the project's files changed since the dataset was built)"
    assert stale.results == full.results


def test_an_unreadable_index_means_a_full_validation(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    build_dataset(settings)
    shutil.rmtree(settings.output_dir / "shacl-index" / "store")
    report = validate([CONTRIB / "good.ttl"], settings)
    assert report.mode.startswith("full (the validation index cannot be read")
    assert report.conforms, report.to_text()
