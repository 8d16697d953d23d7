"""Validate the project's files (or any triples) with the fast path.

The data is loaded once into a pyoxigraph store (its default graph is the data graph pySHACL
would see) and validated there; data the store cannot hold faithfully (two literals it would
merge, service/build/shacl/data.py) is validated by plain pySHACL instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox
from rdflib import Graph

from service.build.loading import LoadedFile, to_rdflib
from service.build.shacl.data import Literals, Unfaithful, load
from service.build.shacl.fallback import validate_all
from service.build.shacl.shapes import ShapesModel
from service.build.shacl.validator import Result, validate_store


@dataclass
class Checked:
    """A SHACL validation: the report, and the store holding the data it was made from."""

    conforms: bool
    report: Graph
    store: ox.Store
    literals: Literals
    fallback: dict[str, str] = field(default_factory=dict)  # shape -> why pySHACL ran it
    result: Result | None = None
    model: ShapesModel | None = None


@cache
def _namespaces() -> tuple[tuple[str, str], ...]:
    return tuple((p, str(n)) for p, n in to_rdflib([]).namespaces())


def namespaces() -> dict[str, str]:
    """The prefixes of the project's data graph: pySHACL's SPARQL queries resolve them."""
    return dict(_namespaces())


def check_files(data: Sequence[LoadedFile], shapes: Graph) -> Checked:
    """Validate the union of the files' triples against the shapes."""
    try:
        store, literals = load(q for f in data for q in f.quads)
    except Unfaithful as exc:
        return _plain(data, shapes, str(exc))
    model = ShapesModel(shapes)
    result = validate_store(store, model, namespaces(), literals)
    return Checked(result.conforms, result.graph, store, literals, result.fallback, result, model)


def _plain(data: Sequence[LoadedFile], shapes: Graph, why: str) -> Checked:
    """Plain pySHACL, for data the store cannot hold faithfully."""
    conforms, report = validate_all(ShapesModel(shapes), to_rdflib(data))
    store = ox.Store()
    store.bulk_extend(_default_graph(q for f in data for q in f.quads))
    reason = f"the store would change literals ({why})"
    return Checked(conforms, report, store, Literals(), {"all shapes": reason})


def _default_graph(quads: Iterable[ox.Quad]) -> Iterable[ox.Quad]:
    return (ox.Quad(q.subject, q.predicate, q.object) for q in quads)
