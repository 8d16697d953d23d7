"""The fixed query mix: the same SPARQL text for every store and server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.generate import FOCUS_FINDING, FOCUS_FORCE, ROOT
from service.query.chain import FINDINGS_PLACEHOLDER, QUERY_PATH

CPKG_NS = "https://w3id.org/cpkg/def#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIXES = """\
PREFIX cpkg: <https://w3id.org/cpkg/def#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""


@dataclass(frozen=True)
class Query:
    name: str
    kind: str  # "select" or "construct"
    text: str
    description: str


def chain_query() -> tuple[str, str]:
    """The chain API's links query (service/query/chain.rq) for the synthetic focus finding (a
    finding's chain starts from the finding alone, so that is what chain-findings.rq returns)."""
    text = QUERY_PATH.read_text(encoding="utf-8").replace(
        FINDINGS_PLACEHOLDER, f"<{FOCUS_FINDING}>"
    )
    return text, f"accountability chain links ({QUERY_PATH.relative_to(ROOT)})"


def mix() -> list[Query]:
    chain_text, chain_desc = chain_query()
    return [
        Query(
            "point",
            "select",
            PREFIXES + f"SELECT ?p ?o WHERE {{ <{FOCUS_FINDING}> ?p ?o }}",
            "point lookup: all properties of one finding",
        ),
        Query(
            "join",
            "select",
            PREFIXES
            + """SELECT ?f ?forceLabel ?inspector WHERE {
  ?f cpkg:grade cpkg:Inadequate ; cpkg:inspection ?i .
  ?i cpkg:inspected ?force ; cpkg:leadInspector ?p .
  ?force rdfs:label ?forceLabel . ?p foaf:name ?inspector .
}""",
            "3-hop join: inadequate findings -> inspection -> force / lead inspector",
        ),
        Query(
            "path",
            "select",
            PREFIXES
            + """SELECT ?f ?later ?title WHERE {
  ?f cpkg:recursIn+ ?later .
  ?later cpkg:engagesDuty/cpkg:createdBy/eli:is_part_of/cpkg:shortTitle ?title .
} LIMIT 1000""",
            "property paths: recursIn+ then a 4-step sequence path (LIMIT 1000)",
        ),
        Query(
            "aggregate",
            "select",
            PREFIXES
            + """SELECT ?theme ?grade (COUNT(?f) AS ?n) (AVG(?count) AS ?avg) WHERE {
  ?f a cpkg:Finding ; cpkg:theme ?theme ; cpkg:grade ?grade .
  OPTIONAL { ?f cpkg:count ?count }
} GROUP BY ?theme ?grade ORDER BY DESC(?n) ?theme ?grade""",
            "aggregate: findings per theme and grade, with the mean count",
        ),
        Query(
            "text",
            "select",
            PREFIXES
            + """SELECT ?s ?words WHERE {
  ?s a cpkg:Statement ; cpkg:words ?words .
  FILTER(REGEX(?words, "safeguarding (failed|delay)", "i") || CONTAINS(?words, "abuse abuse"))
}""",
            "text filter: REGEX and CONTAINS over statement words",
        ),
        Query(
            "construct",
            "construct",
            PREFIXES
            + f"""CONSTRUCT {{ ?s ?p ?o . ?o ?p2 ?o2 }} WHERE {{
  VALUES ?s {{ <{FOCUS_FINDING}> <{FOCUS_FORCE}> }}
  ?s ?p ?o . OPTIONAL {{ ?o ?p2 ?o2 }}
}}""",
            "CONSTRUCT: two-hop neighbourhood of a finding and a force",
        ),
        Query("chain", "select", chain_text, chain_desc),
    ]


def write_queries(directory: Path) -> dict[str, Path]:
    """Write each query to ``directory/<name>.rq`` (for peers that read files)."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for q in mix():
        path = directory / f"{q.name}.rq"
        path.write_text(q.text, encoding="utf-8")
        out[q.name] = path
    return out


@dataclass(frozen=True)
class Distinct:
    """A query (or, for GET, a path) whose ``@FINDING@``/``@FORCE@``/``@LOCAL@`` markers are
    filled with random IRIs of the data for every request (bench/httpload.py)."""

    name: str
    kind: str  # "select", "construct" or a resource page ("page")
    template: str
    accept: str = ""


def distinct_mix() -> list[Distinct]:
    """Point lookup, join and CONSTRUCT on a random finding or force each time, and resource
    pages of random findings (cpkg's linked data only: the peers have none)."""
    return [
        Distinct("point", "select", PREFIXES + "SELECT ?p ?o WHERE { <@FINDING@> ?p ?o }"),
        Distinct(
            "join",
            "select",
            PREFIXES
            + """SELECT ?f ?forceLabel ?inspector WHERE {
  ?i cpkg:inspected <@FORCE@> ; cpkg:leadInspector ?p .
  ?f cpkg:inspection ?i ; cpkg:grade ?grade .
  <@FORCE@> rdfs:label ?forceLabel . ?p foaf:name ?inspector .
}""",
        ),
        Distinct(
            "construct",
            "construct",
            PREFIXES
            + """CONSTRUCT { ?s ?p ?o . ?o ?p2 ?o2 } WHERE {
  VALUES ?s { <@FINDING@> <@FORCE@> }
  ?s ?p ?o . OPTIONAL { ?o ?p2 ?o2 }
}""",
        ),
        Distinct("id-turtle", "page", "/id/@LOCAL@", "text/turtle"),
        Distinct("id-html", "page", "/id/@LOCAL@", "text/html"),
    ]


def write_pools(data: Path, directory: Path) -> dict[str, Path]:
    """IRIs to draw from, one per line: FINDING, FORCE, and LOCAL (the path under /id/ of any
    resource the data mints: pages seldom repeat, as for a crawler), from the N-Quads."""
    import pyoxigraph as ox

    kinds = {CPKG_NS + "Finding": "FINDING", CPKG_NS + "PoliceForce": "FORCE"}
    found: dict[str, list[str]] = {"FINDING": [], "FORCE": [], "LOCAL": []}
    minted = "https://w3id.org/cpkg/id/"
    for q in ox.parse(path=str(data), format=ox.RdfFormat.N_QUADS):
        if q.predicate.value == RDF_TYPE and q.object.value in kinds:
            found[kinds[q.object.value]].append(q.subject.value)
        if q.subject.value.startswith(minted):
            found["LOCAL"].append(q.subject.value[len(minted) :])
    found = {k: sorted(set(v)) for k, v in found.items()}
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, iris in found.items():
        out[name] = directory / f"pool-{name.lower()}.txt"
        out[name].write_text("\n".join(iris) + "\n", encoding="utf-8")
    return out
