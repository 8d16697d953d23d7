"""`cpkg new` (service/build/contribute/skeletons.py): skeletons from the shapes, on a copy of
the project; `cpkg validate` reports their TODO markers until they are replaced."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from contrib_project import copy_project

from service.build.contribute.quoting import QuoteNotFound
from service.build.contribute.register import Metadata, register
from service.build.contribute.skeletons import KINDS, Request, new
from service.build.validate import validate
from service.config import Settings
from service.errors import ConfigError

TEXT = """Review of the Met

Inspectors found that children charged late at night were still kept in custody overnight.
The force said it was “working hard” to find other accommodation.
"""


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    settings = copy_project(tmp_path)
    text = tmp_path / "review.txt"
    text.write_text(TEXT, encoding="utf-8")
    register(settings, text, Metadata(title="Review of the Met", kind="news"))
    return settings


def test_a_finding_skeleton_with_anchored_evidence_and_markers_validate_reports(
    settings: Settings,
) -> None:
    findings = settings.graph_dir / "findings.ttl"
    before = findings.read_text(encoding="utf-8")
    request = Request(
        "finding", "Children still kept in custody overnight", local="2024-custody-overnight",
        source="005", quotes=["children charged late at night were still kept in custody"],
    )  # fmt: skip
    created = new(settings, request)
    after = findings.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n")) and "# 005 — Review of the Met\n" in after
    assert created.iri == "https://w3id.org/cpkg/id/finding-2024-custody-overnight"
    assert created.required == ["rdfs:label", "cpkg:inspection", "cpkg:evidence"]
    assert created.markers == 2 and created.added.path == findings
    assert 'oa:exact "children charged late at night were still kept in custody"' in after
    report = validate([findings], settings)
    assert report.results == [], "SHACL results about the markers are left to the audit"
    unfinished = [(p.line or 0, p.value) for p in report.audit.problems if p.kind == "unfinished"]
    lines = after.splitlines()
    assert [(lines[n - 1].split()[1], v) for n, v in unfinished] == [
        ("cpr:TODO-inspection", "cpr:TODO-inspection"),
        ("cpr:TODO-supports", "cpr:TODO-supports"),
    ]
    findings.write_text(
        after.replace("cpr:TODO-inspection", "cpr:inspection-2023-met").replace(
            "cpr:TODO-supports", "rdfs:label, cpkg:inspection"
        ),
        encoding="utf-8",
    )
    assert validate([findings], settings).conforms


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_gets_each_property_its_shapes_require(settings: Settings, kind: str) -> None:
    created = new(settings, Request(kind, f"A new {kind}", file=settings.graph_dir / "new.ttl"))
    text = (settings.graph_dir / "new.ttl").read_text(encoding="utf-8")
    parsed = list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))
    properties = {q.predicate.value for q in parsed if q.subject == ox.NamedNode(created.iri)}
    assert created.required and len(properties) >= len(created.required)
    for name in created.required:
        assert f"\n    {name} " in text, name
    assert created.markers >= 1 and "TODO" in text


def test_markers_take_the_form_of_their_values(settings: Settings) -> None:
    block = new(settings, Request("event", "An event")).block
    assert "cpkg:eventType cpr:TODO-eventtype ;" in block
    assert "Expected: a concept of cpkg:EventTypeScheme: cpkg:Appointment" in block
    block = new(settings, Request("conflict", "A conflict")).block
    assert "cpkg:conflictingClaim cpr:TODO-conflictingclaim-1, cpr:TODO-conflictingclaim-2" in block
    assert 'dcterms:description "TODO: dcterms:description"' in block
    block = new(settings, Request("statement", "A statement", source="005")).block
    assert 'cpkg:words "TODO: cpkg:words"' in block
    assert "cpkg:evidence cpr:TODO-evidence .  # run `cpkg quote cpr:source-005" in block


def test_bad_requests_write_nothing(settings: Settings) -> None:
    files = {p: p.read_bytes() for p in settings.graph_dir.glob("*.ttl")}
    with pytest.raises(ConfigError, match="already exists in .*findings.ttl"):
        new(settings, Request("finding", "x", local="2016-custody"))
    with pytest.raises(ConfigError, match="kinds: finding, statement"):
        new(settings, Request("person", "x"))
    with pytest.raises(ConfigError, match="--quote needs --source"):
        new(settings, Request("finding", "x", quotes=["custody"]))
    with pytest.raises(QuoteNotFound, match="no passage matches"):
        new(settings, Request("finding", "x", source="005", quotes=["not in the text at all"]))
    assert {p: p.read_bytes() for p in settings.graph_dir.glob("*.ttl")} == files
