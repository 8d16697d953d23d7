"""SPARQL-based constraints (sh:sparql): one query over all focus nodes instead of one per node.

pySHACL runs the constraint's SELECT once per focus node with $this pre-bound (rdflib
initBindings). Here the query runs once, on pyoxigraph, as

    SELECT * WHERE { { <focus nodes as ?this> } LATERAL { <the constraint's SELECT> } }

LATERAL substitutes each focus node into the SELECT (SEP-0006), which is the pre-binding SHACL
defines; $PATH and the sh:prefixes come from pySHACL's own query helper, so the text is the one
pySHACL would run (service/build/shacl/prepared.py). The rows then go through pySHACL's
_evaluate_sparql_constraint unchanged, which deduplicates them, substitutes {?var}/{$this} in
messages and writes the results.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from rdflib import BNode

from service.build.shacl.engine import Engine, handles
from service.build.shacl.outcome import Check
from service.build.shacl.prepared import Prepared, Row, prepare
from service.build.shacl.report import ReportGraph
from service.build.shacl.terms import OxTerm, Term, Unsupported, to_ox
from service.build.shacl.values import Values
from service.build.shacl.workspace import NodeSet


class _Result:
    """Enough of rdflib's query Result for pySHACL's _validate_sparql_query."""

    def __init__(self, rows: list[Row]) -> None:
        self.bindings = rows

    def __bool__(self) -> bool:
        return bool(self.bindings)

    def __iter__(self) -> Iterator[_Row]:
        return (_Row(r) for r in self.bindings)


class _Row:
    def __init__(self, row: Row) -> None:
        self._row = row

    def asdict(self) -> Row:
        return dict(self._row)


class Answered(ReportGraph):
    """The report graph, answering pySHACL's one query with rows computed beforehand."""

    def __init__(self, base: ReportGraph, rows: list[Row]) -> None:
        super().__init__(
            store=base.store, identifier=base.identifier, namespace_manager=base.namespace_manager
        )
        self._rows = rows

    def query(self, *args: object, **kwargs: object) -> Any:
        return _Result(self._rows)


def rows_by_focus(engine: Engine, prep: Prepared, nodes: NodeSet) -> dict[Term, list[Row]]:
    """The query's solutions for each focus node, as rdflib would return them."""
    subs: dict[str, OxTerm] = {}
    if prep.current_shape is not None:
        subs["currentShape"] = to_ox(prep.current_shape)
    ws = engine.ws

    def convert(solution: Any) -> Row:
        return {n: ws.term(solution[n]) for n in prep.projection if solution[n] is not None}

    out: dict[Term, list[Row]] = {}
    if not prep.binds_this:
        rows = [convert(s) for s in ws.select(prep.prologue + prep.text, subs)]
        return {f: rows for f in nodes.nodes} if rows else out
    query = (
        f"{prep.prologue}SELECT * WHERE {{ {{ {ws.pattern(nodes, 'this')} }} "
        f"LATERAL {{ {prep.text} }} }}"
    )
    for solution in ws.select(query, subs):
        out.setdefault(ws.term(solution["this"]), []).append(convert(solution))
    return out


@handles(SPARQLBasedConstraint)
def sparql(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    assert isinstance(component, SPARQLBasedConstraint)
    out: dict[Term, Check] = {}
    for helper in component.sparql_constraints:
        if helper.deactivated:
            continue
        prep = prepare(helper)
        why = engine.ws.conflict(prep.features)
        if why is not None:
            raise Unsupported(f"{helper.node}: {why}")
        for focus, rows in rows_by_focus(engine, prep, values.focus).items():
            blanks = [n for row in rows for n in row.values() if isinstance(n, BNode)]
            engine.include(focus)
            engine.report.include(blanks)
            answered = Answered(engine.report.graph, rows)
            # pySHACL's own row handling: dedup, {?var} messages, result nodes.
            failed, reports = component._evaluate_sparql_constraint(
                helper, answered, {focus: set(values.of(focus))}
            )
            if failed or reports:
                out.setdefault(focus, Check()).add(failed, reports)
    return out
