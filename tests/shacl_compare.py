"""Helpers of the SHACL fast path's tests: run it and plain pySHACL on rdflib graphs."""

from __future__ import annotations

import pyoxigraph as ox
from pyshacl.rdfutil.stringify import stringify_blank_node
from rdflib import Graph

from service.build.shacl.compare import differences, records
from service.build.shacl.data import load
from service.build.shacl.terms import to_ox
from service.build.shacl.validator import Result, validate_store
from service.build.validate import run_shacl

__all__ = ["differences", "fast_report", "records", "reference_report", "unexplained_fallback"]


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
