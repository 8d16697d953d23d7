"""SPARQL handling of the SHACL fast path: rewrites that must not change answers, and the
analysis of what a query reads (service/build/shacl/rewrite.py, deps.py, sensitivity.py)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import SH, Graph, URIRef

from service.build.shacl.deps import query_dependencies
from service.build.shacl.paths import path_text
from service.build.shacl.rewrite import restrict, rewrite_exists
from service.build.shacl.sensitivity import conflict, features

EX = "http://example.org/"
DATA = f"""
@prefix ex: <{EX}> .
ex:a a ex:T ; ex:p ex:b ; ex:q "x" .
ex:b a ex:T ; ex:p ex:c .
ex:c a ex:U ; ex:r ex:a .
ex:d a ex:T .
ex:e ex:p ex:a .
"""
PREFIX = f"PREFIX ex: <{EX}>\n"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return s


def answers(store: ox.Store, query: str) -> list[str]:
    result = store.query(PREFIX + query)
    assert isinstance(result, ox.QuerySolutions)
    return sorted(str(list(row)) for row in result)


REWRITABLE = [
    "SELECT ?this WHERE { ?this a ex:T . FILTER NOT EXISTS { ?this ex:p/ex:p ?x } }",
    "SELECT ?this WHERE { ?this a ex:T . FILTER (EXISTS { ?this ex:q ?q } "
    "|| NOT EXISTS { ?y ex:p ?this }) }",
    "SELECT ?this ?o WHERE { ?this ex:p ?o . FILTER NOT EXISTS { ?o a ex:T } }",
    "SELECT ?this WHERE { { ?this a ex:T . FILTER NOT EXISTS { ?this ex:q "
    "?q } } UNION { ?this a ex:U } }",
    "SELECT ?this WHERE { ?this a ex:T . FILTER NOT EXISTS { ex:c ex:r ex:a } }",
]


@pytest.mark.parametrize("query", REWRITABLE)
def test_correlated_exists_is_rewritten_without_changing_answers(
    store: ox.Store, query: str
) -> None:
    rewritten = rewrite_exists(query)
    assert "EXISTS" not in rewritten.upper().replace("CPKGEXISTS", "")
    assert answers(store, rewritten) == answers(store, query)


KEPT = [
    # ?this is bound only inside OPTIONAL: substitution and the join would differ
    "SELECT ?this WHERE { OPTIONAL { ?this ex:q ?q } FILTER NOT EXISTS { ?this ex:p ?x } }",
    # the body is not a basic graph pattern
    "SELECT ?this WHERE { ?this a ex:T FILTER NOT EXISTS { ?this ex:p ?x "
    "OPTIONAL { ?x ex:p ?y } } }",
    # a variable of the body is compared, not matched: it would be unbound in a subquery
    "SELECT ?this WHERE { ?this a ex:T . ?this ex:p ?o FILTER NOT EXISTS { "
    "?x ex:r ?y FILTER (?y = ?o) } }",
]


@pytest.mark.parametrize("query", KEPT)
def test_exists_that_cannot_be_rewritten_exactly_is_left_alone(query: str) -> None:
    assert rewrite_exists(query) == query


def candidates(store: ox.Store, nodes: list[str]) -> str:
    graph = ox.NamedNode("urn:test:candidates")
    member = ox.NamedNode("urn:test:member")
    store.remove_graph(graph)
    store.extend(ox.Quad(graph, member, ox.NamedNode(EX + n), graph) for n in nodes)
    return f"GRAPH <{graph.value}> {{ <{graph.value}> <{member.value}> ?this }}"


@pytest.mark.parametrize(
    "query",
    [
        *REWRITABLE[:-1],
        "SELECT ?this WHERE { { SELECT DISTINCT ?this WHERE { { ?this a ?t } "
        "UNION { ?this ex:q ?l } } } "
        "FILTER NOT EXISTS { ?e ex:p ?this } }",
        "SELECT ?this WHERE { ?this a ex:T . OPTIONAL { ?this ex:p ?o } } "
        "GROUP BY ?this HAVING (COUNT(?o) = 0)",
        "SELECT ?this WHERE { ?this a ex:T MINUS { ?this ex:q ?q } }",
    ],
)
def test_restricting_to_candidates_is_intersecting(store: ox.Store, query: str) -> None:
    pattern = candidates(store, ["a", "d", "e"])
    restricted = restrict(rewrite_exists(query), pattern)
    assert restricted is not None and restricted.count("urn:test:candidates") >= 2
    full = [r for r in answers(store, query) if any(f"{EX}{n}>" in r for n in "ade")]
    this_only = [r for r in answers(store, restricted)]
    assert this_only == full


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?this WHERE { ?this a ex:T } LIMIT 1",
        "SELECT ?this WHERE { ?this ex:p ?o } GROUP BY ?o ?this HAVING (COUNT(*) > 0) OFFSET 1",
        "SELECT (SAMPLE(?x) AS ?this) WHERE { ?x a ex:T } GROUP BY ?x",
    ],
)
def test_queries_restriction_could_change_are_refused(query: str) -> None:
    assert restrict(query, "GRAPH <urn:g> { <urn:g> <urn:m> ?this }") is None


def test_a_subquery_with_its_own_this_is_not_restricted() -> None:
    query = "SELECT ?this WHERE { ?this a ex:T { SELECT ?o WHERE { ?this ex:p ?o } } }"
    restricted = restrict(query, "CAND")
    assert restricted is not None and restricted.count("CAND") == 1


def test_reads_are_anchored_at_this_through_joins_and_exists() -> None:
    deps = query_dependencies(
        PREFIX + "SELECT ?this WHERE { ?this ex:p ?o . ?o ex:q ?v "
        "FILTER NOT EXISTS { ?x ex:r ?this } OPTIONAL { ?o a ?t } }",
        None,
    )
    assert deps.anywhere == set()
    assert (None, f"{EX}p", False) in deps.reads
    assert (f"<{EX}p>", f"{EX}q", False) in deps.reads
    assert (None, f"{EX}r", True) in deps.reads


def test_variables_of_other_scopes_are_not_joined() -> None:
    """?z in the second UNION branch is not the ?z of the first: its pattern reads anywhere."""
    deps = query_dependencies(
        PREFIX + "SELECT ?this WHERE { ?this ex:p ?y { ?y ex:q ?z } UNION { ?z ex:r ?w } "
        "FILTER NOT EXISTS { ?e ex:s ?this } FILTER NOT EXISTS { ?e ex:t ?u } }",
        None,
    )
    assert deps.anywhere == {f"{EX}r", f"{EX}t"}


def test_limit_reads_anything() -> None:
    deps = query_dependencies(PREFIX + "SELECT ?this WHERE { ?this ex:p ?o } LIMIT 3", None)
    assert None in deps.anywhere


def test_datatype_tests_against_other_datatypes_ignore_integer_rewrites() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    rewritten = {xsd + "integer", xsd + "nonNegativeInteger"}
    prefixes = {"xsd": xsd}
    safe = features(
        "SELECT $this WHERE { $this ?p ?v FILTER (datatype(?v) != xsd:date) }", prefixes
    )
    assert conflict(safe, lexical_changed=False, datatypes=rewritten) is None
    unsafe = features(
        "SELECT $this WHERE { $this ?p ?v FILTER (datatype(?v) = xsd:integer) }", prefixes
    )
    assert conflict(unsafe, lexical_changed=False, datatypes=rewritten) is not None
    strings = features("SELECT $this WHERE { $this ?p ?v FILTER (STRLEN(STR(?v)) > 2) }", prefixes)
    assert conflict(strings, lexical_changed=False, datatypes=rewritten) is None
    assert conflict(strings, lexical_changed=True, datatypes=set()) is not None


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("ex:p", "<http://example.org/p>"),
        ("[ sh:inversePath ex:p ]", "^<http://example.org/p>"),
        ("( ex:p ex:q )", "<http://example.org/p>/<http://example.org/q>"),
        ("[ sh:zeroOrMorePath ( ex:p ex:q ) ]", "(<http://example.org/p>/<http://example.org/q>)*"),
        ("[ sh:alternativePath ( ex:p ex:q ) ]", "(<http://example.org/p>|<http://example.org/q>)"),
        ("[ sh:oneOrMorePath [ sh:inversePath ex:p ] ]", "^<http://example.org/p>+"),
    ],
)
def test_report_paths_read_as_sparql(path: str, text: str) -> None:
    """A result path in a report reads as the SPARQL path it stands for: a sequence inside a
    repeat keeps its brackets ((p/q)* is not p/q*)."""
    g = Graph().parse(
        data=f"@prefix ex: <{EX}> . @prefix sh: <{SH}> . ex:shape sh:path {path} .",
        format="turtle",
    )
    node = g.value(URIRef(EX + "shape"), SH.path)
    assert path_text(g, node, lambda iri: f"<{iri}>") == text
