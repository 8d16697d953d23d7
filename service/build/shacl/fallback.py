"""pySHACL itself, for the shapes the fast path does not evaluate.

The data is copied from the store into an rdflib graph only when some shape needs it; pySHACL
then validates just those shapes, with the same executor options, and its results join the
others in one report.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox
import pyshacl
from pyshacl.shape import Shape
from rdflib import Graph

from service.build.shacl.data import Literals
from service.build.shacl.outcome import Report
from service.build.shacl.shapes import ShapesModel
from service.build.shacl.terms import Term, to_rdflib


def rdflib_copy(store: ox.Store, namespaces: Mapping[str, str], literals: Literals) -> Graph:
    """The store's data graph, with literals as written, as the rdflib graph pySHACL validates."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in namespaces.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        obj = to_rdflib(literals.restore(q.object))
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), obj))
    return graph


def validate_shape(
    model: ShapesModel, shape: Shape, data: Graph, focus: list[Term] | None = None
) -> tuple[bool, list[Report]]:
    """pySHACL's Shape.validate: on its targets, or on the given focus nodes."""
    if focus is not None and not focus:
        return True, []
    conforms, reports = shape.validate(model.executor, data, focus=focus)
    return bool(conforms), list(reports)


def validate_all(model: ShapesModel, data: Graph) -> tuple[bool, Graph]:
    """Plain pySHACL, for shapes graphs whose features change every shape (rules, functions)."""
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=model.graph,
        inference="none",
        advanced=True,
        allow_warnings=model.options.allow_warnings,
        allow_infos=model.options.allow_infos,
        abort_on_first=False,
        inplace=True,
    )
    assert isinstance(report, Graph)
    return bool(conforms), report
