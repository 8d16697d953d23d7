"""Source documents and quote verification (service/build/sources.py) on tests/fixtures/build."""

from __future__ import annotations

from pathlib import Path

import pytest
from build_project import make_project

from service.build.loading import load_project, to_store
from service.build.sources import (
    QuoteReport,
    load_sources,
    nearest_passage,
    nearest_passages,
    resolve_sources_dir,
    verify_quotes,
)
from service.config import Settings
from service.errors import SourceError


def check(settings: Settings) -> QuoteReport:
    files = load_project(settings)
    store = to_store(files)
    sources = load_sources(store, settings)
    return verify_quotes(store, sources, {str(f.graph.value): f.label for f in files})


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_all_fixture_quotes_verified_including_curly_quotes_and_double_spaces(
    tmp_path: Path,
) -> None:
    report = check(make_project(tmp_path))
    assert report.failures == []
    assert (report.verified, report.total) == (5, 5)


def test_quote_not_found_names_claim_file_source_quote_and_nearest_passage(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    # straight quotes instead of the source's curly ones: the commonest transcription mistake
    edit(settings.graph_dir / "findings.ttl", "“inadequate”", '\\"inadequate\\"')
    edit(settings.graph_dir / "findings.ttl", "The Chief Constabel", "The Chief Constable")
    report = check(settings)
    assert report.total == 5 and report.verified == 3
    assert len(report.failures) == 2, "all failures are collected, not only the first"
    by_claim = {f.claim: f for f in report.failures}
    failure = by_claim["cpr:finding-a"]
    assert failure.file.endswith("graph/findings.ttl")
    assert failure.source_iri == "cpr:source-a" and failure.source_file == "report-a.txt"
    assert '"inadequate"' in failure.quote
    assert failure.nearest is not None and "“inadequate”" in failure.nearest
    message = failure.message()
    for part in ("cpr:finding-a", "findings.ttl", "cpr:source-a", "report-a.txt", "not found"):
        assert part in message
    assert "cpr:mention-constabel" in by_claim


def test_prefix_and_suffix_must_match_around_the_quote(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    edit(settings.graph_dir / "findings.ttl", 'oa:suffix " again later"', 'oa:suffix " and"')
    edit(settings.graph_dir / "findings.ttl", 'oa:prefix "The inspectors "', 'oa:prefix "Two "')
    report = check(settings)
    assert [f.claim for f in report.failures] == ["cpr:finding-b"]
    assert "oa:prefix" in report.failures[0].problem


def test_suffix_alone_selects_an_occurrence(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    edit(settings.graph_dir / "findings.ttl", 'oa:prefix "The inspectors " ;', "")
    edit(settings.graph_dir / "findings.ttl", 'oa:suffix " again later"', 'oa:suffix " and judged"')
    assert check(settings).failures == []


def test_sha256_mismatch_is_a_source_error(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    with (settings.sources_dir / "report-b.txt").open("a", encoding="utf-8") as fh:
        fh.write("edited\n")
    with pytest.raises(SourceError) as exc:
        check(settings)
    message = str(exc.value)
    assert "cpr:source-b" in message and "SHA-256" in message and "report-b.txt" in message


def test_missing_source_file_is_a_source_error(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    (settings.sources_dir / "report-a.txt").unlink()
    with pytest.raises(SourceError, match="report-a.txt.*not found"):
        check(settings)


def test_missing_sources_dir_says_where_it_looked_and_how_to_fix(tmp_path: Path) -> None:
    settings = Settings(sources_dir=tmp_path / "nowhere")
    with pytest.raises(SourceError) as exc:
        resolve_sources_dir(settings)
    message = str(exc.value)
    assert str(tmp_path / "nowhere") in message
    assert "CPKG_SOURCES_DIR=/path/to/sources" in message and "--sources DIR" in message


def test_nearest_passage_finds_the_similar_text() -> None:
    text = "Alpha beta gamma. The force failed 36 of the 38 children. Delta epsilon."
    assert nearest_passage(text, "the force failed 38 of the 36 children").startswith("The force")


def test_position_selector_offsets_must_frame_the_quote(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    text = (settings.sources_dir / "report-a.txt").read_text(encoding="utf-8")
    at = text.index("reviewed 40 cases again")
    selector = 'oa:prefix "The inspectors " ; oa:exact "reviewed 40 cases"'
    framed = f"{selector} ; oa:start {at} ; oa:end {at + 17}"
    edit(settings.graph_dir / "findings.ttl", selector, framed)
    assert check(settings).failures == [], "offsets of the occurrence prefix/suffix pick"
    edit(settings.graph_dir / "findings.ttl", f"oa:start {at} ;", f"oa:start {at + 1} ;")
    [failure] = check(settings).failures
    assert failure.claim == "cpr:finding-b" and f"oa:start {at + 1}" in failure.problem
    assert f"the quote is at oa:start {at} ; oa:end {at + 17}" in failure.problem


def test_nearest_passages_are_ranked_and_do_not_overlap() -> None:
    text = "The force failed 36 children. Nothing else. The force failed 38 of the 40 children."
    found = nearest_passages(text, "the force failed 38 of the 40 children", 2)
    assert [text[a:b] for _, a, b in found][0] == "The force failed 38 of the 40 children."
    assert found[0][0] > found[1][0] and found[1][2] <= found[0][1]
