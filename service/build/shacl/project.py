"""The project's SHACL checks: the whole graph at build time, a contribution against the build.

`cpkg build` validates the project's files with the fast path and keeps what incremental
validation needs in var/dataset/shacl-index (service/build/shacl/index.py). `cpkg validate`
checks a contribution against that index when it was built from the current ontology/ and
graph/ files (their SHA-256), and falls back to validating everything otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import SH, BNode, Graph
from rdflib.term import Node

from service.build.loading import LoadedFile, project_files, rdflib_term, to_rdflib
from service.build.shacl.api import Checked, check_files, namespaces
from service.build.shacl.data import Unfaithful
from service.build.shacl.incremental import validate_incremental
from service.build.shacl.index import IndexUnusable, open_index, write_index
from service.build.shacl.validator import Result
from service.config import Settings
from service.errors import ConfigError

INDEX_DIR = "shacl-index"
Parent = Callable[[BNode], tuple[Node, Node] | None]


@dataclass
class ShapesCheck:
    """A SHACL check of a contribution, how it was made, and what points at blank nodes."""

    conforms: bool
    report: Graph
    parent: Parent
    mode: str  # "incremental" or "full (<why>)"


def fingerprint(settings: Settings) -> str:
    """SHA-256 over the names and contents of the project's files (shapes included)."""
    digest = hashlib.sha256()
    for path in project_files(settings):
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def shapes_sha256(shapes: LoadedFile) -> str:
    return hashlib.sha256(shapes.path.read_bytes()).hexdigest()


def parent_in(store: ox.Store) -> Parent:
    """What points at a blank node in the data graph (subject, predicate), to describe it."""

    def parent(node: BNode) -> tuple[Node, Node] | None:
        found = store.quads_for_pattern(None, None, ox.BlankNode(str(node)), ox.DefaultGraph())
        quad = next(iter(found), None)
        return None if quad is None else (rdflib_term(quad.subject), rdflib_term(quad.predicate))

    return parent


def write_validation_index(settings: Settings, checked: Checked, shapes: LoadedFile) -> None:
    """Keep the build's validation for incremental checks (nothing if pySHACL validated all)."""
    if checked.result is None or checked.model is None:
        return
    try:
        write_index(
            settings.output_dir / INDEX_DIR,
            checked,
            fingerprint=fingerprint(settings),
            shapes_sha256=shapes_sha256(shapes),
        )
    except OSError as exc:
        raise ConfigError(
            f"cannot write the validation index to {settings.output_dir / INDEX_DIR}: "
            f"{exc.strerror or exc}; choose another directory with --output DIR"
        ) from None


def _parents(store: ox.Store, result: Result) -> dict[BNode, tuple[Node, Node]]:
    """Parents of the report's blank focus nodes, read before the combined data is deleted."""
    parent = parent_in(store)
    blanks = {f for f in result.graph.objects(None, SH.focusNode) if isinstance(f, BNode)}
    return {b: p for b in blanks if (p := parent(b)) is not None}


def check_contribution(
    settings: Settings,
    project: Sequence[LoadedFile],
    contribution: Sequence[LoadedFile],
    shapes: LoadedFile,
) -> ShapesCheck:
    """Incrementally against the build when its index is current; else the whole graph."""
    try:
        index = open_index(
            settings.output_dir / INDEX_DIR,
            fingerprint=fingerprint(settings),
            shapes_sha256=shapes_sha256(shapes),
        )
        quads = (q for f in contribution for q in f.quads)
        result, parents = validate_incremental(
            index, quads, to_rdflib([shapes]), namespaces(), _parents
        )
        return ShapesCheck(result.conforms, result.graph, parents.get, "incremental")
    except (IndexUnusable, Unfaithful) as exc:
        why = str(exc)
    except OSError as exc:  # the index is being rebuilt, or its store cannot be read
        why = f"the validation index cannot be read ({exc})"
    checked = check_files([*project, *contribution], to_rdflib([shapes]))
    return ShapesCheck(checked.conforms, checked.report, parent_in(checked.store), f"full ({why})")
