"""Support audit (service/build/audit.py): every assertion is evidenced, editorial or a claim, and
no quote is said to state a figure it lacks. Fixtures: tests/fixtures/audit/."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from service.build.audit import AuditReport, audit_support
from service.build.dataset import graph_files
from service.build.loading import LoadedFile, load_project, parse_file, to_store
from service.config import Settings
from service.vocab import GRAPH

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "audit"
ONTOLOGY = ROOT / "ontology" / "cpkg.ttl"  # declares the editorial properties


def audit(*paths: Path) -> AuditReport:
    """Audit the given files, read together with the project's ontology."""
    files = [parse_file(ONTOLOGY, f"{GRAPH}ontology-cpkg")]
    files += [parse_file(p, f"{GRAPH}{p.stem}", label=str(p)) for p in paths]
    return audit_support(to_store(files), files, {f"{GRAPH}{p.stem}" for p in paths})


def fixture_copy(tmp_path: Path, name: str, old: str = "", new: str = "") -> Path:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {name}"
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(
        i for i, line in enumerate(lines, start=1) if text in line and not line.startswith("#")
    )


def test_passing_fixture_counts_every_assertion_under_its_kind() -> None:
    report = audit(FIXTURES / "passing.ttl")
    assert report.ok, "\n".join(p.message() for p in report.problems)
    # evidenced: count, total ("only two"), deadline ("31 December 2023"), amount ("£1.9million")
    # editorial: the three types, the finding's label and theme
    assert (report.evidenced, report.editorial) == (4, 5)
    assert (report.inferred, report.background) == (1, 1)
    # claims and evidence are the support record, not assertions
    assert report.total == 11 and report.record_triples > 0
    assert report.as_dict()["claims"] == {"total": 2, "inferred": 1, "background_knowledge": 1}


def test_over_claimed_label_names_resource_property_value_figure_and_line() -> None:
    path = FIXTURES / "over-claimed-label.ttl"
    report = audit(path)
    [problem] = report.problems
    assert problem.kind == "over-claimed" and report.over_claimed == 1
    assert problem.subject == "<http://www.legislation.gov.uk/id/ukpga/1998/42>"
    assert (problem.predicate, problem.value) == ("rdfs:label", "'Human Rights Act 1998'@en")
    assert (problem.file, problem.line) == (str(path), line_of(path, "rdfs:label"))
    assert "holds 1998" in problem.problem and "cpkg:supports" in problem.fix
    assert problem.message().startswith(f"{path}:{problem.line}: over-claimed: ")
    # the property and the figure-less value in the same evidence are fine: evidenced
    assert report.evidenced == 2


def test_unexplained_triple_is_reported_with_how_to_fix() -> None:
    path = FIXTURES / "unexplained-triple.ttl"
    report = audit(path)
    [problem] = report.problems
    assert problem.kind == "unexplained" and report.unexplained == 1
    assert (problem.subject, problem.predicate, problem.value) == (
        "cpr:finding-2016-x",
        "cpkg:recursIn",
        "cpr:finding-2023-y",
    )
    assert problem.line == line_of(path, "cpkg:recursIn")
    assert "cpkg:EditorialProperty" in problem.problem and "cpkg:Claim" in problem.fix


def test_an_inferred_claim_explains_the_link(tmp_path: Path) -> None:
    claim = """
cpr:claim-recurs a cpkg:Claim ;
    rdf:subject cpr:finding-2016-x ; rdf:predicate cpkg:recursIn ; rdf:object cpr:finding-2023-y ;
    cpkg:epistemicStatus cpkg:Inferred ; cpkg:reasoning "Both findings describe the same failing." .
"""
    path = fixture_copy(tmp_path, "unexplained-triple.ttl")
    path.write_text(
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        + path.read_text(encoding="utf-8")
        + claim,
        encoding="utf-8",
    )
    report = audit(path)
    assert report.ok and report.inferred == 1


def test_a_claim_about_another_value_does_not_explain_it(tmp_path: Path) -> None:
    path = fixture_copy(
        tmp_path, "passing.ttl", 'rdf:object "2017-11-24"', 'rdf:object "2017-11-25"'
    )
    report = audit(path)
    assert [(p.kind, p.predicate) for p in report.problems] == [("unexplained", "dcterms:issued")]


