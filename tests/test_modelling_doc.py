"""docs/modelling.md is the query writer's contract: it names every property the data uses, and
its list of editorial properties is the one the ontology declares (and the support audit uses)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from service.vocab import iri_text

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "modelling.md"
CURIE = re.compile(r"`([a-z]+:[A-Za-z_][\w-]*)`")
EDITORIAL = "https://w3id.org/cpkg/def#EditorialProperty"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n{title}\n")
    end = text.find("\n#", start + len(title) + 2)
    return text[start : end if end != -1 else len(text)]


def test_every_property_the_graph_uses_is_documented() -> None:
    used = {
        iri_text(q.predicate.value)
        for path in sorted((ROOT / "graph").glob("*.ttl"))
        for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)
    }
    documented = set(CURIE.findall(DOC.read_text(encoding="utf-8")))
    assert sorted(used - documented) == [], "add these to docs/modelling.md"


def test_the_editorial_properties_listed_are_those_the_ontology_declares() -> None:
    declared = {
        iri_text(q.subject.value)
        for q in ox.parse(path=ROOT / "ontology" / "cpkg.ttl", format=ox.RdfFormat.TURTLE)
        if q.predicate.value == RDF_TYPE and q.object.value == EDITORIAL
    }
    listed = set(CURIE.findall(section("### Editorial properties")))
    assert declared and listed == declared
