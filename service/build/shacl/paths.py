"""Property paths as a small tree, read from SHACL (pySHACL's way) or from SPARQL.

Incremental validation needs to know which triples evaluating a shape at a focus node reads:
along which path from the focus node, with which predicate, in which direction. Both SHACL
paths (sh:path) and the property paths inside SPARQL queries become this tree; `reads` lists the
triples a path reads, `sparql` writes it back as a SPARQL path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import RDF, RDFS, SH, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.paths import AlternativePath, InvPath, MulPath, Path, SequencePath
from rdflib.term import Node

from service.build.shacl.terms import Unsupported, iri
from service.vocab import iri_text


@dataclass(frozen=True)
class Step:
    """One predicate, forwards or backwards."""

    predicate: str
    inverse: bool = False


@dataclass(frozen=True)
class Seq:
    parts: tuple[PathTree, ...]


@dataclass(frozen=True)
class Alt:
    parts: tuple[PathTree, ...]


@dataclass(frozen=True)
class Repeat:
    part: PathTree
    mod: str  # "*", "+" or "?"


PathTree = Step | Seq | Alt | Repeat

# A triple read while evaluating at a focus node: (path from the focus node to the node whose
# triples are read, None for the focus node itself; predicate, None for any; True if the node
# is the object).
Read = tuple[str | None, str | None, bool]

_REPEATS = ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?"))
CLASS_PATH = Seq((Step(str(RDF.type)), Repeat(Step(str(RDFS.subClassOf)), "*")))


def sparql(tree: PathTree) -> str:
    """The path in SPARQL syntax."""
    if isinstance(tree, Step):
        return ("^" if tree.inverse else "") + iri(URIRef(tree.predicate))
    if isinstance(tree, Seq):
        return "(" + "/".join(sparql(p) for p in tree.parts) + ")"
    if isinstance(tree, Alt):
        return "(" + "|".join(sparql(p) for p in tree.parts) + ")"
    return f"({sparql(tree.part)}){tree.mod}"


def extend(base: str | None, tree: PathTree) -> str:
    """The path to the end of `tree` when it starts where `base` leads."""
    return sparql(tree) if base is None else f"{base}/{sparql(tree)}"


def reads(tree: PathTree, base: str | None) -> set[Read]:
    """Every triple pattern following `tree` from where `base` leads reads."""
    if isinstance(tree, Step):
        return {(base, tree.predicate, tree.inverse)}
    if isinstance(tree, Seq):
        out: set[Read] = set()
        at = base
        for part in tree.parts:
            out |= reads(part, at)
            at = extend(at, part)
        return out
    if isinstance(tree, Alt):
        return set().union(*(reads(p, base) for p in tree.parts))
    if tree.mod == "?":
        return reads(tree.part, base)
    return reads(tree.part, extend(base, Repeat(tree.part, "*")))


def inverse(tree: PathTree) -> PathTree:
    """The SPARQL inverse: ^(a/b) is ^b/^a."""
    if isinstance(tree, Step):
        return Step(tree.predicate, not tree.inverse)
    if isinstance(tree, Seq):
        return Seq(tuple(inverse(p) for p in reversed(tree.parts)))
    if isinstance(tree, Alt):
        return Alt(tuple(inverse(p) for p in tree.parts))
    return Repeat(inverse(tree.part), tree.mod)


def from_shacl(sg: Graph, path: Node, flip: bool = False, depth: int = 0) -> PathTree:
    """A sh:path read the way pySHACL reads it (inverse pushed down, sequences not reversed)."""
    if depth >= 10:
        raise Unsupported("SHACL path nested too deeply")
    if isinstance(path, URIRef):
        return Step(str(path), flip)
    if not isinstance(path, BNode):
        raise Unsupported(f"invalid sh:path {path!r}")
    if sg.value(path, RDF.first) is not None:
        return Seq(_members(sg, path, flip, depth, "sequence"))
    inner = sg.value(path, SH.inversePath)
    if inner is not None:
        return from_shacl(sg, inner, not flip, depth + 1)
    alternatives = sg.value(path, SH.alternativePath)
    if alternatives is not None:
        return Alt(_members(sg, alternatives, flip, depth, "alternative"))
    for predicate, mod in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = sg.value(path, predicate)
        if inner is not None:
            return Repeat(from_shacl(sg, inner, flip, depth + 1), mod)
    raise Unsupported(f"unknown SHACL path {path!r}")


def _members(sg: Graph, lst: Node, flip: bool, depth: int, kind: str) -> tuple[PathTree, ...]:
    members = tuple(from_shacl(sg, p, flip, depth + 1) for p in sg.items(lst))
    if len(members) < 2:
        raise Unsupported(f"a SHACL {kind} path needs at least two members")
    return members


def sparql_path(sg: Graph, path: Node) -> str:
    """A sh:path as the SPARQL property path that finds pySHACL's value nodes."""
    return sparql(from_shacl(sg, path))


def path_text(graph: Graph, node: Node | None, name: Callable[[str], str] = iri_text) -> str | None:
    """A sh:path or sh:resultPath as written in SPARQL, for people (reports) and for comparing
    reports; any node is accepted (one that is not a path shows as its blank node)."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return name(str(node))
    for predicate, fmt in ((SH.inversePath, "^{}"), *((p, "{}" + m) for p, m in _REPEATS)):
        inner = graph.value(node, predicate)
        if inner is not None:
            text = path_text(graph, inner, name) or ""
            nested = graph.value(inner, RDF.first) is not None
            return fmt.format(f"({text})" if nested else text)
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        parts = (path_text(graph, n, name) or "" for n in Collection(graph, alternatives))
        return "(" + "|".join(parts) + ")"
    if graph.value(node, RDF.first) is not None:
        return "/".join(path_text(graph, n, name) or "" for n in Collection(graph, node))
    return f"_:{node}"


def from_sparql(path: object) -> PathTree:
    """A predicate or rdflib property path from a parsed SPARQL query."""
    if isinstance(path, URIRef):
        return Step(str(path))
    if isinstance(path, InvPath):
        return inverse(from_sparql(path.arg))
    if isinstance(path, SequencePath):
        return Seq(tuple(from_sparql(p) for p in path.args))
    if isinstance(path, AlternativePath):
        return Alt(tuple(from_sparql(p) for p in path.args))
    if isinstance(path, MulPath):
        return Repeat(from_sparql(path.path), str(path.mod))
    if isinstance(path, Path):
        raise Unsupported(f"property path {path!r} (negated property sets are not followed)")
    raise Unsupported(f"predicate {path!r} is not an IRI or a path")
