"""Compare two sh:ValidationReport graphs result by result (tests of the SHACL fast path).

Two reports are equal when their graphs are isomorphic; `differences` says, readably, which
results only one of them has (focus node, path, value, source shape, component, severity,
messages, SPARQL constraint and nested sh:detail results).
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
from pyshacl.rdfutil.stringify import stringify_blank_node
from rdflib import RDF, SH, BNode, Graph, Literal
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.term import Node

from service.build.shacl.data import load
from service.build.shacl.terms import to_ox
from service.build.shacl.validator import Result, validate_store
from service.build.validate import run_shacl

Record = tuple[object, ...]


def _path(graph: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if not isinstance(node, BNode):
        return node.n3()
    for predicate, fmt in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = graph.value(node, predicate)
        if inner is not None:
            return fmt.format(_path(graph, inner))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(graph, n) or "" for n in Collection(graph, alternatives)) + ")"
    if graph.value(node, RDF.first) is not None:
        return "(" + "/".join(_path(graph, n) or "" for n in Collection(graph, node)) + ")"
    return "[]"


def _term(graph: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):  # described one level deep; isomorphism checks the rest
        props = sorted(
            f"{p.n3()} {o.n3() if not isinstance(o, BNode) else '[]'}"
            for p, o in graph.predicate_objects(node)
        )
        return f"[{'; '.join(props)}]"
    return node.n3() if not isinstance(node, Literal) else repr(node)


def record(graph: Graph, result: Node) -> Record:
    details = sorted(repr(record(graph, d)) for d in graph.objects(result, SH.detail))
    return (
        _term(graph, graph.value(result, SH.focusNode)),
        _path(graph, graph.value(result, SH.resultPath)),
        _term(graph, graph.value(result, SH.value)),
        _term(graph, graph.value(result, SH.sourceShape)),
        graph.value(result, SH.sourceConstraintComponent),
        graph.value(result, SH.resultSeverity),
        tuple(sorted(str(m) for m in graph.objects(result, SH.resultMessage))),
        _term(graph, graph.value(result, SH.sourceConstraint)),
        tuple(details),
    )


def records(graph: Graph) -> Counter[Record]:
    report = graph.value(None, RDF.type, SH.ValidationReport)
    assert report is not None, "not a validation report"
    return Counter(record(graph, r) for r in graph.objects(report, SH.result))


def conforms(graph: Graph) -> bool:
    report = graph.value(None, RDF.type, SH.ValidationReport)
    return bool(graph.value(report, SH.conforms).toPython())  # type: ignore[union-attr]


def differences(expected: Graph, actual: Graph) -> list[str]:
    """Readable differences; empty when the two reports are the same."""
    out: list[str] = []
    if conforms(expected) != conforms(actual):
        out.append(f"sh:conforms {conforms(expected)} != {conforms(actual)}")
    want, got = records(expected), records(actual)
    out += [f"missing  {r}" for r in sorted(map(repr, (want - got).elements()))]
    out += [f"extra    {r}" for r in sorted(map(repr, (got - want).elements()))]
    if not out and not isomorphic(expected, actual):
        out.append("same results, but the report graphs are not isomorphic")
    return out


def fast_report(data: Graph, shapes: Graph) -> Result:
    """The fast path on an rdflib data graph (its triples copied into a store)."""
    triples = (ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in data)  # type: ignore[arg-type]
    store, literals = load(triples)
    return validate_store(store, shapes, dict(data.namespaces()), literals)


def reference_report(data: Graph, shapes: Graph) -> Graph:
    """Plain pySHACL, as the build runs it (service.build.validate.run_shacl)."""
    stringify_blank_node.dict_cache.clear()  # pySHACL caches by id(graph), which gets reused
    _, report = run_shacl(data, shapes)
    return report


def unexplained_fallback(result: Result) -> dict[str, str]:
    """Shapes pySHACL validated for another reason than literals the store rewrites."""
    return {s: why for s, why in result.fallback.items() if "store" not in why}
