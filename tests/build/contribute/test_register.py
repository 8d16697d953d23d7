"""`cpkg source add` (service/build/contribute/register.py) on a copy of the project."""

from __future__ import annotations

import difflib
import hashlib
import os
from pathlib import Path

import pytest
from contrib_project import copy_project

from service.build.contribute.register import Metadata, register
from service.build.dataset import build_dataset
from service.build.loading import load_project, to_store
from service.build.sources import load_sources
from service.config import Settings
from service.errors import ConfigError, ParseError, SourceError

TEXT = """Met still failing children, review finds

Published 2 May 2024

A review of the Metropolitan Police found children charged late at night were still kept in
custody overnight.
"""
META = Metadata(
    title="Met still failing children, review finds",
    kind="news",
    publisher="Switalskis",
    date="2024-05-02",
    url="https://example.org/met-review",
)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return copy_project(tmp_path)


def new_text(tmp_path: Path, text: str = TEXT) -> Path:
    path = tmp_path / "review.txt"
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(settings: Settings) -> dict[str, bytes]:
    paths = [*settings.graph_dir.glob("*.ttl"), *settings.sources_dir.iterdir()]
    return {p.name: p.read_bytes() for p in paths}


def test_registering_copies_the_text_and_appends_a_block_that_builds(
    settings: Settings, tmp_path: Path
) -> None:
    before = (settings.graph_dir / "sources.ttl").read_text(encoding="utf-8")
    done = register(settings, new_text(tmp_path), META)
    sha = hashlib.sha256(TEXT.encode()).hexdigest()
    assert done.iri == "https://w3id.org/cpkg/id/source-005"
    assert done.file_name == f"005_{sha[:16]}.txt" and done.sha256 == sha
    assert (settings.sources_dir / done.file_name).read_text(encoding="utf-8") == TEXT
    after = (settings.graph_dir / "sources.ttl").read_text(encoding="utf-8")
    removed = [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[0] == "-"]
    assert removed == [], "nothing already there is rewritten"
    assert "\n@prefix schema:  <https://schema.org/> .\n" in after  # declared once, aligned
    assert "# 005 — Met still failing children, review finds\n" in after
    assert done.added is not None
    assert after.splitlines()[done.added.line - 1] == "cpr:source-005 a cpkg:SourceDocument ;"
    for part in (
        'dcterms:title "Met still failing children, review finds"',
        'oa:exact "2 May 2024"',
        "cpkg:supports dcterms:date ]",
        "cpkg:documentType cpkg:NewsArticle",
        "dcterms:publisher cpr:org-switalskis",
        "rdf:predicate schema:url ; rdf:object <https://example.org/met-review>",
        "dcterms:source <https://example.org/met-review>",
    ):
        assert part in after, part
    report = build_dataset(settings)  # SHACL, quotes (with their offsets) and the audit pass
    assert report.validation.conforms and report.stats["quotes_checked"] > 600
    assert load_sources(to_store(load_project(settings)), settings)[done.iri].text == TEXT


def test_a_date_the_text_does_not_state_without_url_is_an_inferred_claim_to_finish(
    settings: Settings, tmp_path: Path
) -> None:
    meta = Metadata(title="A title the text lacks", date="2024-06")
    done = register(settings, new_text(tmp_path), meta)
    text = (settings.graph_dir / "sources.ttl").read_text(encoding="utf-8")
    assert 'rdfs:label "A title the text lacks"@en' in text and "dcterms:title" not in text[-900:]
    assert 'dcterms:date "2024-06"^^xsd:gYearMonth' in text
    assert 'cpkg:epistemicStatus cpkg:Inferred ;\n    cpkg:reasoning "TODO: why source 005' in text
    assert any("inferred claim" in note for note in done.notes)


def test_a_text_in_the_sources_directory_keeps_its_name(settings: Settings) -> None:
    path = settings.sources_dir / "my-report.txt"
    path.write_text(TEXT, encoding="utf-8")
    done = register(settings, path, Metadata(title="Mine"))
    assert done.file_name == "my-report.txt" and done.copied_to is None


def test_a_duplicate_or_a_changed_file_is_refused_and_nothing_written(
    settings: Settings, tmp_path: Path
) -> None:
    existing = settings.sources_dir / "001_ac249e2c2bc6e9bf.txt"
    copy = tmp_path / "again.txt"
    copy.write_bytes(existing.read_bytes())
    before = snapshot(settings)
    with pytest.raises(SourceError, match="already registered: cpr:source-001"):
        register(settings, copy, Metadata(title="Again"))
    with existing.open("a", encoding="utf-8") as fh:
        fh.write("An edit.\n")
    changed = snapshot(settings)
    with pytest.raises(SourceError, match="has changed since it was registered as cpr:source-001"):
        register(settings, existing, Metadata(title="Edited"))
    assert snapshot(settings) == changed and set(changed) == set(before)


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        (Metadata(title="T", kind="blog"), "news, "),
        (Metadata(title="T", publisher="Switalski"), "Did you mean 'Switalskis'"),
        (Metadata(title="T", date="2 May 2024"), "YYYY-MM-DD"),
        (Metadata(title="T", date="2024-13-01"), "YYYY-MM-DD"),
        (Metadata(title="T", url="example.org/x"), "http"),
        (Metadata(title="  "), "--title"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(
    settings: Settings, tmp_path: Path, meta: Metadata, message: str
) -> None:
    before = snapshot(settings)
    with pytest.raises(ConfigError, match=message):
        register(settings, new_text(tmp_path), meta)
    assert snapshot(settings) == before


def test_unreadable_inputs_and_a_broken_graph_write_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(SourceError, match="no such file"):
        register(settings, tmp_path / "missing.txt", META)
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-\xff\xfe")
    with pytest.raises(SourceError, match="not UTF-8 text"):
        register(settings, binary, META)
    sources_ttl = settings.graph_dir / "sources.ttl"
    sources_ttl.write_text(sources_ttl.read_text(encoding="utf-8") + "cpr:x cpkg:y\n", "utf-8")
    before = snapshot(settings)
    with pytest.raises(ParseError, match="sources.ttl"):
        register(settings, new_text(tmp_path), META)
    assert snapshot(settings) == before


def test_a_read_only_sources_directory_is_respected(settings: Settings, tmp_path: Path) -> None:
    before = snapshot(settings)
    os.chmod(settings.sources_dir, 0o555)
    try:
        with pytest.raises(SourceError, match="read-only.*CPKG_SOURCES_DIR"):
            register(settings, new_text(tmp_path), META)
    finally:
        os.chmod(settings.sources_dir, 0o755)
    assert snapshot(settings) == before
