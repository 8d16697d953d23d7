"""The graph pySHACL builds results from, and the final sh:ValidationReport.

pySHACL copies blank focus nodes and values into the report with their properties (and prints
them in generic messages), reading them from the data graph it is given. The fast path gives it
a small graph holding just those blank nodes' closures, fetched from the store on demand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from pyshacl.rdfutil.stringify import stringify_blank_node
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.validator import Validator
from rdflib import BNode, Graph
from rdflib.term import Node

from service.build.shacl.outcome import Report
from service.build.shacl.workspace import Workspace

MAX_DEPTH = 12  # pySHACL stops stringifying blank nodes at this depth


def forget_stringified(graph: Graph) -> None:
    """Drop pySHACL's cached blank-node strings for a graph that reuses a dead graph's id()."""
    cache = stringify_blank_node.dict_cache
    for key in [k for k in cache if k[0] == id(graph)]:
        del cache[key]


class ReportGraph(Graph):
    """A data graph for pySHACL's result builders; always truthy.

    pySHACL writes `datagraph or shapes_graph`, so an empty graph would make it describe focus
    nodes with the shapes graph's prefixes instead of the data graph's.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        forget_stringified(self)

    def __bool__(self) -> bool:
        return True


class ReportData:
    """Blank-node closures of the nodes that appear in results, copied from the store."""

    def __init__(self, ws: Workspace, namespaces: Mapping[str, str]) -> None:
        self.ws = ws
        self.graph = ReportGraph(bind_namespaces="none")
        for prefix, namespace in namespaces.items():
            self.graph.bind(prefix, namespace, override=True, replace=True)
        self._done: set[str] = set()

    def include(self, nodes: Iterable[Node]) -> None:
        """Copy the triples pySHACL follows from each blank node (forward, to any depth)."""
        frontier = [n for n in nodes if isinstance(n, BNode) and str(n) not in self._done]
        depth = 0
        while frontier and depth <= MAX_DEPTH:
            following: list[BNode] = []
            for node in frontier:
                if str(node) in self._done:
                    continue
                self._done.add(str(node))
                subject = ox.BlankNode(str(node))
                for q in self.ws.store.quads_for_pattern(subject, None, None, ox.DefaultGraph()):
                    obj = self.ws.term(q.object)
                    self.graph.add((node, self.ws.term(q.predicate), obj))
                    if isinstance(obj, BNode):
                        following.append(obj)
            frontier = following
            depth += 1


def validation_report(sg: ShapesGraph, conforms: bool, reports: list[Report]) -> Graph:
    """The sh:ValidationReport, assembled by pySHACL from the results."""
    graph, _ = Validator.create_validation_report(sg, conforms, reports)
    return graph
