"""Handlers for constraints that validate value nodes against other shapes.

sh:node, sh:property, sh:and/or/not/xone and sh:qualifiedValueShape: the referenced shape is
evaluated once over the distinct value nodes (pySHACL validates it again for every focus/value
pair), then each pair is judged with pySHACL's own rule for that component: sh:node fails on
any result of the nested shape, sh:or/and/not/xone and qualified shapes look only at whether
the nested Shape.validate conforms. Only value nodes with a result are looked at one by one.
"""

from __future__ import annotations

from textwrap import indent

from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.constraints.core import logical_constraints as logical
from pyshacl.constraints.core import shape_based_constraints as based
from rdflib import SH
from rdflib.term import Node

from service.build.shacl.engine import Engine, handles
from service.build.shacl.outcome import Check, Outcome, fresh
from service.build.shacl.shapes import siblings
from service.build.shacl.terms import Term
from service.build.shacl.values import Values
from service.build.shacl.workspace import NodeSet


def _nested(engine: Engine, shape: Node, nodes: NodeSet) -> Outcome:
    return engine.evaluate(engine.model.shape(shape), nodes)


def _failing(outcome: Outcome) -> set[Term]:
    """Value nodes whose nested Shape.validate does not conform."""
    return {v for v in outcome.checks if not outcome.conforms(v)}


@handles(based.NodeConstraintComponent)
def node(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    assert isinstance(component, based.NodeConstraintComponent)
    out: dict[Term, Check] = {}
    if not values.any():
        return out
    for shape_node in component.node_shapes:
        nested = _nested(engine, shape_node, values.value_set())
        for v in nested.checks:
            details = nested.reports(v)
            if nested.conforms(v) and not details:
                continue
            for focus in values.owners(v):
                engine.include(focus, values.of(focus))
                text, result, triples = component.make_v_result(
                    engine.report.graph, focus, value_node=v
                )
                text += "\tDetails:\n"
                for sub_text, sub_node, sub_triples in (fresh(d) for d in details):
                    text += indent(sub_text, "\t\t")
                    triples.append((result, SH.detail, sub_node))
                    triples.extend(sub_triples)
                out.setdefault(focus, Check()).add(True, [(text, result, triples)])
    return out


@handles(based.PropertyConstraintComponent)
def property_(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    assert isinstance(component, based.PropertyConstraintComponent)
    out: dict[Term, Check] = {}
    if not values.any():
        return out
    for shape_node in component.property_shapes:
        nested = _nested(engine, shape_node, values.value_set())
        for v in nested.checks:
            failed = not nested.conforms(v)
            for focus in values.owners(v):
                reports = [fresh(r) for r in nested.reports(v)]
                if failed or reports:
                    out.setdefault(focus, Check()).add(failed, reports)
    return out


def _judge(
    engine: Engine, component: ConstraintComponent, values: Values, bad: set[Term]
) -> dict[Term, Check]:
    """One result per (focus, value) pair whose value failed the logical test."""
    out: dict[Term, Check] = {}
    for v in bad:
        for focus in values.owners(v):
            engine.include(focus, values.of(focus))
            report = component.make_v_result(engine.report.graph, focus, value_node=v)
            out.setdefault(focus, Check()).add(True, [report])
    return out


def _merge(into: dict[Term, Check], more: dict[Term, Check]) -> None:
    for focus, check in more.items():
        into.setdefault(focus, Check()).add(check.failed, check.reports)


def _lists(engine: Engine, lists: list[Node]) -> list[list[Node]]:
    return [list(engine.model.graph.items(lst)) for lst in lists]


@handles(logical.OrConstraintComponent)
def or_(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    assert isinstance(component, logical.OrConstraintComponent)
    out: dict[Term, Check] = {}
    for members in _lists(engine, component.or_list):
        remaining = values.value_set()  # value nodes no member accepted yet
        for member in dict.fromkeys(members):  # pySHACL takes the members as a set
            failing = _failing(_nested(engine, member, remaining))
            remaining = NodeSet({v: engine.ws.store_term(v) for v in failing})
            if not failing:
                break
        _merge(out, _judge(engine, component, values, set(remaining.nodes)))
    return out


@handles(logical.AndConstraintComponent)
def and_(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    assert isinstance(component, logical.AndConstraintComponent)
    out: dict[Term, Check] = {}
    everything = values.value_set()
    for members in _lists(engine, component.and_list):
        bad: set[Term] = set()
        for member in dict.fromkeys(members):
            bad |= _failing(_nested(engine, member, everything))
        _merge(out, _judge(engine, component, values, bad))
    return out


@handles(logical.XoneConstraintComponent)
def xone(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    assert isinstance(component, logical.XoneConstraintComponent)
    everything = values.value_set()
    out: dict[Term, Check] = {}
    for members in _lists(engine, component.xone_nodes):
        counts = dict.fromkeys(everything.nodes, len(members))
        for member in members:  # pySHACL keeps duplicates in sh:xone lists
            for v in _failing(_nested(engine, member, everything)):
                counts[v] -= 1
        _merge(out, _judge(engine, component, values, {v for v, n in counts.items() if n != 1}))
    return out


@handles(logical.NotConstraintComponent)
def not_(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    assert isinstance(component, logical.NotConstraintComponent)
    everything = values.value_set()
    out: dict[Term, Check] = {}
    for shape_node in component.not_list:
        bad = set(everything.nodes) - _failing(_nested(engine, shape_node, everything))
        _merge(out, _judge(engine, component, values, bad))
    return out


@handles(based.QualifiedValueShapeConstraintComponent)
def qualified(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    assert isinstance(component, based.QualifiedValueShapeConstraintComponent)
    out: dict[Term, Check] = {}
    if (
        not component.is_disjoint
        and not values.any()
        and (component.min_count is None or component.min_count < 1)
    ):
        return out
    everything = values.value_set()
    for value_shape in component.value_shapes:
        qualifying = set(everything.nodes) - _failing(_nested(engine, value_shape, everything))
        if component.is_disjoint:
            for sibling in siblings(engine.model, component, value_shape):
                qualifying -= set(everything.nodes) - _failing(_nested(engine, sibling, everything))
        for focus, vs in values.pairs().items():
            count = sum(1 for v in vs if v in qualifying)
            for limit, too_many, kind in (
                (component.max_count, True, SH.QualifiedMaxCountConstraintComponent),
                (component.min_count, False, SH.QualifiedMinCountConstraintComponent),
            ):
                if limit is None or (count <= limit if too_many else count >= limit):
                    continue
                engine.include(focus)
                report = component.make_v_result(
                    engine.report.graph, focus, constraint_component=kind
                )
                out.setdefault(focus, Check()).add(True, [report])
    return out
