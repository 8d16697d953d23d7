"""What evaluating a shape produced, and pySHACL's rules for when that means "conforms".

Results are pySHACL's own result tuples (description, result node, triples), so the final report
is assembled by pySHACL's Validator.create_validation_report. Conformance follows
pyshacl/shape.py exactly, including its handling of allow_warnings/allow_infos (a shape whose
severity is allowed conforms even when its property shapes report violations).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyshacl.pytypes import SHACLExecutor
from pyshacl.shape import Shape
from rdflib import SH, BNode
from rdflib.term import Node

from service.build.shacl.terms import Term

Report = tuple[str, BNode, list[tuple[Any, Any, Any]]]


@dataclass
class ComponentState:
    """Per constraint component: focus nodes that failed, and those with disallowed results."""

    failed: set[Term] = field(default_factory=set)
    disallowed: set[Term] = field(default_factory=set)


@dataclass
class Check:
    """One constraint component's verdict on one focus node."""

    failed: bool = False
    reports: list[Report] = field(default_factory=list)

    def add(self, failed: bool, reports: Iterable[Report]) -> None:
        self.failed = self.failed or failed
        self.reports.extend(reports)


def severity(report: Report) -> Node | None:
    _, node, triples = report
    return next((o for s, p, o in triples if s is node and p == SH.resultSeverity), None)


def focus_of(report: Report) -> Term:
    """The sh:focusNode of a result (pySHACL stores data nodes as (graph, node) pairs)."""
    _, node, triples = report
    for s, p, o in triples:
        if s is node and p == SH.focusNode:
            return o[1] if isinstance(o, tuple) else o
    raise ValueError("validation result without sh:focusNode")


def fresh(report: Report) -> Report:
    """A copy with new result nodes: pySHACL builds a separate result each time it validates."""
    _, node, triples = report
    renamed: dict[BNode, BNode] = {}

    def rename(term: Any) -> Any:
        if type(term) is BNode:  # result nodes only; data and shape nodes travel as tuples
            return renamed.setdefault(term, BNode())
        return term

    copied = [(rename(s), p, rename(o)) for s, p, o in triples]
    return report[0], rename(node), copied


class Rules:
    """pySHACL's allow_warnings / allow_infos logic for one executor."""

    def __init__(self, executor: SHACLExecutor) -> None:
        allowed: set[Node] = set()
        if executor.allow_infos:
            allowed.add(SH.Info)
        if executor.allow_warnings:
            allowed |= {SH.Info, SH.Warning}
        self.allowed = allowed

    def nonconforming(self, shape: Shape, checks: Iterable[Check]) -> bool:
        """Shape.validate's verdict for the checks of its components."""
        allow_conform = bool(self.allowed) and shape.severity in self.allowed
        filter_reports = bool(self.allowed) and not allow_conform
        for check in checks:
            if not check.failed or allow_conform:
                continue
            if not filter_reports:
                return True
            if any(severity(r) not in self.allowed for r in check.reports):
                return True
        return False

    def nonconforming_states(self, shape: Shape, states: Iterable[ComponentState]) -> bool:
        """The same verdict from per-component states (focus nodes that failed / that have
        results of a severity not allowed), as kept for a built graph."""
        allow_conform = bool(self.allowed) and shape.severity in self.allowed
        filter_reports = bool(self.allowed) and not allow_conform
        return any(
            state.failed and not allow_conform and (not filter_reports or state.disallowed)
            for state in states
        )


@dataclass
class Outcome:
    """A shape evaluated over a set of focus nodes: component checks per focus node."""

    shape: Shape
    rules: Rules
    checks: dict[Term, dict[int, Check]] = field(default_factory=dict)

    def add(self, focus: Term, component: int, check: Check) -> None:
        self.checks.setdefault(focus, {}).setdefault(component, Check()).add(
            check.failed, check.reports
        )

    def conforms(self, focus: Term) -> bool:
        """Shape.validate(focus=...) returns this as its conformance."""
        checks = self.checks.get(focus)
        return not checks or not self.rules.nonconforming(self.shape, checks.values())

    def reports(self, focus: Term) -> list[Report]:
        checks = self.checks.get(focus, {})
        return [r for c in checks.values() for r in c.reports]

    def all_reports(self) -> list[Report]:
        return [r for checks in self.checks.values() for c in checks.values() for r in c.reports]

    def component_checks(self) -> dict[int, Check]:
        """Checks merged over all focus nodes: what Shape.validate sees without focus=."""
        merged: dict[int, Check] = {}
        for checks in self.checks.values():
            for key, check in checks.items():
                merged.setdefault(key, Check()).add(check.failed, check.reports)
        return merged

    def top_level_conforms(self) -> bool:
        return not self.rules.nonconforming(self.shape, self.component_checks().values())
