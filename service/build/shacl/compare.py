"""Compare two sh:ValidationReport graphs result by result (how the fast path is checked).

`differences` says, readably, which results only one report has (focus node, path, value,
source shape, component, severity, messages, SPARQL constraint and nested sh:detail results);
with `isomorphism`, reports with the same results must also be isomorphic graphs (the copies of
blank focus nodes and values included). rdflib's isomorphism test is slow on reports with
hundreds of blank nodes, so the benchmark compares results only; the tests do both.
"""

from __future__ import annotations

from collections import Counter

from rdflib import RDF, SH, BNode, Graph, Literal
from rdflib.compare import isomorphic
from rdflib.term import Node

from service.build.shacl.paths import path_text

Record = tuple[object, ...]


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
        path_text(graph, graph.value(result, SH.resultPath)),
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


def differences(expected: Graph, actual: Graph, *, isomorphism: bool = True) -> list[str]:
    """Readable differences; empty when the two reports are the same."""
    out: list[str] = []
    if conforms(expected) != conforms(actual):
        out.append(f"sh:conforms {conforms(expected)} != {conforms(actual)}")
    want, got = records(expected), records(actual)
    out += [f"missing  {r}" for r in sorted(map(repr, (want - got).elements()))]
    out += [f"extra    {r}" for r in sorted(map(repr, (got - want).elements()))]
    if not out and isomorphism and not isomorphic(expected, actual):
        out.append("same results, but the report graphs are not isomorphic")
    return out