def test_quote_cannot_support_a_value_the_data_calls_inferred(tmp_path: Path) -> None:
    path = fixture_copy(
        tmp_path,
        "passing.ttl",
        'dcterms:issued "2017-11-24"^^xsd:date .',
        'dcterms:issued "2017-11-24"^^xsd:date ; cpkg:evidence [ a cpkg:Evidence ; '
        "oa:hasSource cpr:source-004 ; oa:hasSelector [ a oa:TextQuoteSelector ; "
        'oa:exact "A damning report released on 24th November" ] ; '
        "cpkg:supports dcterms:issued ] .",
    )
    problems = audit(path).problems
    assert {p.kind for p in problems} == {"over-claimed"}
    texts = [p.problem for p in problems]
    assert any("holds 2017" in t for t in texts), texts  # the quote has no year
    assert any("every value of it is an Inferred" in t for t in texts), texts


@pytest.mark.parametrize(
    ("old", "new", "figure"),
    [
        ("cpkg:count 2 ;", "cpkg:count 3 ;", "3"),
        ('"2023-12-31"^^xsd:date', '"2024-12-31"^^xsd:date', "2024"),
        ("schema:value 1900000", "schema:value 1800000", "1800000"),
        ("rdf:object 374 ;", "rdf:object 384 ;", "384"),
    ],
)
def test_a_figure_missing_from_the_quotes_is_over_claimed(
    tmp_path: Path, old: str, new: str, figure: str
) -> None:
    report = audit(fixture_copy(tmp_path, "passing.ttl", old, new))
    [problem] = report.problems
    assert problem.kind == "over-claimed" and f"holds {figure}, which" in problem.problem


def test_only_the_audited_files_are_audited() -> None:
    """A contribution is audited on its own, though read with the project (cpkg validate)."""
    files: list[LoadedFile] = [
        parse_file(ONTOLOGY, f"{GRAPH}ontology-cpkg"),
        parse_file(FIXTURES / "unexplained-triple.ttl", f"{GRAPH}unexplained"),
        parse_file(FIXTURES / "passing.ttl", f"{GRAPH}passing"),
    ]
    report = audit_support(to_store(files), files, {f"{GRAPH}passing"})
    assert report.ok and report.total == 11


def test_the_project_graph_passes_and_the_editorial_query_agrees() -> None:
    """The build's own data: no unexplained or over-claimed assertion, and the library query that
    lists the curators' own values (SPARQL) counts what the audit (Python) counts as editorial."""
    settings = Settings.from_env()
    files = load_project(settings)
    store = to_store(files)
    report = audit_support(store, files, graph_files(files, settings))
    assert report.ok, "\n".join(p.message() for p in report.problems)
    assert min(report.evidenced, report.editorial, report.inferred, report.background) > 0
    query = (ROOT / "graph" / "queries" / "editorial-assertions.rq").read_text(encoding="utf-8")
    rows = store.query(query, use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    assert sum(int(row["values"].value) for row in rows) == report.editorial


def test_todo_markers_are_unfinished_with_line_and_the_hint_beside_them(tmp_path: Path) -> None:
    path = fixture_copy(
        tmp_path,
        "passing.ttl",
        "cpkg:count 2 ;",
        "cpkg:count 2 ;\n    cpkg:recursIn cpr:TODO-finding ;  # a later finding, e.g. cpr:f-2\n"
        '    rdfs:comment "TODO: say why" ;',
    )
    report = audit(path)
    unfinished = [p for p in report.problems if p.kind == "unfinished"]
    assert [(p.predicate, p.value, p.line) for p in unfinished] == [
        ("cpkg:recursIn", "cpr:TODO-finding", line_of(path, "cpr:TODO-finding")),
        ("rdfs:comment", "'TODO: say why'", line_of(path, "TODO: say why")),
    ]
    assert unfinished[0].fix == "replace it: a later finding, e.g. cpr:f-2"
    assert report.unfinished == 2 and not report.ok and "TODO markers 2" in report.summary()
    assert report.unexplained == 0, "a marker is not also an unexplained assertion"
