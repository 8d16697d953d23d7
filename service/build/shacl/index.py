"""The validated graph, kept so a contribution can be validated against it incrementally.

`cpkg build` writes, next to the dataset: an on-disk pyoxigraph store holding the data graph,
each top-level shape's results (N-Triples, which keep literals and blank nodes as written, where
the store would rewrite some literals), and index.json
with what incremental validation needs and must not recompute: the per-shape conformance state,
each shape's dependencies (service/build/shacl/deps.py: parsing the SPARQL queries takes longer
than validating a contribution), the literals the store rewrites, the SHA-256 of the shapes and
a fingerprint of the files the graph was built from. A validation never writes to the index:
it works on a checkpoint (RocksDB hard links) in a temporary directory.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.util import from_n3

from service.build.shacl.api import Checked
from service.build.shacl.data import Literals
from service.build.shacl.deps import Dependencies, shape_dependencies
from service.build.shacl.outcome import ComponentState
from service.build.shacl.report import validation_report
from service.build.shacl.shapes import ShapesModel
from service.build.shacl.terms import Term, to_rdflib
from service.build.shacl.validator import Result

VERSION = 1
META = "index.json"
STORE = "store"
BASELINE = "baseline"


class IndexUnusable(Exception):
    """The index is missing, from another version, or built from other shapes or files."""


@dataclass
class ShapeBaseline:
    """A top-level shape's share of the built graph's validation."""

    node: str
    results: str  # file of its results (N-Triples) in the index directory, "" if none
    conforms: bool
    components: dict[int, ComponentState] = field(default_factory=dict)
    dependencies: Dependencies | None = None  # None: re-check all its focus nodes every time
    fallback: str | None = None


@dataclass
class Index:
    """An index on disk, opened."""

    directory: Path
    fingerprint: str
    shapes_sha256: str
    literals: Literals
    shapes: dict[str, ShapeBaseline]

    @contextlib.contextmanager
    def checkpoint(self) -> Iterator[ox.Store]:
        """A writable copy of the store, deleted afterwards (the index is never modified).

        The copy is made of hard links where the file system allows: next to the index if that
        directory is writable, else in the system's temporary directory."""
        try:
            tmp = Path(tempfile.mkdtemp(prefix=".cpkg-validate-", dir=self.directory.parent))
        except OSError:
            tmp = Path(tempfile.mkdtemp(prefix="cpkg-validate-"))
        try:
            ox.Store.read_only(str(self.directory / STORE)).backup(str(tmp / STORE))
            store = ox.Store(str(tmp / STORE))
            yield store
            del store
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


# -- terms and states in JSON -----------------------------------------------------------------


def _term(node: Term) -> str:
    return node.n3()


def _node(text: str) -> Term:
    found = from_n3(text)
    assert isinstance(found, URIRef | BNode | Literal)
    return found


def _ox_literal(lit: ox.Literal) -> list[str]:
    return [lit.value, lit.datatype.value, lit.language or ""]


def _from_ox_literal(parts: list[str]) -> ox.Literal:
    value, datatype, language = parts
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=ox.NamedNode(datatype))


def _literals_json(literals: Literals) -> dict[str, Any]:
    return {
        "originals": [[_ox_literal(s), _ox_literal(o)] for s, o in literals.originals.items()],
        "irregular": [[_term(r), _ox_literal(o)] for r, o in literals.irregular.items()],
    }


def _literals(data: dict[str, Any]) -> Literals:
    out = Literals()
    for stored, original in data["originals"]:
        out.originals[_from_ox_literal(stored)] = _from_ox_literal(original)
    for term, original in data["irregular"]:
        found = _node(term)
        assert isinstance(found, Literal)
        out.irregular[found] = _from_ox_literal(original)
    return out


def _deps_json(deps: Dependencies | None) -> dict[str, Any] | None:
    if deps is None:
        return None
    return {
        "reads": sorted(map(list, deps.reads), key=str),
        "anywhere": sorted(deps.anywhere, key=str),
    }


def _deps(data: dict[str, Any] | None) -> Dependencies | None:
    if data is None:
        return None
    return Dependencies({(p, q, bool(b)) for p, q, b in data["reads"]}, set(data["anywhere"]))


