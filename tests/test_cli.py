"""The `cpkg` console script (service/cli.py): output and exit codes 0 / 1 / 2, run for real."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from contrib_project import copy_project

from service import cli

pytestmark = pytest.mark.cli  # runs the cpkg command in a subprocess (not in make test-fast)

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "build"
CONTRIB = FIXTURE / "contribution"


def run(args: list[str], project: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CPKG_SOURCES_DIR": str(project / "sources"),
        "CPKG_ONTOLOGY_DIR": str(project / "ontology"),
        "CPKG_GRAPH_DIR": str(project / "graph"),
        "CPKG_OUTPUT_DIR": str(project / "out"),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    return root


def test_build_ok_prints_summary_and_exits_0(project: Path) -> None:
    result = run(["build"], project)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "triples" in out and "quotes verified 5/5" in out and "conflicts: 1" in out
    assert "cpkg:Claim 3" in out and "claims: 8" in out
    assert "assertions: 12 (evidenced 3, editorial 8, claims 1: inferred 1" in out
    assert "unexplained 0, over-claimed 0" in out
    assert (project / "out" / "dataset.trig").is_file()


def test_build_output_option(project: Path, tmp_path: Path) -> None:
    result = run(["build", "--output", str(tmp_path / "elsewhere")], project)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere" / "stats.json").is_file()


def test_build_nonconforming_exits_1_without_traceback(project: Path) -> None:
    findings = project / "graph" / "findings.ttl"
    findings.write_text(
        findings.read_text(encoding="utf-8").replace("Constabel welcomed", "Constable welcomed"),
        encoding="utf-8",
    )
    result = run(["build"], project)
    assert result.returncode == 1
    assert "cpr:mention-constabel" in result.stderr and "report-b.txt" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "out").exists()


def test_build_with_an_unexplained_assertion_exits_1_naming_it(project: Path) -> None:
    findings = project / "graph" / "findings.ttl"
    findings.write_text(
        findings.read_text(encoding="utf-8").replace(
            "cpkg:count 40 ;", "cpkg:count 40 ;\n    cpkg:recursIn cpr:finding-a ;"
        ),
        encoding="utf-8",
    )
    result = run(["build"], project)
    assert result.returncode == 1
    assert "unexplained: cpr:finding-b cpkg:recursIn cpr:finding-a" in result.stderr
    assert "graph/findings.ttl:" in result.stderr and "Traceback" not in result.stderr
    assert not (project / "out").exists()


def test_build_missing_sources_exits_2(project: Path, tmp_path: Path) -> None:
    result = run(["build", "--sources", str(tmp_path / "missing")], project)
    assert result.returncode == 2
    assert "CPKG_SOURCES_DIR=/path/to/sources" in result.stderr
    assert "Traceback" not in result.stderr


def test_build_malformed_turtle_exits_2(project: Path) -> None:
    (project / "graph" / "bad.ttl").write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    result = run(["build"], project)
    assert result.returncode == 2
    assert "bad.ttl:1:" in result.stderr and "Traceback" not in result.stderr


def test_validate_exit_codes(project: Path, tmp_path: Path) -> None:
    good = run(["validate", str(CONTRIB / "good.ttl")], project)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith("Conforms")

    bad = run(["validate", str(CONTRIB / "bad.ttl")], project)
    assert bad.returncode == 1
    for part in ("cpr:finding-d", "cpkg:count", "a finding needs one integer", "bad.ttl"):
        assert part in bad.stdout

    as_json = run(["validate", "--format", "json", str(CONTRIB / "bad.ttl")], project)
    assert as_json.returncode == 1 and '"conforms": false' in as_json.stdout

    missing = run(["validate", str(tmp_path / "nope.ttl")], project)
    assert missing.returncode == 2 and "no such file" in missing.stderr

    (tmp_path / "broken.ttl").write_text("<urn:a> <urn:b>\n", encoding="utf-8")
    broken = run(["validate", str(tmp_path / "broken.ttl")], project)
    assert broken.returncode == 2 and "broken.ttl:" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_serve_without_server_module_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "service.server", None)  # makes the import fail
    assert cli.main(["serve"]) == 2
    assert "not available" in capsys.readouterr().err


def test_serve_calls_server_serve_with_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, ...]] = []
    fake = type(sys)("service.server")
    fake.serve = lambda *args: calls.append(args)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "service.server", fake)
    args = ["serve", "--port", "9999", "--workers", "3", "--data", "a.ttl", "--store-path", "st"]
    assert cli.main(args) == 0
    [(settings, host, port, workers, data)] = calls
    assert (host, port, workers, data) == ("127.0.0.1", 9999, 3, [Path("a.ttl")])
    assert settings.store_path == Path("st")  # type: ignore[attr-defined]


def test_quote_exit_codes_and_output(project: Path) -> None:
    found = run(["quote", "cpr:source-a", 'judged 12 of them "INADEQUATE".'], project)
    assert found.returncode == 0, found.stdout + found.stderr
    assert 'oa:exact "judged 12 of them “inadequate”."' in found.stdout
    assert "oa:hasSource cpr:source-a" in found.stdout and "line 1, characters" in found.stdout

    several = run(["quote", "report-a.txt", "reviewed 40 cases"], project)
    assert several.returncode == 1 and "2 passages match" in several.stdout

    chosen = run(["quote", "report-a.txt", "reviewed 40 cases", "--match", "2"], project)
    assert chosen.returncode == 0
    assert 'oa:prefix "would improve.\\nThe inspectors "' in chosen.stdout

    unknown = run(["quote", "cpr:source-z", "anything"], project)
    assert unknown.returncode == 2 and "cpr:source-a (report-a.txt)" in unknown.stderr
    bad = run(["quote", "cpr:source-a", "cases", "--supports", "count"], project)
    assert bad.returncode == 2 and "prefixed names" in bad.stderr


def test_source_add_exit_codes(tmp_path: Path) -> None:
    project = copy_project(tmp_path).graph_dir.parent
    text = tmp_path / "review.txt"
    text.write_text("Review of the Met\n\nThe force was reviewed on 3 June 2024.\n", "utf-8")
    args = ["source", "add", str(text), "--title", "Review of the Met", "--kind", "news"]
    added = run([*args, "--date", "2024-06-03"], project)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("Registered cpr:source-005 (005_")
    assert "date: stated by the text (line 3" in added.stdout
    again = run(args, project)
    assert again.returncode == 2 and "already registered: cpr:source-005" in again.stderr
    bad = run([*args[:3], "--title", "T", "--kind", "podcast"], project)
    assert bad.returncode == 2 and "inspectorate-report" in bad.stderr
    usage = run(["source", "add", str(text)], project)
    assert usage.returncode == 2 and "--title" in usage.stderr


def test_new_writes_a_skeleton_that_validate_refuses_until_filled_in(tmp_path: Path) -> None:
    project = copy_project(tmp_path).graph_dir.parent
    made = run(["new", "event", "Review published", "--id", "2024-review"], project)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Wrote cpr:event-2024-review (cpkg:Event) at ")
    findings = project / "graph" / "events.ttl"
    checked = run(["validate", str(findings)], project)
    assert checked.returncode == 1
    assert (
        f"{findings}:" in checked.stdout and "unfinished: cpr:event-2024-review" in checked.stdout
    )
    again = run(["new", "event", "Review published", "--id", "2024-review"], project)
    assert again.returncode == 2 and "already exists" in again.stderr
    usage = run(["new", "person", "Someone"], project)
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
