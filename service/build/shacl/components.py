"""Handlers for constraints decided by the value nodes alone, and for sh:class.

Value-local constraints (sh:datatype, sh:minCount, sh:pattern, ...) are decided by pySHACL's own
component code, run over all focus nodes at once: first against an empty graph to find the
failing focus nodes, then again for just those, against the graph holding their blank-node
closures, so the results it writes are exactly pySHACL's.
"""

from __future__ import annotations

from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.constraints.core.value_constraints import ClassConstraintComponent
from rdflib import Graph

from service.build.shacl.engine import Engine, handles
from service.build.shacl.outcome import Check, Report, focus_of
from service.build.shacl.shapes import LOCAL
from service.build.shacl.terms import Term
from service.build.shacl.values import Values

# Never filled: the first pass only needs to know which focus nodes fail.
_PROBE = Graph(bind_namespaces="none")


@handles(*LOCAL)
def local(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    executor = engine.model.executor
    as_sets = {f: set(vs) for f, vs in values.pairs().items()}
    conforms, probe = component.evaluate(executor, _PROBE, as_sets, [])
    if conforms and not probe:
        return {}
    failing = {focus_of(r) for r in probe}
    for focus in failing:
        engine.include(focus, values.of(focus))
    subset = {f: as_sets[f] for f in as_sets if f in failing}
    _, reports = component.evaluate(executor, engine.report.graph, subset, [])
    return _by_focus(reports)


@handles(ClassConstraintComponent)
def class_(engine: Engine, component: ConstraintComponent, values: Values) -> dict[Term, Check]:
    assert isinstance(component, ClassConstraintComponent)
    out: dict[Term, Check] = {}
    for cls in component.class_rules:
        instances = engine.instances(cls)
        for focus, vs in values.pairs().items():
            bad = [v for v, term in vs.items() if term not in instances]
            if not bad:
                continue
            engine.include(focus, vs)
            graph = engine.report.graph
            reports = [component.make_v_result(graph, focus, value_node=v) for v in bad]
            out.setdefault(focus, Check()).add(True, reports)
    return out


def _by_focus(reports: list[Report]) -> dict[Term, Check]:
    out: dict[Term, Check] = {}
    for report in reports:
        out.setdefault(focus_of(report), Check()).add(True, [report])
    return out
