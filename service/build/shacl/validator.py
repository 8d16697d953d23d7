"""Validate a store's data graph: the fast path for every shape it supports, pySHACL for the rest.

The report is one standard sh:ValidationReport assembled by pySHACL from all results, so it has
the focus nodes, paths, values, source shapes, constraint components, severities and messages
pySHACL itself would write (tests/build/test_shacl_equivalence.py checks that they are equal).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox
from pyshacl.shape import Shape
from rdflib import Graph

# Registers the component handlers with the engine.
from service.build.shacl import components, nested, sparql  # noqa: F401
from service.build.shacl.data import Literals
from service.build.shacl.engine import Engine
from service.build.shacl.fallback import rdflib_copy, validate_all, validate_shape
from service.build.shacl.outcome import ComponentState, Outcome, Report, Rules, severity
from service.build.shacl.report import ReportData, validation_report
from service.build.shacl.shapes import ShapesModel
from service.build.shacl.targets import focus_set
from service.build.shacl.terms import Term, Unsupported
from service.build.shacl.workspace import NodeSet, Workspace

FocusFor = Callable[[Engine, Shape], NodeSet]


@dataclass
class ShapeResult:
    """One top-level shape's share of the report."""

    shape: Term
    reports: list[Report]
    conforms: bool
    components: dict[int, ComponentState] = field(default_factory=dict)
    fallback: str | None = None  # why pySHACL validated this shape, if it did
    focus_nodes: int | None = None  # how many focus nodes were evaluated, if counted


@dataclass
class Result:
    """The validation report and how it was produced."""

    conforms: bool
    graph: Graph
    shapes: list[ShapeResult]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def fallback(self) -> dict[str, str]:
        """Shapes pySHACL validated, with the reason the fast path did not."""
        return {str(s.shape): s.fallback for s in self.shapes if s.fallback is not None}


def component_states(outcome: Outcome, rules: Rules) -> dict[int, ComponentState]:
    states: dict[int, ComponentState] = {}
    for focus, checks in outcome.checks.items():
        for key, check in checks.items():
            state = states.setdefault(key, ComponentState())
            if check.failed:
                state.failed.add(focus)
            if any(severity(r) not in rules.allowed for r in check.reports):
                state.disallowed.add(focus)
    return states


def _fast(engine: Engine, shape: Shape, focus_for: FocusFor) -> ShapeResult:
    focus = focus_for(engine, shape)
    outcome = engine.evaluate(shape, focus)
    return ShapeResult(
        shape=shape.node,
        reports=outcome.all_reports(),
        conforms=outcome.top_level_conforms(),
        components=component_states(outcome, engine.rules),
        focus_nodes=focus.size(),
    )


def run(
    store: ox.Store,
    model: ShapesModel,
    namespaces: Mapping[str, str],
    literals: Literals | None = None,
    *,
    focus_for: FocusFor = focus_set,
    fallback_focus: Callable[[Shape, Graph], list[Term] | None] | None = None,
) -> Result:
    """Validate every shape of the model; `focus_for` picks each shape's focus nodes."""
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    literals = literals if literals is not None else Literals()
    if model.global_reason is not None:
        conforms, graph = validate_all(model, rdflib_copy(store, namespaces, literals))
        reason = model.global_reason
        shapes = [ShapeResult(s.node, [], True, fallback=reason) for s in model.shapes]
        return Result(conforms, graph, shapes, {"total": time.perf_counter() - started})
    ws = Workspace(store, namespaces, literals)
    engine = Engine(ws, model, ReportData(ws, namespaces))
    results: list[ShapeResult] = []
    pending: list[tuple[Shape, str]] = []
    try:
        for shape in model.shapes:
            if not model.targeted(shape):
                continue  # pySHACL finds no focus nodes for it: only other shapes use it
            why = model.unsupported(shape) or model.targets_unsupported(shape)
            if why is None:
                began = time.perf_counter()
                try:
                    results.append(_fast(engine, shape, focus_for))
                    seconds[str(shape.node)] = time.perf_counter() - began
                    continue
                except Unsupported as exc:
                    why = str(exc)
            pending.append((shape, why))
    finally:
        ws.close()
    if pending:
        data = rdflib_copy(store, namespaces, literals)
        results.extend(_fallback(model, data, pending, fallback_focus))
    conforms = all(r.conforms for r in results)
    reports = [r for result in results for r in result.reports]
    graph = validation_report(model.sg, conforms, reports)
    seconds["total"] = time.perf_counter() - started
    return Result(conforms, graph, results, seconds)


def _fallback(
    model: ShapesModel,
    data: Graph,
    pending: list[tuple[Shape, str]],
    fallback_focus: Callable[[Shape, Graph], list[Term] | None] | None,
) -> list[ShapeResult]:
    out: list[ShapeResult] = []
    for shape, reason in pending:
        focus = fallback_focus(shape, data) if fallback_focus is not None else None
        conforms, reports = validate_shape(model, shape, data, focus)
        out.append(ShapeResult(shape.node, reports, conforms, fallback=reason))
    return out


def validate_store(
    store: ox.Store,
    shapes: Graph | ShapesModel,
    namespaces: Mapping[str, str],
    literals: Literals | None = None,
) -> Result:
    """Validate the store's default graph against the shapes (all of them, on their targets)."""
    model = shapes if isinstance(shapes, ShapesModel) else ShapesModel(shapes)
    return run(store, model, namespaces, literals)