def _shape_json(shape: ShapeBaseline) -> dict[str, Any]:
    return {
        "node": shape.node,
        "results": shape.results,
        "conforms": shape.conforms,
        "fallback": shape.fallback,
        "dependencies": _deps_json(shape.dependencies),
        "components": {
            str(k): {
                "failed": sorted(map(_term, s.failed)),
                "disallowed": sorted(map(_term, s.disallowed)),
            }
            for k, s in shape.components.items()
        },
    }


def _shape(data: dict[str, Any]) -> ShapeBaseline:
    components = {
        int(k): ComponentState({_node(n) for n in v["failed"]}, {_node(n) for n in v["disallowed"]})
        for k, v in data["components"].items()
    }
    return ShapeBaseline(
        node=data["node"],
        results=data["results"],
        conforms=data["conforms"],
        components=components,
        dependencies=_deps(data["dependencies"]),
        fallback=data["fallback"],
    )


# -- writing and opening ----------------------------------------------------------------------


def _baselines(model: ShapesModel, result: Result, directory: Path) -> list[ShapeBaseline]:
    """Per top-level shape: its results (written to a file), state and dependencies."""
    out: list[ShapeBaseline] = []
    by_node = {s.node: s for s in model.shapes}
    (directory / BASELINE).mkdir()
    for i, shape in enumerate(result.shapes):
        if not isinstance(shape.shape, URIRef):
            continue  # blank-node shapes get new ids when the shapes are parsed again
        results = ""
        if shape.reports:
            results = f"{BASELINE}/{i}.nt"
            report = validation_report(model.sg, shape.conforms, shape.reports)
            report.serialize(destination=directory / results, format="nt", encoding="utf-8")
        deps = None
        if shape.fallback is None:
            with contextlib.suppress(Exception):  # unreadable: re-check every focus node
                deps = shape_dependencies(model, by_node[shape.shape])
        out.append(
            ShapeBaseline(
                str(shape.shape), results, shape.conforms, shape.components, deps, shape.fallback
            )
        )
    return out


def write_index(directory: Path, checked: Checked, *, fingerprint: str, shapes_sha256: str) -> None:
    """Write the index for a validated data graph (replacing any index in `directory`)."""
    data, literals, model, result = checked.store, checked.literals, checked.model, checked.result
    if model is None or result is None:
        raise ValueError("pySHACL validated every shape: the fast path has nothing to index")
    tmp = directory.with_name(f".{directory.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir(parents=True)
    try:
        disk = ox.Store(str(tmp / STORE))  # quads, not a dump: loading would rename blank nodes
        disk.bulk_extend(data.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        disk.flush()
        del disk
        shapes = _baselines(model, result, tmp)
        meta = {
            "version": VERSION,
            "fingerprint": fingerprint,
            "shapes_sha256": shapes_sha256,
            "literals": _literals_json(literals),
            "shapes": [_shape_json(s) for s in shapes],
        }
        (tmp / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        if directory.exists():
            shutil.rmtree(directory)
        tmp.rename(directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def open_index(directory: Path, *, fingerprint: str, shapes_sha256: str) -> Index:
    """The index, if it exists and was built from these files and shapes."""
    try:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnusable(f"no usable validation index in {directory} ({exc})") from None
    if meta.get("version") != VERSION:
        raise IndexUnusable(f"validation index {directory} is from another version")
    if meta.get("shapes_sha256") != shapes_sha256:
        raise IndexUnusable("the shapes changed since the dataset was built")
    if meta.get("fingerprint") != fingerprint:
        raise IndexUnusable("the project's files changed since the dataset was built")
    shapes = {s["node"]: _shape(s) for s in meta["shapes"]}
    return Index(directory, fingerprint, shapes_sha256, _literals(meta["literals"]), shapes)


def baseline_graph(index: Index, shape: ShapeBaseline) -> Graph:
    """A shape's results in the built graph (literals and blank nodes as written)."""
    graph = Graph(bind_namespaces="none")
    if shape.results:
        path = index.directory / shape.results
        for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES):
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph
