"""Dataset statistics as SPARQL, kept in one place so stats.json and VoID descriptions agree.

Every query runs against a pyoxigraph store whose named graphs are the project's files, with the
default graph as their union (`use_default_graph_as_union=True`), as the endpoint serves it.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from service.vocab import sparql_prologue

TRIPLES_PER_GRAPH = (
    sparql_prologue()
    + "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g\n"
)

# Distinct triples over all graphs (a triple stated in two files counts once).
TOTAL_TRIPLES = (
    sparql_prologue()
    + "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }\n"
)

# Instances of domain classes: cpkg: classes and reused ones (org:, prov:, oa:, skos:Concept ...),
# leaving out the schema vocabulary itself (owl:Class, rdf:Property, sh:NodeShape ...).
INSTANCES_PER_CLASS = (
    sparql_prologue()
    + """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?class .
  FILTER (!STRSTARTS(STR(?class), STR(owl:)) && !STRSTARTS(STR(?class), STR(rdfs:))
          && !STRSTARTS(STR(?class), STR(rdf:)) && !STRSTARTS(STR(?class), STR(sh:)))
} GROUP BY ?class ORDER BY ?class
"""
)

EVIDENCE_NODES = (
    sparql_prologue() + "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?r cpkg:evidence ?e }\n"
)

QUOTES = (
    sparql_prologue()
    + """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?e ?q WHERE {
  ?e oa:hasSelector ?sel . ?sel a oa:TextQuoteSelector ; oa:exact ?q } }
"""
)

# A claim (docs/modelling.md) is a (resource, property) pair supported by evidence ...
SUPPORTED_PAIRS = (
    sparql_prologue()
    + """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?r ?p WHERE {
  ?r cpkg:evidence ?e . ?e cpkg:supports ?p } }
"""
)

# ... or a reified cpkg:Claim.
REIFIED_CLAIMS = sparql_prologue() + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cpkg:Claim }\n"

CONFLICTS = sparql_prologue() + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cpkg:Conflict }\n"

INFERRED_CLAIMS = (
    sparql_prologue()
    + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c cpkg:epistemicStatus cpkg:Inferred }\n"
)

NAME_MENTIONS = (
    sparql_prologue() + "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a cpkg:NameMention }\n"
)

DISTINCT_SUBJECTS = (
    sparql_prologue() + "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }\n"
)


def _rows(store: ox.Store, query: str) -> ox.QuerySolutions:
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return result


def count(store: ox.Store, query: str) -> int:
    """The single ?n of a COUNT query."""
    for row in _rows(store, query):
        value = row["n"]
        return int(value.value) if value is not None else 0
    return 0


def grouped(store: ox.Store, query: str, key: str) -> dict[str, int]:
    """{?key IRI: ?n} of a GROUP BY query."""
    out: dict[str, int] = {}
    for row in _rows(store, query):
        k, n = row[key], row["n"]
        if k is not None and n is not None:
            out[str(k.value)] = int(n.value)
    return out


def compute_statistics(store: ox.Store) -> dict[str, Any]:
    """Counts describing the dataset (graph-level figures; build adds quotes, hashes, timing)."""
    pairs = count(store, SUPPORTED_PAIRS)
    reified = count(store, REIFIED_CLAIMS)
    return {
        "triples_per_graph": grouped(store, TRIPLES_PER_GRAPH, "g"),
        "total_triples": count(store, TOTAL_TRIPLES),
        "distinct_subjects": count(store, DISTINCT_SUBJECTS),
        "instances_per_class": grouped(store, INSTANCES_PER_CLASS, "class"),
        "evidence_nodes": count(store, EVIDENCE_NODES),
        "quotes": count(store, QUOTES),
        "claims": {"supported_pairs": pairs, "reified": reified, "total": pairs + reified},
        "conflicts": count(store, CONFLICTS),
        "inferred_claims": count(store, INFERRED_CLAIMS),
        "name_mentions": count(store, NAME_MENTIONS),
    }
