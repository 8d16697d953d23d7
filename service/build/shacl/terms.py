"""RDF terms between pyoxigraph (where the data lives) and rdflib (what pySHACL reports in),
and SHACL property paths as SPARQL property paths.

Every term the engine holds is a pair: the rdflib term pySHACL's own code compares and reports,
and the pyoxigraph term the store knows. Literals are never converted back from rdflib (rdflib
normalises lexical forms), so the store term of a value is always the one the store returned.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from service.build.loading import XSD_STRING, rdflib_term

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Term = URIRef | BNode | Literal  # a data node, as pySHACL holds it

# One node set: rdflib term -> the store's term for it, in a stable order.
Nodes = dict[Term, OxTerm]


class Unsupported(Exception):
    """A shape feature the fast path does not evaluate; the shape goes to pySHACL instead."""


def to_rdflib(term: object) -> Term:
    """The rdflib term pySHACL would hold for a store term (same conversion as the build's)."""
    return rdflib_term(term)


def to_ox(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A store term for an rdflib term from the shapes graph (sh:targetNode, sh:class, ...)."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        datatype = str(node.datatype) if node.datatype is not None else XSD_STRING
        return ox.Literal(str(node), datatype=ox.NamedNode(datatype))
    raise Unsupported(f"unsupported RDF term {node!r}")


def nodes_from_store(terms: Iterable[OxTerm]) -> Nodes:
    """A node set from store terms, keeping the first store term of each rdflib term."""
    out: Nodes = {}
    for term in terms:
        out.setdefault(to_rdflib(term), term)
    return out


def iri(node: Node) -> str:
    """An IRI in SPARQL syntax; blank nodes and literals cannot be written into a query."""
    if not isinstance(node, URIRef):
        raise Unsupported(f"{node!r} cannot be written into a SPARQL query")
    text = str(node)
    if any(c in text for c in '<>"{}|^`\\ \n'):
        raise Unsupported(f"IRI {text!r} cannot be written into a SPARQL query")
    return f"<{text}>"


def sparql_path(sg: Graph, path: Node, *, inverse: bool = False, depth: int = 0) -> str:
    """A SHACL path as a SPARQL property path, with pySHACL's reading of it.

    pySHACL pushes sh:inversePath down to the predicates without reversing sequences
    (^(a/b) is read as ^a/^b, helper/expression_helper.py), so this does the same: the fast
    path must find exactly the value nodes pySHACL finds.
    """
    if depth >= 10:
        raise Unsupported("SHACL path nested too deeply")
    if isinstance(path, URIRef):
        return ("^" if inverse else "") + iri(path)
    if not isinstance(path, BNode):
        raise Unsupported(f"invalid sh:path {path!r}")
    if sg.value(path, RDF.first) is not None:
        items = list(sg.items(path))
        if len(items) < 2:
            raise Unsupported("a SHACL sequence path needs at least two members")
        parts = [sparql_path(sg, i, inverse=inverse, depth=depth + 1) for i in items]
        return "(" + "/".join(parts) + ")"
    inner = sg.value(path, SH.inversePath)
    if inner is not None:
        return sparql_path(sg, inner, inverse=not inverse, depth=depth + 1)
    alternatives = sg.value(path, SH.alternativePath)
    if alternatives is not None:
        items = list(sg.items(alternatives))
        if len(items) < 2:
            raise Unsupported("a SHACL alternative path needs at least two members")
        parts = [sparql_path(sg, i, inverse=inverse, depth=depth + 1) for i in items]
        return "(" + "|".join(parts) + ")"
    for predicate, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = sg.value(path, predicate)
        if inner is not None:
            return "(" + sparql_path(sg, inner, inverse=inverse, depth=depth + 1) + ")" + suffix
    raise Unsupported(f"unknown SHACL path {path!r}")
