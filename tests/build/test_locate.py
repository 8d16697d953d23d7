"""Lines of triples (service/build/locate.py): what every reported problem points at."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from service.build.loading import parse_file
from service.build.locate import SourceLines, block_span, turtle_text
from service.vocab import CPKG, CPR, GRAPH

TURTLE = """@prefix cpkg: <https://w3id.org/cpkg/def#> .
@prefix cpr: <https://w3id.org/cpkg/id/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

cpr:finding-a a cpkg:Finding ;
    rdfs:label "A \\"quoted\\" label"@en ;
# a comment at the margin stays inside the block
    cpkg:evidence [ a cpkg:Evidence ; oa:hasSource cpr:source-1 ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "first quote" ] ;
        cpkg:supports cpr:TODO-supports ] ,
      [ a cpkg:Evidence ; oa:hasSource cpr:source-1 ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "second quote" ] ;
        cpkg:supports cpr:TODO-supports ] .

cpr:finding-ab a cpkg:Finding ;
    cpkg:count 3 .
"""


def lines_for(tmp_path: Path) -> tuple[SourceLines, str, list[ox.Quad]]:
    path = tmp_path / "f.ttl"
    path.write_text(TURTLE, encoding="utf-8")
    loaded = parse_file(path, f"{GRAPH}f", label="f.ttl")
    return SourceLines([loaded]), "f.ttl", loaded.quads


def test_block_span_runs_to_the_next_subject_and_not_to_a_longer_name() -> None:
    lines = TURTLE.splitlines()
    assert block_span(lines, "cpr:finding-a") == (5, 14)
    assert block_span(lines, "cpr:finding-ab") == (15, 17)
    assert block_span(lines, "cpr:finding-x") is None


def test_a_named_subjects_property_and_value(tmp_path: Path) -> None:
    lines, file, _ = lines_for(tmp_path)
    finding = ox.NamedNode(f"{CPR}finding-a")
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    assert lines.line(file, finding, label) == 7
    assert lines.line(file, finding, label, ox.Literal('A "quoted" label', language="en")) == 7
    assert lines.line(file, finding, CPKG["count"]) == 6, "absent: the block's first line"
    assert lines.line(file, ox.NamedNode(f"{CPR}finding-ab"), CPKG["count"]) == 17
    assert lines.line(file, ox.NamedNode(f"{CPR}nowhere"), label) is None


def test_blank_node_triples_are_found_by_value_one_line_each(tmp_path: Path) -> None:
    lines, file, quads = lines_for(tmp_path)
    supports = [q for q in quads if q.predicate.value == str(CPKG.supports)]
    found = sorted(lines.line(file, q.subject, q.predicate.value, q.object) or 0 for q in supports)
    assert found == [11, 14]
    exact = next(q for q in quads if q.object == ox.Literal("second quote"))
    assert lines.line(file, exact.subject, exact.predicate.value, exact.object) == 13


def test_turtle_text_escapes_like_a_turtle_writer() -> None:
    assert turtle_text('a "b"\\\n') == 'a \\"b\\"\\\\\\n'
