"""Reading SPARQL text without parsing it (service/sparqltext.py): the one-triple-pattern test
that lets the executor answer a query without an evaluator must never accept a query whose
work is not one index scan."""

from __future__ import annotations

import pytest

from service.sparqltext import SinglePattern, single_pattern_select

ONE_PATTERN = {
    "point": "SELECT ?p ?o WHERE { <http://x/s> ?p ?o }",
    "prefixes, a, star, limit": "PREFIX ex: <http://x/> PREFIX : <http://y/>\n"
    "SELECT * { ex:s a ?o . } LIMIT 5",
    "lower case, language tag": 'select ?s where { ?s <p> "x"@en-GB }',
    "datatype": 'SELECT ?s { ?s ex:p "1"^^xsd:int }',
    "double, comment": "SELECT ?s { ?s ex:p 1.5e3 } # c",
    "bench's comment": "SELECT ?p ?o WHERE { <x> ?p ?o }\n# 1-23",
    "base": "BASE <http://x/> SELECT ?o { <s> <p> ?o }",
    "negative": "SELECT ?s { ?s ex:p -4 }",
    "dots in names": "SELECT ?s { ?s ex:a.b ex:c. }",
    "escaped quote": "SELECT ?s { ?s ex:p 'it\\'s' }",
    "boolean": "SELECT ?s { ?s ex:p true }",
    "no spaces at brackets": "SELECT*{?s ?p ?o}",
    "comments everywhere": "# c\nSELECT ?s ?o # x\n WHERE # y\n { ?s <p> ?o } LIMIT 10 # z",
    "unused projection": "SELECT ?x WHERE { ?s ?p ?o }",
}

NOT_ONE_PATTERN = {
    "repeated variable": "SELECT ?s { ?s ?s ?o }",
    "repeated variable, both spellings": "SELECT ?s { ?s $s ?o }",
    "sequence path": "SELECT ?s { ?s ex:p/ex:q ?o }",
    "closure path": "SELECT ?s { ?s ex:p* ?o }",
    "zero-or-one path or variable": "SELECT ?s { ?s ex:p?o }",
    "zero-or-one path before a number": "SELECT ?s { ?s ex:p?1 }",
    "inverse path": "SELECT ?s { ?s ^ex:p ?o }",
    "negated path": "SELECT ?s { ?s !ex:p ?o }",
    "grouped path": "SELECT ?s { ?s (ex:p) ?o }",
    "predicate list": "SELECT ?s { ?s ex:p ?o ; ex:q ?r }",
    "object list": "SELECT ?s { ?s ex:p ?o , ?r }",
    "dangling semicolon": "SELECT ?s { ?s ex:p ?o ; }",
    "distinct": "SELECT DISTINCT ?s { ?s ?p ?o }",
    "reduced": "SELECT REDUCED ?s { ?s ?p ?o }",
    "offset": "SELECT ?s { ?s ?p ?o } OFFSET 5",
    "limit and offset": "SELECT ?s { ?s ex:p ?o } LIMIT 5 OFFSET 1",
    "order": "SELECT ?s { ?s ?p ?o } ORDER BY ?s",
    "group": "SELECT ?s WHERE { ?s ex:p ?o } GROUP BY ?s",
    "filter": "SELECT ?s { ?s ?p ?o FILTER(?o) }",
    "not exists": "SELECT ?s { ?s ex:p ?o FILTER NOT EXISTS { ?o ?q ?r } }",
    "blank node": "SELECT ?s { ?s ?p _:b }",
    "anonymous blank node": "SELECT ?s { [] ?p ?o }",
    "from": "SELECT ?s FROM <g> { ?s ?p ?o }",
    "two patterns": "SELECT ?s { ?s ?p ?o . ?o ?q ?r }",
    "two dots": "SELECT ?s { ?s ex:p ?o . . }",
    "graph": "SELECT ?s { GRAPH ?g { ?s ?p ?o } }",
    "service": "SELECT ?s { SERVICE <x> { ?s ?p ?o } }",
    "nested group": "SELECT ?s { { ?s ?p ?o } }",
    "union": "SELECT ?s { ?s ex:p ?o } UNION { ?a ?b ?c }",
    "values": "SELECT ?s { ?s ?p ?o } VALUES ?s {<a>}",
    "expression": "SELECT (1 AS ?x) { ?s ?p ?o }",
    "escape hiding more patterns": 'SELECT ?s { ?s ?p "a\\u0022 . ?a ?b ?c . ?d ?e \\u0022" }',
    "escaped bracket": "SELECT ?s { ?s ?p ?o \\u007D",
    "long string": 'SELECT ?s { ?s ?p """x""" }',
    "two limits": "SELECT ?s { ?s ?p ?o } LIMIT 5 LIMIT 6",
    "negative limit": "SELECT ?s { ?s ?p ?o } LIMIT -1",
    "decimal limit": "SELECT ?s { ?s ex:p ?o } LIMIT 1.5",
    "a as object": "SELECT ?s { ?s a a }",
    "literal subject": 'SELECT ?s { "x" ?p ?o }',
    "upper-case A": "SELECT ?s { ?s A ?o }",
    "terms run together": "SELECT ?s{<a><b>?o}",
    "term run into a variable": "SELECT ?s { ?s <p>?o }",
    "datatype run into a variable": 'SELECT ?s { ?s ex:p "x"^^ex:t?y }',
    "closing bracket twice": "SELECT ?s { ?s ex:p ?o }}",
    "bracket after a comment": "SELECT ?s { ?s ex:p ?o } # c\n}",
    "keyword run into a prefix": "PREFIXex: <x> SELECT ?s { ?s ex:p ?o }",
    "ask": "ASK { ?s ?p ?o }",
    "construct": "CONSTRUCT WHERE { ?s ?p ?o }",
    "update": "INSERT DATA { <a> <b> <c> }",
    "nothing": "",
}


@pytest.mark.parametrize("text", ONE_PATTERN.values(), ids=ONE_PATTERN.keys())
def test_one_triple_pattern_is_recognised(text: str) -> None:
    assert single_pattern_select(text) is not None


@pytest.mark.parametrize("text", NOT_ONE_PATTERN.values(), ids=NOT_ONE_PATTERN.keys())
def test_anything_more_is_not(text: str) -> None:
    assert single_pattern_select(text) is None


def test_the_query_s_own_limit_is_read() -> None:
    assert single_pattern_select(ONE_PATTERN["point"]) == SinglePattern(None)
    assert single_pattern_select("SELECT * { ?s ?p ?o } limit 7 # x") == SinglePattern(7)
