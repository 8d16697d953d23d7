"""The index of accountability chains: every finding, grouped by inspection, with which links
of its chain the graph states. One query; its flags mirror the branches of chain.rq (every
link after the finding needs cpkg:inspection), and tests check them against ``get_chains``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.query.chain import STEPS
from service.store.base import SelectResult, Store

#: The steps a finding's flags report, in chain order (the finding itself is always there).
FLAG_STEPS = tuple(k for k, _, _ in STEPS if k not in ("finding", "evidence"))


@dataclass
class IndexedFinding:
    iri: str
    label: str
    flags: list[tuple[str, bool]]  # (step key, stated?) in chain order

    @property
    def stated(self) -> int:
        return sum(ok for _, ok in self.flags)


@dataclass
class InspectionGroup:
    iri: str | None
    label: str
    year: str
    findings: list[IndexedFinding] = field(default_factory=list)


def chain_index(view: Store) -> list[InspectionGroup]:
    """Findings grouped by inspection, oldest inspection first (a read task)."""
    result = view.query(_PICKER_QUERY)
    assert isinstance(result, SelectResult)
    col = {name: i for i, name in enumerate(result.variables)}
    groups: dict[str, InspectionGroup] = {}
    for row in result:
        f, label, insp = row[col["f"]], row[col["label"]], row[col["insp"]]
        if not isinstance(f, ox.NamedNode):
            continue
        flags = [("finding", True)] + [
            (k, getattr(row[col[k]], "value", "") == "true") for k in FLAG_STEPS
        ]
        insp_iri = insp.value if isinstance(insp, ox.NamedNode) else ""
        group = groups.get(insp_iri)
        if group is None:
            group = groups[insp_iri] = InspectionGroup(
                insp_iri or None,
                getattr(row[col["inspLabel"]], "value", "")
                or (insp_iri.rsplit("/", 1)[-1] if insp_iri else "No inspection recorded"),
                str(getattr(row[col["inspDate"]], "value", ""))[:4],
            )
        name = label.value if isinstance(label, ox.Literal) else f.value.rsplit("/")[-1]
        group.findings.append(IndexedFinding(f.value, name, flags))
    return sorted(groups.values(), key=lambda g: (not g.iri, g.year, g.label))


_PICKER_QUERY = """
PREFIX cpkg: <https://w3id.org/cpkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
SELECT ?f (SAMPLE(?fl) AS ?label) ?insp (SAMPLE(?il) AS ?inspLabel) (MIN(?d) AS ?inspDate)
       ?inspection ?inspectorate ?force ?post ?holder ?duty ?law ?remedy ?recommendation
       ?deadline ?status
WHERE {
  { SELECT DISTINCT ?f WHERE { ?f a/rdfs:subClassOf* cpkg:Finding } LIMIT 1000 }
  OPTIONAL { ?f rdfs:label ?fl FILTER(lang(?fl) = "en" || lang(?fl) = "") }
  OPTIONAL {
    ?f cpkg:inspection ?insp
    OPTIONAL { ?insp rdfs:label ?il FILTER(lang(?il) = "en" || lang(?il) = "") }
    OPTIONAL { { ?r prov:wasGeneratedBy ?insp ; dcterms:issued ?d }
               UNION { ?insp dcterms:date ?d } }
  }
  BIND(EXISTS { ?f cpkg:inspection ?x FILTER(!isBlank(?x)) } AS ?inspection)
  BIND(BOUND(?insp) AS ?i)
  BIND(?i && EXISTS { ?f cpkg:inspection/cpkg:conductedBy ?x FILTER(!isBlank(?x)) }
       AS ?inspectorate)
  BIND(?i && EXISTS { { ?f cpkg:inspection/cpkg:inspected ?x } UNION { ?f cpkg:concerns ?x }
                      FILTER(!isBlank(?x)) } AS ?force)
  BIND(?i && EXISTS { ?f cpkg:responsiblePost ?x FILTER(!isBlank(?x)) } AS ?post)
  BIND(?i && EXISTS { ?f cpkg:responsiblePost ?p . ?h cpkg:post ?p ; org:member ?x
                      FILTER(!isBlank(?x)) } AS ?holder)
  BIND(?i && EXISTS { ?f cpkg:engagesDuty ?x FILTER(!isBlank(?x)) } AS ?duty)
  BIND(?i && EXISTS { ?f cpkg:engagesDuty/cpkg:createdBy ?x FILTER(!isBlank(?x)) } AS ?law)
  BIND(?i && EXISTS { ?f cpkg:engagesDuty ?dt .
                      { ?x cpkg:enforces ?dt } UNION { ?rm cpkg:enforces ?dt . ?x cpkg:limits ?rm }
                      FILTER(!isBlank(?x)) } AS ?remedy)
  BIND(?i && EXISTS { { ?x cpkg:answersFinding ?f }
                      UNION { ?rc cpkg:answersFinding ?f ; cpkg:requiresAction ?x }
                      FILTER(!isBlank(?x)) } AS ?recommendation)
  BIND(?i && EXISTS { ?rc cpkg:answersFinding ?f ; cpkg:requiresAction? ?o .
                      ?o cpkg:deadline/time:inXSDDate ?x } AS ?deadline)
  BIND(?i && EXISTS { ?rc cpkg:answersFinding ?f .
                      { ?rc (dcterms:hasPart|^dcterms:isPartOf)* ?a }
                      UNION { ?rc cpkg:requiresAction ?a }
                      ?x cpkg:assesses ?a ; cpkg:implementationStatus ?s
                      FILTER(!isBlank(?x)) } AS ?status)
}
GROUP BY ?f ?insp ?inspection ?inspectorate ?force ?post ?holder ?duty ?law ?remedy
         ?recommendation ?deadline ?status
ORDER BY ?inspDate ?insp ?label
"""
