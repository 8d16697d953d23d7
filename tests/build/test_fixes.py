"""What to change (service/build/fixes.py): each SHACL result of a contribution says where and
how to fix it, from the real shapes, with values that would satisfy them."""

from __future__ import annotations

from pathlib import Path

from service.build.validate import validate
from service.config import Settings

CONTRIBUTION = """@prefix cpkg: <https://w3id.org/cpkg/def#> .
@prefix cpr: <https://w3id.org/cpkg/id/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

cpr:recommendation-x a cpkg:Recommendation ;
    rdfs:label "Met police apologises"@en ;
    cpkg:addressedTo cpr:org-metropolitan-police-service ;
    cpkg:inspection cpr:org-metropolitan-police-service ;
    cpkg:evidence [ a cpkg:Evidence ; oa:hasSource cpr:source-003 ;
        oa:hasSelector [ a oa:TextQuoteSelector ;
            oa:exact "Met police apologises for failing to protect children at risk of abuse" ] ;
        cpkg:supports rdfs:label, cpkg:inspection, cpkg:addressedTo ] .

cpr:event-x a cpkg:Event ;
    rdfs:label "Met police apologises"@en ;
    cpkg:eventType cpkg:NewsArticle ;
    cpkg:evidence [ a cpkg:Evidence ; oa:hasSource cpr:source-003 ;
        oa:hasSelector [ a oa:TextQuoteSelector ;
            oa:exact "Met police apologises for failing to protect children at risk of abuse" ] ;
        cpkg:supports rdfs:label ] .
"""


def test_results_name_their_line_and_values_that_would_do(tmp_path: Path) -> None:
    path = tmp_path / "mine.ttl"
    path.write_text(CONTRIBUTION, encoding="utf-8")
    report = validate([path], Settings.from_env())  # reads the project; writes nothing
    fixes = {(r.focus_node, r.path): (r.line, r.fix) for r in report.violations}
    line, fix = fixes[("cpr:recommendation-x", "cpkg:inspection")]
    assert line == 9 and fix is not None
    assert fix.startswith("make cpkg:inspection point to an instance of cpkg:Inspection, e.g. ")
    assert "cpr:inspection-2016-met" in fix
    line, fix = fixes[("cpr:event-x", "cpkg:eventType")]
    assert line == 17 and fix is not None
    assert fix.startswith("make cpkg:eventType a concept of cpkg:EventTypeScheme: ")
    assert "cpkg:Appointment" in fix and "cpkg:Publication" in fix
    assert f"[{path}:9]" in report.to_text()
